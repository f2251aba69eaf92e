import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'
import { checkEventTimes, isLate } from '../../src/loops/event-times.ts'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const NOW = new Date('2026-11-29T08:00:00.000Z')
const iso = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString()

describe('checkEventTimes', () => {
  const ev = (kind: string, at: number, data: Record<string, unknown> | null = null) => ({
    kind,
    at: iso(at),
    data,
  })

  it('refuses an event more than 5 minutes ahead of the server', () => {
    expect(checkEventTimes(ev('departed', 5 * MINUTE), NOW, 24)).toBeNull()
    expect(checkEventTimes(ev('departed', 5 * MINUTE + 1000), NOW, 24)?.code).toBe('time_in_future')
  })

  it('bounds a certificate’s sample time to [at − 48 h, at + 5 min]', () => {
    const cert = (sampled: number) =>
      checkEventTimes(ev('certificate_checked', -HOUR, { sampled_at: iso(sampled) }), NOW, 24)
    expect(cert(-HOUR - 48 * HOUR)).toBeNull()
    expect(cert(-HOUR + 5 * MINUTE)).toBeNull()
    expect(cert(-HOUR - 48 * HOUR - MINUTE)).toMatchObject({
      code: 'time_out_of_range',
      message: expect.stringMatching(/^data\.sampled_at/),
    })
    expect(cert(-HOUR + 6 * MINUTE)?.code).toBe('time_out_of_range')
    expect(cert(3 * 365 * 24 * HOUR)?.code).toBe('time_out_of_range')
  })

  it('bounds a release deadline to after the release and at most the configured hours after it', () => {
    const release = (deadline: number, max = 24) =>
      checkEventTimes(
        ev('released', 0, { destination_code: 'X', deadline: iso(deadline) }),
        NOW,
        max,
      )
    expect(release(24 * HOUR)).toBeNull()
    expect(release(24 * HOUR + MINUTE)).toMatchObject({
      code: 'deadline_out_of_range',
      message: expect.stringMatching(/^data\.deadline/),
    })
    expect(release(0)?.code).toBe('deadline_out_of_range')
    expect(release(-HOUR)?.code).toBe('deadline_out_of_range')
    expect(release(30 * HOUR, 48)).toBeNull()
  })

  it('calls an event late more than 24 h after its device time', () => {
    expect(isLate(iso(-24 * HOUR), NOW)).toBe(false)
    expect(isLate(iso(-24 * HOUR - 1000), NOW)).toBe(true)
  })
})

describe('uploading events with device times', () => {
  let t: TestApp
  let loopId: string
  beforeEach(async () => {
    t = await buildTestApp()
    loopId = (await openLoop(t)).loopId
  })
  const codes = (res: { json: { results: { status: string; error?: { code: string } }[] } }) =>
    res.json.results.map((r) => r.error?.code ?? r.status)
  const ahead = (ms: number) => new Date(t.clock().getTime() + ms).toISOString()

  it('rejects an event 6 minutes ahead (time_in_future) and takes one 4 minutes ahead', async () => {
    const res = await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'F-1' }, ahead(6 * MINUTE + 2 * MINUTE)),
      event(t, loopId, 'sampled', { tube_code: 'F-2' }, ahead(4 * MINUTE)),
    ])
    expect(codes(res)).toEqual(['time_in_future', 'accepted'])
  })

  it('refuses a certificate sampled years ahead, so no receipt is ever dated from it', async () => {
    const res = await sendEvents(t, [
      event(t, loopId, 'certificate_checked', { sampled_at: '2029-11-29T08:00:00Z' }),
    ])
    expect(res.json.results[0]).toMatchObject({
      status: 'rejected',
      error: { code: 'time_out_of_range', message: expect.stringContaining('data.sampled_at') },
    })
    expect(
      (await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })).json.error
        .code,
    ).toBe('no_negative_result')
  })

  it('refuses a release deadline beyond MAX_RELEASE_DEADLINE_HOURS', async () => {
    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'D-1' })])
    const far = await sendEvents(t, [
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ', deadline: ahead(25 * HOUR) }),
    ])
    expect(codes(far)).toEqual(['deadline_out_of_range'])
    const ok = await sendEvents(t, [
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ', deadline: ahead(20 * HOUR) }),
    ])
    expect(codes(ok)).toEqual(['accepted'])
  })

  it('accepts an event older than 24 h and marks it late, in the answer and on the loop', async () => {
    const old = event(
      t,
      loopId,
      'sampled',
      { tube_code: 'L-1' },
      new Date(t.clock().getTime() - 25 * HOUR).toISOString(),
    )
    const fresh = event(t, loopId, 'antigen_result', { result: 'negative' })
    const res = await sendEvents(t, [old, fresh])
    expect(res.json.results).toEqual([
      { id: old.id, status: 'accepted', late: true, flag: 'before_arrival' },
      { id: fresh.id, status: 'accepted', flag: 'not_sampled' },
    ])
    const events = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'checkpoint' })).json
      .events
    expect(events.find((e: { id: string }) => e.id === old.id).late).toBe(true)
    expect(events.find((e: { id: string }) => e.id === fresh.id).late).toBe(false)
  })
})

describe('a coordinator moves a release deadline', () => {
  let t: TestApp
  let loopId: string
  beforeEach(async () => {
    t = await buildTestApp()
    loopId = (await openLoop(t)).loopId
  })
  const setDeadline = (body: unknown, as: 'coordinator' | 'checkpoint' = 'coordinator') =>
    t.call('POST', `/api/v1/loops/${loopId}/deadline`, { as, body })
  const inHours = (h: number) => new Date(t.clock().getTime() + h * HOUR).toISOString()

  it('sets a later deadline than devices may, recorded as a loop event and audited', async () => {
    expect(
      (await setDeadline({ deadline: inHours(30), note: '道路封闭，延长' })).json.error.code,
    ).toBe('not_released')
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'C-1' }),
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    expect(
      (await setDeadline({ deadline: inHours(30), note: '道路封闭，延长' }, 'checkpoint')).status,
    ).toBe(403)
    expect((await setDeadline({ deadline: inHours(-1), note: '过去' })).json.error.code).toBe(
      'deadline_in_past',
    )
    expect((await setDeadline({ deadline: inHours(24 * 8), note: '太远' })).json.error.code).toBe(
      'deadline_too_far',
    )
    const deadline = inHours(30)
    const res = await setDeadline({ deadline, note: '道路封闭，延长' })
    expect(res.status).toBe(200)
    expect(res.json.release_deadline).toBe(deadline)
    const l = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
    expect(l.events.at(-1)).toMatchObject({
      kind: 'deadline_set',
      checkpoint_code: '',
      data: { deadline, note: '道路封闭，延长' },
    })
    const audit = t.sqlite
      .prepare(`SELECT after FROM audit_log WHERE action = 'loop.deadline'`)
      .get() as { after: string }
    expect(JSON.parse(audit.after)).toEqual({ deadline, note: '道路封闭，延长' })
  })

  it('a missed moved deadline opens a new destination_overdue alert', async () => {
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'C-2' }),
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ', deadline: inHours(2) }),
    ])
    t.clock.advance(3 * HOUR)
    t.forgetTokens()
    const first = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
      .alerts
    expect(first.map((a: { kind: string; round: number }) => [a.kind, a.round])).toEqual([
      ['destination_overdue', 0],
    ])
    await t.call('POST', `/api/v1/alerts/${first[0].id}/resolve`, {
      as: 'coordinator',
      body: { note: '联系司机，延长时限' },
    })
    await setDeadline({ deadline: inHours(4), note: '延长 4 小时' })
    t.clock.advance(5 * HOUR)
    t.forgetTokens()
    const l = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
    expect(
      l.alerts.map((a: { kind: string; round: number; status: string }) => [
        a.kind,
        a.round,
        a.status,
      ]),
    ).toEqual([
      ['destination_overdue', 0, 'resolved'],
      ['destination_overdue', 1, 'open'],
    ])
    expect(l.alerting).toBe(true)
  })
})
