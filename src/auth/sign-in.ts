import { sql } from 'kysely'
import type { Deps } from '../http/env.ts'
import { ApiError, unauthorized } from '../http/errors.ts'
import { findAccountByUsername } from './accounts.repository.ts'
import type { AccountRow } from './accounts.table.ts'
import { issueLoginToken } from './login-token.ts'
import { UNKNOWN_USER_HASH, verifyPassword } from './password.ts'
import { addressOverLimit, signInDelayMs, type AttemptPosition } from './sign-in-throttle.ts'
import { keyedDigest } from '../privacy/personal-data.ts'

const MINUTE = 60_000
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Checks a username and password and issues a login token; the API and the web sign-in share it.
 * Throttled by `checkPasswordThrottled`: the right password is slowed at worst, never refused.
 */
export async function signIn(deps: Deps, username: string, password: string, address = 'unknown') {
  const account = await checkPasswordThrottled(deps, username, password, address)
  if (!account) throw unauthorized('invalid_credentials', 'wrong username or password')
  if (account.disabled) throw unauthorized('account_disabled', 'this account is disabled')
  return issueTokenFor(deps, account)
}

/** A login token for `account` at its current token version. */
export async function issueTokenFor(deps: Deps, account: Pick<AccountRow, 'id' | 'role' | 'token_version'>) {
  const claims = { sub: account.id, role: account.role, ver: account.token_version }
  const { token, expiresAt } = await issueLoginToken(deps.config.TOKEN_SECRET, claims, deps.clock(), deps.config.LOGIN_TOKEN_TTL_SECONDS)
  return { token, role: account.role, expiresAt }
}

/**
 * One password check, throttled per account and per address (sign-in and password change).
 * The attempt is counted BEFORE the password is checked, in one atomic write that also reads the
 * counts, so parallel guesses each get their own place in the line and the delay of that place
 * (counting after the check let N parallel guesses all see the same count). The delay is taken
 * before the check, so no answer comes sooner. The right password takes its count back and clears
 * the account's failures. Failures live in the database: every process and isolate sees them.
 * Answers the account when the password is right, null when it is not (or the user is unknown),
 * or throws 429 for a wrong password from an address past its limit.
 */
export async function checkPasswordThrottled(deps: Deps, username: string, password: string, address: string) {
  const { config, store } = deps
  const now = deps.clock()
  const accountKey = await keyedDigest(config.TOKEN_SECRET, username.toLowerCase())
  const { position, addressOldest } = await countAttempt(deps, accountKey, address, now)
  const delay = signInDelayMs(position, config)
  if (delay > 0) await (deps.sleep ?? realSleep)(delay)

  const account = await findAccountByUsername(store.db, username)
  // Same work whether or not the user exists, so timing does not reveal usernames.
  const matches = await verifyPassword(password, account?.password_hash ?? UNKNOWN_USER_HASH)
  if (account && matches) {
    await store.atomic([store.db.deleteFrom('login_failures').where('account_key', '=', accountKey)])
    return account
  }
  if (addressOverLimit(position, config)) {
    const windowEnds = Date.parse(addressOldest ?? now.toISOString()) + config.LOGIN_WINDOW_MINUTES * MINUTE
    const retryAfter = Math.max(1, Math.ceil((windowEnds - now.getTime()) / 1000))
    throw new ApiError(
      429,
      'too_many_attempts',
      `too many failed sign-ins from your network; try again in ${Math.ceil(retryAfter / 60)} minutes (the right password still works)`,
      { retry_after_seconds: retryAfter },
      { 'retry-after': String(retryAfter) },
    )
  }
  return null
}

/** Records the attempt as a failure and reads the counts before it, in one transaction. */
async function countAttempt(deps: Deps, accountKey: string, address: string, now: Date) {
  const { store, config } = deps
  const since = new Date(now.getTime() - config.LOGIN_WINDOW_MINUTES * MINUTE).toISOString()
  const [, counted] = await store.atomic([
    store.db.insertInto('login_failures').values({ account_key: accountKey, address, at: now.toISOString() }),
    sql`SELECT
        (SELECT count(*) FROM login_failures WHERE account_key = ${accountKey} AND at >= ${since}) AS by_account,
        (SELECT count(*) FROM login_failures WHERE address = ${address} AND at >= ${since}) AS by_address,
        (SELECT min(at) FROM login_failures WHERE address = ${address} AND at >= ${since}) AS address_oldest`.compile(store.db),
  ])
  const row = counted.rows[0] as { by_account: number; by_address: number; address_oldest: string | null }
  // The counts include this attempt's own row.
  const position: AttemptPosition = { accountFailures: Number(row.by_account) - 1, addressFailures: Number(row.by_address) - 1 }
  return { position, addressOldest: row.address_oldest }
}

/** Forgets failures older than a day (run by the sweep). */
export async function pruneLoginFailures(deps: Deps) {
  const before = new Date(deps.clock().getTime() - 24 * 60 * MINUTE).toISOString()
  await deps.store.db.deleteFrom('login_failures').where('at', '<', before).execute()
}
