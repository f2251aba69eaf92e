import type { Deps } from '../../app-env.ts'
import {
  applicationCrew,
  applicationView,
  listApplications,
} from '../../applications/applications.repository.ts'
import { CARGO_CATEGORIES } from '../../applications/rules.ts'
import {
  findVisiblePass,
  passViewerOf,
  passViewFor,
  visiblePassesQuery,
} from '../../passes/passes.repository.ts'
import { findStation, listStations } from '../../stations/stations.repository.ts'
import { findRegion, regionView } from '../../regions/regions.repository.ts'
import { qrSvg } from '../../passes/qr.ts'
import { raw } from 'hono/html'
import { Layout, Table, type PageContext } from '../layout.tsx'
import { MESSAGES, words } from '../i18n.ts'
import { chinaTime } from '../format.ts'

export function Field(props: {
  name: string
  label: string
  hint?: string
  type?: string
  value?: string
  required?: boolean
  list?: string
  autocomplete?: string
  inputmode?: string
  dataType?: string
}) {
  const id = `f-${props.name.replaceAll('.', '-')}`
  return (
    <div class="field" data-field={props.name}>
      <label for={id}>
        {props.label} {props.hint ? <span class="hint">{props.hint}</span> : null}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type ?? 'text'}
        value={props.value}
        required={props.required}
        list={props.list}
        autocomplete={props.autocomplete ?? 'off'}
        inputmode={props.inputmode as never}
        data-type={props.dataType}
      />
    </div>
  )
}

export async function applyPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const stations = await listStations(deps.store.db, { open: true })
  const now = deps.clock()
  const local = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16)
  return (
    <Layout ctx={ctx} title={t.apply}>
      <h1>{t.apply}</h1>
      <form
        data-api="/api/v1/applications"
        data-method="POST"
        data-redirect="/ui/passes"
        novalidate
      >
        <div class="errors" role="alert" data-errors></div>
        <Field name="plate" label={t.plate} hint={t.plateHint} required />
        <fieldset data-crew>
          <legend>{t.crew}</legend>
          <div data-crew-member>
            <Field name="crew.0.name" label={t.name} required autocomplete="name" />
            <Field name="crew.0.id_number" label={t.idNumber} required />
            <Field
              name="crew.0.phone"
              label={t.phone}
              type="tel"
              inputmode="numeric"
              required
              autocomplete="tel"
            />
          </div>
          <button type="button" class="secondary" data-add-crew>
            {t.addCrew}
          </button>
        </fieldset>
        <div class="field" data-field="cargo_category">
          <label for="f-cargo">{t.cargo}</label>
          <select id="f-cargo" name="cargo_category">
            {CARGO_CATEGORIES.map((c) => (
              <option value={c}>{words(ctx.lang, c)}</option>
            ))}
          </select>
        </div>
        <Field
          name="origin_region_code"
          label={t.origin}
          hint={t.originHint}
          list="region-options"
          required
          inputmode="numeric"
        />
        <datalist id="region-options"></datalist>
        <fieldset data-field="destination">
          <legend>{t.destination}</legend>
          <label>
            <input
              type="radio"
              name="_destination_kind"
              value="station"
              checked
              style="width:auto"
            />{' '}
            {t.toStation}
          </label>
          <label>
            <input type="radio" name="_destination_kind" value="site" style="width:auto" />{' '}
            {t.toSite}
          </label>
          <div data-destination="station">
            <div class="field" data-field="destination.station_code">
              <label for="f-station">{t.station}</label>
              <select id="f-station" name="destination.station_code">
                {stations.map((s) => (
                  <option value={s.code}>{`${s.name} (${s.code})`}</option>
                ))}
              </select>
            </div>
          </div>
          <div data-destination="site" hidden>
            <Field
              name="destination.region_code"
              label={t.destRegion}
              list="region-options"
              inputmode="numeric"
            />
            <Field name="destination.address" label={t.address} />
          </div>
        </fieldset>
        <div class="field" data-field="route">
          <label for="f-route">{t.route}</label>
          <textarea id="f-route" name="route" rows={2} required></textarea>
        </div>
        <div class="row">
          <Field
            name="valid_from"
            label={t.validFrom}
            type="datetime-local"
            dataType="china-time"
            value={local(now)}
            required
          />
          <Field
            name="valid_until"
            label={t.validUntil}
            type="datetime-local"
            dataType="china-time"
            value={local(new Date(now.getTime() + 7 * 86_400_000))}
            required
          />
        </div>
        <p>
          <button type="submit" class="big">
            {t.submit}
          </button>
        </p>
      </form>
    </Layout>
  )
}

export async function passesPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const enterpriseId = ctx.principal!.enterpriseId!
  const viewer = passViewerOf(ctx.principal!)
  const now = deps.clock()
  const [applications, passes] = await Promise.all([
    listApplications(deps.store.db, { enterpriseId, limit: 100, offset: 0 }),
    visiblePassesQuery(deps.store.db, viewer, { now }).limit(100).execute(),
  ])
  return (
    <Layout ctx={ctx} title={t.myPasses}>
      <h1>{t.myPasses}</h1>
      <p>
        <a class="button" href="/ui/apply">
          {t.apply}
        </a>
      </p>
      <h2>{t.passes}</h2>
      <Table
        label={t.passes}
        empty={t.none}
        head={[t.number, t.plate, t.status, t.validity]}
        rows={passes.map((row) => {
          const p = passViewFor(viewer, row, now)
          return [
            <a href={`/ui/passes/${p.number}`}>{p.number}</a>,
            p.plate,
            <span class="badge">{words(ctx.lang, p.status)}</span>,
            `${chinaTime(p.valid_from)} – ${chinaTime(p.valid_until)}`,
          ]
        })}
      />
      <h2>{t.applications}</h2>
      <Table
        label={t.applications}
        empty={t.none}
        head={[t.plate, t.status, t.validity, t.reason]}
        rows={applications.map((row) => {
          const a = applicationView(row)
          return [
            a.plate,
            <span class="badge">{words(ctx.lang, a.status)}</span>,
            `${chinaTime(a.valid_from)} – ${chinaTime(a.valid_until)}`,
            a.decision_reason ?? '',
          ]
        })}
      />
    </Layout>
  )
}

/** The printable pass: A4 on paper, one screen on a phone; the QR large enough to scan from print. */
export async function passPage(deps: Deps, ctx: PageContext, number: string) {
  const t = MESSAGES[ctx.lang]
  const viewer = passViewerOf(ctx.principal!)
  const row = await findVisiblePass(deps.store.db, viewer, number)
  if (!row) return null
  const { ensureToken } = await import('../../passes/issue-pass.ts')
  const pass = await ensureToken(deps, row)
  const view = passViewFor(
    viewer,
    pass,
    deps.clock(),
    await applicationCrew(deps.store.db, pass.application_id),
  )
  const name = async (code: string) => {
    const region = await findRegion(deps.store.db, code)
    return region ? `${regionView(region).full_name} (${code})` : code
  }
  const station = view.destination.station_code
    ? await findStation(deps.store.db, view.destination.station_code)
    : undefined
  const destination = station
    ? `${station.name} · ${station.address}`
    : `${await name(view.destination.region_code)} ${view.destination.address ?? ''}`
  return (
    <Layout ctx={ctx} title={`${t.passTitle} ${view.number}`}>
      <p class="no-print">
        <button type="button" data-print>
          {t.printPass}
        </button>{' '}
        <a href="/ui/passes">{t.myPasses}</a>
      </p>
      <section class="pass-sheet" aria-label={t.passTitle}>
        <h1>{t.passTitle}</h1>
        <p class="plate" data-plate>
          {view.plate}
        </p>
        <div class="qr" data-qr role="img" aria-label={`QR ${view.number}`}>
          {raw(await qrSvg(pass.token!))}
        </div>
        <p>
          <strong>{t.number}: </strong>
          <span data-number>{view.number}</span> ·{' '}
          <span class="badge">{words(ctx.lang, view.status)}</span>
        </p>
        <dl>
          <dt>{t.validity}</dt>
          <dd>{`${chinaTime(view.valid_from)} – ${chinaTime(view.valid_until)} (UTC+8)`}</dd>
          <dt>{t.origin}</dt>
          <dd>{await name(view.origin_region_code)}</dd>
          <dt>{t.destination}</dt>
          <dd>{destination}</dd>
          <dt>{t.route}</dt>
          <dd>{view.route}</dd>
          <dt>{t.cargo}</dt>
          <dd>{words(ctx.lang, view.cargo_category)}</dd>
          <dt>{t.crew}</dt>
          <dd>
            {(view.crew ?? []).map((m) => (
              <div>{`${m.name} ${m.id_number} ${m.phone}`}</div>
            ))}
          </dd>
          <dt>{t.issuer}</dt>
          <dd>{`${deps.config.ISSUER_NAME} (${view.issuer_code})`}</dd>
        </dl>
        <p class="hint">{t.scanHint}</p>
      </section>
    </Layout>
  )
}
