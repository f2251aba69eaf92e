import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'
import { recordCoordinatorEvent } from '../../src/loops/coordinator-events.ts'
import { findLoop } from '../../src/loops/loops.repository.ts'
import { auditEntry } from '../../src/audit-log/audit-entry.ts'

let t: TestApp
let loopId: string
beforeEach(async () => {
  t = await buildTestApp()
  loopId = (await openLoop(t)).loopId
})

const MINUTE = 60_000
const loop = async () =>
  (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
const eventsOf = (
  l: { events: { kind: string; at: string; flag: string | null }[] },
  kind: string,
) => l.events.filter((e) => e.kind === kind)

describe('a coordinator’s decision is dated after everything it settles', () => {
  it('a retest ordered on a positive dated ahead of the server is not lost', async () => {
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'DT-1', tests: ['pcr'] }),
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    // The lab's clock runs 4 minutes ahead: allowed (at most 5).
    const ahead = new Date(t.clock().getTime() + 4 * MINUTE).toISOString()
    await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'positive' }, ahead)])
    const [alert] = (await loop()).alerts
    const res = await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, {
      as: 'coordinator',
      body: { note: '复检', outcome: 'retest_ordered' },
    })
    expect(res.status).toBe(200)

    const l = await loop()
    const [decision] = eventsOf(l, 'retest_ordered')
    expect(decision.flag).toBeNull()
    expect(Date.parse(decision.at)).toBeGreaterThan(Date.parse(ahead))
    expect(l.alerting).toBe(false)
    // The new round: a sample taken after the decision clears the loop.
    t.clock.advance(5 * MINUTE)
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'DT-2', tests: ['pcr'] }),
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      event(t, loopId, 'departed'),
    ])
    expect((await loop()).state).toBe('closed')
  })

  it('a deadline set is dated after an event dated ahead', async () => {
    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'DT-3', tests: ['pcr'] })])
    const ahead = new Date(t.clock().getTime() + 3 * MINUTE).toISOString()
    await sendEvents(t, [event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }, ahead)])
    const deadline = new Date(t.clock().getTime() + 48 * 60 * MINUTE).toISOString()
    const res = await t.call('POST', `/api/v1/loops/${loopId}/deadline`, {
      as: 'coordinator',
      body: { deadline, note: '路况' },
    })
    expect(res.status).toBe(200)
    expect(res.json.release_deadline).toBe(deadline)
    expect(eventsOf(await loop(), 'deadline_set')[0].flag).toBeNull()
  })

  it('is refused (409, nothing stored) when the loop’s events would flag it', async () => {
    const row = (await findLoop(t.store.db, loopId))!
    const audited = () =>
      t.sqlite
        .prepare(`SELECT count(*) FROM audit_log WHERE action = 'test.decision'`)
        .pluck()
        .get()
    const before = [
      auditEntry(t.clock(), { actor: 'test', action: 'test.decision', subject: `loop:${loopId}` }),
    ]
    const refused = recordCoordinatorEvent(
      { store: t.store, config: t.config, clock: t.clock },
      row,
      { kind: 'retest_ordered', data: { note: 'no positive here' }, actor: 'coordinator:test' },
      before,
    )
    await expect(refused).rejects.toMatchObject({ status: 409, code: 'no_positive_result' })
    expect(eventsOf(await loop(), 'retest_ordered')).toEqual([])
    expect(audited()).toBe(0)
  })
})
