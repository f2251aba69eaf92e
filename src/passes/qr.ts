import QRCode from 'qrcode'
import { encodeMonochromePng, scanlineLength } from './monochrome-png.ts'

// Error-correction level M: the level the pass format is sized for (version 10 or lower).
const OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 4 }

export function qrVersion(text: string): number {
  return QRCode.create(text, OPTIONS).version
}

export function qrSvg(text: string): Promise<string> {
  return remembered(`svg ${text}`, () => inTurn(() => QRCode.toString(text, { ...OPTIONS, type: 'svg' })))
}

/**
 * The QR code of `text` as a PNG about `width` pixels square, on both runtimes. The caller bounds
 * `width` (QR_MAX_WIDTH): the work grows with its square.
 */
export function qrPng(text: string, width = 512): Promise<Uint8Array<ArrayBuffer>> {
  return remembered(`png ${width} ${text}`, () => inTurn(() => renderPng(text, width)))
}

/** Headers for a QR image of a token: never cached by shared caches (it is a credential). */
export const QR_SVG_HEADERS = { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'private, no-store' }

// Rendered images (and the module matrices they are drawn from), newest use last. A token never
// changes, so neither does its image: a client asking again for the same pass (a page reloaded, a
// batch printed twice) costs a lookup, and another size of it skips encoding the QR code. The
// promise is kept, so parallel requests for one image render it once. Bounded: 128 entries of a
// few KB each.
const REMEMBERED_ENTRIES = 128
const rendered = new Map<string, Promise<unknown>>()

function remembered<T>(key: string, render: () => Promise<T>): Promise<T> {
  const hit = rendered.get(key) as Promise<T> | undefined
  if (hit) {
    rendered.delete(key)
    rendered.set(key, hit)
    return hit
  }
  const entry = render()
  rendered.set(key, entry)
  entry.catch(() => rendered.get(key) === entry && rendered.delete(key))
  if (rendered.size > REMEMBERED_ENTRIES) rendered.delete(rendered.keys().next().value!)
  return entry
}

// Two images drawn at a time (one compresses on the thread pool while the other is drawn).
// Drawing is a few milliseconds of the main thread; a client asking for dozens at once then waits
// behind its own requests here, instead of putting dozens of drawings in the event loop's queue
// ahead of every scan.
const DRAWING_AT_ONCE = 2
let drawing = 0
const waiting: (() => void)[] = []

async function inTurn<T>(draw: () => Promise<T>): Promise<T> {
  if (drawing >= DRAWING_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve))
  else drawing++
  try {
    return await draw()
  } finally {
    // The slot passes straight to the next in line, if any.
    const next = waiting.shift()
    if (next) next()
    else drawing--
  }
}

/**
 * Draws the modules straight into 1-bit scanlines, the way the qrcode package maps pixels to
 * modules (a fractional scale, the same quiet zone), but each distinct row once: its own PNG
 * writer fills an RGBA buffer pixel by pixel on the main thread, about 100 ms at 1024 px.
 */
async function renderPng(text: string, width: number): Promise<Uint8Array<ArrayBuffer>> {
  const { size, data } = await remembered(`modules ${text}`, async () => QRCode.create(text, OPTIONS).modules)
  const modules = size + 2 * OPTIONS.margin
  const scale = width >= modules ? width / modules : 4
  const side = Math.floor(modules * scale)
  const margin = OPTIONS.margin * scale
  const moduleAt = (pixel: number) => (pixel >= margin && pixel < side - margin ? Math.floor((pixel - margin) / scale) : -1)
  const columns = Int32Array.from({ length: side }, (_, x) => moduleAt(x))
  const rowBytes = scanlineLength(side)
  const scanlines = new Uint8Array(rowBytes * side)
  let previous = -2
  for (let y = 0; y < side; y++) {
    const row = moduleAt(y)
    const at = y * rowBytes
    if (row === previous) {
      // PNG filter 2 ("up"): the same pixels as the row above, stored as zeros that cost deflate nothing.
      scanlines[at] = 2
      continue
    }
    previous = row
    for (let x = 0; x < side; x++) {
      const dark = row >= 0 && columns[x] >= 0 && data[row * size + columns[x]] !== 0
      if (!dark) scanlines[at + 1 + (x >> 3)] |= 0x80 >> (x & 7)
    }
  }
  return encodeMonochromePng(side, side, scanlines)
}
