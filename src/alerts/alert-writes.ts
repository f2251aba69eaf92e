import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.ts'
import type { Compilable } from '../db/store.ts'
import type { AlertKind } from './alerts.table.ts'

export interface AlertResolution {
  loopId: string
  kind: AlertKind
  round: number
  at: string
  actor: string
  note: string
  outcome: string
  /** What the audit entry records beside the new status and note (who, which event, why). */
  audit: Record<string, unknown>
}

/**
 * Resolves the loop's alert of `kind` and `round` if it is not resolved yet, with its audit entry
 * (written first, while the alert's status before is still there to record). Nothing happens when
 * there is no such alert or a coordinator resolved it already, so the statements may be repeated.
 */
export function resolveAlertOfRound(db: Kysely<Database>, r: AlertResolution): Compilable[] {
  const unresolved = sql`loop_id = ${r.loopId} AND kind = ${r.kind} AND round = ${r.round} AND status != 'resolved'`
  const after = JSON.stringify({ status: 'resolved', note: r.note, outcome: r.outcome, ...r.audit })
  return [
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
        SELECT ${r.at}, ${r.actor}, 'alert.resolve', 'alert:' || id, json_object('status', status), ${after}
        FROM alerts WHERE ${unresolved}`.compile(db),
    sql`UPDATE alerts SET status = 'resolved', resolved_by = ${r.actor}, resolved_at = ${r.at},
        note = ${r.note}, outcome = ${r.outcome} WHERE ${unresolved}`.compile(db),
  ]
}
