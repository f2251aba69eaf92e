import { sql } from 'kysely'
import type { Deps } from '../http/env.ts'
import { notYourCheckpoint, worksAt, type Principal } from '../auth/principal.ts'
import type { Compilable, WriteResult } from '../db/store.ts'
import { actorOf } from '../audit/audit-entry.ts'
import { insertRow, jsonList, precompiled, rows } from '../db/precompiled.ts'
import type { LoopEventRow, LoopRow } from './loops.table.ts'
import { parseEvent, type ParsedEvent } from './event-schemas.ts'
import { projectLoop, settleDirtyLoops } from './refresh-loop.ts'

export interface EventOutcome {
  id: string | null
  status: 'accepted' | 'duplicate' | 'rejected'
  error?: { code: string; message: string }
  flag?: string
}

// The statements of every batch, compiled once (see `precompiled`); lists travel as one JSON value.
const storedEventIds = precompiled(['ids'], (db, a: { ids: string }) =>
  db.selectFrom('loop_events').select('id').where('id', 'in', sql<string>`(SELECT value FROM json_each(${a.ids}))`),
)
const loopsById = precompiled(['ids'], (db, a: { ids: string }) =>
  db.selectFrom('loops').selectAll().where('id', 'in', sql<string>`(SELECT value FROM json_each(${a.ids}))`),
)
const eventsOfLoops = precompiled(['ids'], (db, a: { ids: string }) =>
  db
    .selectFrom('loop_events')
    .selectAll()
    .select(sql<number>`rowid`.as('seq'))
    .where('loop_id', 'in', sql<string>`(SELECT value FROM json_each(${a.ids}))`),
)
type EventRow = Omit<LoopEventRow, 'flag' | 'data'> & { data: string | null }
// All the accepted events of a batch in one statement, as one JSON parameter (so the text never
// changes and D1's parameter limit never applies). RETURNING names the rows stored: an id missing
// from it was stored by a concurrent request a moment earlier. (`WHERE true` lets SQLite parse the
// upsert after a SELECT.)
const insertEvents = precompiled(['rows'], (db, a: { rows: string }) =>
  sql`INSERT INTO loop_events (id, loop_id, kind, at, checkpoint_code, data, recorded_by, received_at)
      SELECT json_extract(value, '$.id'), json_extract(value, '$.loop_id'), json_extract(value, '$.kind'), json_extract(value, '$.at'),
        json_extract(value, '$.checkpoint_code'), json_extract(value, '$.data'), json_extract(value, '$.recorded_by'), json_extract(value, '$.received_at')
      FROM json_each(${a.rows}) WHERE true
      ON CONFLICT (id) DO NOTHING RETURNING id`.compile(db),
)

/** Device clocks drift; an event this far in the server's future is a broken clock, not a fact. */
const FUTURE_LIMIT_MS = 3_600_000

/**
 * Takes a batch of loop events from a (possibly long offline) device. Each event gets its own
 * answer: `accepted`, `duplicate` (its UUID was seen before: nothing changes) or `rejected` with
 * the reason. Accepted events are written in one atomic step with the loops marked for refresh,
 * then each loop's projection is rebuilt from all its events in device-time order.
 */
export async function ingestEvents(deps: Deps, principal: Principal, inputs: unknown[]): Promise<EventOutcome[]> {
  const { store } = deps
  const db = store.db
  const now = deps.clock()
  const outcomes: EventOutcome[] = []
  const candidates: { index: number; event: ParsedEvent }[] = []
  const seenInBatch = new Set<string>()

  for (const [index, input] of inputs.entries()) {
    const rawId = typeof (input as { id?: unknown })?.id === 'string' ? ((input as { id: string }).id) : null
    const parsed = parseEvent(input)
    if (!parsed.ok) {
      outcomes[index] = { id: rawId, status: 'rejected', error: { code: 'invalid_event', message: parsed.message } }
      continue
    }
    const event = parsed.event
    if (seenInBatch.has(event.id)) {
      outcomes[index] = { id: event.id, status: 'duplicate' }
      continue
    }
    seenInBatch.add(event.id)
    if (!worksAt(principal, event.checkpoint_code)) {
      const { code, message } = notYourCheckpoint(event.checkpoint_code)
      outcomes[index] = { id: event.id, status: 'rejected', error: { code, message } }
      continue
    }
    if (Date.parse(event.at) - now.getTime() > FUTURE_LIMIT_MS) {
      outcomes[index] = { id: event.id, status: 'rejected', error: { code: 'time_in_future', message: 'the device time is more than an hour ahead of the server; check the phone’s clock' } }
      continue
    }
    candidates.push({ index, event })
  }

  const ids = candidates.map((c) => c.event.id)
  const loopIds = [...new Set(candidates.map((c) => c.event.loop_id))]
  const [existing, loops] = await Promise.all([
    ids.length ? rows(db, storedEventIds({ ids: jsonList(ids) })) : [],
    loopIds.length ? rows(db, loopsById({ ids: jsonList(loopIds) })) : [],
  ])
  const existingIds = new Set(existing.map((r) => r.id))
  const knownLoops = new Map(loops.map((r) => [r.id, r as LoopRow]))

  const accepted: { index: number; event: ParsedEvent }[] = []
  for (const candidate of candidates) {
    const { index, event } = candidate
    if (existingIds.has(event.id)) outcomes[index] = { id: event.id, status: 'duplicate' }
    else if (!knownLoops.has(event.loop_id)) outcomes[index] = { id: event.id, status: 'rejected', error: { code: 'unknown_loop', message: `no loop ${event.loop_id}` } }
    else accepted.push(candidate)
  }

  if (accepted.length > 0) {
    const receivedAt = now.toISOString()
    const recordedBy = actorOf(principal)
    const newRows: EventRow[] = accepted.map(({ event }) => ({
      id: event.id,
      loop_id: event.loop_id,
      kind: event.kind,
      at: new Date(event.at).toISOString(),
      checkpoint_code: event.checkpoint_code,
      data: event.data ? JSON.stringify(event.data) : null,
      recorded_by: recordedBy,
      received_at: receivedAt,
    }))
    const writes: Compilable[] = [insertEvents({ rows: JSON.stringify(newRows) })]
    // The batch's new events and the stored ones, by loop.
    const newByLoop = new Map<string, { input: ParsedEvent; row: EventRow }[]>()
    accepted.forEach(({ event }, i) => {
      const list = newByLoop.get(event.loop_id)
      if (list) list.push({ input: event, row: newRows[i] })
      else newByLoop.set(event.loop_id, [{ input: event, row: newRows[i] }])
    })
    const touched = [...newByLoop.keys()]
    // Each touched loop is folded with its stored events and the new ones now, so its projection,
    // flags and alerts commit in the same atomic write as the events themselves.
    const storedByLoop = new Map<string, (LoopEventRow & { seq: number })[]>()
    for (const e of await rows(db, eventsOfLoops({ ids: jsonList(touched) }))) {
      const list = storedByLoop.get(e.loop_id)
      if (list) list.push(e)
      else storedByLoop.set(e.loop_id, [e])
    }
    const flagOf = new Map<string, string>()
    const projections: { loopId: string; from: number; to: number; leftDirty: (results: readonly WriteResult[]) => boolean }[] = []
    for (const [loopId, mine] of newByLoop) {
      const before = storedByLoop.get(loopId) ?? []
      let nextSeq = 1
      for (const e of before) nextSeq = Math.max(nextSeq, e.seq + 1)
      const events = [...before, ...mine.map(({ row }, i) => ({ ...row, flag: null, seq: nextSeq + i }))]
      const projected = projectLoop(deps, knownLoops.get(loopId)!, events, events.length)
      for (const flag of projected.facts.flags) flagOf.set(flag.eventId, flag.reason)
      projections.push({ loopId, from: writes.length, to: writes.length + projected.writes.length, leftDirty: projected.leftDirty })
      writes.push(
        ...projected.writes,
        insertRow('audit_log', { at: receivedAt, actor: recordedBy, action: 'loop.events', subject: `loop:${loopId}`, before: null, after: JSON.stringify({ events: mine.map(({ input }) => ({ id: input.id, kind: input.kind, at: input.at })) }) }),
      )
    }
    const results = await store.atomic(writes)
    const storedIds = new Set(results[0].rows.map((r) => r.id as string))
    accepted.forEach(({ index, event }) => {
      // Not returned: the same UUID was stored by a concurrent request a moment ago.
      const stored = storedIds.has(event.id)
      const flag = flagOf.get(event.id)
      outcomes[index] = { id: event.id, status: stored ? 'accepted' : 'duplicate', ...(stored && flag ? { flag } : {}) }
    })
    await settleDirtyLoops(deps, projections.filter((p) => p.leftDirty(results.slice(p.from, p.to))).map((p) => p.loopId))
  }
  return outcomes
}
