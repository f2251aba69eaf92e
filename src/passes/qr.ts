import QRCode from 'qrcode'
import { ApiError } from '../http/errors.ts'
import { encodeMonochromePng, scanlineLength } from './monochrome-png.ts'

// Error-correction level M: the level the pass format is sized for (version 10 or lower).
const OPTIONS = { errorCorrectionLevel: 'M' as const, margin: 4 }

export function qrVersion(text: string): number {
  return QRCode.create(text, OPTIONS).version
}

/** Who an image is drawn for, when the caller does not say: they share one line. */
const UNNAMED_ACCOUNT = ''

/**
 * The QR code of `text` as SVG, drawn in `account`'s turn (see drawingTurns); throws 429
 * `too_many_requests` when that account already has too many images waiting.
 */
export function qrSvg(text: string, account = UNNAMED_ACCOUNT): Promise<string> {
  return remembered(`svg ${text}`, () =>
    qrDrawing.inTurn(account, () => QRCode.toString(text, { ...OPTIONS, type: 'svg' })),
  )
}

/**
 * The QR code of `text` as a PNG about `width` pixels square, on both runtimes, drawn in
 * `account`'s turn (429 as for qrSvg). The caller bounds `width` (QR_MAX_WIDTH): the work grows
 * with its square.
 */
export function qrPng(
  text: string,
  width = 512,
  account = UNNAMED_ACCOUNT,
): Promise<Uint8Array<ArrayBuffer>> {
  return remembered(`png ${width} ${text}`, () =>
    qrDrawing.inTurn(account, () => renderPng(text, width)),
  )
}

/** Headers for a QR image of a token: never cached by shared caches (it is a credential). */
export const QR_SVG_HEADERS = {
  'content-type': 'image/svg+xml; charset=utf-8',
  'cache-control': 'private, no-store',
}

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

/**
 * Turns at drawing QR images: `atOnce` drawn at a time (drawing is a few milliseconds of the main
 * thread each; one compresses on the thread pool while another is drawn), so a burst of images
 * waits here instead of putting dozens of drawings in the event loop's queue ahead of every scan.
 *
 * Waiting images are taken one per account in rotation, not first come first served: an account
 * asking for hundreds (every width is a new image) delays another account's single image by about
 * one drawing per account waiting, not by its whole queue. And an account with `waitingPerAccount`
 * images already waiting is refused at once with 429 and Retry-After, so no account parks an
 * unbounded pile of requests here; the bound is high enough for a client fetching a batch in
 * parallel (its own last image then waits about waitingPerAccount / atOnce drawings).
 */
export function drawingTurns(options: {
  atOnce: number
  waitingPerAccount: number
  retryAfterSeconds: number
}) {
  let drawing = 0
  // Each account's waiting images, oldest first. The map's order is the rotation: an account
  // served goes to the back if it has more waiting.
  const lines = new Map<string, (() => void)[]>()

  async function inTurn<T>(account: string, draw: () => Promise<T>): Promise<T> {
    if (drawing < options.atOnce) drawing++
    else await waitInLine(account)
    try {
      return await draw()
    } finally {
      passTurn()
    }
  }

  function waitInLine(account: string): Promise<void> {
    const line = lines.get(account) ?? []
    if (line.length >= options.waitingPerAccount)
      throw tooManyWaiting(options.waitingPerAccount, options.retryAfterSeconds)
    lines.set(account, line)
    return new Promise<void>((resolve) => line.push(resolve))
  }

  /** The finished drawing's slot goes straight to the next account in rotation, if any waits. */
  function passTurn() {
    const next = lines.entries().next()
    if (next.done) {
      drawing--
      return
    }
    const [account, line] = next.value
    lines.delete(account)
    const start = line.shift()!
    if (line.length > 0) lines.set(account, line)
    start()
  }

  /** Images waiting for a turn, for tests and metrics. */
  const waiting = () => [...lines.values()].reduce((sum, line) => sum + line.length, 0)

  return { inTurn, waiting }
}

const tooManyWaiting = (bound: number, retryAfterSeconds: number) =>
  new ApiError(
    429,
    'too_many_requests',
    `${bound} QR images of your account are already waiting to be drawn; ask again in ${retryAfterSeconds} s, or fewer at a time`,
    { retry_after_seconds: retryAfterSeconds },
    { 'retry-after': String(retryAfterSeconds) },
  )

/**
 * The turns every QR image of this process takes. 32 waiting per account: a client printing a
 * batch may keep that many in flight; a full line of 1024-pixel images (at most about 100 ms
 * each, two at a time) drains in under 2 s, hence the Retry-After.
 */
export const qrDrawing = drawingTurns({ atOnce: 2, waitingPerAccount: 32, retryAfterSeconds: 2 })

/**
 * Draws the modules straight into 1-bit scanlines, the way the qrcode package maps pixels to
 * modules (a fractional scale, the same quiet zone), but each distinct row once: its own PNG
 * writer fills an RGBA buffer pixel by pixel on the main thread, about 100 ms at 1024 px.
 */
async function renderPng(text: string, width: number): Promise<Uint8Array<ArrayBuffer>> {
  const { size, data } = await remembered(
    `modules ${text}`,
    async () => QRCode.create(text, OPTIONS).modules,
  )
  const modules = size + 2 * OPTIONS.margin
  const scale = width >= modules ? width / modules : 4
  const side = Math.floor(modules * scale)
  const margin = OPTIONS.margin * scale
  const moduleAt = (pixel: number) =>
    pixel >= margin && pixel < side - margin ? Math.floor((pixel - margin) / scale) : -1
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
