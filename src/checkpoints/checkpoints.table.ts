import type { Selectable } from 'kysely'

export const CHECKPOINT_KINDS = ['highway_exit', 'road', 'transfer_station', 'destination'] as const
export type CheckpointKind = (typeof CHECKPOINT_KINDS)[number]

export interface CheckpointsTable {
  code: string
  name: string
  region_code: string
  kind: CheckpointKind
  station_code: string | null
  created_at: string
}
export type CheckpointRow = Selectable<CheckpointsTable>
