import { mkdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { launch, signIn, startServer, issuePassNow } from './browser.ts'

// Issue 17 on a phone (390×844), in Chromium against the real app with the trust bundle polled
// every 2 s: a revocation made on the server reaches the online page's kept status list within
// seconds, and its offline verdict says `revoked` and how old the list is; 73 hours on (the
// page's clock moved, the network still off) the data is stale: warned, never `release`; and a
// phone clock set back makes neither the data younger nor an expired pass valid.

const SHOTS = '/tmp/shots-17'
const HOUR = 3_600_000

let t: TestApp
let url: string
let server: ServerType
let browser: Browser

beforeAll(async () => {
  t = await buildTestApp({ realClock: true, config: { TRUST_REFRESH_SECONDS: '2' } })
  ;({ url, server } = await startServer(t))
  browser = await launch()
  mkdirSync(SHOTS, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  server?.close()
})

const issueNow = (plate: string, hours: number) => issuePassNow(t, plate, hours)

/** A checkpoint phone whose clock the test moves (Playwright's clock: Date and performance). */
async function phone(deviceTime?: Date): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: 'zh-CN',
    hasTouch: true,
    isMobile: true,
  })
  const page = await context.newPage()
  await page.clock.install(deviceTime ? { time: deviceTime } : {})
  await signIn(page, url, 'checkpoint', 'tongxing-check')
  await page.locator('#checkpoint').selectOption('HZ-G60-XS')
  return { context, page }
}

/** What the page keeps in IndexedDB: the bundle's ETag and this issuer's list version. */
function kept(page: Page) {
  return page.evaluate(
    async () =>
      await new Promise<{ etag: string | null; version: number | null } | null>((resolve) => {
        const request = indexedDB.open('keyval-store')
        request.onsuccess = () => {
          const get = request.result
            .transaction('keyval', 'readonly')
            .objectStore('keyval')
            .get('tx-trust')
          get.onsuccess = () =>
            resolve(
              get.result?.format === 2
                ? { etag: get.result.etag, version: get.result.issuers[0].list_version }
                : null,
            )
          get.onerror = () => resolve(null)
        }
        request.onerror = () => resolve(null)
      }),
  )
}

async function check(page: Page, text: string) {
  await page.locator('[data-result]').evaluate((node) => node.replaceChildren())
  await page.locator('[data-typed-input]').fill(text)
  await page.getByRole('button', { name: /^(核验|Check)$/ }).click()
  await page.locator('[data-result] [data-verdict]').waitFor()
}

const verdict = (page: Page) =>
  page.locator('[data-result] [data-verdict]').evaluate((node: HTMLElement) => ({
    verdict: node.dataset.verdict,
    tone: node.className,
    action: node.querySelector<HTMLElement>('[data-action]')?.dataset.action,
    reasons: node.querySelector<HTMLElement>('[data-reasons]')?.dataset.reasons ?? '',
    age: node.querySelector('[data-offline]')?.textContent ?? '',
    freshness: node.querySelector<HTMLElement>('[data-offline]')?.dataset.trustFreshness,
  }))

describe('trust data on the scan page', () => {
  it('learns a revocation within seconds, says how old its list is offline, and turns stale after 73 h', async () => {
    const revoked = await issueNow('浙C20001', 240)
    const valid = await issueNow('浙C20002', 240)
    const shortLived = await issueNow('浙C20003', 2)
    const { context, page } = await phone()
    await expect.poll(() => kept(page)).not.toBeNull()
    const before = (await kept(page))!
    // Online, the age of the data is shown small under the network state.
    await expect
      .poll(() => page.locator('[data-trust-status]').textContent())
      .toMatch(/^吊销名单 (刚刚|\d+ 分钟前)更新$/)
    await page.screenshot({ path: `${SHOTS}/01-online.png` })

    const revoke = await t.call('POST', `/api/v1/passes/${revoked.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '企业申请撤销' },
    })
    expect(revoke.status).toBe(200)
    // The page polls every 2 s: its kept list changes well within 10 s, no blind sleep.
    await expect
      .poll(async () => (await kept(page))?.etag, { timeout: 10_000, interval: 250 })
      .not.toBe(before.etag)
    expect((await kept(page))!.version).toBeGreaterThan(before.version ?? 0)

    await context.setOffline(true)
    await expect
      .poll(() => page.locator('[data-network]').getAttribute('data-state'))
      .toBe('offline')
    await check(page, revoked.token)
    expect(await verdict(page)).toMatchObject({
      verdict: 'invalid',
      action: 'control_on_site',
      reasons: 'revoked',
      freshness: 'fresh',
    })
    expect((await verdict(page)).age).toMatch(/^吊销名单 (刚刚|1 分钟前)更新$/)
    await page.screenshot({ path: `${SHOTS}/02-offline-revoked.png`, fullPage: true })

    // The typed number is decided by the same bit.
    await check(page, revoked.number)
    expect(await verdict(page)).toMatchObject({ verdict: 'invalid', reasons: 'revoked' })

    // 73 hours on, still offline: past TRUST_MAX_AGE.
    await page.clock.fastForward(73 * HOUR)
    await check(page, valid.token)
    const stale = await verdict(page)
    expect(stale).toMatchObject({
      verdict: 'valid',
      action: 'sample_then_release',
      reasons: 'trust_data_stale',
      freshness: 'stale',
    })
    expect(stale.tone).toContain('warn')
    // No certificate spares the sample on stale data: only sampling is offered.
    expect(await page.locator('[data-next-steps]').getAttribute('data-steps')).toBe('sampled')
    expect(stale.age).toBe('⚠ 吊销名单 3 天前更新')
    expect(await page.locator('[data-trust-status]').textContent()).toBe('⚠ 吊销名单 3 天前更新')
    await page.screenshot({ path: `${SHOTS}/03-offline-stale.png`, fullPage: true })
    // The revocation learnt still holds.
    await check(page, revoked.token)
    expect(await verdict(page)).toMatchObject({
      verdict: 'invalid',
      reasons: 'revoked trust_data_stale',
    })

    // The phone's clock set back to the real time: the short pass ended 71 h ago by the page's
    // trusted time; the data stays 3 days old.
    await page.clock.setSystemTime(new Date())
    await check(page, shortLived.token)
    const setBack = await verdict(page)
    expect(setBack).toMatchObject({ verdict: 'invalid', freshness: 'stale' })
    expect(setBack.reasons.split(' ')).toEqual(['expired', 'trust_data_stale'])
    expect(setBack.age).toBe('⚠ 吊销名单 3 天前更新')
    await page.screenshot({ path: `${SHOTS}/04-clock-set-back.png`, fullPage: true })

    await context.close()
  })

  it('warns past a day without an update; a phone set a year ahead dates its queued scan by the server', async () => {
    const pass = await issueNow('浙C20004', 240)
    // The phone's own clock is a year ahead when the page loads: only its elapsed time counts.
    const { context, page } = await phone(new Date(Date.now() + 365 * 24 * HOUR))
    await expect.poll(() => kept(page)).not.toBeNull()
    await context.setOffline(true)
    await expect
      .poll(() => page.locator('[data-network]').getAttribute('data-state'))
      .toBe('offline')
    await page.clock.fastForward(25 * HOUR)
    await check(page, pass.token)
    const old = await verdict(page)
    expect(old).toMatchObject({
      verdict: 'valid',
      action: 'sample_then_release',
      reasons: 'trust_data_old',
      freshness: 'old',
    })
    expect(old.age).toBe('⚠ 吊销名单 25 小时前更新')
    expect(old.tone).toContain('valid')
    expect(await page.locator('[data-next-steps]').getAttribute('data-steps')).toBe(
      'certificate_checked sampled',
    )
    await page.screenshot({ path: `${SHOTS}/05-offline-old.png`, fullPage: true })
    const queued = await page.evaluate(
      async () =>
        await new Promise<string | undefined>((resolve) => {
          const request = indexedDB.open('keyval-store')
          request.onsuccess = () => {
            const get = request.result
              .transaction('keyval', 'readonly')
              .objectStore('keyval')
              .get('tx-queue')
            // A queued scan is kept as the request it will be sent as.
            get.onsuccess = () =>
              resolve(JSON.parse(get.result?.[0]?.request?.body ?? '{}').scanned_at)
          }
        }),
    )
    // 25 h after the sync by the trusted clock, not a year ahead.
    const at = Date.parse(queued ?? '')
    expect(at - Date.now()).toBeGreaterThan(24 * HOUR)
    expect(at - Date.now()).toBeLessThan(26 * HOUR)
    await context.close()
  })
})
