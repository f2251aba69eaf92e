import { importJWK, type JWK } from 'jose'

export interface SigningKey {
  kid: string
  privateKey: CryptoKey
  publicJwk: PublicJwk
}

export interface PublicJwk {
  kid: string
  kty: 'OKP'
  crv: 'Ed25519'
  x: string
  use: 'sig'
  alg: 'EdDSA'
}

export interface SigningKeys {
  /** The key that signs new passes, receipts and documents: the last one configured. */
  current: SigningKey
  all: SigningKey[]
  byKid: Map<string, SigningKey>
}

const cache = new Map<string, Promise<SigningKeys>>()

/**
 * Parses `SIGNING_KEYS` (a JSON array of Ed25519 private JWKs). Rotation appends a key; older
 * keys stay so their passes keep verifying until they expire, and are published in the JWKS.
 */
export function loadSigningKeys(json: string): Promise<SigningKeys> {
  let keys = cache.get(json)
  if (!keys) {
    keys = parseSigningKeys(json)
    cache.set(json, keys)
  }
  return keys
}

async function parseSigningKeys(json: string): Promise<SigningKeys> {
  const jwks = JSON.parse(json) as JWK[]
  if (!Array.isArray(jwks) || jwks.length === 0)
    throw new Error('SIGNING_KEYS must be a non-empty JSON array of JWKs')
  const all = await Promise.all(
    jwks.map(async (jwk): Promise<SigningKey> => {
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x || !jwk.kid) {
        throw new Error('each signing key must be an Ed25519 private JWK with a kid')
      }
      const privateKey = (await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA')) as CryptoKey
      return {
        kid: jwk.kid,
        privateKey,
        publicJwk: { kid: jwk.kid, kty: 'OKP', crv: 'Ed25519', x: jwk.x, use: 'sig', alg: 'EdDSA' },
      }
    }),
  )
  return { current: all[all.length - 1], all, byKid: new Map(all.map((k) => [k.kid, k])) }
}
