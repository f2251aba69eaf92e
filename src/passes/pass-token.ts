import { CompactSign } from 'jose'

/**
 * The pass inside the QR code: a compact JWS (EdDSA, `kid` in the header) whose payload is a short
 * text, not JSON, so the whole token fits a version-10 QR code at error-correction level M:
 *
 *   P1|<pass number>|<plate>|<valid from>|<valid until>|<origin region>|<destination>
 *
 * Times are whole minutes since the Unix epoch. The destination is a station code or a region
 * code. The issuer is the pass number's first six digits (its region code). No personal data.
 */
export interface PassClaims {
  number: string
  plate: string
  validFrom: Date
  validUntil: Date
  origin: string
  destination: string
}

export const PASS_TOKEN_PREFIX = 'P1'
const MINUTE = 60_000

export function encodePassPayload(claims: PassClaims): string {
  const minutes = (d: Date) => Math.floor(d.getTime() / MINUTE)
  return [
    PASS_TOKEN_PREFIX,
    claims.number,
    claims.plate,
    minutes(claims.validFrom),
    minutes(claims.validUntil),
    claims.origin,
    claims.destination,
  ].join('|')
}

/** The claims of a pass payload, or null if it is not one. */
export function decodePassPayload(payload: string): PassClaims | null {
  const parts = payload.split('|')
  if (parts.length !== 7 || parts[0] !== PASS_TOKEN_PREFIX) return null
  const [, number, plate, from, until, origin, destination] = parts
  if (!/^\d{12}$/.test(number) || !/^\d{1,10}$/.test(from) || !/^\d{1,10}$/.test(until)) return null
  if (!plate || plate.length > 10 || !/^\d{6}$/.test(origin) || !destination || destination.length > 32) return null
  return {
    number,
    plate,
    validFrom: new Date(Number(from) * MINUTE),
    validUntil: new Date(Number(until) * MINUTE),
    origin,
    destination,
  }
}

export const issuerOf = (passNumber: string) => passNumber.slice(0, 6)

export async function signCompact(payload: string, key: { kid: string; privateKey: CryptoKey }): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .sign(key.privateKey)
}

export type TokenProblem = 'malformed' | 'bad_signature' | 'unknown_key'

/** Finds the public key for an issuer and kid: own keys or the trust list. */
export type KeyResolver = (issuer: string, kid: string) => Promise<CryptoKey | Uint8Array | undefined>

/** Checks an Ed25519 signature over `signed` with an Ed25519 public key. */
export type SignatureCheck = (key: CryptoKey, signature: Uint8Array<ArrayBuffer>, signed: Uint8Array<ArrayBuffer>) => Promise<boolean>

/** WebCrypto, which every runtime has; the Node entry gives a cheaper one (see Deps.verifyEd25519). */
export const webCryptoCheck: SignatureCheck = (key, signature, signed) => crypto.subtle.verify('Ed25519', key, signature, signed)

/**
 * Verifies a compact JWS made by `signCompact` and returns its payload text, or the reason it is
 * refused. Only EdDSA is accepted, so `alg: none` and HMAC-with-the-public-key tricks fail as
 * bad signatures. `issuerOfPayload` reads the claimed issuer from the (not yet trusted) payload to
 * choose the key; a lie there only picks a key that then fails to verify.
 */
export async function verifyCompact(
  token: string,
  resolveKey: KeyResolver,
  issuerOfPayload: (payload: string) => string | null,
  check: SignatureCheck = webCryptoCheck,
): Promise<{ ok: true; payload: string; kid: string } | { ok: false; problem: TokenProblem }> {
  const parts = token.split('.')
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1]) {
    return { ok: false, problem: 'malformed' }
  }
  let header: { alg?: unknown; kid?: unknown }
  let payload: string
  try {
    header = JSON.parse(decodeBase64UrlText(parts[0]))
    payload = decodeBase64UrlText(parts[1])
  } catch {
    return { ok: false, problem: 'malformed' }
  }
  if (typeof header !== 'object' || header === null) return { ok: false, problem: 'malformed' }
  const issuer = issuerOfPayload(payload)
  if (issuer === null) return { ok: false, problem: 'malformed' }
  if (header.alg !== 'EdDSA' || !parts[2]) return { ok: false, problem: 'bad_signature' }
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 64) {
    return { ok: false, problem: 'unknown_key' }
  }
  const key = await resolveKey(issuer, header.kid)
  if (!key) return { ok: false, problem: 'unknown_key' }
  // The header is checked above (EdDSA only, a kid), so the signature over the signing input is
  // verified directly: jose's compactVerify would parse and check the same token again, a
  // noticeable share of a scan's work. Only an Ed25519 public key can pass.
  if (!(key instanceof CryptoKey) || key.algorithm.name !== 'Ed25519' || key.type !== 'public') return { ok: false, problem: 'bad_signature' }
  try {
    const valid = await check(key, decodeBase64Url(parts[2]), ASCII.encode(`${parts[0]}.${parts[1]}`))
    return valid ? { ok: true, payload, kid: header.kid } : { ok: false, problem: 'bad_signature' }
  } catch {
    return { ok: false, problem: 'bad_signature' }
  }
}

const ASCII = new TextEncoder()
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

function decodeBase64Url(part: string): Uint8Array<ArrayBuffer> {
  const binary = atob(part.replaceAll('-', '+').replaceAll('_', '/'))
  // A plain loop: Uint8Array.from with a mapping function is several times slower.
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function decodeBase64UrlText(part: string): string {
  return UTF8.decode(decodeBase64Url(part))
}

export const signPassToken = (claims: PassClaims, key: { kid: string; privateKey: CryptoKey }) =>
  signCompact(encodePassPayload(claims), key)

export type PassTokenCheck =
  | { ok: true; claims: PassClaims; kid: string; window: 'valid' | 'not_yet_valid' | 'expired' }
  | { ok: false; problem: TokenProblem }

/** Verifies a pass token and places `now` in its validity window, allowing `skewMs` either way. */
export async function verifyPassToken(token: string, resolveKey: KeyResolver, now: Date, skewMs: number, check?: SignatureCheck): Promise<PassTokenCheck> {
  const verified = await verifyCompact(
    token,
    resolveKey,
    (payload) => {
      const claims = decodePassPayload(payload)
      return claims ? issuerOf(claims.number) : null
    },
    check,
  )
  if (!verified.ok) return verified
  const claims = decodePassPayload(verified.payload)!
  const t = now.getTime()
  const window =
    t < claims.validFrom.getTime() - skewMs ? 'not_yet_valid' : t > claims.validUntil.getTime() + skewMs ? 'expired' : 'valid'
  return { ok: true, claims, kid: verified.kid, window }
}
