import { badRequest } from '../http/errors.ts'
import { startOfChinaDay } from '../applications/rules.ts'

const DAY = 86_400_000

const isDay = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v)

/**
 * A report's period from `from`/`to` (a China day `2026-11-01`, or an instant with its offset):
 * `to` is exclusive, a day meaning the end of that day; by default the 31 days up to the end of
 * today (China time). The API and the report page read the same period for the same query.
 */
export function reportPeriod(query: { from?: string; to?: string }, now: Date) {
  const parse = (v: string, endOfDay: boolean) =>
    isDay(v) ? new Date(Date.parse(`${v}T00:00:00+08:00`) + (endOfDay ? DAY : 0)) : new Date(v)
  const to = query.to ? parse(query.to, true) : new Date(startOfChinaDay(now).getTime() + DAY)
  const from = query.from ? parse(query.from, false) : new Date(to.getTime() - 31 * DAY)
  if (!(from.getTime() < to.getTime()))
    throw badRequest('invalid_period', 'from must be before to', [
      { field: 'from', message: 'after to' },
    ])
  return { from, to }
}

/** The China day an instant falls on (`2026-11-30`), for date inputs. */
export const chinaDay = (at: Date) =>
  new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 10)

/** The last China day inside a period ending (exclusively) at `to`: what a date input shows as its end. */
export const lastChinaDay = (to: Date) => chinaDay(new Date(to.getTime() - 1))
