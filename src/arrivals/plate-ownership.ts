import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'

/**
 * Whether a firm may speak for a vehicle (report its arrival): it holds a pass for that plate that
 * is active and has not ended yet — and, when the report names a pass, that very pass. The one
 * place this is decided, so other proofs (a vehicle the firm registered) are added here.
 */
export async function firmHoldsPlate(
  db: Kysely<Database>,
  claim: { enterpriseId: string; plate: string; passNumber: string | null; now: Date },
): Promise<boolean> {
  let query = db
    .selectFrom('passes')
    .select('number')
    .where('enterprise_id', '=', claim.enterpriseId)
    .where('plate', '=', claim.plate)
    .where('status', '=', 'active')
    .where('valid_until', '>', claim.now.toISOString())
  if (claim.passNumber) query = query.where('number', '=', claim.passNumber)
  return (await query.limit(1).executeTakeFirst()) !== undefined
}
