import type { Selectable } from 'kysely'

export interface StationsTable {
  code: string
  name: string
  region_code: string
  address: string
  capacity_per_day: number
  opening_hours: string
  is_open: number
  /** Arrivals per hour; null: the daily capacity spread over the opening hours. */
  capacity_per_hour: number | null
  /** Why the station is closed (set with is_open = 0, cleared on reopening). */
  closed_reason: string | null
  created_at: string
}
export type StationRow = Selectable<StationsTable>
