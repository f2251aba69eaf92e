import { z } from '@hono/zod-openapi'

/**
 * `2026-03-01T08:00:00+08:00`: date, time with seconds (a fraction allowed), and `Z` or an offset.
 * The offset is required: a time without one means a different moment to every reader.
 */
const SHAPE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|([+-])(\d{2}):(\d{2}))$/

/** UTC offsets in use on Earth run from −12:00 to +14:00; anything beyond is a typo. */
const MIN_OFFSET_MINUTES = -12 * 60
const MAX_OFFSET_MINUTES = 14 * 60

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}

/**
 * Why `text` is not a real moment, or null. JavaScript's `Date` rolls impossible values over
 * (`2026-02-30` becomes 2 March), so the calendar is checked here, field by field, before any
 * `new Date(...)` sees the text.
 */
export function dateTimeProblem(text: string): string | null {
  const parts = SHAPE.exec(text)
  if (!parts) return 'an ISO 8601 date and time with an offset, e.g. 2026-03-01T08:00:00+08:00'
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  if (month < 1 || month > 12) return `${parts[2]} is not a month`
  if (day < 1 || day > daysInMonth(year, month)) {
    return `${parts[1]}-${parts[2]}-${parts[3]} is not a calendar date (that month has ${daysInMonth(year, month)} days)`
  }
  if (hour > 23 || minute > 59 || second > 59)
    return `${parts[4]}:${parts[5]}:${parts[6]} is not a time of day`
  if (parts[7]) {
    const offsetHours = Number(parts[8])
    const offsetMinutes = Number(parts[9])
    const offset = (parts[7] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes)
    if (offsetMinutes > 59 || offset < MIN_OFFSET_MINUTES || offset > MAX_OFFSET_MINUTES) {
      return `${parts[7]}${parts[8]}:${parts[9]} is not a UTC offset (they run from -12:00 to +14:00)`
    }
  }
  return null
}

/**
 * A date-time that names a real moment: the one schema for every date or time a client sends, so
 * that no route ever hands an impossible date to `new Date`. The value stays the client's text.
 */
export const RealDateTime = z
  .string()
  .max(40)
  .superRefine((text, ctx) => {
    const problem = dateTimeProblem(text)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })
  .openapi({ type: 'string', format: 'date-time', example: '2026-12-01T08:00:00+08:00' })
