import type { Deps } from '../../../app-env.ts'
import { listStations } from '../../../stations/stations.repository.ts'
import type { StationRow } from '../../../stations/stations.table.ts'
import { listCheckpoints } from '../../../checkpoints/checkpoints.repository.ts'
import { CHECKPOINT_KINDS } from '../../../checkpoints/checkpoints.table.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { MESSAGES, words } from '../../i18n.ts'
import { loadPlaces } from '../../place-names.tsx'
import { Data, RegionShown, fill } from './shown.tsx'
import { FormErrors, RegionPicker, WithData } from './admin-forms.tsx'
import { readStationLoad } from '../../../stations/station-board-routes.ts'
import type { LoadDay } from '../../../stations/station-board.ts'

/** Today and the 7 days before at one station: arrivals against capacity, stay, late, no-shows. */
function StationLoad(props: { ctx: PageContext; station: StationRow; days: LoadDay[] }) {
  const { ctx, station: s, days } = props
  const t = MESSAGES[ctx.lang]
  const today = days[days.length - 1]
  const label = `${t.sbLoadHeading}: ${s.name}`
  return (
    <details class="station-load" data-station-load={s.code}>
      <summary>
        <Data>{s.name}</Data> · {today ? `${t.sbToday} ${today.arrived} / ${today.capacity}` : ''}
      </summary>
      {/* Outside the summary: a link inside it would be a control within a control. */}
      <p>
        <a href={`/ui/stations/${encodeURIComponent(s.code)}/board`}>{t.sbOpenBoard}</a>
      </p>
      <Table
        label={label}
        empty={t.none}
        head={[
          t.sbLoadDay,
          t.sbArrived,
          t.sbBooked,
          t.sbCapacity,
          t.sbOccupancy,
          t.sbDwell,
          t.sbLate,
          t.sbNoShow,
        ]}
        rows={[...days]
          .reverse()
          .map((d) => [
            d === today ? `${d.date} (${t.sbToday})` : d.date,
            String(d.arrived),
            String(d.booked),
            String(d.capacity),
            d.occupancy === null ? '' : `${Math.round(d.occupancy * 100)}%`,
            d.average_dwell_minutes === null
              ? ''
              : fill(t.sbDwellMinutes, { n: d.average_dwell_minutes }),
            String(d.late),
            String(d.no_show),
          ])}
      />
    </details>
  )
}

/** A place's name, its code as secondary text. */
function Named(props: { name: string; code: string }) {
  return (
    <>
      <Data>{props.name}</Data>
      <br />
      <small class="hint data">{props.code}</small>
    </>
  )
}

/** Name, address, capacity and hours of a station; open or close it (PATCH /api/v1/stations/{code}). */
function StationEdit(props: { ctx: PageContext; station: StationRow }) {
  const { ctx, station: s } = props
  const t = MESSAGES[ctx.lang]
  const id = (name: string) => `st-${s.code}-${name}`
  const named = { name: s.name }
  return (
    <details class="station-edit">
      <summary>
        <WithData template={t.editStationOf} field="name" value={s.name} />
      </summary>
      <form
        data-api={`/api/v1/stations/${encodeURIComponent(s.code)}`}
        data-method="PATCH"
        data-done={t.stationSaved}
        aria-label={fill(t.editStationOf, named)}
      >
        <FormErrors />
        <div class="field" data-field="name">
          <label for={id('name')}>{t.placeName}</label>
          <input id={id('name')} name="name" value={s.name} required maxlength={100} />
        </div>
        <div class="field" data-field="address">
          <label for={id('address')}>{t.address}</label>
          <input id={id('address')} name="address" value={s.address} required maxlength={200} />
        </div>
        <div class="row">
          <div class="field" data-field="capacity_per_day">
            <label for={id('capacity')}>{t.capacity}</label>
            <input
              id={id('capacity')}
              name="capacity_per_day"
              type="number"
              min={0}
              value={String(s.capacity_per_day)}
              required
            />
          </div>
          <div class="field" data-field="opening_hours">
            <label for={id('hours')}>{t.openingHours}</label>
            <input id={id('hours')} name="opening_hours" value={s.opening_hours} required />
          </div>
          <div class="field" data-field="capacity_per_hour">
            <label for={id('per-hour')}>
              {t.stCapacityPerHour} <span class="hint">{t.stCapacityPerHourHint}</span>
            </label>
            <input
              id={id('per-hour')}
              name="capacity_per_hour"
              type="number"
              min={0}
              value={s.capacity_per_hour === null ? '' : String(s.capacity_per_hour)}
            />
          </div>
        </div>
        <p>
          <button type="submit">{t.saveStation}</button>
        </p>
      </form>
      {/* Open or close: a yes/no the API takes as a JSON boolean (data-type="boolean"). */}
      <form
        data-api={`/api/v1/stations/${encodeURIComponent(s.code)}`}
        data-method="PATCH"
        data-confirm={s.is_open ? t.stationCloseConfirm : undefined}
        data-done={t.stationSaved}
        aria-label={`${t.openState}: ${s.name}`}
      >
        <FormErrors />
        <input
          type="hidden"
          name="is_open"
          data-type="boolean"
          value={s.is_open ? 'false' : 'true'}
        />
        {s.is_open ? (
          <div class="field" data-field="closed_reason">
            <label for={id('closed-reason')}>
              {t.stClosedReason} <span class="hint">{t.stClosedReasonHint}</span>
            </label>
            <input id={id('closed-reason')} name="closed_reason" required maxlength={200} />
          </div>
        ) : null}
        <button type="submit" class={s.is_open ? 'danger' : 'secondary'}>
          {s.is_open ? t.closeStation : t.reopenStation}
        </button>
      </form>
    </details>
  )
}

export async function stationsPage(deps: Deps, ctx: PageContext) {
  const t = MESSAGES[ctx.lang]
  const db = deps.store.db
  const [stations, checkpoints] = await Promise.all([listStations(db, {}), listCheckpoints(db, {})])
  const loads = await Promise.all(stations.map((s) => readStationLoad(deps, s, 8)))
  const places = await loadPlaces(deps, ctx.lang, [
    ...stations.map((s) => s.region_code),
    ...checkpoints.map((c) => c.region_code),
  ])
  return (
    <Layout ctx={ctx} title={t.navStations}>
      <h1>{t.navStations}</h1>
      <h2 id="stations">{t.stationsHeading}</h2>
      <Table
        label={t.stationsHeading}
        empty={t.none}
        head={[t.placeName, t.regionCol, t.address, t.capacity, t.openingHours, t.openState]}
        rows={stations.map((s) => [
          <Named name={s.name} code={s.code} />,
          <RegionShown places={places} code={s.region_code} lang={ctx.lang} />,
          <Data>{s.address}</Data>,
          fill(t.capacityShown, { n: s.capacity_per_day }),
          <span style="white-space:nowrap">{s.opening_hours}</span>,
          <>
            <span class={`badge${s.is_open ? '' : ' station-closed'}`}>
              {s.is_open ? t.stationOpen : t.stationClosed}
            </span>
            {!s.is_open && s.closed_reason ? (
              <>
                <br />
                <small class="hint data">{s.closed_reason}</small>
              </>
            ) : null}
          </>,
        ])}
      />
      {stations.length ? (
        <>
          <h3 id="station-load">{t.sbLoadHeading}</h3>
          {stations.map((s, i) => (
            <StationLoad ctx={ctx} station={s} days={loads[i].days} />
          ))}
          <h3 id="edit-station">{t.editStationsHeading}</h3>
          {stations.map((s) => (
            <StationEdit ctx={ctx} station={s} />
          ))}
        </>
      ) : null}
      <h3 id="add-station">{t.addStation}</h3>
      <form
        data-api="/api/v1/stations"
        data-method="POST"
        data-done={t.stationAdded}
        aria-labelledby="add-station"
      >
        <FormErrors />
        <div class="row">
          <div class="field" data-field="name">
            <label for="st-name">{t.placeName}</label>
            <input id="st-name" name="name" required maxlength={100} />
          </div>
          <div class="field" data-field="code">
            <label for="st-code">
              {t.code} <span class="hint">{t.codeHint}</span>
            </label>
            <input id="st-code" name="code" required maxlength={32} autocapitalize="characters" />
          </div>
        </div>
        <RegionPicker ctx={ctx} id="st-region" name="region_code" label={t.regionPick} />
        <div class="field" data-field="address">
          <label for="st-address">{t.address}</label>
          <input id="st-address" name="address" required maxlength={200} />
        </div>
        <div class="row">
          <div class="field" data-field="capacity_per_day">
            <label for="st-capacity">{t.capacity}</label>
            <input id="st-capacity" name="capacity_per_day" type="number" min={0} required />
          </div>
          <div class="field" data-field="opening_hours">
            <label for="st-hours">
              {t.openingHours} <span class="hint">{t.openingHoursHint}</span>
            </label>
            <input id="st-hours" name="opening_hours" value="00:00-24:00" />
          </div>
        </div>
        <p>
          <button type="submit">{t.addStation}</button>
        </p>
      </form>

      <h2 id="checkpoints">{t.checkpointsHeading}</h2>
      <Table
        label={t.checkpointsHeading}
        empty={t.none}
        head={[t.placeName, t.regionCol, t.kind, t.stationsHeading]}
        rows={checkpoints.map((c) => [
          <Named name={c.name} code={c.code} />,
          <RegionShown places={places} code={c.region_code} lang={ctx.lang} />,
          words(ctx.lang, c.kind),
          c.station_code ? <Data>{places.station(c.station_code)}</Data> : '',
        ])}
      />
      <h3 id="add-checkpoint">{t.addCheckpoint}</h3>
      <form
        data-api="/api/v1/checkpoints"
        data-method="POST"
        data-done={t.checkpointAdded}
        aria-labelledby="add-checkpoint"
      >
        <FormErrors />
        <div class="row">
          <div class="field" data-field="name">
            <label for="cp-name">{t.placeName}</label>
            <input id="cp-name" name="name" required maxlength={100} />
          </div>
          <div class="field" data-field="code">
            <label for="cp-code">
              {t.code} <span class="hint">{t.codeHint}</span>
            </label>
            <input id="cp-code" name="code" required maxlength={32} autocapitalize="characters" />
          </div>
        </div>
        <RegionPicker
          ctx={ctx}
          id="cp-region"
          name="region_code"
          label={t.regionPick}
          list={false}
        />
        <div class="row">
          <div class="field" data-field="kind">
            <label for="cp-kind">{t.kind}</label>
            <select id="cp-kind" name="kind">
              {CHECKPOINT_KINDS.map((k) => (
                <option value={k}>{words(ctx.lang, k)}</option>
              ))}
            </select>
          </div>
          <div class="field" data-field="station_code">
            <label for="cp-station">{t.cpStation}</label>
            <select id="cp-station" name="station_code">
              <option value="">{t.noneChosen}</option>
              {stations.map((s) => (
                <option value={s.code} lang="zh-CN">
                  {s.name}
                </option>
              ))}
            </select>
          </div>
        </div>
        <p>
          <button type="submit">{t.addCheckpoint}</button>
        </p>
      </form>
    </Layout>
  )
}
