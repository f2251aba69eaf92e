// Pre-arrival reports (报备): what a report's status is, when it counts as filed late, and which
// report a scan matches.

import type { ArrivalReportRow } from './arrivals.table.ts'

export const REPORT_STATUSES = ['expected', 'arrived', 'overdue', 'no_show'] as const
export type ReportStatus = (typeof REPORT_STATUSES)[number]

const HOUR = 3_600_000

/** After its window ends a report is `overdue` for this long, then `no_show`: closed without arriving. */
export const NO_SHOW_AFTER_HOURS = 24

export function reportStatus(
  report: { arrived_at: string | null; expected_until: string },
  now: Date,
): ReportStatus {
  if (report.arrived_at) return 'arrived'
  const end = Date.parse(report.expected_until)
  if (now.getTime() <= end) return 'expected'
  return now.getTime() - end > NO_SHOW_AFTER_HOURS * HOUR ? 'no_show' : 'overdue'
}

/** Filed less than `leadHours` before the window opens. */
export function isReportedLate(createdAt: Date, expectedFrom: Date, leadHours: number): boolean {
  return expectedFrom.getTime() - createdAt.getTime() < leadHours * HOUR
}

/** How far outside its window a scan may still match a report: trucks run early and late. */
export const MATCH_SLACK_HOURS = 24

/** The pass a scan read, as far as it is known: none if the token was unreadable, no firm for a foreign pass. */
export interface ScannedPass {
  passNumber: string | null
  enterpriseId: string | null
}

type Matchable = Pick<
  ArrivalReportRow,
  'pass_number' | 'enterprise_id' | 'expected_from' | 'expected_until'
>

/**
 * The reports a scan may be matched to, best first. A report that names another pass is not about
 * this truck's trip, nor is one filed by a firm other than the scanned pass's: both are left out,
 * so a scan never marks another firm's report arrived. Of the rest, one naming the scanned pass
 * comes first, then the one whose window is nearest the scan.
 */
export function rankReports<R extends Matchable>(
  reports: readonly R[],
  scanned: ScannedPass,
  at: Date,
): R[] {
  const t = at.getTime()
  const distance = (r: R) => {
    const from = Date.parse(r.expected_from)
    const until = Date.parse(r.expected_until)
    return t < from ? from - t : t > until ? t - until : 0
  }
  const namesPass = (r: R) =>
    scanned.passNumber !== null && r.pass_number === scanned.passNumber ? 0 : 1
  return reports
    .filter(
      (r) =>
        scanned.passNumber === null ||
        r.pass_number === null ||
        r.pass_number === scanned.passNumber,
    )
    .filter((r) => scanned.enterpriseId === null || r.enterprise_id === scanned.enterpriseId)
    .sort((a, b) => namesPass(a) - namesPass(b) || distance(a) - distance(b))
}

/** Longest window a report may name. */
export const MAX_WINDOW_HOURS = 72
