import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import {
  accessibilityProblems,
  issuePassNow,
  launch,
  screenshot,
  signIn,
  startServer,
} from './browser.ts'

// Issue 21, "who saw what", in real Chromium: on a pass page the crew is masked; a coordinator
// asks for the full details with a reason, the full name appears in the answer block (it was not
// in the page's HTML), and the personal-data page lists the reveal. Screenshots:
// test-artifacts/screenshots/reveal-*.png.

const ID_NUMBER = residentId('19880808', '123')
const REASON = '阳性司机密接追踪，需联系同车人员'

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

describe('a coordinator', () => {
  it('reveals a pass’s crew with a reason, and finds the reveal on the list', async () => {
    const pass = await issuePassNow(t, '沪C40001', 24)
    const response = await page.goto(`${url}/ui/passes/${pass.number}`)
    const html = (await response?.text()) ?? ''
    expect(html).toContain('王*国')
    expect(html).not.toContain('王建国')
    expect(html).not.toContain(ID_NUMBER)

    const reveal = page.locator(`[data-reveal-for="pass:${pass.number}"]`)
    await reveal.getByText('查看完整信息').first().click()
    expect(await accessibilityProblems(page)).toEqual([])
    // Too short a reason: the API's message lands beside the field, nothing is shown.
    await reveal.getByLabel('查看理由').fill('查一下')
    await reveal.getByLabel('查看理由').evaluate((el) => el.removeAttribute('minlength'))
    await reveal.getByRole('button', { name: '查看完整信息' }).click()
    await expect.poll(() => reveal.locator('[data-field="reason"]').textContent()).toMatch(/10/)
    expect(await reveal.locator('[data-answer-block]').isHidden()).toBe(true)

    await reveal.getByLabel('查看理由').fill(REASON)
    await reveal.getByLabel('用途').selectOption('contact_tracing')
    await reveal.getByRole('button', { name: '查看完整信息' }).click()
    const block = reveal.locator('[data-answer-block]')
    await block.waitFor({ state: 'visible' })
    const row = block.locator('tbody tr')
    expect(await row.count()).toBe(1)
    expect(await row.locator('td').allTextContents()).toEqual(['王建国', ID_NUMBER, '13900002222'])
    expect(await block.locator('[data-answer-time]').textContent()).toMatch(
      /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/,
    )
    await screenshot(page, 'reveal-pass-zh')

    // A second reveal replaces the rows rather than adding to them.
    await reveal.getByLabel('查看理由').fill(`${REASON}（复核）`)
    await reveal.getByRole('button', { name: '查看完整信息' }).click()
    await expect.poll(() => block.locator('tbody tr').count()).toBe(1)

    await page.goto(`${url}/ui/personal-data`)
    const rows = page.locator('tbody tr')
    expect(await rows.count()).toBe(2)
    const newest = rows.first()
    expect(await newest.textContent()).toContain(`${REASON}（复核）`)
    expect(await rows.nth(1).textContent()).toContain(REASON)
    expect(await newest.textContent()).toContain('密接追踪')
    expect(await newest.textContent()).toContain(pass.number)
    expect(await newest.textContent()).not.toContain('王建国')
    expect(await accessibilityProblems(page)).toEqual([])
    await screenshot(page, 'reveal-list-zh')
    await page.goto(`${url}/ui/personal-data?lang=en`)
    expect(await page.locator('h1').textContent()).toBe('Personal data views')
    expect(await page.locator('tbody tr').first().textContent()).toContain('Contact tracing')
    expect(await accessibilityProblems(page)).toEqual([])
    await screenshot(page, 'reveal-list-en')
    await page.goto(`${url}/ui/personal-data?lang=zh`)
  })
})
