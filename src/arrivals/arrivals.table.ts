import type { ColumnType, Selectable } from 'kysely'

export interface ArrivalReportsTable {
  id: string
  enterprise_id: string
  plate: string
  pass_number: string | null
  checkpoint_code: string
  expected_from: string
  expected_until: string
  /** JSON array of StoredCrewMember (see applications.table.ts). */
  crew: string
  reported_late: number
  created_by: string
  created_at: string
  arrived_at: string | null
  arrived_loop_id: string | null
  arrived_scan_id: string | null
  /** The firm's slot booking at a transfer station this report names (0024). */
  booking_id: string | null
  /** When retention, a subject's request or decommission erased this row's personal data; null: held. */
  personal_erased_at: ColumnType<string | null, string | null | undefined, string | null>
}
export type ArrivalReportRow = Selectable<ArrivalReportsTable>
