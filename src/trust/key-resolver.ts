import { importJWK, type JWK } from 'jose'
import type { Deps } from '../app-env.ts'
import { webCryptoCheck, type KeyResolver, type SignatureCheck } from './jws.ts'
import { loadSigningKeys } from './signing-keys.ts'

const TRUST_CACHE_MS = 30_000

export interface Verifier {
  resolveKey: KeyResolver
  /** How signatures are checked in this runtime. */
  check: SignatureCheck
  /** Forget cached trust-list keys (after the list changes here). */
  invalidate(): void
}

/**
 * Public keys by issuer and kid: this deployment's own (from its signing keys) and each trusted
 * issuer's JWKS. Trust-list keys are cached briefly so a scan does not read the table each time;
 * other instances (Workers isolates) see a change within TRUST_CACHE_MS.
 */
export function createVerifier(deps: Deps): Verifier {
  const own = new Map<string, Promise<CryptoKey | Uint8Array>>()
  let trusted = new Map<
    string,
    { at: number; keys: Promise<Map<string, CryptoKey | Uint8Array>> }
  >()

  async function ownKey(kid: string) {
    const keys = await loadSigningKeys(deps.config.SIGNING_KEYS)
    const key = keys.byKid.get(kid)
    if (!key) return undefined
    let imported = own.get(kid)
    if (!imported) {
      imported = importJWK(key.publicJwk, 'EdDSA')
      own.set(kid, imported)
    }
    return imported
  }

  async function loadTrusted(issuer: string) {
    const row = await deps.store.db
      .selectFrom('trusted_issuers')
      .select('jwks')
      .where('issuer_code', '=', issuer)
      .executeTakeFirst()
    const keys = new Map<string, CryptoKey | Uint8Array>()
    if (!row) return keys
    for (const jwk of (JSON.parse(row.jwks) as { keys: JWK[] }).keys) {
      if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x && jwk.kid && !jwk.d) {
        keys.set(jwk.kid, await importJWK({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }, 'EdDSA'))
      }
    }
    return keys
  }

  return {
    check: deps.verifyEd25519 ?? webCryptoCheck,
    async resolveKey(issuer, kid) {
      if (issuer === deps.config.ISSUER_CODE) return ownKey(kid)
      const now = deps.clock().getTime()
      let entry = trusted.get(issuer)
      if (!entry || now - entry.at > TRUST_CACHE_MS || now < entry.at) {
        entry = { at: now, keys: loadTrusted(issuer) }
        trusted.set(issuer, entry)
      }
      return (await entry.keys).get(kid)
    },
    invalidate() {
      trusted = new Map()
    },
  }
}
