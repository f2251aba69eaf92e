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
import { findEnterprise } from '../../enterprises/enterprises.repository.ts'
import { listRegions } from '../../regions/regions.repository.ts'
import { qrSvg } from '../../passes/qr.ts'
import { driverToken, driverUrl } from '../../passes/driver-link.ts'
import { raw } from 'hono/html'
import { Layout, Table, type PageContext } from '../layout.tsx'
import { MESSAGES, words, type Lang } from '../i18n.ts'
import { chinaTime } from '../format.ts'
import { loadPlaces } from '../place-names.tsx'
import {
  chinaInput,
  Data,
  DestinationShown,
  inChinaTime,
  RegionShown,
} from './enterprise/shown.tsx'
import { RevokePassForm } from './coordinator/forms.tsx'
import { RevealForm } from './coordinator/personal-data-page.tsx'
import { fill } from './coordinator/shown.tsx'
import { PassPersonalDataErased } from './personal-data-erased.tsx'
import { ownVehicles, VehiclePicker } from './enterprise/vehicle-picker.tsx'
import { PassBooking } from './enterprise/pass-booking.tsx'

/** A length of time in words, to the minute: 2 小时 5 分, 1 天 3 小时. */
export function ageText(lang: Lang, seconds: number): string {
  const t = MESSAGES[lang]
  const minutes = Math.max(0, Math.floor(seconds / 60))
  const d = Math.floor(minutes / 1440)
  const h = Math.floor((minutes % 1440) / 60)
  if (d > 0) return fill(t.durationDays, { d, h })
  if (h > 0) return fill(t.durationHours, { h, m: minutes % 60 })
  return fill(t.durationMinutes, { m: minutes })
}

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

/** The counties that currently need a pass (medium and high risk), high first. */
async function regionsWithRisk(deps: Deps) {
  const [high, medium] = await Promise.all(
    (['high', 'medium'] as const).map((risk) =>
      listRegions(deps.store.db, { risk, limit: 200, offset: 0 }),
    ),
  )
  return [...high, ...medium]
}

export async function applyPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const [stations, riskRegions, vehicles] = await Promise.all([
    listStations(deps.store.db, { open: true }),
    regionsWithRisk(deps),
    ownVehicles(deps, ctx.principal!.enterpriseId!),
  ])
  const places = await loadPlaces(deps, ctx.lang, [
    ...riskRegions.map((r) => r.code),
    ...stations.map((s) => s.region_code),
  ])
  const now = deps.clock()
  return (
    <Layout ctx={ctx} title={t.apply}>
      <h1>{t.apply}</h1>
      <form
        data-api="/api/v1/applications"
        data-method="POST"
        data-redirect="/ui/passes"
        data-done={t.applyDone}
        novalidate
      >
        <div class="errors" role="alert" data-errors></div>
        <VehiclePicker lang={ctx.lang} vehicles={vehicles} />
        <Field name="plate" label={t.plate} hint={t.plateHint} required />
        {/* Hidden (so not sent) while a saved vehicle's crew is used: client/vehicle-picker.ts. */}
        <div data-crew-inputs>
          <CrewFieldset lang={ctx.lang} />
        </div>
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
          label={t.originPicker}
          hint={`${t.regionPickerHint}${t.riskRegionsListed}`}
          list="region-options"
          required
        />
        {/* Medium- and high-risk areas first (those need passes); typing searches every county. */}
        <datalist id="region-options">
          {riskRegions.map((r) => (
            <option value={r.code} class="data" lang="zh-CN">
              {places.region(r.code)}
            </option>
          ))}
        </datalist>
        <fieldset data-field="destination">
          <legend>{t.destination}</legend>
          <p class="hint">{t.routingHint}</p>
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
                  <option value={s.code} class="data" lang="zh-CN">
                    {`${s.name} · ${places.regionName(s.region_code)}`}
                  </option>
                ))}
              </select>
            </div>
            <div class="field" data-field="arrival_slot">
              <label for="f-arrival_slot">
                {t.applyArrivalSlot} <span class="hint">{t.applyArrivalSlotHint}</span>
              </label>
              <input
                id="f-arrival_slot"
                name="arrival_slot"
                type="datetime-local"
                step="3600"
                data-type="china-time"
                autocomplete="off"
              />
            </div>
          </div>
          <div data-destination="site" hidden>
            <Field
              name="destination.region_code"
              label={t.destRegionPicker}
              hint={t.regionPickerHint}
              list="region-options"
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
            label={inChinaTime(ctx.lang, t.validFrom)}
            type="datetime-local"
            dataType="china-time"
            value={chinaInput(now)}
            required
          />
          <Field
            name="valid_until"
            label={inChinaTime(ctx.lang, t.validUntil)}
            type="datetime-local"
            dataType="china-time"
            value={chinaInput(new Date(now.getTime() + 7 * 86_400_000))}
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

/** The firm's passes and applications: where each goes, in words, and what the firm can do next. */
export async function passesPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const enterpriseId = ctx.principal!.enterpriseId!
  const viewer = passViewerOf(ctx.principal!)
  const now = deps.clock()
  const [applications, passes] = await Promise.all([
    listApplications(deps.store.db, { enterpriseId, limit: 100, offset: 0 }),
    visiblePassesQuery(deps.store.db, viewer, { now }).limit(100).execute(),
  ])
  const places = await loadPlaces(deps, ctx.lang, [
    ...applications.flatMap((a) => [a.origin_region_code, a.destination_region_code]),
    ...passes.flatMap((p) => [p.origin_region_code, p.destination_region_code]),
  ])
  const trip = (v: {
    origin_region_code: string
    destination: { station_code?: string; region_code: string; address?: string }
  }) => (
    <>
      <RegionShown places={places} code={v.origin_region_code} lang={ctx.lang} /> →{' '}
      <DestinationShown places={places} lang={ctx.lang} destination={v.destination} />
    </>
  )
  return (
    <Layout ctx={ctx} title={t.myPasses}>
      <h1>{t.myPasses}</h1>
      <p class="row" style="align-items:center">
        <a class="button" href="/ui/apply" style="flex:0 0 auto">
          {t.apply}
        </a>
        <a href="/ui/reports" style="flex:0 0 auto">
          {t.fileReportLink}
        </a>
      </p>
      <h2>{t.passes}</h2>
      <Table
        label={t.passes}
        empty={t.none}
        head={[
          t.number,
          t.plate,
          `${t.originCol} → ${t.destination}`,
          t.status,
          inChinaTime(ctx.lang, t.validity),
        ]}
        rows={passes.map((row) => {
          const p = passViewFor(viewer, row, now)
          return [
            <a href={`/ui/passes/${p.number}`}>{p.number}</a>,
            <Data nowrap>{p.plate}</Data>,
            trip(p),
            <span class="badge" data-pass-status={p.status}>
              {words(ctx.lang, p.status)}
            </span>,
            `${chinaTime(p.valid_from)} – ${chinaTime(p.valid_until)}`,
          ]
        })}
      />
      <h2>{t.applications}</h2>
      <Table
        label={t.applications}
        empty={t.none}
        head={[
          t.plate,
          `${t.originCol} → ${t.destination}`,
          t.route,
          t.cargo,
          inChinaTime(ctx.lang, t.submittedAt),
          t.status,
          t.applicationOutcome,
        ]}
        rows={applications.map((row) => {
          const a = applicationView(row, now, deps.config.APPROVAL_TARGET_HOURS)
          return [
            <Data nowrap>{a.plate}</Data>,
            trip(a),
            <Data>{a.route}</Data>,
            words(ctx.lang, a.cargo_category),
            chinaTime(a.created_at),
            <span class="badge" data-application-status={a.status}>
              {words(ctx.lang, a.status)}
            </span>,
            <ApplicationOutcome ctx={ctx} application={a} />,
          ]
        })}
      />
    </Layout>
  )
}

/**
 * Where an application stands, in words: waiting (and for how long; the firm may still withdraw
 * it), approved (with its pass), rejected (the coordinator's reason and text), or withdrawn.
 */
function ApplicationOutcome(props: {
  ctx: PageContext
  application: ReturnType<typeof applicationView>
}) {
  const t = MESSAGES[props.ctx.lang]
  const a = props.application
  if (a.status === 'submitted')
    return (
      <form
        data-api={`/api/v1/applications/${a.id}/withdraw`}
        data-method="POST"
        data-reload
        data-confirm={t.withdrawConfirm}
        data-done={t.withdrawDone}
      >
        <div class="errors" role="alert" data-errors></div>
        <span data-standing="waiting">
          {fill(t.waitingFor, { age: ageText(props.ctx.lang, a.waiting_seconds) })}
        </span>{' '}
        <button type="submit" class="secondary" data-withdraw={a.id}>
          {t.withdraw}
        </button>
      </form>
    )
  if (a.status === 'approved' && a.pass_number)
    return (
      <span data-standing="approved">
        {`${t.approvedShown} · `}
        <a href={`/ui/passes/${a.pass_number}#pass-sheet`}>{`${t.passLink} ${a.pass_number}`}</a>
      </span>
    )
  if (a.status === 'rejected')
    return (
      <span data-standing="rejected">
        {fill(t.rejectedShown, { reason: words(props.ctx.lang, a.reason_code ?? 'other') })}
        {a.decision_reason ? (
          <>
            {' — '}
            <Data>{a.decision_reason}</Data>
          </>
        ) : null}
      </span>
    )
  if (a.status === 'withdrawn') return `${t.withdrawnByFirm} · ${chinaTime(a.decided_at)}`
  return ''
}

/** The printable pass: A4 on paper, one screen on a phone; the QR large enough to scan from print. */
export async function passPage(
  deps: Deps,
  ctx: PageContext,
  number: string,
  /** Where the driver's link points (publicOriginOf): the small QR is of the driver's page there. */
  origin: string,
) {
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
  const [places, firm, station] = await Promise.all([
    loadPlaces(deps, ctx.lang, [view.origin_region_code, view.destination.region_code]),
    findEnterprise(deps.store.db, view.enterprise_id),
    view.destination.station_code
      ? findStation(deps.store.db, view.destination.station_code)
      : undefined,
  ])
  return (
    <Layout ctx={ctx} title={`${t.passTitle} ${view.number}`}>
      <p class="no-print">
        <button type="button" data-print>
          {t.printPass}
        </button>{' '}
        <a href="/ui/passes">{t.myPasses}</a>
      </p>
      <section class="pass-sheet" id="pass-sheet" aria-label={t.passTitle}>
        <h1>{t.passTitle}</h1>
        <p class="plate" data-plate lang="zh-CN">
          {view.plate}
        </p>
        <div class="qr" data-qr role="img" aria-label={`QR ${view.number}`}>
          {raw(await qrSvg(pass.token!))}
        </div>
        <p>
          <strong>{t.number}</strong> <span data-number>{view.number}</span> ·{' '}
          <span class="badge">{words(ctx.lang, view.status)}</span>
        </p>
        <dl>
          <dt>{t.firm}</dt>
          <dd data-firm>
            <Data>{firm?.name ?? ctx.enterpriseName ?? ''}</Data>
          </dd>
          <dt>{t.validity}</dt>
          <dd>
            {inChinaTime(
              ctx.lang,
              `${chinaTime(view.valid_from)} – ${chinaTime(view.valid_until)}`,
            )}
          </dd>
          <dt>{t.originCol}</dt>
          <dd>
            <RegionShown places={places} code={view.origin_region_code} lang={ctx.lang} />
          </dd>
          <dt>{t.destination}</dt>
          <dd>
            <DestinationShown places={places} lang={ctx.lang} destination={view.destination} />
            {station ? (
              <>
                {' · '}
                <Data>{station.address}</Data>
              </>
            ) : null}
          </dd>
          <dt>{t.route}</dt>
          <dd>
            <Data>{view.route}</Data>
          </dd>
          <dt>{t.cargo}</dt>
          <dd>{words(ctx.lang, view.cargo_category)}</dd>
          <dt>{t.crew}</dt>
          <dd>
            {(view.crew ?? []).map((m) => (
              <div>
                <Data>{m.name}</Data> {`${m.id_number} ${m.phone}`}
              </div>
            ))}
            <PassPersonalDataErased deps={deps} ctx={ctx} applicationId={pass.application_id} />
          </dd>
          <dt>{t.issuer}</dt>
          <dd data-issuer>
            <Data>{deps.config.ISSUER_NAME}</Data>
          </dd>
          <dt>{t.issuedAt}</dt>
          <dd>{inChinaTime(ctx.lang, chinaTime(view.issued_at))}</dd>
        </dl>
        <p class="hint">{t.scanHint}</p>
        <figure class="driver-qr" data-driver-qr style="margin:.5rem auto 0;width:32mm">
          <div style="background:#fff">
            {raw(
              await qrSvg(
                driverUrl(origin, await driverToken(deps.config.TOKEN_SECRET, view.number)),
              ),
            )}
          </div>
          <figcaption class="hint">{t.driverQrCaption}</figcaption>
        </figure>
      </section>
      <PassBooking deps={deps} ctx={ctx} pass={view} station={station} />
      <RevokePassForm ctx={ctx} pass={view} />
      <RevealForm
        ctx={ctx}
        record={{ kind: 'pass', id: view.number }}
        crewCount={(view.crew ?? []).length}
      />
    </Layout>
  )
}

/**
 * The crew of a vehicle: one member's name, ID number and phone, and a button the page's script
 * (client/app.ts, `data-add-crew`) uses to add more. The application and the pre-arrival report
 * both ask for it.
 */
export function CrewFieldset(props: { lang: Lang }) {
  const t = MESSAGES[props.lang]
  return (
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
  )
}
