import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'

// An application starts from a kept vehicle: its plate and its saved crew, unless the form
// changes what differs (issue 19, "Vehicles and crews kept once").

let t: TestApp
let vehicle: { id: string; plate: string; crew: unknown[] }
const SAVED_ID = residentId('19750808', '317')
beforeAll(async () => {
  t = await buildTestApp()
  const res = await t.call('POST', '/api/v1/vehicles', {
    as: 'enterprise',
    body: {
      plate: '沪B24680',
      kind: 'heavy_truck',
      crew: [
        { name: '周师傅', id_number: SAVED_ID, phone: '13511112222' },
        { name: '吴师傅', id_number: residentId('19820202', '458'), phone: '13633334444' },
      ],
    },
  })
  expect(res.status, res.text).toBe(201)
  vehicle = res.json
})

/** The application body without plate and crew, naming the vehicle. */
const fromVehicle = (overrides: Record<string, unknown> = {}) => {
  const { plate: _plate, crew: _crew, ...rest } = applicationBody()
  return { ...rest, vehicle_id: vehicle.id, ...overrides }
}
const apply = (body: unknown, as: 'enterprise' | { token: string } = 'enterprise') =>
  t.call('POST', '/api/v1/applications', { as, body })

describe('applying from a kept vehicle', () => {
  it('takes the vehicle’s plate and saved crew, and the approved pass carries that crew', async () => {
    const res = await apply(fromVehicle())
    expect(res.status, res.text).toBe(201)
    expect(res.json.plate).toBe('沪B24680')
    expect(res.json.crew).toEqual(vehicle.crew)
    // Copied sealed as it is: the same ciphertexts as the vehicle's row.
    const stored = (table: string, id: string) =>
      t.sqlite.prepare(`SELECT crew FROM ${table} WHERE id = ?`).pluck().get(id)
    expect(stored('applications', res.json.id)).toBe(stored('vehicles', vehicle.id))

    const pass = await t.call('POST', `/api/v1/applications/${res.json.id}/approve`, {
      as: 'coordinator',
    })
    expect(pass.status, pass.text).toBe(201)
    expect(pass.json.plate).toBe('沪B24680')
    const shown = await t.call('GET', `/api/v1/passes/${pass.json.number}`, { as: 'enterprise' })
    expect(shown.json.crew).toEqual(vehicle.crew)
  })

  it('asks for a crew when the kept one was erased on its holder’s request', async () => {
    const kept = await t.call('POST', '/api/v1/vehicles', {
      as: 'enterprise',
      body: {
        plate: '沪B13579',
        kind: 'van',
        crew: [{ name: '冯师傅', id_number: residentId('19700505', '219'), phone: '13712345678' }],
      },
    })
    expect(kept.status, kept.text).toBe(201)
    t.sqlite.prepare("UPDATE vehicles SET crew = '[]' WHERE id = ?").run(kept.json.id)
    const { plate: _plate, crew: _crew, ...rest } = applicationBody()
    const refused = await apply({ ...rest, vehicle_id: kept.json.id })
    expect(refused.status).toBe(400)
    expect(refused.json.error.code).toBe('vehicle_crew_empty')
    expect(refused.json.error.details).toEqual([{ field: 'crew', message: expect.any(String) }])
    const withCrew = await apply({
      ...rest,
      vehicle_id: kept.json.id,
      crew: [{ name: '冯师傅', id_number: residentId('19700505', '219'), phone: '13712345678' }],
    })
    expect(withCrew.status, withCrew.text).toBe(201)
  })

  it('uses a crew given in the request for this application only', async () => {
    const otherId = residentId('19910303', '772')
    const res = await apply(
      fromVehicle({
        crew: [{ name: '郑替班', id_number: otherId, phone: '13855556666' }],
        valid_from: '2026-12-28T16:00:00+08:00',
        valid_until: '2027-01-05T16:00:00+08:00',
      }),
    )
    expect(res.status, res.text).toBe(201)
    expect(res.json.plate).toBe('沪B24680')
    expect(res.json.crew).toEqual([
      {
        name: '郑*班',
        id_number: `${otherId.slice(0, 6)}********${otherId.slice(-4)}`,
        phone: '138****6666',
      },
    ])
    const kept = await t.call('GET', `/api/v1/vehicles/${vehicle.id}`, { as: 'enterprise' })
    expect(kept.json.crew).toEqual(vehicle.crew)
  })

  it('accepts the vehicle’s own plate, however typed, and refuses another (400 vehicle_plate_mismatch)', async () => {
    // Starting now, it would supersede the current pass at approval: no overlap refused.
    const same = await apply(fromVehicle({ plate: '沪b·24680' }))
    expect(same.status, same.text).toBe(201)
    const other = await apply(fromVehicle({ plate: '沪B24681' }))
    expect(other.status).toBe(400)
    expect(other.json.error.code).toBe('vehicle_plate_mismatch')
    expect(other.json.error.details).toEqual([
      { field: 'plate', message: expect.stringContaining('沪B24680') },
    ])
  })

  it('refuses a vehicle that is not the firm’s, the same as one that does not exist (400 unknown_vehicle)', async () => {
    await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'from-vehicle-other',
        password: 'other-firm-password',
        role: 'enterprise',
        enterprise_id: 'demo-ent-2',
      },
    })
    const other = { token: await t.login('from-vehicle-other', 'other-firm-password') }
    const theirs = await apply(fromVehicle(), other)
    expect(theirs.status).toBe(400)
    expect(theirs.json.error.code).toBe('unknown_vehicle')
    expect(theirs.json.error.details).toEqual([
      { field: 'vehicle_id', message: expect.any(String) },
    ])
    const none = await apply(fromVehicle({ vehicle_id: 'no-such-vehicle' }), other)
    expect(none.json).toEqual(theirs.json)
    expect(theirs.text).not.toContain('沪B24680')
    expect(theirs.text).not.toContain('周师傅')
  })

  it('still needs plate and crew without a vehicle (400 naming both)', async () => {
    const { plate: _p, crew: _c, ...rest } = applicationBody()
    const res = await apply(rest)
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_input')
    expect(res.json.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'crew',
      'plate',
    ])
    const zh = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: rest,
      headers: { 'accept-language': 'zh-CN' },
    })
    expect(zh.json.error.details[0].message).toBe('未选择已保存的车辆时必填')
  })
})
