import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, issuePass, scan, sendEvents } from '../support/flow.ts'
import { sweepLoops } from '../../src/loops/sweep-loops.ts'
import { reportQueries } from '../../src/audit/compliance-report.ts'
import { csvCell } from '../../src/ui/audit-csv.ts'

let t: TestApp
let numbers: Record<string, string>
const HOUR = 3_600_000

// A known month for demo-ent-1: four passes (one revoked, one superseded), three loops (one
// closed on time, one whose PCR result is overdue, one positive), two failed scans; and some
// activity of demo-ent-2 that must not show up in demo-ent-1's report.
beforeAll(async () => {
  t = await buildTestApp()
  const a = await issuePass(t, { plate: '浙A11111' })
  const b = await issuePass(t, { plate: '浙A22222' })
  const c = await issuePass(t, { plate: '浙A33333' })
  const d = await issuePass(t, { plate: '浙A33333' })
  const e = await issuePass(t, { plate: '浙A44444' })
  numbers = { a: a.number, b: b.number, c: c.number, d: d.number, e: e.number }
  await t.call('POST', `/api/v1/passes/${b.number}/revoke`, {
    as: 'coordinator',
    body: { reason: '车辆信息不符' },
  })

  const loopA = (await scan(t, { token: a.token })).json.loop.id
  await sendEvents(t, [
    event(t, loopA, 'sampled', { tube_code: 'R-1' }),
    event(t, loopA, 'released', { destination_code: 'HZ-TS-XS' }),
    event(t, loopA, 'destination_arrived'),
    event(t, loopA, 'handed_over'),
    event(t, loopA, 'pcr_result', { result: 'negative' }),
  ])
  const loopD = (await scan(t, { token: d.token })).json.loop.id
  await sendEvents(t, [event(t, loopD, 'sampled', { tube_code: 'R-2' })])
  const loopE = (await scan(t, { token: e.token })).json.loop.id
  await sendEvents(t, [
    event(t, loopE, 'sampled', { tube_code: 'R-3' }),
    event(t, loopE, 'pcr_result', { result: 'positive' }),
  ])
  await scan(t, { token: b.token }) // revoked
  await scan(t, { token: c.token }) // superseded

  await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username: 'firm2',
      password: 'firm-two-password',
      role: 'enterprise',
      enterprise_id: 'demo-ent-2',
    },
  })
  const firm2 = { token: await t.login('firm2', 'firm-two-password') }
  const { applicationBody } = await import('../support/fixtures.ts')
  const other = await t.call('POST', '/api/v1/applications', {
    as: firm2,
    body: applicationBody({ plate: '浙B55555' }),
  })
  const otherPass = (
    await t.call('POST', `/api/v1/applications/${other.json.id}/approve`, { as: 'coordinator' })
  ).json
  await t.call('POST', `/api/v1/passes/${otherPass.number}/revoke`, {
    as: 'coordinator',
    body: { reason: 'x x' },
  })
  await scan(t, { token: otherPass.token })

  t.clock.advance(9 * HOUR)
  t.forgetTokens()
  await sweepLoops({ store: t.store, config: t.config, clock: t.clock })
})

const report = async (id = 'demo-ent-1', query = '') =>
  t.call('GET', `/api/v1/enterprises/${id}/audit${query}`, { as: 'coordinator' })

describe('a firm’s compliance report', () => {
  it('counts its passes by status', async () => {
    const { json } = await report()
    expect(json.passes.counts).toEqual({ active: 3, revoked: 1, superseded: 1, expired: 0 })
    expect(json.passes.items.map((p: { number: string }) => p.number).sort()).toEqual(
      Object.values(numbers).sort(),
    )
  })

  it('gives its loops and the share closed within the limits', async () => {
    const { json } = await report()
    expect(json.loops).toMatchObject({
      total: 3,
      closed: 1,
      closed_on_time: 1,
      late: 1,
      open: 2,
      share_closed_on_time: 0.3333,
    })
  })

  it('counts overdue and positive alerts, and failed scans of its passes only', async () => {
    const { json } = await report()
    expect(json.alerts.counts).toEqual({
      pcr_positive: 1,
      antigen_positive: 0,
      result_overdue: 1,
      destination_overdue: 0,
    })
    expect(json.alerts).toMatchObject({ overdue: 1, positive: 1, unresolved: 2 })
    expect(json.failed_scans.total).toBe(2)
    expect(json.failed_scans.items.map((s: { reasons: string[] }) => s.reasons).sort()).toEqual([
      ['revoked'],
      ['superseded', 'loop_open'],
    ])
  })

  it('includes the whole whitelist history', async () => {
    const { json } = await report()
    expect(json.whitelist.history.map((d: { status: string }) => d.status)).toEqual([
      'pending',
      'active',
    ])
  })

  it('keeps to the period asked for', async () => {
    const { json } = await report('demo-ent-1', '?from=2026-10-01&to=2026-10-31')
    expect(json.passes.counts).toEqual({ active: 0, revoked: 0, superseded: 0, expired: 0 })
    expect(json.loops.total).toBe(0)
    expect(json.period).toEqual({
      from: '2026-09-30T16:00:00.000Z',
      to: '2026-10-31T16:00:00.000Z',
    })
    expect((await report('demo-ent-1', '?from=2026-11-30&to=2026-11-01')).status).toBe(400)
  })

  it('refuses a date the calendar does not have, instead of rolling it into the next month', async () => {
    const res = await report('demo-ent-1', '?from=2026-02-30&to=2026-03-05')
    expect(res.status).toBe(400)
    expect(JSON.stringify(res.json)).toContain('from')
    expect((await report('demo-ent-1', '?from=2026-02-28&to=2026-03-05')).status).toBe(200)
  })

  it('exports the same figures as CSV, UTF-8 with a BOM', async () => {
    const res = await t.app.request('/api/v1/enterprises/demo-ent-1/audit.csv', {
      headers: { authorization: `Bearer ${await t.tokenFor('coordinator')}` },
    })
    expect(res.headers.get('content-type')).toContain('text/csv')
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="audit-\w{18}-/)
    const bytes = new Uint8Array(await res.arrayBuffer())
    expect(Array.from(bytes.slice(0, 3))).toEqual([0xef, 0xbb, 0xbf])
    const text = new TextDecoder().decode(bytes)
    const lines = text.split('\r\n')
    // Separated tables, codes in words (test/audit/audit-csv.test.ts has the layout).
    expect(lines[0]).toBe('企业合规报告 · 杭州萧山民生物流有限公司')
    expect(lines).toContain('通行证 · 已撤销,1')
    expect(lines).toContain('按时闭环率,33.33%')
    expect(lines).toContain('核验失败,2')
    const rowsAfter = (title: string) => {
      const start = lines.findIndex((l) => l.startsWith(title))
      return lines.slice(start + 2, lines.indexOf('', start))
    }
    expect(rowsAfter('通行证（')).toHaveLength(5)
    expect(rowsAfter('闭环（入城车次）（')).toHaveLength(3)
    expect(rowsAfter('核验失败（').find((l) => l.includes('已撤销'))).toContain(numbers.b)
  })

  it('escapes CSV cells and never lets one run as a formula', () => {
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`)
    expect(csvCell(null)).toBe('')
  })

  it('is for coordinators: an enterprise cannot read audit data, even its own', async () => {
    for (const path of [
      '/api/v1/enterprises/demo-ent-1/audit',
      '/api/v1/enterprises/demo-ent-1/audit.csv',
      '/api/v1/audit/enterprises',
      '/api/v1/audit/log',
    ]) {
      expect((await t.call('GET', path, { as: 'enterprise' })).status).toBe(403)
      expect((await t.call('GET', path, { as: 'checkpoint' })).status).toBe(403)
    }
    expect((await report('no-such-firm')).status).toBe(404)
  })
})

describe('where to look first', () => {
  it('ranks whitelisted firms by open alerts, then late loops', async () => {
    const { json } = await t.call('GET', '/api/v1/audit/enterprises', { as: 'coordinator' })
    expect(json[0]).toMatchObject({
      id: 'demo-ent-1',
      open_alerts: 2,
      late_loops: 1,
      loops: 3,
      failed_scans: 2,
    })
    expect(json.find((f: { id: string }) => f.id === 'demo-ent-2')).toMatchObject({
      open_alerts: 0,
      failed_scans: 1,
    })
    expect(json.map((f: { id: string }) => f.id)).not.toContain('demo-ent-4') // pending: not whitelisted
  })

  it('lets a coordinator suspend a firm from the findings, and its passes fail at once', async () => {
    const res = await t.call('POST', '/api/v1/enterprises/demo-ent-1/whitelist', {
      as: 'coordinator',
      body: { status: 'suspended', reason: '审计：核酸结果逾期、阳性未闭环' },
    })
    expect(res.json.whitelist.status).toBe('suspended')
    const pass = await t.call('GET', `/api/v1/passes/${numbers.a}`, { as: 'coordinator' })
    const answer = await scan(t, { token: pass.json.token, checkpoint_code: 'HZ-DEST-BJ' })
    expect(answer.json.reasons).toEqual(['enterprise_not_whitelisted'])
    await t.call('POST', '/api/v1/enterprises/demo-ent-1/whitelist', {
      as: 'coordinator',
      body: { status: 'active', reason: '整改完成' },
    })
  })
})

describe('the report queries', () => {
  it('use indexes: no full scan of passes, loops, alerts, scans or loop events', () => {
    const queries = reportQueries(
      t.store.db,
      'demo-ent-1',
      '2026-11-01T00:00:00Z',
      '2026-12-01T00:00:00Z',
    )
    for (const [name, query] of Object.entries(queries)) {
      const compiled = query.compile()
      const plan = (
        t.sqlite
          .prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`)
          .all(...(compiled.parameters as unknown[])) as { detail: string }[]
      ).map((r) => r.detail)
      expect(
        plan.filter((d) => /^SCAN (passes|loops|alerts|scans|loop_events)\b/.test(d)),
        `${name}: ${plan.join(' | ')}`,
      ).toEqual([])
    }
  })
})
