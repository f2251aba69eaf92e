import type { Deps } from '../../../app-env.ts'
import {
  applicationView,
  waitingAges,
  waitingApplicationsQuery,
} from '../../../applications/applications.repository.ts'
import { REJECTION_CODES } from '../../../applications/rejection-reasons.ts'
import { listEnterprises } from '../../../enterprises/enterprises.repository.ts'
import { readPage } from '../../../http/paging.ts'
import { Layout, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words } from '../../i18n.ts'
import { loadPlaces } from '../../place-names.tsx'

import { ageText } from '../enterprise.tsx'
import { ReasonForm } from './forms.tsx'
import { PersonalDataErased } from '../personal-data-erased.tsx'
import {
  Data,
  DestinationShown,
  Pager,
  RegionShown,
  fill,
  queryNumber,
  waitedText,
} from './shown.tsx'

const PAGE = 50

/**
 * The approval queue, oldest first: what each truck carries from where to where, for which firm,
 * with how many crew (their ID numbers and phones are not needed to decide, so not shown). Above
 * it, the median and longest wait of the whole queue; each application past APPROVAL_TARGET_HOURS
 * is marked overdue in words.
 */
export async function queuePage(
  deps: Deps,
  ctx: PageContext,
  query: { offset?: string; approved?: string },
) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const offset = queryNumber(query.offset, 0, 100_000)
  const now = deps.clock()
  const target = deps.config.APPROVAL_TARGET_HOURS
  const { rows, total } = await readPage(waitingApplicationsQuery(db), { limit: PAGE, offset })
  const applications = rows.map((row) => applicationView(row, now, target))
  const ages = await waitingAges(db, total, now)
  const [firms, places] = await Promise.all([
    listEnterprises(db, {}).then((all) => new Map(all.map((e) => [e.id, e.name]))),
    loadPlaces(
      deps,
      ctx.lang,
      applications.flatMap((a) => [a.origin_region_code, a.destination.region_code]),
    ),
  ])
  // Set by the approve form's redirect: the pass just issued, to open it from here.
  const approved = /^\d{12}$/.test(query.approved ?? '') ? query.approved : undefined
  return (
    <Layout ctx={ctx} title={t.queue}>
      <h1>{`${t.queue} (${total})`}</h1>
      {approved ? (
        <p class="notice" data-approved>
          {`${t.approvedNotice} `}
          <a href={`/ui/passes/${approved}`}>{`${t.viewPass} ${approved}`}</a>
        </p>
      ) : null}
      {ages.oldest !== null && ages.median !== null ? (
        <p data-queue-ages>
          {fill(t.queueAges, {
            median: ageText(ctx.lang, ages.median),
            oldest: ageText(ctx.lang, ages.oldest),
          })}
        </p>
      ) : null}
      <p class="hint">{`${t.queueOrder} ${fill(t.approvalTarget, { h: target })} ${t.timesInChina}`}</p>
      {applications.length === 0 ? <p>{t.none}</p> : null}
      {applications.map((a) => (
        <article class="card" data-application={a.id}>
          <h2>
            <Data>{a.plate}</Data>
            {' · '}
            <Data>{firms.get(a.enterprise_id) ?? a.enterprise_id}</Data>
          </h2>
          <p>
            {`${t.submittedAt} ${chinaTime(a.created_at)} · `}
            <strong data-waited>{waitedText(ctx.lang, a.created_at, now)}</strong>
            {a.overdue ? (
              <>
                {' '}
                <span class="badge risk-high" data-overdue>
                  {t.overdueMark}
                </span>
              </>
            ) : null}
          </p>
          <dl class="facts">
            <dt>{t.fromPlace}</dt>
            <dd>
              <RegionShown places={places} code={a.origin_region_code} lang={ctx.lang} />
            </dd>
            <dt>{t.toPlace}</dt>
            <dd>
              <DestinationShown places={places} lang={ctx.lang} destination={a.destination} />
            </dd>
            <dt>{t.cargo}</dt>
            <dd>{words(ctx.lang, a.cargo_category)}</dd>
            <dt>{t.crew}</dt>
            <dd data-crew-count>
              {t.crewCount.replace('{n}', String(a.crew.length))}
              <PersonalDataErased ctx={ctx} at={a.personal_erased_at} />
            </dd>
            <dt>{t.route}</dt>
            <dd>
              <Data>{a.route}</Data>
            </dd>
            <dt>{t.validity}</dt>
            <dd>{`${chinaTime(a.valid_from)} – ${chinaTime(a.valid_until)}`}</dd>
          </dl>
          <form
            data-api={`/api/v1/applications/${a.id}/approve`}
            data-method="POST"
            data-done={t.approveDone}
            data-redirect="/ui/queue?approved={number}"
          >
            <div class="errors" role="alert" tabindex={-1} data-errors></div>
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
                <label for={`override-note-${a.id}`}>{t.overrideNote}</label>
                <input id={`override-note-${a.id}`} name="note" />
              </div>
            </details>
          </form>
          <details>
            <summary>{t.reject}</summary>
            <ReasonForm
              api={`/api/v1/applications/${a.id}/reject`}
              label={t.rejectText}
              button={t.reject}
              danger
              optional
              done={t.rejectDone}
              confirm={t.rejectConfirm}
              extra={
                <div class="field" data-field="reason_code">
                  <label for={`reject-code-${a.id}`}>{t.rejectReasonCode}</label>
                  <select id={`reject-code-${a.id}`} name="reason_code" required>
                    {REJECTION_CODES.map((code) => (
                      <option value={code}>{words(ctx.lang, code)}</option>
                    ))}
                  </select>
                </div>
              }
            />
          </details>
        </article>
      ))}
      <Pager
        lang={ctx.lang}
        path="/ui/queue"
        query={{}}
        offset={offset}
        limit={PAGE}
        shown={applications.length}
        total={total}
      />
    </Layout>
  )
}
