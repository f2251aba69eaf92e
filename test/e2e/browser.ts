import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { serve, type ServerType } from '@hono/node-server'
import QRCode from 'qrcode'
import jsQR from 'jsqr'
import { PNG } from 'pngjs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { expect } from 'vitest'
import type { TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'

export const ARTIFACTS = 'test-artifacts'
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const require = createRequire(import.meta.url)

/** Serves the test app on a free loopback port. */
export async function startServer(t: TestApp): Promise<{ url: string; server: ServerType }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, server }),
    )
  })
}

/** Debian's Chromium, headless; with `camera`, its fake capture device plays that Y4M file. */
export function launch(camera?: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      ...(camera ? [`--use-file-for-fake-video-capture=${camera}`] : []),
    ],
  })
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(`${ARTIFACTS}/screenshots`, { recursive: true })
  await page.screenshot({ path: `${ARTIFACTS}/screenshots/${name}.png`, fullPage: true })
}

export async function signIn(page: Page, url: string, username: string, password: string) {
  await page.goto(`${url}/ui/login`)
  await page.getByLabel(/用户名|Username/).fill(username)
  await page.getByLabel(/密码|Password/).fill(password)
  await page.getByRole('button', { name: /登录|Sign in/ }).click()
  await page.waitForURL((u) => !u.pathname.startsWith('/ui/login'))
}

/** axe-core's serious and critical findings on the page (labels, contrast, roles, …). */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, not added as an inline <script>: the pages' content
  // policy (rightly) refuses inline scripts.
  await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'))
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: {
          run: (o?: object) => Promise<{
            violations: { id: string; impact: string; nodes: { target: string[] }[] }[]
          }>
        }
      }
    ).axe.run()
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 3),
    }))
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.targets.join(', ')}`)
}

/** Reads the QR code in a PNG, as a phone would. */
export function decodeQr(png: Buffer): string | null {
  const image = PNG.sync.read(png)
  return jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data ?? null
}

/** A Y4M video (the format Chromium's fake camera plays) showing `text` as a QR code. */
export function qrVideo(text: string, path: string) {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' })
  const size = qr.modules.size
  const width = 640
  const height = 480
  const scale = Math.floor((height - 40) / (size + 8))
  const offsetX = Math.floor((width - size * scale) / 2)
  const offsetY = Math.floor((height - size * scale) / 2)
  const y = Buffer.alloc(width * height, 235)
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (!qr.modules.get(row, col)) continue
      for (let dy = 0; dy < scale; dy++)
        y.fill(
          16,
          (offsetY + row * scale + dy) * width + offsetX + col * scale,
          (offsetY + row * scale + dy) * width + offsetX + (col + 1) * scale,
        )
    }
  }
  const chroma = Buffer.alloc((width * height) / 4, 128)
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma, chroma])
  writeFileSync(
    path,
    Buffer.concat([
      Buffer.from(`YUV4MPEG2 W${width} H${height} F5:1 Ip A1:1 C420jpeg\n`),
      ...Array(5).fill(frame),
    ]),
  )
}

/**
 * A pass for `plate` valid from now for `hours` (from Pudong, high risk, unless `overrides` say
 * otherwise), applied for by the demo firm and approved by the coordinator (the browser tests run
 * on the real clock).
 */
export async function issuePassNow(
  t: TestApp,
  plate: string,
  hours: number,
  overrides: Record<string, unknown> = {},
) {
  const app = await t.call('POST', '/api/v1/applications', {
    as: 'enterprise',
    body: {
      plate,
      crew: [{ name: '王建国', id_number: residentId('19880808', '123'), phone: '13900002222' }],
      cargo_category: 'medical',
      origin_region_code: '310115',
      destination: { station_code: 'HZ-XS-01' },
      route: 'G60',
      valid_from: new Date().toISOString(),
      valid_until: new Date(Date.now() + hours * 3_600_000).toISOString(),
      ...overrides,
    },
  })
  expect(app.status, app.text).toBe(201)
  const pass = await t.call('POST', `/api/v1/applications/${app.json.id}/approve`, {
    as: 'coordinator',
  })
  expect(pass.status, pass.text).toBe(201)
  return pass.json as { number: string; token: string }
}
