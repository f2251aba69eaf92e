import type { Deps } from '../../app-env.ts'
import { applicationView, listApplications } from '../../applications/applications.repository.ts'
import {
  decisionView,
  enterpriseView,
  findEnterprise,
  listEnterprises,
  whitelistHistory,
} from '../../enterprises/enterprises.repository.ts'
import { WHITELIST_LEVELS, WHITELIST_STATUSES } from '../../enterprises/enterprises.table.ts'
import { listRegions, regionView } from '../../regions/regions.repository.ts'
import { RISK_LEVELS } from '../../regions/regions.table.ts'
import {
  eventView,
  findLoop,
  loopEvents,
  loopView,
  openLoopsAlertingFirst,
} from '../../loops/loops.repository.ts'
import { alertsOfLoop, alertView, listAlertsWithPlate } from '../../alerts/alerts.repository.ts'
import { rankEnterprises } from '../../audit/compliance-report.ts'
import { Layout, Table, type PageContext } from '../layout.tsx'
import { chinaTime } from '../format.ts'
import { MESSAGES, words } from '../i18n.ts'
import { POSITIVE_OUTCOMES, isPositiveAlert } from '../../loops/alert-resolution.ts'

const when = chinaTime

function ReasonForm(props: {
  api: string
  label: string
  button: string
  field?: string
  danger?: boolean
  extra?: unknown
}) {
  const field = props.field ?? 'reason'
  const id = `f-${props.api.replace(/\W+/g, '-')}`
  return (
    <form data-api={props.api} data-method="POST" data-reload class="row">
      <div class="errors" role="alert" data-errors></div>
      {props.extra ?? null}
      <div class="field" data-field={field}>
        <label for={id}>{props.label}</label>
        <input id={id} name={field} required />
      </div>
      <div style="flex:0 0 auto">
        <button type="submit" class={props.danger ? 'danger' : ''}>
          {props.button}
        </button>
      </div>
    </form>
  )
}

/** A positive result is final: the coordinator says what the resolution allows (see alerts/resolve-outcome.ts). */
function OutcomePicker(props: { ctx: PageContext; id: string }) {
  const id = `outcome-${props.id}`
  return (
    <div class="field" data-field="outcome">
      <label for={id}>{MESSAGES[props.ctx.lang].outcome}</label>
      <select id={id} name="outcome" required>
        {POSITIVE_OUTCOMES.map((o) => (
          <option value={o}>{words(props.ctx.lang, o)}</option>
        ))}
      </select>
    </div>
  )
}

export async function queuePage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const rows = await listApplications(deps.store.db, { status: 'submitted', limit: 200, offset: 0 })
  const firms = new Map((await listEnterprises(deps.store.db, {})).map((e) => [e.id, e.name]))
  return (
    <Layout ctx={ctx} title={t.queue}>
      <h1>
        {t.queue} ({rows.length})
      </h1>
      {rows.length === 0 ? <p>{t.none}</p> : null}
      {rows.map((row) => {
        const a = applicationView(row)
        return (
          <article class="verdict" style="border:1px solid var(--line)" data-application={a.id}>
            <h2>{`${a.plate} · ${firms.get(a.enterprise_id) ?? a.enterprise_id}`}</h2>
            <p>{`${words(ctx.lang, a.cargo_category)} · ${a.origin_region_code} → ${a.destination.station_code ?? `${a.destination.region_code} ${a.destination.address ?? ''}`}`}</p>
            <p>{`${when(a.valid_from)} – ${when(a.valid_until)} · ${a.route}`}</p>
            <p>{a.crew.map((m) => `${m.name} ${m.id_number} ${m.phone}`).join('；')}</p>
            <form data-api={`/api/v1/applications/${a.id}/approve`} data-method="POST" data-reload>
              <div class="errors" role="alert" data-errors></div>
              <button type="submit" data-approve>
                {t.approve}
              </button>
              {/* Only when approval was refused because another firm holds a valid pass for the plate. */}
              <details>
                <summary>{t.overrideOtherFirm}</summary>
                <div class="field" data-field="confirm_other_firm">
                  <label>
                    <input type="checkbox" name="confirm_other_firm" /> {t.confirmOtherFirm}
                  </label>
                </div>
                <div class="field" data-field="note">
                  <label for={`override-note-${a.id}`}>{t.note}</label>
                  <input id={`override-note-${a.id}`} name="note" />
                </div>
              </details>
            </form>
            <ReasonForm
              api={`/api/v1/applications/${a.id}/reject`}
              label={t.reason}
              button={t.reject}
              danger
            />
          </article>
        )
      })}
    </Layout>
  )
}

export async function enterprisesPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const rows = await listEnterprises(deps.store.db, {})
  return (
    <Layout ctx={ctx} title={t.whitelist}>
      <h1>{t.whitelist}</h1>
      <Table
        label={t.enterprises}
        empty={t.none}
        head={[t.enterprises, 'USCC', t.status, t.level]}
        rows={rows.map((row) => {
          const e = enterpriseView(row)
          return [
            <a href={`/ui/enterprises/${e.id}`}>{e.name}</a>,
            e.uscc,
            <span class="badge">{words(ctx.lang, e.whitelist.status)}</span>,
            e.whitelist.level ? words(ctx.lang, e.whitelist.level) : '',
          ]
        })}
      />
    </Layout>
  )
}

export async function enterprisePage(deps: Deps, ctx: PageContext, id: string) {
  const t = MESSAGES[ctx.lang]
  const row = await findEnterprise(deps.store.db, id)
  if (!row) return null
  const e = enterpriseView(row)
  const history = (await whitelistHistory(deps.store.db, id)).map(decisionView)
  return (
    <Layout ctx={ctx} title={e.name}>
      <h1>{e.name}</h1>
      <p>
        {`USCC ${e.uscc} · ${e.contact_name} ${e.contact_phone} · `}
        <span class="badge">{words(ctx.lang, e.whitelist.status)}</span>
        {e.whitelist.level ? ` ${words(ctx.lang, e.whitelist.level)}` : ''}
      </p>
      <p>
        <a href={`/ui/audit/${e.id}`}>{t.report}</a>
      </p>
      <h2>{t.decide}</h2>
      <form data-api={`/api/v1/enterprises/${e.id}/whitelist`} data-method="POST" data-reload>
        <div class="errors" role="alert" data-errors></div>
        <div class="row">
          <div class="field" data-field="status">
            <label for="wl-status">{t.status}</label>
            <select id="wl-status" name="status">
              {WHITELIST_STATUSES.map((s) => (
                <option value={s} selected={s === e.whitelist.status}>
                  {words(ctx.lang, s)}
                </option>
              ))}
            </select>
          </div>
          <div class="field" data-field="level">
            <label for="wl-level">{t.level}</label>
            <select id="wl-level" name="level">
              {WHITELIST_LEVELS.map((l) => (
                <option value={l} selected={l === e.whitelist.level}>
                  {words(ctx.lang, l)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div class="field" data-field="reason">
          <label for="wl-reason">{t.reason}</label>
          <input id="wl-reason" name="reason" required />
        </div>
        <p>
          <button type="submit">{t.decide}</button>
        </p>
      </form>
      <h2>{t.history}</h2>
      <Table
        label={t.history}
        empty={t.none}
        head={[t.when, t.status, t.level, t.reason, '']}
        rows={history.map((d) => [
          when(d.at),
          `${d.previous_status ? words(ctx.lang, d.previous_status) + ' → ' : ''}${words(ctx.lang, d.status)}`,
          d.level ? words(ctx.lang, d.level) : '',
          d.reason,
          d.actor,
        ])}
      />
    </Layout>
  )
}

export async function regionsPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const [high, medium] = await Promise.all([
    listRegions(deps.store.db, { risk: 'high', limit: 500, offset: 0 }),
    listRegions(deps.store.db, { risk: 'medium', limit: 500, offset: 0 }),
  ])
  return (
    <Layout ctx={ctx} title={t.regions}>
      <h1>{t.regions}</h1>
      <Table
        label={t.regions}
        empty={t.none}
        head={[t.code, t.regions, t.riskLevel, t.reason, t.when]}
        rows={[...high, ...medium].map((row) => {
          const r = regionView(row)
          return [
            r.code,
            r.full_name,
            <span class="badge">{words(ctx.lang, r.risk_level)}</span>,
            r.risk_reason ?? '',
            when(r.risk_changed_at),
          ]
        })}
      />
      <h2>{t.change}</h2>
      <form data-api="/api/v1/regions/{code}/risk" data-method="PUT" data-reload>
        <div class="errors" role="alert" data-errors></div>
        <div class="row">
          <div class="field" data-field="code">
            <label for="rg-code">{t.code}</label>
            <input
              id="rg-code"
              name="_path.code"
              required
              inputmode="numeric"
              list="region-options"
            />
            <datalist id="region-options"></datalist>
          </div>
          <div class="field" data-field="level">
            <label for="rg-level">{t.riskLevel}</label>
            <select id="rg-level" name="level">
              {RISK_LEVELS.map((l) => (
                <option value={l}>{words(ctx.lang, l)}</option>
              ))}
            </select>
          </div>
        </div>
        <div class="field" data-field="reason">
          <label for="rg-reason">{t.reason}</label>
          <input id="rg-reason" name="reason" required />
        </div>
        <p>
          <button type="submit">{t.change}</button>
        </p>
      </form>
    </Layout>
  )
}

export async function loopsPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const rows = await openLoopsAlertingFirst(deps.store.db, 300)
  return (
    <Layout ctx={ctx} title={t.openLoops}>
      <h1>{`${t.openLoops} (${rows.length})`}</h1>
      <Table
        label={t.openLoops}
        empty={t.none}
        head={[t.plate, t.status, t.checkpoint, t.when]}
        rows={rows.map((row) => {
          const l = loopView(row)
          return [
            <a href={`/ui/loops/${l.id}`}>{l.plate}</a>,
            <span class="badge">
              {words(ctx.lang, l.state)}
              {l.alerting ? ' ⚠' : ''}
            </span>,
            l.last_checkpoint_code ?? l.entry_checkpoint_code,
            when(l.opened_at),
          ]
        })}
      />
    </Layout>
  )
}

export async function loopPage(deps: Deps, ctx: PageContext, id: string) {
  const t = MESSAGES[ctx.lang]
  const row = await findLoop(deps.store.db, id)
  if (!row) return null
  const l = loopView(row)
  const [events, alerts] = await Promise.all([
    loopEvents(deps.store.db, id),
    alertsOfLoop(deps.store.db, id),
  ])
  return (
    <Layout ctx={ctx} title={`${t.loop} ${l.plate}`}>
      <h1>{`${t.loop} ${l.plate}`}</h1>
      <p>
        <span class="badge" data-loop-state>
          {words(ctx.lang, l.state)}
        </span>
        {l.pass_number ? ` · ${l.pass_number}` : ''}
      </p>
      <Table
        label={t.loop}
        empty={t.none}
        head={[t.when, t.kind, t.checkpoint, '']}
        rows={events.map((e) => {
          const v = eventView(e)
          return [
            when(v.at),
            words(ctx.lang, v.kind),
            v.checkpoint_code,
            v.flag ? `⚠ ${v.flag}` : '',
          ]
        })}
      />
      <h2>{t.alerts}</h2>
      <Table
        label={t.alerts}
        empty={t.none}
        head={[t.kind, t.status, t.when]}
        rows={alerts.map((a) => [
          words(ctx.lang, a.kind),
          words(ctx.lang, a.status),
          when(a.opened_at),
        ])}
      />
    </Layout>
  )
}

export async function alertsPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  // Open and acknowledged alerts, in the order the API lists them.
  const rows = await listAlertsWithPlate(deps.store.db, { status: 'active', limit: 300 })
  return (
    <Layout ctx={ctx} title={t.alerts}>
      <h1>{`${t.alerts} (${rows.length})`}</h1>
      {rows.length === 0 ? <p>{t.none}</p> : null}
      {rows.map((row) => {
        const a = alertView(row)
        return (
          <article class="verdict invalid" data-alert={a.id}>
            <h2>{`${words(ctx.lang, a.kind)} · ${row.plate}`}</h2>
            <p>
              {`${words(ctx.lang, a.status)} · ${when(a.opened_at)} · `}
              <a href={`/ui/loops/${a.loop_id}`}>{t.loop}</a>
            </p>
            <ReasonForm
              api={`/api/v1/alerts/${a.id}/resolve`}
              label={t.note}
              button={t.resolve}
              field="note"
              extra={isPositiveAlert(a.kind) ? <OutcomePicker ctx={ctx} id={a.id} /> : null}
            />
          </article>
        )
      })}
    </Layout>
  )
}

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
  const { complianceReport } = await import('../../audit/compliance-report.ts')
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
