import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'

let t: TestApp
let loopId: string
beforeEach(async () => {
  t = await buildTestApp()
  loopId = (await openLoop(t)).loopId
})

const MINUTE = 60_000
const loop = async () =>
  (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
const close = (note: string) =>
  t.call('POST', `/api/v1/loops/${loopId}/close`, { as: 'coordinator', body: { note } })

describe('closing a loop by hand is a loop event', () => {
  it('records coordinator_closed, dated after the loop’s latest event, with the note', async () => {
    const ahead = new Date(t.clock().getTime() + 4 * MINUTE).toISOString()
    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'MC-1', tests: ['pcr'] }, ahead)])
    const res = await close('车辆已离境，补登闭环')
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({ state: 'closed', closed_note: '车辆已离境，补登闭环' })
    const l = await loop()
    const [decision] = l.events.filter((e: { kind: string }) => e.kind === 'coordinator_closed')
    expect(decision).toMatchObject({
      flag: null,
      recorded_by: 'coordinator:coordinator',
      data: { note: '车辆已离境，补登闭环' },
    })
    expect(Date.parse(decision.at)).toBeGreaterThan(Date.parse(ahead))
    expect(l.closed_at).toBe(decision.at)
    expect((await close('again')).json.error.code).toBe('loop_closed')
  })

  it('later events are flagged and change nothing; a positive result still raises its alert', async () => {
    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'MC-2', tests: ['pcr'] })])
    expect((await close('滞留车辆，人工闭环')).status).toBe(200)
    t.clock.advance(MINUTE)
    const later = await sendEvents(t, [
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
      event(t, loopId, 'pcr_result', { result: 'positive' }),
    ])
    expect(
      later.json.results.map((r: { status: string; flag?: string }) => [r.status, r.flag ?? null]),
    ).toEqual([
      ['accepted', 'loop_closed'],
      ['accepted', null],
    ])
    const l = await loop()
    expect(l).toMatchObject({
      state: 'closed',
      released_at: null,
      release_deadline: null,
      alerting: true,
    })
    expect(l.alerts.map((a: { kind: string; status: string }) => [a.kind, a.status])).toEqual([
      ['pcr_positive', 'open'],
    ])
    expect(
      (await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })).status,
    ).toBe(409)
  })

  it('a closed loop is overdue for nothing: only a positive result alerts after it', async () => {
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'MC-3', tests: ['pcr'] }),
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    expect((await close('车辆改道离境')).status).toBe(200)
    t.clock.advance(10 * 60 * MINUTE)
    t.forgetTokens()
    await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'positive' })])
    const l = await loop()
    expect(l.alerts.map((a: { kind: string }) => a.kind)).toEqual(['pcr_positive'])
    expect(l.result_due_at).toBeNull()
  })
})
