import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import type { Database } from '../database.ts'
import type { AlertKind, AlertRow, AlertStatus } from './alerts.table.ts'
import { alertKindOrder, alertStatusOrder } from './urgency.ts'

export interface AlertFilter {
  /** `active`: open or acknowledged. */
  status?: AlertStatus | 'active'
  kind?: AlertKind
  loopId?: string
  /** Only the alerts that name one of these checkpoints to be told (checkpoint staff). */
  notifying?: readonly string[]
  /**
   * Only the alerts on loops of this firm's passes (enterprise accounts); `null`, an account bound
   * to no firm, matches none.
   */
  enterpriseId?: string | null
}

type AlertQuery = SelectQueryBuilder<Database, 'alerts', AlertRow>

/** The alerts matching `q`, most urgent first: the API pages and counts this one query. */
export function alertsQuery(db: Kysely<Database>, q: AlertFilter): AlertQuery {
  let query = db.selectFrom('alerts').selectAll('alerts')
  // `in` rather than `!= 'resolved'`: SQLite seeks the two statuses through an index (and sorts
  // only those) instead of reading every alert ever raised.
  if (q.status === 'active') query = query.where('alerts.status', 'in', ['open', 'acknowledged'])
  else if (q.status) query = query.where('alerts.status', '=', q.status)
  if (q.kind) query = query.where('alerts.kind', '=', q.kind)
  if (q.loopId) query = query.where('alerts.loop_id', '=', q.loopId)
  // `= NULL` is never true, so a firm-less account sees nothing. The firm's alerts are sought
  // through alerts_by_enterprise_status_urgency (one status) or alerts_by_enterprise (schema/0019).
  if (q.enterpriseId !== undefined) query = query.where('alerts.enterprise_id', '=', q.enterpriseId)
  if (q.notifying) {
    const codes = q.notifying
    query = query.where(
      sql<boolean>`EXISTS (SELECT 1 FROM json_each(alerts.details, '$.notify') WHERE value IN (${sql.join(codes)}))`,
    )
  }
  return mostUrgentFirst(query, q)
}

/**
 * Most urgent first: open before acknowledged, positives before overdue arrivals before late
 * results, newest first. With one status asked for, its order term is constant: leaving it out
 * lets SQLite read alerts_by_status_urgency in order instead of sorting them all.
 */
function mostUrgentFirst(query: AlertQuery, q: AlertFilter): AlertQuery {
  if (!q.status || q.status === 'active') query = query.orderBy(alertStatusOrder)
  // The rowid last: alerts opened in one write share their time, and pages must not overlap.
  return query
    .orderBy(alertKindOrder)
    .orderBy('alerts.opened_at', 'desc')
    .orderBy(sql`alerts.rowid`)
}

/** A page of `alertsQuery`, each alert with its loop's plate (the coordinators' alert board). */
export function listAlertsWithPlate(
  db: Kysely<Database>,
  q: AlertFilter & { limit: number; offset?: number },
): Promise<(AlertRow & { plate: string | null })[]> {
  return alertsQuery(db, q)
    .limit(q.limit)
    .offset(q.offset ?? 0)
    .select((eb) =>
      eb
        .selectFrom('loops')
        .select('loops.plate')
        .whereRef('loops.id', '=', 'alerts.loop_id')
        .as('plate'),
    )
    .execute()
}

export function findAlert(db: Kysely<Database>, id: string): Promise<AlertRow | undefined> {
  return db.selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst()
}

/** A loop's alerts in the order they opened. */
export function alertsOfLoop(db: Kysely<Database>, loopId: string): Promise<AlertRow[]> {
  return db
    .selectFrom('alerts')
    .selectAll()
    .where('loop_id', '=', loopId)
    .orderBy('opened_at')
    .orderBy('kind')
    .execute()
}

/** The alert as every response shows it. */
export function alertView(row: AlertRow) {
  return {
    id: row.id,
    loop_id: row.loop_id,
    kind: row.kind,
    status: row.status,
    opened_at: row.opened_at,
    details: JSON.parse(row.details) as Record<string, unknown>,
    acknowledged_by: row.acknowledged_by,
    acknowledged_at: row.acknowledged_at,
    resolved_by: row.resolved_by,
    resolved_at: row.resolved_at,
    note: row.note,
    round: row.round,
    outcome: row.outcome,
  }
}
