import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import {
  ARTIFACTS,
  accessibilityProblems,
  launch,
  screenshot,
  signIn,
  startServer,
} from './browser.ts'

// A firm's whole job in Chromium on a desktop: apply and see the application listed by place
// names, withdraw another one (after saying yes), file a pre-arrival report that is late and be
// told so, print a pass with the firm's name — and the pass once more on a phone. Screenshots of
// each step in zh and en land in test-artifacts/screenshots/ent-*.png.

let t: TestApp
let url: string
let server: ServerType
let browser: Browser

const DESKTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }
const FIRM = '杭州萧山民生物流有限公司'

beforeAll(async () => {
  t = await buildTestApp({ realClock: true })
  ;({ url, server } = await startServer(t))
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  server?.close()
})

async function signedIn(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' })
  const page = await context.newPage()
  await signIn(page, url, 'enterprise', 'tongxing-firm')
  return { context, page }
}

/** A `datetime-local` value in China time, `hours` from now. */
const chinaLocal = (hours: number) =>
  new Date(Date.now() + hours * 3_600_000 + 8 * 3_600_000).toISOString().slice(0, 16)

const noHorizontalScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)

const applicationRow = (page: Page, plate: string) =>
  page.locator('table[aria-label="申请"] tbody tr', { hasText: plate })

describe('the enterprise, on a desktop', () => {
  it('applies by place name and sees the application listed with names, route and status', async () => {
    const { context, page } = await signedIn()
    await page.goto(`${url}/ui/apply`)
    // The origin picker offers the risk areas by name before anything is typed.
    expect(await page.locator('#region-options option[value="310115"]').textContent()).toBe(
      '上海市浦东新区（高风险）',
    )
    await screenshot(page, 'ent-01-apply-zh')
    expect(await accessibilityProblems(page)).toEqual([])
    await page.getByLabel(/车牌号/).fill('沪B67890')
    await page.getByLabel('姓名').fill('张三')
    await page.getByLabel('身份证号').fill(residentId())
    await page.getByLabel('手机号').fill('13812345678')
    await page.getByLabel(/始发地/).fill('310115')
    await page.getByLabel('行驶路线').fill('G60 沪昆高速 → 萧山出口 → 空港中转站')
    await page.getByRole('button', { name: '提交' }).click()
    await page.waitForURL(/\/ui\/passes$/)
    // The confirmation says what happens next.
    await expect.poll(() => page.locator('#tx-done').textContent()).toContain('等待专班审批')
    const row = applicationRow(page, '沪B67890')
    const text = await row.textContent()
    expect(text).toContain('上海市浦东新区')
    expect(text).toContain('高风险')
    expect(text).toContain('萧山空港物资中转站')
    expect(text).toContain('G60 沪昆高速')
    expect(text).toContain('待审批')
    expect(text).not.toMatch(/310115|HZ-XS-01|submitted/)
    await screenshot(page, 'ent-02-applied-zh')
    expect(await accessibilityProblems(page)).toEqual([])
    await context.close()
  })

  it('withdraws a pending application only after saying yes', async () => {
    const made = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({
        plate: '浙A55555',
        valid_from: new Date().toISOString(),
        valid_until: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      }),
    })
    expect(made.status, made.text).toBe(201)
    const { context, page } = await signedIn()
    await page.goto(`${url}/ui/passes`)
    const row = applicationRow(page, '浙A55555')
    await row.getByRole('button', { name: '撤回申请' }).click()
    const dialog = page.locator('dialog[open]')
    await dialog.waitFor()
    expect(await dialog.textContent()).toContain('撤回')
    await screenshot(page, 'ent-03-withdraw-confirm-zh')
    await Promise.all([
      page.waitForEvent('load'),
      dialog.getByRole('button', { name: '确定' }).click(),
    ])
    await expect.poll(() => page.locator('#tx-done').textContent()).toContain('申请已撤回')
    expect(await applicationRow(page, '浙A55555').textContent()).toContain('已撤回')
    expect(await applicationRow(page, '浙A55555').getByRole('button').count()).toBe(0)
    expect(
      t.sqlite.prepare('SELECT status FROM applications WHERE id = ?').pluck().get(made.json.id),
    ).toBe('withdrawn')
    await screenshot(page, 'ent-04-withdrawn-zh')
    await context.close()
  })

  it('files a late pre-arrival report and is told it is marked late', async () => {
    const submitted = t.sqlite
      .prepare("SELECT id FROM applications WHERE plate = '沪B67890'")
      .pluck()
      .get() as string
    const approved = await t.call('POST', `/api/v1/applications/${submitted}/approve`, {
      as: 'coordinator',
    })
    expect(approved.status, approved.text).toBe(201)
    const passNumber = approved.json.number as string

    const { context, page } = await signedIn()
    await page.goto(`${url}/ui/reports`)
    await page.getByLabel(/车牌号/).fill('沪B67890')
    await page.getByLabel('通行证（可选）').selectOption(passNumber)
    await page.getByLabel('入城检查点').selectOption({ label: 'G60 沪昆高速萧山出口' })
    await page.getByLabel(/预计到达（起）/).fill(chinaLocal(2))
    await page.getByLabel(/预计到达（止）/).fill(chinaLocal(6))
    await page.getByLabel('姓名').fill('张三')
    await page.getByLabel('身份证号').fill(residentId())
    await page.getByLabel('手机号').fill('13812345678')
    await page.getByRole('button', { name: '提交报备' }).click()
    await page.waitForURL(/\/ui\/reports\?filed=/)
    await expect.poll(() => page.locator('#tx-done').textContent()).toContain('报备已提交')
    const filed = page.locator('[data-filed]')
    expect(await filed.getAttribute('data-late')).toBe('true')
    expect(await filed.textContent()).toContain('标记为迟报')
    const listed = page.locator('table[aria-label="本企业的报备"] tbody tr', {
      hasText: '沪B67890',
    })
    const text = await listed.textContent()
    expect(text).toContain('G60 沪昆高速萧山出口')
    expect(text).toContain('待到达')
    expect(text).toContain('迟报')
    expect(text).toMatch(/330702\*{8}\d{3}[\dX]/)
    expect(text).not.toContain(residentId())
    await screenshot(page, 'ent-05-report-filed-late-zh')
    expect(await accessibilityProblems(page)).toEqual([])

    await page.goto(`${url}/ui/reports?lang=en`)
    expect(
      await page.locator('table[aria-label="Your firm’s reports"] tbody tr').first().textContent(),
    ).toMatch(/Expected.*Late/)
    await screenshot(page, 'ent-06-reports-en')
    expect(await accessibilityProblems(page)).toEqual([])
    await page.goto(`${url}/ui/passes?lang=en`)
    await screenshot(page, 'ent-07-passes-en')
    await page.goto(`${url}/ui/apply?lang=en`)
    await screenshot(page, 'ent-08-apply-en')
    await page.goto(`${url}/ui/passes?lang=zh`)
    await context.close()
  })

  it('prints a pass with the firm’s name and the issuing authority, on paper and on a phone', async () => {
    const passNumber = t.sqlite
      .prepare("SELECT number FROM passes WHERE plate = '沪B67890'")
      .pluck()
      .get() as string
    const { context, page } = await signedIn()
    await page.goto(`${url}/ui/passes`)
    await page.getByRole('link', { name: passNumber, exact: true }).click()
    await page.waitForURL(new RegExp(`/ui/passes/${passNumber}$`))
    expect(await page.locator('[data-firm]').textContent()).toContain(FIRM)
    expect(await page.locator('[data-issuer]').textContent()).toContain('杭州市疫情防控指挥部')
    expect(await page.locator('.pass-sheet').textContent()).toMatch(/上海市浦东新区\s*高风险/)
    expect(await accessibilityProblems(page)).toEqual([])
    await page.emulateMedia({ media: 'print' })
    await screenshot(page, 'ent-09-pass-print-zh')
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.pdf({ path: `${ARTIFACTS}/ent-pass-a4.pdf`, format: 'A4' })
    await page.emulateMedia({ media: 'screen' })
    await page.goto(`${url}/ui/passes/${passNumber}?lang=en`)
    expect(await page.locator('[data-firm]').textContent()).toContain(FIRM)
    await screenshot(page, 'ent-10-pass-en')
    await page.goto(`${url}/ui/passes/${passNumber}?lang=zh`)
    await context.close()

    const phone = await signedIn(PHONE)
    await phone.page.goto(`${url}/ui/passes/${passNumber}`)
    expect(await phone.page.locator('[data-firm]').textContent()).toContain(FIRM)
    expect(await noHorizontalScroll(phone.page)).toBe(true)
    expect(await accessibilityProblems(phone.page)).toEqual([])
    await screenshot(phone.page, 'ent-11-pass-phone-zh')
    await phone.context.close()
  })
})
