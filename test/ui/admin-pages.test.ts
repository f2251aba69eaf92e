import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { SESSION_COOKIE } from '../../src/auth/middleware.ts'
import type { Role } from '../../src/auth/accounts.table.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'

// The coordinator's reference-data pages: firms, accounts, stations and checkpoints, the trust
// list, risk areas, the audit report. Each names things (firms, checkpoints, regions) rather than
// showing their codes, speaks the page's language, is refused to other roles, and offers an
// admin-only control to admins only.

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})

const get = async (path: string, as: Role) => {
  const res = await t.app.request(path, {
    headers: { cookie: `${SESSION_COOKIE}=${await t.tokenFor(as)}` },
  })
  return { status: res.status, html: await res.text() }
}

/** The visible words of <main>: tags, and the data marked as such (names, plates), stripped. */
const mainText = (html: string, dropData = false) => {
  let main = html.slice(html.indexOf('<main'), html.indexOf('</main>'))
  if (dropData)
    main = main.replace(
      /<(span|code|small|option)[^>]*(class="[^"]*\bdata\b[^"]*"|lang="zh-CN")[^>]*>[^<]*<\/\1>/g,
      ' ',
    )
  return main
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;/g, ' ')
    .replace(/\s+/g, ' ')
}

const PAGES = [
  '/ui/enterprises',
  '/ui/enterprises/demo-ent-1',
  '/ui/accounts',
  '/ui/stations',
  '/ui/trust',
  '/ui/regions',
  '/ui/audit',
  '/ui/audit/demo-ent-1',
]

describe('the admin pages', () => {
  it.each(PAGES)(
    '%s is for coordinators and admins, refused (403) to firms and checkpoints',
    async (path) => {
      expect((await get(path, 'coordinator')).status).toBe(200)
      expect((await get(path, 'admin')).status).toBe(200)
      expect((await get(path, 'enterprise')).status).toBe(403)
      expect((await get(path, 'checkpoint')).status).toBe(403)
    },
  )

  it.each(PAGES)('%s shows no raw code in Chinese and no Chinese in English', async (path) => {
    const zh = mainText((await get(path, 'coordinator')).html, true)
    // snake_case codes and enum values (a whitelist state, a risk level) never show as such
    expect(zh).not.toMatch(/\b[a-z]+_[a-z_]+\b/)
    expect(zh).not.toMatch(/\{\w+\}/) // a message placeholder left unfilled
    expect(zh).not.toMatch(
      /\b(active|pending|suspended|removed|high|medium|low|coordinator|checkpoint|enterprise)\b/,
    )
    const en = mainText(
      (await get(`${path}${path.includes('?') ? '&' : '?'}lang=en`, 'coordinator')).html,
      true,
    )
    expect(en).not.toMatch(/\p{Script=Han}/u)
  })

  it('lists firms by name with their region named and whitelist state in words, with the register form', async () => {
    const { html } = await get('/ui/enterprises', 'coordinator')
    expect(html).toContain(
      '<a href="/ui/enterprises/demo-ent-1"><span class="data" lang="zh-CN">杭州萧山民生物流有限公司</span></a>',
    )
    expect(html).toContain('浙江省杭州市萧山区')
    expect(mainText(html)).toContain('有效 省级')
    expect(html).toContain('data-api="/api/v1/enterprises"')
    expect(html).toContain('data-redirect="/ui/enterprises/{id}"')
    expect(html).toMatch(/<input[^>]*name="region_code"[^>]*list="region-options"/)
  })

  it('shows a firm’s whitelist history with actors and levels in words', async () => {
    const text = mainText((await get('/ui/enterprises/demo-ent-1', 'coordinator')).html)
    expect(text).toContain('系统')
    expect(text).toContain('登记注册')
    expect(text).toContain('待审核 → 有效')
    expect(text).not.toContain('system')
  })

  it('lists accounts with roles in words and firm and checkpoint names, not ids or codes', async () => {
    const { html } = await get('/ui/accounts', 'coordinator')
    const text = mainText(html)
    expect(text).toContain('104 国道西湖卡口') // sec accounts aside, the demo checkpoint account's posts
    expect(text).toContain('G60 沪昆高速萧山出口、萧山空港中转站卡口、滨江物流园收货点')
    expect(text).toContain('杭州萧山民生物流有限公司')
    expect(text).toMatch(/管理员/)
    expect(text).not.toContain('HZ-G60-XS')
    expect(text).not.toContain('demo-ent-1')
  })

  it('gives the admin-only controls to admins only', async () => {
    const coordinator = (await get('/ui/accounts', 'coordinator')).html
    const admin = (await get('/ui/accounts', 'admin')).html
    // Creating a coordinator or admin account.
    expect(coordinator).not.toContain('data-admin-only')
    expect(admin).toContain('data-admin-only')
    // The admin account's row: no disable or reset for a coordinator, both for an admin
    // (the API would refuse the coordinator: 403).
    expect(coordinator).not.toContain('data-account-toggle="admin"')
    expect(coordinator).not.toContain('data-account-reset="admin"')
    expect(mainText(coordinator)).toContain('仅管理员可管理此账号')
    expect(admin).toContain('data-account-reset="coordinator"')
    // Firm and checkpoint accounts: a coordinator may.
    expect(coordinator).toContain('data-account-reset="checkpoint"')
    expect(coordinator).toContain('data-account-toggle="enterprise"')
    // The trust list: coordinators read it, admins change it.
    const trustC = (await get('/ui/trust', 'coordinator')).html
    const trustA = (await get('/ui/trust', 'admin')).html
    expect(trustC).not.toContain('data-api="/api/v1/trust/issuers"')
    expect(mainText(trustC)).toContain('仅管理员可修改信任列表')
    expect(trustA).toContain('data-api="/api/v1/trust/issuers"')
  })

  it('every form asks before a destructive action and says what it did', async () => {
    for (const path of [
      '/ui/accounts',
      '/ui/stations',
      '/ui/trust',
      '/ui/regions',
      '/ui/enterprises/demo-ent-1',
      '/ui/audit/demo-ent-1',
    ]) {
      const html = (await get(path, 'admin')).html
      const forms = [...html.matchAll(/<form[^>]*data-api="[^"]*"[^>]*>/g)].map((m) => m[0])
      expect(forms.length, path).toBeGreaterThan(0)
      for (const form of forms) expect(form, path).toContain('data-done=')
    }
    const accounts = (await get('/ui/accounts', 'admin')).html
    expect(accounts).toMatch(
      /data-api="\/api\/v1\/accounts\/[^"]+\/disable"[^>]*data-confirm="停用账号 /,
    )
    expect(accounts).toMatch(
      /data-api="\/api\/v1\/accounts\/[^"]+\/password"[^>]*data-confirm="重置 /,
    )
  })

  it('lists stations and checkpoints by name with region names and kinds in words', async () => {
    const text = mainText((await get('/ui/stations', 'coordinator')).html)
    expect(text).toContain('萧山空港物资中转站')
    expect(text).toContain('浙江省杭州市萧山区')
    expect(text).toContain('高速公路出口')
    expect(text).toContain('中转站')
    expect(text).toContain('开放')
  })

  it('shows our own key ids on the trust page', async () => {
    const keys = await loadSigningKeys(t.config.SIGNING_KEYS)
    const html = (await get('/ui/trust', 'coordinator')).html
    for (const k of keys.all) expect(html).toContain(`<code class="data">${k.kid}</code>`)
    expect(mainText(html)).toContain('当前签发用')
  })

  it('colours the risk badges by level and names the regions, with the history in words', async () => {
    const { html } = await get('/ui/regions', 'coordinator')
    expect(html).toMatch(/<span class="badge risk-high">高风险<\/span>/)
    expect(html).toContain('data-api="/api/v1/regions/{code}/risk"')
    const text = mainText(html)
    expect(text).toContain('系统')
    expect(text).toContain('低风险 → 高风险')
  })

  it('the audit report states its chosen period and labels every figure', async () => {
    const { html } = await get('/ui/audit/demo-ent-1?from=2026-01-01&to=2026-01-31', 'coordinator')
    const text = mainText(html)
    expect(text).toContain('统计期间：2026-01-01 00:00 至 2026-02-01 00:00（北京时间）')
    expect(html).toContain('value="2026-01-01"')
    expect(html).toContain('value="2026-01-31"')
    expect(text).toContain('期间签发的通行证 0 张')
    expect(text).toContain('按时闭环率 无数据')
    // Every value cell of the figures table has its label beside it.
    const body = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'))
    for (const m of body.matchAll(/<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g)) {
      expect(m[1].trim().length).toBeGreaterThan(1)
      expect(m[2]).not.toMatch(/^\d+$/)
    }
    expect(html).toContain(
      '/api/v1/enterprises/demo-ent-1/audit.csv?from=2026-01-01&amp;to=2026-01-31&amp;lang=zh',
    )
    // A nonsense period: the default one, and a notice.
    const wrong = mainText((await get('/ui/audit/demo-ent-1?from=2026-02-30', 'coordinator')).html)
    expect(wrong).toContain('日期无效')
  })
})
