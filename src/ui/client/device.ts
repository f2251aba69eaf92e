import { clear, get, set } from 'idb-keyval'
import { api, apiText, serverNow, stopKeepingClock, type ApiAnswer } from './common.ts'
import {
  DEVICE_HEADER,
  DEVICE_SIGNATURE_HEADER,
  DEVICE_TIME_HEADER,
  base64UrlEncode,
  deviceSigningInput,
  sha256Hex,
} from '../../devices/device-signature.ts'
import { normaliseEnrollmentCode } from '../../devices/device-token.ts'

// The scan page as an enrolled device (issue 18). Enrolment makes a key pair whose private half
// can never leave the browser (non-extractable; IndexedDB keeps the CryptoKey objects themselves),
// registers the public half with the one-time code, and keeps the device's token. Every write the
// page makes is then signed (devices/device-signature.ts, shared with the server); reads carry
// the token only. A `device_revoked` answer anywhere calls the page's wipe (client/device-wipe.ts).

export interface DeviceRecord {
  device_id: string
  token: string
  label: string
  checkpoint_codes: string[]
}

/** A request as it will be sent: kept in the upload queue exactly so, signature included. */
export interface PreparedRequest {
  method: string
  path: string
  body: string | undefined
  headers: Record<string, string>
}

const DEVICE_KEY = 'tx-device'
const KEYS_KEY = 'tx-device-keys'
const ENROL_PREFIX = 'tongxing-enrol:'

let device: DeviceRecord | null = null
let keys: CryptoKeyPair | null = null
let keptForReview = 0
let revokedListener: (() => void) | null = null
let retired = false

/** The page has wiped itself: nothing may be stored again (a poll still under way, a timer). */
export const deviceRetired = () => retired

/** Reads the device kept on this phone (null: not enrolled, or the store cannot be read). */
export async function loadDevice(): Promise<DeviceRecord | null> {
  const [record, pair] = await Promise.all([
    get<DeviceRecord>(DEVICE_KEY).catch(() => undefined),
    get<CryptoKeyPair>(KEYS_KEY).catch(() => undefined),
  ])
  device = record && pair ? record : null
  keys = device ? pair! : null
  return device
}

export const currentDevice = () => device

/** What the camera read is an enrolment code (never a pass): `tongxing-enrol:XXXX-XXXX-XXXX`. */
export const isEnrolmentText = (text: string) => text.toLowerCase().startsWith(ENROL_PREFIX)

/**
 * Enrols this phone with a code (typed, or read from the QR): a fresh key pair, the public key
 * registered with the code, the device kept. Answers the server's refusal as it came.
 */
export async function enrol(
  text: string,
): Promise<{ device: DeviceRecord } | { invalidCode: true } | { refused: ApiAnswer }> {
  const code = normaliseEnrollmentCode(text)
  if (!code) return { invalidCode: true }
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey)
  const answer = await api('POST', '/api/v1/devices', {
    code,
    public_key_jwk: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
  })
  if (!answer.ok) return { refused: answer }
  const record: DeviceRecord = {
    device_id: answer.json.device_id,
    token: answer.json.token,
    label: answer.json.label,
    checkpoint_codes: answer.json.checkpoint_codes,
  }
  await set(KEYS_KEY, pair)
  await set(DEVICE_KEY, record)
  device = record
  keys = pair
  return { device: record }
}

/** The headers of a read: the token only, when enrolled. */
export function readHeaders(): Record<string, string> {
  return device ? { [DEVICE_HEADER]: device.token } : {}
}

/**
 * A request made ready to send: a write is signed over its method, path, time and body hash, at
 * `time` (the server's clock as the page knows it; a queued upload passes the time it was made).
 */
export async function prepare(
  method: string,
  path: string,
  body?: unknown,
  time?: number,
): Promise<PreparedRequest> {
  const text = body === undefined ? undefined : JSON.stringify(body)
  if (!device || !keys) return { method, path, body: text, headers: {} }
  if (method === 'GET') return { method, path, body: text, headers: readHeaders() }
  const at = time ?? serverNow().getTime()
  const input = deviceSigningInput(method, path, at, await sha256Hex(text ?? ''))
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    keys.privateKey,
    new TextEncoder().encode(input),
  )
  return {
    method,
    path,
    body: text,
    headers: {
      [DEVICE_HEADER]: device.token,
      [DEVICE_TIME_HEADER]: String(at),
      [DEVICE_SIGNATURE_HEADER]: base64UrlEncode(new Uint8Array(signature)),
    },
  }
}

/** Sends a prepared request as it is; a `device_revoked` answer starts the wipe. */
export async function sendPrepared(request: PreparedRequest): Promise<ApiAnswer> {
  const answer = await apiText(request.method, request.path, request.body, request.headers)
  noticeAnswer(answer.status, answer.json)
  return answer
}

/** The API as the scan page calls it: signed writes, reads with the token. */
export async function deviceApi(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
  return sendPrepared(await prepare(method, path, body))
}

export const isRevokedAnswer = (status: number, json: any) =>
  status === 403 && json?.error?.code === 'device_revoked'

/**
 * Looks at every answer the page gets (also the trust bundle's): the device is revoked. Uploads
 * the server kept for review (signed before the revocation) are counted for the wipe message.
 */
export function noticeAnswer(status: number, json: any) {
  if (!isRevokedAnswer(status, json)) return
  if (json?.error?.details?.kept_for_review === true) keptForReview += 1
  revokedListener?.()
}

/** Called (once per answer) when the server says this device is revoked. */
export function onRevoked(listener: () => void) {
  revokedListener = listener
}

/** How many uploads the server kept for review since the page loaded. */
export const keptForReviewCount = () => keptForReview

/**
 * Forgets everything this phone kept: the sign-in (signed out on the server too), the upload
 * queue, the device's keys and token, the trust data and every other IndexedDB entry, local and
 * session storage, the offline copy of the page (service worker and its cache).
 */
export async function wipeDevice() {
  retired = true
  stopKeepingClock()
  device = null
  keys = null
  await fetch('/ui/logout', {
    method: 'POST',
    credentials: 'same-origin',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
  }).catch(() => undefined)
  await clear().catch(() => undefined)
  // Any other database a page version may have made.
  const databases = (await indexedDB.databases?.().catch(() => [])) ?? []
  await Promise.all(
    databases
      .filter((d) => d.name && d.name !== 'keyval-store')
      .map(
        (d) =>
          new Promise((resolve) => {
            const request = indexedDB.deleteDatabase(d.name!)
            request.onsuccess = request.onerror = request.onblocked = resolve
          }),
      ),
  )
  try {
    localStorage.clear()
    sessionStorage.clear()
  } catch {
    // Storage refused (private mode): nothing was kept there.
  }
  if ('caches' in window)
    await caches
      .keys()
      .then((names) => Promise.all(names.map((name) => caches.delete(name))))
      .catch(() => undefined)
  if ('serviceWorker' in navigator)
    await navigator.serviceWorker
      .getRegistrations()
      .then((all) => Promise.all(all.map((r) => r.unregister())))
      .catch(() => undefined)
}
