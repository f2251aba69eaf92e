/** An Ed25519 public key of another issuer, with only the public members kept. */
export interface IssuerJwk {
  kid: string
  kty: 'OKP'
  crv: 'Ed25519'
  x: string
  use?: 'sig'
  alg?: 'EdDSA'
}

export interface IssuerJwks {
  keys: IssuerJwk[]
}

/** As many keys as the trust list takes from an admin (trust/routes.ts). */
export const MAX_ISSUER_KEYS = 20

/** JWK members that hold secret key material, of any key type. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']

/**
 * A fetched JWKS as the trust list keeps it: the Ed25519 signing keys only (another key type in
 * the set is passed over), each with its public members only. Refused whole, with the reason in
 * English, when it is not JSON, holds any private key material (the issuer leaked a key: trust
 * nothing from that address), has a malformed Ed25519 key or two keys of one kid, or no
 * Ed25519 key at all.
 */
export function readIssuerJwks(
  text: string,
): { ok: true; jwks: IssuerJwks } | { ok: false; reason: string } {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'not JSON' }
  }
  const keys = (document as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys)) return { ok: false, reason: 'no "keys" array' }
  const kept: IssuerJwk[] = []
  for (const key of keys as unknown[]) {
    if (typeof key !== 'object' || key === null)
      return { ok: false, reason: 'a key is not an object' }
    const jwk = key as Record<string, unknown>
    if (PRIVATE_MEMBERS.some((m) => m in jwk))
      return { ok: false, reason: 'it holds private key material' }
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') continue
    if (jwk.use !== undefined && jwk.use !== 'sig') continue
    if (jwk.alg !== undefined && jwk.alg !== 'EdDSA') continue
    if (typeof jwk.kid !== 'string' || jwk.kid.length < 1 || jwk.kid.length > 64)
      return { ok: false, reason: 'an Ed25519 key without a valid kid' }
    if (typeof jwk.x !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(jwk.x))
      return { ok: false, reason: `key ${jwk.kid} has no valid x` }
    if (kept.some((k) => k.kid === jwk.kid))
      return { ok: false, reason: `two keys named ${jwk.kid}` }
    kept.push({
      kid: jwk.kid,
      kty: 'OKP',
      crv: 'Ed25519',
      x: jwk.x,
      ...(jwk.use === 'sig' ? { use: 'sig' as const } : {}),
      ...(jwk.alg === 'EdDSA' ? { alg: 'EdDSA' as const } : {}),
    })
  }
  if (kept.length === 0) return { ok: false, reason: 'no Ed25519 signing key' }
  if (kept.length > MAX_ISSUER_KEYS)
    return { ok: false, reason: `more than ${MAX_ISSUER_KEYS} keys` }
  return { ok: true, jwks: { keys: kept } }
}

/**
 * How a fetched key set relates to the one held. A rotation adds a key (and later drops an old
 * one), so the sets overlap; a set sharing no key with the held one, or giving a held kid another
 * key, is what a hijacked address would serve, and is refused until an admin confirms it.
 */
export type KeySetChange = 'same' | 'rotated' | 'replaced' | 'key_changed'

export function keySetChange(
  held: readonly { kid: string; x: string }[],
  fetched: readonly { kid: string; x: string }[],
): KeySetChange {
  const heldByKid = new Map(held.map((k) => [k.kid, k.x]))
  let shared = 0
  for (const key of fetched) {
    const x = heldByKid.get(key.kid)
    if (x === undefined) continue
    if (x !== key.x) return 'key_changed'
    shared++
  }
  if (shared === 0) return 'replaced'
  return shared === held.length && shared === fetched.length ? 'same' : 'rotated'
}
