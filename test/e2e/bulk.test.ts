import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { mixedGbkFile } from '../applications/bulk/gbk-fixture.ts'
import { accessibilityProblems, launch, signIn, startServer } from './browser.ts'

// Bulk applications in Chromium on a desktop: the firm downloads the template, uploads the GBK
// file Excel writes on Chinese Windows (two good rows, two bad), and reads each row's outcome in
// words, in Chinese and in English. Screenshots land in /tmp/shots-bulk/.

const SHOTS = '/tmp/shots-bulk'
const DESKTOP = { width: 1280, height: 900 }

let t: TestApp
let url: string
let server: ServerType
let browser: Browser

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  t = await buildTestApp({ realClock: true })
  ;({ url, server } = await startServer(t))
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  server?.close()
})

/** China time `hours` from now as Excel shows it: `2026/12/05 08:00`. */
const excelTime = (hours: number) =>
  new Date(Date.now() + hours * 3_600_000 + 8 * 3_600_000)
    .toISOString()
    .slice(0, 16)
    .replace('T', ' ')
    .replaceAll('-', '/')

async function bulkPage(lang: 'zh' | 'en'): Promise<Page> {
  const context = await browser.newContext({
    viewport: DESKTOP,
    locale: lang === 'zh' ? 'zh-CN' : 'en',
    acceptDownloads: true,
  })
  const page = await context.newPage()
  await signIn(page, url, 'enterprise', 'tongxing-firm')
  await page.goto(`${url}/ui/applications/bulk${lang === 'en' ? '?lang=en' : ''}`)
  return page
}

/** The mixed GBK file, its windows starting `fromHours` ahead: each test its own, since a window
 * already waiting for the same plate is refused (application_pending). */
async function uploadMixedFile(page: Page, fromHours = 2) {
  const file = `${SHOTS}/mixed-gbk.csv`
  writeFileSync(file, mixedGbkFile(excelTime(fromHours), excelTime(fromHours + 24 * 5)))
  await page.locator('#bulk-file').setInputFiles(file)
  await page.locator('[data-bulk-upload] button[type=submit]').click()
  await page.locator('[data-bulk-rows] tr').first().waitFor()
}

describe('bulk applications, on a desktop', () => {
  it('downloads the template with a Chinese header Excel opens correctly', async () => {
    const page = await bulkPage('zh')
    await page.goto(`${url}/ui/apply`)
    await page.getByRole('link', { name: '批量申请' }).click()
    await page.waitForURL(/\/ui\/applications\/bulk$/)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: '中文表头' }).click(),
    ])
    const bytes = readFileSync((await download.path())!)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(bytes.subarray(3).toString('utf8')).toMatch(/^车牌号,货物类别,始发地区县代码,/)
    expect(download.suggestedFilename()).toMatch(/\.csv$/)
    await page.context().close()
  })

  it('uploads a GBK file and shows each row created or not, the reasons in words', async () => {
    const page = await bulkPage('zh')
    await uploadMixedFile(page)
    await expect
      .poll(() => page.locator('[data-bulk-summary]').textContent())
      .toBe('已提交 2 份，未通过 2 份。')
    const row = (n: number) => page.locator(`[data-bulk-rows] tr[data-row="${n}"]`)
    expect(await row(2).textContent()).toContain('浙A10001')
    expect(await row(2).textContent()).toContain('已提交')
    expect(await row(2).locator('a').getAttribute('href')).toBe('/ui/passes')
    expect(await row(3).textContent()).toContain('未通过')
    expect(await row(3).textContent()).toContain('司乘1身份证号：应为 18 位居民身份证号码')
    expect(await row(4).textContent()).toMatch(/目的中转站代码：.*中转站/)
    expect(await row(6).textContent()).toContain('已提交')
    // Words, never codes: no snake_case anywhere in the results.
    const shown = (await page.locator('[data-bulk-results]').innerText()).replace(
      /司乘\d\S+|目的\S+/g,
      '',
    )
    expect(shown).not.toMatch(/\b[a-z]+_[a-z_]+\b/)
    await page.screenshot({ path: `${SHOTS}/bulk-zh.png`, fullPage: true })
    expect(await accessibilityProblems(page)).toEqual([])

    // The created applications are the firm's, waiting for approval.
    const mine = await t.call('GET', '/api/v1/applications?status=submitted', {
      as: 'enterprise',
    })
    expect(mine.json.map((a: { plate: string }) => a.plate)).toEqual(
      expect.arrayContaining(['浙A10001', '浙A10004']),
    )
    await page.context().close()
  })

  it('says the same in English, and why a whole file is refused', async () => {
    const page = await bulkPage('en')
    await uploadMixedFile(page, 24 * 6)
    await expect
      .poll(() => page.locator('[data-bulk-summary]').textContent())
      .toBe('2 submitted, 2 not accepted.')
    const rejected = page.locator('[data-bulk-rows] tr[data-row="3"]')
    expect(await rejected.textContent()).toContain('Not accepted')
    expect(await rejected.textContent()).toContain('resident ID number')
    await page.screenshot({ path: `${SHOTS}/bulk-en.png`, fullPage: true })

    // A file with a header the server does not know: the columns are named, nothing is listed.
    const wrong = `${SHOTS}/wrong-header.csv`
    writeFileSync(wrong, 'plate,cargo\n浙A1,x\n')
    await page.locator('#bulk-file').setInputFiles(wrong)
    await page.locator('[data-bulk-upload] button[type=submit]').click()
    const errors = page.locator('[data-bulk-errors]')
    await expect.poll(() => errors.textContent()).toContain('The file was not accepted')
    expect(await errors.textContent()).toContain('cargo: unknown column')
    expect(await page.locator('[data-bulk-results]').isHidden()).toBe(true)
    await page.screenshot({ path: `${SHOTS}/bulk-en-refused.png`, fullPage: true })
    await page.context().close()
  })
})
