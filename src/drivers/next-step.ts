import type { LoopState } from '../loops/fold.ts'

/** A negative test counts for 48 hours from its sampling (as receipts do: receipt-basis.ts). */
export const NEGATIVE_VALID_HOURS = 48
const HOUR = 3_600_000

/** What the driver page knows: the pass as shown now, and the vehicle's newest loop on it. */
export interface DriverFacts {
  /** The pass's status as shown now (`expired`: active, but its window has ended). */
  pass: { status: 'active' | 'revoked' | 'superseded' | 'expired'; validFrom: string }
  loop: {
    state: LoopState
    /** testResultOf: null before any sample, then pending, negative or positive. */
    result: 'pending' | 'negative' | 'positive' | null
    releaseDeadline: string | null
    destinationArrivedAt: string | null
    /** When the last negative result's sample was taken (or a checked certificate's). */
    negativeSince: string | null
  } | null
}

/**
 * The one thing the driver should do now, as a code the page words:
 *  - `pass_revoked`, `pass_superseded`, `pass_expired`: the pass no longer counts (no trip shown);
 *  - `pass_not_yet_valid`: wait until the pass starts (`deadline`: its start);
 *  - `go_to_checkpoint`: no scan yet — show the pass QR at the checkpoint, be sampled, drive on;
 *  - `at_checkpoint`: scanned, not sampled yet — follow the staff, be sampled;
 *  - `await_release`: sampled, not yet released — wait to be let go;
 *  - `reach_destination`: released towards a place with a deadline (`deadline`), not there yet;
 *  - `destination_overdue`: the same, deadline passed — go there now;
 *  - `keep_route`: released without a deadline — keep to the route, do not stop;
 *  - `at_destination`: arrived — hand over as the staff say;
 *  - `stay_in_cab`: a positive result stands — stop, stay in the cab, staff will come;
 *  - `trip_done`: the loop is closed.
 */
export type DriverStep =
  | 'pass_revoked'
  | 'pass_superseded'
  | 'pass_expired'
  | 'pass_not_yet_valid'
  | 'go_to_checkpoint'
  | 'at_checkpoint'
  | 'await_release'
  | 'reach_destination'
  | 'destination_overdue'
  | 'keep_route'
  | 'at_destination'
  | 'stay_in_cab'
  | 'trip_done'

/** How long the last negative test still counts: whole hours left, or over (48 h passed). */
export type NegativeLeft = { over: false; until: string; hours: number } | { over: true }

export interface DriverNextStep {
  step: DriverStep
  deadline?: string
  /** Only while no positive result stands and a negative one was given. */
  negative?: NegativeLeft
}

export function driverNextStep(facts: DriverFacts, now: Date): DriverNextStep {
  const { pass, loop } = facts
  if (pass.status === 'revoked') return { step: 'pass_revoked' }
  if (pass.status === 'superseded') return { step: 'pass_superseded' }
  if (pass.status === 'expired') return { step: 'pass_expired' }
  if (!loop) {
    if (Date.parse(pass.validFrom) > now.getTime())
      return { step: 'pass_not_yet_valid', deadline: pass.validFrom }
    return { step: 'go_to_checkpoint' }
  }
  const negative =
    loop.result !== 'positive' && loop.negativeSince
      ? negativeLeft(loop.negativeSince, now)
      : undefined
  const withNegative = (next: DriverNextStep): DriverNextStep =>
    negative ? { step: next.step, deadline: next.deadline, negative } : next
  if (loop.state === 'closed') return withNegative({ step: 'trip_done' })
  // A positive result comes first wherever the truck is: nothing else is asked of the driver.
  if (loop.result === 'positive') return { step: 'stay_in_cab' }
  if (loop.state === 'arrived') return withNegative({ step: 'at_checkpoint' })
  if (loop.state === 'sampled') return withNegative({ step: 'await_release' })
  if (loop.state === 'at_destination' || loop.destinationArrivedAt)
    return withNegative({ step: 'at_destination' })
  if (!loop.releaseDeadline) return withNegative({ step: 'keep_route' })
  const overdue = Date.parse(loop.releaseDeadline) <= now.getTime()
  return withNegative({
    step: overdue ? 'destination_overdue' : 'reach_destination',
    deadline: loop.releaseDeadline,
  })
}

/** Whole hours left on a negative test sampled at `sampledAt`; over from 48 h on. */
export function negativeLeft(sampledAt: string, now: Date): NegativeLeft {
  const until = Date.parse(sampledAt) + NEGATIVE_VALID_HOURS * HOUR
  const left = until - now.getTime()
  if (left <= 0) return { over: true }
  return { over: false, until: new Date(until).toISOString(), hours: Math.floor(left / HOUR) }
}
