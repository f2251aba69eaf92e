import { beforeAll, describe, expect, it } from 'vitest'
import type { Role } from '../../src/auth/accounts.table.ts'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'
import { issuePass, openLoop } from '../support/flow.ts'

/**
 * Every list pages the same way (API.md, "Lists"): `limit` and `offset`, the rows as a JSON array,
 * `X-Total-Count` on every page and `Link: <…&offset=N>; rel="next"` while more remain.
 */

const START = '2026-11-29T08:00:00.000Z'

/** The target of `Link: <…>; rel="next"`, or null on the last page. */
function nextLink(headers: Headers): string | null {
  const link = headers.get('link')
  if (!link) return null
  const match = /^<([^>]+)>; rel="next"$/.exec(link)
  expect(match, `a next link: ${link}`).not.toBeNull()
  return match![1]!
}

/** Follows `Link rel="next"` from `path` to the last page: every row, and the pages it took. */
async function everyPage(t: TestApp, path: string, as: Role) {
  const rows: any[] = []
  let pages = 0
  let total: number | undefined
  for (let next: string | null = path; next; pages++) {
    const res = await t.call('GET', next, { as })
    expect(res.status, `${next}: ${res.text}`).toBe(200)
    expect(Array.isArray(res.json)).toBe(true)
    const count = Number(res.headers.get('x-total-count'))
    total ??= count
    expect(count, 'the same total on every page').toBe(total)
    rows.push(...res.json)
    next = nextLink(res.headers)
    expect(pages).toBeLessThan(100)
  }
  return { rows, pages, total: total! }
}

/** Pages through `path` `limit` rows at a time and checks the walk against one page of all of them. */
async function expectWalkMatchesOnePage(
  t: TestApp,
  path: string,
  as: Role,
  key: (row: any) => string,
  limit: number,
  most = 1000,
) {
  const join = path.includes('?') ? '&' : '?'
  const whole = await t.call('GET', `${path}${join}limit=${most}`, { as })
  expect(whole.status).toBe(200)
  expect(whole.headers.get('link'), 'one page holds them all').toBeNull()
  expect(Number(whole.headers.get('x-total-count'))).toBe(whole.json.length)
  const walk = await everyPage(t, `${path}${join}limit=${limit}`, as)
  expect(walk.total).toBe(whole.json.length)
  expect(walk.pages).toBe(Math.max(1, Math.ceil(whole.json.length / limit)))
  const keys = walk.rows.map(key)
  expect(new Set(keys).size, 'no row twice').toBe(keys.length)
  expect(keys).toEqual(whole.json.map(key))
  return whole.json as any[]
}

describe('lists: limit, offset, X-Total-Count and Link', () => {
  let t: TestApp
  const loopIds: string[] = []
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
    const plates = ['沪A10001', '沪A10002', '沪A10003', '沪A10004', '沪A10005']
    for (const plate of plates) loopIds.push((await openLoop(t, { plate })).loopId)
    // Applications still waiting, and a revoked pass beside the active ones.
    for (const plate of ['沪B20001', '沪B20002', '沪B20003']) {
      expect(
        (
          await t.call('POST', '/api/v1/applications', {
            as: 'enterprise',
            body: applicationBody({ plate }),
          })
        ).status,
      ).toBe(201)
    }
    const revoked = await issuePass(t, { plate: '沪C30001' })
    expect(
      (
        await t.call('POST', `/api/v1/passes/${revoked.number}/revoke`, {
          as: 'coordinator',
          body: { reason: 'test revocation' },
        })
      ).status,
    ).toBe(200)
    // Alerts straight into the table: the list only reads them. Notified to the demo checkpoint.
    const alert = (i: number) => ({
      id: `alert-${i}`,
      loop_id: loopIds[i % loopIds.length]!,
      kind: 'result_overdue' as const,
      status: i % 3 === 0 ? ('acknowledged' as const) : ('open' as const),
      opened_at: `2026-11-29T0${i}:00:00.000Z`,
      details: JSON.stringify({ notify: ['HZ-G60-XS'] }),
      round: i,
    })
    await t.store.atomic([
      t.store.db.insertInto('alerts').values(Array.from({ length: 7 }, (_, i) => alert(i))),
    ])
  })

  it('pages all 3,285 regions: 500 by default, the total on every page, Link until the last', async () => {
    const regions = (
      await t.store.db.selectFrom('regions').select('code').orderBy('code').execute()
    ).map((r) => r.code)
    expect(regions.length).toBe(3285)
    const first = await t.call('GET', '/api/v1/regions', { as: 'enterprise' })
    expect(first.json).toHaveLength(500)
    expect(first.headers.get('x-total-count')).toBe('3285')
    expect(first.headers.get('link')).toBe('</api/v1/regions?offset=500>; rel="next"')
    const walk = await everyPage(t, '/api/v1/regions', 'enterprise')
    expect(walk.pages).toBe(7)
    expect(walk.rows.map((r) => r.code)).toEqual(regions)
  })

  it('keeps the other query parameters in the next link, and counts by the same filter', async () => {
    const res = await t.call('GET', '/api/v1/regions?province=33&limit=10', { as: 'coordinator' })
    const inZhejiang = (
      await t.store.db.selectFrom('regions').select('code').where('code', 'like', '33%').execute()
    ).length
    expect(res.headers.get('x-total-count')).toBe(String(inZhejiang))
    expect(res.headers.get('link')).toBe(
      '</api/v1/regions?province=33&limit=10&offset=10>; rel="next"',
    )
    const walk = await everyPage(t, '/api/v1/regions?province=33&limit=10', 'coordinator')
    expect(walk.rows).toHaveLength(Number(inZhejiang))
    for (const region of walk.rows) expect(region.code.startsWith('33')).toBe(true)
  })

  it('answers an empty page past the end with the total and no link', async () => {
    const res = await t.call('GET', '/api/v1/regions?risk=high&offset=50', { as: 'coordinator' })
    expect(res.status).toBe(200)
    expect(res.json).toEqual([])
    expect(res.headers.get('x-total-count')).toBe('2')
    expect(res.headers.get('link')).toBeNull()
  })

  it('walks passes, all and by status, each once', async () => {
    const all = await expectWalkMatchesOnePage(
      t,
      '/api/v1/passes',
      'coordinator',
      (p) => p.number,
      2,
    )
    expect(all).toHaveLength(6)
    const active = await expectWalkMatchesOnePage(
      t,
      '/api/v1/passes?status=active',
      'enterprise',
      (p) => p.number,
      2,
    )
    expect(active).toHaveLength(5)
    for (const pass of active) expect(pass.status).toBe('active')
  })

  it('walks applications, by status too', async () => {
    const all = await expectWalkMatchesOnePage(
      t,
      '/api/v1/applications',
      'enterprise',
      (a) => a.id,
      3,
    )
    expect(all).toHaveLength(9)
    const waiting = await expectWalkMatchesOnePage(
      t,
      '/api/v1/applications?status=submitted',
      'coordinator',
      (a) => a.id,
      2,
    )
    expect(waiting).toHaveLength(3)
  })

  it('walks loops, for coordinators and for checkpoint staff (their involved loops), by state', async () => {
    const all = await expectWalkMatchesOnePage(
      t,
      '/api/v1/loops',
      'coordinator',
      (l) => l.id,
      2,
      500,
    )
    expect(all.map((l) => l.id).sort()).toEqual([...loopIds].sort())
    await expectWalkMatchesOnePage(
      t,
      '/api/v1/loops?state=open&checkpoint=HZ-G60-XS',
      'coordinator',
      (l) => l.id,
      2,
      500,
    )
    const staff = await expectWalkMatchesOnePage(
      t,
      '/api/v1/loops?state=open',
      'checkpoint',
      (l) => l.id,
      2,
      500,
    )
    expect(staff).toHaveLength(5)
  })

  it('walks alerts by status, for coordinators and for the checkpoint told', async () => {
    const open = await expectWalkMatchesOnePage(
      t,
      '/api/v1/alerts?status=open',
      'coordinator',
      (a) => a.id,
      2,
    )
    expect(open).toHaveLength(4)
    const active = await expectWalkMatchesOnePage(
      t,
      '/api/v1/alerts?status=active',
      'checkpoint',
      (a) => a.id,
      3,
    )
    expect(active).toHaveLength(7)
  })

  it('walks enterprises, stations, checkpoints, accounts, the trust list and the audit log', async () => {
    await expectWalkMatchesOnePage(t, '/api/v1/enterprises', 'coordinator', (e) => e.id, 1)
    await expectWalkMatchesOnePage(t, '/api/v1/stations', 'checkpoint', (s) => s.code, 1)
    await expectWalkMatchesOnePage(
      t,
      '/api/v1/checkpoints?region=330109',
      'checkpoint',
      (s) => s.code,
      1,
    )
    await expectWalkMatchesOnePage(t, '/api/v1/accounts', 'admin', (a) => a.id, 2)
    await expectWalkMatchesOnePage(
      t,
      '/api/v1/trust/issuers',
      'checkpoint',
      (i) => i.issuer_code,
      1,
    )
    const log = await expectWalkMatchesOnePage(
      t,
      '/api/v1/audit/log',
      'coordinator',
      (e) => String(e.seq),
      7,
    )
    expect(log.length).toBeGreaterThan(10)
    const ofOnePass = await expectWalkMatchesOnePage(
      t,
      `/api/v1/audit/log?subject=${encodeURIComponent(`pass:${(await t.call('GET', '/api/v1/passes?status=revoked', { as: 'coordinator' })).json[0].number}`)}`,
      'coordinator',
      (e) => String(e.seq),
      1,
    )
    expect(ofOnePass.map((e) => e.action)).toContain('pass.revoke')
  })

  it.each([
    ['/api/v1/regions?limit=0', 'limit'],
    ['/api/v1/regions?limit=5001', 'limit'],
    ['/api/v1/passes?limit=1001', 'limit'],
    ['/api/v1/loops?limit=abc', 'limit'],
    ['/api/v1/alerts?offset=-1', 'offset'],
    ['/api/v1/applications?offset=1.5', 'offset'],
    // Loops are read by walking an index: deeper than 10,000, page with `before`.
    ['/api/v1/loops?offset=10001', 'offset'],
  ])('refuses %s: 400 invalid_input naming %s', async (path, field) => {
    const res = await t.call('GET', path, { as: 'coordinator' })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_input')
    expect(res.json.error.details.map((d: { field: string }) => d.field)).toContain(field)
  })

  it('documents the paging headers on every list in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).json
    const lists = [
      '/regions',
      '/passes',
      '/applications',
      '/loops',
      '/alerts',
      '/enterprises',
      '/stations',
      '/checkpoints',
      '/accounts',
      '/trust/issuers',
      '/audit/log',
      '/audit/enterprises',
      '/arrival-reports',
    ]
    for (const path of lists) {
      const ok = doc.paths[`/api/v1${path}`].get.responses['200']
      expect(Object.keys(ok.headers ?? {}), path).toEqual(
        expect.arrayContaining(['X-Total-Count', 'Link']),
      )
      const names = doc.paths[`/api/v1${path}`].get.parameters.map((p: { name: string }) => p.name)
      expect(names, path).toEqual(expect.arrayContaining(['limit', 'offset']))
    }
  })
})
