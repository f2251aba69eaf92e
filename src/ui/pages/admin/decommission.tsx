import type { Deps } from '../../../app-env.ts'
import { findDecommission } from '../../../decommission/decommission.ts'
import type { DecommissionReport } from '../../../decommission/report.ts'
import { Layout, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES } from '../../i18n.ts'
import { Actor, Data, fill } from '../coordinator/shown.tsx'
import { FormErrors } from '../coordinator/admin-forms.tsx'

/**
 * The admin's end of the service (POST /api/v1/admin/decommission): a rehearsal, then the real
 * thing behind a typed word and a confirmation; once done, the kept report.
 */
export async function decommissionPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const report = await findDecommission(deps.store.db)
  return (
    <Layout ctx={ctx} title={t.decomTitle}>
      <h1>{t.decomTitle}</h1>
      {report?.status === 'completed' ? (
        <Report ctx={ctx} report={report} />
      ) : (
        <>
          {report ? (
            <p class="notice">{fill(t.decomUnfinished, { time: chinaTime(report.at) })}</p>
          ) : (
            <p>{t.decomIntro}</p>
          )}
          <section aria-labelledby="decom-dry-title">
            <h2 id="decom-dry-title">{t.decomRehearseTitle}</h2>
            <p class="hint">{t.decomRehearseHint}</p>
            <DecommissionForm ctx={ctx} rehearsal />
          </section>
          <section aria-labelledby="decom-real-title">
            <h2 id="decom-real-title">{t.decomRealTitle}</h2>
            <p class="hint">{t.decomRealHint}</p>
            <DecommissionForm ctx={ctx} />
          </section>
        </>
      )}
    </Layout>
  )
}

function DecommissionForm(props: { ctx: PageContext; rehearsal?: boolean }) {
  const t = MESSAGES[props.ctx.lang]
  const id = (name: string) => `decom-${props.rehearsal ? 'dry' : 'real'}-${name}`
  return (
    <form
      data-api="/api/v1/admin/decommission"
      data-method="POST"
      data-done={props.rehearsal ? t.decomRehearsed : t.decomDone}
      {...(props.rehearsal ? {} : { 'data-confirm': t.decomAsk })}
    >
      <FormErrors />
      {props.rehearsal ? <input type="checkbox" name="dry_run" checked hidden /> : null}
      <div class="field" data-field="reason">
        <label for={id('reason')}>{t.decomReason}</label>
        <textarea id={id('reason')} name="reason" required minlength={10} maxlength={500} />
      </div>
      <div class="field" data-field="confirm">
        <label for={id('confirm')}>
          {t.decomConfirmLabel} <code>DECOMMISSION</code>
        </label>
        <input
          id={id('confirm')}
          name="confirm"
          required
          autocomplete="off"
          autocapitalize="characters"
          spellcheck={false}
          maxlength={20}
        />
      </div>
      <button type="submit" class={props.rehearsal ? undefined : 'danger'}>
        {props.rehearsal ? t.decomRehearse : t.decomSubmit}
      </button>
    </form>
  )
}

function Report(props: { ctx: PageContext; report: DecommissionReport }) {
  const t = MESSAGES[props.ctx.lang]
  const { report } = props
  const rows: [string, unknown][] = [
    [t.decomBy, <Actor lang={props.ctx.lang} actor={report.actor} />],
    [t.decomWhy, <Data>{report.reason}</Data>],
    [t.decomPassesRevoked, report.passes.revoked],
    [t.decomErasedApplications, report.erased.applications],
    [t.decomErasedReports, report.erased.arrival_reports],
    [t.decomErasedScans, report.erased.scans],
    [t.decomErasedVehicles, report.erased.vehicles],
    [t.decomErasedContacts, report.erased.enterprise_contacts],
    [
      t.decomSeal,
      <>
        {report.audit?.seal?.seq ?? '—'}{' '}
        <span class="hint">
          {report.audit?.covers_last_entry ? t.decomSealCovers : t.decomSealMissing}
        </span>
      </>,
    ],
  ]
  return (
    <>
      <p class="notice">{fill(t.decomStopped, { time: chinaTime(report.at) })}</p>
      <dl>
        {rows.map(([term, value]) => (
          <>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </>
        ))}
      </dl>
      <h2>{t.decomStatusList}</h2>
      <pre>
        <code>{report.status_list?.jwt ?? ''}</code>
      </pre>
    </>
  )
}
