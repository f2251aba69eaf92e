import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import type { StationRow } from './stations.table.ts'
import type { BookingRow } from './bookings.table.ts'
import { chinaDate, nextFreeSlots, slotsOfDay, type Slot } from './slots.ts'

/** Bookings that hold a place in their slot. */
export const LIVE_STATUSES = ['booked', 'arrived'] as const

const DAY = 86_400_000

/** The station's slot sizing (capacity_per_hour is migration 0023's column). */
export function slotStation(station: StationRow) {
  const perHour = (station as StationRow & { capacity_per_hour?: number | null }).capacity_per_hour
  return {
    opening_hours: station.opening_hours,
    capacity_per_day: station.capacity_per_day,
    capacity_per_hour: perHour ?? null,
  }
}

/** The day after `date` (YYYY-MM-DD). */
export const nextDate = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + DAY).toISOString().slice(0, 10)
export const previousDate = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - DAY).toISOString().slice(0, 10)

export type CountedSlot = Slot & { booked: number }

/** The slots of China day `date` with how many live bookings each holds. */
export async function slotsWithBookings(
  db: Kysely<Database>,
  station: StationRow,
  date: string,
): Promise<CountedSlot[]> {
  const slots = slotsOfDay(date, slotStation(station))
  if (slots.length === 0) return []
  const counts = await db
    .selectFrom('station_bookings')
    .select(['starts_at', (eb) => eb.fn.countAll<number>().as('n')])
    .where('station_code', '=', station.code)
    .where('starts_at', '>=', slots[0].starts_at)
    .where('starts_at', '<=', slots[slots.length - 1].starts_at)
    .where('status', 'in', LIVE_STATUSES)
    .groupBy('starts_at')
    .execute()
  const byStart = new Map(counts.map((row) => [row.starts_at, Number(row.n)]))
  return slots.map((slot) => ({
    starts_at: slot.starts_at,
    ends_at: slot.ends_at,
    capacity: slot.capacity,
    booked: byStart.get(slot.starts_at) ?? 0,
  }))
}

/** The slot of the station that starts at `startsAt` (an ISO instant), if there is one. */
export function findSlot(station: StationRow, startsAt: string): Slot | undefined {
  const day = chinaDate(new Date(startsAt))
  // A station open past midnight has slots of the day before on this China day.
  for (const date of [day, previousDate(day)]) {
    const slot = slotsOfDay(date, slotStation(station)).find((s) => s.starts_at === startsAt)
    if (slot) return slot
  }
  return undefined
}

/** Up to three slots with room after `now`: today and the next day (China time). */
export async function nextFree(
  db: Kysely<Database>,
  station: StationRow,
  now: Date,
): Promise<CountedSlot[]> {
  const today = chinaDate(now)
  const slots = [
    ...(await slotsWithBookings(db, station, previousDate(today))),
    ...(await slotsWithBookings(db, station, today)),
    ...(await slotsWithBookings(db, station, nextDate(today))),
  ]
  return nextFreeSlots(slots, now.toISOString())
}

export function findBooking(db: Kysely<Database>, id: string): Promise<BookingRow | undefined> {
  return db.selectFrom('station_bookings').selectAll().where('id', '=', id).executeTakeFirst()
}

/** The pass's one live (`booked`) booking. */
export function liveBookingOfPass(
  db: Kysely<Database>,
  passNumber: string,
): Promise<BookingRow | undefined> {
  return db
    .selectFrom('station_bookings')
    .selectAll()
    .where('pass_number', '=', passNumber)
    .where('status', '=', 'booked')
    .executeTakeFirst()
}

/** A station's bookings whose slot starts on China day `date`, by time. */
export function bookingsOfStationDay(
  db: Kysely<Database>,
  stationCode: string,
  date: string,
): Promise<BookingRow[]> {
  const from = new Date(Date.parse(`${date}T00:00:00+08:00`)).toISOString()
  const to = new Date(Date.parse(`${date}T00:00:00+08:00`) + DAY).toISOString()
  return db
    .selectFrom('station_bookings')
    .selectAll()
    .where('station_code', '=', stationCode)
    .where('starts_at', '>=', from)
    .where('starts_at', '<', to)
    .orderBy('starts_at')
    .orderBy('created_at')
    .execute()
}

/** A firm's bookings (up to `limit`): those still to come first (soonest first), then the past (latest first). */
export async function bookingsOfEnterprise(
  db: Kysely<Database>,
  enterpriseId: string,
  now: Date,
  filter: { pass_number?: string } = {},
  limit = 500,
): Promise<BookingRow[]> {
  const at = now.toISOString()
  const base = () => {
    let query = db
      .selectFrom('station_bookings')
      .selectAll()
      .where('enterprise_id', '=', enterpriseId)
    if (filter.pass_number) query = query.where('pass_number', '=', filter.pass_number)
    return query
  }
  const upcoming = await base()
    .where('ends_at', '>', at)
    .orderBy('starts_at')
    .limit(limit)
    .execute()
  if (upcoming.length >= limit) return upcoming
  const past = await base()
    .where('ends_at', '<=', at)
    .orderBy('starts_at', 'desc')
    .limit(limit - upcoming.length)
    .execute()
  return [...upcoming, ...past]
}

export const bookingView = (row: BookingRow) => ({
  id: row.id,
  station_code: row.station_code,
  pass_number: row.pass_number,
  plate: row.plate,
  starts_at: row.starts_at,
  ends_at: row.ends_at,
  status: row.status,
  notice: row.notice,
  arrived_at: row.arrived_at,
  created_at: row.created_at,
  updated_at: row.updated_at,
})

/** What booking needs of a pass (read here, so stations/ does not depend on passes/). */
export function passToBook(db: Kysely<Database>, number: string) {
  return db
    .selectFrom('passes')
    .select([
      'number',
      'enterprise_id',
      'plate',
      'status',
      'valid_from',
      'valid_until',
      'destination_station_code',
    ])
    .where('number', '=', number)
    .executeTakeFirst()
}
