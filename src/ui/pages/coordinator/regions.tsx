import type { Deps } from '../../../app-env.ts'
import { listRegions, regionView } from '../../../regions/regions.repository.ts'
import { RISK_LEVELS } from '../../../regions/regions.table.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words } from '../../i18n.ts'

const when = chinaTime

export async function regionsPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const [high, medium] = await Promise.all([
    listRegions(deps.store.db, { risk: 'high', limit: 500, offset: 0 }),
    listRegions(deps.store.db, { risk: 'medium', limit: 500, offset: 0 }),
  ])
  return (
    <Layout ctx={ctx} title={t.regions}>
      <h1>{t.regions}</h1>
      <Table
        label={t.regions}
        empty={t.none}
        head={[t.code, t.regions, t.riskLevel, t.reason, t.when]}
        rows={[...high, ...medium].map((row) => {
          const r = regionView(row)
          return [
            r.code,
            r.full_name,
            <span class="badge">{words(ctx.lang, r.risk_level)}</span>,
            r.risk_reason ?? '',
            when(r.risk_changed_at),
          ]
        })}
      />
      <h2>{t.change}</h2>
      <form data-api="/api/v1/regions/{code}/risk" data-method="PUT" data-reload>
        <div class="errors" role="alert" data-errors></div>
        <div class="row">
          <div class="field" data-field="code">
            <label for="rg-code">{t.code}</label>
            <input
              id="rg-code"
              name="_path.code"
              required
              inputmode="numeric"
              list="region-options"
            />
            <datalist id="region-options"></datalist>
          </div>
          <div class="field" data-field="level">
            <label for="rg-level">{t.riskLevel}</label>
            <select id="rg-level" name="level">
              {RISK_LEVELS.map((l) => (
                <option value={l}>{words(ctx.lang, l)}</option>
              ))}
            </select>
          </div>
        </div>
        <div class="field" data-field="reason">
          <label for="rg-reason">{t.reason}</label>
          <input id="rg-reason" name="reason" required />
        </div>
        <p>
          <button type="submit">{t.change}</button>
        </p>
      </form>
    </Layout>
  )
}
