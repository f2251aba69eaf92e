import { describe, expect, it } from 'vitest'
import { destinationDueAt, dueAlerts, resultDueAt } from '../../src/loops/due-alerts.ts'
import { ALERT_KINDS } from '../../src/alerts/alerts.table.ts'
import {
  foldLoop,
  initialFacts,
  type EventKind,
  type LoopEvent,
  type LoopFacts,
} from '../../src/loops/fold.ts'

const HOUR = 3_600_000
const T0 = Date.parse('2022-05-01T00:00:00.000Z')
const iso = (ms: number) => new Date(T0 + ms).toISOString()
const time = (ms: number) => new Date(T0 + ms)
const limits = { resultOverdueHours: 8 }

/** Facts of an open loop, built by hand: only the fields a test names differ from a fresh loop. */
const facts = (overrides: Partial<LoopFacts>): LoopFacts => ({
  ...initialFacts(),
  arrivedAt: iso(0),
  ...overrides,
})

/** Sampled at 10 min, released at 30 min with a 6 h deadline; no result yet. */
const releasedLoop = (overrides: Partial<LoopFacts> = {}) =>
  facts({
    state: 'released',
    sampledAt: iso(10 * 60_000),
    tubeCode: 'TUBE-001',
    releasedAt: iso(30 * 60_000),
    releaseDeadline: iso(30 * 60_000 + 6 * HOUR),
    destinationCode: 'ST-XS-01',
    ...overrides,
  })
const SAMPLED = 10 * 60_000
const DEADLINE = 30 * 60_000 + 6 * HOUR

let seq = 0
const ev = (
  kind: EventKind,
  ms: number,
  data: Record<string, unknown> | null = null,
): LoopEvent => ({
  id: `${kind}-${++seq}`,
  kind,
  at: iso(ms),
  checkpoint_code: 'G60-EXIT',
  data,
  seq,
})

describe('dueAlerts: positive results', () => {
  it('opens pcr_positive at once', () => {
    const loop = releasedLoop({ pcr: 'positive', pcrAt: iso(2 * HOUR) })
    expect(dueAlerts(loop, time(2 * HOUR), limits)).toEqual(['pcr_positive'])
  })

  it('opens antigen_positive at once', () => {
    const loop = facts({ state: 'sampled', sampledAt: iso(SAMPLED), antigen: 'positive' })
    expect(dueAlerts(loop, time(SAMPLED), limits)).toEqual(['antigen_positive'])
  })

  it('opens both when both tests are positive', () => {
    const loop = facts({
      state: 'sampled',
      sampledAt: iso(SAMPLED),
      antigen: 'positive',
      pcr: 'positive',
      pcrAt: iso(HOUR),
    })
    expect(dueAlerts(loop, time(HOUR), limits)).toEqual(['pcr_positive', 'antigen_positive'])
  })

  it('opens pcr_positive for a loop folded from its events, as soon as the result is in', () => {
    const loop = foldLoop(
      [
        ev('arrived', 0),
        ev('sampled', SAMPLED, { tube_code: 'T' }),
        ev('released', 30 * 60_000, { destination_code: 'D' }),
        ev('pcr_result', HOUR, { result: 'positive' }),
      ],
      6,
    )
    expect(dueAlerts(loop, time(HOUR), limits)).toEqual(['pcr_positive'])
  })

  it('keeps an antigen-positive truck’s missing PCR result overdue too', () => {
    const loop = facts({ state: 'sampled', sampledAt: iso(SAMPLED), antigen: 'positive' })
    expect(dueAlerts(loop, time(SAMPLED + 9 * HOUR), limits)).toEqual([
      'antigen_positive',
      'result_overdue',
    ])
  })

  it('lists only the kinds the domain defines', () => {
    expect(ALERT_KINDS).toEqual([
      'pcr_positive',
      'antigen_positive',
      'result_overdue',
      'destination_overdue',
    ])
  })
})

describe('dueAlerts: result_overdue', () => {
  it('is due at sampling time plus the limit', () => {
    expect(resultDueAt(releasedLoop(), limits)?.toISOString()).toBe(iso(SAMPLED + 8 * HOUR))
    expect(resultDueAt(releasedLoop(), { resultOverdueHours: 12 })?.toISOString()).toBe(
      iso(SAMPLED + 12 * HOUR),
    )
  })

  it('does not open up to and including the moment it is due', () => {
    expect(dueAlerts(releasedLoop(), time(SAMPLED + HOUR), limits)).not.toContain('result_overdue')
    expect(dueAlerts(releasedLoop(), time(SAMPLED + 8 * HOUR), limits)).not.toContain(
      'result_overdue',
    )
  })

  it('opens strictly after sampledAt plus the limit', () => {
    expect(dueAlerts(releasedLoop(), time(SAMPLED + 8 * HOUR + 1), limits)).toContain(
      'result_overdue',
    )
  })

  it('follows the configured limit', () => {
    const loop = releasedLoop({ destinationArrivedAt: iso(2 * HOUR), state: 'at_destination' })
    expect(dueAlerts(loop, time(SAMPLED + 9 * HOUR), { resultOverdueHours: 12 })).toEqual([])
    expect(dueAlerts(loop, time(SAMPLED + 12 * HOUR + 1), { resultOverdueHours: 12 })).toEqual([
      'result_overdue',
    ])
  })

  it('never opens once a negative PCR result is in', () => {
    const loop = releasedLoop({
      pcr: 'negative',
      pcrAt: iso(20 * HOUR),
      destinationArrivedAt: iso(2 * HOUR),
    })
    expect(resultDueAt(loop, limits)).toBeNull()
    expect(dueAlerts(loop, time(SAMPLED + 100 * HOUR), limits)).toEqual([])
  })

  it('does not open beside pcr_positive: a positive result is a result', () => {
    const loop = releasedLoop({
      pcr: 'positive',
      pcrAt: iso(20 * HOUR),
      destinationArrivedAt: iso(2 * HOUR),
    })
    expect(resultDueAt(loop, limits)).toBeNull()
    expect(dueAlerts(loop, time(SAMPLED + 100 * HOUR), limits)).toEqual(['pcr_positive'])
  })

  it('is not counted for a negative antigen result alone', () => {
    const loop = releasedLoop({ antigen: 'negative', destinationArrivedAt: iso(2 * HOUR) })
    expect(dueAlerts(loop, time(SAMPLED + 9 * HOUR), limits)).toEqual(['result_overdue'])
  })

  it('never opens for a loop that was not sampled', () => {
    const loop = facts({ certificateCheckedAt: iso(60_000), negativeSince: iso(60_000) })
    expect(resultDueAt(loop, limits)).toBeNull()
    expect(dueAlerts(loop, time(100 * HOUR), limits)).toEqual([])
  })
})

describe('dueAlerts: destination_overdue', () => {
  it('is due at the release deadline', () => {
    expect(destinationDueAt(releasedLoop())?.toISOString()).toBe(iso(DEADLINE))
  })

  it('does not open up to and including the deadline', () => {
    expect(dueAlerts(releasedLoop(), time(DEADLINE - 1), limits)).toEqual([])
    expect(dueAlerts(releasedLoop(), time(DEADLINE), limits)).toEqual([])
  })

  it('opens after the deadline while the vehicle has neither arrived nor departed', () => {
    const loop = releasedLoop({ pcr: 'negative', pcrAt: iso(3 * HOUR) })
    expect(dueAlerts(loop, time(DEADLINE + 1), limits)).toEqual(['destination_overdue'])
  })

  it('never opens once the vehicle arrived at its destination', () => {
    const loop = releasedLoop({
      pcr: 'negative',
      pcrAt: iso(3 * HOUR),
      state: 'at_destination',
      destinationArrivedAt: iso(DEADLINE + 5 * 60_000),
    })
    expect(destinationDueAt(loop)).toBeNull()
    expect(dueAlerts(loop, time(DEADLINE + HOUR), limits)).toEqual([])
  })

  it('never opens once the vehicle departed the city', () => {
    const loop = releasedLoop({ pcr: 'negative', pcrAt: iso(3 * HOUR), departedAt: iso(2 * HOUR) })
    expect(destinationDueAt(loop)).toBeNull()
    expect(dueAlerts(loop, time(DEADLINE + HOUR), limits)).toEqual([])
  })

  it('never opens for a vehicle not yet released', () => {
    const loop = facts({ state: 'sampled', sampledAt: iso(SAMPLED) })
    expect(destinationDueAt(loop)).toBeNull()
    expect(dueAlerts(loop, time(SAMPLED + 7 * HOUR), limits)).toEqual([])
  })

  it('opens beside result_overdue when both are late', () => {
    expect(dueAlerts(releasedLoop(), time(SAMPLED + 9 * HOUR), limits)).toEqual([
      'result_overdue',
      'destination_overdue',
    ])
  })

  it('follows a deadline the release gave explicitly', () => {
    const loop = foldLoop(
      [
        ev('arrived', 0),
        ev('certificate_checked', 60_000),
        ev('released', 2 * 60_000, { destination_code: 'ST-XS-01', deadline: iso(2 * HOUR) }),
      ],
      6,
    )
    expect(dueAlerts(loop, time(2 * HOUR), limits)).toEqual([])
    expect(dueAlerts(loop, time(2 * HOUR + 1), limits)).toEqual(['destination_overdue'])
  })
})

describe('dueAlerts: a clean loop', () => {
  it('opens nothing for a loop that went by the book, however long after', () => {
    const loop = foldLoop(
      [
        ev('arrived', 0),
        ev('sampled', SAMPLED, { tube_code: 'T' }),
        ev('antigen_result', 20 * 60_000, { result: 'negative' }),
        ev('released', 30 * 60_000, { destination_code: 'ST-XS-01' }),
        ev('destination_arrived', 3 * HOUR),
        ev('pcr_result', 5 * HOUR, { result: 'negative' }),
        ev('handed_over', 5.5 * HOUR),
      ],
      6,
    )
    expect(loop.state).toBe('closed')
    for (const hours of [0, 1, 6, 8, 24, 24 * 30])
      expect(dueAlerts(loop, time(hours * HOUR), limits)).toEqual([])
  })

  it('opens nothing for a certificate loop that left the city', () => {
    const loop = foldLoop(
      [
        ev('arrived', 0),
        ev('certificate_checked', 60_000),
        ev('released', 2 * 60_000, { destination_code: 'D' }),
        ev('departed', HOUR),
      ],
      6,
    )
    expect(loop.state).toBe('closed')
    expect(dueAlerts(loop, time(100 * HOUR), limits)).toEqual([])
  })

  it('opens nothing for a loop still on time', () => {
    expect(dueAlerts(releasedLoop(), time(2 * HOUR), limits)).toEqual([])
  })
})

describe('positive results that were retested or came out of place', () => {
  it('still raise their alert', async () => {
    const { foldLoop } = await import('../../src/loops/fold.ts')
    const { dueAlerts } = await import('../../src/loops/due-alerts.ts')
    const e = (kind: string, minute: number, data?: Record<string, unknown>) => ({
      id: `${kind}-${minute}`,
      kind: kind as never,
      at: new Date(Date.UTC(2026, 10, 29, 8, minute)).toISOString(),
      checkpoint_code: 'CP',
      data: data ?? null,
      seq: minute,
    })
    const retested = foldLoop(
      [
        e('arrived', 0),
        e('sampled', 1, { tube_code: 'T' }),
        e('pcr_result', 2, { result: 'positive' }),
        e('pcr_result', 3, { result: 'negative' }),
      ],
      6,
    )
    // A positive result is final: the later negative is kept and flagged, and clears nothing.
    expect(retested.pcr).toBe('positive')
    expect(retested.flags.map((f) => f.reason)).toEqual(['after_positive'])
    expect(
      dueAlerts(retested, new Date('2026-11-29T09:00:00Z'), { resultOverdueHours: 8 }),
    ).toContain('pcr_positive')
    const outOfPlace = foldLoop(
      [e('arrived', 0), e('antigen_result', 1, { result: 'positive' })],
      6,
    )
    expect(outOfPlace.flags).toHaveLength(1)
    expect(
      dueAlerts(outOfPlace, new Date('2026-11-29T09:00:00Z'), { resultOverdueHours: 8 }),
    ).toEqual(['antigen_positive'])
  })
})
