import type { Deps } from '../../../app-env.ts'
import { isCoordinator } from '../../../auth/principal.ts'
import { findStation } from '../../../stations/stations.repository.ts'
import { readStationBoard } from '../../../stations/station-board-routes.ts'
import type { BoardTruck } from '../../../stations/station-board.ts'
import { chinaDate } from '../../../stations/slots.ts'
import { stationOfCheckpoints, worksAtStation } from '../../../stations/station-board.repository.ts'
import { Layout, Table, type PageContext } from '../../layout.tsx'
import { MESSAGES } from '../../i18n.ts'
import { chinaTime } from '../../format.ts'
import { Data } from '../enterprise/shown.tsx'

const fill = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? ''))

/** 16:00 (China time) of an instant. */
const hourOf = (iso: string) => chinaTime(iso).slice(11)

/** /ui/station-board: a checkpoint account's own station board (or why it has none). */
export async function ownStationBoardPage(deps: Deps, ctx: PageContext, date?: string) {
  const code = await stationOfCheckpoints(deps.store.db, ctx.principal!.checkpointCodes)
  if (code) return stationBoardPage(deps, ctx, code, date)
  const t = MESSAGES[ctx.lang]
  return (
    <Layout ctx={ctx} title={t.sbTitle}>
      <h1>{t.sbTitle}</h1>
      <p data-not-at-station="">{t.sbNotAtStation}</p>
    </Layout>
  )
}

/**
 * /ui/stations/:code/board: what the station staff need on a phone or tablet — who is expected,
 * who is here, who has been handed over or left today, and the load hour by hour. Coordinators, and
 * checkpoint accounts working at one of the station's checkpoints (others: not found).
 */
export async function stationBoardPage(deps: Deps, ctx: PageContext, code: string, date?: string) {
  const t = MESSAGES[ctx.lang]
  const principal = ctx.principal!
  const station = await findStation(deps.store.db, code.toUpperCase())
  if (!station) return null
  if (
    !isCoordinator(principal) &&
    !(await worksAtStation(deps.store.db, principal.checkpointCodes, station.code))
  )
    return null
  const day = date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? date : chinaDate(deps.clock())
  const board = await readStationBoard(deps, station, day)
  const plate = (p: string) => (
    <span class="data" lang="zh-CN">
      {p}
    </span>
  )
  const bookingCell = (truck: BoardTruck) =>
    truck.booking_id ? (
      <span class="badge ok">{t.sbHasBooking}</span>
    ) : (
      <span class="badge flag">{t.sbNoBooking}</span>
    )
  const trucks = (rows: BoardTruck[], label: string, left: boolean, key: string) => (
    <section data-board-list={key}>
      <h2>
        {label} <small class="hint">({rows.length})</small>
      </h2>
      <Table
        label={label}
        empty={t.none}
        head={[t.sbPlate, t.sbArrivedAt, ...(left ? [t.sbLeftAt] : []), t.sbBookingCol]}
        rows={rows.map((r) => [
          plate(r.plate),
          chinaTime(r.arrived_at),
          ...(left ? [chinaTime(r.left_at)] : []),
          bookingCell(r),
        ])}
      />
    </section>
  )
  const maxLoad = Math.max(1, ...board.hours.map((h) => Math.max(h.capacity, h.booked, h.arrived)))
  return (
    <Layout ctx={ctx} title={fill(t.sbTitleOf, { name: station.name })}>
      <h1>
        <Data>{station.name}</Data> · {t.sbTitle}
      </h1>
      {!board.is_open ? (
        <p class="errors" role="alert" data-station-closed="">
          {fill(t.sbClosed, { reason: board.closed_reason ?? '' })}
        </p>
      ) : null}
      <form method="get" class="row" aria-label={t.sbDate}>
        <div class="field">
          <label for="sb-date">{t.sbDate}</label>
          <input id="sb-date" name="date" type="date" value={day} />
        </div>
        <p>
          <button type="submit" class="secondary">
            {t.sbShowDate}
          </button>
        </p>
      </form>
      <p class="notice" data-board-summary="">
        {fill(t.sbSummary, {
          e: board.expected.length,
          p: board.present.length,
          h: board.handed_over.length,
          d: board.departed.length,
          u: board.unbooked_arrivals,
        })}
      </p>
      <section data-board-list="expected">
        <h2>
          {t.sbExpected} <small class="hint">({board.expected.length})</small>
        </h2>
        <Table
          label={t.sbExpected}
          empty={t.none}
          head={[t.sbPlate, t.sbBookedSlot, t.status]}
          rows={board.expected.map((b) => [
            plate(b.plate),
            `${hourOf(b.starts_at)}–${hourOf(b.ends_at)}`,
            b.overdue ? (
              <span class="badge flag">{t.sbOverdue}</span>
            ) : b.notice === 'station_closed' ? (
              <span class="badge flag">{t.sbNoticeClosed}</span>
            ) : (
              <span class="badge">{t.sbOnTrack}</span>
            ),
          ])}
        />
      </section>
      {trucks(board.present, t.sbPresent, false, 'present')}
      {trucks(board.handed_over, t.sbHandedOver, true, 'handed_over')}
      {trucks(board.departed, t.sbDeparted, true, 'departed')}
      <section data-board-hours="">
        <h2>{t.sbHours}</h2>
        <Table
          label={t.sbHours}
          empty={t.none}
          head={[t.sbSlot, t.sbBooked, t.sbArrived, t.sbCapacity, t.sbLoad]}
          rows={board.hours.map((h) => [
            hourOf(h.starts_at),
            String(h.booked),
            String(h.arrived),
            String(h.capacity),
            <meter
              min={0}
              max={maxLoad}
              high={Math.max(0, h.capacity - 0.5)}
              value={Math.max(h.booked, h.arrived)}
              aria-label={`${hourOf(h.starts_at)} ${t.sbLoad}`}
            >
              {Math.max(h.booked, h.arrived)} / {h.capacity}
            </meter>,
          ])}
        />
      </section>
    </Layout>
  )
}
