import type { Child } from 'hono/jsx'
import type { Deps } from '../../../app-env.ts'
import {
  countLoops,
  listLoopsQuery,
  loopView,
  testResultOf,
} from '../../../loops/loops.repository.ts'
import { alertView, listAlertsWithPlate } from '../../../alerts/alerts.repository.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words, type Lang } from '../../i18n.ts'
import { loadPlaces } from '../../place-names.tsx'
import { Pager, PlaceShown, fill, queryNumber } from '../coordinator/shown.tsx'
import { Data, inChinaTime } from './shown.tsx'

const PAGE = 100
const ALERTS_SHOWN = 100

/** How long since `since`, in words: 3 小时 12 分 / 3 h 12 min. */
export function ageText(lang: Lang, since: string, now: Date): string {
  const t = MESSAGES[lang]
  const minutes = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 60_000))
  const d = Math.floor(minutes / 1440)
  const h = Math.floor((minutes % 1440) / 60)
  const m = minutes % 60
  if (d > 0) return fill(t.truckAgeDays, { d, h })
  if (h > 0) return fill(t.truckAgeHours, { h, m })
  return fill(t.truckAgeMinutes, { m })
}

/**
 * The firm's trucks on the road (issue 19): its passes' open loops, newest first — the stage in
 * words, the last checkpoint by name, when it entered, its PCR test (waiting how long, or the
 * result), its deadline to reach the destination — and the alerts on its trucks not yet settled.
 * Read through the API's own repositories with the firm's filter, so never another firm's.
 */
export async function trucksPage(deps: Deps, ctx: PageContext, query: { offset?: string }) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const enterpriseId = ctx.principal!.enterpriseId
  const now = deps.clock()
  const offset = queryNumber(query.offset, 0, 10_000)
  const open = { enterpriseId, state: 'open' } as const
  const [found, alerts, places] = await Promise.all([
    listLoopsQuery(db, { ...open, limit: offset + PAGE }).execute(),
    listAlertsWithPlate(db, { enterpriseId, status: 'active', limit: ALERTS_SHOWN }),
    loadPlaces(deps, ctx.lang, []),
  ])
  const loops = found.slice(offset, offset + PAGE).map(loopView)
  const total = found.length > offset + PAGE ? await countLoops(db, open) : found.length
  const more = found.length > offset + PAGE
  // Counted among the trucks read (all of them but on a very large fleet: then “at least”).
  const waiting = found
    .slice(0, offset + PAGE)
    .filter((row) => testResultOf(row) === 'pending').length
  return (
    <Layout ctx={ctx} title={t.trucksTitle}>
      <h1>{t.trucksTitle}</h1>
      <p>{t.trucksIntro}</p>
      <p data-trucks-summary>
        {fill(t.trucksSummary, { n: total, w: more ? `${waiting}+` : waiting })}
      </p>
      <Table
        label={t.trucksTitle}
        empty={t.none}
        head={[
          t.plate,
          t.truckStage,
          t.truckLastSeen,
          inChinaTime(ctx.lang, t.truckEnteredAt),
          t.truckTest,
          inChinaTime(ctx.lang, t.truckDeadline),
        ]}
        rows={loops.map((l) => [
          <span data-truck={l.id}>
            <Data nowrap>{l.plate}</Data>
          </span>,
          <>
            <span class="badge" data-truck-state={l.state}>
              {words(ctx.lang, l.state)}
            </span>
            {l.alerting ? (
              <>
                {' '}
                <span class="badge risk-high" data-truck-alerting>
                  {t.truckAlerting}
                </span>
              </>
            ) : null}
          </>,
          <PlaceShown places={places} code={l.last_checkpoint_code} />,
          chinaTime(l.opened_at),
          <TestShown lang={ctx.lang} result={l.result} sampledAt={l.sampled_at} now={now} />,
          <DeadlineShown
            lang={ctx.lang}
            deadline={l.release_deadline}
            arrivedAt={l.destination_arrived_at}
            destination={
              l.destination_code ? <PlaceShown places={places} code={l.destination_code} /> : null
            }
            now={now}
          />,
        ])}
      />
      <Pager
        lang={ctx.lang}
        path="/ui/trucks"
        query={{}}
        offset={offset}
        limit={PAGE}
        shown={loops.length}
        total={total}
      />

      <h2>{t.truckAlertsTitle}</h2>
      <p>{t.truckAlertsIntro}</p>
      <Table
        label={t.truckAlertsTitle}
        empty={t.none}
        head={[t.plate, t.truckAlert, t.status, inChinaTime(ctx.lang, t.truckAlertRaised)]}
        rows={alerts.map((row) => {
          const a = alertView(row)
          return [
            <span data-truck-alert={a.id}>
              <Data nowrap>{row.plate ?? ''}</Data>
            </span>,
            <span class={a.kind.endsWith('_positive') ? 'badge risk-high' : 'badge'}>
              {words(ctx.lang, a.kind)}
            </span>,
            words(ctx.lang, a.status),
            chinaTime(a.opened_at),
          ]
        })}
      />
    </Layout>
  )
}

/** The PCR test in words: not sampled, 等待结果 3 小时 12 分, negative or positive. */
function TestShown(props: {
  lang: Lang
  result: 'pending' | 'negative' | 'positive' | null
  sampledAt: string | null
  now: Date
}) {
  const t = MESSAGES[props.lang]
  const { result } = props
  if (result === 'pending' && props.sampledAt)
    return (
      <span data-truck-test="pending">
        {fill(t.truckWaiting, { age: ageText(props.lang, props.sampledAt, props.now) })}
      </span>
    )
  if (result === 'positive')
    return (
      <span class="badge risk-high" data-truck-test="positive">
        {t.truckPositive}
      </span>
    )
  if (result === 'negative') return <span data-truck-test="negative">{t.truckNegative}</span>
  return <span data-truck-test="none">{t.truckNotSampled}</span>
}

/** The deadline to reach the destination (set on release), marked arrived or overdue. */
function DeadlineShown(props: {
  lang: Lang
  deadline: string | null
  arrivedAt: string | null
  destination: Child
  now: Date
}) {
  const t = MESSAGES[props.lang]
  if (!props.deadline) return <>{t.truckNotReleased}</>
  const overdue = !props.arrivedAt && Date.parse(props.deadline) < props.now.getTime()
  return (
    <>
      {chinaTime(props.deadline)}
      {props.destination ? <div>{props.destination}</div> : null}
      {props.arrivedAt ? (
        <span class="badge" data-truck-deadline="arrived">
          {t.truckArrived}
        </span>
      ) : overdue ? (
        <span class="badge risk-high" data-truck-deadline="overdue">
          {t.truckOverdue}
        </span>
      ) : null}
    </>
  )
}
