import { sql, type Selectable, type SqlBool } from 'kysely'
import type { Deps } from '../app-env.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { abortUnless, GuardFailed } from '../db/guard.ts'
import type { Database } from '../database.ts'
import { fetchTrustDocument, TrustFetchFailed } from './fetch-trust-document.ts'
import { keySetChange, readIssuerJwks, type IssuerJwk } from './issuer-jwks.ts'
import { jwksKeyResolver } from './jwks-key-resolver.ts'
import { peekStatusListClaims, verifyStatusList, type StatusListProblem } from './status-list.ts'

/**
 * Federation (README, Nationwide use): every TRUST_REFRESH_SECONDS the service fetches each
 * trusted issuer's JWKS and status list from the addresses an admin registered, verifies the list
 * with that issuer's keys, and keeps the last good copy of both. Nothing fetched replaces what is
 * held unless it is good:
 *  - a JWKS must be public Ed25519 keys and share a key with the held set (a rotation adds one);
 *    a set that shares none, or gives a held kid another key, is refused until an admin confirms;
 *  - a status list must verify with the issuer's keys (held, or just fetched), name that issuer,
 *    be unexpired, and be no older than the held one (`version`, then `iat`).
 * A 304 to If-None-Match confirms the held copy. `fetched_at` is when the revocation data was
 * last obtained or confirmed (the JWKS's, for an issuer with no list address). Every failure keeps
 * the held copy, counts in `failures` and names itself in `last_error`; after
 * ALERT_AFTER_FAILURES in a row over at least ALERT_AFTER_MS coordinators are alerted (the issuer
 * row's `alert_opened_at`, the alerts page, audit `trust.fetch_failing`), and the next success
 * clears it (audit `trust.fetch_recovered`). Issuers are refreshed in parallel; one issuer's
 * failure never stops another's.
 */
export const ALERT_AFTER_FAILURES = 5
export const ALERT_AFTER_MS = 5 * 60_000

/** What can go wrong with one issuer's refresh: stored as the prefix of each `last_error` part. */
export const REFRESH_PROBLEMS = [
  'jwks_unreachable',
  'jwks_invalid',
  'jwks_replaced',
  'jwks_key_changed',
  'status_list_unreachable',
  'status_list_invalid',
  'status_list_bad_signature',
  'status_list_wrong_issuer',
  'status_list_expired',
  'status_list_older',
] as const
export type RefreshProblem = (typeof REFRESH_PROBLEMS)[number]

interface Failure {
  problem: RefreshProblem
  /** A short English sentence for logs and admins. */
  sentence: string
}

/** `last_error` as stored: `problem: sentence`, several joined by `; `. */
export const formatLastError = (failures: readonly Failure[]) =>
  failures.map((f) => `${f.problem}: ${f.sentence}`).join('; ')

/** The problems named in a stored `last_error`, for pages to say in words. */
export function problemsOf(lastError: string | null): RefreshProblem[] {
  if (!lastError) return []
  const found: RefreshProblem[] = []
  for (const part of lastError.split('; ')) {
    const name = part.slice(0, part.indexOf(':'))
    const problem = REFRESH_PROBLEMS.find((p) => p === name)
    if (problem && !found.includes(problem)) found.push(problem)
  }
  return found
}

export interface IssuerRefresh {
  issuer_code: string
  ok: boolean
  /** `last_error` as stored when not ok. */
  error: string | null
  /** A new JWKS / status list was stored. */
  jwks_updated: boolean
  status_list_updated: boolean
}

type IssuerRow = Selectable<Database['trusted_issuers']>

const inFlight = new WeakMap<Deps, Promise<IssuerRefresh[]>>()

/** Refreshes every issuer registered with an address; a call while one runs joins it. */
export function refreshTrustedIssuers(
  deps: Deps,
  fetchFn: typeof fetch = deps.fetch ?? fetch,
): Promise<IssuerRefresh[]> {
  const running = inFlight.get(deps)
  if (running) return running
  const run = refreshAll(deps, fetchFn).finally(() => inFlight.delete(deps))
  inFlight.set(deps, run)
  return run
}

async function refreshAll(deps: Deps, fetchFn: typeof fetch): Promise<IssuerRefresh[]> {
  const rows = await deps.store.db
    .selectFrom('trusted_issuers')
    .selectAll()
    .where((eb) => eb.or([eb('jwks_url', 'is not', null), eb('status_list_url', 'is not', null)]))
    .orderBy('issuer_code')
    .execute()
  return Promise.all(
    rows.map((row) =>
      refreshIssuer(deps, row, fetchFn).catch((error: unknown): IssuerRefresh => ({
        issuer_code: row.issuer_code,
        ok: false,
        error: String(error),
        jwks_updated: false,
        status_list_updated: false,
      })),
    ),
  )
}

async function refreshIssuer(
  deps: Deps,
  row: IssuerRow,
  fetchFn: typeof fetch,
): Promise<IssuerRefresh> {
  const failures: Failure[] = []
  const held = (JSON.parse(row.jwks) as { keys: IssuerJwk[] }).keys
  const keys = await refreshJwks(row, held, fetchFn, failures)
  const list = await refreshStatusList(deps, row, keys.keys, fetchFn, failures)

  const now = deps.clock()
  const at = now.toISOString()
  const ok = failures.length === 0
  // Revocation data counts as current when the list was obtained or confirmed; an issuer without
  // a list address has only its keys to keep current.
  const confirmed = row.status_list_url ? list.confirmed : keys.confirmed
  const count = ok ? 0 : row.failures + 1
  const failingSince = ok ? null : (row.failing_since ?? at)
  const alertNow =
    !ok &&
    row.alert_opened_at === null &&
    count >= ALERT_AFTER_FAILURES &&
    now.getTime() - Date.parse(failingSince!) >= ALERT_AFTER_MS
  const lastError = ok ? null : formatLastError(failures)
  const subject = `issuer:${row.issuer_code}`

  const update = deps.store.db
    .updateTable('trusted_issuers')
    .set({
      ...(keys.update ?? {}),
      ...(list.update ?? {}),
      ...(confirmed ? { fetched_at: at } : {}),
      last_error: lastError,
      last_error_at: ok ? null : at,
      failures: count,
      failing_since: failingSince,
      alert_opened_at: ok ? null : alertNow ? at : row.alert_opened_at,
    })
    .where('issuer_code', '=', row.issuer_code)
  const audits = [
    ...(keys.changed
      ? [
          auditEntry(now, {
            actor: 'system',
            action: 'trust.jwks_updated',
            subject,
            before: { kids: held.map((k) => k.kid) },
            after: { kids: keys.keys.map((k) => k.kid), from: row.jwks_url },
          }),
        ]
      : []),
    ...(alertNow
      ? [
          auditEntry(now, {
            actor: 'system',
            action: 'trust.fetch_failing',
            subject,
            after: { failures: count, failing_since: failingSince, last_error: lastError },
          }),
        ]
      : []),
    ...(ok && row.alert_opened_at
      ? [
          auditEntry(now, {
            actor: 'system',
            action: 'trust.fetch_recovered',
            subject,
            before: {
              failures: row.failures,
              failing_since: row.failing_since,
              alert_opened_at: row.alert_opened_at,
              last_error: row.last_error,
            },
            after: { fetched_at: confirmed ? at : row.fetched_at },
          }),
        ]
      : []),
  ]
  try {
    await deps.store.atomic([unchangedSince(row), update, ...audits])
  } catch (error) {
    // Another refresh or an admin's change wrote the row meanwhile: theirs stands, and the next
    // refresh starts from it.
    if (error instanceof GuardFailed) return result(row, false, 'changed meanwhile', false, false)
    throw error
  }
  return result(row, ok, lastError, keys.changed, Boolean(list.update))
}

const result = (
  row: IssuerRow,
  ok: boolean,
  error: string | null,
  jwksUpdated: boolean,
  listUpdated: boolean,
): IssuerRefresh => ({
  issuer_code: row.issuer_code,
  ok,
  error,
  jwks_updated: jwksUpdated,
  status_list_updated: listUpdated,
})

/**
 * The write goes through only if the row is as this refresh read it, so two refreshes (or a
 * refresh and an admin's change of address) never interleave and a list never goes back.
 */
function unchangedSince(row: IssuerRow) {
  const condition = sql<SqlBool>`EXISTS (SELECT 1 FROM trusted_issuers
    WHERE issuer_code = ${row.issuer_code} AND failures = ${row.failures}
      AND fetched_at IS ${row.fetched_at} AND jwks IS ${row.jwks}
      AND jwks_url IS ${row.jwks_url} AND status_list_url IS ${row.status_list_url}
      AND status_list_version IS ${row.status_list_version}
      AND status_list_iat IS ${row.status_list_iat})`
  return abortUnless(condition, 'issuer_changed', 'the issuer changed during its refresh')
}

/** The issuer's keys after this refresh: the fetched set when accepted, else the held one. */
async function refreshJwks(
  row: IssuerRow,
  held: IssuerJwk[],
  fetchFn: typeof fetch,
  failures: Failure[],
): Promise<{
  keys: IssuerJwk[]
  confirmed: boolean
  /** The key set itself changed (a rotation): audited. */
  changed: boolean
  update?: { jwks?: string; jwks_etag: string | null }
}> {
  const kept = { keys: held, confirmed: false, changed: false }
  if (!row.jwks_url) return kept
  let fetched
  try {
    fetched = await fetchTrustDocument(fetchFn, row.jwks_url, {
      etag: row.jwks_etag,
      accept: 'application/jwk-set+json, application/json',
    })
  } catch (error) {
    if (!(error instanceof TrustFetchFailed)) throw error
    failures.push({
      problem: 'jwks_unreachable',
      sentence: `the JWKS could not be fetched (${error.message})`,
    })
    return kept
  }
  if (!fetched.changed) return { keys: held, confirmed: true, changed: false }
  const read = readIssuerJwks(fetched.text)
  if (!read.ok) {
    failures.push({
      problem: 'jwks_invalid',
      sentence: `the fetched JWKS was refused: ${read.reason}`,
    })
    return kept
  }
  const change = keySetChange(held, read.jwks.keys)
  if (change === 'replaced' || change === 'key_changed') {
    failures.push(
      change === 'replaced'
        ? {
            problem: 'jwks_replaced',
            sentence:
              'the fetched JWKS shares no key with the held one: key set replaced entirely, an admin must confirm',
          }
        : {
            problem: 'jwks_key_changed',
            sentence:
              'the fetched JWKS gives a held key id another key: refused, an admin must confirm',
          },
    )
    return kept
  }
  if (change === 'same') {
    // An unchanged set under a new ETag: only the ETag is kept, for the next If-None-Match.
    const etagOnly = fetched.etag === row.jwks_etag ? undefined : { jwks_etag: fetched.etag }
    return { keys: held, confirmed: true, changed: false, ...(etagOnly && { update: etagOnly }) }
  }
  return {
    keys: read.jwks.keys,
    confirmed: true,
    changed: true,
    update: { jwks: JSON.stringify(read.jwks), jwks_etag: fetched.etag },
  }
}

const LIST_PROBLEMS: Record<StatusListProblem, RefreshProblem> = {
  malformed: 'status_list_invalid',
  wrong_type: 'status_list_invalid',
  bad_signature: 'status_list_bad_signature',
  unknown_key: 'status_list_bad_signature',
  wrong_issuer: 'status_list_wrong_issuer',
  expired: 'status_list_expired',
}

const LIST_SENTENCES: Record<StatusListProblem, string> = {
  malformed: 'the fetched status list is not a status list JWT',
  wrong_type: 'the fetched document is not of type statuslist+jwt',
  bad_signature: 'the status list signature does not verify with the issuer’s keys',
  unknown_key: 'the status list is signed by a key not in the issuer’s JWKS',
  wrong_issuer: 'the status list names another issuer',
  expired: 'the status list has expired',
}

async function refreshStatusList(
  deps: Deps,
  row: IssuerRow,
  keys: IssuerJwk[],
  fetchFn: typeof fetch,
  failures: Failure[],
): Promise<{
  confirmed: boolean
  update?: {
    status_list: string
    status_list_version: number
    status_list_iat: number
    status_list_etag: string | null
  }
}> {
  if (!row.status_list_url) return { confirmed: false }
  const now = deps.clock().getTime()
  // A held list past its `exp` is not confirmed by a 304: ask for the whole list again.
  const heldExp = row.status_list ? peekStatusListClaims(row.status_list)?.exp : undefined
  const heldCurrent = typeof heldExp === 'number' && heldExp * 1000 >= now
  let fetched
  try {
    fetched = await fetchTrustDocument(fetchFn, row.status_list_url, {
      etag: heldCurrent ? row.status_list_etag : null,
      accept: 'application/statuslist+jwt',
    })
  } catch (error) {
    if (!(error instanceof TrustFetchFailed)) throw error
    failures.push({
      problem: 'status_list_unreachable',
      sentence: `the status list could not be fetched (${error.message})`,
    })
    return { confirmed: false }
  }
  if (!fetched.changed) return { confirmed: true }
  const jwt = fetched.text.trim()
  const resolveKey = jwksKeyResolver((issuer) => (issuer === row.issuer_code ? keys : undefined))
  const verified = await verifyStatusList(jwt, row.issuer_code, resolveKey, now, deps.verifyEd25519)
  if (!verified.ok) {
    failures.push({
      problem: LIST_PROBLEMS[verified.problem],
      sentence: LIST_SENTENCES[verified.problem],
    })
    return { confirmed: false }
  }
  const { version, iat } = verified.claims
  const heldVersion = row.status_list_version
  const heldIat = row.status_list_iat ?? 0
  if (
    heldVersion !== null &&
    (version < heldVersion || (version === heldVersion && iat < heldIat))
  ) {
    failures.push({
      problem: 'status_list_older',
      sentence: `the fetched status list (version ${version}, iat ${iat}) is older than the one held (version ${heldVersion}, iat ${heldIat})`,
    })
    return { confirmed: false }
  }
  return {
    confirmed: true,
    update: {
      status_list: jwt,
      status_list_version: version,
      status_list_iat: iat,
      status_list_etag: fetched.etag,
    },
  }
}

/** Logs each issuer whose refresh failed (its row says why too), for the Node timer and the cron. */
export function logRefreshFailures(results: readonly IssuerRefresh[]): void {
  for (const r of results)
    if (!r.ok)
      console.error(
        JSON.stringify({
          level: 'warn',
          job: 'trust-refresh',
          issuer: r.issuer_code,
          error: r.error,
        }),
      )
}
