import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import { scan, sendEvents } from '../support/flow.ts'
import { accessibilityProblems, launch, screenshot, signIn, startServer } from './browser.ts'

// A coordinator's day in real Chromium on a desktop (1280×800): approve from the queue and see
// the new pass number, find a pass and revoke it (asked first), acknowledge and resolve an alert
// with a note and find it under 已处置, close a stale loop. Each page is checked with axe and
// screenshotted in Chinese and English (test-artifacts/screenshots/coord-*.png).

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

/** Submits an application valid from now (the browser tests run on the real clock). */
async function apply(plate: string) {
  const app = await t.call('POST', '/api/v1/applications', {
    as: 'enterprise',
    body: {
      plate,
      crew: [
        { name: '王五', id_number: residentId('19880808', '123'), phone: '13900002222' },
        { name: '赵六', id_number: residentId('19920202', '234'), phone: '13900003333' },
      ],
      cargo_category: 'medical',
      origin_region_code: '310115',
      destination: { station_code: 'HZ-XS-01' },
      route: 'G60 沪昆高速 → 萧山出口 → 空港中转站',
      valid_from: new Date().toISOString(),
      valid_until: new Date(Date.now() + 3 * 86_400_000).toISOString(),
    },
  })
  expect(app.status, app.text).toBe(201)
  return app.json.id as string
}

async function approve(id: string) {
  const pass = await t.call('POST', `/api/v1/applications/${id}/approve`, { as: 'coordinator' })
  expect(pass.status, pass.text).toBe(201)
  return pass.json as { number: string; token: string }
}

/** Checks the page with axe and saves it in Chinese, then in English, then back in Chinese. */
async function lookAt(name: string) {
  expect(await accessibilityProblems(page), name).toEqual([])
  await screenshot(page, `coord-${name}-zh`)
  const zh = page.url()
  const en = new URL(zh)
  en.searchParams.set('lang', 'en')
  await page.goto(en.toString())
  expect(await page.getAttribute('html', 'lang')).toBe('en')
  expect(await accessibilityProblems(page), `${name} (en)`).toEqual([])
  await screenshot(page, `coord-${name}-en`)
  const back = new URL(zh)
  back.searchParams.set('lang', 'zh')
  await page.goto(back.toString())
}

/** Clicks `button` and waits for the page the form script loads after the action. */
async function submitAndWait(click: () => Promise<void>) {
  await Promise.all([page.waitForEvent('load'), click()])
}

/** Answers the page's own confirmation dialog (data-confirm). */
async function confirmDialog() {
  const dialog = page.locator('dialog.confirm')
  await dialog.waitFor()
  await dialog.getByRole('button', { name: '确定' }).click()
}

describe('a coordinator', () => {
  it('approves from the queue and sees the new pass number, with a link to the pass', async () => {
    const id = await apply('沪C30001')
    await page.goto(`${url}/ui/queue`)
    const card = page.locator(`[data-application="${id}"]`)
    await expect.poll(() => card.locator('[data-crew-count]').textContent()).toBe('共 2 人')
    expect(await card.textContent()).toMatch(/已等待 \d+ 分/)
    expect(await card.textContent()).not.toContain('13900002222')
    await lookAt('queue')
    await submitAndWait(() => page.locator(`[data-application="${id}"] [data-approve]`).click())
    const number = t.sqlite
      .prepare("SELECT number FROM passes WHERE plate = '沪C30001'")
      .pluck()
      .get() as string
    expect(number).toMatch(/^\d{12}$/)
    await expect
      .poll(() => page.locator('#tx-done').textContent())
      .toContain(`已批准，通行证编号 ${number}`)
    expect(await page.locator('[data-approved] a').getAttribute('href')).toBe(
      `/ui/passes/${number}`,
    )
    expect(await page.locator(`[data-application="${id}"]`).count()).toBe(0)
    await screenshot(page, 'coord-queue-approved-zh')
  })

  it('finds a pass by plate and revokes it, after confirming', async () => {
    const pass = await approve(await apply('沪C30002'))
    await page.goto(`${url}/ui/passes`)
    await page.getByLabel('车牌号').fill('沪C30002')
    await submitAndWait(() => page.getByRole('button', { name: '查询' }).click())
    const rows = page.locator('tbody tr')
    expect(await rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain(pass.number)
    await lookAt('passes')
    const row = rows.first()
    await row.getByText('撤销通行证').first().click()
    await row.getByLabel('撤销理由').fill('车辆转籍，企业申请注销')
    await screenshot(page, 'coord-passes-revoke-form-zh')
    // Cancelled: nothing happens.
    await row.getByRole('button', { name: '撤销通行证' }).click()
    await page.locator('dialog.confirm').getByRole('button', { name: '取消' }).click()
    expect(
      t.sqlite.prepare('SELECT status FROM passes WHERE number = ?').pluck().get(pass.number),
    ).toBe('active')
    await submitAndWait(async () => {
      await row.getByRole('button', { name: '撤销通行证' }).click()
      await confirmDialog()
    })
    await expect
      .poll(() => page.locator('#tx-done').textContent())
      .toContain(`已撤销通行证 ${pass.number}`)
    expect(await page.locator(`[data-status]`).first().textContent()).toBe('已撤销')
    expect(await page.locator('tbody').textContent()).toContain('车辆转籍，企业申请注销')
    await screenshot(page, 'coord-passes-revoked-zh')
  })

  it('acknowledges and resolves an alert with a note, then finds it under 已处置', async () => {
    const pass = await approve(await apply('沪C30003'))
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
        data: { tube_code: 'TUBE-C3', tests: ['pcr'] },
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
    expect(sent.status, sent.text).toBe(200)
    await page.goto(`${url}/ui/alerts`)
    const card = () => page.locator('[data-alert]', { hasText: '沪C30003' })
    await lookAt('alerts')
    await card().getByLabel('确认说明（可选）').fill('已通知目的地')
    await submitAndWait(() => card().getByRole('button', { name: '确认', exact: true }).click())
    await expect.poll(() => page.locator('#tx-done').textContent()).toContain('已确认该预警')
    expect(await card().getAttribute('data-status')).toBe('acknowledged')
    expect(await card().locator('[data-acknowledged]').textContent()).toContain('专班')

    await card().locator('select[name="outcome"]').selectOption('handled_off_loop')
    await card().getByLabel('处置说明').fill('已移交卫健部门隔离')
    await submitAndWait(() => card().getByRole('button', { name: '处置完毕' }).click())
    await expect.poll(() => page.locator('#tx-done').textContent()).toContain('预警已处置')
    expect(await card().count()).toBe(0)

    await page.getByRole('link', { name: '已处置' }).click()
    await page.waitForURL(/status=resolved/)
    const done = card()
    expect(await done.locator('[data-resolved]').textContent()).toContain('已移交处置')
    expect(await done.locator('[data-note]').textContent()).toContain('已移交卫健部门隔离')
    await lookAt('alerts-resolved')
  })

  it('closes a stale loop with a note, after confirming', async () => {
    const pass = await approve(await apply('沪C30004'))
    const opened = await scan(t, { token: pass.token })
    const loopId = opened.json.loop.id as string
    await page.goto(`${url}/ui/loops?plate=${encodeURIComponent('沪C30004')}`)
    await lookAt('loops')
    await page.locator(`[data-loop="${loopId}"]`).click()
    await page.waitForURL(new RegExp(`/ui/loops/${loopId}$`))
    expect(await page.locator('tbody').first().textContent()).toContain('G60 沪昆高速萧山出口')
    await lookAt('loop')
    await page.getByLabel('闭环说明（为何可以闭环）').fill('车辆已经其他出口离开，电话核实')
    await submitAndWait(async () => {
      await page.getByRole('button', { name: '人工闭环' }).click()
      await confirmDialog()
    })
    await expect.poll(() => page.locator('#tx-done').textContent()).toContain('已人工闭环')
    expect(await page.locator('[data-loop-state]').textContent()).toBe('已闭环')
    expect(await page.locator('main').textContent()).toContain('车辆已经其他出口离开，电话核实')
    expect(await page.locator('main').textContent()).toContain('专班闭环')
    await screenshot(page, 'coord-loop-closed-zh')
  })
})
