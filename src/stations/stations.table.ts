import type { Selectable } from 'kysely'

export interface StationsTable {
  code: string
  name: string
  region_code: string
  address: string
  capacity_per_day: number
  opening_hours: string
  is_open: number
  created_at: string
}
export type StationRow = Selectable<StationsTable>
