import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import { scan, sendEvents } from '../support/flow.ts'
import {
  ARTIFACTS,
  accessibilityProblems,
  decodeQr,
  issuePassNow,
  launch,
  qrVideo,
  screenshot,
  signIn,
  startServer,
} from './browser.ts'

// Real Chromium against the real app: an enterprise applies, a coordinator approves, the pass
// page's QR is decoded, a checkpoint scans it with the (fake) camera and records the loop to its
// end, the coordinator sees it closed; then the offline path. Screenshots land in test-artifacts/.

let t: TestApp
let url: string
let server: ServerType
let browser: Browser
let passNumber: string
let passToken: string

beforeAll(async () => {
  t = await buildTestApp({ realClock: true })
  ;({ url, server } = await startServer(t))
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  server?.close()
})

async function newPage(width = 1000): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'zh-CN' })
  return { context, page: await context.newPage() }
}

const noHorizontalScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)

describe('the enterprise and the coordinator', () => {
  it('applies with the API’s own validation messages, then succeeds', async () => {
    const { context, page } = await newPage(360)
    await signIn(page, url, 'enterprise', 'tongxing-firm')
    await page.goto(`${url}/ui/apply`)
    await page.getByLabel(/车牌号/).fill('沪A12345D')
    await page.getByLabel('姓名').fill('张三')
    await page.getByLabel('身份证号').fill('330702198503121230')
    await page.getByLabel('手机号').fill('13812345678')
    await page.getByLabel(/始发地/).fill('310115')
    await page.getByLabel('行驶路线').fill('G60 沪昆高速 → 萧山出口 → 空港中转站')
    await page.getByRole('button', { name: '提交' }).click()
    const error = page.locator('#f-crew-0-id_number-error')
    await expect.poll(() => error.textContent()).toContain('GB 11643')
    expect(await page.getAttribute('#f-crew-0-id_number', 'aria-invalid')).toBe('true')
    await screenshot(page, '01-apply-validation-360px')
    expect(await noHorizontalScroll(page)).toBe(true)
    expect(await accessibilityProblems(page)).toEqual([])

    await page.getByLabel('身份证号').fill(residentId())
    await page.getByRole('button', { name: '提交' }).click()
    await page.waitForURL(/\/ui\/passes$/)
    await expect
      .poll(() => page.locator('table[aria-label="申请"]').textContent())
      .toContain('沪A12345D')
    await screenshot(page, '02-enterprise-passes')
    await context.close()
  })

  it('lets the coordinator approve from the queue', async () => {
    const { context, page } = await newPage()
    await signIn(page, url, 'coordinator', 'tongxing-coord')
    expect(new URL(page.url()).pathname).toBe('/ui/queue')
    await screenshot(page, '03-coordinator-queue')
    expect(await accessibilityProblems(page)).toEqual([])
    await Promise.all([page.waitForEvent('load'), page.locator('[data-approve]').first().click()])
    expect(await page.locator('[data-application]').count()).toBe(0)
    const pass = t.sqlite
      .prepare("SELECT number, token FROM passes WHERE plate = '沪A12345D'")
      .get() as { number: string; token: string }
    passNumber = pass.number
    passToken = pass.token
    await page.goto(`${url}/ui/queue?lang=en`)
    expect(await page.locator('h1').textContent()).toMatch(/^To approve/)
    expect(await page.getAttribute('html', 'lang')).toBe('en')
    await page.goto(`${url}/ui/queue?lang=zh`)
    for (const path of [
      '/ui/enterprises',
      '/ui/enterprises/demo-ent-1',
      '/ui/regions',
      '/ui/alerts',
      '/ui/audit',
      '/ui/audit/demo-ent-1',
    ]) {
      await page.goto(`${url}${path}`)
      expect(await accessibilityProblems(page), path).toEqual([])
      await screenshot(page, `04-coordinator${path.replaceAll('/', '-')}`)
    }
    await context.close()
  })

  it('shows a printable pass whose QR decodes to the signed token, on paper and on a phone', async () => {
    const { context, page } = await newPage()
    await signIn(page, url, 'enterprise', 'tongxing-firm')
    await page.goto(`${url}/ui/passes`)
    await page.getByRole('link', { name: passNumber, exact: true }).click()
    await page.waitForURL(new RegExp(`/ui/passes/${passNumber}$`))
    expect(await page.locator('[data-plate]').textContent()).toBe('沪A12345D')
    expect(await page.locator('.pass-sheet').textContent()).toMatch(/330702\*{8}\d{3}[\dX]/)
    const decoded = decodeQr(await page.locator('[data-qr] svg').screenshot())
    expect(decoded).toBe(passToken)
    await screenshot(page, '05-pass-page')
    expect(await accessibilityProblems(page)).toEqual([])
    await page.emulateMedia({ media: 'print' })
    mkdirSync(ARTIFACTS, { recursive: true })
    await page.pdf({ path: `${ARTIFACTS}/pass-a4.pdf`, format: 'A4' })
    await page.emulateMedia({ media: 'screen' })
    await page.setViewportSize({ width: 360, height: 780 })
    expect(await noHorizontalScroll(page)).toBe(true)
    await screenshot(page, '06-pass-page-phone')
    await context.close()
  })
})

describe('the checkpoint', () => {
  it('scans the pass with the camera and records the loop to its end', async () => {
    const video = `${ARTIFACTS}/pass-qr.y4m`
    mkdirSync(ARTIFACTS, { recursive: true })
    qrVideo(passToken, video)
    const cameraBrowser = await launch(video)
    try {
      const context = await cameraBrowser.newContext({
        viewport: { width: 360, height: 800 },
        locale: 'zh-CN',
      })
      await context.grantPermissions(['camera'], { origin: url })
      const page = await context.newPage()
      await signIn(page, url, 'checkpoint', 'tongxing-check')
      expect(new URL(page.url()).pathname).toBe('/ui/scan')
      expect(await accessibilityProblems(page)).toEqual([])
      await page.locator('#checkpoint').selectOption('HZ-G60-XS')
      await page.getByRole('button', { name: '打开摄像头' }).click()
      const verdict = page.locator('[data-verdict]')
      await verdict.waitFor({ timeout: 30_000 })
      expect(await verdict.getAttribute('data-verdict')).toBe('valid')
      expect(await page.locator('[data-action]').getAttribute('data-action')).toBe(
        'sample_then_release',
      )
      await screenshot(page, '07-scan-verdict-valid')
      expect(await noHorizontalScroll(page)).toBe(true)

      await page.getByLabel('采样管编码').fill('TUBE-0001')
      await page.getByRole('button', { name: '已采样' }).click()
      await page.getByRole('button', { name: '抗原阴性' }).click()
      await page.locator('[data-release-to]').selectOption('HZ-TS-XS')
      await page.getByRole('button', { name: '放行' }).click()
      await page.getByRole('button', { name: '已到达目的地', exact: true }).click()
      await page.getByLabel('接驳车车牌').fill('浙A5R001')
      await page.getByLabel('件数').fill('10')
      await page.getByRole('button', { name: '记录交接', exact: true }).click()
      // The manifest is recorded (listed) before the next step is pressed, as staff see it.
      await expect
        .poll(() => page.locator('[data-event-kind="handed_over"]').count(), { timeout: 10_000 })
        .toBe(1)
      await page.getByRole('button', { name: '核酸阴性', exact: true }).click()
      await expect.poll(() => page.locator('[data-queue-count]').textContent()).toBe('0')
      await screenshot(page, '08-scan-loop-recorded')
      await context.close()
    } finally {
      await cameraBrowser.close()
    }
    const loop = t.sqlite
      .prepare('SELECT id, state FROM loops WHERE pass_number = ?')
      .get(passNumber) as { id: string; state: string }
    expect(loop.state).toBe('closed')

    const { context, page } = await newPage()
    await signIn(page, url, 'coordinator', 'tongxing-coord')
    await page.goto(`${url}/ui/loops/${loop.id}`)
    expect(await page.locator('[data-loop-state]').textContent()).toBe('已闭环')
    await screenshot(page, '09-coordinator-loop-closed')
    await context.close()
  })

  it('keeps working with the network cut: verifies offline, queues, uploads once when back', async () => {
    const other = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: {
        plate: '浙A77777',
        crew: [{ name: '李四', id_number: residentId('19900101', '456'), phone: '13900001111' }],
        cargo_category: 'medical',
        origin_region_code: '320583',
        destination: { station_code: 'HZ-XS-01' },
        route: 'G15',
        valid_from: new Date().toISOString(),
        valid_until: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      },
    })
    const pass = (
      await t.call('POST', `/api/v1/applications/${other.json.id}/approve`, { as: 'coordinator' })
    ).json
    const { context, page } = await newPage(360)
    await signIn(page, url, 'checkpoint', 'tongxing-check')
    await expect
      .poll(() =>
        page.evaluate(
          async () =>
            await new Promise((resolve) => {
              const request = indexedDB.open('keyval-store')
              request.onsuccess = () => {
                const tx = request.result
                  .transaction('keyval', 'readonly')
                  .objectStore('keyval')
                  .get('tx-trust')
                tx.onsuccess = () => resolve(Boolean(tx.result))
                tx.onerror = () => resolve(false)
              }
              request.onerror = () => resolve(false)
            }),
        ),
      )
      .toBe(true)

    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await context.setOffline(true)
    await expect
      .poll(() => page.locator('[data-network]').getAttribute('data-state'))
      .toBe('offline')
    await page.locator('[data-typed-input]').fill(pass.token)
    await page.getByRole('button', { name: '核验' }).click()
    await page.locator('[data-verdict]').waitFor()
    expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('valid')
    expect(await page.locator('[data-offline]').count()).toBe(1)
    await page.getByLabel('采样管编码').fill('TUBE-OFFLINE')
    await page.getByRole('button', { name: '已采样' }).click()
    await page.getByRole('button', { name: '核酸阴性' }).click()
    await expect.poll(() => page.locator('[data-queue-count]').textContent()).toBe('3')
    await screenshot(page, '10-scan-offline-queued')
    expect(
      t.sqlite.prepare('SELECT count(*) FROM loops WHERE plate = ?').pluck().get('浙A77777'),
    ).toBe(0)

    await context.setOffline(false)
    await expect
      .poll(() => page.locator('[data-queue-count]').textContent(), { timeout: 20_000 })
      .toBe('0')
    await screenshot(page, '11-scan-back-online')
    const loop = t.sqlite
      .prepare('SELECT id, state FROM loops WHERE plate = ?')
      .get('浙A77777') as { id: string; state: string }
    const kinds = t.sqlite
      .prepare('SELECT kind FROM loop_events WHERE loop_id = ? ORDER BY at, rowid')
      .pluck()
      .all(loop.id)
    expect(kinds).toEqual(['arrived', 'sampled', 'pcr_result'])
    // A second trip online (e.g. another 'online' event) uploads nothing again.
    await page.evaluate(() => window.dispatchEvent(new Event('online')))
    await page.waitForTimeout(500)
    expect(
      t.sqlite.prepare('SELECT count(*) FROM loop_events WHERE loop_id = ?').pluck().get(loop.id),
    ).toBe(3)
    expect(
      t.sqlite.prepare('SELECT count(*) FROM scans WHERE plate = ?').pluck().get('浙A77777'),
    ).toBe(1)
    await context.close()
  })

  it('records true times from a phone whose clock is 20 minutes fast', async () => {
    const pass = await issueNow('浙A66666')
    const { context, page } = await newPage(360)
    // The phone's clock runs 20 minutes ahead; the server refuses device times over 5 minutes ahead.
    await context.addInitScript({
      content: `(() => {
        const RealDate = Date, skew = 20 * 60000
        class FastDate extends RealDate {
          constructor(...args) { if (args.length === 0) super(RealDate.now() + skew); else super(...args) }
          static now() { return RealDate.now() + skew }
        }
        globalThis.Date = FastDate
      })()`,
    })
    await signIn(page, url, 'checkpoint', 'tongxing-check')
    expect(
      await page.evaluate(() => Date.now() - performance.timeOrigin - performance.now()),
    ).toBeGreaterThan(19 * 60_000)
    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await page.locator('[data-typed-input]').fill(pass.token)
    await page.getByRole('button', { name: '核验' }).click()
    await page.locator('[data-verdict]').waitFor()
    expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('valid')
    await page.getByLabel('采样管编码').fill('TUBE-FAST-CLOCK')
    await page.getByRole('button', { name: '已采样' }).click()
    await expect
      .poll(() => page.locator('[data-queue-count]').textContent(), { timeout: 20_000 })
      .toBe('0')
    await screenshot(page, '12-scan-fast-phone-clock')
    const scanned = t.sqlite
      .prepare('SELECT scanned_at FROM scans WHERE plate = ?')
      .pluck()
      .get('浙A66666') as string
    expect(Math.abs(Date.parse(scanned) - Date.now())).toBeLessThan(2 * 60_000)
    const loop = t.sqlite
      .prepare('SELECT id FROM loops WHERE plate = ?')
      .pluck()
      .get('浙A66666') as string
    const events = t.sqlite
      .prepare('SELECT kind, at FROM loop_events WHERE loop_id = ? ORDER BY at, rowid')
      .all(loop) as { kind: string; at: string }[]
    expect(events.map((e) => e.kind)).toEqual(['arrived', 'sampled'])
    for (const e of events) expect(Math.abs(Date.parse(e.at) - Date.now())).toBeLessThan(2 * 60_000)
    await context.close()
  })
})

describe('a positive result', () => {
  it('is settled only by a coordinator who says what the resolution allows', async () => {
    const pass = await issueNow('浙A55555')
    const opened = await scan(t, { token: pass.token })
    const loopId = opened.json.loop.id as string
    const now = new Date().toISOString()
    const sent = await sendEvents(t, [
      {
        id: crypto.randomUUID(),
        loop_id: loopId,
        kind: 'sampled',
        at: now,
        checkpoint_code: 'HZ-G60-XS',
        data: { tube_code: 'TUBE-POS' },
      },
      {
        id: crypto.randomUUID(),
        loop_id: loopId,
        kind: 'pcr_result',
        at: now,
        checkpoint_code: 'HZ-G60-XS',
        data: { result: 'positive' },
      },
    ])
    expect(sent.json.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'accepted',
    ])
    const { context, page } = await newPage()
    await signIn(page, url, 'coordinator', 'tongxing-coord')
    await page.goto(`${url}/ui/alerts`)
    const alert = page.locator('[data-alert]', { hasText: '浙A55555' })
    expect(await alert.locator('select[name="outcome"] option').allTextContents()).toEqual([
      '已安排复检',
      '由专班闭环',
      '已移交处置（阳性结果保留）',
    ])
    expect(await accessibilityProblems(page)).toEqual([])
    await alert.locator('select[name="outcome"]').selectOption('retest_ordered')
    await alert.getByLabel('处置说明').fill('复检：重新采样')
    await screenshot(page, '13-coordinator-positive-outcome')
    await Promise.all([
      page.waitForEvent('load'),
      alert.getByRole('button', { name: '处置完毕' }).click(),
    ])
    expect(await page.locator('[data-alert]', { hasText: '浙A55555' }).count()).toBe(0)
    const kinds = t.sqlite
      .prepare('SELECT kind FROM loop_events WHERE loop_id = ? ORDER BY at, rowid')
      .pluck()
      .all(loopId)
    expect(kinds).toContain('retest_ordered')
    expect(
      t.sqlite
        .prepare("SELECT outcome FROM alerts WHERE loop_id = ? AND kind = 'pcr_positive'")
        .pluck()
        .get(loopId),
    ).toBe('retest_ordered')
    await context.close()
  })
})

/** A pass valid for three days from now, from Kunshan (the browser tests run on the real clock). */
const issueNow = (plate: string) =>
  issuePassNow(t, plate, 72, {
    crew: [{ name: '王五', id_number: residentId('19880808', '123'), phone: '13900002222' }],
    origin_region_code: '320583',
    route: 'G15',
  })
