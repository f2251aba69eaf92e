import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import type { Database } from '../db/database.ts'
import { firstRow, precompiled, rows } from '../db/precompiled.ts'
import type { LoopEvent } from './fold.ts'
import type { AlertRow, LoopEventRow, LoopRow } from './loops.table.ts'

const loopById = precompiled(['id'], (db, a: { id: string }) => db.selectFrom('loops').selectAll().where('id', '=', a.id))
const openLoopByPlate = precompiled(['plate'], (db, a: { plate: string }) =>
  db.selectFrom('loops').selectAll().where('plate', '=', a.plate).where('closed_at', 'is', null),
)
const eventsOfLoop = precompiled(['loopId'], (db, a: { loopId: string }) =>
  db
    .selectFrom('loop_events')
    .selectAll()
    .select(sql<number>`rowid`.as('seq'))
    .where('loop_id', '=', a.loopId)
    .orderBy('at')
    .orderBy(sql`rowid`),
)

export function findLoop(db: Kysely<Database>, id: string): Promise<LoopRow | undefined> {
  return firstRow(db, loopById({ id }))
}

export function findOpenLoop(db: Kysely<Database>, plate: string): Promise<LoopRow | undefined> {
  return firstRow(db, openLoopByPlate({ plate }))
}

/** A loop's events in arrival order, with `seq` (the rowid) to break device-time ties. */
export function loopEvents(db: Kysely<Database>, loopId: string): Promise<(LoopEventRow & { seq: number })[]> {
  return rows(db, eventsOfLoop({ loopId }))
}

export const toFoldEvent = (row: Pick<LoopEventRow, 'id' | 'kind' | 'at' | 'checkpoint_code' | 'data'> & { seq: number }): LoopEvent => ({
  id: row.id,
  kind: row.kind,
  at: row.at,
  checkpoint_code: row.checkpoint_code,
  data: row.data ? (JSON.parse(row.data) as Record<string, unknown>) : null,
  seq: row.seq,
})

export function loopAlerts(db: Kysely<Database>, loopId: string) {
  return db.selectFrom('alerts').selectAll().where('loop_id', '=', loopId).orderBy('opened_at').orderBy('kind').execute()
}

export function loopView(row: LoopRow) {
  return {
    id: row.id,
    plate: row.plate,
    pass_number: row.pass_number,
    enterprise_id: row.enterprise_id,
    state: row.state,
    alerting: row.alerting === 1,
    entry_checkpoint_code: row.entry_checkpoint_code,
    last_checkpoint_code: row.last_checkpoint_code,
    opened_at: row.opened_at,
    manual: row.manual === 1,
    sampled_at: row.sampled_at,
    pcr_result: row.pcr_result,
    released_at: row.released_at,
    release_deadline: row.release_deadline,
    destination_code: row.destination_code,
    destination_arrived_at: row.destination_arrived_at,
    result_due_at: row.result_due_at,
    flagged_events: row.flagged_events,
    closed_at: row.closed_at,
    closed_note: row.closed_note,
  }
}

export function eventView(row: LoopEventRow) {
  return {
    id: row.id,
    kind: row.kind,
    at: row.at,
    checkpoint_code: row.checkpoint_code,
    data: row.data ? JSON.parse(row.data) : null,
    recorded_by: row.recorded_by,
    received_at: row.received_at,
    flag: row.flag,
  }
}

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
  }
}

export interface LoopFilter {
  state?: LoopRow['state'] | 'open' | 'alerting'
  plate?: string
  /** Entry or last checkpoint. */
  checkpoint?: string
  from?: string
  to?: string
  /** Cursor `opened_at|id` of the last loop of the previous page (checked by the caller). */
  before?: string
  limit: number
}

/** Loops newest first, one more than `limit` (to tell whether a next page exists). */
export function listLoopsQuery(db: Kysely<Database>, q: LoopFilter) {
  const newestFirst = <Q extends SelectQueryBuilder<Database, 'loops', LoopRow>>(query: Q) => query.orderBy('opened_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1)
  if (!q.checkpoint) return newestFirst(filteredLoops(db, q))
  // Entry or last checkpoint: each side walks its own index newest first and stops at the page
  // size, then the two short lists are merged. (One query with OR would collect every matching
  // loop and sort them all, which grows with the history.)
  const code = q.checkpoint.toUpperCase()
  const side = (column: 'entry_checkpoint_code' | 'last_checkpoint_code', alias: string) =>
    db.selectFrom(newestFirst(filteredLoops(db, q).where(column, '=', code)).as(alias)).selectAll()
  return db
    .selectFrom(side('entry_checkpoint_code', 'by_entry').union(side('last_checkpoint_code', 'by_last')).as('page'))
    .selectAll()
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
}

/** Every filter of `q` but the checkpoint. */
function filteredLoops(db: Kysely<Database>, q: LoopFilter) {
  let query = db.selectFrom('loops').selectAll()
  if (q.state === 'open') query = query.where('closed_at', 'is', null)
  else if (q.state === 'alerting') query = query.where('alerting', '=', 1)
  else if (q.state) {
    query = query.where('state', '=', q.state)
    // Only a closed loop has closed_at: this lets SQLite walk the open-loop index.
    if (q.state !== 'closed') query = query.where('closed_at', 'is', null)
  }
  if (q.plate) query = query.where('plate', '=', q.plate)
  if (q.from) query = query.where('opened_at', '>=', new Date(q.from).toISOString())
  if (q.to) query = query.where('opened_at', '<', new Date(q.to).toISOString())
  if (q.before) {
    const [openedAt, id] = q.before.split('|')
    query = query.where((eb) => eb.or([eb('opened_at', '<', openedAt), eb.and([eb('opened_at', '=', openedAt), eb('id', '<', id)])]))
  }
  return query
}
