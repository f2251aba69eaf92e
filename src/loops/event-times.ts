/**
 * Device times are bounded (DOMAIN.md, second round). A phone's clock may be wrong or its user
 * may lie; the server's clock is the reference:
 *  - an event dated more than 5 minutes ahead of the server is refused (`time_in_future`);
 *  - one dated more than 24 h before the server received it is accepted and marked late;
 *  - a time inside the event's data that the service reads (a certificate's sample time) lies
 *    within [event time − 48 h, event time + 5 min] (`time_out_of_range`), so a certificate or a
 *    receipt built on it can never be older than the rules allow nor dated ahead;
 *  - a release deadline lies after the release and at most MAX_RELEASE_DEADLINE_HOURS after it
 *    (`deadline_out_of_range`); only a coordinator sets a later one (POST /loops/{id}/deadline).
 */
const MINUTE = 60_000
const HOUR = 60 * MINUTE
export const FUTURE_SKEW_MS = 5 * MINUTE
export const LATE_AFTER_MS = 24 * HOUR
export const DATA_TIME_WINDOW_MS = 48 * HOUR

/** The device times inside `data` the service reads, by event kind (all but `released.deadline`). */
export const DATA_TIME_FIELDS: Partial<Record<string, readonly string[]>> = {
  certificate_checked: ['sampled_at'],
}

export interface TimedEvent {
  kind: string
  at: string
  data: Record<string, unknown> | null
}

export type TimeProblem = {
  code: 'time_in_future' | 'time_out_of_range' | 'deadline_out_of_range'
  message: string
}

export function checkEventTimes(
  event: TimedEvent,
  now: Date,
  maxReleaseHours: number,
): TimeProblem | null {
  const at = Date.parse(event.at)
  if (at - now.getTime() > FUTURE_SKEW_MS) {
    return {
      code: 'time_in_future',
      message:
        'at: the device time is more than 5 minutes ahead of the server; check the phone’s clock',
    }
  }
  for (const field of DATA_TIME_FIELDS[event.kind] ?? []) {
    const value = event.data?.[field]
    if (typeof value !== 'string') continue
    const t = Date.parse(value)
    if (!(t >= at - DATA_TIME_WINDOW_MS && t <= at + FUTURE_SKEW_MS)) {
      return {
        code: 'time_out_of_range',
        message: `data.${field}: must lie within 48 hours before the event time and at most 5 minutes after it`,
      }
    }
  }
  if (event.kind === 'released' && typeof event.data?.deadline === 'string') {
    const deadline = Date.parse(event.data.deadline)
    if (!(deadline > at && deadline <= at + maxReleaseHours * HOUR)) {
      return {
        code: 'deadline_out_of_range',
        message: `data.deadline: must lie after the release and at most ${maxReleaseHours} hours after it; a coordinator may set a later one`,
      }
    }
  }
  return null
}

/** Accepted, but reached the server more than 24 h after its device time. */
export const isLate = (at: string, now: Date) => now.getTime() - Date.parse(at) > LATE_AFTER_MS
