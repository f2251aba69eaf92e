import { sql } from 'kysely'
import type { Deps } from '../http/env.ts'
import type { Compilable, WriteResult } from '../db/store.ts'
import { insertRow, jsonList, precompiled } from '../db/precompiled.ts'
import { alertsDue, destinationDueAt, resultDueAt, type DueAlert } from '../alerts/due-alerts.ts'
import { foldLoop, type LoopFacts } from './fold.ts'
import { findLoop, loopEvents, toFoldEvent } from './loops.repository.ts'
import type { LoopEventRow, LoopRow } from './loops.table.ts'
import { involvedCheckpoints } from './involvement.ts'

/**
 * Rebuilds a loop's projection from its events, flags the events that made no sense, and opens
 * the alerts now due, in one atomic write. The projection is marked clean only if no event came
 * in meanwhile (else the sweep, or the next change, refreshes it again).
 */
export async function refreshLoop(deps: Deps, loopId: string): Promise<{ loop: LoopRow; facts: LoopFacts } | undefined> {
  const db = deps.store.db
  const loop = await findLoop(db, loopId)
  if (!loop) return undefined
  const rows = await loopEvents(db, loopId)
  const { facts, writes } = projectLoop(deps, loop, rows, rows.length)
  await deps.store.atomic(writes)
  return { loop: (await findLoop(db, loopId))!, facts }
}

/**
 * Rebuilds loops a write just left dirty (see `leftDirty` of `projectLoop`): another request wrote
 * to the same loop between this one's read and its write (two devices at the same vehicle at
 * once). Run after the write and before answering, so lists show the loop as its events say, not
 * only after the next read or sweep. A failure is logged: the events are stored, the sweep retries.
 */
export async function settleDirtyLoops(deps: Deps, loopIds: readonly string[]): Promise<void> {
  for (const id of loopIds) {
    await refreshLoop(deps, id).catch((error) =>
      console.error(JSON.stringify({ level: 'error', job: 'refresh-loop', loop_id: id, error: String(error) })),
    )
  }
}

/**
 * The writes that bring a loop's projection up to date with `events` (stored, or about to be
 * stored in the same atomic write): event flags, due alerts, and the loop row. `expectedCount` is
 * how many events the loop will have once those writes run; if more came in meanwhile the loop
 * stays marked dirty for the next refresh.
 *
 * A `fresh` loop is not stored yet: then `insertLoop` is the loop row with its projection, to run
 * before the events and `writes` (which refer to it), instead of an update after them.
 *
 * `leftDirty` reads, from the results of `writes` (in order), whether the stored projection was
 * left dirty: then the caller rebuilds it with `settleDirtyLoops`, no extra read needed.
 */
export function projectLoop(
  deps: Deps,
  loop: LoopRow,
  events: (Pick<LoopEventRow, 'id' | 'kind' | 'at' | 'checkpoint_code' | 'data' | 'flag'> & { seq: number })[],
  expectedCount: number,
  options: { fresh?: boolean } = {},
): {
  facts: LoopFacts
  writes: Compilable[]
  alerting: boolean
  insertLoop?: Compilable
  leftDirty: (results: readonly WriteResult[]) => boolean
} {
  const db = deps.store.db
  const facts = foldLoop(events.map(toFoldEvent), deps.config.RELEASE_DEADLINE_HOURS)
  const now = deps.clock()
  const limits = { resultOverdueHours: deps.config.RESULT_OVERDUE_HOURS }
  const flags = new Map(facts.flags.map((f) => [f.eventId, f.reason]))

  const writes: Compilable[] = []
  for (const row of events) {
    const flag = flags.get(row.id) ?? null
    if (flag !== row.flag) writes.push(db.updateTable('loop_events').set({ flag }).where('id', '=', row.id))
  }
  const due = alertsDue(facts, now, limits)
  for (const alert of due) writes.push(...openAlert(deps, loop, facts, alert, now))
  // Who the loop involves only grows: the entry, each checkpoint that recorded an event, the
  // destination. Written before the loop row, so the update below can settle `open`.
  const involved = involvedCheckpoints({ entry_checkpoint_code: loop.entry_checkpoint_code, destination_code: facts.destinationCode }, events.map((e) => e.checkpoint_code))
  writes.push(recordInvolvement({ loopId: loop.id, openedAt: loop.opened_at, codes: jsonList([...involved]) }))

  const projection = loopProjection(loop, facts, limits, now.toISOString())
  const alerting = loop.alerting === 1 || due.length > 0
  if (options.fresh) {
    const insertLoop = insertRow('loops', { ...loop, ...projection, alerting: due.length > 0 ? 1 : 0, dirty: 0 })
    return { facts, writes: [...writes, followOpen({ loopId: loop.id })], alerting, insertLoop, leftDirty: () => false }
  }
  const update = updateProjection(loop, { ...projection, id: loop.id, expected_count: expectedCount })
  const at = writes.length
  writes.push(...update, followOpen({ loopId: loop.id }))
  // The update RETURNs its `dirty`; the guard's fallback RETURNs a row only when it marked it.
  const leftDirty = (results: readonly WriteResult[]) =>
    results.slice(at, at + update.length).some((r) => r.rows.some((row) => row.dirty === 1))
  return { facts, writes, alerting, leftDirty }
}

const recordInvolvement = precompiled(['loopId', 'openedAt', 'codes'], (db, a: { loopId: string; openedAt: string; codes: string }) =>
  sql`INSERT OR IGNORE INTO loop_checkpoints (loop_id, checkpoint_code, opened_at, open)
      SELECT ${a.loopId}, value, ${a.openedAt}, 1 FROM json_each(${a.codes})`.compile(db),
)
/**
 * Keeps `loop_checkpoints.open` in step with the loop row as stored (after the projection's
 * update, whose closed_at may be held back by the reopen guard). Touches rows only on a change.
 */
export const followOpen = precompiled(['loopId'], (db, a: { loopId: string }) =>
  sql`UPDATE loop_checkpoints SET open = (SELECT closed_at IS NULL FROM loops WHERE id = ${a.loopId})
      WHERE loop_id = ${a.loopId} AND open IS NOT (SELECT closed_at IS NULL FROM loops WHERE id = ${a.loopId})`.compile(db),
)

/**
 * The loop row's columns that follow from its events (`facts`), as of `updatedAt`. A coordinator's
 * manual close stands; otherwise the fold decides. Pure: the bench's bulk loader builds its rows
 * with it too, so they are what the service would have written.
 */
export function loopProjection(
  loop: Pick<LoopRow, 'closed_by' | 'closed_at' | 'entry_checkpoint_code'>,
  facts: LoopFacts,
  limits: { resultOverdueHours: number },
  updatedAt: string,
): Projection {
  return {
    state: loop.closed_by ? 'closed' : facts.state,
    sampled_at: facts.sampledAt,
    pcr_result: facts.pcr,
    released_at: facts.releasedAt,
    release_deadline: facts.releaseDeadline,
    destination_code: facts.destinationCode,
    destination_arrived_at: facts.destinationArrivedAt,
    last_checkpoint_code: facts.lastCheckpointCode ?? loop.entry_checkpoint_code,
    negative_since: facts.negativeSince,
    result_due_at: resultDueAt(facts, limits)?.toISOString() ?? null,
    destination_due_at: destinationDueAt(facts)?.toISOString() ?? null,
    flagged_events: facts.flags.length,
    closed_at: loop.closed_by ? loop.closed_at : facts.closedAt,
    updated_at: updatedAt,
  }
}

type Projection = Pick<
  LoopRow,
  | 'state' | 'sampled_at' | 'pcr_result' | 'released_at' | 'release_deadline' | 'destination_code' | 'destination_arrived_at'
  | 'last_checkpoint_code' | 'negative_since' | 'result_due_at' | 'destination_due_at' | 'flagged_events' | 'closed_at' | 'updated_at'
>
type ProjectionArgs = Projection & { id: string; expected_count: number }

/**
 * Projection columns that indexes of `loops` hold (as a key, or in a partial index's WHERE). SQLite
 * rewrites every index on a column named in SET, even when its value stays the same, so these are
 * set only when they change: most events change none of them.
 */
const INDEXED_COLUMNS = [
  'last_checkpoint_code', 'result_due_at', 'destination_due_at', 'closed_at',
] as const satisfies readonly (keyof Projection)[]
const PLAIN_COLUMNS = [
  'sampled_at', 'pcr_result', 'released_at', 'release_deadline', 'destination_code', 'destination_arrived_at',
  'negative_since', 'flagged_events', 'updated_at',
] as const satisfies readonly (keyof Projection)[]
type IndexedColumn = (typeof INDEXED_COLUMNS)[number]
const ARG_NAMES = ['state', ...PLAIN_COLUMNS, ...INDEXED_COLUMNS, 'id', 'expected_count'] as const

/**
 * The writes that store a projection computed from `read` (the loop row as it was read). An indexed
 * column whose value stays the same is left out of SET and checked in WHERE instead: if another
 * write changed it since `read`, the update does not apply and the loop is marked dirty, so the
 * next refresh rebuilds it from its events (as when events came in meanwhile).
 */
function updateProjection(read: LoopRow, p: ProjectionArgs): Compilable[] {
  let changed = 0
  INDEXED_COLUMNS.forEach((column, bit) => {
    if (p[column] !== read[column]) changed |= 1 << bit
  })
  let statements = projectionStatements.get(changed)
  if (!statements) projectionStatements.set(changed, (statements = compileProjectionUpdate(changed)))
  return statements.map((statement) => statement(p))
}

/** Compiled once per set of changed indexed columns (at most 16). */
const projectionStatements = new Map<number, ((p: ProjectionArgs) => Compilable)[]>()

function compileProjectionUpdate(changed: number): ((p: ProjectionArgs) => Compilable)[] {
  const isChanged = (column: IndexedColumn) => (changed & (1 << INDEXED_COLUMNS.indexOf(column))) !== 0
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
    if (isChanged('closed_at')) set.closed_at = sql<string | null>`CASE WHEN ${reopenBlocked} THEN closed_at ELSE ${p.closed_at} END`
    let query = db.updateTable('loops').set(set).where('id', '=', p.id)
    for (const column of kept) query = query.where(column, 'is', p[column])
    return query.returning('dirty')
  })
  if (kept.length === 0) return [update]
  // The guard failed: another write changed a kept column since the read. Leave it to a refresh.
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
function openAlert(deps: Deps, loop: LoopRow, facts: LoopFacts, { kind, round }: DueAlert, now: Date): Compilable[] {
  const db = deps.store.db
  const details = {
    plate: loop.plate,
    pass_number: loop.pass_number,
    enterprise_id: loop.enterprise_id,
    // Who must hear of it: the destination and the last checkpoint that saw the vehicle.
    notify: [...new Set([facts.destinationCode, facts.lastCheckpointCode ?? loop.entry_checkpoint_code].filter(Boolean))],
    tube_code: facts.tubeCode,
    ...(round > 0 ? { round } : {}),
    ...(kind === 'result_overdue' ? { sampled_at: facts.sampledAt } : {}),
    ...(kind === 'destination_overdue' ? { deadline: facts.releaseDeadline, destination_code: facts.destinationCode } : {}),
  }
  const id = crypto.randomUUID()
  const absent = sql`NOT EXISTS (SELECT 1 FROM alerts WHERE loop_id = ${loop.id} AND kind = ${kind} AND round = ${round})`
  const at = now.toISOString()
  return [
    sql`INSERT INTO audit_log (at, actor, action, subject, before, after)
        SELECT ${at}, 'system', 'alert.open', ${`alert:${id}`}, NULL, ${JSON.stringify({ loop_id: loop.id, kind, ...details })}
        WHERE ${absent}`.compile(db),
    sql`INSERT INTO alerts (id, loop_id, enterprise_id, kind, status, opened_at, details, round)
        SELECT ${id}, ${loop.id}, ${loop.enterprise_id}, ${kind}, 'open', ${at}, ${JSON.stringify(details)}, ${round} WHERE ${absent}`.compile(db),
  ]
}
