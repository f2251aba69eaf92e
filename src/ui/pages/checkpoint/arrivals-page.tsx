import type { Deps } from '../../../app-env.ts'
import { listArrivalReports, reportView } from '../../../arrivals/arrivals.repository.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { MESSAGES, words } from '../../i18n.ts'
import { chinaTime } from '../../format.ts'
import { loadPlaces } from '../../place-names.tsx'
import { PersonalDataErased } from '../personal-data-erased.tsx'

/** The checkpoints' expected arrivals (报备), in the page's language, places by name, China time. */
export async function arrivalsPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const now = deps.clock()
  const codes = ctx.principal!.checkpointCodes
  // Their checkpoints' reports whose window ended at most two days ago, soonest first.
  const [rows, places] = await Promise.all([
    listArrivalReports(deps.store.db, {
      checkpoints: codes,
      from: new Date(now.getTime() - 48 * 3600_000),
      now,
      limit: 300,
    }),
    loadPlaces(deps, ctx.lang, []),
  ])
  return (
    <Layout ctx={ctx} title={t.cpArrivals}>
      <h1>{t.cpArrivals}</h1>
      <p class="hint">{t.cpArrivalsIntro}</p>
      <Table
        label={t.cpArrivals}
        empty={t.none}
        head={[t.plate, t.checkpoint, t.cpExpectedWindow, t.status, t.crew]}
        rows={rows.map((row) => {
          const r = reportView(row, now)
          return [
            <span class="data" lang="zh-CN">
              {r.plate}
            </span>,
            <>
              <span class="data" lang="zh-CN">
                {places.checkpoint(r.checkpoint_code)}
              </span>{' '}
              <span class="hint data">{r.checkpoint_code}</span>
            </>,
            `${chinaTime(r.expected_from)} – ${chinaTime(r.expected_until)}`,
            <>
              <span class="badge">{words(ctx.lang, r.status)}</span>
              {r.reported_late ? <span class="badge">{t.cpLateReport}</span> : null}
            </>,
            <>
              <span class="data" lang="zh-CN">
                {r.crew.map((m) => m.name).join(ctx.lang === 'zh' ? '、' : ', ')}
              </span>
              <PersonalDataErased ctx={ctx} at={r.personal_erased_at} />
            </>,
          ]
        })}
      />
    </Layout>
  )
}
