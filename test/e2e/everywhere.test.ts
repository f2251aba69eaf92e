import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Hono } from 'hono'
import { raw } from 'hono/html'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { Layout } from '../../src/ui/layout.tsx'
import { STYLES } from '../../src/ui/styles.ts'
import { cspHash, pagePolicy } from '../../src/http/security-headers.ts'
import { accessibilityProblems, launch, screenshot, signIn, startServer } from './browser.ts'

// What every page does the same way, in Chromium: the generic form script (client/app.ts)
// confirms an action across the reload that follows it, asks before a destructive one, and keeps
// the API's per-field errors; the header fits a 375 px phone; the 403 and 404 pages.
//
// The form script is driven through a page of its own (served beside the app, in the real
// layout, under the real content policy) so that this test does not depend on how any one page
// uses it today; its forms post to the real API.

let t: TestApp
let url: string
let server: ServerType
let browser: Browser

const FIXTURE = '/ui/form-script-fixture'
const FORMS = `
<h1>表单</h1>
<form id="plain" data-api="/api/v1/regions/{code}/risk" data-method="PUT" data-reload
  data-done="已调整{full_name}的风险等级">
  <div data-errors tabindex="-1" class="errors"></div>
  <input type="hidden" name="_path.code" value="330109" />
  <input type="hidden" name="level" value="medium" />
  <label for="plain-reason">理由</label>
  <input id="plain-reason" name="reason" />
  <button type="submit">调整</button>
</form>
<form id="destructive" data-api="/api/v1/regions/{code}/risk" data-method="PUT" data-reload
  data-confirm="确定将该地区调为高风险？">
  <input type="hidden" name="_path.code" value="330110" />
  <input type="hidden" name="level" value="high" />
  <input type="hidden" name="reason" value="测试用的调整" />
  <button type="submit" class="danger">调为高风险</button>
</form>`

beforeAll(async () => {
  t = await buildTestApp({ realClock: true })
  const policy = pagePolicy([await cspHash(STYLES)])
  const withFixture = new Hono()
  withFixture.get(FIXTURE, async (c) => {
    const page = Layout({
      ctx: { lang: 'zh', principal: null, path: FIXTURE },
      title: '表单',
      children: raw(FORMS),
    })
    c.header('Content-Security-Policy', policy)
    return c.html(await page.toString())
  })
  withFixture.route('/', t.app)
  ;({ url, server } = await startServer({ ...t, app: withFixture } as unknown as TestApp))
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  server?.close()
})

async function newPage(width: number): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 800 }, locale: 'zh-CN' })
  return { context, page: await context.newPage() }
}

const riskOf = (code: string) =>
  (
    t.sqlite.prepare('SELECT risk_level FROM regions WHERE code = ?').get(code) as {
      risk_level: string
    }
  ).risk_level

describe('the generic form script', () => {
  it('keeps per-field errors, then confirms the action after the reload, with a value from the answer', async () => {
    const { context, page } = await newPage(1000)
    await signIn(page, url, 'coordinator', 'tongxing-coord')
    await page.goto(`${url}${FIXTURE}`)
    await page.locator('#plain-reason').fill('x')
    await page.getByRole('button', { name: '调整' }).click()
    await expect.poll(() => page.locator('#plain-reason-error').count()).toBe(1)
    expect(await page.getAttribute('#plain-reason', 'aria-invalid')).toBe('true')
    expect(riskOf('330109')).not.toBe('medium')

    await page.locator('#plain-reason').fill('疫情形势变化')
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: '调整' }).click(),
    ])
    const done = page.getByRole('status')
    await expect.poll(() => done.textContent()).toContain('已调整浙江省 杭州市 萧山区的风险等级')
    expect(riskOf('330109')).toBe('medium')
    await screenshot(page, 'everywhere-01-confirmation')
    expect(await accessibilityProblems(page)).toEqual([])
    // Said once: another reload does not repeat it.
    await page.reload()
    expect((await page.locator('#tx-done').textContent())?.trim()).toBe('')
    await context.close()
  })

  it('asks before a destructive action; cancelled, nothing is sent; confirmed, it is done', async () => {
    const { context, page } = await newPage(375)
    await signIn(page, url, 'coordinator', 'tongxing-coord')
    await page.goto(`${url}${FIXTURE}`)
    const before = riskOf('330110')
    const writes: string[] = []
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/regions/')) writes.push(r.method())
    })
    await page.getByRole('button', { name: '调为高风险' }).click()
    const dialog = page.getByRole('dialog')
    await expect.poll(() => dialog.textContent()).toContain('确定将该地区调为高风险？')
    await screenshot(page, 'everywhere-02-confirm-dialog-375px')
    expect(await accessibilityProblems(page)).toEqual([])
    await dialog.getByRole('button', { name: '取消' }).click()
    expect(await dialog.count()).toBe(0)
    await page.waitForTimeout(300)
    expect(writes).toEqual([])
    expect(riskOf('330110')).toBe(before)

    // Escape is a no too.
    await page.getByRole('button', { name: '调为高风险' }).click()
    await page.keyboard.press('Escape')
    await page.waitForTimeout(300)
    expect(writes).toEqual([])

    await page.getByRole('button', { name: '调为高风险' }).click()
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('dialog').getByRole('button', { name: '确定' }).click(),
    ])
    expect(writes).toEqual(['PUT'])
    expect(riskOf('330110')).toBe('high')
    await expect.poll(() => page.getByRole('status').textContent()).toContain('已保存')
    await context.close()
  })
})

describe('every page', () => {
  const fits = (page: Page) =>
    page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)

  it('keeps the header within a 375 px phone for every role', async () => {
    // Each role's full navigation is on every page of the role: the password page is one all have.
    for (const [username, password] of [
      ['coordinator', 'tongxing-coord'],
      ['enterprise', 'tongxing-firm'],
      ['checkpoint', 'tongxing-check'],
    ]) {
      const { context, page } = await newPage(375)
      await signIn(page, url, username, password)
      await page.goto(`${url}/ui/password`)
      expect(await fits(page), username).toBe(true)
      const header = await page.locator('header.top').boundingBox()
      expect(header!.width, username).toBeLessThanOrEqual(375)
      await screenshot(page, `everywhere-03-header-375px-${username}`)
      await page.setViewportSize({ width: 1100, height: 700 })
      await screenshot(page, `everywhere-03-header-desktop-${username}`)
      await context.close()
    }
  })

  it('says what happened on a 403 and a 404, and offers the way on', async () => {
    const { context, page } = await newPage(375)
    await signIn(page, url, 'enterprise', 'tongxing-firm')
    await page.goto(`${url}/ui/queue`)
    expect(await page.locator('main').textContent()).toContain('此页面仅供专班、管理员账号使用')
    await screenshot(page, 'everywhere-04-forbidden-375px')
    expect(await accessibilityProblems(page)).toEqual([])
    await page.goto(`${url}/ui/nothing-here`)
    expect(await page.locator('h1').textContent()).toBe('未找到')
    await screenshot(page, 'everywhere-05-not-found-375px')
    await page.getByRole('link', { name: '返回首页' }).click()
    await page.waitForURL(/\/ui\/passes$/)
    // "Sign in as someone else" from the 403 comes back to the page after signing in.
    await page.goto(`${url}/ui/queue`)
    await page.getByRole('button', { name: '退出并以其他账号登录' }).click()
    await page.waitForURL(/\/ui\/login\?next=%2Fui%2Fqueue$/)
    await page.getByLabel(/用户名/).fill('coordinator')
    await page.getByLabel(/密码/).fill('tongxing-coord')
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL(/\/ui\/queue$/)
    await context.close()
  })
})
