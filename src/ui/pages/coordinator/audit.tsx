import type { Deps } from '../../../app-env.ts'
import { findEnterprise } from '../../../enterprises/enterprises.repository.ts'
import { complianceReport, rankEnterprises } from '../../../audit/compliance-report.ts'
import { chinaDay, lastChinaDay, reportPeriod } from '../../../audit/report-period.ts'
import { dateTimeProblem } from '../../../applications/real-date-time.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words, type Lang } from '../../i18n.ts'
import { Data, fill } from './shown.tsx'
import { FormErrors } from './admin-forms.tsx'
import { ReceiversTable } from './receivers.tsx'

type PeriodQuery = Record<string, string | undefined>

const isRealDay = (v: string | undefined) =>
  v === undefined ||
  (/^\d{4}-\d{2}-\d{2}$/.test(v) && dateTimeProblem(`${v}T00:00:00+08:00`) === null)

/**
 * The period a page shows: the days chosen (`?from=2026-11-01&to=2026-11-30`, China days, `to`
 * inclusive), read as the API reads them; nonsense falls back to the default, and says so.
 */
function pagePeriod(query: PeriodQuery, now: Date) {
  const chosen = { from: query.from || undefined, to: query.to || undefined }
  if (isRealDay(chosen.from) && isRealDay(chosen.to)) {
    try {
      return { ...reportPeriod(chosen, now), fallback: false }
    } catch {
      // from after to: the default period below, with a notice.
    }
  }
  return { ...reportPeriod({}, now), fallback: true }
}

/** The period in words and a GET form to choose another (date inputs, China days). */
function PeriodChooser(props: {
  lang: Lang
  action: string
  period: { from: Date; to: Date; fallback: boolean }
}) {
  const t = MESSAGES[props.lang]
  const { period } = props
  return (
    <>
      <p data-period>
        <strong>
          {fill(t.periodShown, {
            from: chinaTime(period.from.toISOString()),
            to: chinaTime(period.to.toISOString()),
          })}
        </strong>
      </p>
      {period.fallback ? (
        <p class="notice" role="alert">
          {t.periodInvalid}
        </p>
      ) : null}
      <form method="get" action={props.action} class="row" aria-label={t.periodLabel}>
        {props.lang === 'en' ? <input type="hidden" name="lang" value="en" /> : null}
        <div>
          <label for="period-from">{t.periodFrom}</label>
          <input id="period-from" name="from" type="date" value={chinaDay(period.from)} required />
        </div>
        <div>
          <label for="period-to">{t.periodTo}</label>
          <input id="period-to" name="to" type="date" value={lastChinaDay(period.to)} required />
        </div>
        <div style="flex:0 0 auto">
          <button type="submit" class="secondary">
            {t.periodApply}
          </button>
        </div>
      </form>
    </>
  )
}

/** `?from=…&to=…` for links that keep the period. */
const periodQuery = (period: { from: Date; to: Date }) =>
  `from=${chinaDay(period.from)}&to=${lastChinaDay(period.to)}`

export async function auditPage(deps: Deps, ctx: PageContext, query: PeriodQuery = {}) {
  const t = MESSAGES[ctx.lang]
  const period = pagePeriod(query, deps.clock())
  const rows = await rankEnterprises(
    deps.store.db,
    period.from.toISOString(),
    period.to.toISOString(),
  )
  return (
    <Layout ctx={ctx} title={t.audit}>
      <h1>{t.audit}</h1>
      <p>{t.rankIntro}</p>
      <PeriodChooser lang={ctx.lang} action="/ui/audit" period={period} />
      <Table
        label={t.audit}
        empty={t.none}
        head={[
          t.firmName,
          t.whitelistStatus,
          t.openAlertsN,
          t.lateLoopsN,
          t.loopsN,
          t.failedScansN,
        ]}
        rows={rows.map((r) => [
          <a href={`/ui/audit/${r.id}?${periodQuery(period)}`}>
            <Data>{r.name}</Data>
          </a>,
          words(ctx.lang, r.whitelist.status),
          fill(t.nAlerts, { n: r.open_alerts }),
          fill(t.nTrips, { n: r.late_loops }),
          fill(t.nTrips, { n: r.loops }),
          fill(t.nTimes, { n: r.failed_scans }),
        ])}
      />
    </Layout>
  )
}

export async function auditReportPage(
  deps: Deps,
  ctx: PageContext,
  id: string,
  query: PeriodQuery = {},
) {
  const t = MESSAGES[ctx.lang]
  const row = await findEnterprise(deps.store.db, id)
  if (!row) return null
  const now = deps.clock()
  const period = pagePeriod(query, now)
  const report = await complianceReport(deps.store.db, row, period.from, period.to, now)
  const w = (code: string) => words(ctx.lang, code)
  const share = (x: number | null) =>
    x === null ? t.noData : fill(t.share, { p: Math.round(x * 1000) / 10 })
  const figures: [string, string][] = [
    [t.figPassesIssued, fill(t.nPasses, { n: report.passes.items.length })],
    ...Object.entries(report.passes.counts).map(([status, n]): [string, string] => [
      fill(t.figPassesBy, { status: w(status) }),
      fill(t.nPasses, { n }),
    ]),
    [t.figLoops, fill(t.nTrips, { n: report.loops.total })],
    [t.figLoopsClosed, fill(t.nTrips, { n: report.loops.closed })],
    [t.figClosedOnTime, fill(t.nTrips, { n: report.loops.closed_on_time })],
    [t.figShareOnTime, share(report.loops.share_closed_on_time)],
    [t.figLate, fill(t.nTrips, { n: report.loops.late })],
    [t.figStillOpen, fill(t.nTrips, { n: report.loops.open })],
    [t.hoFigReceivers, fill(t.hoNVehicles, { n: report.loops.receivers })],
    [t.hoFigFlagged, fill(t.hoNVehicles, { n: report.loops.receivers_flagged })],
    ...Object.entries(report.alerts.counts).map(([kind, n]): [string, string] => [
      fill(t.figAlertsBy, { kind: w(kind) }),
      fill(t.nAlerts, { n }),
    ]),
    [t.figUnresolved, fill(t.nAlerts, { n: report.alerts.unresolved })],
    [t.figFailedScans, fill(t.nTimes, { n: report.failed_scans.total })],
    [t.figReportedInTime, fill(t.nTrips, { n: report.arrival_reports.loops_reported_in_time })],
    [t.figShareReported, share(report.arrival_reports.share_reported_in_time)],
    [t.figReportsFiled, fill(t.nReports, { n: report.arrival_reports.filed })],
    [t.figReportsLate, fill(t.nReports, { n: report.arrival_reports.filed_late })],
    [t.figReportsNoShow, fill(t.nReports, { n: report.arrival_reports.not_arrived_after_window })],
  ]
  const csv = `/api/v1/enterprises/${id}/audit.csv?${periodQuery(period)}&lang=${ctx.lang}`
  return (
    <Layout ctx={ctx} title={`${t.report} · ${row.name}`}>
      <h1>
        {`${t.report} · `}
        <Data>{row.name}</Data>
      </h1>
      <p>
        {`${t.whitelistStatus}: ${w(row.whitelist_status)}`}
        {row.whitelist_level ? ` · ${w(row.whitelist_level)}` : ''}
        {' · '}
        <a href={`/ui/enterprises/${id}`}>{t.firmsTitle}</a>
      </p>
      <PeriodChooser lang={ctx.lang} action={`/ui/audit/${id}`} period={period} />
      <Table
        label={t.report}
        empty={t.none}
        head={[t.figure, t.figureValue]}
        rows={figures.map(([label, value]) => [label, value])}
      />
      <h2 id="receivers">{t.hoReceivers}</h2>
      <ReceiversTable
        lang={ctx.lang}
        withTruck
        receivers={report.loops.items.flatMap((l) =>
          l.receivers.map((r) => ({ ...r, truck: l.plate })),
        )}
      />
      <p>
        <a class="button" href={csv} download>
          {t.exportCsv}
        </a>
      </p>
      <p class="hint">{t.csvNote}</p>
      {row.whitelist_status === 'active' ? (
        <>
          <h2 id="suspend">{t.suspendFirm}</h2>
          <form
            data-api={`/api/v1/enterprises/${id}/whitelist`}
            data-method="POST"
            data-confirm={t.suspendConfirm}
            data-done={t.suspendDone}
            aria-labelledby="suspend"
          >
            <FormErrors />
            <input type="hidden" name="status" value="suspended" />
            {row.whitelist_level ? (
              <input type="hidden" name="level" value={row.whitelist_level} />
            ) : null}
            <div class="field" data-field="reason">
              <label for="suspend-reason">{t.reason}</label>
              <input id="suspend-reason" name="reason" required maxlength={500} />
            </div>
            <p>
              <button type="submit" class="danger">
                {t.suspendFirm}
              </button>
            </p>
          </form>
        </>
      ) : null}
    </Layout>
  )
}
