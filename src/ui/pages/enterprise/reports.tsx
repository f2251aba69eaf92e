import type { Deps } from '../../../app-env.ts'
import {
  findFirmReport,
  listArrivalReports,
  reportView,
} from '../../../arrivals/arrivals.repository.ts'
import { REPORT_STATUSES, type ReportStatus } from '../../../arrivals/report-rules.ts'
import { listCheckpoints } from '../../../checkpoints/checkpoints.repository.ts'
import { isEntryCheckpoint } from '../../../checkpoints/checkpoint-kinds.ts'
import { passViewerOf, visiblePassesQuery } from '../../../passes/passes.repository.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { MESSAGES, words } from '../../i18n.ts'
import { chinaTime } from '../../format.ts'
import { CrewFieldset, Field } from '../enterprise.tsx'
import { chinaInput, Data, inChinaTime } from './shown.tsx'

const HOUR = 3_600_000
/** How far back the list reaches: reports whose window ended in the last week, and all later ones. */
const LIST_DAYS = 7

/**
 * Pre-arrival reports (报备): the firm tells an entry checkpoint which of its vehicles comes when and
 * with whom, and sees what became of its reports. Filed later than the lead time (24 h) a report is
 * still accepted, marked late: the page says so right after filing (`?filed=<id>`, the form's
 * redirect) and in the list.
 */
export async function reportsPage(
  deps: Deps,
  ctx: PageContext,
  query: { status?: string; filed?: string },
) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const enterpriseId = ctx.principal!.enterpriseId!
  const now = deps.clock()
  const lead = deps.config.REPORT_LEAD_HOURS
  const h = (text: string) => text.replaceAll('{h}', String(lead))
  const status = REPORT_STATUSES.find((s) => s === query.status) as ReportStatus | undefined
  const [passes, checkpoints, reports, filed] = await Promise.all([
    visiblePassesQuery(db, passViewerOf(ctx.principal!), { status: 'active', now })
      .limit(200)
      .execute(),
    listCheckpoints(db, {}),
    listArrivalReports(db, {
      enterpriseId,
      from: new Date(now.getTime() - LIST_DAYS * 24 * HOUR),
      status,
      now,
      limit: 200,
    }),
    query.filed ? findFirmReport(db, enterpriseId, query.filed) : undefined,
  ])
  const checkpointName = new Map(checkpoints.map((c) => [c.code, c.name]))
  const entries = checkpoints.filter((c) => isEntryCheckpoint(c.kind))
  const plates = [...new Set(passes.map((p) => p.plate))]
  // A window that starts just after the lead time, so the default is a report on time.
  const from = new Date(Math.ceil((now.getTime() + (lead + 1) * HOUR) / HOUR) * HOUR)
  return (
    <Layout ctx={ctx} title={t.reportsTitle}>
      <h1>{t.reportsTitle}</h1>
      <p>{h(t.reportsIntro)}</p>
      {filed ? (
        <section
          class="notice"
          aria-label={t.filedReport}
          data-filed={filed.id}
          data-late={filed.reported_late === 1 ? 'true' : 'false'}
        >
          <p>
            <strong>
              <Data>{filed.plate}</Data> · <Data>{checkpointName.get(filed.checkpoint_code)}</Data>
              {` · ${inChinaTime(ctx.lang, `${chinaTime(filed.expected_from)} – ${chinaTime(filed.expected_until)}`)}`}
            </strong>
          </p>
          <p>{filed.reported_late === 1 ? h(t.filedLate) : t.filedOnTime}</p>
        </section>
      ) : null}

      <h2>{t.newReport}</h2>
      {passes.length === 0 ? (
        <p class="notice">
          {t.noValidPass} <a href="/ui/apply">{t.apply}</a>
        </p>
      ) : (
        <form
          data-api="/api/v1/arrival-reports"
          data-method="POST"
          data-done={t.reportDone}
          data-redirect="/ui/reports?filed={id}"
          novalidate
        >
          <div class="errors" role="alert" data-errors tabindex={-1}></div>
          <div class="row">
            <Field
              name="plate"
              label={t.plate}
              hint={t.reportPlateHint}
              list="own-plates"
              required
            />
            <div class="field" data-field="pass_number">
              <label for="f-pass_number">{t.reportPass}</label>
              <select id="f-pass_number" name="pass_number">
                <option value="">{t.anyPass}</option>
                {passes.map((p) => (
                  <option value={p.number} class="data" lang="zh-CN">
                    {`${p.number} · ${p.plate}`}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <datalist id="own-plates">
            {plates.map((plate) => (
              <option value={plate}></option>
            ))}
          </datalist>
          <div class="field" data-field="checkpoint_code">
            <label for="f-checkpoint_code">{t.entryCheckpoint}</label>
            <select id="f-checkpoint_code" name="checkpoint_code">
              {entries.map((c) => (
                <option value={c.code} class="data" lang="zh-CN">
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div class="row">
            <Field
              name="expected_from"
              label={inChinaTime(ctx.lang, t.expectedFrom)}
              type="datetime-local"
              dataType="china-time"
              value={chinaInput(from)}
              required
            />
            <Field
              name="expected_until"
              label={inChinaTime(ctx.lang, t.expectedUntil)}
              type="datetime-local"
              dataType="china-time"
              value={chinaInput(new Date(from.getTime() + 4 * HOUR))}
              required
            />
          </div>
          <CrewFieldset lang={ctx.lang} />
          <p>
            <button type="submit" class="big">
              {t.fileReport}
            </button>
          </p>
        </form>
      )}

      <h2>{t.myReports}</h2>
      <form method="get" action="/ui/reports" class="row" style="align-items:flex-end">
        <div style="flex:0 1 20rem">
          <label for="status-filter">{t.statusFilter}</label>
          <select id="status-filter" name="status">
            <option value="">{t.allStatuses}</option>
            {REPORT_STATUSES.map((s) => (
              <option value={s} selected={s === status}>
                {words(ctx.lang, s)}
              </option>
            ))}
          </select>
        </div>
        <div style="flex:0 0 auto">
          <button type="submit" class="secondary">
            {t.showReports}
          </button>
        </div>
      </form>
      <p class="hint">{t.recentReports}</p>
      <Table
        label={t.myReports}
        empty={t.none}
        head={[
          t.plate,
          t.entryCheckpoint,
          inChinaTime(ctx.lang, t.expectedWindow),
          t.crew,
          t.status,
          t.notice,
          t.filedAt,
        ]}
        rows={reports.map((row) => {
          const r = reportView(row, now)
          return [
            <span data-report={r.id}>
              <Data nowrap>{r.plate}</Data>
              {r.pass_number ? <div class="hint">{r.pass_number}</div> : null}
            </span>,
            <Data>{checkpointName.get(r.checkpoint_code) ?? r.checkpoint_code}</Data>,
            `${chinaTime(r.expected_from)} – ${chinaTime(r.expected_until)}`,
            r.crew.map((m) => (
              <div>
                <Data>{m.name}</Data> {`${m.id_number} ${m.phone}`}
              </div>
            )),
            <span class="badge" data-report-status={r.status}>
              {words(ctx.lang, r.status)}
            </span>,
            r.reported_late ? (
              <span class="badge risk-medium" data-reported-late>
                {h(t.reportLate)}
              </span>
            ) : (
              t.reportOnTime
            ),
            chinaTime(r.created_at),
          ]
        })}
      />
    </Layout>
  )
}
