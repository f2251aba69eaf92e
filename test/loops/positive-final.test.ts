import { describe, expect, it } from 'vitest'
import { foldLoop, type EventKind, type LoopEvent } from '../../src/loops/fold.ts'
import { alertsDue } from '../../src/loops/due-alerts.ts'
import { receiptBasis } from '../../src/receipts/receipt-basis.ts'
import { planResolution } from '../../src/loops/alert-resolution.ts'

const T0 = Date.parse('2026-11-29T08:00:00.000Z')
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString()
const time = (minutes: number) => new Date(T0 + minutes * 60_000)
let seq = 0
const ev = (
  kind: EventKind,
  minutes: number,
  data: Record<string, unknown> | null = null,
): LoopEvent => ({
  id: `${kind}@${minutes}#${++seq}`,
  kind,
  at: at(minutes),
  checkpoint_code: kind === 'retest_ordered' || kind === 'coordinator_closed' ? '' : 'G60-EXIT',
  data,
  seq,
})
const fold = (events: LoopEvent[]) => foldLoop(events, 6)
const negative = { result: 'negative' }
const positive = { result: 'positive' }
const limits = { resultOverdueHours: 8 }

const start = () => [
  ev('arrived', 0),
  ev('sampled', 5, { tube_code: 'T-1', tests: ['pcr', 'antigen'] }),
  ev('released', 10, { destination_code: 'ST-1' }),
]

describe('a positive result is final for its loop', () => {
  it('a later negative PCR result neither closes the loop nor clears it', () => {
    const facts = fold([
      ...start(),
      ev('pcr_result', 60, positive),
      ev('pcr_result', 90, negative),
      ev('departed', 120),
    ])
    expect(facts.pcr).toBe('positive')
    expect(facts.closedAt).toBeNull()
    expect(facts.negativeSince).toBeNull()
    expect(facts.flags.map((f) => f.reason)).toEqual(['after_positive'])
    expect(receiptBasis(facts, time(130))).toMatchObject({ ok: false, code: 'no_negative_result' })
  })

  it('a later negative of the other test does not either', () => {
    const facts = fold([
      ...start(),
      ev('antigen_result', 20, positive),
      ev('pcr_result', 90, negative),
      ev('departed', 120),
    ])
    expect(facts.closedAt).toBeNull()
    expect(facts.negativeSince).toBeNull()
    expect(receiptBasis(facts, time(130)).ok).toBe(false)
    const pcrFirst = fold([
      ...start(),
      ev('pcr_result', 20, positive),
      ev('antigen_result', 30, negative),
      ev('departed', 120),
    ])
    expect(pcrFirst.antigen).toBeNull()
    expect(receiptBasis(pcrFirst, time(130)).ok).toBe(false)
  })

  it('whatever order the events arrive in', () => {
    const events = [
      ...start(),
      ev('pcr_result', 60, positive),
      ev('pcr_result', 90, negative),
      ev('departed', 120),
    ]
    const reversed = fold([...events].reverse().map((e, i) => ({ ...e, seq: i })))
    expect(reversed.closedAt).toBeNull()
    expect(reversed.pcr).toBe('positive')
  })

  it('reopens a loop that closed on a negative result when a positive one follows', () => {
    const facts = fold([
      ...start(),
      ev('pcr_result', 60, negative),
      ev('departed', 120),
      ev('antigen_result', 130, positive),
    ])
    expect(facts.closedAt).toBeNull()
    expect(facts.state).toBe('released')
    expect(alertsDue(facts, time(140), limits)).toEqual([{ kind: 'antigen_positive', round: 0 }])
  })
})

describe('only a coordinator settles it', () => {
  const positiveLoop = () => [...start(), ev('pcr_result', 60, positive)]

  it('retest_ordered starts a new round: only a sample taken after it counts', () => {
    const facts = fold([
      ...positiveLoop(),
      ev('pcr_result', 70, negative), // the old sample, before the decision: flagged
      ev('retest_ordered', 100, { alert_id: 'a', note: 'retest' }),
      ev('pcr_result', 110, negative), // no new sample yet: counts for nothing
      ev('sampled', 120, { tube_code: 'T-2' }),
      ev('pcr_result', 180, negative),
      ev('departed', 200),
    ])
    expect(facts.flags.map((f) => f.reason)).toEqual(['after_positive', 'not_sampled'])
    expect(facts.round).toBe(1)
    expect(facts.sampledAt).toBe(at(120))
    expect(facts.tubeCode).toBe('T-2')
    expect(facts.closedAt).toBe(at(200))
    expect(receiptBasis(facts, time(210))).toMatchObject({
      ok: true,
      basis: { test: 'pcr', sampledAt: time(120) },
    })
  })

  it('a positive retest raises a new alert of its own round', () => {
    const facts = fold([
      ...positiveLoop(),
      ev('retest_ordered', 100),
      ev('sampled', 120, { tube_code: 'T-2' }),
      ev('pcr_result', 180, positive),
    ])
    expect(alertsDue(facts, time(190), limits)).toEqual([
      { kind: 'pcr_positive', round: 0 },
      { kind: 'pcr_positive', round: 1 },
    ])
    expect(receiptBasis(facts, time(190)).ok).toBe(false)
  })

  it('a retest without a positive result standing is flagged and changes nothing', () => {
    const facts = fold([...start(), ev('retest_ordered', 100)])
    expect(facts.flags.map((f) => f.reason)).toEqual(['no_positive_result'])
    expect(facts.round).toBe(0)
  })

  it('coordinator_closed closes the loop for good, and never gives a receipt', () => {
    const facts = fold([
      ...positiveLoop(),
      ev('coordinator_closed', 100),
      ev('pcr_result', 110, negative),
      ev('departed', 120),
    ])
    expect(facts.state).toBe('closed')
    expect(facts.closedAt).toBe(at(100))
    expect(receiptBasis(facts, time(130)).ok).toBe(false)
  })

  it('planResolution: a positive alert needs an explicit outcome, the others refuse one', () => {
    const facts = fold(positiveLoop())
    const open = { facts, closed: false }
    expect(planResolution({ kind: 'pcr_positive', round: 0 }, undefined, open)).toMatchObject({
      ok: false,
      status: 400,
      code: 'outcome_required',
    })
    expect(planResolution({ kind: 'pcr_positive', round: 0 }, 'retest_ordered', open)).toEqual({
      ok: true,
      event: 'retest_ordered',
    })
    expect(
      planResolution({ kind: 'antigen_positive', round: 0 }, 'closed_by_coordinator', open),
    ).toEqual({ ok: true, event: 'coordinator_closed' })
    expect(planResolution({ kind: 'pcr_positive', round: 0 }, 'handled_off_loop', open)).toEqual({
      ok: true,
      event: null,
    })
    expect(
      planResolution({ kind: 'pcr_positive', round: 1 }, 'retest_ordered', open),
    ).toMatchObject({ ok: false, code: 'nothing_to_retest' })
    expect(
      planResolution({ kind: 'pcr_positive', round: 0 }, 'closed_by_coordinator', {
        facts,
        closed: true,
      }),
    ).toMatchObject({ ok: false, code: 'loop_closed' })
    expect(
      planResolution({ kind: 'result_overdue', round: 0 }, 'retest_ordered', open),
    ).toMatchObject({ ok: false, code: 'outcome_not_applicable' })
    expect(planResolution({ kind: 'result_overdue', round: 0 }, undefined, open)).toEqual({
      ok: true,
      event: null,
    })
  })
})
