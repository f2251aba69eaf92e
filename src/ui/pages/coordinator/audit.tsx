import type { Deps } from '../../../app-env.ts'
import { findEnterprise } from '../../../enterprises/enterprises.repository.ts'
import { rankEnterprises } from '../../../audit/compliance-report.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { MESSAGES, words } from '../../i18n.ts'

export async function auditPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const now = deps.clock()
  const rows = await rankEnterprises(
    deps.store.db,
    new Date(now.getTime() - 31 * 86_400_000).toISOString(),
    new Date(now.getTime() + 86_400_000).toISOString(),
  )
  return (
    <Layout ctx={ctx} title={t.audit}>
      <h1>{t.audit}</h1>
      <Table
        label={t.audit}
        empty={t.none}
        head={[t.enterprises, t.openAlerts, t.lateLoops, t.loops, t.failedScans]}
        rows={rows.map((r) => [
          <a href={`/ui/audit/${r.id}`}>{r.name}</a>,
          String(r.open_alerts),
          String(r.late_loops),
          String(r.loops),
          String(r.failed_scans),
        ])}
      />
    </Layout>
  )
}

export async function auditReportPage(deps: Deps, ctx: PageContext, id: string) {
  const t = MESSAGES[ctx.lang]
  const { complianceReport } = await import('../../../audit/compliance-report.ts')
  const row = await findEnterprise(deps.store.db, id)
  if (!row) return null
  const now = deps.clock()
  const to = new Date(now.getTime() + 86_400_000)
  const report = await complianceReport(
    deps.store.db,
    row,
    new Date(to.getTime() - 31 * 86_400_000),
    to,
    now,
  )
  const figures: [string, string][] = [
    [
      t.passes,
      Object.entries(report.passes.counts)
        .map(([k, v]) => `${words(ctx.lang, k)} ${v}`)
        .join(' · '),
    ],
    [
      t.loops,
      `${report.loops.total} · ${report.loops.closed_on_time} (${report.loops.share_closed_on_time ?? '-'})`,
    ],
    [
      t.alerts,
      Object.entries(report.alerts.counts)
        .map(([k, v]) => `${words(ctx.lang, k)} ${v}`)
        .join(' · '),
    ],
    [t.failedScans, String(report.failed_scans.total)],
    [
      '报备 / reported in time',
      `${report.arrival_reports.loops_reported_in_time} (${report.arrival_reports.share_reported_in_time ?? '-'})`,
    ],
  ]
  return (
    <Layout ctx={ctx} title={`${t.report} ${row.name}`}>
      <h1>{`${t.report} · ${row.name}`}</h1>
      <p>
        <a class="button" href={`/api/v1/enterprises/${id}/audit.csv`} download>
          {t.exportCsv}
        </a>
      </p>
      <Table
        label={t.report}
        empty={t.none}
        head={['', '']}
        rows={figures.map(([k, v]) => [k, v])}
      />
      <h2>{t.whitelist}</h2>
      <form data-api={`/api/v1/enterprises/${id}/whitelist`} data-method="POST" data-reload>
        <div class="errors" role="alert" data-errors></div>
        <input type="hidden" name="status" value="suspended" />
        <div class="field" data-field="reason">
          <label for="suspend-reason">{t.reason}</label>
          <input id="suspend-reason" name="reason" required />
        </div>
        <p>
          <button type="submit" class="danger">{`${words(ctx.lang, 'suspended')}`}</button>
        </p>
      </form>
    </Layout>
  )
}
