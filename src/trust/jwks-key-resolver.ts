import type { KeyResolver } from './jws.ts'

/** The public members of an Ed25519 JWK, as /.well-known/jwks.json and the trust list give them. */
export interface PublicKeyJwk {
  kid: string
  x: string
}

/**
 * A key resolver over JWKS already at hand, by issuer: the offline scan page's (its own keys and
 * the trust list it kept from the last time it was online). Each key is imported once.
 */
export function jwksKeyResolver(
  keysOf: (issuer: string) => readonly PublicKeyJwk[] | undefined,
): KeyResolver {
  const imported = new Map<string, Promise<CryptoKey | undefined>>()
  return async (issuer, kid) => {
    const jwk = keysOf(issuer)?.find((k) => k.kid === kid)
    if (!jwk) return undefined
    const id = `${issuer} ${kid} ${jwk.x}`
    let key = imported.get(id)
    if (!key) {
      key = crypto.subtle.importKey(
        'jwk',
        { kty: 'OKP', crv: 'Ed25519', x: jwk.x },
        { name: 'Ed25519' },
        false,
        ['verify'],
      )
      // A key that does not import (a damaged x) is no key: the token is then unknown_key.
      key = key.catch(() => undefined)
      imported.set(id, key)
    }
    return key
  }
}
