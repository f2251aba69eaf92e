import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'

let t: TestApp
let loopId: string
beforeEach(async () => {
  t = await buildTestApp()
  loopId = (await openLoop(t)).loopId
})

const loop = async () =>
  (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
const receipt = () => t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })
const resolve = (alertId: string, body: unknown) =>
  t.call('POST', `/api/v1/alerts/${alertId}/resolve`, { as: 'coordinator', body })

/** Sampled, released, then a positive PCR result: the open pcr_positive alert. */
async function positiveLoop() {
  await sendEvents(t, [
    event(t, loopId, 'sampled', { tube_code: 'RT-1', tests: ['pcr'] }),
    event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
  ])
  await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'positive' })])
  const [alert] = (await loop()).alerts
  expect(alert).toMatchObject({ kind: 'pcr_positive', status: 'open', round: 0 })
  return alert as { id: string }
}

describe('a positive result on the loop, through the API', () => {
  it('a later negative never closes the loop, clears alerting or yields a receipt', async () => {
    await positiveLoop()
    const later = await sendEvents(t, [
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      event(t, loopId, 'departed'),
    ])
    expect(later.json.results.map((r: { flag?: string }) => r.flag ?? null)).toEqual([
      'after_positive',
      null,
    ])
    const l = await loop()
    expect(l).toMatchObject({ pcr_result: 'positive', alerting: true, closed_at: null })
    expect(l.state).not.toBe('closed')
    expect((await receipt()).json.error.code).toBe('no_negative_result')
  })

  it('a device can never upload a coordinator’s decision', async () => {
    await positiveLoop()
    const res = await sendEvents(t, [
      event(t, loopId, 'retest_ordered', { note: 'self-service' }),
      event(t, loopId, 'coordinator_closed'),
      event(t, loopId, 'deadline_set', { deadline: '2026-12-30T00:00:00Z' }),
    ])
    expect(res.json.results.map((r: { error?: { code: string } }) => r.error?.code)).toEqual([
      'coordinator_only',
      'coordinator_only',
      'coordinator_only',
    ])
    expect((await loop()).events.map((e: { kind: string }) => e.kind)).not.toContain(
      'retest_ordered',
    )
  })

  it('resolving it needs an outcome; other alerts still take a plain note', async () => {
    const alert = await positiveLoop()
    const bare = await resolve(alert.id, { note: '已处置' })
    expect([bare.status, bare.json.error.code]).toEqual([400, 'outcome_required'])
    expect((await loop()).alerting).toBe(true)
  })

  it('retest_ordered: only a sample taken after it counts, then the loop may clear and give a receipt', async () => {
    const alert = await positiveLoop()
    t.clock.advance(60_000)
    const resolved = await resolve(alert.id, { note: '复核：重新采样', outcome: 'retest_ordered' })
    expect(resolved.json).toMatchObject({
      status: 'resolved',
      outcome: 'retest_ordered',
      note: '复核：重新采样',
    })
    let l = await loop()
    expect(l.alerting).toBe(false)
    expect(l.events.at(-1)).toMatchObject({
      kind: 'retest_ordered',
      recorded_by: 'coordinator:coordinator',
      data: { alert_id: alert.id },
    })
    // No new sample yet: a negative result counts for nothing.
    const stray = await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'negative' })])
    expect(stray.json.results[0].flag).toBe('not_sampled')
    expect((await receipt()).json.error.code).toBe('no_negative_result')
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'RT-2', tests: ['pcr'] }),
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      event(t, loopId, 'departed'),
    ])
    l = await loop()
    expect(l.state).toBe('closed')
    const r = await receipt()
    expect(r.status).toBe(200)
    expect(r.json.sampled_at).toBe(l.sampled_at)
    const audit = t.sqlite
      .prepare(`SELECT after FROM audit_log WHERE action = 'alert.resolve' AND subject = ?`)
      .get(`alert:${alert.id}`) as { after: string }
    expect(JSON.parse(audit.after)).toMatchObject({
      outcome: 'retest_ordered',
      note: '复核：重新采样',
    })
  })

  it('a positive retest opens a new alert of the next round', async () => {
    const alert = await positiveLoop()
    await resolve(alert.id, { note: '重新采样', outcome: 'retest_ordered' })
    t.clock.advance(60_000)
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'RT-3', tests: ['pcr'] }),
      event(t, loopId, 'pcr_result', { result: 'positive' }),
    ])
    const l = await loop()
    expect(l.alerting).toBe(true)
    expect(
      l.alerts.map((a: { kind: string; round: number; status: string }) => [
        a.kind,
        a.round,
        a.status,
      ]),
    ).toEqual([
      ['pcr_positive', 0, 'resolved'],
      ['pcr_positive', 1, 'open'],
    ])
  })

  it('closed_by_coordinator closes the loop with the note, and never gives a receipt', async () => {
    const alert = await positiveLoop()
    const res = await resolve(alert.id, {
      note: '已转运隔离，闭环',
      outcome: 'closed_by_coordinator',
    })
    expect(res.status).toBe(200)
    const l = await loop()
    expect(l).toMatchObject({ state: 'closed', alerting: false, closed_note: '已转运隔离，闭环' })
    expect(l.closed_at).not.toBeNull()
    expect((await receipt()).json.error.code).toBe('no_negative_result')
    // Closed for good: a later negative with a departure changes nothing.
    await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'negative' })])
    expect((await receipt()).status).toBe(409)
  })

  it('handled_off_loop resolves the alert, and the positive still stands', async () => {
    const alert = await positiveLoop()
    await resolve(alert.id, { note: '疾控接手', outcome: 'handled_off_loop' })
    await sendEvents(t, [
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      event(t, loopId, 'departed'),
    ])
    const l = await loop()
    expect(l).toMatchObject({ alerting: false, closed_at: null, pcr_result: 'positive' })
    expect((await receipt()).status).toBe(409)
  })
})
