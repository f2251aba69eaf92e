import type { Selectable } from 'kysely'

/** The end of the service (schema/0027): at most one row, written by the decommission itself. */
export interface DecommissionsTable {
  id: number
  at: string
  actor: string
  reason: string
  /** JSON: the report of what was done (the same one the script writes to a file). */
  report: string
}
export type DecommissionRow = Selectable<DecommissionsTable>
