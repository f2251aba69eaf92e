import { describe, expect, it } from 'vitest'
import { foldLoop, positiveStands, type EventKind, type LoopEvent } from '../../src/loops/fold.ts'
import { alertsDue } from '../../src/loops/due-alerts.ts'
import { receiptBasis } from '../../src/receipts/receipt-basis.ts'
import { buildTestApp } from '../support/test-app.ts'
import { event, openLoop, scan, sendEvents } from '../support/flow.ts'

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
  checkpoint_code: 'G60-EXIT',
  data,
  seq,
})
const fold = (events: LoopEvent[]) => foldLoop(events, 6)
const negative = { result: 'negative' }
const positive = { result: 'positive' }
const reasons = (facts: ReturnType<typeof fold>) => facts.flags.map((f) => f.reason)

/** A lab device with a slow clock: its positive PCR result is dated before the sample. */
const slowLabLoop = () => [
  ev('arrived', 0),
  ev('pcr_result', 2, positive),
  ev('sampled', 5, { tube_code: 'T-1', tests: ['pcr', 'antigen'] }),
  ev('antigen_result', 6, negative),
  ev('released', 7, { destination_code: 'ST-1' }),
]

describe('a positive result flagged where it falls still stands', () => {
  it('stands, raises its alert and clears nothing: no negative, no release, no receipt', () => {
    const facts = fold(slowLabLoop())
    expect(reasons(facts)).toEqual(['not_sampled', 'after_positive', 'positive_result'])
    expect(positiveStands(facts)).toBe(true)
    expect(facts.negativeSince).toBeNull()
    expect(facts.releasedAt).toBeNull()
    expect(alertsDue(facts, time(10), { resultOverdueHours: 8 })).toContainEqual({
      kind: 'pcr_positive',
      round: 0,
    })
    expect(receiptBasis(facts, time(10))).toMatchObject({ ok: false, code: 'no_negative_result' })
  })

  it('a later negative with a departure does not close the loop', () => {
    const facts = fold([...slowLabLoop(), ev('pcr_result', 60, negative), ev('departed', 70)])
    expect(facts.closedAt).toBeNull()
    expect(facts.negativeSince).toBeNull()
    expect(receiptBasis(facts, time(80)).ok).toBe(false)
  })

  it('clears a negative learned earlier, whatever order the events arrive in', () => {
    const events = [
      ev('arrived', 0),
      ev('sampled', 5, { tube_code: 'T-1', tests: ['pcr', 'antigen'] }),
      ev('antigen_result', 6, negative),
      ev('antigen_result', 4, positive),
    ]
    const live = fold(events)
    const reversed = fold([...events].reverse().map((e, i) => ({ ...e, seq: i })))
    for (const facts of [live, reversed]) {
      expect(positiveStands(facts)).toBe(true)
      expect(facts.negativeSince).toBeNull()
    }
  })

  it('reopens a loop closed on a certificate when a positive comes for no sample', () => {
    const facts = fold([
      ev('arrived', 0),
      ev('certificate_checked', 1, { sampled_at: at(-60) }),
      ev('released', 2, { destination_code: 'ST-1' }),
      ev('departed', 30),
      ev('pcr_result', 40, positive),
    ])
    expect(reasons(facts)).toEqual(['not_sampled'])
    expect(facts.closedAt).toBeNull()
    expect(facts.state).toBe('released')
    expect(facts.negativeSince).toBeNull()
    expect(receiptBasis(facts, time(50)).ok).toBe(false)
  })

  it('a retest ordered after it starts a round where it no longer stands', () => {
    const facts = fold([
      ...slowLabLoop(),
      ev('retest_ordered', 20),
      ev('sampled', 30, { tube_code: 'T-2' }),
      ev('pcr_result', 60, negative),
      ev('released', 61, { destination_code: 'ST-1' }),
      ev('departed', 70),
    ])
    expect(facts.round).toBe(1)
    expect(positiveStands(facts)).toBe(false)
    expect(facts.closedAt).toBe(at(70))
    expect(receiptBasis(facts, time(80)).ok).toBe(true)
  })
})

describe('a positive result dated before its sample, through the API', () => {
  it('gives no receipt, keeps the loop open after a negative and a departure, and a destination scan never says release', async () => {
    const t = await buildTestApp()
    const scanned = t.clock().getTime()
    const { pass, loopId } = await openLoop(t)
    t.clock.advance(5 * 60_000)
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'SL-1', tests: ['pcr', 'antigen'] }),
      event(t, loopId, 'antigen_result', { result: 'negative' }),
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    const slow = new Date(scanned + 2 * 60_000).toISOString()
    const res = await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'positive' }, slow)])
    expect(res.json.results[0]).toMatchObject({ status: 'accepted', flag: 'not_sampled' })

    const loop = async () =>
      (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
    expect((await loop()).alerts.map((a: { kind: string }) => a.kind)).toEqual(['pcr_positive'])
    const receipt = await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })
    expect([receipt.status, receipt.json.error?.code]).toEqual([409, 'no_negative_result'])
    expect(
      t.sqlite.prepare('SELECT negative_since FROM loops WHERE id = ?').pluck().get(loopId),
    ).toBeNull()

    const arrival = await scan(t, { token: pass.token, checkpoint_code: 'HZ-DEST-BJ' })
    expect(arrival.json.action).not.toBe('release')

    await sendEvents(t, [
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      event(t, loopId, 'departed'),
    ])
    const after = await loop()
    expect(after).toMatchObject({ closed_at: null, alerting: true })
    expect(
      t.sqlite.prepare('SELECT negative_since FROM loops WHERE id = ?').pluck().get(loopId),
    ).toBeNull()
    expect(
      (await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })).status,
    ).toBe(409)
  })
})
