import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { precompiled, rows as allRows } from '../db/precompiled.ts'
import { maskedCrew } from '../applications/applications.repository.ts'
import type { ArrivalReportRow } from './arrivals.table.ts'
import {
  MATCH_SLACK_HOURS,
  NO_SHOW_AFTER_HOURS,
  rankReports,
  reportStatus,
  type ReportStatus,
  type ScannedPass,
} from './report-rules.ts'

const HOUR = 3_600_000

// Looked up at every entry scan.
const openReportsAround = precompiled(
  ['plate', 'checkpointCode', 'latestFrom', 'earliestUntil'],
  (db, a: { plate: string; checkpointCode: string; latestFrom: string; earliestUntil: string }) =>
    db
      .selectFrom('arrival_reports')
      .selectAll()
      .where('plate', '=', a.plate)
      .where('checkpoint_code', '=', a.checkpointCode)
      .where('arrived_at', 'is', null)
      .where('expected_from', '<=', a.latestFrom)
      .where('expected_until', '>=', a.earliestUntil),
)

/**
 * The open report for this vehicle at this checkpoint whose window (± slack) holds `at`: one that
 * names the scanned pass first, then the nearest (see `rankReports`).
 */
export async function findMatchingReport(
  db: Kysely<Database>,
  plate: string,
  checkpointCode: string,
  at: Date,
  scanned: ScannedPass,
) {
  const slack = MATCH_SLACK_HOURS * HOUR
  const rows = await allRows(
    db,
    openReportsAround({
      plate,
      checkpointCode,
      latestFrom: new Date(at.getTime() + slack).toISOString(),
      earliestUntil: new Date(at.getTime() - slack).toISOString(),
    }),
  )
  return rankReports(rows, scanned, at)[0]
}

export interface ArrivalReportFilter {
  /** Only reports for these checkpoints (checkpoint staff: theirs). */
  checkpoints?: readonly string[]
  enterpriseId?: string
  plate?: string
  /** Windows that end at or after this time. */
  from?: Date
  /** Windows that begin before this time. */
  to?: Date
  /** A status as `reportStatus` gives it at `now`. */
  status?: ReportStatus
  now: Date
}

/** The reports matching `q`, soonest window first: the API pages and counts this one query. */
export function arrivalReportsQuery(db: Kysely<Database>, q: ArrivalReportFilter) {
  let query = db.selectFrom('arrival_reports').selectAll()
  if (q.checkpoints)
    query = query.where('checkpoint_code', 'in', q.checkpoints.length ? q.checkpoints : [''])
  if (q.enterpriseId) query = query.where('enterprise_id', '=', q.enterpriseId)
  if (q.from) query = query.where('expected_until', '>=', q.from.toISOString())
  if (q.to) query = query.where('expected_from', '<', q.to.toISOString())
  if (q.plate) query = query.where('plate', '=', q.plate)
  // The same boundaries as reportStatus.
  const now = q.now.toISOString()
  const cutoff = new Date(q.now.getTime() - NO_SHOW_AFTER_HOURS * HOUR).toISOString()
  if (q.status === 'arrived') query = query.where('arrived_at', 'is not', null)
  else if (q.status === 'expected')
    query = query.where('arrived_at', 'is', null).where('expected_until', '>=', now)
  else if (q.status === 'overdue')
    query = query
      .where('arrived_at', 'is', null)
      .where('expected_until', '<', now)
      .where('expected_until', '>=', cutoff)
  else if (q.status === 'no_show')
    query = query.where('arrived_at', 'is', null).where('expected_until', '<', cutoff)
  return query.orderBy('expected_from').orderBy('id')
}

export function listArrivalReports(
  db: Kysely<Database>,
  q: ArrivalReportFilter & { limit: number; offset?: number },
): Promise<ArrivalReportRow[]> {
  return arrivalReportsQuery(db, q)
    .limit(q.limit)
    .offset(q.offset ?? 0)
    .execute()
}

export function reportView(row: ArrivalReportRow, now: Date) {
  return {
    id: row.id,
    status: reportStatus(row, now),
    enterprise_id: row.enterprise_id,
    plate: row.plate,
    pass_number: row.pass_number,
    checkpoint_code: row.checkpoint_code,
    expected_from: row.expected_from,
    expected_until: row.expected_until,
    crew: maskedCrew(row.crew),
    reported_late: row.reported_late === 1,
    created_at: row.created_at,
    arrived_at: row.arrived_at,
    loop_id: row.arrived_loop_id,
    booking_id: row.booking_id ?? null,
    personal_erased_at: row.personal_erased_at ?? null,
  }
}

/** One of the firm's own reports (undefined for another firm's, as for an unknown id). */
export function findFirmReport(
  db: Kysely<Database>,
  enterpriseId: string,
  id: string,
): Promise<ArrivalReportRow | undefined> {
  return db
    .selectFrom('arrival_reports')
    .selectAll()
    .where('id', '=', id)
    .where('enterprise_id', '=', enterpriseId)
    .executeTakeFirst()
}
