import { describe, expect, it } from 'vitest'
import {
  applicationTrip,
  arrivalReportTrip,
  passEnd,
  retentionCutoff,
  retentionVerdict,
  scanTrip,
  type RetentionLoop,
  type RetentionPass,
  type TripFacts,
} from '../../src/personal-data/retention.ts'

// The retention rule, case by case (src/personal-data/retention.ts): due RETENTION_DAYS after the
// later of the pass's end and its loops' closing; never while a loop is open or an alert unresolved.

const DAY = 86_400_000
const DAYS = 28
const at = (iso: string) => new Date(iso)
const plusDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY)
const EXPIRY = '2026-12-28T08:00:00.000Z'
const pass: RetentionPass = { valid_until: EXPIRY, ended_early_at: null }
const closed = (closed_at: string, unresolved_alerts = 0): RetentionLoop => ({
  closed_at,
  unresolved_alerts,
})
const open: RetentionLoop = { closed_at: null, unresolved_alerts: 0 }
const trip = (facts: Partial<TripFacts>): TripFacts => ({
  times: ['2026-11-29T08:00:00.000Z'],
  pass,
  loops: [],
  ...facts,
})

describe('when a trip is due', () => {
  it('is due RETENTION_DAYS after its pass expired, not a minute before', () => {
    const facts = trip({})
    expect(retentionVerdict(facts, plusDays(EXPIRY, 27), DAYS)).toEqual({
      due: false,
      reason: 'trip_ended',
      ended_at: EXPIRY,
      due_at: '2027-01-25T08:00:00.000Z',
    })
    expect(
      retentionVerdict(facts, new Date(plusDays(EXPIRY, 28).getTime() - 60_000), DAYS).due,
    ).toBe(false)
    expect(retentionVerdict(facts, plusDays(EXPIRY, 28), DAYS).due).toBe(true)
  })

  it('counts from the loop’s closing when it closed after the pass expired', () => {
    const closing = '2027-01-02T10:00:00.000Z'
    const facts = trip({ loops: [closed('2026-12-01T00:00:00.000Z'), closed(closing)] })
    const verdict = retentionVerdict(facts, plusDays(EXPIRY, 29), DAYS)
    expect(verdict).toMatchObject({ due: false, ended_at: closing })
    expect(verdict.due_at).toBe(plusDays(closing, 28).toISOString())
    expect(retentionVerdict(facts, plusDays(closing, 28), DAYS).due).toBe(true)
  })

  it('counts from the pass’s expiry when its loops closed before', () => {
    const facts = trip({ loops: [closed('2026-11-30T00:00:00.000Z')] })
    expect(retentionVerdict(facts, plusDays(EXPIRY, 28), DAYS)).toMatchObject({
      due: true,
      ended_at: EXPIRY,
    })
  })

  it('keeps everything of a pass while any of its loops is open, however old', () => {
    const facts = trip({ loops: [closed('2026-11-30T00:00:00.000Z'), open] })
    expect(retentionVerdict(facts, plusDays(EXPIRY, 400), DAYS)).toEqual({
      due: false,
      reason: 'loop_open',
      ended_at: null,
      due_at: null,
    })
  })

  it('keeps a trip while an alert of its loops is unresolved, even on a closed loop', () => {
    const facts = trip({ loops: [closed('2026-11-30T00:00:00.000Z', 1)] })
    expect(retentionVerdict(facts, plusDays(EXPIRY, 400), DAYS)).toMatchObject({
      due: false,
      reason: 'alert_open',
    })
    // Resolved: the ordinary rule again, and long past due.
    const resolved = trip({ loops: [closed('2026-11-30T00:00:00.000Z', 0)] })
    expect(retentionVerdict(resolved, plusDays(EXPIRY, 400), DAYS).due).toBe(true)
  })

  it('says an alert rather than an open loop when both hold', () => {
    const facts = trip({ loops: [{ closed_at: null, unresolved_alerts: 2 }] })
    expect(retentionVerdict(facts, plusDays(EXPIRY, 400), DAYS).reason).toBe('alert_open')
  })

  it('never counts from before the row itself was made', () => {
    const received = '2027-01-10T00:00:00.000Z' // a scan of the pass long after it expired
    const facts = trip({ times: [received] })
    expect(retentionVerdict(facts, plusDays(EXPIRY, 28), DAYS).due).toBe(false)
    expect(retentionVerdict(facts, plusDays(received, 28), DAYS)).toMatchObject({
      due: true,
      ended_at: received,
    })
  })

  it('follows the configured number of days', () => {
    expect(retentionVerdict(trip({}), plusDays(EXPIRY, 7), 7).due).toBe(true)
    expect(retentionVerdict(trip({}), plusDays(EXPIRY, 7), 8).due).toBe(false)
  })

  it('holds a submitted application whatever its age', () => {
    const facts = trip({ awaiting_decision: true })
    expect(retentionVerdict(facts, plusDays(EXPIRY, 400), DAYS)).toMatchObject({
      due: false,
      reason: 'awaiting_decision',
    })
  })
})

describe('when a pass ends', () => {
  it('at the end of its window while active', () => {
    expect(passEnd(pass)).toBe(EXPIRY)
  })

  it('when it was revoked or superseded, if that came first', () => {
    expect(passEnd({ valid_until: EXPIRY, ended_early_at: '2026-12-01T00:00:00.000Z' })).toBe(
      '2026-12-01T00:00:00.000Z',
    )
  })

  it('at the end of its window if it was revoked afterwards', () => {
    expect(passEnd({ valid_until: EXPIRY, ended_early_at: '2027-01-01T00:00:00.000Z' })).toBe(
      EXPIRY,
    )
  })

  it('makes a revoked pass’s trip due from its revocation', () => {
    const revoked = trip({
      pass: { valid_until: EXPIRY, ended_early_at: '2026-12-01T00:00:00.000Z' },
    })
    expect(retentionVerdict(revoked, at('2026-12-29T00:00:00.000Z'), DAYS).due).toBe(true)
    expect(retentionVerdict(revoked, at('2026-12-28T23:59:00.000Z'), DAYS).due).toBe(false)
  })
})

describe('which trip a row belongs to', () => {
  const created = '2026-11-29T08:00:00.000Z'

  it('an approved application: its pass and that pass’s loops', () => {
    const facts = applicationTrip({
      status: 'approved',
      created_at: created,
      decided_at: created,
      valid_until: EXPIRY,
      pass,
      loops: [open],
    })
    expect(retentionVerdict(facts, plusDays(EXPIRY, 100), DAYS).reason).toBe('loop_open')
    const done = applicationTrip({
      status: 'approved',
      created_at: created,
      decided_at: created,
      valid_until: EXPIRY,
      pass: { valid_until: EXPIRY, ended_early_at: '2026-12-01T00:00:00.000Z' },
      loops: [],
    })
    // The pass's end (revoked early) counts, not the validity the application asked for.
    expect(retentionVerdict(done, at('2026-12-29T00:00:00.000Z'), DAYS).due).toBe(true)
  })

  it('a rejected or withdrawn application: the later of its decision and the validity asked for', () => {
    for (const status of ['rejected', 'withdrawn'] as const) {
      const early = applicationTrip({
        status,
        created_at: created,
        decided_at: '2026-11-29T09:00:00.000Z',
        valid_until: EXPIRY,
        pass: null,
        loops: [],
      })
      expect(retentionVerdict(early, plusDays(EXPIRY, 27), DAYS).due).toBe(false)
      expect(retentionVerdict(early, plusDays(EXPIRY, 28), DAYS).due).toBe(true)
      const late = applicationTrip({
        status,
        created_at: created,
        decided_at: '2027-01-05T00:00:00.000Z', // decided after the window it asked for
        valid_until: EXPIRY,
        pass: null,
        loops: [],
      })
      expect(retentionVerdict(late, plusDays(EXPIRY, 28), DAYS).due).toBe(false)
      expect(retentionVerdict(late, plusDays('2027-01-05T00:00:00.000Z', 28), DAYS).due).toBe(true)
    }
  })

  it('a submitted application: never', () => {
    const facts = applicationTrip({
      status: 'submitted',
      created_at: created,
      decided_at: null,
      valid_until: EXPIRY,
      pass: null,
      loops: [],
    })
    expect(retentionVerdict(facts, plusDays(EXPIRY, 1000), DAYS)).toMatchObject({
      due: false,
      reason: 'awaiting_decision',
    })
  })

  it('a pre-arrival report without a pass of ours: its expected window and its loop', () => {
    const until = '2026-11-30T14:00:00.000Z'
    const alone = arrivalReportTrip({
      created_at: created,
      expected_until: until,
      pass: null,
      loops: [],
    })
    expect(retentionVerdict(alone, plusDays(until, 28), DAYS).due).toBe(true)
    expect(retentionVerdict(alone, plusDays(until, 27), DAYS).due).toBe(false)
    const arrived = arrivalReportTrip({
      created_at: created,
      expected_until: until,
      pass: null,
      loops: [closed('2026-12-05T00:00:00.000Z')],
    })
    expect(retentionVerdict(arrived, plusDays(until, 28), DAYS).due).toBe(false)
    expect(retentionVerdict(arrived, plusDays('2026-12-05T00:00:00.000Z', 28), DAYS).due).toBe(true)
  })

  it('a pre-arrival report with our pass: the pass’s trip', () => {
    const facts = arrivalReportTrip({
      created_at: created,
      expected_until: '2026-11-30T14:00:00.000Z',
      pass,
      loops: [],
    })
    expect(retentionVerdict(facts, plusDays(EXPIRY, 27), DAYS).due).toBe(false)
    expect(retentionVerdict(facts, plusDays(EXPIRY, 28), DAYS).due).toBe(true)
  })

  it('a scan: its pass’s trip, its loop, and never before it was received', () => {
    const received = '2026-11-29T09:00:00.000Z'
    expect(
      retentionVerdict(
        scanTrip({ received_at: received, pass, loops: [open] }),
        plusDays(EXPIRY, 99),
        DAYS,
      ).reason,
    ).toBe('loop_open')
    const failed = scanTrip({ received_at: received, pass: null, loops: [] })
    expect(retentionVerdict(failed, plusDays(received, 28), DAYS).due).toBe(true)
    expect(retentionVerdict(failed, plusDays(received, 27), DAYS).due).toBe(false)
  })

  it('the cutoff is RETENTION_DAYS before now: nothing made after it is due', () => {
    const now = at('2027-01-25T08:00:00.000Z')
    expect(retentionCutoff(now, DAYS)).toBe('2026-12-28T08:00:00.000Z')
    const justAfter = scanTrip({ received_at: '2026-12-28T08:00:00.001Z', pass: null, loops: [] })
    expect(retentionVerdict(justAfter, now, DAYS).due).toBe(false)
  })
})
