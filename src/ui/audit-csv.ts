import type { ComplianceReport } from '../audit/compliance-report.ts'
import { chinaTime } from './format.ts'
import { MESSAGES, words, type Lang } from './i18n.ts'
import { auditCsvText } from './messages/admin.ts'

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

/** Fills `{n}` in a template. */
const fill = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? ''))

/** A share (0.3333) as a spreadsheet reads a percentage: `33.33%`. */
const percent = (share: number | null) =>
  share === null ? '' : `${Math.round(share * 10_000) / 100}%`

/** Who did it, in words: 系统, or 专班 li (the role in words, the username as it is). */
export function actorText(lang: Lang, actor: string | null): string {
  const t = MESSAGES[lang]
  if (!actor) return ''
  if (actor === 'system') return t.actorSystem
  const [role, ...rest] = actor.split(':')
  const roleWord = (
    {
      admin: t.roleAdmin,
      coordinator: t.roleCoordinator,
      checkpoint: t.roleCheckpoint,
      enterprise: t.roleEnterprise,
    } as Record<string, string>
  )[role]
  return roleWord ? `${roleWord} ${rest.join(':')}` : actor
}

/**
 * The compliance report as one CSV file of clearly separated tables: each section has a title row,
 * its own header row and its rows, with a blank row before the next. Codes are in words of `lang`,
 * times China time (UTC+8, `2026-11-30 08:00`, the headers say so), checkpoint codes as names
 * (`names`). UTF-8 with a byte-order mark, so Excel on Chinese Windows shows the Chinese right.
 */
export function reportCsv(
  report: ComplianceReport,
  lang: Lang,
  names: ReadonlyMap<string, string>,
  now: Date,
): string {
  const t = MESSAGES[lang]
  const c = auditCsvText[lang]
  const w = (code: string | null | undefined) => (code ? words(lang, code) : '')
  const place = (code: string | null) => (code ? (names.get(code) ?? code) : '')
  const e = report.enterprise
  const sections: string[][] = []
  const section = (title: string, header: string[], rows: unknown[][], counted = true) =>
    sections.push([
      row([counted ? `${title}${fill(c.rows, { n: rows.length })}` : title]),
      row(header),
      ...rows.map(row),
    ])

  section(
    c.about,
    [c.item, c.content],
    [
      [c.firm, e.name],
      [c.uscc, e.uscc],
      [
        c.whitelist,
        `${w(report.whitelist.status)}${report.whitelist.level ? ` · ${w(report.whitelist.level)}` : ''}`,
      ],
      [c.periodFrom, chinaTime(report.period.from)],
      [c.periodTo, chinaTime(report.period.to)],
      [c.generatedAt, chinaTime(now.toISOString())],
      [c.timeNote, c.timeNoteText],
    ],
    false,
  )
  const counts = report.passes.counts
  section(
    c.summary,
    [c.item, c.value],
    [
      [t.figPassesIssued, report.passes.items.length],
      ...Object.entries(counts).map(([status, n]) => [
        fill(t.figPassesBy, { status: w(status) }),
        n,
      ]),
      [t.figLoops, report.loops.total],
      [t.figLoopsClosed, report.loops.closed],
      [t.figClosedOnTime, report.loops.closed_on_time],
      [t.figShareOnTime, percent(report.loops.share_closed_on_time)],
      [t.figLate, report.loops.late],
      [t.figStillOpen, report.loops.open],
      [t.hoFigReceivers, report.loops.receivers],
      [t.hoFigFlagged, report.loops.receivers_flagged],
      ...Object.entries(report.alerts.counts).map(([kind, n]) => [
        fill(t.figAlertsBy, { kind: w(kind) }),
        n,
      ]),
      [t.figUnresolved, report.alerts.unresolved],
      [t.figFailedScans, report.failed_scans.total],
      [t.figReportedInTime, report.arrival_reports.loops_reported_in_time],
      [t.figShareReported, percent(report.arrival_reports.share_reported_in_time)],
      [t.figReportsFiled, report.arrival_reports.filed],
      [t.figReportsLate, report.arrival_reports.filed_late],
      [t.figReportsNoShow, report.arrival_reports.not_arrived_after_window],
    ],
    false,
  )
  section(
    c.passes,
    [c.number, c.plate, c.status, c.statusReason, c.issuedAt, c.validFrom, c.validUntil],
    report.passes.items.map((p) => [
      p.number,
      p.plate,
      w(p.status),
      p.status_reason,
      chinaTime(p.issued_at),
      chinaTime(p.valid_from),
      chinaTime(p.valid_until),
    ]),
  )
  section(
    c.loops,
    [c.loopId, c.plate, c.number, c.state, c.entryCheckpoint, c.openedAt, c.closedAt, c.late],
    report.loops.items.map((l) => [
      l.id,
      l.plate,
      l.pass_number,
      w(l.state),
      place(l.entry_checkpoint_code),
      chinaTime(l.opened_at),
      chinaTime(l.closed_at),
      l.late ? c.yes : c.no,
    ]),
  )
  // The hand-over manifests: one row per receiving vehicle, beside its loop and truck.
  section(
    t.hoReceivers,
    [c.loopId, t.hoTruckPlate, t.hoReceivingPlate, t.hoPieces, t.hoSeal, t.hoAt, t.hoFlag],
    report.loops.items.flatMap((l) =>
      l.receivers.map((r) => [
        l.id,
        l.plate,
        r.plate,
        r.pieces,
        r.seal_number,
        chinaTime(r.at),
        w(r.flag),
      ]),
    ),
  )
  section(
    c.alerts,
    [c.alertId, c.kind, c.status, c.plate, c.alertOpenedAt, c.resolvedAt, c.note],
    report.alerts.items.map((a) => [
      a.id,
      w(a.kind),
      w(a.status),
      a.plate,
      chinaTime(a.opened_at),
      chinaTime(a.resolved_at),
      a.note,
    ]),
  )
  section(
    c.failedScans,
    [c.scanId, c.receivedAt, c.checkpoint, c.number, c.plate, c.observedPlate, c.reasons],
    report.failed_scans.items.map((s) => [
      s.id,
      chinaTime(s.received_at),
      place(s.checkpoint_code),
      s.pass_number,
      s.plate,
      s.observed_plate,
      s.reasons.map(w).join(lang === 'zh' ? '；' : '; '),
    ]),
  )
  section(
    c.whitelistHistory,
    [c.decidedAt, c.previousStatus, c.status, c.level, c.reason, c.actor],
    report.whitelist.history.map((d) => [
      chinaTime(d.at),
      w(d.previous_status),
      w(d.status),
      w(d.level),
      d.reason === 'registered' ? w(d.reason) : d.reason,
      actorText(lang, d.actor),
    ]),
  )
  const lines = [row([`${c.title} · ${e.name}`]), '', ...sections.flatMap((s) => [...s, ''])]
  return `\uFEFF${lines.join('\r\n')}`
}
