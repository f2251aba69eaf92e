import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import type { IssuerJwks } from './issuer-jwks.ts'
import { problemsOf } from './refresh-issuers.ts'

/**
 * What the API and the pages show of a trusted issuer: everything but the held status list itself
 * (the trust bundle hands that out) and the fetch validators.
 */
export const ISSUER_COLUMNS = [
  'issuer_code',
  'name',
  'jwks',
  'added_by',
  'added_at',
  'jwks_url',
  'status_list_url',
  'fetched_at',
  'status_list_version',
  'last_error',
  'last_error_at',
  'failures',
  'failing_since',
  'alert_opened_at',
] as const

export interface IssuerRow {
  issuer_code: string
  name: string
  jwks: string
  added_by: string
  added_at: string
  jwks_url: string | null
  status_list_url: string | null
  fetched_at: string | null
  status_list_version: number | null
  last_error: string | null
  last_error_at: string | null
  failures: number
  failing_since: string | null
  alert_opened_at: string | null
}

/** A trusted issuer as the API answers it: the row's shown columns, keys parsed. */
export function issuerView(row: IssuerRow) {
  return {
    issuer_code: row.issuer_code,
    name: row.name,
    jwks: JSON.parse(row.jwks) as IssuerJwks,
    added_by: row.added_by,
    added_at: row.added_at,
    jwks_url: row.jwks_url,
    status_list_url: row.status_list_url,
    fetched_at: row.fetched_at,
    status_list_version: row.status_list_version,
    last_error: row.last_error,
    last_error_at: row.last_error_at,
    failures: row.failures,
    failing_since: row.failing_since,
    alert_opened_at: row.alert_opened_at,
  }
}

/** The trust list by issuer code, keys parsed: the trust page reads it here (pages build no queries). */
export async function listTrustedIssuers(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('trusted_issuers')
    .select(ISSUER_COLUMNS)
    .orderBy('issuer_code')
    .execute()
  return rows.map((row) => ({ ...issuerView(row), problems: problemsOf(row.last_error) }))
}

/** Issuers whose fetching keeps failing and whose coordinators were alerted: the alerts page's banner. */
export async function listFailingIssuers(db: Kysely<Database>) {
  const rows = await db
    .selectFrom('trusted_issuers')
    .select(['issuer_code', 'name', 'failing_since', 'alert_opened_at', 'last_error', 'failures'])
    .where('alert_opened_at', 'is not', null)
    .orderBy('failing_since')
    .execute()
  return rows.map((row) => ({
    issuer_code: row.issuer_code,
    name: row.name,
    failing_since: row.failing_since,
    alert_opened_at: row.alert_opened_at!,
    failures: row.failures,
    problems: problemsOf(row.last_error),
  }))
}
