import type { Generated, Selectable } from 'kysely'
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
}
