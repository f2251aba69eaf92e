import type { Selectable } from 'kysely'
import type { VehicleKind } from './vehicle-kinds.ts'

/** A firm's vehicle, kept once: schema/0021_vehicles.sql. */
export interface VehiclesTable {
  id: string
  enterprise_id: string
  plate: string
  kind: VehicleKind
  /** JSON array of StoredCrewMember (./crew.ts), as applications.crew: sealed and masked. */
  crew: string
  created_by: string
  created_at: string
  updated_at: string
}
export type VehicleRow = Selectable<VehiclesTable>
