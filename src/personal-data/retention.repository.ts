import type { Kysely, RawBuilder } from 'kysely'
import { sql } from 'kysely'
import type { Database } from '../database.ts'
import type { ApplicationStatus } from '../applications/applications.table.ts'
import type {
  ApplicationTripRow,
  ArrivalReportTripRow,
  RetentionLoop,
  RetentionPass,
  ScanTripRow,
} from './retention.ts'

// The rows that may be due for the retention purge, a page at a time, each with the facts of its
// trip (retention.ts decides). Candidates are the rows still holding personal data made before
// the cutoff (now − RETENTION_DAYS: no row is due sooner), read in the order they were made off
// the partial `*_held` indexes (schema/0028_retention.sql), after a cursor, so rows kept by an
// open loop or alert are passed over, not read again within one purge. A pass's loops are found
// by its plate (loops_by_plate), their unresolved alerts by loop (alerts_by_loop): one statement
// per page, whatever the page holds, on Node and D1 alike.

/** Where a page starts: after this row in (time, id) order; null for the first page. */
export type RetentionCursor = { at: string; id: string } | null

export interface RetentionPage<Row> {
  rows: (Row & { id: string })[]
  /** Where the next page starts; null when this was the last. */
  next: RetentionCursor
}

interface PageOptions {
  cutoff: string
  after: RetentionCursor
  limit: number
}

/** A pass's facts, from `passes p` (null columns when there is no pass of ours). */
const passColumns = sql`p.valid_until AS pass_valid_until,
  CASE WHEN p.status <> 'active' THEN p.status_changed_at END AS pass_ended_early_at`

/**
 * The loops of the row's trip as a JSON array of RetentionLoop: the loops of pass `p` (by its
 * plate, then number) and the loop the row names itself (`ownLoop`, a column or NULL).
 */
function loopsJson(ownLoop: RawBuilder<unknown>) {
  return sql`(SELECT json_group_array(json_object(
      'closed_at', l.closed_at,
      'unresolved_alerts', (SELECT count(*) FROM alerts a WHERE a.loop_id = l.id AND a.status <> 'resolved')))
    FROM (SELECT id, closed_at FROM loops WHERE plate = p.plate AND pass_number = p.number
          UNION SELECT id, closed_at FROM loops WHERE id = ${ownLoop}) l) AS loops`
}

/** The `(time, id) > cursor` condition, or always true for the first page. */
function afterCursor(time: RawBuilder<unknown>, id: RawBuilder<unknown>, after: RetentionCursor) {
  return after === null ? sql`1` : sql`(${time}, ${id}) > (${after.at}, ${after.id})`
}

interface RawTripColumns {
  pass_valid_until: string | null
  pass_ended_early_at: string | null
  loops: string
}

function tripParts(row: RawTripColumns): { pass: RetentionPass | null; loops: RetentionLoop[] } {
  return {
    pass:
      row.pass_valid_until === null
        ? null
        : { valid_until: row.pass_valid_until, ended_early_at: row.pass_ended_early_at },
    loops: (JSON.parse(row.loops) as RetentionLoop[]).map((loop) => ({
      closed_at: loop.closed_at,
      unresolved_alerts: Number(loop.unresolved_alerts),
    })),
  }
}

function nextCursor<Row extends { id: string }>(
  rows: Row[],
  limit: number,
  time: (row: Row) => string,
): RetentionCursor {
  if (rows.length < limit) return null
  const last = rows[rows.length - 1]
  return { at: time(last), id: last.id }
}

export async function applicationsHeld(
  db: Kysely<Database>,
  { cutoff, after, limit }: PageOptions,
): Promise<RetentionPage<ApplicationTripRow & { created_at: string }>> {
  const { rows } = await sql<
    RawTripColumns & {
      id: string
      status: ApplicationStatus
      created_at: string
      decided_at: string | null
      valid_until: string
    }
  >`SELECT x.id, x.status, x.created_at, x.decided_at, x.valid_until, ${passColumns},
      ${loopsJson(sql`NULL`)}
    FROM applications x
    LEFT JOIN passes p ON p.number = x.pass_number AND x.status = 'approved'
    WHERE x.personal_erased_at IS NULL AND x.created_at <= ${cutoff}
      AND ${afterCursor(sql`x.created_at`, sql`x.id`, after)}
    ORDER BY x.created_at, x.id LIMIT ${limit}`.execute(db)
  return {
    rows: rows.map((row) => ({
      id: row.id,
      status: row.status,
      created_at: row.created_at,
      decided_at: row.decided_at,
      valid_until: row.valid_until,
      ...tripParts(row),
    })),
    next: nextCursor(rows, limit, (row) => row.created_at),
  }
}

export async function arrivalReportsHeld(
  db: Kysely<Database>,
  { cutoff, after, limit }: PageOptions,
): Promise<RetentionPage<ArrivalReportTripRow>> {
  const { rows } = await sql<
    RawTripColumns & { id: string; created_at: string; expected_until: string }
  >`SELECT x.id, x.created_at, x.expected_until, ${passColumns},
      ${loopsJson(sql`x.arrived_loop_id`)}
    FROM arrival_reports x
    LEFT JOIN passes p ON p.number = x.pass_number
    WHERE x.personal_erased_at IS NULL AND x.created_at <= ${cutoff}
      AND ${afterCursor(sql`x.created_at`, sql`x.id`, after)}
    ORDER BY x.created_at, x.id LIMIT ${limit}`.execute(db)
  return {
    rows: rows.map((row) => ({
      id: row.id,
      created_at: row.created_at,
      expected_until: row.expected_until,
      ...tripParts(row),
    })),
    next: nextCursor(rows, limit, (row) => row.created_at),
  }
}

export async function scansHeld(
  db: Kysely<Database>,
  { cutoff, after, limit }: PageOptions,
): Promise<RetentionPage<ScanTripRow>> {
  const { rows } = await sql<RawTripColumns & { id: string; received_at: string }>`
    SELECT x.id, x.received_at, ${passColumns}, ${loopsJson(sql`x.loop_id`)}
    FROM scans x
    LEFT JOIN passes p ON p.number = x.pass_number
    WHERE x.personal_erased_at IS NULL AND x.received_at <= ${cutoff}
      AND ${afterCursor(sql`x.received_at`, sql`x.id`, after)}
    ORDER BY x.received_at, x.id LIMIT ${limit}`.execute(db)
  return {
    rows: rows.map((row) => ({ id: row.id, received_at: row.received_at, ...tripParts(row) })),
    next: nextCursor(rows, limit, (row) => row.received_at),
  }
}

/** When an application's personal data was erased (null: still held), for the pass's views. */
export async function applicationErasedAt(
  db: Kysely<Database>,
  applicationId: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('applications')
    .select('personal_erased_at')
    .where('id', '=', applicationId)
    .executeTakeFirst()
  return row?.personal_erased_at ?? null
}
