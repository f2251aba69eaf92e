import type { RiskLevel } from '../regions/regions.table.ts'

export const CARGO_CATEGORIES = [
  'medical',
  'daily_necessities',
  'government_reserves',
  'postal_express',
  'agricultural',
  'energy',
  'raw_materials',
  'key_industrial',
] as const
export type CargoCategory = (typeof CARGO_CATEGORIES)[number]

export type RoutingProblem = { code: 'transfer_station_required'; message: string } | null

/**
 * The routing rule: from a high-risk origin the goods go to a transfer station; from medium either
 * destination is fine; from low no pass is needed, though one may still be issued.
 */
export function routingProblem(
  originRisk: RiskLevel,
  destinationIsStation: boolean,
): RoutingProblem {
  if (originRisk === 'high' && !destinationIsStation) {
    return {
      code: 'transfer_station_required',
      message:
        'the origin is a high-risk area: the destination must be a transfer station (中转站)',
    }
  }
  return null
}

const DAY = 86_400_000
const CHINA_OFFSET = 8 * 3600_000

/** Midnight, China time (UTC+8, no daylight saving), of the day that contains `now`. */
export function startOfChinaDay(now: Date): Date {
  const local = now.getTime() + CHINA_OFFSET
  return new Date(local - (local % DAY) - CHINA_OFFSET)
}

export type ValidityProblem = { field: 'valid_from' | 'valid_until'; message: string } | null

/**
 * A validity window: ends after it starts and in the future, lasts at most `maxDays`, and starts
 * no earlier than the start of today (China time), so a pass asked for this morning is fine, and
 * no later than `maxLeadDays` from now: a pass asked for months ahead would be decided on today's
 * risk map and whitelist, which will not hold by then.
 */
export function validityProblem(
  from: Date,
  until: Date,
  now: Date,
  maxDays: number,
  maxLeadDays: number,
): ValidityProblem {
  if (until.getTime() <= from.getTime())
    return { field: 'valid_until', message: 'must be after valid_from' }
  if (until.getTime() <= now.getTime())
    return { field: 'valid_until', message: 'must be in the future' }
  if (from.getTime() < startOfChinaDay(now).getTime())
    return { field: 'valid_from', message: 'must not be before today' }
  if (from.getTime() - now.getTime() > maxLeadDays * DAY) {
    return { field: 'valid_from', message: `must start within ${maxLeadDays} days from now` }
  }
  if (until.getTime() - from.getTime() > maxDays * DAY) {
    return { field: 'valid_until', message: `a pass is valid for at most ${maxDays} days` }
  }
  return null
}

/** The last serial an issuer can give: pass numbers have 6 digits for it. */
export const MAX_PASS_SERIAL = 999_999

/**
 * How long an application has waited for its decision (until now while `submitted`, until the
 * decision after), and whether it is past the approval target while it still waits.
 */
export function applicationAge(
  row: { status: string; created_at: string; decided_at: string | null },
  now: Date,
  targetHours: number,
): { waiting_seconds: number; overdue: boolean } {
  const until = row.status === 'submitted' || !row.decided_at ? now : new Date(row.decided_at)
  const waiting = Math.max(0, Math.floor((until.getTime() - Date.parse(row.created_at)) / 1000))
  return {
    waiting_seconds: waiting,
    overdue: row.status === 'submitted' && waiting > targetHours * 3600,
  }
}
