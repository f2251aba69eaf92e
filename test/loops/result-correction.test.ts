import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'
import { foldLoop, type LoopEvent } from '../../src/loops/fold.ts'

// An officer who tapped "positive" by mistake withdraws it within a minute with a
// `result_corrected` event; the fold then ignores the result as if it had never been recorded.

let t: TestApp
let loopId: string
beforeEach(async () => {
  t = await buildTestApp()
  loopId = (await openLoop(t)).loopId
})

type Made = ReturnType<typeof event>
const later = (e: { at: string }, seconds: number) =>
  new Date(Date.parse(e.at) + seconds * 1000).toISOString()
const correction = (result: Made, seconds: number, data: Record<string, unknown> = {}) =>
  event(
    t,
    result.loop_id,
    'result_corrected',
    { event_id: result.id, ...data },
    later(result, seconds),
  )
const loop = async (id = loopId) =>
  (await t.call('GET', `/api/v1/loops/${id}`, { as: 'coordinator' })).json
const outcome = async (events: unknown[]) => {
  const res = await sendEvents(t, events)
  expect(res.status).toBe(200)
  return res.json.results as {
    id: string
    status: string
    error?: { code: string; message: string }
  }[]
}
const codes = (results: Awaited<ReturnType<typeof outcome>>) =>
  results.map((r) => r.error?.code ?? r.status)

/** Sampled, then a positive antigen result: the loop alerts. */
async function positiveAntigen() {
  await outcome([event(t, loopId, 'sampled', { tube_code: 'TB-9', tests: ['pcr', 'antigen'] })])
  const result = event(t, loopId, 'antigen_result', { result: 'positive' })
  expect(codes(await outcome([result]))).toEqual(['accepted'])
  const before = await loop()
  expect(before.alerting).toBe(true)
  expect(before.alerts).toMatchObject([{ kind: 'antigen_positive', status: 'open' }])
  return result
}

describe('withdrawing a result within a minute', () => {
  it('withdraws a positive: the loop stops alerting and its alert is resolved, by the officer', async () => {
    const result = await positiveAntigen()
    const undo = correction(result, 40, { reason: 'tapped positive by mistake' })
    expect(codes(await outcome([undo]))).toEqual(['accepted'])

    const after = await loop()
    expect(after.alerting).toBe(false)
    expect(after.flagged_events).toBe(0)
    const mine: string[] = [result.id, undo.id]
    const listed = after.events.filter((e: { id: string }) => mine.includes(e.id))
    expect(listed).toMatchObject([
      { id: result.id, kind: 'antigen_result', corrected: true, corrected_by: undo.id, flag: null },
      { id: undo.id, kind: 'result_corrected', corrected: false, corrected_by: null, flag: null },
    ])
    expect(
      after.events.filter((e: { corrected: boolean }) => e.corrected),
      'only the withdrawn result is marked',
    ).toHaveLength(1)
    expect(after.alerts).toHaveLength(1)
    expect(after.alerts[0]).toMatchObject({
      kind: 'antigen_positive',
      status: 'resolved',
      outcome: 'withdrawn_by_correction',
      resolved_by: expect.stringMatching(/^checkpoint:/),
      // The note is the officer's own reason; the outcome says the rest, in the reader's language.
      note: 'tapped positive by mistake',
    })
  })

  it('records the correction in the audit log: who, which event, why', async () => {
    const result = await positiveAntigen()
    const undo = correction(result, 10, { reason: 'wrong button' })
    await outcome([undo])
    const audit = async (subject: string) =>
      (
        await t.call('GET', `/api/v1/audit/log?subject=${encodeURIComponent(subject)}`, {
          as: 'coordinator',
        })
      ).json as { action: string; actor: string; after?: Record<string, unknown> }[]
    const entry = (await audit(`loop:${loopId}`)).find((e) => e.action === 'loop.result_corrected')!
    expect(entry).toMatchObject({
      actor: expect.stringMatching(/^checkpoint:/),
      subject: `loop:${loopId}`,
      before: { event_id: result.id, kind: 'antigen_result', result: 'positive' },
      after: { correction_id: undo.id, reason: 'wrong button' },
    })
    const [alert] = (await loop()).alerts
    const resolved = (await audit(`alert:${alert.id}`)).find((e) => e.action === 'alert.resolve')
    expect(resolved).toMatchObject({
      actor: entry.actor,
      before: { status: 'open' },
      after: {
        status: 'resolved',
        outcome: 'withdrawn_by_correction',
        event_id: result.id,
        correction_id: undo.id,
      },
    })
  })

  it('a withdrawn positive PCR result no longer blocks release or closing', async () => {
    await outcome([event(t, loopId, 'sampled', { tube_code: 'TB-1' })])
    const wrong = event(t, loopId, 'pcr_result', { result: 'positive' })
    await outcome([wrong])
    const results = await outcome([
      correction(wrong, 59),
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
      event(t, loopId, 'departed'),
    ])
    expect(codes(results)).toEqual(['accepted', 'accepted', 'accepted', 'accepted'])
    expect(results.some((r) => 'flag' in r)).toBe(false)
    const after = await loop()
    expect(after).toMatchObject({ state: 'closed', pcr_result: 'negative', alerting: false })
    expect(after.alerts).toMatchObject([{ kind: 'pcr_positive', status: 'resolved' }])
  })

  it('a positive not withdrawn within the minute stays final', async () => {
    const result = await positiveAntigen()
    const tooLate = correction(result, 61)
    const [answer] = await outcome([tooLate])
    expect(answer).toMatchObject({
      id: tooLate.id,
      status: 'rejected',
      error: { code: 'correction_window_passed', message: expect.stringMatching(/60 seconds/) },
    })
    const after = await loop()
    expect(after.alerting).toBe(true)
    expect(after.alerts).toMatchObject([{ kind: 'antigen_positive', status: 'open' }])
    expect(after.events.some((e: { id: string }) => e.id === tooLate.id)).toBe(false)
  })

  it('refuses any other correction with correction_not_allowed, and the result stands', async () => {
    const result = await positiveAntigen()
    const other = await openLoop(t, { plate: '浙A7Z001' })
    const elsewhere = event(t, other.loopId, 'sampled', { tube_code: 'TB-2' })
    const otherResult = event(t, other.loopId, 'pcr_result', { result: 'positive' })
    await outcome([elsewhere, otherResult])
    const sampled = (await loop()).events.find((e: { kind: string }) => e.kind === 'sampled')
    const attempts = [
      // a result recorded at another checkpoint
      { ...correction(result, 20), checkpoint_code: 'HZ-TS-XS' },
      // not a test result
      event(t, loopId, 'result_corrected', { event_id: sampled.id }, later(sampled, 20)),
      // no such event
      event(t, loopId, 'result_corrected', { event_id: crypto.randomUUID() }, later(result, 20)),
      // a result of another loop
      event(t, loopId, 'result_corrected', { event_id: otherResult.id }, later(otherResult, 5)),
      // dated before the result
      correction(result, -5),
    ]
    const results = await outcome(attempts)
    expect(codes(results)).toEqual(Array(attempts.length).fill('correction_not_allowed'))
    expect(results.every((r) => r.error!.message.length > 10)).toBe(true)
    expect((await loop()).alerting).toBe(true)
    expect((await loop(other.loopId)).alerting).toBe(true)
  })

  it('withdraws a result once: a second correction is refused, a replay is a duplicate', async () => {
    const result = await positiveAntigen()
    const undo = correction(result, 30)
    const again = correction(result, 45)
    expect(codes(await outcome([undo, again]))).toEqual(['accepted', 'correction_not_allowed'])
    expect(codes(await outcome([undo, correction(result, 50)]))).toEqual([
      'duplicate',
      'correction_not_allowed',
    ])
    expect((await loop()).alerting).toBe(false)
  })

  it('rejects a correction without the id of the result as invalid', async () => {
    const results = await outcome([
      event(t, loopId, 'result_corrected', {}),
      event(t, loopId, 'result_corrected', { event_id: 'not-a-uuid' }),
      event(t, loopId, 'result_corrected', {
        event_id: crypto.randomUUID(),
        reason: 'x'.repeat(201),
      }),
    ])
    expect(codes(results)).toEqual(['invalid_event', 'invalid_event', 'invalid_event'])
    expect(results.map((r) => r.error!.message.split(':')[0])).toEqual([
      'data.event_id',
      'data.event_id',
      'data.reason',
    ])
  })
})

describe('whatever order the events arrive in', () => {
  /** The end state GET /loops/{id} shows, without what differs by construction (ids, times). */
  const endState = async (id: string) => {
    const l = await loop(id)
    return {
      state: l.state,
      alerting: l.alerting,
      pcr_result: l.pcr_result,
      released_at: l.released_at !== null,
      flagged_events: l.flagged_events,
      events: l.events.map((e: { kind: string; corrected: boolean; flag: string | null }) => ({
        kind: e.kind,
        corrected: e.corrected,
        flag: e.flag,
      })),
      open_alerts: l.alerts.filter((a: { status: string }) => a.status !== 'resolved').length,
    }
  }

  it('the correction uploaded before its result in one batch folds as in order', async () => {
    const other = (await openLoop(t, { plate: '浙A7Z002' })).loopId
    const script = (id: string) => {
      const sampled = event(t, id, 'sampled', { tube_code: 'TB-3' })
      const result = event(t, id, 'pcr_result', { result: 'positive' })
      return [
        sampled,
        result,
        correction(result, 30),
        event(t, id, 'pcr_result', { result: 'negative' }),
      ]
    }
    const [sampled, result, undo, negative] = script(loopId)
    expect(codes(await outcome([sampled, result]))).toEqual(['accepted', 'accepted'])
    expect(codes(await outcome([undo, negative]))).toEqual(['accepted', 'accepted'])

    const [s2, r2, u2, n2] = script(other)
    expect(codes(await outcome([u2, n2, r2, s2]))).toEqual(Array(4).fill('accepted'))

    const inOrder = await endState(loopId)
    expect(inOrder).toMatchObject({ state: 'sampled', alerting: false, pcr_result: 'negative' })
    expect(inOrder.flagged_events).toBe(0)
    expect(await endState(other)).toEqual(inOrder)

    // An offline device replays everything: nothing changes.
    expect(codes(await outcome([negative, undo, result, sampled]))).toEqual(
      Array(4).fill('duplicate'),
    )
    expect(await endState(loopId)).toEqual(inOrder)
  })

  it('the fold gives the same facts for every arrival order', () => {
    const T0 = Date.parse('2026-11-29T08:00:00.000Z')
    const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString()
    const ev = (
      id: string,
      kind: LoopEvent['kind'],
      seconds: number,
      data: LoopEvent['data'] = null,
    ) => ({ id, kind, at: at(seconds), checkpoint_code: 'HZ-G60-XS', data, seq: 0 }) as LoopEvent
    const events = [
      ev('a', 'arrived', 0),
      ev('s', 'sampled', 60, { tube_code: 'T' }),
      ev('p', 'antigen_result', 120, { result: 'positive' }),
      ev('c', 'result_corrected', 150, { event_id: 'p' }),
      ev('late', 'result_corrected', 200, { event_id: 'p' }),
      ev('n', 'antigen_result', 160, { result: 'negative' }),
      ev('r', 'released', 300, { destination_code: 'HZ-TS-XS' }),
    ]
    const permutations = (list: LoopEvent[]): LoopEvent[][] =>
      list.length <= 1
        ? [list]
        : list.flatMap((e, i) =>
            permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((rest) => [e, ...rest]),
          )
    const facts = permutations(events).map((order) =>
      foldLoop(
        order.map((e, seq) => ({ ...e, seq })),
        6,
      ),
    )
    expect(facts[0]).toMatchObject({
      antigen: 'negative',
      releasedAt: at(300),
      positives: [],
      withdrawn: [{ eventId: 'p', correctionId: 'c', test: 'antigen', result: 'positive' }],
      flags: [{ eventId: 'late', reason: 'correction_not_allowed' }],
    })
    for (const f of facts) expect(f).toEqual(facts[0])
  })
})
