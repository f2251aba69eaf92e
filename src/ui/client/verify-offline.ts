// Verifying a pass in the browser when the network is gone, with the server's own modules: the
// token check (passes/pass-token.ts over trust/jws.ts), the plate normaliser (vehicles/plate.ts)
// and the verdict (scans/decide-verdict.ts). The page has the keys and the revocation list it kept
// from the last time it was online; it does not know what needs the database (whitelist state,
// open loops, recent results), so those facts stay unset, as the server leaves them for another
// issuer's pass.
import { issuerOf } from '../../passes/pass-payload.ts'
import { verifyPassToken, type PassTokenCheck } from '../../passes/pass-token.ts'
import { decideVerdict, type ScanFacts, type Verdict } from '../../scans/decide-verdict.ts'
import { jwksKeyResolver, type PublicKeyJwk } from '../../trust/jwks-key-resolver.ts'
import { normalisePlate } from '../../vehicles/plate.ts'

// The rules as the page bundles them: exported so the tests run the server's cases against them.
export { decideVerdict, normalisePlate }

export interface TrustMaterial {
  issuer: string
  jwks: { keys: PublicKeyJwk[] }
  issuers: { issuer_code: string; jwks: { keys: PublicKeyJwk[] } }[]
  revocations: { version: number; revoked: string[]; superseded: string[]; generated_at: string }
}

export interface OfflineVerdict extends Verdict {
  /** The pass, once its signature holds (the server shows no more of a forged token either). */
  pass?: {
    number: string
    plate: string
    valid_from: string
    valid_until: string
    origin_region_code: string
    destination_code: string
  }
}

/** The server's default CLOCK_SKEW_SECONDS: the page cannot read the server's configuration. */
const SKEW_MS = 5 * 60_000

export async function verifyOffline(
  token: string,
  trust: TrustMaterial,
  observedPlate: string | null,
  now = new Date(),
): Promise<OfflineVerdict> {
  const checked = await verifyPassToken(token, keysOf(trust), now, SKEW_MS)
  const verdict = decideVerdict(offlineFacts(checked, trust, observedPlate))
  if (!checked.ok) return verdict
  const { claims } = checked
  return {
    ...verdict,
    pass: {
      number: claims.number,
      plate: claims.plate,
      valid_from: claims.validFrom.toISOString(),
      valid_until: claims.validUntil.toISOString(),
      origin_region_code: claims.origin,
      destination_code: claims.destination,
    },
  }
}

/** What the page knows offline, as the facts the server's verdict takes. */
export function offlineFacts(
  checked: PassTokenCheck,
  trust: TrustMaterial,
  observedPlate: string | null,
): ScanFacts {
  if (!checked.ok) return { tokenProblem: checked.problem }
  // Unknown offline, so left unset (no reason either way): enterpriseWhitelisted,
  // loopAlreadyOpen, manualLoopOpen, recentNegative.
  return {
    window: checked.window,
    passStatus: listedStatus(checked.claims.number, trust),
    passPlate: checked.claims.plate,
    observedPlate: observedPlate ? normalisePlate(observedPlate) : null,
  }
}

/** Revoked or superseded by this issuer's signed list; the page has no other issuer's list. */
function listedStatus(passNumber: string, trust: TrustMaterial): ScanFacts['passStatus'] {
  if (issuerOf(passNumber) !== trust.issuer) return undefined
  if (trust.revocations.revoked.includes(passNumber)) return 'revoked'
  if (trust.revocations.superseded.includes(passNumber)) return 'superseded'
  return undefined
}

/** This deployment's own keys for its passes, the trust list's for other issuers'. */
const keysOf = (trust: TrustMaterial) =>
  jwksKeyResolver((issuer) =>
    issuer === trust.issuer
      ? trust.jwks.keys
      : trust.issuers.find((i) => i.issuer_code === issuer)?.jwks.keys,
  )
