import { sql, type Kysely, type SelectQueryBuilder } from 'kysely'
import type { Database } from '../database.ts'
import { firstRow, jsonList, precompiled, rows } from '../db/precompiled.ts'
import type { LoopEvent } from './fold.ts'
import type { LoopEventRow, LoopRow } from './loops.table.ts'

const loopById = precompiled(['id'], (db, a: { id: string }) =>
  db.selectFrom('loops').selectAll().where('id', '=', a.id),
)
// A plate has at most two open loops: its pass loop (manual = 0) first, then one opened by hand.
const openLoopsByPlate = precompiled(['plate'], (db, a: { plate: string }) =>
  db
    .selectFrom('loops')
    .selectAll()
    .where('plate', '=', a.plate)
    .where('closed_at', 'is', null)
    .orderBy('manual'),
)
/**
 * A loop's events in device-time order, ties by arrival (the rowid, given as `seq`): the one order
 * the fold, the API and the pages read them in.
 */
function eventsInOrder(db: Kysely<Database>, loopId: string) {
  return db
    .selectFrom('loop_events')
    .selectAll()
    .select(sql<number>`rowid`.as('seq'))
    .where('loop_id', '=', loopId)
    .orderBy('at')
    .orderBy(sql`rowid`)
}
const eventsOfLoop = precompiled(['loopId'], (db, a: { loopId: string }) =>
  eventsInOrder(db, a.loopId),
)

export function findLoop(db: Kysely<Database>, id: string): Promise<LoopRow | undefined> {
  return firstRow(db, loopById({ id }))
}

/**
 * A loop of one of the firm's own passes, else undefined (unknown and another firm's alike). An
 * account bound to no firm (`null`) has none.
 */
export async function findFirmLoop(
  db: Kysely<Database>,
  enterpriseId: string | null,
  id: string,
): Promise<LoopRow | undefined> {
  if (enterpriseId === null) return undefined
  const loop = await findLoop(db, id)
  return loop?.enterprise_id === enterpriseId ? loop : undefined
}

/**
 * The plate's open loop, its pass loop before one opened by hand: a pass loop and a manual loop may
 * be open side by side (schema/0015), one of each at most.
 */
export function findOpenLoop(db: Kysely<Database>, plate: string): Promise<LoopRow | undefined> {
  return firstRow(db, openLoopsByPlate({ plate }))
}

/** A loop's events in arrival order, with `seq` (the rowid) to break device-time ties. */
export function loopEvents(
  db: Kysely<Database>,
  loopId: string,
): Promise<(LoopEventRow & { seq: number })[]> {
  return rows(db, eventsOfLoop({ loopId }))
}

export const toFoldEvent = (
  row: Pick<LoopEventRow, 'id' | 'kind' | 'at' | 'checkpoint_code' | 'data'> & { seq: number },
): LoopEvent => ({
  id: row.id,
  kind: row.kind,
  at: row.at,
  checkpoint_code: row.checkpoint_code,
  data: row.data ? (JSON.parse(row.data) as Record<string, unknown>) : null,
  seq: row.seq,
})

const checkpointsOfEvents = precompiled(['loopId'], (db, a: { loopId: string }) =>
  db.selectFrom('loop_events').select('checkpoint_code').distinct().where('loop_id', '=', a.loopId),
)

/** The checkpoints that recorded an event on a loop (see involvement.ts). */
export async function eventCheckpoints(db: Kysely<Database>, loopId: string): Promise<string[]> {
  return (await rows(db, checkpointsOfEvents({ loopId }))).map((r) => r.checkpoint_code)
}

/**
 * The correction that withdrew a result (result-correction.ts), derived from the events: the
 * first one the fold accepted (unflagged) naming it. Null for any other event.
 */
const correctedBy = sql<
  string | null
>`CASE WHEN loop_events.kind IN ('antigen_result', 'pcr_result') THEN (
  SELECT c.id FROM loop_events AS c
  WHERE c.loop_id = loop_events.loop_id AND c.kind = 'result_corrected' AND c.flag IS NULL
    AND json_extract(c.data, '$.event_id') = loop_events.id
  ORDER BY c.at, c.rowid LIMIT 1) END`

/**
 * One page of a loop's events in device-time order (ties by arrival), and how many it has; each
 * with `corrected_by`, the correction that withdrew it, if any.
 */
export async function loopEventPage(
  db: Kysely<Database>,
  loopId: string,
  page: { limit: number; offset: number },
) {
  const [events, total] = await Promise.all([
    eventsInOrder(db, loopId)
      .select(correctedBy.as('corrected_by'))
      .limit(page.limit)
      .offset(page.offset)
      .execute(),
    db
      .selectFrom('loop_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('loop_id', '=', loopId)
      .executeTakeFirstOrThrow(),
  ])
  return { events, total: Number(total.n) }
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
    result: testResultOf(row),
    flagged_events: row.flagged_events,
    closed_at: row.closed_at,
    closed_note: row.closed_note,
  }
}

/**
 * Where the loop's PCR test stands: `pending` once sampled until a result counts, then `negative`
 * or `positive` (a positive is final for its round); null while nothing was sampled (on arrival,
 * or let through on a checked certificate). A retest starts the round afresh: pending again.
 */
export function testResultOf(
  row: Pick<LoopRow, 'sampled_at' | 'pcr_result'>,
): 'pending' | 'negative' | 'positive' | null {
  if (row.pcr_result === 'negative' || row.pcr_result === 'positive') return row.pcr_result
  return row.sampled_at ? 'pending' : null
}

/**
 * An event as the API and pages show it. `corrected`: a result withdrawn within the minute (it
 * counts for nothing); `corrected_by` names the correction — known only from rows read with it
 * (`loopEventPage`).
 */
export function eventView(row: LoopEventRow & { corrected_by?: string | null }) {
  return {
    id: row.id,
    kind: row.kind,
    at: row.at,
    checkpoint_code: row.checkpoint_code,
    data: row.data ? JSON.parse(row.data) : null,
    recorded_by: row.recorded_by,
    received_at: row.received_at,
    flag: row.flag,
    late: row.late === 1,
    corrected: Boolean(row.corrected_by),
    corrected_by: row.corrected_by ?? null,
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
  /** Only loops that involve one of these checkpoints (checkpoint staff: see involvement.ts). */
  involving?: readonly string[]
  /**
   * Only the loops of this firm's passes (enterprise accounts); `null`, an account bound to no
   * firm, matches none.
   */
  enterpriseId?: string | null
}

/** Loops newest first, one more than `limit` (to tell whether a next page exists). */
export function listLoopsQuery(db: Kysely<Database>, q: LoopFilter) {
  const code = q.checkpoint?.toUpperCase()
  // Entered or last seen at one of the caller's own checkpoints: involved by definition.
  if (q.involving && !(code && q.involving.includes(code)))
    return involvedLoopsQuery(db, q, q.involving)
  const newestFirst = <Q extends SelectQueryBuilder<Database, 'loops', LoopRow>>(query: Q) =>
    query
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
  if (!code) return newestFirst(filteredLoops(db, q))
  // A firm's loops are few beside a checkpoint's: walk the firm's index and test the checkpoint.
  if (q.enterpriseId !== undefined)
    return newestFirst(
      filteredLoops(db, q).where(
        sql<boolean>`(loops.entry_checkpoint_code = ${code} OR loops.last_checkpoint_code = ${code})`,
      ),
    )
  // Entry or last checkpoint: each side walks its own index newest first and stops at the page
  // size, then the two short lists are merged. (One query with OR would collect every matching
  // loop and sort them all, which grows with the history.)
  const side = (column: 'entry_checkpoint_code' | 'last_checkpoint_code', alias: string) =>
    db.selectFrom(newestFirst(filteredLoops(db, q).where(column, '=', code)).as(alias)).selectAll()
  return db
    .selectFrom(
      side('entry_checkpoint_code', 'by_entry')
        .union(side('last_checkpoint_code', 'by_last'))
        .as('page'),
    )
    .selectAll()
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
}

/**
 * The loops that involve one of `codes`, through `loop_checkpoints`: for each code, its rows are
 * walked newest first (open ones only, through a partial index, when only open loops are asked
 * for) and stop at the page size; the short lists are merged. A plate is few loops: those are
 * found by plate and checked for involvement instead.
 */
function involvedLoopsQuery(db: Kysely<Database>, q: LoopFilter, codes: readonly string[]) {
  const code = q.checkpoint?.toUpperCase()
  // A checkpoint filter that is not the caller's own still narrows to entry or last checkpoint.
  const atCheckpoint = <Q extends SelectQueryBuilder<any, any, LoopRow>>(query: Q): Q =>
    code
      ? (query.where(
          sql<boolean>`(loops.entry_checkpoint_code = ${code} OR loops.last_checkpoint_code = ${code})`,
        ) as Q)
      : query
  if (q.plate || codes.length === 0) {
    const involved = sql<boolean>`EXISTS (SELECT 1 FROM loop_checkpoints WHERE loop_checkpoints.loop_id = loops.id AND loop_checkpoints.checkpoint_code IN (SELECT value FROM json_each(${jsonList(codes)})))`
    return atCheckpoint(filteredLoops(db, q))
      .where(involved)
      .orderBy('opened_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
  }
  const openOnly = q.state !== undefined && q.state !== 'closed' && q.state !== 'alerting'
  const side = (checkpoint: string, i: number) => {
    let query = db
      .selectFrom('loop_checkpoints as lc')
      .innerJoin('loops', 'loops.id', 'lc.loop_id')
      .selectAll('loops')
      .where('lc.checkpoint_code', '=', checkpoint)
    if (openOnly) query = query.where('lc.open', '=', 1)
    query = atCheckpoint(withFilters(query, q, 'lc'))
    return db
      .selectFrom(
        query
          .orderBy('lc.opened_at', 'desc')
          .orderBy('lc.loop_id', 'desc')
          .limit(q.limit + 1)
          .as(`at_${i}`),
      )
      .selectAll()
  }
  const sides = codes.map(side)
  const all = sides.slice(1).reduce((union, next) => union.union(next), sides[0])
  return db
    .selectFrom(all.as('page'))
    .selectAll()
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
}

/**
 * How many loops `listLoopsQuery` would list with no page size: every filter of `q`, as one plain
 * query (the list walks indexes side by side instead, which a count cannot). Bounded like the page
 * by the open-loop, plate and checkpoint indexes when those filters are given.
 */
export async function countLoops(
  db: Kysely<Database>,
  q: Omit<LoopFilter, 'limit'>,
): Promise<number> {
  const code = q.checkpoint?.toUpperCase()
  let query = filteredLoops(db, { ...q, limit: 0 })
  if (code)
    query = query.where(
      sql<boolean>`(loops.entry_checkpoint_code = ${code} OR loops.last_checkpoint_code = ${code})`,
    )
  if (q.involving && !(code && q.involving.includes(code))) {
    query = query.where(
      sql<boolean>`EXISTS (SELECT 1 FROM loop_checkpoints WHERE loop_checkpoints.loop_id = loops.id AND loop_checkpoints.checkpoint_code IN (SELECT value FROM json_each(${jsonList(q.involving)})))`,
    )
  }
  const row = await query
    .clearSelect()
    .select(sql<number>`count(*)`.as('total'))
    .executeTakeFirst()
  return Number(row?.total ?? 0)
}

/** Every filter of `q` but the checkpoint. */
function filteredLoops(db: Kysely<Database>, q: LoopFilter) {
  return withFilters(db.selectFrom('loops').selectAll(), q, 'loops')
}

/**
 * Applies the filters of `q` but the checkpoint to a query over `loops`; the time range and the
 * cursor go on `timeTable`'s `opened_at` (the loop's own, or its copy in `loop_checkpoints`, so a
 * walk of that index can stop early).
 */
function withFilters<Q extends SelectQueryBuilder<any, any, LoopRow>>(
  query: Q,
  q: LoopFilter,
  timeTable: 'loops' | 'lc',
): Q {
  const opened = sql.ref(`${timeTable}.opened_at`)
  const id = sql.ref(timeTable === 'loops' ? 'loops.id' : 'lc.loop_id')
  let out = query as SelectQueryBuilder<Database, 'loops', LoopRow>
  if (q.state === 'open') out = out.where('loops.closed_at', 'is', null)
  else if (q.state === 'alerting') out = out.where('loops.alerting', '=', 1)
  else if (q.state) {
    out = out.where('loops.state', '=', q.state)
    // Only a closed loop has closed_at: this lets SQLite walk the open-loop index.
    if (q.state !== 'closed') out = out.where('loops.closed_at', 'is', null)
  }
  if (q.plate) out = out.where('loops.plate', '=', q.plate)
  // `= NULL` is never true: an account bound to no firm sees no loop (manual loops have no firm).
  if (q.enterpriseId !== undefined) out = out.where('loops.enterprise_id', '=', q.enterpriseId)
  if (q.from) out = out.where(sql<boolean>`${opened} >= ${new Date(q.from).toISOString()}`)
  if (q.to) out = out.where(sql<boolean>`${opened} < ${new Date(q.to).toISOString()}`)
  if (q.before) {
    const [openedAt, loopId] = q.before.split('|')
    // The first term bounds the index walk; the second breaks ties in opened_at by id.
    out = out
      .where(sql<boolean>`${opened} <= ${openedAt}`)
      .where(sql<boolean>`(${opened} < ${openedAt} OR ${id} < ${loopId})`)
  }
  return out as unknown as Q
}

/**
 * One page of the coordinators' loop board and how many loops match. Open loops with no other
 * filter come alerting first (the board's default: what needs someone now); any other filter reads
 * the API's list (newest first), paged the same way.
 */
export async function loopBoardPage(
  db: Kysely<Database>,
  q: Pick<LoopFilter, 'state' | 'plate' | 'checkpoint'>,
  page: { limit: number; offset: number },
): Promise<{ rows: LoopRow[]; total: number }> {
  const end = page.offset + page.limit
  const board = q.state === 'open' && !q.plate && !q.checkpoint
  const rows = board
    ? await filteredLoops(db, { state: 'open', limit: end })
        .orderBy('alerting', 'desc')
        .orderBy('opened_at', 'desc')
        .orderBy('id', 'desc')
        .limit(end + 1)
        .execute()
    : await listLoopsQuery(db, {
        limit: end,
        state: q.state,
        plate: q.plate,
        checkpoint: q.checkpoint,
      }).execute()
  const more = rows.length > end
  const total = more ? await countLoops(db, q) : rows.length
  return { rows: rows.slice(page.offset, end), total }
}
