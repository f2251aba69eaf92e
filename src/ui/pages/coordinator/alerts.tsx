import type { Deps } from '../../../app-env.ts'
import { alertView, listAlertsWithPlate } from '../../../alerts/alerts.repository.ts'
import { Layout, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words } from '../../i18n.ts'
import { isPositiveAlert } from '../../../loops/alert-resolution.ts'

import { OutcomePicker, ReasonForm } from './forms.tsx'

const when = chinaTime

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
