import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import QRCode from 'qrcode'
import jsQR from 'jsqr'
import { PNG } from 'pngjs'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})
afterEach(() => {
  vi.restoreAllMocks()
})

async function getPng(app: TestApp, number: string, query = '') {
  const res = await app.app.request(`/api/v1/passes/${number}/qr.png${query}`, {
    headers: { authorization: `Bearer ${await app.tokenFor('enterprise')}` },
  })
  return {
    status: res.status,
    bytes: new Uint8Array(await res.arrayBuffer()),
    type: res.headers.get('content-type'),
  }
}

function readQr(bytes: Uint8Array) {
  const image = PNG.sync.read(Buffer.from(bytes))
  return {
    width: image.width,
    height: image.height,
    text: jsQR(new Uint8ClampedArray(image.data), image.width, image.height)?.data,
  }
}

describe('pass QR images', () => {
  it('draws a PNG `width` pixels square that reads back as the pass token', async () => {
    const pass = await issuePass(t, { plate: '浙A70001' })
    for (const [query, side] of [
      ['', 512],
      ['?width=128', 128],
      ['?width=777', 777],
      ['?width=1024', 1024],
    ] as const) {
      const png = await getPng(t, pass.number, query)
      expect(png.status).toBe(200)
      expect(png.type).toBe('image/png')
      expect(readQr(png.bytes)).toEqual({ width: side, height: side, text: pass.token })
    }
  })

  it('refuses a width above QR_MAX_WIDTH (default 1024) with 400 naming the field', async () => {
    const pass = await issuePass(t, { plate: '浙A70002' })
    for (const width of [1025, 2048, 100_000]) {
      const png = await getPng(t, pass.number, `?width=${width}`)
      expect(png.status).toBe(400)
      const body = JSON.parse(new TextDecoder().decode(png.bytes))
      expect(body.error.code).toBe('invalid_input')
      expect(body.error.details[0].field).toBe('width')
    }
  })

  it('takes its limit from QR_MAX_WIDTH', async () => {
    const small = await buildTestApp({ config: { QR_MAX_WIDTH: '300' } })
    const pass = await issuePass(small, { plate: '浙A70003' })
    expect((await getPng(small, pass.number, '?width=301')).status).toBe(400)
    expect(readQr((await getPng(small, pass.number, '?width=300')).bytes).width).toBe(300)
    // The default (512) is lowered to the limit rather than refused.
    expect(readQr((await getPng(small, pass.number)).bytes).width).toBe(300)
  })

  it('draws one pass’s image once, however many ask for it at the same time or again', async () => {
    const pass = await issuePass(t, { plate: '浙A70004' })
    const create = vi.spyOn(QRCode, 'create')
    const first = await Promise.all(
      Array.from({ length: 8 }, () => getPng(t, pass.number, '?width=1000')),
    )
    const again = await getPng(t, pass.number, '?width=1000')
    expect(create).toHaveBeenCalledTimes(1)
    for (const png of [...first, again]) expect(png.bytes).toEqual(first[0].bytes)
    // Another size is another image, drawn from the same modules.
    const other = await getPng(t, pass.number, '?width=640')
    expect(readQr(other.bytes)).toMatchObject({ width: 640, text: pass.token })
    expect(create).toHaveBeenCalledTimes(1)
  })
})
