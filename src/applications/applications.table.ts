import type { ColumnType, Selectable } from 'kysely'
import type { CargoCategory } from './rules.ts'
import type { RejectionCode } from './rejection-reasons.ts'

export const APPLICATION_STATUSES = ['submitted', 'approved', 'rejected', 'withdrawn'] as const
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number]

export type { StoredCrewMember } from '../vehicles/crew.ts'

export interface ApplicationsTable {
  id: string
  enterprise_id: string
  plate: string
  /** JSON array of StoredCrewMember. */
  crew: string
  cargo_category: CargoCategory
  origin_region_code: string
  destination_station_code: string | null
  destination_region_code: string
  destination_address: string | null
  route: string
  valid_from: string
  valid_until: string
  status: ApplicationStatus
  decision_reason: string | null
  /** A rejection's code from REJECTION_REASONS (rejection-reasons.ts); null unless rejected. */
  rejection_code: RejectionCode | null
  decided_by: string | null
  decided_at: string | null
  pass_number: string | null
  /** The arrival slot asked for at a transfer station (ISO instant, a slot start); null: none. */
  arrival_slot: string | null
  created_by: string
  created_at: string
  /** When retention, a subject's request or decommission erased this row's personal data; null: held. */
  personal_erased_at: ColumnType<string | null, string | null | undefined, string | null>
}
export type ApplicationRow = Selectable<ApplicationsTable>
