// What a transfer station's day looks like: the trucks expected (booked, not yet come), present,
// handed over and departed, and the hour-by-hour load against capacity. Pure: the route reads the
// rows (station-board.repository.ts) and this folds them.
import { bookingTiming, slotsOfDay, type Slot } from './slots.ts'

export interface BoardBooking {
  id: string
  pass_number: string
  plate: string
  starts_at: string
  ends_at: string
  /** booked, arrived, no_show (cancelled ones are not read). */
  status: string
  notice: string | null
  arrived_at: string | null
  loop_id: string | null
}

/** One event of a loop at one of the station's checkpoints. */
export interface BoardEvent {
  loop_id: string
  plate: string
  pass_number: string | null
  kind: 'arrived' | 'handed_over' | 'departed'
  at: string
}

export interface StationShape {
  opening_hours: string
  capacity_per_day: number
  capacity_per_hour?: number | null
}

export interface BoardTruck {
  loop_id: string
  plate: string
  pass_number: string | null
  arrived_at: string
  /** When it was handed over or departed (null while present). */
  left_at: string | null
  booking_id: string | null
}

export interface BoardExpected {
  booking_id: string
  pass_number: string
  plate: string
  starts_at: string
  ends_at: string
  /** Its slot has ended without the truck. */
  overdue: boolean
  notice: string | null
}

export interface BoardHour {
  starts_at: string
  ends_at: string
  capacity: number
  booked: number
  arrived: number
}

export interface StationBoard {
  date: string
  expected: BoardExpected[]
  present: BoardTruck[]
  handed_over: BoardTruck[]
  departed: BoardTruck[]
  unbooked_arrivals: number
  hours: BoardHour[]
}

interface TruckDay {
  loop_id: string
  plate: string
  pass_number: string | null
  arrived_at: string | null
  handed_over_at: string | null
  departed_at: string | null
}

/** Each loop's arrival, hand-over and departure at the station (the latest of each kind). */
function trucksOf(events: readonly BoardEvent[]): TruckDay[] {
  const byLoop = new Map<string, TruckDay>()
  const sorted = [...events].sort((a, b) => a.at.localeCompare(b.at))
  for (const e of sorted) {
    let truck = byLoop.get(e.loop_id)
    if (!truck) {
      truck = {
        loop_id: e.loop_id,
        plate: e.plate,
        pass_number: e.pass_number,
        arrived_at: null,
        handed_over_at: null,
        departed_at: null,
      }
      byLoop.set(e.loop_id, truck)
    }
    if (e.kind === 'arrived') {
      // A new arrival starts a new stay.
      truck.arrived_at = e.at
      truck.handed_over_at = null
      truck.departed_at = null
    } else if (e.kind === 'handed_over') truck.handed_over_at = e.at
    else truck.departed_at = e.at
  }
  return [...byLoop.values()]
}

const within = (at: string | null, from: string, to: string) => at !== null && at >= from && at < to

/** The day's bounds (ISO instants) from its slots, or the China-time midnight-to-midnight. */
function dayBounds(date: string): { from: string; to: string } {
  const from = Date.parse(`${date}T00:00:00Z`) - 8 * 3_600_000
  return { from: new Date(from).toISOString(), to: new Date(from + 24 * 3_600_000).toISOString() }
}

/**
 * The board of one China-time day. `events` are the loops' events at the station's checkpoints
 * from a little before the day (so trucks that came the day before and are still there count as
 * present); `bookings` are the day's bookings (not cancelled); `now` decides overdue slots.
 */
export function stationBoard(input: {
  date: string
  station: StationShape
  bookings: readonly BoardBooking[]
  events: readonly BoardEvent[]
  now: Date
}): StationBoard {
  const { date, station, bookings, events } = input
  const now = input.now.toISOString()
  const { from, to } = dayBounds(date)
  const bookingOfLoop = new Map<string, string>()
  const bookedPasses = new Map<string, string>()
  for (const b of bookings) {
    if (b.loop_id) bookingOfLoop.set(b.loop_id, b.id)
    bookedPasses.set(b.pass_number, b.id)
  }
  const present: BoardTruck[] = []
  const handedOver: BoardTruck[] = []
  const departed: BoardTruck[] = []
  let unbooked = 0
  for (const t of trucksOf(events)) {
    if (!t.arrived_at || t.arrived_at >= to) continue
    const bookingId =
      bookingOfLoop.get(t.loop_id) ??
      (t.pass_number ? bookedPasses.get(t.pass_number) : null) ??
      null
    const truck = (left: string | null): BoardTruck => ({
      loop_id: t.loop_id,
      plate: t.plate,
      pass_number: t.pass_number,
      arrived_at: t.arrived_at as string,
      left_at: left,
      booking_id: bookingId,
    })
    if (within(t.arrived_at, from, to) && !bookingId) unbooked++
    if (within(t.departed_at, from, to)) departed.push(truck(t.departed_at))
    else if (within(t.handed_over_at, from, to) && !t.departed_at)
      handedOver.push(truck(t.handed_over_at))
    else if (!t.handed_over_at && !t.departed_at) present.push(truck(null))
  }
  const expected: BoardExpected[] = bookings
    .filter((b) => b.status === 'booked' || b.status === 'no_show')
    .map((b) => ({
      booking_id: b.id,
      pass_number: b.pass_number,
      plate: b.plate,
      starts_at: b.starts_at,
      ends_at: b.ends_at,
      overdue: b.status === 'no_show' || b.ends_at <= now,
      notice: b.notice,
    }))
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at) || a.plate.localeCompare(b.plate))
  const arrivals = events.filter((e) => e.kind === 'arrived' && within(e.at, from, to))
  const hours = slotsOfDay(date, station).map((slot: Slot) => ({
    starts_at: slot.starts_at,
    ends_at: slot.ends_at,
    capacity: slot.capacity,
    booked: bookings.filter((b) => b.starts_at === slot.starts_at && b.status !== 'cancelled')
      .length,
    arrived: arrivals.filter((e) => e.at >= slot.starts_at && e.at < slot.ends_at).length,
  }))
  const byArrival = (a: BoardTruck, b: BoardTruck) => a.arrived_at.localeCompare(b.arrived_at)
  return {
    date,
    expected,
    present: present.sort(byArrival),
    handed_over: handedOver.sort(byArrival),
    departed: departed.sort(byArrival),
    unbooked_arrivals: unbooked,
    hours,
  }
}

export interface LoadDay {
  date: string
  capacity: number
  booked: number
  arrived: number
  /** arrived / capacity, 0..1+ (null when the day has no capacity). */
  occupancy: number | null
  /** Mean minutes from arrival to hand-over or departure, of the day's arrivals that left. */
  average_dwell_minutes: number | null
  late: number
  no_show: number
}

/**
 * A station's load day by day: capacity, bookings and arrivals, the mean dwell, late arrivals
 * against their booking and no-shows (a booking whose slot ended without the truck, whether or
 * not anything marked it).
 */
export function stationLoad(input: {
  dates: readonly string[]
  station: StationShape
  bookings: readonly BoardBooking[]
  events: readonly BoardEvent[]
  now: Date
}): LoadDay[] {
  const now = input.now.toISOString()
  const trucks = trucksOf(input.events)
  return input.dates.map((date) => {
    const { from, to } = dayBounds(date)
    const capacity = slotsOfDay(date, input.station).reduce((sum, s) => sum + s.capacity, 0)
    const bookings = input.bookings.filter((b) => within(b.starts_at, from, to))
    const arrivedTrucks = trucks.filter((t) => within(t.arrived_at, from, to))
    const dwells = arrivedTrucks.flatMap((t) => {
      const left = [t.handed_over_at, t.departed_at]
        .filter((v): v is string => v !== null)
        .sort()[0]
      return left ? [(Date.parse(left) - Date.parse(t.arrived_at as string)) / 60_000] : []
    })
    const late = bookings.filter(
      (b) =>
        b.status === 'arrived' &&
        b.arrived_at !== null &&
        bookingTiming(b, new Date(b.arrived_at)) === 'late',
    ).length
    const noShow = bookings.filter(
      (b) => b.status === 'no_show' || (b.status === 'booked' && b.ends_at <= now),
    ).length
    const arrived = input.events.filter(
      (e) => e.kind === 'arrived' && within(e.at, from, to),
    ).length
    return {
      date,
      capacity,
      booked: bookings.length,
      arrived,
      occupancy: capacity > 0 ? Math.round((arrived / capacity) * 1000) / 1000 : null,
      average_dwell_minutes: dwells.length
        ? Math.round(dwells.reduce((a, b) => a + b, 0) / dwells.length)
        : null,
      late,
      no_show: noShow,
    }
  })
}

export { dayBounds }
