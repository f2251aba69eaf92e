import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { settleLoop } from './loop-change.ts'

/**
 * Opens the overdue alerts nobody has read a loop for yet, and finishes projections left dirty
 * (e.g. by a crash between storing events and settling their loop). Run by a timer on Node
 * and a cron trigger on Workers; safe to run anywhere, any number of times.
 */
export async function sweepLoops(deps: Deps, limit = 500): Promise<number> {
  const db = deps.store.db
  const now = deps.clock().toISOString()
  const rows = await db
    .selectFrom('loops')
    .select('id')
    .where((eb) =>
      eb.or([
        eb('dirty', '=', 1),
        eb.and([
          eb('closed_at', 'is', null),
          eb('result_due_at', '<', now),
          // An alert opened after this due time covers it; an older one was for an earlier round
          // (the sample before a retest, a deadline a coordinator moved since).
          sql<boolean>`NOT EXISTS (SELECT 1 FROM alerts WHERE alerts.loop_id = loops.id AND alerts.kind = 'result_overdue' AND alerts.opened_at >= loops.result_due_at)`,
        ]),
        eb.and([
          eb('closed_at', 'is', null),
          eb('destination_due_at', '<', now),
          sql<boolean>`NOT EXISTS (SELECT 1 FROM alerts WHERE alerts.loop_id = loops.id AND alerts.kind = 'destination_overdue' AND alerts.opened_at >= loops.destination_due_at)`,
        ]),
      ]),
    )
    .limit(limit)
    .execute()
  for (const { id } of rows) {
    // One loop that cannot be settled must not stop the alerts of the others.
    await settleLoop(deps, id).catch((error) =>
      console.error(
        JSON.stringify({ level: 'error', job: 'sweep', loop_id: id, error: String(error) }),
      ),
    )
  }
  return rows.length
}
