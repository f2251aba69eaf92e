import { CompactSign } from 'jose'

/**
 * Compact JWS (EdDSA, `kid` in the header) as every signed thing here uses it: passes, receipts,
 * the revocation list, audit anchors. Pure WebCrypto on the verifying side, so the offline scan
 * page bundles the very code the server runs.
 */
export async function signCompact(
  payload: string,
  key: { kid: string; privateKey: CryptoKey },
  /** A media type for the header (`statuslist+jwt`); passes and receipts have none, to stay small. */
  typ?: string,
): Promise<string> {
  return new CompactSign(new TextEncoder().encode(payload))
    .setProtectedHeader(typ ? { alg: 'EdDSA', kid: key.kid, typ } : { alg: 'EdDSA', kid: key.kid })
    .sign(key.privateKey)
}

/** The protected header of a compact JWS, unverified (to check `typ` before the signature). */
export function peekHeader(token: string): Record<string, unknown> | null {
  const first = token.split('.')[0]
  if (!first || !/^[A-Za-z0-9_-]+$/.test(first)) return null
  try {
    const header: unknown = JSON.parse(decodeBase64UrlText(first))
    return typeof header === 'object' && header !== null && !Array.isArray(header)
      ? (header as Record<string, unknown>)
      : null
  } catch {
    return null
  }
}

export type TokenProblem = 'malformed' | 'bad_signature' | 'unknown_key'

/** Finds the public key for an issuer and kid: own keys or the trust list. */
export type KeyResolver = (
  issuer: string,
  kid: string,
) => Promise<CryptoKey | Uint8Array | undefined>

/** Checks an Ed25519 signature over `signed` with an Ed25519 public key. */
export type SignatureCheck = (
  key: CryptoKey,
  signature: Uint8Array<ArrayBuffer>,
  signed: Uint8Array<ArrayBuffer>,
) => Promise<boolean>

/** WebCrypto, which every runtime has; the Node entry gives a cheaper one (see Deps.verifyEd25519). */
export const webCryptoCheck: SignatureCheck = (key, signature, signed) =>
  crypto.subtle.verify('Ed25519', key, signature, signed)

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
  if (
    parts.length !== 3 ||
    parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) ||
    !parts[0] ||
    !parts[1]
  ) {
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
  if (!(key instanceof CryptoKey) || key.algorithm.name !== 'Ed25519' || key.type !== 'public') {
    return { ok: false, problem: 'bad_signature' }
  }
  try {
    // TextEncoder always answers a fresh ArrayBuffer; the Workers types say ArrayBufferLike.
    const signingInput = ASCII.encode(`${parts[0]}.${parts[1]}`) as Uint8Array<ArrayBuffer>
    const valid = await check(key, decodeBase64Url(parts[2]), signingInput)
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
