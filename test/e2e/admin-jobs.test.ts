import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { usccCheckCharacter } from '../../src/enterprises/uscc.ts'
import { accessibilityProblems, launch, screenshot, signIn, startServer } from './browser.ts'

// The coordinator's reference-data jobs in real Chromium on a desktop (1280×800): register a firm
// (a wrong USCC is refused on its field), create a checkpoint account and reset its password, add
// a transfer station, change a region's risk and see its badge, read a firm's audit report for a
// chosen period. Each page is checked with axe and screenshotted in Chinese and English
// (test-artifacts/screenshots/admin-*.png).

let t: TestApp
let url: string
let server: ServerType
let browser: Browser
let context: BrowserContext
let page: Page

beforeAll(async () => {
  t = await buildTestApp({ realClock: true })
  ;({ url, server } = await startServer(t))
  browser = await launch()
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN' })
  page = await context.newPage()
  await signIn(page, url, 'coordinator', 'tongxing-coord')
})

afterAll(async () => {
  await context?.close()
  await browser?.close()
  server?.close()
})

/** Checks the page with axe and saves it in Chinese, then in English, then back in Chinese. */
async function lookAt(name: string) {
  expect(await accessibilityProblems(page), name).toEqual([])
  await screenshot(page, `admin-${name}-zh`)
  const zh = page.url()
  const en = new URL(zh)
  en.searchParams.set('lang', 'en')
  await page.goto(en.toString())
  expect(await page.getAttribute('html', 'lang')).toBe('en')
  expect(await accessibilityProblems(page), `${name} (en)`).toEqual([])
  await screenshot(page, `admin-${name}-en`)
  const back = new URL(zh)
  back.searchParams.set('lang', 'zh')
  await page.goto(back.toString())
}

/** Clicks and waits for the page the form script loads after the action. */
async function submitAndWait(click: () => Promise<void>) {
  await Promise.all([page.waitForEvent('load'), click()])
}

/** Answers the page's own confirmation dialog (data-confirm). */
async function confirmDialog() {
  const dialog = page.locator('dialog.confirm')
  await dialog.waitFor()
  await dialog.getByRole('button', { name: '确定' }).click()
}

/** Types part of a place name into a region picker and takes the suggestion for `code`. */
async function pickRegion(input: string, typed: string, code: string) {
  const field = page.locator(input)
  await field.fill(typed)
  await expect
    .poll(() => page.locator(`#region-options option[value="${code}"]`).count())
    .toBeGreaterThan(0)
  // Headless Chromium draws no suggestion list to click: choosing one puts its value in the input.
  await field.fill(code)
}

const done = () => page.locator('#tx-done').textContent()

describe('the coordinator’s reference data', () => {
  it('registers a firm: a wrong USCC is refused on its field, a right one opens the firm', async () => {
    await page.goto(`${url}/ui/enterprises`)
    const first17 = '91330109MA2K0E2E1'
    const uscc = `${first17}${usccCheckCharacter(first17)}`
    const wrong = `${first17}${usccCheckCharacter(first17) === '0' ? '1' : '0'}`
    await page.getByLabel('统一社会信用代码').fill(wrong)
    await page.getByLabel('企业名称').fill('萧山端到端测试物流有限公司')
    await page.getByLabel('联系人', { exact: true }).fill('陈经理')
    await page.getByLabel('联系人手机号').fill('13900001234')
    await pickRegion('#firm-region', '萧山', '330109')
    await page.getByRole('button', { name: '登记企业' }).click()
    const error = page.locator('#firm-uscc-error')
    await error.waitFor()
    expect(await page.getAttribute('#firm-uscc', 'aria-invalid')).toBe('true')
    // The API's message, in the page's language (Accept-Language: the I18N work localises it).
    expect(await error.textContent()).toMatch(/\p{Script=Han}/u)
    await screenshot(page, 'admin-firm-uscc-error-zh')

    await page.getByLabel('统一社会信用代码').fill(uscc)
    await submitAndWait(() => page.getByRole('button', { name: '登记企业' }).click())
    expect(page.url()).toMatch(/\/ui\/enterprises\/[0-9a-f-]{36}$/)
    await expect.poll(done).toContain('已登记企业 萧山端到端测试物流有限公司')
    expect(await page.locator('main').textContent()).toContain('浙江省杭州市萧山区')
    await lookAt('firm')
  })

  it('creates a checkpoint account by checkpoint name, then resets its password', async () => {
    await page.goto(`${url}/ui/accounts`)
    const form = page.locator('form[aria-labelledby="new-checkpoint-account"]')
    await form.getByLabel('用户名').fill('e2e-checker')
    await form.getByLabel('初始密码（至少 8 位）').fill('first-e2e-password')
    await form.getByLabel('所在检查点').selectOption({ label: '104 国道西湖卡口' })
    await submitAndWait(() => form.getByRole('button', { name: '创建账号' }).click())
    await expect.poll(done).toContain('已创建账号 e2e-checker')
    const row = page.locator('tr', { hasText: 'e2e-checker' })
    expect(await row.textContent()).toContain('104 国道西湖卡口')
    expect(await t.login('e2e-checker', 'first-e2e-password')).toEqual(expect.any(String))

    await row.getByText('重置密码', { exact: true }).first().click() // opens the <details>
    await row.getByLabel('e2e-checker 的新密码（至少 8 位）').fill('second-e2e-password')
    await screenshot(page, 'admin-account-reset-form-zh')
    await submitAndWait(async () => {
      await row.getByRole('button', { name: '重置密码' }).click()
      await confirmDialog()
    })
    await expect.poll(done).toContain('已重置 e2e-checker 的密码')
    const old = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'e2e-checker', password: 'first-e2e-password' },
    })
    expect(old.status).toBe(401)
    expect(await t.login('e2e-checker', 'second-e2e-password')).toEqual(expect.any(String))
    // The admin's row offers a coordinator nothing to press.
    const adminRow = page.locator('tr', { hasText: '管理员' }).first()
    expect(await adminRow.locator('button').count()).toBe(0)
    await lookAt('accounts')
  })

  it('adds a transfer station', async () => {
    await page.goto(`${url}/ui/stations`)
    const form = page.locator('form[aria-labelledby="add-station"]')
    await form.getByLabel('名称').fill('滨江端到端中转站')
    await form.getByLabel(/^代码/).fill('HZ-E2E-01')
    await pickRegion('#st-region', '滨江', '330108')
    await form.getByLabel('详细地址').fill('杭州市滨江区江南大道 1 号')
    await form.getByLabel('日接驳能力（车次）').fill('120')
    await submitAndWait(() => form.getByRole('button', { name: '新增中转站' }).click())
    await expect.poll(done).toContain('已新增中转站 滨江端到端中转站')
    const row = page.locator('tr', { hasText: '滨江端到端中转站' })
    expect(await row.textContent()).toContain('浙江省杭州市滨江区')
    expect(await row.textContent()).toContain('每日 120 车次')
    await lookAt('stations')
  })

  it('raises a region’s risk and shows it with a red badge', async () => {
    await page.goto(`${url}/ui/regions`)
    await pickRegion('#rg-code', '滨江', '330108')
    await page.locator('#rg-level').selectOption('high')
    await page.getByLabel('变更理由').fill('出现聚集性病例')
    await submitAndWait(async () => {
      await page.getByRole('button', { name: '变更风险等级' }).click()
      await confirmDialog()
    })
    await expect.poll(done).toContain('已变更风险等级')
    const row = page.locator('table').first().locator('tr', { hasText: '浙江省杭州市滨江区' })
    const badge = row.locator('.badge.risk-high')
    expect(await badge.textContent()).toBe('高风险')
    const colour = await badge.evaluate((b) => getComputedStyle(b).backgroundColor)
    expect(colour).toBe('rgb(253, 226, 225)')
    expect(await page.locator('main').textContent()).toContain('出现聚集性病例')
    await lookAt('regions')
  })

  it('opens a firm’s audit report for a chosen period', async () => {
    await page.goto(`${url}/ui/audit`)
    await page.getByRole('link', { name: '杭州萧山民生物流有限公司' }).click()
    await page.getByLabel('起始日期').fill('2026-10-01')
    await page.getByLabel('截止日期（含当天）').fill('2026-10-31')
    await Promise.all([
      page.waitForURL(/from=2026-10-01/),
      page.getByRole('button', { name: '查看该期间' }).click(),
    ])
    expect(await page.locator('[data-period]').textContent()).toBe(
      '统计期间：2026-10-01 00:00 至 2026-11-01 00:00（北京时间）',
    )
    expect(await page.locator('main').textContent()).toContain('期间签发的通行证')
    const csv = await page.getAttribute('a[download]', 'href')
    expect(csv).toContain('from=2026-10-01&to=2026-10-31')
    await lookAt('audit-report')
  })

  it('reads the trust list, our own key ids first', async () => {
    await page.goto(`${url}/ui/trust`)
    expect(await page.locator('[data-own-keys] code').count()).toBeGreaterThan(0)
    await lookAt('trust')
  })
})
