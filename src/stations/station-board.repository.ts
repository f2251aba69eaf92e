// The rows a station's board and load are folded from (station-board.ts), and the closing notice.
// station_bookings is read through plain SQL here: its table type belongs to the bookings part.
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { sqlite } from '../db/guard.ts'
import type { BoardBooking, BoardEvent } from './station-board.ts'

/** Live bookings still ahead are told the station closed (a statement for `Store.atomic`). */
export function noticeStationClosed(code: string, now: Date) {
  return sqlite
    .updateTable('station_bookings')
    .set({ notice: 'station_closed', updated_at: now.toISOString() })
    .where('station_code', '=', code)
    .where('status', '=', 'booked')
    .where('starts_at', '>', now.toISOString())
}

/** The station's bookings (not cancelled) with slots starting in [from, to). */
export async function bookingsBetween(
  db: Kysely<Database>,
  code: string,
  from: string,
  to: string,
): Promise<BoardBooking[]> {
  const { rows } = await sql<BoardBooking>`
    SELECT id, pass_number, plate, starts_at, ends_at, status, notice, arrived_at, loop_id
    FROM station_bookings
    WHERE station_code = ${code} AND starts_at >= ${from} AND starts_at < ${to}
      AND status != 'cancelled'
    ORDER BY starts_at, id`.execute(db)
  return rows
}

/**
 * Arrivals, hand-overs and departures at the station's checkpoints in [from, to). A valid scan at
 * a station records `destination_arrived` (an entry checkpoint's `arrived`): both are arrivals.
 */
export async function stationEventsBetween(
  db: Kysely<Database>,
  code: string,
  from: string,
  to: string,
): Promise<BoardEvent[]> {
  const rows = await db
    .selectFrom('loop_events as e')
    .innerJoin('checkpoints as c', 'c.code', 'e.checkpoint_code')
    .innerJoin('loops as l', 'l.id', 'e.loop_id')
    .select(['e.loop_id', 'l.plate', 'l.pass_number', 'e.kind', 'e.at'])
    .where('c.station_code', '=', code)
    .where('e.kind', 'in', ['arrived', 'destination_arrived', 'handed_over', 'departed'])
    .where('e.at', '>=', from)
    .where('e.at', '<', to)
    .orderBy('e.at')
    .execute()
  return rows.map((r) => ({
    loop_id: r.loop_id,
    plate: r.plate,
    pass_number: r.pass_number,
    kind: r.kind === 'handed_over' || r.kind === 'departed' ? r.kind : 'arrived',
    at: r.at,
  }))
}

/** The codes of the checkpoints at a station. */
export async function stationCheckpointCodes(
  db: Kysely<Database>,
  code: string,
): Promise<string[]> {
  const rows = await db
    .selectFrom('checkpoints')
    .select('code')
    .where('station_code', '=', code)
    .execute()
  return rows.map((r) => r.code)
}

/** A pass's live booking at a station, as a scan at that station's checkpoint reads it. */
export interface LiveBooking {
  id: string
  starts_at: string
  ends_at: string
}

/** The pass's live (`booked`) booking at the station, if it has one: one indexed read. */
export async function liveBookingOf(
  db: Kysely<Database>,
  passNumber: string,
  stationCode: string,
): Promise<LiveBooking | null> {
  const { rows } = await sql<LiveBooking>`
    SELECT id, starts_at, ends_at FROM station_bookings
    WHERE pass_number = ${passNumber} AND station_code = ${stationCode} AND status = 'booked'`.execute(
    db,
  )
  return rows[0] ?? null
}

/** Marks a booking arrived with the loop the scan joined (a statement for the scan's write). */
export function markBookingArrived(id: string, loopId: string, at: string, now: string) {
  return sqlite
    .updateTable('station_bookings')
    .set({ status: 'arrived', arrived_at: at, loop_id: loopId, updated_at: now })
    .where('id', '=', id)
    .where('status', '=', 'booked')
}

/** The station of a checkpoint account: the first of its checkpoints (by code) at a station. */
export async function stationOfCheckpoints(
  db: Kysely<Database>,
  checkpointCodes: string[],
): Promise<string | null> {
  if (!checkpointCodes.length) return null
  const row = await db
    .selectFrom('checkpoints')
    .select('station_code')
    .where('code', 'in', checkpointCodes)
    .where('station_code', 'is not', null)
    .orderBy('code')
    .executeTakeFirst()
  return row?.station_code ?? null
}

/** Whether any of these checkpoints stands at the station. */
export async function worksAtStation(
  db: Kysely<Database>,
  checkpointCodes: string[],
  stationCode: string,
): Promise<boolean> {
  const codes = await stationCheckpointCodes(db, stationCode)
  return codes.some((c) => checkpointCodes.includes(c))
}
