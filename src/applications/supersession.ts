import { conflict } from '../http/errors.ts'

/**
 * Which passes a new pass replaces (一车一证一线路), decided without I/O.
 *
 * The rule: at any moment a plate holds at most one valid pass. A new pass replaces the plate's
 * active, unexpired passes whose windows overlap its own — and only if it starts now (within the
 * clock skew). A new pass that starts later and overlaps a current pass is refused instead of
 * replacing it early, which would leave the truck without a valid pass until the new one starts;
 * one that starts after the current pass ends lives beside it and replaces nothing. A pass of
 * another enterprise is replaced only when the coordinator confirms it explicitly.
 */

/** An active pass of the plate, as far as the rule needs it. Times are ISO strings. */
export interface HeldPass {
  number: string
  enterprise_id: string
  valid_from: string
  valid_until: string
}

export interface SupersessionFacts {
  enterpriseId: string
  validFrom: Date
  validUntil: Date
  now: Date
  skewMs: number
  /** The coordinator confirmed that other enterprises' passes may be superseded. */
  confirmOtherFirm: boolean
  /** The plate's passes whose stored status is `active`, the new one excluded. */
  held: readonly HeldPass[]
}

export type SupersessionProblem =
  | { code: 'plate_held_by_other_firm'; passes: HeldPass[] }
  | { code: 'overlaps_current_pass'; passes: HeldPass[] }

export type SupersessionPlan =
  | { problem: SupersessionProblem }
  | { problem: null; startsNow: boolean; supersede: HeldPass[]; otherFirms: HeldPass[] }

const time = (iso: string) => new Date(iso).getTime()

/** The windows [from, until) share a moment; a pass that ends as the next one starts does not. */
export function windowsOverlap(
  a: { from: number; until: number },
  b: { from: number; until: number },
): boolean {
  return a.from < b.until && b.from < a.until
}

export function planSupersession(facts: SupersessionFacts): SupersessionPlan {
  const now = facts.now.getTime()
  const window = { from: facts.validFrom.getTime(), until: facts.validUntil.getTime() }
  const current = facts.held.filter(
    (p) =>
      time(p.valid_until) > now &&
      windowsOverlap(window, { from: time(p.valid_from), until: time(p.valid_until) }),
  )
  const otherFirms = current.filter((p) => p.enterprise_id !== facts.enterpriseId)
  if (otherFirms.length > 0 && !facts.confirmOtherFirm)
    return { problem: { code: 'plate_held_by_other_firm', passes: otherFirms } }
  const startsNow = window.from <= now + facts.skewMs
  if (!startsNow && current.length > 0)
    return { problem: { code: 'overlaps_current_pass', passes: current } }
  return { problem: null, startsNow, supersede: current, otherFirms }
}

const heldView = (p: HeldPass) => ({
  pass_number: p.number,
  enterprise_id: p.enterprise_id,
  valid_from: p.valid_from,
  valid_until: p.valid_until,
})

/**
 * The refusal for a supersession problem. `plate_held_by_other_firm` names the other firm's pass:
 * only coordinators approve, so only they ever see it; the applicant learns nothing of it.
 */
export function supersessionConflict(problem: SupersessionProblem) {
  if (problem.code === 'plate_held_by_other_firm') {
    return conflict(
      problem.code,
      'another enterprise holds a valid pass for this plate; approve with confirm_other_firm and a note to supersede it, or reject',
      problem.passes.map(heldView),
    )
  }
  const ends = problem.passes
    .map((p) => p.valid_until)
    .sort()
    .at(-1)
  return conflict(
    problem.code,
    `the new pass starts later but overlaps the vehicle’s current pass (valid until ${ends}): start it when the current pass ends, or now`,
    problem.passes.map(heldView),
  )
}
