import type { Config } from '../config.ts'

/** Failures counted in the window before this attempt (this attempt itself not included). */
export interface AttemptPosition {
  accountFailures: number
  addressFailures: number
}

type ThrottleConfig = Pick<
  Config,
  | 'LOGIN_SLOW_AFTER'
  | 'LOGIN_SLOWDOWN_STEP_MS'
  | 'LOGIN_MAX_DELAY_MS'
  | 'LOGIN_ADDRESS_LOCK_AFTER'
  | 'LOGIN_WINDOW_MINUTES'
>

/**
 * How far behind the account's previous attempt this one is placed. Up to LOGIN_SLOW_AFTER
 * earlier failures of the account cost nothing; each one more doubles the spacing, from
 * LOGIN_SLOWDOWN_STEP_MS up to LOGIN_MAX_DELAY_MS. The right password is placed like a wrong one
 * (or the timing would tell).
 */
export function signInDelayMs(position: AttemptPosition, config: ThrottleConfig): number {
  const beyond = position.accountFailures - config.LOGIN_SLOW_AFTER
  if (beyond < 0) return 0
  return Math.min(
    config.LOGIN_MAX_DELAY_MS,
    config.LOGIN_SLOWDOWN_STEP_MS * 2 ** Math.min(beyond, 30),
  )
}

/**
 * `signInDelayMs` as the positions where it changes, ascending; the last one holds from there on.
 * The database places attempts (it must, to do it atomically on D1), and a short table of
 * thresholds is how it gets the same rule.
 */
export function delaySteps(config: ThrottleConfig): { from: number; ms: number }[] {
  const steps = [{ from: 0, ms: 0 }]
  for (let from = config.LOGIN_SLOW_AFTER; steps.length <= 32; from++) {
    const ms = signInDelayMs({ accountFailures: from, addressFailures: 0 }, config)
    if (ms === steps.at(-1)!.ms) break
    steps.push({ from, ms })
    if (ms >= config.LOGIN_MAX_DELAY_MS) break
  }
  return steps
}

/**
 * From LOGIN_ADDRESS_LOCK_AFTER failures in the window on, an address is refused (429) before
 * any password is looked at, so the answer is the same whatever the password: it cannot tell a
 * guesser which guess was right. The limit is per address, so a flood from one address shuts out
 * that address only; behind a reverse proxy TRUST_PROXY makes the address the client's, not the
 * proxy's (which everyone shares).
 */
export function addressOverLimit(position: AttemptPosition, config: ThrottleConfig): boolean {
  return position.addressFailures >= config.LOGIN_ADDRESS_LOCK_AFTER
}

/**
 * An attempt whose slot lies further ahead than LOGIN_MAX_DELAY_MS is refused rather than held:
 * holding every parallel guess would let them all through at once when their waits ran out.
 */
export function slotTooFar(slotMs: number, nowMs: number, config: ThrottleConfig): boolean {
  return slotMs - nowMs > config.LOGIN_MAX_DELAY_MS
}

/** What the database knew when it refused an attempt (see `claimSlot` in sign-in.ts). */
export interface RefusedAttempt {
  addressFailures: number
  addressOldestMs: number
  slotMs: number
}

export type Refusal = { reason: 'address_limit' | 'account_busy'; retryAfterSeconds: number }

/**
 * Why an attempt was refused and when to come back: the address when its oldest failure leaves
 * the window; the account when the slot it asked for comes within LOGIN_MAX_DELAY_MS.
 */
export function refusalOf(refused: RefusedAttempt, nowMs: number, config: ThrottleConfig): Refusal {
  if (addressOverLimit({ accountFailures: 0, addressFailures: refused.addressFailures }, config)) {
    // The window includes its first instant: the oldest failure is gone only after it.
    const leavesWindowMs = refused.addressOldestMs + config.LOGIN_WINDOW_MINUTES * 60_000 - nowMs
    return {
      reason: 'address_limit',
      retryAfterSeconds: Math.max(1, Math.floor(leavesWindowMs / 1000) + 1),
    }
  }
  const withinReachMs = refused.slotMs - config.LOGIN_MAX_DELAY_MS - nowMs
  return { reason: 'account_busy', retryAfterSeconds: Math.max(1, Math.ceil(withinReachMs / 1000)) }
}
