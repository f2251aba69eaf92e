import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { PLATE_AND_CREW_MISTAKES, residentId } from '../support/fixtures.ts'
import { decryptPersonal } from '../../src/privacy/personal-data.ts'

let t: TestApp
let other: { token: string }
beforeAll(async () => {
  t = await buildTestApp()
  const account = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username: 'vehicles-other-firm',
      password: 'other-firm-password',
      role: 'enterprise',
      enterprise_id: 'demo-ent-2',
    },
  })
  expect(account.status, account.text).toBe(201)
  other = { token: await t.login('vehicles-other-firm', 'other-firm-password') }
})

const DRIVER_ID = residentId('19800704', '531')
const DRIVER_PHONE = '13912345678'
const vehicleBody = (overrides: Record<string, unknown> = {}) => ({
  plate: '浙A·66k88',
  kind: 'heavy_truck',
  crew: [{ name: '陈师傅', id_number: DRIVER_ID, phone: DRIVER_PHONE }],
  ...overrides,
})
const keep = (body: unknown, as: 'enterprise' | { token: string } = 'enterprise') =>
  t.call('POST', '/api/v1/vehicles', { as, body })

const masked = (id: string) => `${id.slice(0, 6)}********${id.slice(-4)}`

describe('a firm keeps its vehicles', () => {
  it('keeps a vehicle with its plate normalised and its crew masked, and lists, reads, changes and deletes it', async () => {
    const created = await keep(vehicleBody())
    expect(created.status, created.text).toBe(201)
    expect(created.json).toMatchObject({
      enterprise_id: 'demo-ent-1',
      plate: '浙A66K88',
      kind: 'heavy_truck',
      crew: [{ name: '陈*傅', id_number: masked(DRIVER_ID), phone: '139****5678' }],
    })
    const id = created.json.id as string

    const list = await t.call('GET', '/api/v1/vehicles', { as: 'enterprise' })
    expect(list.status).toBe(200)
    expect(list.json.map((v: { id: string }) => v.id)).toContain(id)
    expect(list.headers.get('x-total-count')).toBe(String(list.json.length))
    const byPlate = await t.call(
      'GET',
      `/api/v1/vehicles?plate=${encodeURIComponent('浙a66k88')}`,
      {
        as: 'enterprise',
      },
    )
    expect(byPlate.json).toEqual([created.json])

    const read = await t.call('GET', `/api/v1/vehicles/${id}`, { as: 'enterprise' })
    expect(read.json).toEqual(created.json)

    const secondId = residentId('19900101', '014')
    const changed = await t.call('PUT', `/api/v1/vehicles/${id}`, {
      as: 'enterprise',
      body: {
        kind: 'refrigerated',
        crew: [
          { name: '陈师傅', id_number: DRIVER_ID, phone: DRIVER_PHONE },
          { name: '刘副驾', id_number: secondId, phone: '13787654321' },
        ],
      },
    })
    expect(changed.status, changed.text).toBe(200)
    expect(changed.json.kind).toBe('refrigerated')
    expect(changed.json.plate).toBe('浙A66K88')
    expect(changed.json.crew).toEqual([
      { name: '陈*傅', id_number: masked(DRIVER_ID), phone: '139****5678' },
      { name: '刘*驾', id_number: masked(secondId), phone: '137****4321' },
    ])
    // Only the kind: the crew stays.
    const kindOnly = await t.call('PUT', `/api/v1/vehicles/${id}`, {
      as: 'enterprise',
      body: { kind: 'van' },
    })
    expect(kindOnly.json.crew).toEqual(changed.json.crew)

    const deleted = await t.call('DELETE', `/api/v1/vehicles/${id}`, { as: 'enterprise' })
    expect(deleted.status).toBe(204)
    expect((await t.call('GET', `/api/v1/vehicles/${id}`, { as: 'enterprise' })).status).toBe(404)

    const actions = t.sqlite
      .prepare(`SELECT action FROM audit_log WHERE subject = ? ORDER BY seq`)
      .pluck()
      .all(`vehicle:${id}`)
    expect(actions).toEqual([
      'vehicle.create',
      'vehicle.update',
      'vehicle.update',
      'vehicle.delete',
    ])
  })

  it('stores the crew sealed: no clear ID number or phone in the row or the audit log', async () => {
    const created = await keep(vehicleBody({ plate: '浙A77001' }))
    expect(created.status).toBe(201)
    const stored = t.sqlite
      .prepare('SELECT crew FROM vehicles WHERE id = ?')
      .pluck()
      .get(created.json.id) as string
    expect(stored).not.toContain(DRIVER_ID)
    expect(stored).not.toContain(DRIVER_PHONE)
    const [member] = JSON.parse(stored)
    expect(await decryptPersonal(t.config.DATA_KEY, member.id_number_enc)).toBe(DRIVER_ID)
    expect(await decryptPersonal(t.config.DATA_KEY, member.phone_enc)).toBe(DRIVER_PHONE)
    const audit = JSON.stringify(
      t.sqlite
        .prepare('SELECT * FROM audit_log WHERE subject = ?')
        .all(`vehicle:${created.json.id}`),
    )
    expect(audit).toContain(masked(DRIVER_ID))
    expect(audit).not.toContain(DRIVER_ID)
    expect(audit).not.toContain(DRIVER_PHONE)
  })

  it.each([...PLATE_AND_CREW_MISTAKES, ['an unknown kind', { kind: 'tractor' }, 'kind']])(
    'refuses %s (400, naming the field)',
    async (_what, overrides, field) => {
      const res = await keep(vehicleBody({ plate: '浙A70000', ...overrides }))
      expect(res.status).toBe(400)
      expect(res.json.error.code).toBe('invalid_input')
      expect(res.json.error.details.map((d: { field: string }) => d.field)).toContain(field)
    },
  )

  it('refuses a change of plate or a bad crew on update (400)', async () => {
    const created = await keep(vehicleBody({ plate: '浙A70101' }))
    const plate = await t.call('PUT', `/api/v1/vehicles/${created.json.id}`, {
      as: 'enterprise',
      body: { plate: '浙A70102' },
    })
    expect(plate.status).toBe(400)
    const crew = await t.call('PUT', `/api/v1/vehicles/${created.json.id}`, {
      as: 'enterprise',
      body: { crew: [{ name: '李四', id_number: residentId(), phone: '123' }] },
    })
    expect(crew.status).toBe(400)
    expect(crew.json.error.details[0].field).toBe('crew.0.phone')
  })

  it('keeps a plate once per firm (409 vehicle_exists naming the kept one); another firm may keep it too', async () => {
    const first = await keep(vehicleBody({ plate: '浙A80001' }))
    expect(first.status).toBe(201)
    const again = await keep(vehicleBody({ plate: '浙a·80001', kind: 'van' }))
    expect(again.status).toBe(409)
    expect(again.json.error.code).toBe('vehicle_exists')
    expect(again.json.error.details).toEqual({ vehicle_id: first.json.id })
    const theirs = await keep(vehicleBody({ plate: '浙A80001' }), other)
    expect(theirs.status).toBe(201)
    expect(theirs.json.enterprise_id).toBe('demo-ent-2')
  })
})

describe('another firm’s vehicles', () => {
  it('cannot be listed, read, changed or deleted (404 as if none existed)', async () => {
    const mine = await keep(vehicleBody({ plate: '浙A90001' }))
    const id = mine.json.id as string
    const listed = await t.call('GET', '/api/v1/vehicles', { as: other })
    expect(listed.status).toBe(200)
    expect(listed.json.length).toBeGreaterThan(0)
    for (const v of listed.json) expect(v.enterprise_id).toBe('demo-ent-2')
    expect(listed.text).not.toContain(id)
    const byPlate = await t.call(
      'GET',
      `/api/v1/vehicles?plate=${encodeURIComponent('浙A90001')}`,
      {
        as: other,
      },
    )
    expect(byPlate.json).toEqual([])

    const missing = await t.call('GET', '/api/v1/vehicles/no-such-vehicle', { as: other })
    for (const [method, body] of [
      ['GET', undefined],
      ['PUT', { kind: 'van' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await t.call(method, `/api/v1/vehicles/${id}`, { as: other, body })
      expect(res.status, method).toBe(404)
      expect(res.json, method).toEqual(missing.json)
    }
    // Untouched.
    const still = await t.call('GET', `/api/v1/vehicles/${id}`, { as: 'enterprise' })
    expect(still.json).toEqual(mine.json)
  })

  it('are no coordinator’s or checkpoint’s business (403)', async () => {
    for (const role of ['coordinator', 'checkpoint', 'admin'] as const) {
      expect((await t.call('GET', '/api/v1/vehicles', { as: role })).status, role).toBe(403)
    }
  })
})
