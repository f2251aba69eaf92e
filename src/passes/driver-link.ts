/**
 * The driver's link (`/d/{token}`): `<pass number>.<MAC>`, where the MAC is HMAC-SHA256 over a
 * domain-separated label and the pass number, cut to 128 bits and written base64url (22
 * characters). Short enough for a small QR code on the printed pass, unguessable without the key,
 * and needing no table: the pass number says which pass, the MAC that we wrote it.
 *
 * The key is derived from TOKEN_SECRET under a label of its own, so it is never the login-token
 * key itself and a MAC here is no use anywhere else. Rotating TOKEN_SECRET therefore invalidates
 * every driver link already printed (as it signs everyone out): firms print their passes again.
 * Pure WebCrypto: the same on Node and Workers.
 */

const KEY_LABEL = 'tongxing/driver-link-key/v1'
const MAC_LABEL = 'tongxing/driver-link/v1:'
const MAC_BYTES = 16
const PASS_NUMBER = /^\d{12}$/
const TOKEN = /^(\d{12})\.([A-Za-z0-9_-]{22})$/
const encoder = new TextEncoder()

// One derived key per secret (there is one secret per process; tests build a few).
const keys = new Map<string, Promise<CryptoKey>>()

function hmacKey(raw: BufferSource): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
}

/** The link key: HMAC(TOKEN_SECRET, label) — a key of its own, derived, never the secret itself. */
function linkKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    key = hmacKey(encoder.encode(secret))
      .then((root) => crypto.subtle.sign('HMAC', root, encoder.encode(KEY_LABEL)))
      .then(hmacKey)
    if (keys.size > 16) keys.clear()
    keys.set(secret, key)
  }
  return key
}

async function macOf(secret: string, passNumber: string): Promise<Uint8Array> {
  const mac = await crypto.subtle.sign(
    'HMAC',
    await linkKey(secret),
    encoder.encode(MAC_LABEL + passNumber),
  )
  return new Uint8Array(mac, 0, MAC_BYTES)
}

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')

/** Whether two byte strings are equal, in time that depends on their length only. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i]
  return diff === 0
}

/** The driver's token of one pass. */
export async function driverToken(secret: string, passNumber: string): Promise<string> {
  if (!PASS_NUMBER.test(passNumber)) throw new Error('a pass number is 12 digits')
  return `${passNumber}.${toBase64Url(await macOf(secret, passNumber))}`
}

/** The pass number a token names, if we wrote it; else null (malformed, tampered, another key). */
export async function verifyDriverToken(secret: string, token: string): Promise<string | null> {
  const match = TOKEN.exec(token)
  if (!match) return null
  const [, passNumber, mac] = match
  // Compared as text: one MAC has one spelling (base64url's last character carries spare bits,
  // which decoding would ignore), so no second token opens the same page.
  const expected = toBase64Url(await macOf(secret, passNumber))
  return constantTimeEqual(encoder.encode(mac), encoder.encode(expected)) ? passNumber : null
}

/** The driver page's absolute address for a token, on `origin` (no trailing slash). */
export const driverUrl = (origin: string, token: string) => `${origin}/d/${token}`
