import type { Deps } from '../../../app-env.ts'
import {
  eventView,
  findLoop,
  loopEvents,
  loopView,
  openLoopsAlertingFirst,
} from '../../../loops/loops.repository.ts'
import { alertsOfLoop } from '../../../alerts/alerts.repository.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words } from '../../i18n.ts'

const when = chinaTime

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
