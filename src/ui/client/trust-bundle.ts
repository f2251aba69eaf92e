// The trust bundle as the scan page keeps it (GET /api/v1/trust/bundle, trust/publish-routes.ts):
// every issuer's keys and the last status list of each that verified on this phone with that
// issuer's own keys, and since when each issuer's data is known current (server time). Pure: no
// page, no storage, so the tests run it as the page bundles it; scan-trust.ts stores and polls.
import {
  verifyStatusList,
  type DecodedStatusList,
  type StatusListProblem,
} from '../../trust/status-list.ts'
import { jwksKeyResolver, type PublicKeyJwk } from '../../trust/jwks-key-resolver.ts'
import { trustDataAge, trustFreshness, type TrustClock } from '../../trust/trust-age.ts'
import type { OfflineIssuer, OfflineTrust } from './verify-offline.ts'

/** The bundle's body as the server sends it. */
export interface TrustBundleBody {
  issuer_code: string
  generated_at: string
  refresh_seconds: number
  warn_age_seconds: number
  max_age_seconds: number
  issuers: {
    issuer_code: string
    name: string
    jwks: { keys: PublicKeyJwk[] }
    status_list: string | null
    fetched_at: string | null
    current: boolean
  }[]
}

/** What the page keeps in IndexedDB (`tx-trust`). */
export interface StoredTrust {
  format: 2
  /** The bundle's ETag, sent back as If-None-Match. */
  etag: string | null
  /** This deployment's issuer code (the first issuer). */
  issuer_code: string
  refresh_seconds: number
  warn_age_seconds: number
  max_age_seconds: number
  /** Server time (ms) of the last sync that confirmed this bundle (200 or 304). */
  synced_at: number
  issuers: StoredIssuer[]
}

export interface StoredIssuer {
  issuer_code: string
  name: string
  jwks: { keys: PublicKeyJwk[] }
  /** The last list of this issuer that verified here (its JWT, unchanged), or none. */
  status_list: string | null
  list_version: number | null
  /** The bundle carries a list for this issuer (whether or not it verified). */
  publishes_list: boolean
  /** The list kept is the bundle's (not an older good one kept over a refused one). */
  list_in_bundle: boolean
  /** The server confirmed this issuer's data within three refresh intervals of the sync. */
  current: boolean
  fetched_at: string | null
  /** Server time (ms) at which the data kept for this issuer was last known current. */
  as_of: number
  /** Why the bundle's list was not taken, when it was not. */
  refused: StatusListProblem | 'older_version' | null
}

/** Decoded lists by their JWT (decoding takes ~100 ms on a phone: once per list, not per scan). */
export type DecodedLists = Map<string, DecodedStatusList>

export function isStoredTrust(value: unknown): value is StoredTrust {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as StoredTrust).format === 2 &&
    Array.isArray((value as StoredTrust).issuers)
  )
}

/**
 * A bundle received (200) at server time `serverTime`: each issuer's list is verified with the
 * keys this same bundle gives for that issuer and taken if it is not older than the one kept; a
 * list refused leaves the previous good one in place (its age goes on from when it was good).
 * `now` (trusted, ms) checks the lists' `exp`. Lists decoded here are added to `decoded`.
 */
export async function acceptBundle(
  previous: StoredTrust | undefined,
  body: TrustBundleBody,
  etag: string | null,
  serverTime: number,
  now: number,
  decoded: DecodedLists,
): Promise<StoredTrust> {
  const issuers: StoredIssuer[] = []
  for (const issuer of body.issuers) {
    const before = previous?.issuers.find((i) => i.issuer_code === issuer.issuer_code)
    const fetchedAt = issuer.fetched_at ? Date.parse(issuer.fetched_at) : Number.NaN
    // Current data is as fresh as this sync; other data as old as the server's last fetch of it.
    const asOf = issuer.current ? serverTime : Number.isNaN(fetchedAt) ? 0 : fetchedAt
    const kept = {
      issuer_code: issuer.issuer_code,
      name: issuer.name,
      jwks: issuer.jwks,
      publishes_list: issuer.status_list !== null,
      current: issuer.current,
      fetched_at: issuer.fetched_at,
    }
    if (issuer.status_list === null) {
      issuers.push({
        ...kept,
        status_list: null,
        list_version: null,
        list_in_bundle: false,
        as_of: asOf,
        refused: null,
      })
      continue
    }
    const taken = await takeList(issuer.status_list, issuer, before, now, decoded)
    if (taken.ok) {
      issuers.push({
        ...kept,
        status_list: issuer.status_list,
        list_version: taken.version,
        list_in_bundle: true,
        as_of: asOf,
        refused: null,
      })
    } else {
      issuers.push({
        ...kept,
        status_list: before?.status_list ?? null,
        list_version: before?.status_list ? before.list_version : null,
        list_in_bundle: false,
        // The list kept is as old as when it was last good; with none, the keys are this sync's.
        as_of: before?.status_list ? before.as_of : asOf,
        refused: taken.problem,
      })
    }
  }
  return {
    format: 2,
    etag,
    issuer_code: body.issuer_code,
    refresh_seconds: body.refresh_seconds,
    warn_age_seconds: body.warn_age_seconds,
    max_age_seconds: body.max_age_seconds,
    synced_at: serverTime,
    issuers,
  }
}

async function takeList(
  jwt: string,
  issuer: TrustBundleBody['issuers'][number],
  before: StoredIssuer | undefined,
  now: number,
  decoded: DecodedLists,
): Promise<{ ok: true; version: number } | { ok: false; problem: StoredIssuer['refused'] }> {
  // The very list kept already: verified when it came, decoded already.
  if (before?.status_list === jwt && before.list_version !== null && decoded.has(jwt))
    return { ok: true, version: before.list_version }
  const verified = await verifyStatusList(
    jwt,
    issuer.issuer_code,
    jwksKeyResolver(() => issuer.jwks.keys),
    now,
  )
  if (!verified.ok) return verified
  // Never back to an older list (a replayed or rolled-back bundle would un-revoke passes).
  if (before?.status_list && (before.list_version ?? 0) > verified.claims.version)
    return { ok: false, problem: 'older_version' }
  decoded.set(jwt, verified.list)
  return { ok: true, version: verified.claims.version }
}

/**
 * The bundle confirmed unchanged (304) at server time `serverTime`: what the server holds current
 * is current as of now; a list refused earlier, or an issuer the server no longer keeps current,
 * stays as old as it was.
 */
export function confirmBundle(stored: StoredTrust, serverTime: number): StoredTrust {
  return {
    format: 2,
    etag: stored.etag,
    issuer_code: stored.issuer_code,
    refresh_seconds: stored.refresh_seconds,
    warn_age_seconds: stored.warn_age_seconds,
    max_age_seconds: stored.max_age_seconds,
    synced_at: serverTime,
    issuers: stored.issuers.map((issuer) =>
      issuer.current && (issuer.list_in_bundle || !issuer.publishes_list)
        ? Object.assign({}, issuer, { as_of: serverTime })
        : issuer,
    ),
  }
}

/**
 * The lists kept, decoded, after a reload. Each was verified with its issuer's keys when it came;
 * its signature is checked again (the store is the phone's), its `exp` is not: kept past it, a
 * list still knows the revocations it lists, and its age makes every verdict on it stale.
 */
export async function decodeKept(stored: StoredTrust, decoded: DecodedLists): Promise<void> {
  for (const issuer of stored.issuers) {
    const jwt = issuer.status_list
    if (!jwt || decoded.has(jwt)) continue
    const verified = await verifyStatusList(
      jwt,
      issuer.issuer_code,
      jwksKeyResolver(() => issuer.jwks.keys),
      0,
    )
    if (verified.ok) decoded.set(jwt, verified.list)
  }
}

/** Drops decoded lists no longer kept. */
export function pruneDecoded(stored: StoredTrust, decoded: DecodedLists): void {
  const kept = new Set(stored.issuers.map((i) => i.status_list))
  for (const jwt of decoded.keys()) if (!kept.has(jwt)) decoded.delete(jwt)
}

/**
 * The material of an offline verdict at device time `deviceNow`: each issuer's keys, its decoded
 * list, and its data's age (trust/trust-age.ts: the server's time at the last sync plus the
 * device's elapsed time, plus how old the server said the data was then).
 */
export function offlineTrust(
  stored: StoredTrust,
  decoded: DecodedLists,
  clock: TrustClock,
  deviceNow: number,
): OfflineTrust {
  const limits = { warnSeconds: stored.warn_age_seconds, maxSeconds: stored.max_age_seconds }
  const issuers: OfflineIssuer[] = stored.issuers.map((issuer) => {
    const list = issuer.status_list ? (decoded.get(issuer.status_list) ?? null) : null
    const ageSeconds = trustDataAge(clock, deviceNow, (clock.serverTime - issuer.as_of) / 1000)
    // Published but none verified: this issuer's revocations are unknown, as bad as stale.
    const listMissing = issuer.publishes_list && list === null
    return {
      issuer_code: issuer.issuer_code,
      jwks: issuer.jwks,
      list,
      listMissing,
      ageSeconds,
      freshness: listMissing ? 'stale' : trustFreshness(ageSeconds, limits),
    }
  })
  return { issuer: stored.issuer_code, issuers }
}
