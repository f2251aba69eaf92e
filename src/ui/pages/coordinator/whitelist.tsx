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
import { MESSAGES, words, type Lang } from '../../i18n.ts'
import { loadPlaces } from '../../place-names.tsx'
import { Actor, Data, RegionShown, fill } from './shown.tsx'
import { RegionPicker } from './admin-forms.tsx'

/** A whitelist state in words, its level beside it (省级); `pending` has none. */
function WhitelistShown(props: { lang: Lang; status: string; level: string | null }) {
  return (
    <>
      <span class={`badge whitelist-${props.status}`}>{words(props.lang, props.status)}</span>
      {props.level ? ` ${words(props.lang, props.level)}` : ''}
    </>
  )
}

export async function enterprisesPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const firms = (await listEnterprises(deps.store.db, {})).map(enterpriseView)
  const places = await loadPlaces(
    deps,
    ctx.lang,
    firms.map((e) => e.region_code),
  )
  return (
    <Layout ctx={ctx} title={t.firmsTitle}>
      <h1>{t.firmsTitle}</h1>
      <Table
        label={t.firmsTitle}
        empty={t.none}
        head={[t.firmName, t.usccLabel, t.regionCol, t.whitelistStatus]}
        rows={firms.map((e) => [
          <a href={`/ui/enterprises/${e.id}`}>
            <Data>{e.name}</Data>
          </a>,
          <span class="data">{e.uscc}</span>,
          <RegionShown places={places} code={e.region_code} lang={ctx.lang} />,
          <WhitelistShown lang={ctx.lang} status={e.whitelist.status} level={e.whitelist.level} />,
        ])}
      />
      <h2 id="register">{t.registerFirm}</h2>
      <form
        data-api="/api/v1/enterprises"
        data-method="POST"
        data-done={t.registerDone}
        data-redirect="/ui/enterprises/{id}"
        aria-labelledby="register"
      >
        <div class="errors" role="alert" tabindex={-1} data-errors></div>
        <div class="row">
          <div class="field" data-field="uscc">
            <label for="firm-uscc">
              {t.usccLabel} <span class="hint">{t.usccHint}</span>
            </label>
            <input
              id="firm-uscc"
              name="uscc"
              required
              maxlength={18}
              autocapitalize="characters"
              autocomplete="off"
              spellcheck={false}
            />
          </div>
          <div class="field" data-field="name">
            <label for="firm-name">{t.firmName}</label>
            <input id="firm-name" name="name" required maxlength={100} />
          </div>
        </div>
        <div class="row">
          <div class="field" data-field="contact_name">
            <label for="firm-contact">{t.contactName}</label>
            <input id="firm-contact" name="contact_name" required maxlength={50} />
          </div>
          <div class="field" data-field="contact_phone">
            <label for="firm-phone">{t.contactPhone}</label>
            <input
              id="firm-phone"
              name="contact_phone"
              required
              inputmode="tel"
              autocomplete="off"
              maxlength={11}
            />
          </div>
        </div>
        <RegionPicker ctx={ctx} id="firm-region" name="region_code" label={t.regionPick} />
        <p>
          <button type="submit">{t.registerFirm}</button>
        </p>
      </form>
    </Layout>
  )
}

export async function enterprisePage(deps: Deps, ctx: PageContext, id: string) {
  const t = MESSAGES[ctx.lang]
  const row = await findEnterprise(deps.store.db, id)
  if (!row) return null
  const e = enterpriseView(row)
  const history = (await whitelistHistory(deps.store.db, id)).map(decisionView)
  const places = await loadPlaces(deps, ctx.lang, [e.region_code])
  const level = (code: string | null) => (code ? words(ctx.lang, code) : t.noLevel)
  return (
    <Layout ctx={ctx} title={e.name}>
      <h1>
        <Data>{e.name}</Data>
      </h1>
      <p>
        {`${t.usccLabel} `}
        <span class="data">{e.uscc}</span>
        {' · '}
        <RegionShown places={places} code={e.region_code} lang={ctx.lang} />
        <br />
        <Data>{fill(t.contactShown, { name: e.contact_name, phone: e.contact_phone })}</Data>
      </p>
      <p>
        {`${t.whitelistStatus}: `}
        <WhitelistShown lang={ctx.lang} status={e.whitelist.status} level={e.whitelist.level} />
      </p>
      <p>
        <a href={`/ui/audit/${e.id}`}>{t.report}</a>
      </p>
      <h2 id="decide">{t.decide}</h2>
      <form
        data-api={`/api/v1/enterprises/${e.id}/whitelist`}
        data-method="POST"
        data-confirm={t.decisionConfirm}
        data-done={t.decisionDone}
        aria-labelledby="decide"
      >
        <div class="errors" role="alert" tabindex={-1} data-errors></div>
        <div class="row">
          <div class="field" data-field="status">
            <label for="wl-status">{t.whitelistStatus}</label>
            <select id="wl-status" name="status">
              {WHITELIST_STATUSES.map((s) => (
                <option value={s} selected={s === e.whitelist.status}>
                  {words(ctx.lang, s)}
                </option>
              ))}
            </select>
          </div>
          <div class="field" data-field="level">
            <label for="wl-level">{t.whitelistLevel}</label>
            <select id="wl-level" name="level">
              <option value="" selected={!e.whitelist.level}>
                {t.noLevel}
              </option>
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
          <input id="wl-reason" name="reason" required maxlength={500} />
        </div>
        <p>
          <button type="submit">{t.decide}</button>
        </p>
      </form>
      <h2>{t.history}</h2>
      <p class="hint">{t.timesInChina}</p>
      <Table
        label={t.history}
        empty={t.none}
        head={[t.when, t.whitelistStatus, t.whitelistLevel, t.reason, t.decidedBy]}
        rows={history.map((d) => [
          chinaTime(d.at),
          `${d.previous_status ? words(ctx.lang, d.previous_status) + ' → ' : ''}${words(ctx.lang, d.status)}`,
          d.previous_status && d.previous_level !== d.level
            ? `${level(d.previous_level)} → ${level(d.level)}`
            : level(d.level),
          // The API writes `registered` for the first decision: a code, said in words.
          d.reason === 'registered' ? words(ctx.lang, d.reason) : <Data>{d.reason}</Data>,
          <Actor lang={ctx.lang} actor={d.actor} />,
        ])}
      />
    </Layout>
  )
}
