import { beforeEach, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, issuePass, openLoop, scan, sendEvents } from '../support/flow.ts'
import { stationBoard, stationLoad, type BoardEvent } from '../../src/stations/station-board.ts'

// The test clock starts at 2026-11-29T08:00Z: 16:00 China time on 2026-11-29. HZ-XS-01 is open
// 00:00-24:00 with 400 a day (17 an hour for the first 16 hours, 16 after); its checkpoint is
// HZ-TS-XS, where the demo checkpoint account works.
const DAY = '2026-11-29'
const SLOT_16 = { starts_at: '2026-11-29T08:00:00.000Z', ends_at: '2026-11-29T09:00:00.000Z' }
const SLOT_18 = { starts_at: '2026-11-29T10:00:00.000Z', ends_at: '2026-11-29T11:00:00.000Z' }

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp()
})

async function book(
  passNumber: string,
  slot: { starts_at: string; ends_at: string },
  plate = '沪A12345D',
  status = 'booked',
) {
  const id = crypto.randomUUID()
  const at = t.clock().toISOString()
  await sql`INSERT INTO station_bookings (id, station_code, pass_number, enterprise_id, plate,
      starts_at, ends_at, status, notice, arrived_at, loop_id, created_by, created_at, updated_at)
    VALUES (${id}, 'HZ-XS-01', ${passNumber}, 'demo-ent-1', ${plate}, ${slot.starts_at},
      ${slot.ends_at}, ${status}, NULL, NULL, NULL, 'test', ${at}, ${at})`.execute(t.store.db)
  return id
}

const bookingRow = async (id: string) =>
  (
    await sql<Record<string, unknown>>`SELECT * FROM station_bookings WHERE id = ${id}`.execute(
      t.store.db,
    )
  ).rows[0]

/** A loop opened at the entry and released to the station's checkpoint: it may arrive there. */
async function releasedToStation(overrides: Record<string, unknown> = {}) {
  const { pass, loopId } = await openLoop(t, overrides)
  const sent = await sendEvents(t, [
    event(t, loopId, 'sampled', { tube_code: `BOARD-${loopId.slice(0, 6)}`, tests: ['pcr'] }),
    event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
  ])
  expect(sent.status).toBe(200)
  return { pass, loopId }
}

describe('closing a station', () => {
  it('needs a reason, tells the live bookings ahead in the same write, and reopening clears it', async () => {
    const ahead = await book('330100000901', SLOT_18)
    const past = await book('330100000902', {
      starts_at: '2026-11-29T06:00:00.000Z',
      ends_at: '2026-11-29T07:00:00.000Z',
    })
    const noReason = await t.call('PATCH', '/api/v1/stations/HZ-XS-01', {
      as: 'coordinator',
      body: { is_open: false },
    })
    expect([noReason.status, noReason.json.error.code]).toEqual([400, 'closed_reason_required'])
    expect((await bookingRow(ahead)).notice).toBeNull()

    const closed = await t.call('PATCH', '/api/v1/stations/HZ-XS-01', {
      as: 'coordinator',
      body: { is_open: false, closed_reason: '场地消杀' },
    })
    expect(closed.status).toBe(200)
    expect(closed.json).toMatchObject({ is_open: false, closed_reason: '场地消杀' })
    expect((await bookingRow(ahead)).notice).toBe('station_closed')
    expect((await bookingRow(past)).notice).toBeNull()

    const reopened = await t.call('PATCH', '/api/v1/stations/HZ-XS-01', {
      as: 'coordinator',
      body: { is_open: true },
    })
    expect(reopened.json).toMatchObject({ is_open: true, closed_reason: null })
  })

  it('takes an hourly capacity on creation and change, and the board uses it', async () => {
    const created = await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: {
        code: 'HZ-NEW-01',
        name: '新建中转站',
        region_code: '330109',
        address: '测试路 2 号',
        capacity_per_day: 100,
        opening_hours: '08:00-12:00',
        capacity_per_hour: 7,
      },
    })
    expect(created.status).toBe(201)
    expect(created.json.capacity_per_hour).toBe(7)
    const changed = await t.call('PATCH', '/api/v1/stations/HZ-NEW-01', {
      as: 'coordinator',
      body: { capacity_per_hour: 9 },
    })
    expect(changed.json.capacity_per_hour).toBe(9)
    const board = await t.call('GET', `/api/v1/stations/HZ-NEW-01/board?date=${DAY}`, {
      as: 'coordinator',
    })
    expect(board.json.hours.map((h: { capacity: number }) => h.capacity)).toEqual([9, 9, 9, 9])
  })
})

describe('a scan at the station’s checkpoint', () => {
  it('names the booking, says how the arrival stands, and marks it arrived in the scan’s write', async () => {
    const { pass, loopId } = await releasedToStation()
    const id = await book(pass.number, SLOT_16)
    const res = await scan(t, { token: pass.token, checkpoint_code: 'HZ-TS-XS' })
    expect(res.status).toBe(200)
    expect(res.json.verdict).toBe('valid')
    expect(res.json.booking).toEqual({ id, ...SLOT_16, timing: 'on_time' })
    expect(await bookingRow(id)).toMatchObject({
      status: 'arrived',
      loop_id: loopId,
      arrived_at: res.json.scanned_at,
    })
  })

  it('receives a truck without a booking all the same (timing none, same verdict and action)', async () => {
    const { pass } = await releasedToStation()
    const res = await scan(t, { token: pass.token, checkpoint_code: 'HZ-TS-XS' })
    expect(res.json).toMatchObject({
      verdict: 'valid',
      booking: { id: null, timing: 'none' },
      loop: { state: 'at_destination' },
    })
  })

  it('says late after the booked hour, and nothing about bookings at other checkpoints', async () => {
    const pass = await issuePass(t)
    const id = await book(pass.number, {
      starts_at: '2026-11-29T06:00:00.000Z',
      ends_at: '2026-11-29T07:00:00.000Z',
    })
    const entry = await scan(t, { token: pass.token })
    expect(entry.json.booking).toBeUndefined()
    expect((await bookingRow(id)).status).toBe('booked')
    const loopId = entry.json.loop.id
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'BOARD-LATE', tests: ['pcr'] }),
      event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
    ])
    const res = await scan(t, { token: pass.token, checkpoint_code: 'HZ-TS-XS' })
    expect(res.json.booking).toMatchObject({ id, timing: 'late' })
    // Information only: the late truck is received as any other.
    expect(res.json).toMatchObject({ verdict: 'valid', loop: { state: 'at_destination' } })
    expect((await bookingRow(id)).status).toBe('arrived')
  })
})

describe('GET /stations/{code}/board', () => {
  it('lists expected, present, handed over and departed, unbooked arrivals and the hourly load', async () => {
    const first = await releasedToStation()
    const second = await releasedToStation({ plate: '沪B54321D' })
    await book(first.pass.number, SLOT_16)
    const waiting = await book('330100000999', SLOT_18, '苏E77777')
    await scan(t, { token: first.pass.token, checkpoint_code: 'HZ-TS-XS' })
    await scan(t, { token: second.pass.token, checkpoint_code: 'HZ-TS-XS' })
    const handover = await sendEvents(t, [
      { ...event(t, second.loopId, 'handed_over'), checkpoint_code: 'HZ-TS-XS' },
    ])
    expect(handover.status).toBe(200)

    const res = await t.call('GET', '/api/v1/stations/HZ-XS-01/board', { as: 'checkpoint' })
    expect(res.status).toBe(200)
    const b = res.json
    expect(b.date).toBe(DAY)
    expect(b.expected.map((e: { booking_id: string }) => e.booking_id)).toEqual([waiting])
    expect(b.present.map((p: { loop_id: string }) => p.loop_id)).toEqual([first.loopId])
    expect(b.present[0].booking_id).not.toBeNull()
    expect(b.handed_over.map((p: { loop_id: string }) => p.loop_id)).toEqual([second.loopId])
    expect(b.departed).toEqual([])
    expect(b.unbooked_arrivals).toBe(1)
    const hour16 = b.hours.find((h: { starts_at: string }) => h.starts_at === SLOT_16.starts_at)
    expect(hour16).toMatchObject({ booked: 1, arrived: 2, capacity: 16 })
    expect(b.hours).toHaveLength(24)
  })

  it('is refused to a checkpoint account not at the station, and 404 for an unknown one', async () => {
    const made = await t.call('POST', '/api/v1/accounts', {
      as: 'coordinator',
      body: {
        username: 'road-only',
        password: 'road-only-pass-1',
        role: 'checkpoint',
        checkpoint_codes: ['HZ-RD-104'],
      },
    })
    expect(made.status).toBe(201)
    const token = await t.login('road-only', 'road-only-pass-1')
    const res = await t.call('GET', '/api/v1/stations/HZ-XS-01/board', { as: { token } })
    expect([res.status, res.json.error.code]).toEqual([403, 'station_not_yours'])
    const unknown = await t.call('GET', '/api/v1/stations/NOPE-01/board', { as: 'coordinator' })
    expect(unknown.status).toBe(404)
  })
})

describe('GET /stations/{code}/load', () => {
  it('gives each day capacity, arrivals, mean dwell, late and no-shows', async () => {
    const { pass, loopId } = await releasedToStation()
    await book(pass.number, SLOT_16)
    const missed = await book('330100000998', {
      starts_at: '2026-11-29T06:00:00.000Z',
      ends_at: '2026-11-29T07:00:00.000Z',
    })
    await scan(t, { token: pass.token, checkpoint_code: 'HZ-TS-XS' })
    t.clock.advance(29 * 60_000)
    await sendEvents(t, [{ ...event(t, loopId, 'departed'), checkpoint_code: 'HZ-TS-XS' }])
    const res = await t.call('GET', '/api/v1/stations/HZ-XS-01/load?days=7', { as: 'coordinator' })
    expect(res.status).toBe(200)
    expect(res.json.days).toHaveLength(7)
    const today = res.json.days.at(-1)
    expect(today).toMatchObject({
      date: DAY,
      capacity: 400,
      booked: 2,
      arrived: 1,
      late: 0,
      no_show: 1,
      average_dwell_minutes: 29,
    })
    expect(res.json.days[0].date).toBe('2026-11-23')
    expect((await bookingRow(missed)).status).toBe('booked')
  })
})

describe('stationBoard and stationLoad (pure)', () => {
  const station = { opening_hours: '08:00-10:00', capacity_per_day: 10, capacity_per_hour: null }
  const ev = (loop: string, kind: BoardEvent['kind'], at: string): BoardEvent => ({
    loop_id: loop,
    plate: `P-${loop}`,
    pass_number: `N-${loop}`,
    kind,
    at,
  })

  it('keeps a truck that came the day before and is still there as present, and a departed one out', () => {
    const board = stationBoard({
      date: DAY,
      station,
      bookings: [],
      events: [
        ev('a', 'arrived', '2026-11-28T10:00:00.000Z'),
        ev('b', 'arrived', '2026-11-28T10:00:00.000Z'),
        ev('b', 'departed', '2026-11-28T12:00:00.000Z'),
        ev('c', 'arrived', '2026-11-29T00:30:00.000Z'),
        ev('c', 'handed_over', '2026-11-29T01:00:00.000Z'),
        ev('c', 'departed', '2026-11-29T01:30:00.000Z'),
      ],
      now: new Date('2026-11-29T03:00:00.000Z'),
    })
    expect(board.present.map((p) => p.loop_id)).toEqual(['a'])
    expect(board.departed.map((p) => p.loop_id)).toEqual(['c'])
    expect(board.handed_over).toEqual([])
    // Only today's arrival without a booking counts.
    expect(board.unbooked_arrivals).toBe(1)
    // 08:00-10:00 China time: two slots of 5, c arrived in the first.
    expect(board.hours.map((h) => [h.capacity, h.arrived])).toEqual([
      [5, 1],
      [5, 0],
    ])
  })

  it('counts a booking whose slot ended without arrival as a no-show, and an arrival after its slot as late', () => {
    const base = { pass_number: 'x', plate: 'p', notice: null, loop_id: null }
    const [day] = stationLoad({
      dates: [DAY],
      station,
      bookings: [
        {
          ...base,
          id: '1',
          status: 'booked',
          arrived_at: null,
          starts_at: '2026-11-29T00:00:00.000Z',
          ends_at: '2026-11-29T01:00:00.000Z',
        },
        {
          ...base,
          id: '2',
          status: 'booked',
          arrived_at: null,
          starts_at: '2026-11-29T01:00:00.000Z',
          ends_at: '2026-11-29T02:00:00.000Z',
        },
        {
          ...base,
          id: '3',
          status: 'arrived',
          arrived_at: '2026-11-29T01:10:00.000Z',
          starts_at: '2026-11-29T00:00:00.000Z',
          ends_at: '2026-11-29T01:00:00.000Z',
        },
      ],
      events: [],
      now: new Date('2026-11-29T01:30:00.000Z'),
    })
    expect(day).toMatchObject({ booked: 3, late: 1, no_show: 1, capacity: 10, arrived: 0 })
  })
})
