// Shared by the page scripts (bundled for the browser by scripts/build-ui.ts).

export interface I18n {
  lang: 'zh' | 'en'
  t: Record<string, string>
  words: Record<string, string>
}

export const i18n: I18n = JSON.parse(
  document.getElementById('tx-i18n')?.textContent ?? '{"lang":"zh","t":{},"words":{}}',
)
export const word = (code: string) => i18n.words[code] ?? code.replaceAll('_', ' ')

export interface ApiAnswer {
  ok: boolean
  status: number
  json: any
}

// The server's clock, learnt from the `Date` header of its answers, so that a phone whose clock
// is wrong still records (and judges passes by) true times. Kept on the device for offline use.
const CLOCK_KEY = 'tx-clock-offset'
let clockOffset = readClockOffset()

function readClockOffset(): number {
  try {
    return Number(localStorage.getItem(CLOCK_KEY)) || 0
  } catch {
    return 0
  }
}

let lastNow = 0
let trustedClock: () => number | null = () => null

/**
 * The scan page's trust clock (client/scan-trust.ts: the server's time at the last sync plus the
 * device's monotonic elapsed time, never going back), used by `serverNow` once it has synced.
 */
export function useTrustedClock(read: () => number | null) {
  trustedClock = read
}

/**
 * Now, by the server's clock as last seen (the phone's own clock when it never was). Never goes
 * backwards within the page, so records made one after another keep their order.
 */
export function serverNow(): Date {
  lastNow = Math.max(trustedClock() ?? Date.now() + clockOffset, lastNow + 1)
  return new Date(lastNow)
}

let keepingClock = true
/** After a wipe (client/device.ts) nothing is written to the phone's storage any more. */
export function stopKeepingClock() {
  keepingClock = false
}

function learnClock(res: Response, sentAt: number) {
  if (!keepingClock) return
  const stamped = Date.parse(res.headers.get('date') ?? '')
  if (Number.isNaN(stamped)) return
  // The header is in whole seconds, stamped between sending and receiving: a second of doubt,
  // so only a phone clock more than 30 s off is corrected.
  const offset = stamped + 500 - (sentAt + Date.now()) / 2
  const next = Math.abs(offset) < 30_000 ? 0 : Math.round(offset)
  // Each reading is only good to a second or so: keep the offset unless it moved by more, or a
  // record made just after another could be dated before it (the loop orders events by time).
  if (Math.abs(next - clockOffset) < 5_000) return
  clockOffset = next
  try {
    localStorage.setItem(CLOCK_KEY, String(clockOffset))
  } catch {
    // Private mode: the offset lasts as long as the page.
  }
}

/** Calls the JSON API with the session cookie; writes carry the header that proves same-site. */
export function api(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  return apiText(method, path, body === undefined ? undefined : JSON.stringify(body))
}

/**
 * The same with the body already as text, and more headers: the scan page's device signs that
 * very text (client/device.ts), so it is sent byte for byte as signed.
 */
export async function apiText(
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string> = {},
): Promise<ApiAnswer> {
  const sentAt = Date.now()
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      'x-tongxing-csrf': '1',
      // The API's messages (form errors per field) in the page's language.
      'accept-language': i18n.lang === 'en' ? 'en' : 'zh-CN',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body,
  })
  learnClock(res, sentAt)
  let json: any = null
  try {
    json = await res.json()
  } catch {
    json = null
  }
  return { ok: res.ok, status: res.status, json }
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, string> = {},
  ...children: (Node | string)[]
) {
  const node = document.createElement(tag)
  for (const [k, v] of Object.entries(props)) node.setAttribute(k, v)
  node.append(...children)
  return node
}
