import type { Deps } from '../../../app-env.ts'
import { listRegions } from '../../../regions/regions.repository.ts'
import { recentRiskChanges } from '../../../regions/risk-changes.repository.ts'
import { RISK_LEVELS } from '../../../regions/regions.table.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { chinaTime } from '../../format.ts'
import { MESSAGES, words } from '../../i18n.ts'
import { RiskBadge, fullRegionName, loadPlaces } from '../../place-names.tsx'
import { Actor, Data } from './shown.tsx'
import { FormErrors, RegionPicker } from './admin-forms.tsx'

const HISTORY_SHOWN = 30

/** The region's name, its code as secondary text. */
function RegionName(props: { name: string; code: string }) {
  return (
    <>
      <Data>{props.name}</Data> <small class="hint data">{props.code}</small>
    </>
  )
}

export async function regionsPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const [high, medium, changes] = await Promise.all([
    listRegions(db, { risk: 'high', limit: 500, offset: 0 }),
    listRegions(db, { risk: 'medium', limit: 500, offset: 0 }),
    recentRiskChanges(db, HISTORY_SHOWN),
  ])
  const places = await loadPlaces(
    deps,
    ctx.lang,
    changes.map((c) => c.region_code),
  )
  return (
    <Layout ctx={ctx} title={t.regions}>
      <h1>{t.regions}</h1>
      <p>{t.regionsIntro}</p>
      <Table
        label={t.regions}
        empty={t.none}
        head={[t.regionCol, t.riskLevel, t.riskReason, t.riskChangedAt, t.changedBy]}
        rows={[...high, ...medium].map((r) => [
          <RegionName name={fullRegionName(r)} code={r.code} />,
          <RiskBadge lang={ctx.lang} level={r.risk_level} />,
          r.risk_reason ? <Data>{r.risk_reason}</Data> : '',
          chinaTime(r.risk_changed_at),
          <Actor lang={ctx.lang} actor={r.risk_changed_by} />,
        ])}
      />
      <h2 id="change-risk">{t.changeRisk}</h2>
      <form
        data-api="/api/v1/regions/{code}/risk"
        data-method="PUT"
        data-confirm={t.riskConfirm}
        data-done={t.riskDone}
        aria-labelledby="change-risk"
      >
        <FormErrors />
        <RegionPicker ctx={ctx} id="rg-code" name="_path.code" label={t.regionCol} />
        <div class="row">
          <div class="field" data-field="level">
            <label for="rg-level">{t.riskLevel}</label>
            <select id="rg-level" name="level">
              {RISK_LEVELS.map((l) => (
                <option value={l}>{words(ctx.lang, l)}</option>
              ))}
            </select>
          </div>
          <div class="field" data-field="reason">
            <label for="rg-reason">{t.riskReason}</label>
            <input id="rg-reason" name="reason" required maxlength={500} />
          </div>
        </div>
        <p>
          <button type="submit">{t.changeRisk}</button>
        </p>
      </form>
      <h2>{t.riskHistory}</h2>
      <p class="hint">{t.timesInChina}</p>
      <Table
        label={t.riskHistory}
        empty={t.none}
        head={[t.riskChangedAt, t.regionCol, t.levelChange, t.riskReason, t.changedBy]}
        rows={changes.map((c) => [
          chinaTime(c.at),
          <RegionName name={places.regionName(c.region_code)} code={c.region_code} />,
          <>
            <RiskBadge lang={ctx.lang} level={c.previous_level} />
            {' → '}
            <RiskBadge lang={ctx.lang} level={c.level} />
          </>,
          <Data>{c.reason}</Data>,
          <Actor lang={ctx.lang} actor={c.actor} />,
        ])}
      />
    </Layout>
  )
}
