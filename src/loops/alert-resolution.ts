import { positiveStands, type CoordinatorEventKind, type LoopFacts } from './fold.ts'
import type { AlertKind } from '../alerts/alerts.table.ts'

/**
 * A positive result is final for its loop: only a coordinator's resolution settles it, and the
 * resolution says what it allows (`outcome`, required for a positive alert, refused for others):
 *  - `retest_ordered`: a new sample may be taken on this loop; only results of samples taken after
 *    the resolution count, and only they can clear the loop, close it or give a receipt. A positive
 *    retest opens a new alert.
 *  - `closed_by_coordinator`: the loop is closed now; it never gives a receipt.
 *  - `handled_off_loop`: the case is handled elsewhere (health authorities, isolation); the alert
 *    is resolved, the positive stands: the loop never clears by itself nor gives a receipt.
 */
export const POSITIVE_OUTCOMES = [
  'retest_ordered',
  'closed_by_coordinator',
  'handled_off_loop',
] as const
export type PositiveOutcome = (typeof POSITIVE_OUTCOMES)[number]

export const isPositiveAlert = (kind: string) =>
  kind === 'pcr_positive' || kind === 'antigen_positive'

export type ResolutionPlan =
  | { ok: true; event: CoordinatorEventKind | null }
  | { ok: false; status: 400 | 409; code: string; message: string }

/** What resolving `alert` with `outcome` does to its loop, given the loop's facts now. */
export function planResolution(
  alert: { kind: AlertKind | string; round: number },
  outcome: PositiveOutcome | undefined,
  loop: { facts: LoopFacts; closed: boolean },
): ResolutionPlan {
  if (!isPositiveAlert(alert.kind)) {
    if (outcome)
      return {
        ok: false,
        status: 400,
        code: 'outcome_not_applicable',
        message: 'only a positive result’s alert takes an outcome',
      }
    return { ok: true, event: null }
  }
  if (!outcome) {
    return {
      ok: false,
      status: 400,
      code: 'outcome_required',
      message: `say what the resolution allows: ${POSITIVE_OUTCOMES.join(', ')}`,
    }
  }
  if (outcome === 'handled_off_loop') return { ok: true, event: null }
  if (loop.closed)
    return {
      ok: false,
      status: 409,
      code: 'loop_closed',
      message: 'the loop is already closed; resolve with handled_off_loop',
    }
  if (outcome === 'closed_by_coordinator') return { ok: true, event: 'coordinator_closed' }
  // A retest settles the positive result that stands now, of this alert's round.
  if (!positiveStands(loop.facts) || loop.facts.round !== alert.round) {
    return {
      ok: false,
      status: 409,
      code: 'nothing_to_retest',
      message:
        'this alert’s positive result no longer stands on the loop; resolve with handled_off_loop',
    }
  }
  return { ok: true, event: 'retest_ordered' }
}
