import type { ComplianceReport } from './compliance-report.ts'

// RFC 4180 cells; a leading = + - @ is neutralised so a spreadsheet never runs a cell as a formula.
export function csvCell(value: unknown): string {
  let text =
    value === null || value === undefined
      ? ''
      : Array.isArray(value)
        ? value.join(' ')
        : String(value)
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

const row = (cells: unknown[]) => cells.map(csvCell).join(',')

/**
 * The compliance report as one CSV file of titled blocks, UTF-8 with a byte-order mark so
 * spreadsheet programs show the Chinese names correctly.
 */
export function reportCsv(report: ComplianceReport): string {
  const e = report.enterprise
  const lines: string[] = [
    row(['企业 enterprise', e.name]),
    row(['统一社会信用代码 USCC', e.uscc]),
    row([
      '白名单 whitelist',
      `${report.whitelist.status}${report.whitelist.level ? ` (${report.whitelist.level})` : ''}`,
    ]),
    row(['期间 period', report.period.from, report.period.to]),
    '',
    row(['summary', 'value']),
    row(['passes_active', report.passes.counts.active]),
    row(['passes_revoked', report.passes.counts.revoked]),
    row(['passes_superseded', report.passes.counts.superseded]),
    row(['passes_expired', report.passes.counts.expired]),
    row(['loops', report.loops.total]),
    row(['loops_closed_on_time', report.loops.closed_on_time]),
    row(['share_closed_on_time', report.loops.share_closed_on_time ?? '']),
    row(['loops_late', report.loops.late]),
    row(['alerts_overdue', report.alerts.overdue]),
    row(['alerts_positive', report.alerts.positive]),
    row(['failed_scans', report.failed_scans.total]),
    row(['loops_reported_in_time', report.arrival_reports.loops_reported_in_time]),
    row(['share_reported_in_time', report.arrival_reports.share_reported_in_time ?? '']),
    row(['arrival_reports_filed', report.arrival_reports.filed]),
    row(['arrival_reports_late', report.arrival_reports.filed_late]),
    '',
    row([
      'passes',
      'number',
      'plate',
      'status',
      'status_reason',
      'issued_at',
      'valid_from',
      'valid_until',
    ]),
    ...report.passes.items.map((p) =>
      row([
        'pass',
        p.number,
        p.plate,
        p.status,
        p.status_reason,
        p.issued_at,
        p.valid_from,
        p.valid_until,
      ]),
    ),
    '',
    row([
      'loops',
      'id',
      'plate',
      'pass_number',
      'state',
      'entry_checkpoint',
      'opened_at',
      'closed_at',
      'late',
    ]),
    ...report.loops.items.map((l) =>
      row([
        'loop',
        l.id,
        l.plate,
        l.pass_number,
        l.state,
        l.entry_checkpoint_code,
        l.opened_at,
        l.closed_at,
        l.late ? 'yes' : 'no',
      ]),
    ),
    '',
    row(['alerts', 'id', 'kind', 'status', 'plate', 'opened_at', 'resolved_at', 'note']),
    ...report.alerts.items.map((a) =>
      row(['alert', a.id, a.kind, a.status, a.plate, a.opened_at, a.resolved_at, a.note]),
    ),
    '',
    row([
      'failed_scans',
      'id',
      'received_at',
      'checkpoint',
      'pass_number',
      'plate',
      'observed_plate',
      'reasons',
    ]),
    ...report.failed_scans.items.map((s) =>
      row([
        'scan',
        s.id,
        s.received_at,
        s.checkpoint_code,
        s.pass_number,
        s.plate,
        s.observed_plate,
        s.reasons,
      ]),
    ),
    '',
    row(['whitelist_history', 'at', 'previous_status', 'status', 'level', 'reason', 'actor']),
    ...report.whitelist.history.map((d) =>
      row(['decision', d.at, d.previous_status, d.status, d.level, d.reason, d.actor]),
    ),
  ]
  return `\uFEFF${lines.join('\r\n')}\r\n`
}
