import { beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass, otherFirmWithPass } from '../support/flow.ts'

/**
 * Arrival slots and bookings at a transfer station (issue 20). The test clock starts at
 * 2026-11-29 08:00Z (16:00 in China); HZ-XS-01 is open all day, here with 3 places an hour.
 */
const STATION = 'HZ-XS-01'
const DAY = '2026-11-29'
/** 18:00, 19:00, 20:00 China time that day. */
const AT_18 = '2026-11-29T10:00:00.000Z'
const AT_19 = '2026-11-29T11:00:00.000Z'
const AT_20 = '2026-11-29T12:00:00.000Z'

let t: TestApp
let serial = 0
/** A fresh pass of demo-ent-1 bound for HZ-XS-01 (each its own plate). */
const newPass = async (overrides: Record<string, unknown> = {}) =>
  issuePass(t, { plate: `沪C${String(10000 + ++serial)}`, ...overrides })
const book = (
  pass_number: string,
  starts_at: string,
  as: 'enterprise' | { token: string } = 'enterprise',
  station = STATION,
) =>
  t.call('POST', `/api/v1/stations/${station}/bookings`, { as, body: { pass_number, starts_at } })
const slots = async (date = DAY) => {
  const res = await t.call('GET', `/api/v1/stations/${STATION}/slots?date=${date}`, {
    as: 'checkpoint',
  })
  expect(res.status, res.text).toBe(200)
  return res.json as { starts_at: string; ends_at: string; capacity: number; booked: number }[]
}
const bookedAt = async (startsAt: string) =>
  (await slots()).find((slot) => slot.starts_at === startsAt)!.booked

beforeAll(async () => {
  t = await buildTestApp()
  await sql`UPDATE stations SET capacity_per_hour = 3 WHERE code = ${STATION}`.execute(t.store.db)
})

describe('a station’s slots', () => {
  it('lists the China day’s hourly slots with their capacity, to any signed-in role', async () => {
    const day = await slots()
    expect(day).toHaveLength(24)
    expect(day[0]).toMatchObject({
      starts_at: '2026-11-28T16:00:00.000Z',
      ends_at: '2026-11-28T17:00:00.000Z',
      capacity: 3,
      booked: 0,
    })
    const today = await t.call('GET', `/api/v1/stations/${STATION}/slots`, { as: 'enterprise' })
    expect(today.json, 'the default day is today in China').toEqual(day)
    // Without its own hourly capacity a station spreads its daily one (HZ-YH-01: 250 over 16 h).
    const yh = await t.call('GET', `/api/v1/stations/HZ-YH-01/slots?date=${DAY}`, {
      as: 'coordinator',
    })
    expect(yh.json).toHaveLength(16)
    expect(yh.json.reduce((sum: number, s: { capacity: number }) => sum + s.capacity, 0)).toBe(250)
  })

  it('answers 404 for an unknown station and 400 for a day that does not exist', async () => {
    const unknown = await t.call('GET', `/api/v1/stations/NO-SUCH/slots`, { as: 'enterprise' })
    expect(unknown.status).toBe(404)
    for (const date of ['2026-02-30', '29-11-2026', 'tomorrow']) {
      const bad = await t.call('GET', `/api/v1/stations/${STATION}/slots?date=${date}`, {
        as: 'enterprise',
      })
      expect(bad.status, date).toBe(400)
    }
  })
})

describe('booking a slot', () => {
  it('books a slot for the firm’s pass, counted in the slot and audited', async () => {
    const pass = await newPass()
    const res = await book(pass.number, '2026-11-29T18:00:00+08:00')
    expect(res.status, res.text).toBe(201)
    expect(res.json).toMatchObject({
      station_code: STATION,
      pass_number: pass.number,
      plate: pass.plate,
      starts_at: AT_18,
      ends_at: AT_19,
      status: 'booked',
    })
    expect(await bookedAt(AT_18)).toBe(1)
    const audit = await t.store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'booking.create')
      .where('subject', '=', `booking:${res.json.id}`)
      .execute()
    expect(audit).toHaveLength(1)
    // One live booking per pass: the second names the first.
    const again = await book(pass.number, AT_19)
    expect(again.status).toBe(409)
    expect(again.json.error).toMatchObject({
      code: 'already_booked',
      details: { booking_id: res.json.id },
    })
  })

  it('refuses another firm’s pass, an inactive pass, a pass for another station', async () => {
    const other = await otherFirmWithPass(t, 'bookings-other-1', '苏E90001')
    expect((await book(other.pass.number, AT_19)).status, 'another firm’s pass').toBe(404)
    expect((await book('330100999999', AT_19)).status, 'no such pass').toBe(404)

    const revoked = await newPass()
    await t.call('POST', `/api/v1/passes/${revoked.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '测试撤销' },
    })
    const res = await book(revoked.number, AT_19)
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('pass_not_active')

    const elsewhere = await newPass({ destination: { station_code: 'HZ-YH-01' } })
    const wrong = await book(elsewhere.number, AT_19)
    expect(wrong.status).toBe(409)
    expect(wrong.json.error.code).toBe('booking_wrong_station')
  })

  it('takes only a slot start still to come, at an open station', async () => {
    const pass = await newPass()
    const half = await book(pass.number, '2026-11-29T10:30:00Z')
    expect(half.status).toBe(400)
    expect(half.json.error.code).toBe('not_a_slot')
    const started = await book(pass.number, '2026-11-29T08:00:00Z')
    expect(started.status).toBe(409)
    expect(started.json.error.code).toBe('slot_started')

    // Closed (BOARD's closures set is_open = 0 with a reason): no new bookings.
    const setOpen = (open: number) =>
      sql`UPDATE stations SET is_open = ${open} WHERE code = ${STATION}`.execute(t.store.db)
    await setOpen(0)
    try {
      const closed = await book(pass.number, AT_20)
      expect(closed.status).toBe(409)
      expect(closed.json.error.code).toBe('station_closed')
    } finally {
      await setOpen(1)
    }
    expect((await book(pass.number, AT_20)).status).toBe(201)
  })

  it('lets exactly the capacity in when 20 firms’ requests race for one slot', async () => {
    const slot = '2026-11-30T02:00:00.000Z'
    const passes = []
    for (let i = 0; i < 20; i++) passes.push(await newPass())
    const answers = await Promise.all(passes.map((pass) => book(pass.number, slot)))
    const won = answers.filter((res) => res.status === 201)
    const full = answers.filter((res) => res.status === 409)
    expect(won).toHaveLength(3)
    expect(full).toHaveLength(17)
    for (const res of full) {
      expect(res.json.error.code).toBe('slot_full')
      const next = res.json.error.details.next_free as { starts_at: string; booked: number }[]
      expect(next.length).toBeGreaterThan(0)
      expect(next.map((s) => s.starts_at)).not.toContain(slot)
      expect(next[0]!.starts_at > t.clock().toISOString()).toBe(true)
    }
    const counted = await t.call('GET', `/api/v1/stations/${STATION}/slots?date=2026-11-30`, {
      as: 'enterprise',
    })
    expect(counted.json.find((s: { starts_at: string }) => s.starts_at === slot).booked).toBe(3)
  })
})

describe('moving, cancelling and listing bookings', () => {
  it('moves within capacity, cancels to free the place, only for the owning firm', async () => {
    const pass = await newPass()
    const made = await book(pass.number, '2026-11-29T13:00:00Z')
    expect(made.status, made.text).toBe(201)
    const id = made.json.id as string
    const other = await otherFirmWithPass(t, 'bookings-other-2', '苏E90002')
    const asOther = { token: other.token }
    expect(
      (await t.call('PATCH', `/api/v1/bookings/${id}`, { as: asOther, body: { starts_at: AT_20 } }))
        .status,
    ).toBe(404)
    expect((await t.call('POST', `/api/v1/bookings/${id}/cancel`, { as: asOther })).status).toBe(
      404,
    )

    const moved = await t.call('PATCH', `/api/v1/bookings/${id}`, {
      as: 'enterprise',
      body: { starts_at: '2026-11-29T14:00:00Z' },
    })
    expect(moved.status, moved.text).toBe(200)
    expect(moved.json).toMatchObject({ starts_at: '2026-11-29T14:00:00.000Z', status: 'booked' })
    expect(await bookedAt('2026-11-29T13:00:00.000Z')).toBe(0)
    expect(await bookedAt('2026-11-29T14:00:00.000Z')).toBe(1)

    // Into a full slot: refused, with somewhere else to go.
    const fill = [await newPass(), await newPass(), await newPass()]
    for (const p of fill) expect((await book(p.number, '2026-11-29T15:00:00Z')).status).toBe(201)
    const intoFull = await t.call('PATCH', `/api/v1/bookings/${id}`, {
      as: 'enterprise',
      body: { starts_at: '2026-11-29T15:00:00Z' },
    })
    expect(intoFull.status).toBe(409)
    expect(intoFull.json.error.code).toBe('slot_full')
    expect(intoFull.json.error.details.next_free.length).toBeGreaterThan(0)

    const cancelled = await t.call('POST', `/api/v1/bookings/${id}/cancel`, { as: 'enterprise' })
    expect(cancelled.status).toBe(200)
    expect(cancelled.json.status).toBe('cancelled')
    expect(await bookedAt('2026-11-29T14:00:00.000Z')).toBe(0)
    const twice = await t.call('POST', `/api/v1/bookings/${id}/cancel`, { as: 'enterprise' })
    expect(twice.json.error.code).toBe('booking_not_live')
    const actions = await t.store.db
      .selectFrom('audit_log')
      .select('action')
      .where('subject', '=', `booking:${id}`)
      .orderBy('seq')
      .execute()
    expect(actions.map((a) => a.action)).toEqual([
      'booking.create',
      'booking.move',
      'booking.cancel',
    ])
    // The pass may book again once its booking is cancelled.
    expect((await book(pass.number, '2026-11-29T16:00:00Z')).status).toBe(201)
  })

  it('refuses to move or cancel once the slot has started', async () => {
    const pass = await newPass()
    const made = await book(pass.number, '2026-11-29T09:00:00Z')
    expect(made.status, made.text).toBe(201)
    const now = t.clock().toISOString()
    t.clock.set('2026-11-29T09:10:00Z')
    try {
      const move = await t.call('PATCH', `/api/v1/bookings/${made.json.id}`, {
        as: 'enterprise',
        body: { starts_at: '2026-11-29T15:00:00Z' },
      })
      expect(move.json.error.code).toBe('slot_started')
      const cancel = await t.call('POST', `/api/v1/bookings/${made.json.id}/cancel`, {
        as: 'enterprise',
      })
      expect(cancel.json.error.code).toBe('slot_started')
    } finally {
      t.clock.set(now)
    }
  })

  it('lists a station’s day to coordinators and its own checkpoint staff, a firm its own', async () => {
    const day = await t.call('GET', `/api/v1/stations/${STATION}/bookings?date=${DAY}`, {
      as: 'coordinator',
    })
    expect(day.status).toBe(200)
    expect(day.json.length).toBeGreaterThan(3)
    const starts = day.json.map((b: { starts_at: string }) => b.starts_at)
    expect(starts).toEqual([...starts].sort())
    expect(
      starts.every(
        (s: string) => s >= '2026-11-28T16:00:00.000Z' && s < '2026-11-29T16:00:00.000Z',
      ),
    ).toBe(true)
    // The demo checkpoint account works at HZ-TS-XS, the checkpoint of HZ-XS-01, not at HZ-YH-01.
    const staff = await t.call('GET', `/api/v1/stations/${STATION}/bookings?date=${DAY}`, {
      as: 'checkpoint',
    })
    expect(staff.json).toEqual(day.json)
    const notHere = await t.call('GET', `/api/v1/stations/HZ-YH-01/bookings`, { as: 'checkpoint' })
    expect(notHere.status).toBe(403)

    // Later that evening some slots are past: those to come first (soonest first), then the past
    // (latest first).
    const before = t.clock().toISOString()
    t.clock.set('2026-11-29T12:30:00Z')
    try {
      const own = await t.call('GET', '/api/v1/bookings', { as: 'enterprise' })
      expect(own.status).toBe(200)
      const now = t.clock().toISOString()
      const ends = own.json.map((b: { ends_at: string }) => b.ends_at > now)
      const split = ends.indexOf(false)
      expect(split).toBeGreaterThan(0)
      expect(ends.slice(split).every((upcoming: boolean) => !upcoming)).toBe(true)
      const starts = own.json.map((b: { starts_at: string }) => b.starts_at)
      expect(starts.slice(0, split)).toEqual([...starts.slice(0, split)].sort())
      expect(starts.slice(split)).toEqual([...starts.slice(split)].sort().reverse())
    } finally {
      t.clock.set(before)
    }
    const other = await otherFirmWithPass(t, 'bookings-other-3', '苏E90003')
    const theirs = await t.call('GET', '/api/v1/bookings', { as: { token: other.token } })
    expect(theirs.json).toEqual([])
  })
})
