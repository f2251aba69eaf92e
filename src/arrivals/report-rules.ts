// Pre-arrival reports (报备): what a report's status is, and when it counts as filed late.

export const REPORT_STATUSES = ['expected', 'arrived', 'overdue', 'no_show'] as const
export type ReportStatus = (typeof REPORT_STATUSES)[number]

const HOUR = 3_600_000

/** After its window ends a report is `overdue` for this long, then `no_show`: closed without arriving. */
export const NO_SHOW_AFTER_HOURS = 24

export function reportStatus(report: { arrived_at: string | null; expected_until: string }, now: Date): ReportStatus {
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

/** Longest window a report may name. */
export const MAX_WINDOW_HOURS = 72
