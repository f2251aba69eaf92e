import type { Kysely } from 'kysely'
import type { Database } from '../db/database.ts'
import { precompiled, rows as allRows } from '../db/precompiled.ts'
import { maskedCrew } from '../applications/applications.repository.ts'
import type { ArrivalReportRow } from './arrivals.table.ts'
import { MATCH_SLACK_HOURS, rankReports, reportStatus, type ScannedPass } from './report-rules.ts'

const HOUR = 3_600_000

// Looked up at every entry scan.
const openReportsAround = precompiled(['plate', 'checkpointCode', 'latestFrom', 'earliestUntil'], (db, a: { plate: string; checkpointCode: string; latestFrom: string; earliestUntil: string }) =>
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
export async function findMatchingReport(db: Kysely<Database>, plate: string, checkpointCode: string, at: Date, scanned: ScannedPass) {
  const slack = MATCH_SLACK_HOURS * HOUR
  const rows = await allRows(
    db,
    openReportsAround({ plate, checkpointCode, latestFrom: new Date(at.getTime() + slack).toISOString(), earliestUntil: new Date(at.getTime() - slack).toISOString() }),
  )
  return rankReports(rows, scanned, at)[0]
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
  }
}
