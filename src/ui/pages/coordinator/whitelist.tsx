import type { Deps } from '../../../app-env.ts'
import {
  decisionView,
  enterpriseView,
  findEnterprise,
  listEnterprises,
  whitelistHistory,
} from '../../../enterprises/enterprises.repository.ts'
import { WHITELIST_LEVELS, WHITELIST_STATUSES } from '../../../enterprises/enterprises.table.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words } from '../../i18n.ts'

const when = chinaTime

export async function enterprisesPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const rows = await listEnterprises(deps.store.db, {})
  return (
    <Layout ctx={ctx} title={t.whitelist}>
      <h1>{t.whitelist}</h1>
      <Table
        label={t.enterprises}
        empty={t.none}
        head={[t.enterprises, 'USCC', t.status, t.level]}
        rows={rows.map((row) => {
          const e = enterpriseView(row)
          return [
            <a href={`/ui/enterprises/${e.id}`}>{e.name}</a>,
            e.uscc,
            <span class="badge">{words(ctx.lang, e.whitelist.status)}</span>,
            e.whitelist.level ? words(ctx.lang, e.whitelist.level) : '',
          ]
        })}
      />
    </Layout>
  )
}

export async function enterprisePage(deps: Deps, ctx: PageContext, id: string) {
  const t = MESSAGES[ctx.lang]
  const row = await findEnterprise(deps.store.db, id)
  if (!row) return null
  const e = enterpriseView(row)
  const history = (await whitelistHistory(deps.store.db, id)).map(decisionView)
  return (
    <Layout ctx={ctx} title={e.name}>
      <h1>{e.name}</h1>
      <p>
        {`USCC ${e.uscc} · ${e.contact_name} ${e.contact_phone} · `}
        <span class="badge">{words(ctx.lang, e.whitelist.status)}</span>
        {e.whitelist.level ? ` ${words(ctx.lang, e.whitelist.level)}` : ''}
      </p>
      <p>
        <a href={`/ui/audit/${e.id}`}>{t.report}</a>
      </p>
      <h2>{t.decide}</h2>
      <form data-api={`/api/v1/enterprises/${e.id}/whitelist`} data-method="POST" data-reload>
        <div class="errors" role="alert" data-errors></div>
        <div class="row">
          <div class="field" data-field="status">
            <label for="wl-status">{t.status}</label>
            <select id="wl-status" name="status">
              {WHITELIST_STATUSES.map((s) => (
                <option value={s} selected={s === e.whitelist.status}>
                  {words(ctx.lang, s)}
                </option>
              ))}
            </select>
          </div>
          <div class="field" data-field="level">
            <label for="wl-level">{t.level}</label>
            <select id="wl-level" name="level">
              {WHITELIST_LEVELS.map((l) => (
                <option value={l} selected={l === e.whitelist.level}>
                  {words(ctx.lang, l)}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div class="field" data-field="reason">
          <label for="wl-reason">{t.reason}</label>
          <input id="wl-reason" name="reason" required />
        </div>
        <p>
          <button type="submit">{t.decide}</button>
        </p>
      </form>
      <h2>{t.history}</h2>
      <Table
        label={t.history}
        empty={t.none}
        head={[t.when, t.status, t.level, t.reason, '']}
        rows={history.map((d) => [
          when(d.at),
          `${d.previous_status ? words(ctx.lang, d.previous_status) + ' → ' : ''}${words(ctx.lang, d.status)}`,
          d.level ? words(ctx.lang, d.level) : '',
          d.reason,
          d.actor,
        ])}
      />
    </Layout>
  )
}
