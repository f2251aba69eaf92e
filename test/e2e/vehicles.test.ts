import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import { accessibilityProblems, launch, signIn, startServer } from './browser.ts'

// Issue 19, "vehicles and crews kept once", in Chromium on the firm's desktop: a vehicle saved on
// /ui/vehicles, then picked on /ui/apply and submitted without retyping its crew. Screenshots of
// both pages land in /tmp/shots-vehicles/.

const SHOTS = '/tmp/shots-vehicles'
let t: TestApp
let url: string
let server: ServerType
let browser: Browser

beforeAll(async () => {
  t = await buildTestApp({ realClock: true })
  ;({ url, server } = await startServer(t))
  browser = await launch()
  mkdirSync(SHOTS, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  server?.close()
})

const shot = (page: Page, name: string) =>
  page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true })

describe('a firm’s kept vehicle, in Chromium', () => {
  it('saves a vehicle with its crew, then applies from it without retyping the crew', async () => {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'zh-CN',
    })
    const page = await context.newPage()
    await signIn(page, url, 'enterprise', 'tongxing-firm')

    // The apply form of a firm with no vehicles points to the vehicles page.
    await page.goto(`${url}/ui/apply`)
    await page.locator('[data-no-vehicles] a[href="/ui/vehicles"]').click()
    await page.waitForURL(/\/ui\/vehicles$/)
    await page.getByLabel(/车牌号/).fill('沪K·20001')
    await page.getByLabel('车辆类型').selectOption({ label: '冷藏车' })
    await page.getByLabel('姓名').fill('钱师傅')
    await page.getByLabel('身份证号').fill(residentId('19810909', '275'))
    await page.getByLabel('手机号').fill('13566667777')
    await page.getByRole('button', { name: '保存一辆车' }).click()
    await expect
      .poll(() => page.locator('#tx-done').textContent())
      .toContain('车辆 沪K20001 已保存')
    const row = page.locator('table[aria-label="已保存的车辆"] tbody tr', { hasText: '沪K20001' })
    expect(await row.textContent()).toContain('冷藏车')
    expect(await row.textContent()).toContain('135****7777')
    expect(await accessibilityProblems(page)).toEqual([])
    await shot(page, 'vehicles-zh')

    await page.goto(`${url}/ui/apply`)
    const crewInputs = page.locator('[data-crew-inputs]')
    expect(await crewInputs.isVisible()).toBe(true)
    await page.locator('select[name="vehicle_id"]').selectOption({ label: '沪K20001' })
    // The plate is filled, the saved crew shown masked, the crew inputs gone.
    expect(await page.locator('input[name="plate"]').inputValue()).toBe('沪K20001')
    expect(await crewInputs.isVisible()).toBe(false)
    const saved = page.locator('[data-saved-crew]:visible')
    expect(await saved.textContent()).toContain('钱*傅')
    expect(await saved.textContent()).not.toContain('钱师傅')
    expect(await saved.textContent()).toContain('135****7777')
    // "Change the crew" brings the inputs back; unticked, they go again.
    await page.getByLabel('修改司乘人员').check()
    expect(await crewInputs.isVisible()).toBe(true)
    await page.getByLabel('修改司乘人员').uncheck()
    expect(await crewInputs.isVisible()).toBe(false)
    expect(await accessibilityProblems(page)).toEqual([])
    await page.getByLabel(/始发地/).fill('310115')
    await page.getByLabel('行驶路线').fill('G60 沪昆高速 → 萧山出口 → 空港中转站')
    await shot(page, 'apply-from-vehicle-zh')
    await page.getByRole('button', { name: '提交' }).click()
    await page.waitForURL(/\/ui\/passes$/)

    const applications = await t.call('GET', '/api/v1/applications', { as: 'enterprise' })
    const made = applications.json.find((a: { plate: string }) => a.plate === '沪K20001')
    const vehicles = await t.call('GET', '/api/v1/vehicles', { as: 'enterprise' })
    expect(made.crew).toEqual(vehicles.json[0].crew)
    await context.close()
  })
})
