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

/** Reasons that are about the pass itself; the rest (`loop_open`) are about this entry. */
const ENTRY_REASONS: readonly VerdictReason[] = ['loop_open']

/**
 * Shown beside the verdict, never a reason: staff see it, the truck is not held for it.
 * `trust_data_old` / `trust_data_stale`: the keys or revocation list behind the verdict are past
 * TRUST_WARN_AGE / TRUST_MAX_AGE (trust/trust-age.ts).
 */
export const SCAN_WARNINGS = ['manual_loop_open', 'trust_data_old', 'trust_data_stale'] as const
export type ScanWarning = (typeof SCAN_WARNINGS)[number]

export const ACTIONS = ['release', 'sample_then_release', 'control_on_site'] as const
export type Action = (typeof ACTIONS)[number]

/**
 * What is known about a scan. A fact left undefined is unknown and gives no reason: the server
 * leaves another issuer's whitelist unset (and its pass status, unless its list marks the pass
 * revoked), and the offline scan page
 * (src/ui/client/verify-offline.ts, which bundles this module) everything that needs the database.
 */
export interface ScanFacts {
  /** Why the token itself failed, if it did; nothing else is known then. */
  tokenProblem?: 'malformed' | 'bad_signature' | 'unknown_key'
  window?: 'valid' | 'not_yet_valid' | 'expired'
  /**
   * The pass as this deployment knows it. Another issuer's pass: `revoked` when its serial is set
   * in that issuer's status list held here (which has one bit for revoked or superseded), else
   * undefined.
   */
  passStatus?: 'active' | 'revoked' | 'superseded'
  /** The applicant's whitelist state is active; undefined when unknown (another issuer's pass). */
  enterpriseWhitelisted?: boolean
  /** The plate staff saw, normalised, if they entered one. */
  observedPlate?: string | null
  passPlate?: string
  /** An entry checkpoint and the vehicle already has an open loop of a pass. */
  loopAlreadyOpen?: boolean
  /**
   * The vehicle has a loop opened by hand, with no pass: it never holds a pass (one checkpoint's
   * manual entry must not block a truck everywhere), it warns.
   */
  manualLoopOpen?: boolean
  /** A negative result under 48 h is known (a valid receipt, or one recorded in the loop). */
  recentNegative?: boolean
  /**
   * How old the revocation data behind `passStatus` is (trust/trust-age.ts): `old` warns; `stale`
   * also never lets the action be `release` (a revocation may be missing), and never turns a
   * truck back either. Undefined: the data is current (this deployment's own database).
   */
  trustFreshness?: 'fresh' | 'old' | 'stale'
}

export interface Verdict {
  verdict: 'valid' | 'invalid'
  /** The pass itself, apart from this entry: a valid pass meeting an open loop is still `valid`. */
  passStatus: 'valid' | 'invalid'
  reasons: VerdictReason[]
  action: Action
  warnings: ScanWarning[]
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
    if (facts.observedPlate && facts.passPlate && facts.observedPlate !== facts.passPlate)
      reasons.push('plate_mismatch')
    if (facts.loopAlreadyOpen) reasons.push('loop_open')
  }
  const warnings: ScanWarning[] =
    facts.manualLoopOpen && !facts.tokenProblem ? ['manual_loop_open'] : []
  if (facts.trustFreshness === 'old') warnings.push('trust_data_old')
  if (facts.trustFreshness === 'stale') warnings.push('trust_data_stale')
  const passStatus = passStatusOf(reasons)
  if (reasons.length > 0)
    return { verdict: 'invalid', passStatus, reasons, action: 'control_on_site', warnings }
  return {
    verdict: 'valid',
    passStatus,
    reasons,
    // On stale data a revocation may be missing: sample, whatever receipt or result is shown.
    action:
      facts.recentNegative && facts.trustFreshness !== 'stale' ? 'release' : 'sample_then_release',
    warnings,
  }
}

/**
 * Whether the pass itself holds (signature, window, revocation, supersession, whitelist, plate),
 * whatever the entry decision: only reasons about this entry leave it `valid`.
 */
export function passStatusOf(reasons: readonly VerdictReason[]): 'valid' | 'invalid' {
  return reasons.every((r) => ENTRY_REASONS.includes(r)) ? 'valid' : 'invalid'
}
