import type { Deps } from '../app-env.ts'
import { loadSigningKeys } from './signing-keys.ts'
import {
  deflateStatusList,
  serialOf,
  signStatusList,
  type StatusListClaims,
} from './status-list.ts'

/** A list is signed anew at least this often (its `iat`), so a reader sees it is being kept up. */
export const REISSUE_SECONDS = 3600
const DAY_MS = 86_400_000

export interface PublishedStatusList {
  jwt: string
  /** Strong validator: equal for equal lists, on every instance (Ed25519 signatures are deterministic). */
  etag: string
  claims: StatusListClaims
}

/**
 * This deployment's own status list (trust/status-list.ts). Its content is fixed by the database
 * and the hour: `version` is the last pass status change, `iat` the later of that change and the
 * start of the hour, so every instance (Workers isolates too) signs the very same JWT and answers
 * the same ETag, and an unchanged list costs readers a 304. Passes whose window ended more than a
 * day before `iat` are left out: they fail on their own expiry. Built once per content.
 */
export async function ownStatusList(deps: Deps, sub: string): Promise<PublishedStatusList> {
  const { config, store } = deps
  const last = await store.db
    .selectFrom('pass_status_changes')
    .select(['id', 'at'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
  const now = deps.clock().getTime()
  const hour = Math.floor(now / 1000 / REISSUE_SECONDS) * REISSUE_SECONDS
  const changedAt = last ? Math.floor(Date.parse(last.at) / 1000) : 0
  const version = last ? Number(last.id) : 0
  const iat = Math.max(hour, Math.min(changedAt, Math.floor(now / 1000)))
  const keys = await loadSigningKeys(config.SIGNING_KEYS)
  const etag = `"sl-${config.ISSUER_CODE}-${version}-${iat}-${keys.current.kid}"`
  let held = cache.get(deps)
  if (!held || held.etag !== etag) {
    const made: Held = { etag, content: readContent(deps, { version, iat }), signed: new Map() }
    made.content.catch(() => cache.get(deps) === made && cache.delete(deps))
    cache.set(deps, (held = made))
  }
  // Signed per address: a request naming another host (no PUBLIC_ORIGIN) signs anew but never
  // re-encodes the list, and a few addresses are kept, so alternating hosts cost no rebuilds.
  let list = held.signed.get(sub)
  if (!list) {
    if (held.signed.size >= ADDRESSES_KEPT) held.signed.delete(held.signed.keys().next().value!)
    list = held.content.then(async (content) => {
      const claims: StatusListClaims = {
        issuer_code: content.issuer_code,
        sub,
        iat: content.iat,
        exp: content.exp,
        ttl: content.ttl,
        version: content.version,
        status_list: content.status_list,
      }
      return { jwt: await signStatusList(claims, keys.current), etag, claims }
    })
    const signing = list
    const signed = held.signed
    signing.catch(() => signed.get(sub) === signing && signed.delete(sub))
    signed.set(sub, signing)
  }
  return list
}

const ADDRESSES_KEPT = 4

interface Held {
  etag: string
  /** Everything but `sub`: the encoding is the costly part (tens of ms for 10⁶ serials). */
  content: Promise<Omit<StatusListClaims, 'sub'>>
  signed: Map<string, Promise<PublishedStatusList>>
}

const cache = new WeakMap<Deps, Held>()

async function readContent(
  deps: Deps,
  at: { version: number; iat: number },
): Promise<Omit<StatusListClaims, 'sub'>> {
  const { config, store } = deps
  const rows = await store.db
    .selectFrom('passes')
    .select('number')
    .where('status', '!=', 'active')
    .where('valid_until', '>=', new Date(at.iat * 1000 - DAY_MS).toISOString())
    .execute()
  const serials: number[] = []
  for (const row of rows) {
    // Only this issuer's numbers are in `passes`; the check keeps a stray row out of the list.
    if (!row.number.startsWith(config.ISSUER_CODE)) continue
    const serial = serialOf(row.number)
    if (serial !== null) serials.push(serial)
  }
  return {
    issuer_code: config.ISSUER_CODE,
    iat: at.iat,
    exp: at.iat + config.TRUST_MAX_AGE,
    ttl: config.TRUST_REFRESH_SECONDS,
    version: at.version,
    status_list: await deflateStatusList(serials),
  }
}

/** Where the list is published, for its `sub`: PUBLIC_ORIGIN when set, else the request's origin. */
export function statusListAddress(deps: Deps, requestUrl: string): string {
  return new URL('/api/v1/trust/status-list', deps.config.PUBLIC_ORIGIN ?? requestUrl).href
}
