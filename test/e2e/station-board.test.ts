import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { scan, sendEvents } from '../support/flow.ts'
import { accessibilityProblems, issuePassNow, launch, signIn, startServer } from './browser.ts'

// The station board on a phone (390×844), in Chromium against the real app on the real clock: a
// booked truck that arrived is present, another booking is expected, the hourly load is shown,
// all in words (zh and en), nothing wider than the screen. Screenshots in /tmp/shots-board/.

const SHOTS = '/tmp/shots-board'
const HOUR = 3_600_000

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

/** The China-time hour now is in, as instants. */
function thisHour(offsetHours = 0) {
  const start = Math.floor(Date.now() / HOUR) * HOUR + offsetHours * HOUR
  return { starts_at: new Date(start).toISOString(), ends_at: new Date(start + HOUR).toISOString() }
}

function book(passNumber: string, plate: string, slot: { starts_at: string; ends_at: string }) {
  const at = new Date().toISOString()
  t.sqlite
    .prepare(
      `INSERT INTO station_bookings (id, station_code, pass_number, enterprise_id, plate, starts_at,
        ends_at, status, notice, arrived_at, loop_id, created_by, created_at, updated_at)
       VALUES (?, 'HZ-XS-01', ?, 'demo-ent-1', ?, ?, ?, 'booked', NULL, NULL, NULL, 'test', ?, ?)`,
    )
    .run(crypto.randomUUID(), passNumber, plate, slot.starts_at, slot.ends_at, at, at)
}

const deviceEvent = (loopId: string, kind: string, data: Record<string, unknown>) => ({
  id: crypto.randomUUID(),
  loop_id: loopId,
  kind,
  at: new Date().toISOString(),
  checkpoint_code: 'HZ-G60-XS',
  data,
})

async function phone(lang: 'zh' | 'en'): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: lang === 'zh' ? 'zh-CN' : 'en-US',
    hasTouch: true,
    isMobile: true,
  })
  const page = await context.newPage()
  await signIn(page, url, 'checkpoint', 'tongxing-check')
  return page
}

describe('the station board on a phone', () => {
  it('shows who is expected and present and the load by hour, in words, within the screen', async () => {
    const pass = await issuePassNow(t, '沪A67890D', 72)
    const entry = await scan(t, { token: pass.token })
    expect(entry.json.loop?.id).toBeTypeOf('string')
    const loopId = entry.json.loop.id
    const sent = await sendEvents(t, [
      deviceEvent(loopId, 'sampled', { tube_code: 'E2E-BOARD-1', tests: ['pcr'] }),
      deviceEvent(loopId, 'released', { destination_code: 'HZ-TS-XS' }),
    ])
    expect(sent.status).toBe(200)
    book(pass.number, '沪A67890D', thisHour())
    book('330100000777', '苏E55555', thisHour())
    const arrived = await scan(t, { token: pass.token, checkpoint_code: 'HZ-TS-XS' })
    expect(arrived.json.booking?.timing).toBe('on_time')

    const page = await phone('zh')
    await page.goto(`${url}/ui/scan`)
    await page.getByRole('link', { name: '中转站看板' }).first().click()
    await page.waitForURL((u) => u.pathname === '/ui/station-board')
    await expect.poll(() => page.locator('h1').textContent()).toContain('萧山空港物资中转站')
    const present = page.locator('[data-board-list="present"]')
    expect(await present.textContent()).toContain('沪A67890D')
    expect(await present.textContent()).toContain('已预约')
    const expected = page.locator('[data-board-list="expected"]')
    expect(await expected.textContent()).toContain('苏E55555')
    expect(await expected.textContent()).toContain('等待中')
    expect(await page.locator('[data-board-summary]').textContent()).toContain('在站 1')
    expect(await page.locator('[data-board-hours] tbody tr').count()).toBe(24)
    // Nothing wider than the phone: the tables scroll inside their own box.
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    )
    expect(overflow).toBeLessThanOrEqual(0)
    expect(await accessibilityProblems(page)).toEqual([])
    await page.screenshot({ path: `${SHOTS}/board-zh.png`, fullPage: true })

    await page.goto(`${url}/ui/stations/HZ-XS-01/board?lang=en`)
    expect(await page.locator('[data-board-list="present"] h2').textContent()).toContain(
      'Trucks present',
    )
    expect(await page.locator('[data-board-list="present"]').textContent()).toContain('Booked')
    await page.screenshot({ path: `${SHOTS}/board-en.png`, fullPage: true })
    await page.context().close()
  })

  it('says on the scan page how a truck stands against its booking, in words', async () => {
    const pass = await issuePassNow(t, '沪A24680D', 72)
    const entry = await scan(t, { token: pass.token })
    const loopId = entry.json.loop.id
    await sendEvents(t, [
      deviceEvent(loopId, 'sampled', { tube_code: 'E2E-BOARD-2', tests: ['pcr'] }),
      deviceEvent(loopId, 'released', { destination_code: 'HZ-TS-XS' }),
    ])
    const page = await phone('zh')
    await page.goto(`${url}/ui/scan`)
    await page.locator('#checkpoint').selectOption('HZ-TS-XS')
    await page.locator('[data-typed-input]').fill(pass.number)
    await page.getByRole('button', { name: /^(核验|Check)$/ }).click()
    await expect
      .poll(() => page.locator('[data-result] [data-booking]').textContent())
      .toBe('未预约')
    // Not booked: received all the same.
    expect(await page.locator('[data-result] .headline').textContent()).toContain('通行证有效')
    await page.screenshot({ path: `${SHOTS}/scan-not-booked-zh.png`, fullPage: true })
    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await page.context().close()
  })

  it('shows coordinators each station’s load over today and 7 days, with a link to its board', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
    const page = await context.newPage()
    await signIn(page, url, 'coordinator', 'tongxing-coord')
    await page.goto(`${url}/ui/stations`)
    const load = page.locator('[data-station-load="HZ-XS-01"]')
    await load.locator('summary').click()
    expect(await load.locator('tbody tr').count()).toBe(8)
    expect(await load.locator('tbody tr').first().textContent()).toContain('今日')
    await page.screenshot({ path: `${SHOTS}/coordinator-stations-zh.png`, fullPage: true })
    await load.getByRole('link', { name: '打开看板' }).click()
    await page.waitForURL((u) => u.pathname === '/ui/stations/HZ-XS-01/board')
    expect(await page.locator('[data-board-hours] tbody tr').count()).toBe(24)
    await context.close()
  })
})
