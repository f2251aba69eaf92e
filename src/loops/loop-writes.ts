import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import type { Compilable } from '../db/store.ts'
import { precompiled } from '../db/precompiled.ts'
import type { DueAlert } from './due-alerts.ts'
import type { LoopFacts } from './fold.ts'
import type { LoopRow } from './loops.table.ts'

// The statements a loop change writes (see loop-change.ts), compiled once where they can be.

/** Adds the checkpoints in `codes` (a JSON list) to those the loop involves; never removes one. */
export const recordInvolvement = precompiled(
  ['loopId', 'openedAt', 'codes', 'open'],
  (db, a: { loopId: string; openedAt: string; codes: string; open: number }) =>
    sql`INSERT OR IGNORE INTO loop_checkpoints (loop_id, checkpoint_code, opened_at, open)
      SELECT ${a.loopId}, value, ${a.openedAt}, ${a.open} FROM json_each(${a.codes})`.compile(db),
)
/**
 * Keeps `loop_checkpoints.open` in step with the loop row as stored (after the projection's
 * update, whose closed_at may be held back by the reopen guard). Touches rows only on a change.
 */
export const followOpen = precompiled(['loopId'], (db, a: { loopId: string }) =>
  sql`UPDATE loop_checkpoints SET open = (SELECT closed_at IS NULL FROM loops WHERE id = ${a.loopId})
      WHERE loop_id = ${a.loopId} AND open IS NOT (SELECT closed_at IS NULL FROM loops WHERE id = ${a.loopId})`.compile(
    db,
  ),
)

export type Projection = Pick<
  LoopRow,
  | 'state'
  | 'sampled_at'
  | 'pcr_result'
  | 'released_at'
  | 'release_deadline'
  | 'destination_code'
  | 'destination_arrived_at'
  | 'last_checkpoint_code'
  | 'negative_since'
  | 'result_due_at'
  | 'destination_due_at'
  | 'flagged_events'
  | 'closed_at'
  | 'updated_at'
>
type ProjectionArgs = Projection & { id: string; expected_count: number }

/**
 * Projection columns that indexes of `loops` hold (as a key, or in a partial index's WHERE). SQLite
 * rewrites every index on a column named in SET, even when its value stays the same, so these are
 * set only when they change: most events change none of them.
 */
const INDEXED_COLUMNS = [
  'last_checkpoint_code',
  'result_due_at',
  'destination_due_at',
  'closed_at',
] as const satisfies readonly (keyof Projection)[]
const PLAIN_COLUMNS = [
  'sampled_at',
  'pcr_result',
  'released_at',
  'release_deadline',
  'destination_code',
  'destination_arrived_at',
  'negative_since',
  'flagged_events',
  'updated_at',
] as const satisfies readonly (keyof Projection)[]
type IndexedColumn = (typeof INDEXED_COLUMNS)[number]
const ARG_NAMES = ['state', ...PLAIN_COLUMNS, ...INDEXED_COLUMNS, 'id', 'expected_count'] as const

/**
 * The writes that store a projection computed from `read` (the loop row as it was read). An indexed
 * column whose value stays the same is left out of SET and checked in WHERE instead: if another
 * write changed it since `read`, the update does not apply and the loop is marked dirty, so the
 * settle (loop-change.ts `settleLoop`) rebuilds it from its events (as when events came in meanwhile).
 */
export function updateProjection(read: LoopRow, p: ProjectionArgs): Compilable[] {
  let changed = 0
  INDEXED_COLUMNS.forEach((column, bit) => {
    if (p[column] !== read[column]) changed |= 1 << bit
  })
  let statements = projectionStatements.get(changed)
  if (!statements)
    projectionStatements.set(changed, (statements = compileProjectionUpdate(changed)))
  return statements.map((statement) => statement(p))
}

/** Compiled once per set of changed indexed columns (at most 16). */
const projectionStatements = new Map<number, ((p: ProjectionArgs) => Compilable)[]>()

function compileProjectionUpdate(changed: number): ((p: ProjectionArgs) => Compilable)[] {
  const isChanged = (column: IndexedColumn) =>
    (changed & (1 << INDEXED_COLUMNS.indexOf(column))) !== 0
  const kept = INDEXED_COLUMNS.filter((column) => !isChanged(column))
  const update = precompiled([...ARG_NAMES], (db, p: ProjectionArgs) => {
    // Events are the truth, so a late one can reopen a closed loop — unless the vehicle has come
    // back since and has a new open loop: then the old one stays closed (alerts still open on it).
    const reopenBlocked = sql`(${p.closed_at} IS NULL AND closed_at IS NOT NULL AND EXISTS (SELECT 1 FROM loops AS other WHERE other.plate = loops.plate AND other.manual = loops.manual AND other.id != loops.id AND other.closed_at IS NULL))`
    const set: Record<string, unknown> = {
      ...Object.fromEntries(PLAIN_COLUMNS.map((column) => [column, p[column]])),
      state: sql<LoopRow['state']>`CASE WHEN ${reopenBlocked} THEN 'closed' ELSE ${p.state} END`,
      alerting: sql<number>`EXISTS (SELECT 1 FROM alerts WHERE loop_id = ${p.id} AND status != 'resolved')`,
      dirty: sql<number>`CASE WHEN (SELECT count(*) FROM loop_events WHERE loop_id = ${p.id}) = ${p.expected_count} THEN 0 ELSE 1 END`,
    }
    for (const column of INDEXED_COLUMNS.filter(isChanged)) set[column] = p[column]
    if (isChanged('closed_at'))
      set.closed_at = sql<
        string | null
      >`CASE WHEN ${reopenBlocked} THEN closed_at ELSE ${p.closed_at} END`
    let query = db.updateTable('loops').set(set).where('id', '=', p.id)
    for (const column of kept) query = query.where(column, 'is', p[column])
    return query.returning('dirty')
  })
  if (kept.length === 0) return [update]
  // The guard failed: another write changed a kept column since the read. Leave it to `settleLoop`.
  const markDirty = precompiled([...kept, 'id'], (db, p: ProjectionArgs) =>
    db
      .updateTable('loops')
      .set({ dirty: 1 })
      .where('id', '=', p.id)
      .where((eb) => eb.not(eb.and(kept.map((column) => eb(column, 'is', p[column])))))
      .returning('dirty'),
  )
  return [update, markDirty]
}

/** Inserts the alert and its audit entry unless the loop already has one of this kind and round. */
export function openAlert(
  deps: Deps,
  loop: LoopRow,
  facts: LoopFacts,
  { kind, round }: DueAlert,
  now: Date,
): Compilable[] {
  const db = deps.store.db
  const details = {
    plate: loop.plate,
    pass_number: loop.pass_number,
    enterprise_id: loop.enterprise_id,
    // Who must hear of it: the destination and the last checkpoint that saw the vehicle.
    notify: [
      ...new Set(
        [facts.destinationCode, facts.lastCheckpointCode ?? loop.entry_checkpoint_code].filter(
          Boolean,
        ),
      ),
    ],
    tube_code: facts.tubeCode,
    ...(round > 0 ? { round } : {}),
    ...(kind === 'result_overdue' ? { sampled_at: facts.sampledAt } : {}),
    ...(kind === 'destination_overdue'
      ? { deadline: facts.releaseDeadline, destination_code: facts.destinationCode }
      : {}),
  }
  const id = crypto.randomUUID()
  const absent = sql`NOT EXISTS (SELECT 1 FROM alerts WHERE loop_id = ${loop.id} AND kind = ${kind} AND round = ${round})`
  const at = now.toISOString()
  return [
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
        SELECT ${at}, 'system', 'alert.open', ${`alert:${id}`}, NULL, ${JSON.stringify({ loop_id: loop.id, kind, ...details })}
        WHERE ${absent}`.compile(db),
    sql`INSERT INTO alerts (id, loop_id, enterprise_id, kind, status, opened_at, details, round)
        SELECT ${id}, ${loop.id}, ${loop.enterprise_id}, ${kind}, 'open', ${at}, ${JSON.stringify(details)}, ${round} WHERE ${absent}`.compile(
      db,
    ),
  ]
}
