import { StatusList } from '@sd-jwt/jwt-status-list'
import {
  peekHeader,
  signCompact,
  verifyCompact,
  type KeyResolver,
  type SignatureCheck,
} from './jws.ts'

/**
 * This issuer's revocations as an IETF Token Status List (draft-ietf-oauth-status-list): one bit
 * per 6-digit pass serial (the last six digits of the pass number), 1 = the pass is no longer
 * valid (revoked or superseded), zlib-compressed, in a JWT of `typ: statuslist+jwt` signed with
 * the pass keys. Exact (no false positives, unlike a Bloom filter) and small: a list of 10⁶
 * serials with 1 % set is ~15 KB (README, Nationwide use). Lists are read with the
 * `@sd-jwt/jwt-status-list` library (and written without it, for speed: deflateStatusList); the
 * signature is ours (trust/jws.ts), so the offline scan page verifies a list with the very code
 * the server uses. No I/O: the scan page bundles it.
 *
 * Pass tokens carry no `status` claim (the QR stays small): a pass's index is its serial, and
 * its list is the one of the issuer named by its first six digits.
 */
export const STATUS_LIST_TYP = 'statuslist+jwt'
export const SERIAL_COUNT = 1_000_000

/** The pass's index in its issuer's list: its 6-digit serial. */
export function serialOf(passNumber: string): number | null {
  return /^\d{12}$/.test(passNumber) ? Number(passNumber.slice(6)) : null
}

/** The claims of a status list JWT as this service writes and reads them. */
export interface StatusListClaims {
  /** The issuer's region code (the first six digits of its pass numbers). */
  issuer_code: string
  /** Where the list is published (the `sub` the draft asks for). */
  sub: string
  /** Seconds since the epoch. */
  iat: number
  exp: number
  /** How long a reader may keep it before fetching again, seconds. */
  ttl: number
  /** Grows with every revocation or supersession; a reader never goes back to a lower one. */
  version: number
  status_list: { bits: 1; lst: string }
}

/** The compressed list with a 1 at each serial given, as the library writes it (zlib level 9). */
export function encodeStatusList(invalidSerials: Iterable<number>): { bits: 1; lst: string } {
  return { bits: 1, lst: new StatusList(statusArray(invalidSerials), 1).compressStatusList() }
}

/**
 * The same list as encodeStatusList, compressed by the runtime's own zlib (CompressionStream, in
 * Node, Workers and browsers alike) at its default level: what this server publishes. The
 * library packs bits through strings and deflates at level 9 in JavaScript, ~0.5 s of blocked
 * event loop for 10⁶ serials with 1 % set, against ~6 ms here for a list ~12 % larger
 * (`npm run size:status-list`). The bytes before compression are the draft's (serial `s` is bit
 * `s % 8`, from the least significant, of byte `s / 8`), and the library reads either.
 */
export async function deflateStatusList(
  invalidSerials: Iterable<number>,
): Promise<{ bits: 1; lst: string }> {
  const bytes = new Uint8Array(SERIAL_COUNT / 8)
  for (const serial of invalidSerials) {
    if (inRange(serial)) bytes[serial >> 3] |= 1 << (serial & 7)
  }
  return { bits: 1, lst: base64Url(await zlibDeflate(bytes)) }
}

const inRange = (serial: number) => Number.isInteger(serial) && serial >= 0 && serial < SERIAL_COUNT

function statusArray(invalidSerials: Iterable<number>): number[] {
  const statuses = new Array<number>(SERIAL_COUNT).fill(0)
  for (const serial of invalidSerials) if (inRange(serial)) statuses[serial] = 1
  return statuses
}

async function zlibDeflate(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream('deflate'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

function base64Url(bytes: Uint8Array): string {
  let binary = ''
  // In slices: String.fromCharCode takes its bytes as arguments, and arguments are bounded.
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/** A decoded list: which serials are marked invalid. */
export interface DecodedStatusList {
  isInvalid(serial: number): boolean
}

/**
 * Decodes a list and keeps it as one bit per serial: the library's decoded list holds a number
 * per entry (8 MB of heap for 10⁶ serials), dropped as soon as it is read into 125 KB.
 */
export function decodeStatusList(list: { bits: number; lst: string }): DecodedStatusList {
  if (list.bits !== 1) throw new Error(`status lists of ${list.bits} bits are not read here`)
  const statuses = StatusList.decompressStatusList(list.lst, 1).statusList
  const size = statuses.length
  const bits = new Uint8Array(Math.ceil(size / 8))
  for (let i = 0; i < size; i++) if (statuses[i] !== 0) bits[i >> 3] |= 1 << (i & 7)
  return {
    isInvalid: (serial) =>
      Number.isInteger(serial) &&
      serial >= 0 &&
      serial < size &&
      (bits[serial >> 3] & (1 << (serial & 7))) !== 0,
  }
}

export function signStatusList(
  claims: StatusListClaims,
  key: { kid: string; privateKey: CryptoKey },
): Promise<string> {
  return signCompact(JSON.stringify(claims), key, STATUS_LIST_TYP)
}

export type StatusListProblem =
  'malformed' | 'wrong_type' | 'bad_signature' | 'unknown_key' | 'wrong_issuer' | 'expired'

/**
 * Verifies a status list JWT of `issuer` with that issuer's keys and decodes it; `now` (ms) checks
 * `exp`. Anything else is refused with the reason: a list is trusted whole or not at all.
 */
export async function verifyStatusList(
  jwt: string,
  issuer: string,
  resolveKey: KeyResolver,
  now: number,
  check?: SignatureCheck,
): Promise<
  | { ok: true; claims: StatusListClaims; list: DecodedStatusList }
  | { ok: false; problem: StatusListProblem }
> {
  const header = peekHeader(jwt)
  if (!header) return { ok: false, problem: 'malformed' }
  if (header.typ !== STATUS_LIST_TYP) return { ok: false, problem: 'wrong_type' }
  const verified = await verifyCompact(jwt, resolveKey, () => issuer, check)
  if (!verified.ok) return verified
  let claims: StatusListClaims
  try {
    claims = JSON.parse(verified.payload) as StatusListClaims
  } catch {
    return { ok: false, problem: 'malformed' }
  }
  if (!wellFormed(claims)) return { ok: false, problem: 'malformed' }
  if (claims.issuer_code !== issuer) return { ok: false, problem: 'wrong_issuer' }
  if (claims.exp * 1000 < now) return { ok: false, problem: 'expired' }
  try {
    return { ok: true, claims, list: decodeStatusList(claims.status_list) }
  } catch {
    return { ok: false, problem: 'malformed' }
  }
}

function wellFormed(c: StatusListClaims): boolean {
  return (
    typeof c === 'object' &&
    c !== null &&
    typeof c.issuer_code === 'string' &&
    Number.isInteger(c.iat) &&
    Number.isInteger(c.exp) &&
    Number.isInteger(c.version) &&
    typeof c.status_list === 'object' &&
    c.status_list !== null &&
    c.status_list.bits === 1 &&
    typeof c.status_list.lst === 'string'
  )
}

/** Reads a list's claims without verifying it (to show what a refused list claimed). */
export function peekStatusListClaims(jwt: string): Partial<StatusListClaims> | null {
  const part = jwt.split('.')[1]
  if (!part) return null
  try {
    const text = new TextDecoder().decode(
      Uint8Array.from(atob(part.replaceAll('-', '+').replaceAll('_', '/')), (ch) =>
        ch.charCodeAt(0),
      ),
    )
    return JSON.parse(text) as Partial<StatusListClaims>
  } catch {
    return null
  }
}
