import type { ColumnType, Generated, Selectable } from 'kysely'
import type { CargoCategory } from '../applications/rules.ts'

export const PASS_STATUSES = ['active', 'revoked', 'superseded'] as const
export type StoredPassStatus = (typeof PASS_STATUSES)[number]
/** As shown: an active pass past its window is `expired`. */
export type PassStatus = StoredPassStatus | 'expired'

export interface PassesTable {
  number: string
  issuer_code: string
  serial: number
  application_id: string
  enterprise_id: string
  plate: string
  cargo_category: CargoCategory
  origin_region_code: string
  destination_station_code: string | null
  destination_region_code: string
  destination_address: string | null
  route: string
  valid_from: string
  valid_until: string
  status: StoredPassStatus
  status_reason: string | null
  status_changed_at: string | null
  superseded_by: string | null
  kid: string
  token: string | null
  issued_by: string
  issued_at: string
}
export type PassRow = Selectable<PassesTable>

export interface PassStatusChangesTable {
  id: Generated<number>
  pass_number: string
  status: StoredPassStatus
  reason: string
  actor: string
  at: string
}

export interface TrustedIssuersTable {
  issuer_code: string
  name: string
  /** JSON `{keys: [...]}` of Ed25519 public JWKs. */
  jwks: string
  added_by: string
  added_at: string
  /** Where its JWKS and its status list are fetched from (schema/0017_trust_federation.sql). */
  jwks_url: ColumnType<string | null, string | null | undefined, string | null>
  status_list_url: ColumnType<string | null, string | null | undefined, string | null>
  /** The last good status list JWT, unchanged. */
  status_list: ColumnType<string | null, string | null | undefined, string | null>
  status_list_version: ColumnType<number | null, number | null | undefined, number | null>
  status_list_iat: ColumnType<number | null, number | null | undefined, number | null>
  status_list_etag: ColumnType<string | null, string | null | undefined, string | null>
  jwks_etag: ColumnType<string | null, string | null | undefined, string | null>
  fetched_at: ColumnType<string | null, string | null | undefined, string | null>
  last_error: ColumnType<string | null, string | null | undefined, string | null>
  last_error_at: ColumnType<string | null, string | null | undefined, string | null>
  failures: ColumnType<number, number | undefined, number>
  failing_since: ColumnType<string | null, string | null | undefined, string | null>
  alert_opened_at: ColumnType<string | null, string | null | undefined, string | null>
}
