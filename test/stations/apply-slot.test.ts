import { beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'
import { issuePass } from '../support/flow.ts'

/**
 * The apply form offers an arrival slot (issue 20): asked for with the application, booked for the
 * pass on approval in the same write when it has room, never blocking the approval; bookings stay
 * inside the pass's validity. The clock starts at 2026-11-29 08:00Z (16:00 in China); HZ-XS-01 is
 * open all day, here with one place an hour.
 */
const STATION = 'HZ-XS-01'
const AT_18 = '2026-11-29T10:00:00.000Z'
const AT_19 = '2026-11-29T11:00:00.000Z'
const AT_20 = '2026-11-29T12:00:00.000Z'

let t: TestApp
let serial = 0
const plate = () => `沪F${String(10000 + ++serial)}`
const apply = (overrides: Record<string, unknown>) =>
  t.call('POST', '/api/v1/applications', {
    as: 'enterprise',
    body: applicationBody({ plate: plate(), ...overrides }),
  })
const approve = (id: string) =>
  t.call('POST', `/api/v1/applications/${id}/approve`, { as: 'coordinator' })
const bookingsOf = async (passNumber: string) => {
  const res = await t.call('GET', `/api/v1/bookings?pass_number=${passNumber}`, {
    as: 'enterprise',
  })
  expect(res.status, res.text).toBe(200)
  return res.json as { id: string; starts_at: string; status: string }[]
}
const passPage = async (number: string) => {
  const res = await t.call('GET', `/ui/passes/${number}`, {
    headers: { cookie: `tx_session=${await t.tokenFor('enterprise')}; tx_lang=zh` },
  })
  expect(res.status).toBe(200)
  return res.text.slice(res.text.indexOf('<main'), res.text.indexOf('</main>'))
}

beforeAll(async () => {
  t = await buildTestApp()
  await sql`UPDATE stations SET capacity_per_hour = 1 WHERE code = ${STATION}`.execute(t.store.db)
})

describe('an arrival slot asked for with the application', () => {
  it('is kept on the application and booked for the pass on approval, audited', async () => {
    const app = await apply({ arrival_slot: '2026-11-29T18:00:00+08:00' })
    expect(app.status, app.text).toBe(201)
    expect(app.json.arrival_slot).toBe(AT_18)
    const pass = await approve(app.json.id)
    expect(pass.status, pass.text).toBe(201)
    expect(pass.json.booking).toMatchObject({ starts_at: AT_18, status: 'booked' })
    const bookings = await bookingsOf(pass.json.number)
    expect(bookings).toHaveLength(1)
    expect(bookings[0]).toMatchObject({ starts_at: AT_18, status: 'booked' })
    const audit = await t.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'booking.create')
      .where('subject', '=', `booking:${bookings[0].id}`)
      .execute()
    expect(audit).toHaveLength(1)
    expect(audit[0].actor).toMatch(/^coordinator:/)
    expect(JSON.parse(audit[0].after!)).toMatchObject({
      pass_number: pass.json.number,
      note: 'from_application',
    })
    expect(await passPage(pass.json.number)).not.toContain('申请时选择的到站时段已满')
  })

  it('without a slot: null on the application, no booking, the answer as before', async () => {
    const app = await apply({})
    expect(app.json.arrival_slot).toBeNull()
    const pass = await approve(app.json.id)
    expect(pass.status).toBe(201)
    expect(pass.json).not.toHaveProperty('booking')
  })

  it('a full slot at approval: the approval succeeds without a booking, the pass page says so', async () => {
    const app = await apply({ arrival_slot: AT_19 })
    expect(app.status, app.text).toBe(201)
    // Another pass takes the slot's one place meanwhile.
    const other = await issuePass(t, { plate: plate() })
    const taken = await t.call('POST', `/api/v1/stations/${STATION}/bookings`, {
      as: 'enterprise',
      body: { pass_number: other.number, starts_at: AT_19 },
    })
    expect(taken.status, taken.text).toBe(201)
    const pass = await approve(app.json.id)
    expect(pass.status, pass.text).toBe(201)
    expect(pass.json.booking).toBeNull()
    expect(await bookingsOf(pass.json.number)).toEqual([])
    expect(await passPage(pass.json.number)).toContain('申请时选择的到站时段已满，请重新预约')
    const audit = await t.store.db
      .selectFrom('audit_log')
      .select('subject')
      .where('action', '=', 'booking.create')
      .execute()
    expect(audit.filter((a) => a.subject.startsWith('booking:'))).toHaveLength(2)
  })

  it('refuses what is not a slot, a slot outside the window and a slot for a firm’s own site', async () => {
    const notSlot = await apply({ arrival_slot: '2026-11-29T18:30:00+08:00' })
    expect(notSlot.status).toBe(400)
    expect(notSlot.json.error.code).toBe('not_a_slot')
    expect(notSlot.json.error.details).toEqual([expect.objectContaining({ field: 'arrival_slot' })])
    const outside = await apply({
      valid_from: '2026-11-30T16:00:00+08:00',
      arrival_slot: AT_20,
    })
    expect(outside.status).toBe(409)
    expect(outside.json.error.code).toBe('slot_outside_validity')
    const started = await apply({ arrival_slot: '2026-11-29T15:00:00+08:00' })
    expect(started.status).toBe(409)
    expect(started.json.error.code).toBe('slot_started')
    const site = await apply({
      origin_region_code: '330106',
      destination: { region_code: '330109', address: '萧山区建设一路 1 号' },
      arrival_slot: AT_20,
    })
    expect(site.status, site.text).toBe(400)
    expect(site.json.error.code).toBe('not_a_slot')
  })
})

describe('bookings stay inside the pass’s validity', () => {
  it('refuses a slot before valid_from on POST and one after valid_until on PATCH', async () => {
    const later = await issuePass(t, { plate: plate(), valid_from: '2026-11-30T16:00:00+08:00' })
    const before = await t.call('POST', `/api/v1/stations/${STATION}/bookings`, {
      as: 'enterprise',
      body: { pass_number: later.number, starts_at: AT_20 },
    })
    expect(before.status).toBe(409)
    expect(before.json.error.code).toBe('slot_outside_validity')

    const short = await issuePass(t, { plate: plate(), valid_until: '2026-11-30T16:00:00+08:00' })
    const booked = await t.call('POST', `/api/v1/stations/${STATION}/bookings`, {
      as: 'enterprise',
      body: { pass_number: short.number, starts_at: AT_20 },
    })
    expect(booked.status, booked.text).toBe(201)
    const moved = await t.call('PATCH', `/api/v1/bookings/${booked.json.id}`, {
      as: 'enterprise',
      body: { starts_at: '2026-11-30T16:00:00+08:00' },
    })
    expect(moved.status).toBe(409)
    expect(moved.json.error.code).toBe('slot_outside_validity')
  })
})
