import type { Deps } from '../../../app-env.ts'
import { alertView, listAlertsWithPlate } from '../../../alerts/alerts.repository.ts'
import { Layout, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words } from '../../i18n.ts'
import { isPositiveAlert } from '../../../loops/alert-resolution.ts'
import { listFailingIssuers } from '../../../trust/trusted-issuers.repository.ts'

import { OutcomePicker, ReasonForm } from './forms.tsx'
import { Actor, Data, Fill, fill, queryNumber } from './shown.tsx'

const PAGE = 50

/** The filters, as the page's `status` parameter: not yet resolved (the default), …, all. */
const FILTERS = ['active', 'acknowledged', 'resolved', 'all'] as const
type AlertShow = (typeof FILTERS)[number]
const FILTER_LABEL = {
  active: 'alertsActive',
  acknowledged: 'alertsAcknowledged',
  resolved: 'alertsResolved',
  all: 'alertsAll',
} as const

/**
 * The alerts, most urgent first (the API's order): those not yet resolved by default, open before
 * acknowledged; acknowledge one, or resolve it with a note (and, for a positive result, what the
 * resolution allows). Resolved ones stay readable under their filter: who, when, note, outcome.
 */
export async function alertsPage(
  deps: Deps,
  ctx: PageContext,
  query: { status?: string; offset?: string },
) {
  const t = MESSAGES[ctx.lang]
  const show: AlertShow = FILTERS.find((f) => f === query.status) ?? 'active'
  const offset = queryNumber(query.offset, 0, 100_000)
  // One more than a page: whether a next page exists.
  const [found, failingIssuers] = await Promise.all([
    listAlertsWithPlate(deps.store.db, {
      limit: PAGE + 1,
      offset,
      status: show === 'all' ? undefined : show,
    }),
    listFailingIssuers(deps.store.db),
  ])
  const rows = found.slice(0, PAGE)
  const link = (status: AlertShow, at = 0) =>
    `/ui/alerts?status=${status}${at > 0 ? `&offset=${at}` : ''}`
  return (
    <Layout ctx={ctx} title={t.alerts}>
      <h1>{t.alerts}</h1>
      <FailingIssuers ctx={ctx} issuers={failingIssuers} />
      <nav class="tabs" aria-label={t.alertShow}>
        {FILTERS.map((f) => (
          <a href={link(f)} aria-current={f === show ? 'page' : undefined} data-filter={f}>
            {t[FILTER_LABEL[f]]}
          </a>
        ))}
      </nav>
      <p class="hint">{t.timesInChina}</p>
      {rows.length === 0 ? <p>{t.none}</p> : null}
      {rows.map((row) => {
        const a = alertView(row)
        const resolved = a.status === 'resolved'
        return (
          <article
            class={`card alert-${a.status}`}
            id={`alert-${a.id}`}
            data-alert={a.id}
            data-status={a.status}
          >
            <h2>
              {`${words(ctx.lang, a.kind)} · `}
              <Data>{row.plate ?? ''}</Data>
            </h2>
            <p>
              <span class={`badge status-${a.status}`}>{words(ctx.lang, a.status)}</span>
              {` · ${t.alertOpenedAt} ${chinaTime(a.opened_at)} · `}
              <a href={`/ui/loops/${a.loop_id}`}>{t.viewLoop}</a>
            </p>
            {a.acknowledged_at ? (
              <p data-acknowledged>
                <Fill
                  template={t.acknowledgedBy}
                  values={{
                    who: <Actor lang={ctx.lang} actor={a.acknowledged_by} />,
                    at: chinaTime(a.acknowledged_at),
                  }}
                />
              </p>
            ) : null}
            {resolved ? (
              <p data-resolved>
                <Fill
                  template={t.resolvedBy}
                  values={{
                    who: <Actor lang={ctx.lang} actor={a.resolved_by} />,
                    at: chinaTime(a.resolved_at),
                  }}
                />
                {a.outcome
                  ? ` · ${fill(t.outcomeShown, { outcome: words(ctx.lang, a.outcome) })}`
                  : ''}
              </p>
            ) : null}
            {a.note ? (
              <p data-note>
                <Fill template={t.noteShown} values={{ note: <Data>{a.note}</Data> }} />
              </p>
            ) : null}
            {a.status === 'open' ? (
              <ReasonForm
                api={`/api/v1/alerts/${a.id}/acknowledge`}
                label={t.ackNote}
                button={t.acknowledge}
                field="note"
                optional
                done={t.acknowledgeDone}
              />
            ) : null}
            {resolved ? null : (
              <ReasonForm
                api={`/api/v1/alerts/${a.id}/resolve`}
                label={t.note}
                button={t.resolve}
                field="note"
                done={t.resolveDone}
                extra={isPositiveAlert(a.kind) ? <OutcomePicker ctx={ctx} id={a.id} /> : null}
              />
            )}
          </article>
        )
      })}
      <nav class="row pager" aria-label={t.pager}>
        {offset > 0 ? (
          <a href={link(show, Math.max(0, offset - PAGE))} rel="prev">
            {t.prevPage}
          </a>
        ) : null}
        {found.length > PAGE ? (
          <a href={link(show, offset + PAGE)} rel="next">
            {t.nextPage}
          </a>
        ) : null}
      </nav>
    </Layout>
  )
}

/**
 * Other issuers whose keys or status lists keep failing to fetch (trust/refresh-issuers.ts): not a
 * loop's alert (those need a loop), so a banner above them, until a fetch succeeds again.
 */
function FailingIssuers(props: {
  ctx: PageContext
  issuers: Awaited<ReturnType<typeof listFailingIssuers>>
}) {
  const { ctx, issuers } = props
  if (issuers.length === 0) return null
  const t = MESSAGES[ctx.lang]
  return (
    <section class="notice" role="alert" data-trust-failing aria-labelledby="trust-failing">
      <h2 id="trust-failing">{t.trustFailingTitle}</h2>
      <p>{t.trustFailingIntro}</p>
      <ul>
        {issuers.map((i) => (
          <li data-issuer={i.issuer_code}>
            <Fill
              template={t.trustFailingItem}
              values={{
                name: <Data>{i.name}</Data>,
                since: chinaTime(i.failing_since),
                n: i.failures,
              }}
            />
            {i.problems.length > 0
              ? ` · ${fill(t.trustFailingWhy, { why: i.problems.map((p) => words(ctx.lang, p)).join(ctx.lang === 'zh' ? '；' : '; ') })}`
              : ''}
          </li>
        ))}
      </ul>
      <p>
        <a href="/ui/trust">{t.viewTrustList}</a>
      </p>
    </section>
  )
}
