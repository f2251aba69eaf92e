import type { SigningKeys } from '../../src/trust/signing-keys.ts'
import { encodeStatusList, signStatusList } from '../../src/trust/status-list.ts'
import type { TrustBundleBody } from '../../src/ui/client/trust-bundle.ts'

// Trust bundles as GET /api/v1/trust/bundle sends them, for the offline page's tests: each issuer's
// status list signed with that issuer's own key, as trust/own-status-list.ts signs it.

const WARN = 24 * 3600
const MAX = 72 * 3600

/** Encoding a million-bit list takes a few hundred ms: once per set of serials. */
const encoded = new Map<string, ReturnType<typeof encodeStatusList>>()
function encodedList(serials: number[]) {
  const key = serials.join(',')
  let list = encoded.get(key)
  if (!list) encoded.set(key, (list = encodeStatusList(serials)))
  return list
}

/** A status list JWT of `issuer` with the bits of `serials` set, issued at `at` (ms). */
export function signedList(
  issuer: string,
  serials: number[],
  keys: SigningKeys,
  at: number,
  options: { version?: number; expiresIn?: number; claimedIssuer?: string } = {},
): Promise<string> {
  const iat = Math.floor(at / 1000)
  return signStatusList(
    {
      issuer_code: options.claimedIssuer ?? issuer,
      sub: `https://${issuer}.example/api/v1/trust/status-list`,
      iat,
      exp: iat + (options.expiresIn ?? MAX),
      ttl: 60,
      version: options.version ?? serials.length,
      status_list: encodedList(serials),
    },
    keys.current,
  )
}

export interface IssuerInBundle {
  issuer_code: string
  keys: SigningKeys
  status_list: string | null
  current: boolean
  fetched_at: number | null
}

/** The bundle's body generated at `at` (ms), the first issuer being this deployment. */
export function bundleBody(at: number, issuers: IssuerInBundle[]): TrustBundleBody {
  return {
    issuer_code: issuers[0].issuer_code,
    generated_at: new Date(at).toISOString(),
    refresh_seconds: 60,
    warn_age_seconds: WARN,
    max_age_seconds: MAX,
    issuers: issuers.map((i) => ({
      issuer_code: i.issuer_code,
      name: `issuer ${i.issuer_code}`,
      jwks: { keys: i.keys.all.map((k) => k.publicJwk) },
      status_list: i.status_list,
      fetched_at: i.fetched_at === null ? null : new Date(i.fetched_at).toISOString(),
      current: i.current,
    })),
  }
}
