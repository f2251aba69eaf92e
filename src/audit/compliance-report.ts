import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { shownStatus } from '../passes/passes.repository.ts'
import { decisionView, enterpriseView } from '../enterprises/enterprises.repository.ts'
import type { EnterpriseRow } from '../enterprises/enterprises.table.ts'

const OVERDUE = ['result_overdue', 'destination_overdue']

/**
 * The queries behind a firm's compliance report, each bounded by the firm and the period through
 * an index (see schema/0005_audit.sql); a test checks their query plans.
 */
export function reportQueries(
  db: Kysely<Database>,
  enterpriseId: string,
  from: string,
  to: string,
) {
  return {
    passes: db
      .selectFrom('passes')
      .select([
        'number',
        'plate',
        'status',
        'status_reason',
        'issued_at',
        'valid_from',
        'valid_until',
      ])
      .where('enterprise_id', '=', enterpriseId)
      .where('issued_at', '>=', from)
      .where('issued_at', '<', to)
      .orderBy('issued_at'),
    loops: db
      .selectFrom('loops')
      .select([
        'id',
        'plate',
        'pass_number',
        'state',
        'opened_at',
        'closed_at',
        'entry_checkpoint_code',
        'alerting',
      ])
      .select(
        sql<number>`(SELECT count(*) FROM alerts WHERE alerts.loop_id = loops.id AND alerts.kind IN ('result_overdue', 'destination_overdue'))`.as(
          'overdue_alerts',
        ),
      )
      // 0: reported in time, 1: reported late, null: no pre-arrival report matched the arrival.
      .select(
        sql<
          number | null
        >`(SELECT min(reported_late) FROM arrival_reports WHERE arrival_reports.arrived_loop_id = loops.id)`.as(
          'report_late',
        ),
      )
      .where('enterprise_id', '=', enterpriseId)
      .where('opened_at', '>=', from)
      .where('opened_at', '<', to)
      .orderBy('opened_at'),
    // The local vehicles each loop's load was handed to (the hand-over manifest), in order.
    receivers: db
      .selectFrom('loops')
      .innerJoin('handover_receivers as hr', 'hr.loop_id', 'loops.id')
      .innerJoin('loop_events', 'loop_events.id', 'hr.event_id')
      .select([
        'hr.loop_id',
        'hr.receiving_plate',
        'hr.pieces',
        'hr.seal_number',
        'hr.flag',
        'loop_events.at',
      ])
      .where('loops.enterprise_id', '=', enterpriseId)
      .where('loops.opened_at', '>=', from)
      .where('loops.opened_at', '<', to)
      .orderBy('loop_events.at')
      .orderBy(sql`hr.rowid`),
    alerts: db
      .selectFrom('alerts')
      .innerJoin('loops', 'loops.id', 'alerts.loop_id')
      .select([
        'alerts.id',
        'alerts.kind',
        'alerts.status',
        'alerts.opened_at',
        'alerts.resolved_at',
        'alerts.note',
        'loops.plate',
        'loops.id as loop_id',
      ])
      .where('alerts.enterprise_id', '=', enterpriseId)
      .where('alerts.opened_at', '>=', from)
      .where('alerts.opened_at', '<', to)
      .orderBy('alerts.opened_at'),
    failedScans: db
      .selectFrom('scans')
      .select([
        'id',
        'received_at',
        'scanned_at',
        'checkpoint_code',
        'pass_number',
        'plate',
        'observed_plate',
        'reasons',
        'action',
      ])
      .where('enterprise_id', '=', enterpriseId)
      .where('verdict', '=', 'invalid')
      .where('received_at', '>=', from)
      .where('received_at', '<', to)
      .orderBy('received_at'),
    whitelist: db
      .selectFrom('whitelist_decisions')
      .selectAll()
      .where('enterprise_id', '=', enterpriseId)
      .orderBy('id'),
    arrivalReports: db
      .selectFrom('arrival_reports')
      .select([
        'id',
        'plate',
        'checkpoint_code',
        'expected_from',
        'expected_until',
        'reported_late',
        'arrived_at',
      ])
      .where('enterprise_id', '=', enterpriseId)
      .where('expected_from', '>=', from)
      .where('expected_from', '<', to)
      .orderBy('expected_from'),
  }
}

export async function complianceReport(
  db: Kysely<Database>,
  enterprise: EnterpriseRow,
  from: Date,
  to: Date,
  now: Date,
) {
  const q = reportQueries(db, enterprise.id, from.toISOString(), to.toISOString())
  const [passes, loops, alerts, failedScans, decisions, reports, receivers] = await Promise.all([
    q.passes.execute(),
    q.loops.execute(),
    q.alerts.execute(),
    q.failedScans.execute(),
    q.whitelist.execute(),
    q.arrivalReports.execute(),
    q.receivers.execute(),
  ])
  const receiversOf = new Map<string, ReportReceiver[]>()
  for (const r of receivers) {
    const item: ReportReceiver = {
      plate: r.receiving_plate,
      pieces: r.pieces,
      seal_number: r.seal_number,
      flag: r.flag,
      at: r.at,
    }
    const list = receiversOf.get(r.loop_id)
    if (list) list.push(item)
    else receiversOf.set(r.loop_id, [item])
  }
  const passItems = passes.map((p) => ({ ...p, status: shownStatus(p.status, p.valid_until, now) }))
  const passCounts = { active: 0, revoked: 0, superseded: 0, expired: 0 }
  for (const p of passItems) passCounts[p.status]++

  const loopItems = loops.map((l) => ({
    id: l.id,
    plate: l.plate,
    pass_number: l.pass_number,
    state: l.state,
    entry_checkpoint_code: l.entry_checkpoint_code,
    opened_at: l.opened_at,
    closed_at: l.closed_at,
    late: Number(l.overdue_alerts) > 0,
    reported_in_time: l.report_late === 0,
    alerting: l.alerting === 1,
    receivers: receiversOf.get(l.id) ?? [],
  }))
  const closedOnTime = loopItems.filter((l) => l.closed_at && !l.late).length
  const alertCounts = {
    pcr_positive: 0,
    antigen_positive: 0,
    result_overdue: 0,
    destination_overdue: 0,
  }
  for (const a of alerts) alertCounts[a.kind]++

  return {
    enterprise: enterpriseView(enterprise),
    period: { from: from.toISOString(), to: to.toISOString() },
    passes: { counts: passCounts, items: passItems },
    loops: {
      total: loopItems.length,
      closed: loopItems.filter((l) => l.closed_at).length,
      closed_on_time: closedOnTime,
      // Closed with no overdue alert, over all loops opened in the period.
      share_closed_on_time: loopItems.length ? round(closedOnTime / loopItems.length) : null,
      late: loopItems.filter((l) => l.late).length,
      open: loopItems.filter((l) => !l.closed_at).length,
      // Hand-overs: the receiving vehicles, and those that had an open loop from a risk area.
      receivers: receivers.length,
      receivers_flagged: receivers.filter((r) => r.flag).length,
      items: loopItems,
    },
    alerts: {
      counts: alertCounts,
      overdue: alerts.filter((a) => OVERDUE.includes(a.kind)).length,
      positive: alertCounts.pcr_positive + alertCounts.antigen_positive,
      unresolved: alerts.filter((a) => a.status !== 'resolved').length,
      items: alerts,
    },
    arrival_reports: {
      // Of its vehicles' loops in the period, how many were announced in time (报备).
      loops_reported_in_time: loopItems.filter((l) => l.reported_in_time).length,
      share_reported_in_time: loopItems.length
        ? round(loopItems.filter((l) => l.reported_in_time).length / loopItems.length)
        : null,
      filed: reports.length,
      filed_late: reports.filter((r) => r.reported_late === 1).length,
      arrived: reports.filter((r) => r.arrived_at).length,
      not_arrived_after_window: reports.filter(
        (r) => !r.arrived_at && Date.parse(r.expected_until) < now.getTime(),
      ).length,
    },
    failed_scans: {
      total: failedScans.length,
      items: failedScans.map((s) => ({ ...s, reasons: JSON.parse(s.reasons) as string[] })),
    },
    whitelist: {
      status: enterprise.whitelist_status,
      level: enterprise.whitelist_level,
      // The whole history, not just the period: a decision before it explains the state in it.
      history: decisions.map(decisionView),
    },
  }
}

export type ComplianceReport = Awaited<ReturnType<typeof complianceReport>>

/** A receiving vehicle of one of the firm's loops, as the report lists it. */
export interface ReportReceiver {
  plate: string
  pieces: number
  seal_number: string | null
  flag: string | null
  at: string
}

const round = (x: number) => Math.round(x * 10_000) / 10_000

/** Whitelisted firms (active or suspended) ranked by where to look first. */
export async function rankEnterprises(db: Kysely<Database>, from: string, to: string) {
  const [firms, openAlerts, loops, failed] = await Promise.all([
    db
      .selectFrom('enterprises')
      .selectAll()
      .where('whitelist_status', 'in', ['active', 'suspended'])
      .execute(),
    db
      .selectFrom('alerts')
      .innerJoin('loops', 'loops.id', 'alerts.loop_id')
      .select(['loops.enterprise_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('alerts.status', '!=', 'resolved')
      .groupBy('loops.enterprise_id')
      .execute(),
    db
      .selectFrom('loops')
      .select([
        'enterprise_id',
        (eb) => eb.fn.countAll<number>().as('total'),
        sql<number>`sum(EXISTS (SELECT 1 FROM alerts WHERE alerts.loop_id = loops.id AND alerts.kind IN ('result_overdue', 'destination_overdue')))`.as(
          'late',
        ),
      ])
      .where('opened_at', '>=', from)
      .where('opened_at', '<', to)
      .where('enterprise_id', 'is not', null)
      .groupBy('enterprise_id')
      .execute(),
    db
      .selectFrom('scans')
      .select(['enterprise_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('verdict', '=', 'invalid')
      .where('received_at', '>=', from)
      .where('received_at', '<', to)
      .where('enterprise_id', 'is not', null)
      .groupBy('enterprise_id')
      .execute(),
  ])
  const byFirm = <T extends { enterprise_id: string | null }>(rows: T[]) =>
    new Map(rows.map((r) => [r.enterprise_id, r]))
  const alertsBy = byFirm(openAlerts)
  const loopsBy = byFirm(loops)
  const failedBy = byFirm(failed)
  return firms
    .map((f) => ({
      id: f.id,
      name: f.name,
      uscc: f.uscc,
      whitelist: { status: f.whitelist_status, level: f.whitelist_level },
      open_alerts: Number(alertsBy.get(f.id)?.n ?? 0),
      late_loops: Number(loopsBy.get(f.id)?.late ?? 0),
      loops: Number(loopsBy.get(f.id)?.total ?? 0),
      failed_scans: Number(failedBy.get(f.id)?.n ?? 0),
    }))
    .sort(
      (a, b) =>
        b.open_alerts - a.open_alerts ||
        b.late_loops - a.late_loops ||
        b.failed_scans - a.failed_scans ||
        a.name.localeCompare(b.name, 'zh') ||
        a.id.localeCompare(b.id),
    )
}
