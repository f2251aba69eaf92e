import { mkdirSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { enrollmentQrText } from '../../src/devices/device-token.ts'
import {
  ARTIFACTS,
  decodeQr,
  launch,
  qrVideo,
  signIn,
  startServer,
  issuePassNow,
} from './browser.ts'

// Issue 18 in Chromium against the real app. A coordinator enrols a device; the phone (390×844)
// reads the enrolment QR with its fake camera, makes its key pair and registers; it scans a pass
// online (the scan names the device), goes offline and scans another (queued, signed then); the
// coordinator revokes the device; back online the phone hands its queue over — the server keeps
// that scan, flagged for review — and wipes itself: sign-in, queue, keys, trust data, storage.
// Then the coordinator's devices page: a QR made there, and devices pending, active and revoked.

const SHOTS = '/tmp/shots-18'
const CHECKPOINTS = ['HZ-G60-XS', 'HZ-TS-XS']

let t: TestApp
let url: string
let server: ServerType

beforeAll(async () => {
  t = await buildTestApp({ realClock: true })
  ;({ url, server } = await startServer(t))
  mkdirSync(SHOTS, { recursive: true })
})

afterAll(() => {
  server?.close()
})

const issueNow = (plate: string, hours: number) => issuePassNow(t, plate, hours)

async function enrolment(label: string, checkpoints = CHECKPOINTS) {
  const res = await t.call('POST', '/api/v1/devices/enrollments', {
    as: 'coordinator',
    body: { checkpoint_codes: checkpoints, label },
  })
  expect(res.status, res.text).toBe(201)
  return res.json as { device_id: string; code: string; expires_at: string; qr_svg: string }
}

/** Everything the page keeps in IndexedDB (the keyval store): its keys. */
const storedKeys = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<string[]>((resolve) => {
        const request = indexedDB.open('keyval-store')
        request.onsuccess = () => {
          const db = request.result
          if (!db.objectStoreNames.contains('keyval')) return resolve([])
          const keys = db.transaction('keyval', 'readonly').objectStore('keyval').getAllKeys()
          keys.onsuccess = () => resolve(keys.result.map(String))
          keys.onerror = () => resolve(['(unreadable)'])
        }
        request.onerror = () => resolve(['(unreadable)'])
      }),
  )

/** The upload queue as kept on the phone. */
const storedQueue = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<any[]>((resolve) => {
        const request = indexedDB.open('keyval-store')
        request.onsuccess = () => {
          const get = request.result
            .transaction('keyval', 'readonly')
            .objectStore('keyval')
            .get('tx-queue')
          get.onsuccess = () => resolve(get.result ?? [])
        }
      }),
  )

async function check(page: Page, text: string) {
  await page.locator('[data-result]').evaluate((node) => node.replaceChildren())
  await page.locator('[data-typed-input]').fill(text)
  await page.getByRole('button', { name: /^(核验|Check)$/ }).click()
  await page.locator('[data-result] [data-verdict]').waitFor()
}

describe('a scanner device', () => {
  it('enrols by its camera, signs its uploads, and wipes itself when revoked, handing over what it signed before', async () => {
    const online = await issueNow('浙D18001', 48)
    const offline = await issueNow('浙D18002', 48)
    const enrolled = await enrolment('萧山卡口 1 号机')
    mkdirSync(ARTIFACTS, { recursive: true })
    const video = `${ARTIFACTS}/enrolment-qr.y4m`
    qrVideo(enrollmentQrText(enrolled.code), video)
    const browser: Browser = await launch(video)
    try {
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        locale: 'zh-CN',
        hasTouch: true,
        isMobile: true,
      })
      await context.grantPermissions(['camera'], { origin: url })
      const page = await context.newPage()
      await signIn(page, url, 'checkpoint', 'tongxing-check')
      expect(new URL(page.url()).pathname).toBe('/ui/scan')
      // Not enrolled: the page offers it; every checkpoint of the account is offered.
      await page.getByRole('heading', { name: '登记本机' }).waitFor()
      expect(await page.locator('#checkpoint option').count()).toBe(3)
      await page.screenshot({ path: `${SHOTS}/01-phone-not-enrolled.png`, fullPage: true })

      // The camera reads the enrolment QR: an enrolment code, never a pass.
      await page.getByRole('button', { name: '打开摄像头' }).click()
      await page.locator('[data-enrolled]').waitFor({ timeout: 30_000 })
      expect(await page.locator('[data-result] [data-verdict]').count()).toBe(0)
      expect(await page.locator('[data-device]').textContent()).toBe('本机已登记：萧山卡口 1 号机')
      expect(await page.locator('[data-enrol]').isHidden()).toBe(true)
      expect(await page.locator('[data-device-mismatch]').isHidden()).toBe(true)
      // Only the device's checkpoints are offered now.
      expect(
        await page
          .locator('#checkpoint option')
          .evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value)),
      ).toEqual(CHECKPOINTS)
      const device = t.sqlite
        .prepare('SELECT enrolled_at, public_key_jwk FROM devices WHERE id = ?')
        .get(enrolled.device_id) as {
        enrolled_at: string | null
        public_key_jwk: string
      }
      expect(device.enrolled_at).not.toBeNull()
      expect(JSON.parse(device.public_key_jwk)).toMatchObject({ kty: 'EC', crv: 'P-256' })
      expect(JSON.parse(device.public_key_jwk).d).toBeUndefined()
      // The private key stays in the browser, and cannot be exported even there.
      const keyState = await page.evaluate(
        () =>
          new Promise<{ extractable: boolean; type: string; exported: string }>((resolve) => {
            const request = indexedDB.open('keyval-store')
            request.onsuccess = () => {
              const get = request.result
                .transaction('keyval', 'readonly')
                .objectStore('keyval')
                .get('tx-device-keys')
              get.onsuccess = async () => {
                const key = (get.result as CryptoKeyPair).privateKey
                const exported = await crypto.subtle
                  .exportKey('jwk', key)
                  .then(() => 'exported')
                  .catch((e: Error) => e.name)
                resolve({ extractable: key.extractable, type: key.type, exported })
              }
            }
          }),
      )
      expect(keyState).toEqual({
        extractable: false,
        type: 'private',
        exported: 'InvalidAccessError',
      })
      await page.screenshot({ path: `${SHOTS}/02-phone-enrolled.png`, fullPage: true })

      // Online: the scan is signed and recorded with the device.
      await page.locator('#checkpoint').selectOption('HZ-G60-XS')
      await check(page, online.token)
      expect(await page.locator('[data-result] [data-verdict]').getAttribute('data-verdict')).toBe(
        'valid',
      )
      const first = t.sqlite
        .prepare('SELECT device_id, device_review FROM scans WHERE pass_number = ?')
        .get(online.number) as { device_id: string; device_review: string | null }
      expect(first).toEqual({ device_id: enrolled.device_id, device_review: null })
      await page.screenshot({ path: `${SHOTS}/03-phone-scan-online.png`, fullPage: true })

      // Offline: verified on the phone, queued as a signed request.
      await expect
        .poll(() => page.locator('[data-trust-status]').getAttribute('data-freshness'))
        .toBe('fresh')
      await context.setOffline(true)
      await expect
        .poll(() => page.locator('[data-network]').getAttribute('data-state'))
        .toBe('offline')
      await check(page, offline.token)
      await expect.poll(() => page.locator('[data-queue-count]').textContent()).toBe('1')
      const [queued] = await storedQueue(page)
      expect(queued.type).toBe('scan')
      expect(queued.request.path).toBe('/api/v1/scans')
      expect(Object.keys(queued.request.headers).sort()).toEqual([
        'x-tongxing-device',
        'x-tongxing-device-signature',
        'x-tongxing-device-time',
      ])
      await page.screenshot({ path: `${SHOTS}/04-phone-offline-queued.png`, fullPage: true })

      const revoke = await t.call('POST', `/api/v1/devices/${enrolled.device_id}/revoke`, {
        as: 'coordinator',
        body: { reason: '手机遗失' },
      })
      expect(revoke.status, revoke.text).toBe(200)

      // Back online: the queued scan goes up as it was signed, then the phone wipes itself.
      await context.setOffline(false)
      await page.locator('[data-wiped]').waitFor({ timeout: 30_000 })
      expect(await page.locator('[data-wiped] h1').textContent()).toBe('本机已被停用')
      expect(await page.locator('[data-wiped]').textContent()).toContain(
        '本机已被停用并已清除：登录信息、待上传记录、密钥和核验数据均已删除。如有疑问请联系专班。',
      )
      expect(
        await page.locator('[data-kept-for-review]').getAttribute('data-kept-for-review'),
      ).toBe('1')
      await page.screenshot({ path: `${SHOTS}/05-phone-wiped.png`, fullPage: true })
      const second = t.sqlite
        .prepare('SELECT device_id, device_review FROM scans WHERE pass_number = ?')
        .get(offline.number) as { device_id: string; device_review: string | null }
      expect(second).toEqual({
        device_id: enrolled.device_id,
        device_review: 'signed_before_revocation',
      })
      // Nothing is left on the phone.
      expect(await storedKeys(page)).toEqual([])
      expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0)
      expect(await page.evaluate(async () => (await caches.keys()).length)).toBe(0)
      // The sign-in is gone: the scan page sends to sign-in.
      await page.goto(`${url}/ui/scan`)
      expect(new URL(page.url()).pathname).toBe('/ui/login')
      await context.close()
    } finally {
      await browser.close()
    }
  })

  it('shows the coordinator an enrolment QR, its code and countdown, and every device with its state', async () => {
    // One pending, one active (registered from here, with a key made like the page's).
    await enrolment('待登记的备用机', ['HZ-TS-XS'])
    const active = await enrolment('中转站 2 号机', ['HZ-TS-XS'])
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const registered = await t.call('POST', '/api/v1/devices', {
      as: null,
      body: {
        code: active.code,
        public_key_jwk: await crypto.subtle.exportKey('jwk', pair.publicKey),
      },
    })
    expect(registered.status, registered.text).toBe(201)

    const browser = await launch()
    try {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        locale: 'zh-CN',
      })
      const page = await context.newPage()
      await signIn(page, url, 'coordinator', 'tongxing-coord')
      await page.getByRole('link', { name: '设备' }).click()
      expect(new URL(page.url()).pathname).toBe('/ui/devices')
      const status = (label: string) =>
        page
          .locator('tr', { has: page.getByText(label, { exact: true }) })
          .locator('[data-device-status]')
          .textContent()
      expect(await status('萧山卡口 1 号机')).toBe('已停用')
      expect(await status('中转站 2 号机')).toBe('使用中')
      expect(await status('待登记的备用机')).toBe('等待手机登记')
      // The revoked phone: its two scans (the arrivals they recorded are part of them), the one
      // signed before the revocation waiting for review.
      const revokedRow = page.locator('tr', {
        has: page.getByText('萧山卡口 1 号机', { exact: true }),
      })
      expect(await revokedRow.locator('[data-uploads]').textContent()).toBe('2')
      expect(await revokedRow.locator('[data-review]').textContent()).toBe('1')

      // Enrol from the page: no checkpoint ticked is refused beside the boxes.
      await page.getByLabel('设备名称').fill('空港 3 号机')
      await page.getByRole('button', { name: '生成登记二维码' }).click()
      await page.locator('[data-enrol-form] .field-error').waitFor()
      await page.getByRole('checkbox', { name: /萧山空港中转站卡口/ }).check()
      await page.getByRole('button', { name: '生成登记二维码' }).click()
      const block = page.locator('[data-answer-block="enrolment"]')
      await block.waitFor({ state: 'visible' })
      const code = (await block.locator('[data-answer="code"]').textContent())!
      expect(code).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/)
      await expect
        .poll(() => block.locator('[data-answer-countdown]').textContent())
        .toMatch(/^还剩 (10 分 0|9 分 [0-5]\d) 秒$/)
      // The QR shown is the one a phone reads: the enrolment of this very code.
      const qr = await block.locator('img[data-answer-image]').screenshot()
      expect(decodeQr(qr)).toBe(enrollmentQrText(code))
      await page.screenshot({ path: `${SHOTS}/06-coordinator-devices.png`, fullPage: true })

      // The revoked phone's records: the scan kept for review is marked so.
      // The list again (as its "done" link does): the new enrolment is listed as pending.
      await page.goto(`${url}/ui/devices`)
      expect(await status('空港 3 号机')).toBe('等待手机登记')
      await revokedRow.getByRole('link', { name: '记录' }).click()
      await page.waitForURL(/\/ui\/devices\/.+/)
      const scans = page.locator('tr', { has: page.locator('[data-kind="scan"]') })
      await expect.poll(() => scans.count()).toBe(2)
      expect(await scans.filter({ has: page.locator('[data-device-review]') }).count()).toBe(1)
      expect(
        await scans.locator('[data-device-review]').first().getAttribute('data-device-review'),
      ).toBe('signed_before_revocation')
      await page.screenshot({ path: `${SHOTS}/07-coordinator-device-activity.png`, fullPage: true })

      // Cancelling the pending enrolment: reason, confirmation, and its state changes.
      await page.goto(`${url}/ui/devices`)
      const pendingRow = page.locator('tr', {
        has: page.getByText('待登记的备用机', { exact: true }),
      })
      await pendingRow.getByText('取消登记').first().click()
      await pendingRow.getByLabel('取消原因').fill('不再需要')
      await pendingRow.getByRole('button', { name: '取消登记' }).click()
      await page.getByRole('dialog').getByRole('button', { name: '确定' }).click()
      await page.waitForLoadState('load')
      await expect.poll(() => status('待登记的备用机')).toBe('已停用')
      await context.close()
    } finally {
      await browser.close()
    }
  })
})
