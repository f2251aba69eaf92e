import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'

/**
 * The latest risk-level changes of every region, newest first: the risk page shows them so a
 * region lowered back to low risk (and gone from the medium/high list) still shows who did it and why.
 */
export function recentRiskChanges(db: Kysely<Database>, limit: number) {
  return db
    .selectFrom('region_risk_changes')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}
