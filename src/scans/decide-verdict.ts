/**
 * The checkpoint's decision, as one pure function. Reasons are checked in a fixed order and all
 * that apply are returned, so staff see everything wrong at once. No truck is ever turned back:
 * any blocking reason means `control_on_site` (escort to a transfer station).
 */
export const VERDICT_REASONS = [
  'malformed',
  'bad_signature',
  'unknown_key',
  'not_yet_valid',
  'expired',
  'revoked',
  'superseded',
  'enterprise_not_whitelisted',
  'plate_mismatch',
  'loop_open',
] as const
export type VerdictReason = (typeof VERDICT_REASONS)[number]

export const ACTIONS = ['release', 'sample_then_release', 'control_on_site'] as const
export type Action = (typeof ACTIONS)[number]

export interface ScanFacts {
  /** Why the token itself failed, if it did; nothing else is known then. */
  tokenProblem?: 'malformed' | 'bad_signature' | 'unknown_key'
  window?: 'valid' | 'not_yet_valid' | 'expired'
  /** The pass as this deployment knows it; undefined for another issuer's pass. */
  passStatus?: 'active' | 'revoked' | 'superseded'
  /** The applicant's whitelist state is active; undefined when unknown (another issuer's pass). */
  enterpriseWhitelisted?: boolean
  /** The plate staff saw, normalised, if they entered one. */
  observedPlate?: string | null
  passPlate?: string
  /** An entry checkpoint and the vehicle already has an open loop. */
  loopAlreadyOpen?: boolean
  /** A negative result under 48 h is known (a valid receipt, or one recorded in the loop). */
  recentNegative?: boolean
}

export interface Verdict {
  verdict: 'valid' | 'invalid'
  reasons: VerdictReason[]
  action: Action
}

export function decideVerdict(facts: ScanFacts): Verdict {
  const reasons: VerdictReason[] = []
  if (facts.tokenProblem) {
    reasons.push(facts.tokenProblem)
  } else {
    if (facts.window === 'not_yet_valid') reasons.push('not_yet_valid')
    if (facts.window === 'expired') reasons.push('expired')
    if (facts.passStatus === 'revoked') reasons.push('revoked')
    if (facts.passStatus === 'superseded') reasons.push('superseded')
    if (facts.enterpriseWhitelisted === false) reasons.push('enterprise_not_whitelisted')
    if (facts.observedPlate && facts.passPlate && facts.observedPlate !== facts.passPlate) reasons.push('plate_mismatch')
    if (facts.loopAlreadyOpen) reasons.push('loop_open')
  }
  if (reasons.length > 0) return { verdict: 'invalid', reasons, action: 'control_on_site' }
  return { verdict: 'valid', reasons, action: facts.recentNegative ? 'release' : 'sample_then_release' }
}
