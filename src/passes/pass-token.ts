import {
  signCompact,
  verifyCompact,
  type KeyResolver,
  type SignatureCheck,
  type TokenProblem,
} from '../trust/jws.ts'
import { decodePassPayload, encodePassPayload, issuerOf, type PassClaims } from './pass-payload.ts'

// MOVED to src/passes/pass-payload.ts: re-export until importers are updated (src/scans/record-scan.ts)
export { issuerOf, type PassClaims } from './pass-payload.ts'

// A pass token: the pass payload (pass-payload.ts) signed as a compact JWS (trust/jws.ts). Pure
// WebCrypto when verifying, so the offline scan page bundles it too.

export const signPassToken = (claims: PassClaims, key: { kid: string; privateKey: CryptoKey }) =>
  signCompact(encodePassPayload(claims), key)

export type PassTokenCheck =
  | { ok: true; claims: PassClaims; kid: string; window: 'valid' | 'not_yet_valid' | 'expired' }
  | { ok: false; problem: TokenProblem }

/** Verifies a pass token and places `now` in its validity window, allowing `skewMs` either way. */
export async function verifyPassToken(
  token: string,
  resolveKey: KeyResolver,
  now: Date,
  skewMs: number,
  check?: SignatureCheck,
): Promise<PassTokenCheck> {
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
    t < claims.validFrom.getTime() - skewMs
      ? 'not_yet_valid'
      : t > claims.validUntil.getTime() + skewMs
        ? 'expired'
        : 'valid'
  return { ok: true, claims, kid: verified.kid, window }
}
