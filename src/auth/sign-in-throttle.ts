import type { Config } from '../config.ts'

/** Failures counted in the window before this attempt (this attempt itself not included). */
export interface AttemptPosition {
  accountFailures: number
  addressFailures: number
}

type ThrottleConfig = Pick<Config, 'LOGIN_SLOW_AFTER' | 'LOGIN_SLOWDOWN_STEP_MS' | 'LOGIN_MAX_DELAY_MS' | 'LOGIN_ADDRESS_LOCK_AFTER'>

/**
 * How long this attempt waits before its password is checked. Up to LOGIN_SLOW_AFTER earlier
 * failures of the account cost nothing; each one more doubles the wait, from
 * LOGIN_SLOWDOWN_STEP_MS up to LOGIN_MAX_DELAY_MS. The right password waits like a wrong one (or
 * the timing would tell), but is never refused: a guesser can slow an account, not lock it.
 */
export function signInDelayMs(position: AttemptPosition, config: ThrottleConfig): number {
  const beyond = position.accountFailures - config.LOGIN_SLOW_AFTER
  if (beyond < 0) return 0
  return Math.min(config.LOGIN_MAX_DELAY_MS, config.LOGIN_SLOWDOWN_STEP_MS * 2 ** Math.min(beyond, 30))
}

/**
 * Past LOGIN_ADDRESS_LOCK_AFTER failures from one address, a wrong password (or unknown user)
 * from it answers 429 instead of 401. It applies only to wrong passwords: the right password of a
 * real user who shares that address (an office network, a proxy without TRUST_PROXY) still
 * signs in, so a flood from one address cannot lock everyone behind it out.
 */
export function addressOverLimit(position: AttemptPosition, config: ThrottleConfig): boolean {
  return position.addressFailures >= config.LOGIN_ADDRESS_LOCK_AFTER
}
