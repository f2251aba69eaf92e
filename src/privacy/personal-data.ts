import { decodeBase64 } from '../config.ts'

// Personal data (names, resident ID numbers, phones) is stored as AES-256-GCM ciphertext with a
// fresh 96-bit IV per value and shown only masked. A value names the key that sealed it:
// `v2.<key id>.<base64url iv+ciphertext>`, the key id being the first 8 hex digits of the key's
// SHA-256, so several keys can be in use while one replaces another (keys:rotate-data). Values
// from before key ids (`v1.<...>`) are opened by trying each key.

interface DataKey {
  id: string
  key: CryptoKey
}

const keys = new Map<string, Promise<DataKey>>()

function importKey(base64Key: string): Promise<DataKey> {
  let key = keys.get(base64Key)
  if (!key) {
    const raw = decodeBase64(base64Key)
    if (!raw || raw.length !== 32) throw new Error('DATA_KEY must be base64 of 32 bytes')
    key = Promise.all([
      crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']),
      crypto.subtle.digest('SHA-256', raw),
    ]).then(([cryptoKey, digest]) => ({
      id: hex(new Uint8Array(digest)).slice(0, 8),
      key: cryptoKey,
    }))
    keys.set(base64Key, key)
  }
  return key
}

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0))

/** The key id a base64 data key writes into each value it seals. */
export const dataKeyId = async (base64Key: string) => (await importKey(base64Key)).id

/** The key id a stored value was sealed under; null for a value from before key ids (`v1.`). */
export function sealedKeyId(stored: string): string | null {
  if (!stored.startsWith('v2.')) return null
  return stored.slice(3, stored.indexOf('.', 3))
}

/**
 * The keys that open personal data: the current DATA_KEY first (it seals), then any previous
 * ones (DATA_KEY_PREVIOUS, comma-separated) still kept while `keys:rotate-data` moves the data.
 */
export function dataKeyRing(config: { DATA_KEY: string; DATA_KEY_PREVIOUS?: string }): string[] {
  const previous = (config.DATA_KEY_PREVIOUS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k && k !== config.DATA_KEY)
  return [config.DATA_KEY, ...previous]
}

export async function encryptPersonal(base64Key: string, plaintext: string): Promise<string> {
  const { id, key } = await importKey(base64Key)
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode(plaintext)),
  )
  const out = new Uint8Array(iv.length + sealed.length)
  out.set(iv)
  out.set(sealed, iv.length)
  return `v2.${id}.${toBase64Url(out)}`
}

/** Opens a sealed value with the key (or the first of a ring of keys) that sealed it. */
export async function decryptPersonal(
  base64Keys: string | readonly string[],
  stored: string,
): Promise<string> {
  const ring = typeof base64Keys === 'string' ? [base64Keys] : base64Keys
  let body: string
  let candidates: DataKey[]
  if (stored.startsWith('v2.')) {
    const id = sealedKeyId(stored)
    const all = await Promise.all(ring.map(importKey))
    candidates = all.filter((k) => k.id === id)
    if (candidates.length === 0) throw new Error(`no data key ${id} in the key ring`)
    body = stored.slice(4 + (id?.length ?? 0))
  } else if (stored.startsWith('v1.')) {
    candidates = await Promise.all(ring.map(importKey))
    body = stored.slice(3)
  } else throw new Error('unknown personal-data format')
  const bytes = fromBase64Url(body)
  for (const candidate of candidates) {
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: bytes.subarray(0, 12) },
        candidate.key,
        bytes.subarray(12),
      )
      return new TextDecoder().decode(plain)
    } catch {
      // Not this key (a v1 value is tried with each in turn).
    }
  }
  throw new Error('personal data could not be opened with the keys given')
}

/**
 * A resident ID number's keyed hash, so one person's records are found (a subject's request)
 * without opening every row. Keyed by the data key: the same key that guards the values guards
 * the index, and `keys:rotate-data` computes it again under the new key.
 */
export const idNumberHash = (base64Key: string, idNumber: string) =>
  keyedDigest(`tongxing/id-number-index/${base64Key}`, idNumber.trim().toUpperCase())

/** `330702********1234`: region and last four kept, birth date and sequence hidden. */
export function maskIdNumber(id: string): string {
  if (id.length < 10) return '*'.repeat(id.length)
  return `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}`
}

/** `138****5678`. */
export function maskPhone(phone: string): string {
  if (phone.length < 7) return '*'.repeat(phone.length)
  return `${phone.slice(0, 3)}${'*'.repeat(phone.length - 7)}${phone.slice(-4)}`
}

/**
 * `王*国`, `王*`: a crew member's name for an identity check at a checkpoint — the officer compares
 * it with the driver's ID card without the page showing the whole name.
 */
export function maskName(name: string): string {
  const chars = Array.from(name.trim())
  if (chars.length <= 1) return '*'
  if (chars.length === 2) return `${chars[0]}*`
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`
}

export const MOBILE_PATTERN = /^1[3-9]\d{9}$/

// What people put between digit groups (`138 1234 5678`, `330106-19920315-0123`, `138/1234/5678`,
// `(138)12345678`): spaces (the full-width and ideographic ones are plain spaces after NFKC, as
// are full-width slashes, commas and brackets), dashes of every width, dots, slashes, underscores,
// commas (the ideographic one too) and brackets.
const SEPARATOR = '[\\s\\-\u2010-\u2015\u2212\u30FC.\u00B7\u2022\u30FB/_,\u3001()]'
// A run of digit groups that separators may split, with an ID number's check character X at its end.
const DIGIT_RUN = new RegExp(`\\d(?:${SEPARATOR}{0,3}\\d)*(?:${SEPARATOR}{0,3}[Xx])?`, 'g')
const SPLIT = new RegExp(`(${SEPARATOR}+)`)
// Invisible characters that can sit between digits without showing (zero-width spaces and joiners,
// word joiner, BOM, soft hyphen, direction marks): removed before anything else.
const INVISIBLE = /[\u00AD\u180E\u200B-\u200F\u2060-\u2064\uFEFF]/g

const WHOLE_ID = /^\d{17}[\dX]$/
// A mobile number, with the country code before it as 86 or 0086 (a `+` is not a digit: it stays).
const WHOLE_MOBILE = /^((?:00)?86)?(1[3-9]\d{9})$/
// Inside one unbroken group of digits (the rule before separators were looked at).
const ID_LIKE = /\d{17}[\dXx]/g
const MOBILE_LIKE = /(?<!\d)1[3-9]\d{9}(?!\d)/g

/**
 * Free text that may hold personal data typed into the wrong box (a scan's raw input, an
 * unreadable plate) is normalised (invisible characters removed, then Unicode NFKC: full-width
 * digits become digits) and anything shaped like a resident ID number or a mobile number is masked
 * before it is stored, also when separators split its digits (the mask is written without them).
 * Everything else is kept as it was, separators included: a pass token's `-` stays where it is.
 */
export function maskPersonalText(text: string): string {
  return text.replace(INVISIBLE, '').normalize('NFKC').replace(DIGIT_RUN, maskDigitRun)
}

/**
 * A reason typed for the audit log (a reveal, a subject's request, a key rotation) as typed,
 * Chinese punctuation kept, unless it holds something shaped like an ID or a mobile number: then
 * masked (maskPersonalText, which also normalises punctuation), so no full value reaches the log.
 */
export function auditedReason(reason: string): string {
  const masked = maskPersonalText(reason)
  const stars = (text: string) => text.split('*').length
  return stars(masked) > stars(reason) ? masked : reason
}

/**
 * Groups are joined from the left until they spell a whole ID number (preferred: some begin like
 * a mobile number) or a mobile number (with or without 86 or 0086 before it); a group that starts none is
 * kept, with what the unbroken-group rule masks inside it.
 */
function maskDigitRun(run: string): string {
  const parts = run.split(SPLIT)
  const groups = parts.filter((_, i) => i % 2 === 0)
  const separators = parts.filter((_, i) => i % 2 === 1)
  let out = ''
  for (let i = 0; i < groups.length;) {
    let joined = ''
    let match: { end: number; masked: string } | undefined
    for (let j = i; j < groups.length && joined.length < 18; j++) {
      joined += groups[j].toUpperCase()
      if (WHOLE_ID.test(joined)) {
        match = { end: j, masked: maskIdNumber(joined) }
        break
      }
      const mobile = WHOLE_MOBILE.exec(joined)
      if (mobile) match = { end: j, masked: `${mobile[1] ?? ''}${maskPhone(mobile[2])}` }
    }
    const end = match?.end ?? i
    out += match
      ? match.masked
      : groups[i]
          .replace(ID_LIKE, (id) => maskIdNumber(id.toUpperCase()))
          .replace(MOBILE_LIKE, maskPhone)
    if (end < separators.length) out += separators[end]
    i = end + 1
  }
  return out
}

/** A keyed digest, for counting by a value (a typed user name) without storing the value. */
export async function keyedDigest(secret: string, value: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(value))
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('')
}
