import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'
import { accessibilityProblems, launch, screenshot, signIn, startServer } from './browser.ts'

// A firm books an arrival slot on its pass page, moves it to another slot and cancels it, all
// through the page's forms (issue 20). Screenshots land in test-artifacts/screenshots/booking-*.png.

let t: TestApp
let url: string
let server: ServerType
let browser: Browser

beforeAll(async () => {
  t = await buildTestApp({ realClock: true })
  ;({ url, server } = await startServer(t))
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  server?.close()
})

describe('booking an arrival slot in the browser', () => {
  it('books, moves and cancels on the pass page', async () => {
    const made = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({
        plate: '浙A56789',
        valid_from: new Date().toISOString(),
        valid_until: new Date(Date.now() + 3 * 86_400_000).toISOString(),
      }),
    })
    expect(made.status, made.text).toBe(201)
    const pass = await t.call('POST', `/api/v1/applications/${made.json.id}/approve`, {
      as: 'coordinator',
    })
    expect(pass.status, pass.text).toBe(201)
    const number = pass.json.number as string
    // Tomorrow (China time): a whole day of slots, whatever the hour the test runs.
    const tomorrow = new Date(Date.now() + 8 * 3_600_000 + 86_400_000).toISOString().slice(0, 10)

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    await signIn(page, url, 'enterprise', 'tongxing-firm')
    await page.goto(`${url}/ui/passes/${number}?slot_date=${tomorrow}`)
    const section = page.locator('[data-booking]')
    await expect.poll(() => section.textContent()).toContain('尚未预约到站时段')
    await section.getByLabel('可预约时段').selectOption({ index: 2 })
    const first = await section.getByLabel('可预约时段').inputValue()
    await section.getByRole('button', { name: '预约', exact: true }).click()
    await expect.poll(() => page.locator('#tx-done').textContent()).toContain('已预约到站时段')
    await expect.poll(() => section.textContent()).toContain('已预约：')
    const booked = await t.call('GET', `/api/v1/bookings?pass_number=${number}`, {
      as: 'enterprise',
    })
    expect(booked.json[0]).toMatchObject({ starts_at: first, status: 'booked' })
    await screenshot(page, 'booking-01-booked-zh')
    expect(await accessibilityProblems(page)).toEqual([])

    await page.goto(`${url}/ui/passes/${number}?slot_date=${tomorrow}`)
    await section.getByLabel('可预约时段').selectOption({ index: 5 })
    const second = await section.getByLabel('可预约时段').inputValue()
    await section.getByRole('button', { name: '改约到此时段' }).click()
    await expect.poll(() => page.locator('#tx-done').textContent()).toContain('已改约')
    const moved = await t.call('GET', `/api/v1/bookings?pass_number=${number}`, {
      as: 'enterprise',
    })
    expect(moved.json[0]).toMatchObject({ starts_at: second, status: 'booked' })

    await page.goto(`${url}/ui/passes/${number}`)
    await section.getByRole('button', { name: '取消预约' }).click()
    await page.getByRole('button', { name: '确定' }).click()
    await expect.poll(() => page.locator('#tx-done').textContent()).toContain('已取消预约')
    await expect.poll(() => section.textContent()).toContain('尚未预约到站时段')
    await context.close()
  })
})
