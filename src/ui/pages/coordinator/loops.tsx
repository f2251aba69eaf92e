import type { Deps } from '../../../app-env.ts'
import {
  eventView,
  loopBoardPage,
  loopEventPage,
  loopView,
} from '../../../loops/loops.repository.ts'
import { findLoopFor } from '../../../loops/involvement.ts'
import { LOOP_STATES } from '../../../loops/fold.ts'
import { alertsOfLoop, alertView } from '../../../alerts/alerts.repository.ts'
import { listCheckpoints } from '../../../checkpoints/checkpoints.repository.ts'
import { isCoordinator } from '../../../auth/principal.ts'
import { ApiError } from '../../../http/errors.ts'
import { parsePlate } from '../../../vehicles/plate.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { receiversOfLoop, receiverView } from '../../../loops/handover.ts'
import { ReceiversTable } from './receivers.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words, type Lang } from '../../i18n.ts'
import { loadPlaces, type Places } from '../../place-names.tsx'

import { ReasonForm } from './forms.tsx'
import { Actor, Data, Fill, Pager, PlaceShown, fill, queryNumber } from './shown.tsx'

const when = chinaTime
const PAGE = 50
const EVENTS_SHOWN = 1000
const STATES = ['open', 'alerting', ...LOOP_STATES, 'all'] as const
type StateFilter = (typeof STATES)[number]

/** A state filter in words: the loop states as the API names them, plus open, alerting and all. */
function stateLabel(lang: Lang, state: StateFilter): string {
  const t = MESSAGES[lang]
  if (state === 'open') return t.loopsOpen
  if (state === 'alerting') return t.loopsAlerting
  if (state === 'all') return t.loopsAll
  return words(lang, state)
}

/**
 * Loops by state, plate and checkpoint (picked by name). With no filter: the open loops, alerting
 * ones first; otherwise the API's list, newest first.
 */
export async function loopsPage(
  deps: Deps,
  ctx: PageContext,
  query: { state?: string; plate?: string; checkpoint?: string; offset?: string },
) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const state: StateFilter = STATES.find((s) => s === query.state) ?? 'open'
  const typedPlate = query.plate?.trim() || undefined
  const plate = typedPlate ? parsePlate(typedPlate) : undefined
  const checkpoints = await listCheckpoints(db, {})
  const checkpoint = checkpoints.find((c) => c.code === query.checkpoint)?.code
  const offset = queryNumber(query.offset, 0, 10_000)
  const { rows, total } =
    plate === null
      ? { rows: [], total: 0 }
      : await loopBoardPage(
          db,
          { state: state === 'all' ? undefined : state, plate, checkpoint },
          { limit: PAGE, offset },
        )
  const loops = rows.map(loopView)
  const places = await loadPlaces(deps, ctx.lang, [])
  return (
    <Layout ctx={ctx} title={t.loopsTitle}>
      <h1>{`${t.loopsTitle} (${total})`}</h1>
      <form method="get" action="/ui/loops" class="row" role="search">
        <div>
          <label for="q-state">{t.loopState}</label>
          <select id="q-state" name="state">
            {STATES.map((s) => (
              <option value={s} selected={s === state}>
                {stateLabel(ctx.lang, s)}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="q-plate">{t.plate}</label>
          <input
            id="q-plate"
            name="plate"
            value={typedPlate ?? ''}
            aria-invalid={plate === null ? 'true' : undefined}
            aria-describedby={plate === null ? 'q-plate-error' : undefined}
          />
          {plate === null ? (
            <p class="field-error" id="q-plate-error">
              {t.plateInvalid}
            </p>
          ) : null}
        </div>
        <div>
          <label for="q-checkpoint">{t.checkpoint}</label>
          <select id="q-checkpoint" name="checkpoint">
            <option value="">{t.anyCheckpoint}</option>
            {checkpoints.map((c) => (
              <option value={c.code} selected={c.code === checkpoint} class="data" lang="zh-CN">
                {c.name}
              </option>
            ))}
          </select>
        </div>
        <div style="flex:0 0 auto">
          <button type="submit">{t.search}</button> <a href="/ui/loops">{t.clearSearch}</a>
        </div>
      </form>
      <p class="hint">{t.timesInChina}</p>
      <Table
        label={t.loopsTitle}
        empty={t.none}
        head={[t.plate, t.status, t.entryCheckpoint, t.lastCheckpoint, t.openedAt, t.deadline]}
        rows={loops.map((l) => [
          <a href={`/ui/loops/${l.id}`} data-loop={l.id} class="nowrap">
            <Data>{l.plate}</Data>
          </a>,
          <>
            <span class="badge">{words(ctx.lang, l.state)}</span>
            {l.alerting ? (
              <span class="badge risk-high" data-alerting>
                {t.alertingMark}
              </span>
            ) : null}
          </>,
          <PlaceShown places={places} code={l.entry_checkpoint_code} />,
          <PlaceShown places={places} code={l.last_checkpoint_code} />,
          when(l.opened_at),
          when(l.release_deadline),
        ])}
      />
      <Pager
        lang={ctx.lang}
        path="/ui/loops"
        query={{ state, plate: typedPlate, checkpoint }}
        offset={offset}
        limit={PAGE}
        shown={loops.length}
        total={total}
      />
    </Layout>
  )
}

/**
 * One loop: its facts, its events in device-time order (kind, China time, checkpoint name, what
 * the event said, the flag the loop's rules put on it; a result withdrawn within the minute struck
 * through), its alerts; a coordinator may close a stale loop or move its deadline.
 */
export async function loopPage(deps: Deps, ctx: PageContext, id: string) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  let row
  try {
    // Checkpoint staff see only the loops of their checkpoints (as the API): else not found.
    row = await findLoopFor(deps, ctx.principal!, id)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
  const l = loopView(row)
  // Every event (a loop holds a bounded number), each with the correction that withdrew it, if any.
  const [{ events }, alerts, receivers] = await Promise.all([
    loopEventPage(db, id, { limit: EVENTS_SHOWN, offset: 0 }),
    alertsOfLoop(db, id),
    receiversOfLoop(db, id),
  ])
  const places = await loadPlaces(deps, ctx.lang, [])
  const coordinator = isCoordinator(ctx.principal!)
  const open = !l.closed_at
  return (
    <Layout ctx={ctx} title={`${t.loop} ${l.plate}`}>
      <h1>
        {`${t.loop} `}
        <Data>{l.plate}</Data>
      </h1>
      <p>
        <span class="badge" data-loop-state>
          {words(ctx.lang, l.state)}
        </span>
        {l.alerting ? (
          <>
            {' '}
            <span class="badge risk-high">{t.alertingMark}</span>
          </>
        ) : null}
        {l.manual ? ` · ${t.manualLoop}` : ''}
      </p>
      <dl class="facts">
        {l.pass_number ? (
          <>
            <dt>{t.loopPass}</dt>
            <dd>
              {coordinator ? (
                <a href={`/ui/passes/${l.pass_number}`}>{l.pass_number}</a>
              ) : (
                l.pass_number
              )}
            </dd>
          </>
        ) : null}
        <dt>{t.entryCheckpoint}</dt>
        <dd>
          <PlaceShown places={places} code={l.entry_checkpoint_code} />
        </dd>
        <dt>{t.openedAt}</dt>
        <dd>{when(l.opened_at)}</dd>
        {l.released_at ? (
          <>
            <dt>{t.releasedAt}</dt>
            <dd>{when(l.released_at)}</dd>
            <dt>{t.toPlace}</dt>
            <dd>
              <PlaceShown places={places} code={l.destination_code} />
            </dd>
            <dt>{t.deadline}</dt>
            <dd data-deadline>{when(l.release_deadline)}</dd>
          </>
        ) : null}
        {l.closed_at ? (
          <>
            <dt>{t.closedAt}</dt>
            <dd data-closed>{when(l.closed_at)}</dd>
            {l.closed_note ? (
              <>
                <dt>{t.closedNote}</dt>
                <dd>
                  <Data>{l.closed_note}</Data>
                </dd>
              </>
            ) : null}
          </>
        ) : null}
      </dl>
      <p class="hint">{t.timesInChina}</p>
      <h2>{t.loopEvents}</h2>
      <div class="table-wrap">
        <table aria-label={t.loopEvents}>
          <thead>
            <tr>
              <th scope="col">{t.when}</th>
              <th scope="col">{t.kind}</th>
              <th scope="col">{t.checkpoint}</th>
              <th scope="col">{t.eventDetails}</th>
              <th scope="col">{t.eventProblem}</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => {
              const v = eventView(e)
              // Withdrawn within the minute by a `result_corrected` event: shown, struck through.
              const corrected = v.corrected
              const cells = [
                when(v.at),
                words(ctx.lang, v.kind),
                v.checkpoint_code ? (
                  <PlaceShown places={places} code={v.checkpoint_code} />
                ) : (
                  <Actor lang={ctx.lang} actor={v.recorded_by} />
                ),
                <EventDetails lang={ctx.lang} places={places} kind={v.kind} data={v.data} />,
              ]
              return (
                <tr class={corrected ? 'corrected' : undefined}>
                  {cells.map((cell) => (
                    <td>{corrected ? <s>{cell}</s> : cell}</td>
                  ))}
                  <td>
                    {v.flag ? <span class="flag">{`⚠ ${words(ctx.lang, v.flag)}`}</span> : null}
                    {corrected ? <span data-corrected>{t.correctedMark}</span> : null}
                    {v.late ? <span class="hint">{` ${t.lateMark}`}</span> : null}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      <h2 id="receivers">{t.hoReceivers}</h2>
      <ReceiversTable lang={ctx.lang} receivers={receivers.map(receiverView)} />
      <h2>{t.alerts}</h2>
      <Table
        label={t.alerts}
        empty={t.none}
        head={[t.kind, t.status, t.when, t.note]}
        rows={alerts.map(alertView).map((a) => [
          coordinator ? (
            <a href={`/ui/alerts?status=all#alert-${a.id}`}>{words(ctx.lang, a.kind)}</a>
          ) : (
            words(ctx.lang, a.kind)
          ),
          words(ctx.lang, a.status),
          when(a.opened_at),
          <>
            {a.resolved_by ? <Actor lang={ctx.lang} actor={a.resolved_by} /> : null}
            {a.note ? (
              <>
                {a.resolved_by ? ': ' : ''}
                <Data>{a.note}</Data>
              </>
            ) : null}
            {a.outcome ? ` · ${words(ctx.lang, a.outcome)}` : ''}
          </>,
        ])}
      />
      {coordinator && open ? (
        <section aria-labelledby="close-loop">
          <h2 id="close-loop">{t.closeLoop}</h2>
          <ReasonForm
            api={`/api/v1/loops/${l.id}/close`}
            label={t.closeNote}
            button={t.closeLoop}
            field="note"
            danger
            confirm={t.closeConfirm}
            done={t.closeDone}
          />
        </section>
      ) : null}
      {coordinator && open && l.released_at ? (
        <section aria-labelledby="set-deadline">
          <h2 id="set-deadline">{t.setDeadline}</h2>
          <form
            data-api={`/api/v1/loops/${l.id}/deadline`}
            data-method="POST"
            data-reload
            data-done={t.deadlineDone}
            class="row"
          >
            <div class="errors" role="alert" tabindex={-1} data-errors></div>
            <div class="field" data-field="deadline">
              <label for="deadline-at">{t.newDeadline}</label>
              <input
                id="deadline-at"
                name="deadline"
                type="datetime-local"
                data-type="china-time"
                required
              />
            </div>
            <div class="field" data-field="note">
              <label for="deadline-note">{t.deadlineNote}</label>
              <input id="deadline-note" name="note" required />
            </div>
            <div style="flex:0 0 auto">
              <button type="submit">{t.setDeadline}</button>
            </div>
          </form>
        </section>
      ) : null}
    </Layout>
  )
}

/** What an event said, in words: a tube, a result, where and until when it was released, a note. */
function EventDetails(props: {
  lang: Lang
  places: Places
  kind: string
  data: Record<string, unknown> | null
}) {
  const t = MESSAGES[props.lang]
  const d = props.data ?? {}
  const text = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : undefined)
  const parts: unknown[] = []
  if (text('tube_code'))
    parts.push(
      <Fill
        template={t.tubeShown}
        values={{ code: <span class="data">{text('tube_code')}</span> }}
      />,
    )
  if (text('result')) parts.push(words(props.lang, text('result')!))
  if (text('destination_code'))
    parts.push(
      <Fill
        template={t.releasedTo}
        values={{ place: <Data>{props.places.place(text('destination_code')!)}</Data> }}
      />,
    )
  if (text('deadline')) parts.push(fill(t.deadlineShown, { at: chinaTime(text('deadline')!) }))
  if (text('note')) parts.push(<Data>{text('note')}</Data>)
  if (text('reason')) parts.push(<Data>{text('reason')}</Data>)
  return (
    <>
      {parts.map((p, i) => (
        <>
          {i > 0 ? ' · ' : ''}
          {p}
        </>
      ))}
    </>
  )
}
