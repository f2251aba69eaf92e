import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, scan, sendEvents, otherFirmWithPass } from '../support/flow.ts'
import { alertsQuery, type AlertFilter } from '../../src/alerts/alerts.repository.ts'

/**
 * A firm sees the alerts on its own trucks (issue 19): GET /api/v1/alerts answers an enterprise with
 * the alerts on loops of its own passes only; deciding on them stays with coordinators.
 */
describe('an enterprise reads the alerts on its own trucks', () => {
  let t: TestApp
  let otherFirm: string
  let mineLoop: string
  let theirLoop: string

  /** A positive PCR result on `loopId`: a `pcr_positive` alert at once. */
  const positive = async (loopId: string, tube: string) => {
    const sent = await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: tube, tests: ['pcr'] }),
      event(t, loopId, 'pcr_result', { result: 'positive' }),
    ])
    expect(sent.status, sent.text).toBe(200)
  }

  beforeAll(async () => {
    t = await buildTestApp()
    mineLoop = (await openLoop(t, { plate: '沪A12345D' })).loopId
    await positive(mineLoop, 'ALERT-1')

    const other = await otherFirmWithPass(t, 'alerts-other-firm')
    otherFirm = other.token
    theirLoop = (await scan(t, { token: other.pass.token })).json.loop.id
    await positive(theirLoop, 'ALERT-2')
    // Their truck is also late with its result: two alerts of theirs, one of ours.
    const sampled = await sendEvents(t, [
      event(t, theirLoop, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    expect(sampled.status).toBe(200)
  })

  it('lists the firm’s own alerts and none of another firm’s, counted alike', async () => {
    const mine = await t.call('GET', '/api/v1/alerts', { as: 'enterprise' })
    expect(mine.status, mine.text).toBe(200)
    expect(mine.json.map((a: { loop_id: string }) => a.loop_id)).toEqual([mineLoop])
    expect(mine.json[0]).toMatchObject({ kind: 'pcr_positive', status: 'open' })
    expect(mine.headers.get('x-total-count')).toBe('1')
    expect(mine.text).not.toContain(theirLoop)
    expect(mine.text).not.toContain('苏E99999')

    const theirs = await t.call('GET', '/api/v1/alerts', { as: { token: otherFirm } })
    expect(theirs.json.length).toBeGreaterThan(0)
    for (const alert of theirs.json) expect(alert.loop_id).toBe(theirLoop)
    expect(theirs.text).not.toContain(mineLoop)
  })

  it('keeps the filters: status, kind and loop — another firm’s loop gives nothing', async () => {
    const call = async (query: string) =>
      (await t.call('GET', `/api/v1/alerts${query}`, { as: 'enterprise' })).json as {
        loop_id: string
      }[]
    expect(await call('?status=open&kind=pcr_positive')).toHaveLength(1)
    expect(await call('?status=resolved')).toEqual([])
    expect(await call('?kind=destination_overdue')).toEqual([])
    expect(await call(`?loop_id=${mineLoop}`)).toHaveLength(1)
    const probe = await t.call('GET', `/api/v1/alerts?loop_id=${theirLoop}`, { as: 'enterprise' })
    expect(probe.json).toEqual([])
    expect(probe.headers.get('x-total-count')).toBe('0')
  })

  it('leaves coordinators and checkpoint staff their own views', async () => {
    const all = await t.call('GET', '/api/v1/alerts', { as: 'coordinator' })
    const loops = new Set(all.json.map((a: { loop_id: string }) => a.loop_id))
    expect(loops).toEqual(new Set([mineLoop, theirLoop]))
    // The demo checkpoint account recorded both: it is told of both.
    const staff = await t.call('GET', '/api/v1/alerts', { as: 'checkpoint' })
    expect(staff.json.length).toBe(all.json.length)
  })

  it('does not let a firm acknowledge or resolve an alert', async () => {
    const [alert] = (await t.call('GET', '/api/v1/alerts', { as: 'enterprise' })).json
    for (const action of ['acknowledge', 'resolve']) {
      const res = await t.call('POST', `/api/v1/alerts/${alert.id}/${action}`, {
        as: 'enterprise',
        body: { note: 'we handled it', outcome: 'handled_off_loop' },
      })
      expect(res.status, action).toBe(403)
    }
  })

  it('gives an account bound to no firm no alert at all', async () => {
    expect(await alertsQuery(t.store.db, { enterpriseId: null }).execute()).toEqual([])
    const some = await alertsQuery(t.store.db, { enterpriseId: 'demo-ent-1' }).execute()
    expect(some.map((a) => a.loop_id)).toEqual([mineLoop])
  })

  it.each([
    ['any status', {}, /INDEX alerts_by_enterprise \(enterprise_id=\?\)/],
    [
      'active',
      { status: 'active' },
      /INDEX alerts_by_enterprise_status_urgency \(enterprise_id=\? AND status=\?\)/,
    ],
    // One status: the firm's, straight off the index in the list's order, never the whole history.
    [
      'open',
      { status: 'open' },
      /^SEARCH alerts USING INDEX alerts_by_enterprise_status_urgency \(enterprise_id=\? AND status=\?\)$/,
    ],
    [
      'resolved',
      { status: 'resolved' },
      /^SEARCH alerts USING INDEX alerts_by_enterprise_status_urgency \(enterprise_id=\? AND status=\?\)$/,
    ],
  ] as const)('%s: finds the firm’s alerts through its own index', (_name, filter, index) => {
    const compiled = alertsQuery(t.store.db, {
      ...(filter as AlertFilter),
      enterpriseId: 'demo-ent-1',
    })
      .limit(200)
      .compile()
    const plan = (
      t.sqlite
        .prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`)
        .all(...(compiled.parameters as unknown[])) as { detail: string }[]
    )
      .map((r) => r.detail)
      .join(' | ')
    expect(plan).toMatch(index)
    expect(plan).not.toMatch(/SCAN alerts(?! USING)/)
  })
})
