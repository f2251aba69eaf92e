import type { Deps } from '../../../app-env.ts'
import { applicationView, listApplications } from '../../../applications/applications.repository.ts'
import { listEnterprises } from '../../../enterprises/enterprises.repository.ts'
import { Layout, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words } from '../../i18n.ts'

import { ReasonForm } from './forms.tsx'

const when = chinaTime

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
