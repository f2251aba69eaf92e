// Arrival slots at a transfer station: pure functions over a station's opening hours and capacity.
// Stations run on China time (UTC+8, no daylight saving), so a day and its hours are China's.

const HOUR = 3_600_000
const CHINA_OFFSET = 8 * HOUR

/** "06:00-22:00" → minutes after midnight; a close at or before the open runs past midnight. */
export function parseOpeningHours(text: string): { open: number; close: number } {
  const [open, close] = text.split('-').map((part) => {
    const [h, m] = part.split(':').map(Number)
    return h * 60 + m
  })
  return { open, close: close <= open ? close + 24 * 60 : close }
}

export interface Slot {
  /** The slot's start, an instant (ISO, UTC). */
  starts_at: string
  ends_at: string
  capacity: number
}

/**
 * The slots of one China-time day (`YYYY-MM-DD`): one per whole hour from the opening time, the last
 * cut at the close. The capacity per hour is the station's own when set, else its daily capacity
 * spread over the slots so that they add up to it (the first slots take the remainder).
 */
export function slotsOfDay(
  date: string,
  station: { opening_hours: string; capacity_per_day: number; capacity_per_hour?: number | null },
): Slot[] {
  const { open, close } = parseOpeningHours(station.opening_hours)
  const midnight = Date.parse(`${date}T00:00:00Z`) - CHINA_OFFSET
  const starts: number[] = []
  for (let minute = open; minute < close; minute += 60) starts.push(minute)
  const perHour = station.capacity_per_hour
  const even = Math.floor(station.capacity_per_day / Math.max(1, starts.length))
  const remainder = station.capacity_per_day - even * starts.length
  return starts.map((minute, i) => ({
    starts_at: new Date(midnight + minute * 60_000).toISOString(),
    ends_at: new Date(midnight + Math.min(minute + 60, close) * 60_000).toISOString(),
    capacity: perHour ?? even + (i < remainder ? 1 : 0),
  }))
}

/** The China-time day (`YYYY-MM-DD`) an instant falls on. */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET).toISOString().slice(0, 10)
}

/** Up to `count` slots with room, starting after `after` (ISO), in time order. */
export function nextFreeSlots<S extends Slot & { booked: number }>(
  slots: S[],
  after: string,
  count = 3,
): S[] {
  return slots
    .filter((slot) => slot.starts_at > after && slot.booked < slot.capacity)
    .sort((a, b) => a.starts_at.localeCompare(b.starts_at))
    .slice(0, count)
}

export type BookingTiming = 'on_time' | 'early' | 'late' | 'none'

/** Arrivals up to this long before a slot count as on time (queues form at the gate). */
export const EARLY_GRACE_MS = 15 * 60_000

/** How an arrival at `arrivedAt` stands against its booked slot (none: no booking). */
export function bookingTiming(
  slot: { starts_at: string; ends_at: string } | null,
  arrivedAt: Date,
): BookingTiming {
  if (!slot) return 'none'
  const at = arrivedAt.getTime()
  if (at < Date.parse(slot.starts_at) - EARLY_GRACE_MS) return 'early'
  if (at >= Date.parse(slot.ends_at)) return 'late'
  return 'on_time'
}

/** A slot that starts before a validity window or ends after it (a pass's, or one asked for). */
export function outsideValidity(
  slot: { starts_at: string; ends_at: string },
  validFrom: Date | string,
  validUntil: Date | string,
): boolean {
  return (
    Date.parse(slot.starts_at) < new Date(validFrom).getTime() ||
    Date.parse(slot.ends_at) > new Date(validUntil).getTime()
  )
}
