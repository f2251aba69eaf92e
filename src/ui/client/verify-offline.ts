// Verifying a pass in the browser when the network is gone, with the server's own modules: the
// token check (passes/pass-token.ts over trust/jws.ts), the plate normaliser (vehicles/plate.ts),
// the status list bit (trust/status-list.ts), the freshness rule (trust/trust-age.ts) and the
// verdict (scans/decide-verdict.ts). The page has every issuer's keys and status list as the last
// trust bundle gave them (trust-bundle.ts), each verified with its issuer's keys; it does not know
// what needs the database (whitelist state, open loops, recent results), so those facts stay
// unset, as the server leaves them for another issuer's pass.
import { issuerOf } from '../../passes/pass-payload.ts'
import { verifyPassToken, type PassTokenCheck } from '../../passes/pass-token.ts'
import { decideVerdict, type ScanFacts, type Verdict } from '../../scans/decide-verdict.ts'
import { jwksKeyResolver, type PublicKeyJwk } from '../../trust/jwks-key-resolver.ts'
import { serialOf, type DecodedStatusList } from '../../trust/status-list.ts'
import { trustFreshness, type TrustFreshness } from '../../trust/trust-age.ts'
import { normalisePlate } from '../../vehicles/plate.ts'

// The rules as the page bundles them: exported so the tests run the server's cases against them.
export { decideVerdict, normalisePlate, trustFreshness }

/** What an offline verdict is made with, the ages as of the moment of the scan. */
export interface OfflineTrust {
  /** This deployment's issuer code. */
  issuer: string
  /** This deployment first, then every trusted issuer. */
  issuers: OfflineIssuer[]
}

export interface OfflineIssuer {
  issuer_code: string
  jwks: { keys: PublicKeyJwk[] }
  /** The issuer's status list, verified and decoded; null when it has none usable. */
  list: DecodedStatusList | null
  /** The issuer publishes a list, but none verified here: its revocations are unknown. */
  listMissing: boolean
  /** How old this issuer's data is, seconds (trust/trust-age.ts). */
  ageSeconds: number
  /** From the age and the bundle's limits; `stale` also when the list is missing. */
  freshness: TrustFreshness
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
  /** The data the verdict stands on: the pass's issuer's (this deployment's for a bad token). */
  trust: TrustBasis
}

export interface TrustBasis {
  issuer_code: string
  ageSeconds: number
  freshness: TrustFreshness
  hasList: boolean
  listMissing: boolean
}

/** The server's default CLOCK_SKEW_SECONDS: the page cannot read the server's configuration. */
const SKEW_MS = 5 * 60_000

/** `now`: the trusted now (trust/trust-age.ts), never the phone's own clock. */
export async function verifyOffline(
  token: string,
  trust: OfflineTrust,
  observedPlate: string | null,
  now: Date,
): Promise<OfflineVerdict> {
  const checked = await verifyPassToken(token, keysOf(trust), now, SKEW_MS)
  const issuer = checked.ok ? issuerEntry(trust, issuerOf(checked.claims.number)) : undefined
  const basis = basisOf(issuer ?? trust.issuers[0])
  const verdict = decideVerdict(offlineFacts(checked, trust, observedPlate))
  if (!checked.ok) return Object.assign(verdict, { trust: basis })
  const { claims } = checked
  return Object.assign(verdict, {
    pass: {
      number: claims.number,
      plate: claims.plate,
      valid_from: claims.validFrom.toISOString(),
      valid_until: claims.validUntil.toISOString(),
      origin_region_code: claims.origin,
      destination_code: claims.destination,
    },
    trust: basis,
  })
}

/** What the page knows offline, as the facts the server's verdict takes. */
export function offlineFacts(
  checked: PassTokenCheck,
  trust: OfflineTrust,
  observedPlate: string | null,
): ScanFacts {
  if (!checked.ok) return { tokenProblem: checked.problem, trustFreshness: ownFreshness(trust) }
  // Unknown offline, so left unset (no reason either way): enterpriseWhitelisted,
  // loopAlreadyOpen, manualLoopOpen, recentNegative.
  const issuer = issuerEntry(trust, issuerOf(checked.claims.number))
  return {
    window: checked.window,
    passStatus: listedStatus(checked.claims.number, issuer),
    passPlate: checked.claims.plate,
    observedPlate: observedPlate ? normalisePlate(observedPlate) : null,
    trustFreshness: issuer?.freshness,
  }
}

/**
 * A typed pass number offline (no token to verify): its issuer's list decides it when the bit is
 * set; otherwise the page cannot tell a valid pass from a made-up number, so it asks for the QR.
 */
export function listedOffline(
  passNumber: string,
  trust: OfflineTrust,
): { status: 'revoked' | null; trust: TrustBasis } {
  const issuer = issuerEntry(trust, issuerOf(passNumber))
  return {
    status: listedStatus(passNumber, issuer) ?? null,
    trust: basisOf(issuer ?? trust.issuers[0]),
  }
}

/**
 * A set bit in the issuer's status list. The list has one bit per pass, set for a revoked and a
 * superseded pass alike, so offline both read `revoked` (online the server tells them apart);
 * either way the pass is no longer valid and the truck is controlled on site.
 */
function listedStatus(
  passNumber: string,
  issuer: OfflineIssuer | undefined,
): 'revoked' | undefined {
  const serial = serialOf(passNumber)
  if (!issuer?.list || serial === null) return undefined
  return issuer.list.isInvalid(serial) ? 'revoked' : undefined
}

const issuerEntry = (trust: OfflineTrust, code: string) =>
  trust.issuers.find((i) => i.issuer_code === code)

const ownFreshness = (trust: OfflineTrust) => trust.issuers[0]?.freshness

function basisOf(issuer: OfflineIssuer | undefined): TrustBasis {
  return {
    issuer_code: issuer?.issuer_code ?? '',
    ageSeconds: issuer?.ageSeconds ?? 0,
    freshness: issuer?.freshness ?? 'stale',
    hasList: Boolean(issuer?.list),
    listMissing: issuer?.listMissing ?? false,
  }
}

/** Each issuer's keys as the bundle gave them. */
const keysOf = (trust: OfflineTrust) =>
  jwksKeyResolver((issuer) => issuerEntry(trust, issuer)?.jwks.keys)
