import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { jsonList, precompiled, rows } from '../db/precompiled.ts'
import type { HandoverReceiverRow } from './handover.table.ts'

// The hand-over manifest (issue 20): each `handed_over` event's receivers become rows of
// `handover_receivers`, written in the same atomic write as the event; a receiver that itself has
// an open loop from a medium- or high-risk area is flagged `receiver_open_loop`.

export const RECEIVER_OPEN_LOOP = 'receiver_open_loop'

export interface Receiver {
  plate: string
  pieces: number
  seal_number?: string
}

/** The receivers a parsed `handed_over` event names (none for the old free data). */
export function receiversOf(kind: string, data: Record<string, unknown> | null): Receiver[] {
  if (kind !== 'handed_over' || !Array.isArray(data?.receivers)) return []
  return data.receivers as Receiver[]
}

// The open loops of some plates whose pass came from a medium- or high-risk region (the region's
// level now): one statement for the whole batch, each plate through the open-loop index.
const riskyOpenLoops = precompiled(['plates'], (db, a: { plates: string }) =>
  db
    .selectFrom('loops')
    .innerJoin('passes', 'passes.number', 'loops.pass_number')
    .innerJoin('regions', 'regions.code', 'passes.origin_region_code')
    .select(['loops.id', 'loops.plate'])
    .where('loops.plate', 'in', sql<string>`(SELECT value FROM json_each(${a.plates}))`)
    .where('loops.closed_at', 'is', null)
    .where('regions.risk_level', 'in', ['medium', 'high']),
)

/**
 * Which of `plates` have an open loop from a risk area, other than the loop handing over (a
 * truck's own loop never flags its own plate).
 */
export async function platesWithRiskyOpenLoop(
  db: Kysely<Database>,
  plates: readonly string[],
): Promise<{ id: string; plate: string }[]> {
  if (plates.length === 0) return []
  return rows(db, riskyOpenLoops({ plates: jsonList([...new Set(plates)]) }))
}

export interface ReceiverRowInput {
  id: string
  loop_id: string
  event_id: string
  receiving_plate: string
  pieces: number
  seal_number: string | null
  flag: string | null
  created_at: string
  /** The event's data as stored: rows go in only beside that very event (not one that raced it). */
  event_data: string
}

/**
 * The receivers of a batch in one statement. A row goes in only if its event is stored with this
 * data (so a concurrent upload of the same id with other content adds nothing), and its id is the
 * event's and its place in the manifest, so a replay or a race writes each row once.
 */
export const insertReceivers = precompiled(['rows'], (db, a: { rows: string }) =>
  sql`INSERT INTO handover_receivers (id, loop_id, event_id, receiving_plate, pieces, seal_number, flag, created_at)
      SELECT json_extract(value, '$.id'), json_extract(value, '$.loop_id'), json_extract(value, '$.event_id'),
        json_extract(value, '$.receiving_plate'), json_extract(value, '$.pieces'), json_extract(value, '$.seal_number'),
        json_extract(value, '$.flag'), json_extract(value, '$.created_at')
      FROM json_each(${a.rows})
      WHERE EXISTS (SELECT 1 FROM loop_events WHERE loop_events.id = json_extract(value, '$.event_id')
        AND loop_events.data = json_extract(value, '$.event_data'))
      ON CONFLICT (id) DO NOTHING`.compile(db),
)

/**
 * The manifest rows of one event, flagged where the receiving plate has an open risky loop other
 * than `loopId` itself.
 */
export function receiverRows(
  event: { id: string; loop_id: string; kind: string; data: Record<string, unknown> | null },
  storedData: string | null,
  risky: readonly { id: string; plate: string }[],
  at: string,
): ReceiverRowInput[] {
  if (storedData === null) return []
  return receiversOf(event.kind, event.data).map((r, i) => ({
    id: `${event.id}:${i}`,
    loop_id: event.loop_id,
    event_id: event.id,
    receiving_plate: r.plate,
    pieces: r.pieces,
    seal_number: r.seal_number ?? null,
    flag: risky.some((l) => l.plate === r.plate && l.id !== event.loop_id)
      ? RECEIVER_OPEN_LOOP
      : null,
    created_at: at,
    event_data: storedData,
  }))
}

const receiversOfLoopQuery = precompiled(['loopId'], (db, a: { loopId: string }) =>
  db
    .selectFrom('handover_receivers')
    .innerJoin('loop_events', 'loop_events.id', 'handover_receivers.event_id')
    .selectAll('handover_receivers')
    .select('loop_events.at')
    .where('handover_receivers.loop_id', '=', a.loopId)
    .orderBy('loop_events.at')
    .orderBy(sql`handover_receivers.rowid`),
)

export type ReceiverWithTime = HandoverReceiverRow & { at: string }

/** A loop's receivers, in the order of their hand-overs (device time), each manifest in order. */
export function receiversOfLoop(db: Kysely<Database>, loopId: string): Promise<ReceiverWithTime[]> {
  return rows(db, receiversOfLoopQuery({ loopId }))
}

/** A receiver as the API and pages show it; `at` is its hand-over's device time. */
export function receiverView(row: ReceiverWithTime) {
  return {
    plate: row.receiving_plate,
    pieces: row.pieces,
    seal_number: row.seal_number,
    flag: row.flag,
    at: row.at,
    event_id: row.event_id,
  }
}
