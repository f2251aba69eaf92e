import { base64UrlEncode, sha256Hex } from './device-signature.ts'

/** A device's bearer secret: 32 random bytes, base64url; only its SHA-256 is stored. */
export function newDeviceToken(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(32)))
}

export const hashDeviceToken = (token: string) => sha256Hex(token)

/**
 * A one-time enrolment code: 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L),
 * ~60 bits, shown grouped as XXXX-XXXX-XXXX for typing when the camera cannot read the QR.
 */
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ'
export function newEnrollmentCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12))
  let code = ''
  for (const b of bytes) code += ALPHABET[b % ALPHABET.length]
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`
}

/** The code as typed or read (any case, spaces or dashes) in its canonical form, or null. */
export function normaliseEnrollmentCode(text: string): string | null {
  const bare = text
    .replace(/^tongxing-enrol:/i, '')
    .toUpperCase()
    .replace(/[\s-]/g, '')
  if (!/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$/.test(bare)) return null
  return `${bare.slice(0, 4)}-${bare.slice(4, 8)}-${bare.slice(8)}`
}

/** What the enrolment QR holds: the code with a prefix, so the scan page tells it from a pass. */
export const enrollmentQrText = (code: string) => `tongxing-enrol:${code}`
