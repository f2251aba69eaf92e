import type { Deps } from '../../../app-env.ts'
import { isCoordinator } from '../../../auth/principal.ts'
import { dateTimeProblem } from '../../../applications/real-date-time.ts'
import { listReveals, type RevealLogEntry } from '../../../personal-data/reveal-log.ts'
import { REVEAL_PURPOSES, type RevealRecord } from '../../../personal-data/reveal.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, type Lang } from '../../i18n.ts'
import { Actor, Data, Pager, fill, queryNumber } from './shown.tsx'
import { FormErrors } from './admin-forms.tsx'

// Issue 21, "who saw what": the coordinators' list of reveals of personal data in full, and the
// reveal form the pages of a record with a crew carry. The full crew is never in a page's HTML:
// the form asks the API (which audits it first) and the answer is written into the page's
// answer block by client/app.ts (data-show, data-answer-list).

const PAGE_SIZE = 50

function RecordShown(props: { lang: Lang; record: RevealRecord }) {
  const t = MESSAGES[props.lang]
  const { kind, id } = props.record
  return (
    <>
      {t[`revealKind_${kind}`]}{' '}
      {kind === 'pass' ? (
        <a href={`/ui/passes/${encodeURIComponent(id)}`} class="data">
          {id}
        </a>
      ) : (
        <small class="hint data">{id}</small>
      )}
    </>
  )
}

const isRealDay = (v: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) && dateTimeProblem(`${v}T00:00:00+08:00`) === null

/** Who saw which record's personal data in full, when and why: newest first, paged. */
export async function personalDataPage(
  deps: Deps,
  ctx: PageContext,
  query: Record<string, string | undefined>,
) {
  const t = MESSAGES[ctx.lang]
  const offset = queryNumber(query.offset, 0, 100_000)
  const actor = query.actor?.trim() || undefined
  const sinceDay = query.since && isRealDay(query.since) ? query.since : undefined
  const since = sinceDay ? new Date(`${sinceDay}T00:00:00+08:00`).toISOString() : undefined
  const page = await listReveals(deps.store.db, { actor, since }, { limit: PAGE_SIZE, offset })
  return (
    <Layout ctx={ctx} title={t.revealTitle}>
      <h1>{t.revealTitle}</h1>
      <p>{t.revealIntro}</p>
      <form method="get" action="/ui/personal-data" class="row" role="search">
        {ctx.lang === 'en' ? <input type="hidden" name="lang" value="en" /> : null}
        <div>
          <label for="q-actor">{t.revealFilterActor}</label>
          <input id="q-actor" name="actor" value={actor ?? ''} autocomplete="off" />
        </div>
        <div>
          <label for="q-since">{t.revealFilterSince}</label>
          <input id="q-since" name="since" type="date" value={sinceDay ?? ''} />
        </div>
        <div style="flex:0 0 auto">
          <button type="submit">{t.search}</button> <a href="/ui/personal-data">{t.clearSearch}</a>
        </div>
      </form>
      <p class="hint">{t.timesInChina}</p>
      <Table
        label={t.revealTitle}
        empty={t.none}
        head={[
          t.revealAt,
          t.revealWho,
          t.revealRecord,
          t.revealReason,
          t.revealPurpose,
          t.revealMembers,
        ]}
        rows={page.rows.map((e: RevealLogEntry) => [
          <span data-reveal={e.id}>{chinaTime(e.at)}</span>,
          <Actor lang={ctx.lang} actor={e.actor} />,
          <RecordShown lang={ctx.lang} record={e.record} />,
          <Data>{e.reason}</Data>,
          t[`revealPurpose_${e.purpose}`],
          fill(t.revealMembersCount, { n: e.members }),
        ])}
      />
      <Pager
        lang={ctx.lang}
        path="/ui/personal-data"
        query={{ actor, since: sinceDay }}
        offset={offset}
        limit={PAGE_SIZE}
        shown={page.rows.length}
        total={page.total}
      />
    </Layout>
  )
}

/**
 * "Show full details" on a record's page, for coordinators, while the record still holds a crew:
 * the reason and purpose go to POST /api/v1/personal-data/reveals, and the full crew of its answer
 * appears in the block below, never in the HTML the server sends.
 */
export function RevealForm(props: { ctx: PageContext; record: RevealRecord; crewCount: number }) {
  const { ctx, record } = props
  if (!ctx.principal || !isCoordinator(ctx.principal) || props.crewCount === 0) return null
  const t = MESSAGES[ctx.lang]
  const name = `reveal-${record.kind}-${record.id}`
  const [noteBefore, noteAfter = ''] = t.revealAnswerNote.split('{time}')
  return (
    <div class="no-print" data-reveal-for={`${record.kind}:${record.id}`}>
      <details>
        <summary>{t.revealShow}</summary>
        <form data-api="/api/v1/personal-data/reveals" data-method="POST" data-show={name}>
          <FormErrors />
          <input type="hidden" name="record.kind" value={record.kind} />
          <input type="hidden" name="record.id" value={record.id} />
          <div class="field" data-field="reason">
            <label for={`${name}-reason`}>{t.revealReasonLabel}</label>
            <textarea
              id={`${name}-reason`}
              name="reason"
              required
              minlength={10}
              maxlength={500}
              rows={2}
            ></textarea>
          </div>
          <div class="field" data-field="purpose">
            <label for={`${name}-purpose`}>{t.revealPurposeLabel}</label>
            <select id={`${name}-purpose`} name="purpose">
              {REVEAL_PURPOSES.map((p) => (
                <option value={p}>{t[`revealPurpose_${p}`]}</option>
              ))}
            </select>
          </div>
          <p>
            <button type="submit">{t.revealSubmit}</button>
          </p>
        </form>
      </details>
      <section
        data-answer-block={name}
        hidden
        tabindex={-1}
        class="notice"
        aria-labelledby={`${name}-h`}
      >
        <h2 id={`${name}-h`}>{t.revealAnswerTitle}</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">{t.revealName}</th>
              <th scope="col">{t.revealIdNumber}</th>
              <th scope="col">{t.revealPhone}</th>
            </tr>
          </thead>
          <tbody>
            <template data-answer-list="crew">
              <tr>
                <td class="data" lang="zh-CN" data-answer="name"></td>
                <td class="data" data-answer="id_number"></td>
                <td class="data" data-answer="phone"></td>
              </tr>
            </template>
          </tbody>
        </table>
        <p class="hint">
          {noteBefore}
          <span data-answer-time="revealed_at"></span>
          {noteAfter}
        </p>
      </section>
    </div>
  )
}
