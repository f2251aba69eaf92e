import { decodeBase64 } from '../config.ts'

// Personal data (resident ID numbers, phones) is stored as AES-256-GCM ciphertext with a fresh
// 96-bit IV per value, `v1.<base64url iv+ciphertext>`, and shown only masked.

const keys = new Map<string, Promise<CryptoKey>>()

function importKey(base64Key: string): Promise<CryptoKey> {
  let key = keys.get(base64Key)
  if (!key) {
    const raw = decodeBase64(base64Key)
    if (!raw || raw.length !== 32) throw new Error('DATA_KEY must be base64 of 32 bytes')
    key = crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
    keys.set(base64Key, key)
  }
  return key
}

const toBase64Url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/=+$/, '')
const fromBase64Url = (text: string) =>
  Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0))

export async function encryptPersonal(base64Key: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv },
      await importKey(base64Key),
      new TextEncoder().encode(plaintext),
    ),
  )
  const out = new Uint8Array(iv.length + sealed.length)
  out.set(iv)
  out.set(sealed, iv.length)
  return `v1.${toBase64Url(out)}`
}

export async function decryptPersonal(base64Key: string, stored: string): Promise<string> {
  if (!stored.startsWith('v1.')) throw new Error('unknown personal-data format')
  const bytes = fromBase64Url(stored.slice(3))
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: bytes.subarray(0, 12) },
    await importKey(base64Key),
    bytes.subarray(12),
  )
  return new TextDecoder().decode(plain)
}

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
