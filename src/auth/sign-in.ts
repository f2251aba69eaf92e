import type { Deps } from '../http/env.ts'
import { ApiError, unauthorized } from '../http/errors.ts'
import { findAccountByUsername } from './accounts.repository.ts'
import { issueLoginToken } from './login-token.ts'
import { UNKNOWN_USER_HASH, verifyPassword } from './password.ts'
import { keyedDigest } from '../privacy/personal-data.ts'

const MINUTE = 60_000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * Checks a username and password and issues a login token; the API and the web sign-in share it.
 * Guessing is slowed, then refused: failures are counted per account and per client address over
 * a window; past LOGIN_SLOW_AFTER each try waits a little longer, past LOGIN_LOCK_AFTER (or the
 * address limit) it answers 429 until the window has passed. Failures live in the database, so
 * every process and Workers isolate sees the same count.
 */
export async function signIn(deps: Deps, username: string, password: string, address = 'unknown') {
  const { config, store } = deps
  const db = store.db
  const now = deps.clock()
  const since = new Date(now.getTime() - config.LOGIN_WINDOW_MINUTES * MINUTE).toISOString()
  const accountKey = await keyedDigest(config.TOKEN_SECRET, username.toLowerCase())
  const [byUser, byAddress] = await Promise.all([
    db.selectFrom('login_failures').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('at').as('last')]).where('account_key', '=', accountKey).where('at', '>=', since).executeTakeFirstOrThrow(),
    db.selectFrom('login_failures').select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('at').as('last')]).where('address', '=', address).where('at', '>=', since).executeTakeFirstOrThrow(),
  ])
  const userFailures = Number(byUser.n)
  const locked = userFailures >= config.LOGIN_LOCK_AFTER ? byUser.last : Number(byAddress.n) >= config.LOGIN_ADDRESS_LOCK_AFTER ? byAddress.last : null
  if (locked) {
    const retryAfter = Math.max(1, Math.ceil((Date.parse(String(locked)) + config.LOGIN_WINDOW_MINUTES * MINUTE - now.getTime()) / 1000))
    throw new ApiError(429, 'too_many_attempts', `too many failed sign-ins; try again in ${Math.ceil(retryAfter / 60)} minutes`, { retry_after_seconds: retryAfter }, { 'retry-after': String(retryAfter) })
  }
  if (userFailures >= config.LOGIN_SLOW_AFTER) {
    await sleep(Math.min(5000, (userFailures - config.LOGIN_SLOW_AFTER + 1) * config.LOGIN_SLOWDOWN_STEP_MS))
  }

  const account = await findAccountByUsername(db, username)
  // Same work whether or not the user exists, so timing does not reveal usernames.
  const matches = await verifyPassword(password, account?.password_hash ?? UNKNOWN_USER_HASH)
  if (!account || !matches) {
    await db.insertInto('login_failures').values({ account_key: accountKey, address, at: now.toISOString() }).execute()
    throw unauthorized('invalid_credentials', 'wrong username or password')
  }
  if (account.disabled) throw unauthorized('account_disabled', 'this account is disabled')
  await db.deleteFrom('login_failures').where('account_key', '=', accountKey).execute()
  const { token, expiresAt } = await issueLoginToken(config.TOKEN_SECRET, { sub: account.id, role: account.role }, now, config.LOGIN_TOKEN_TTL_SECONDS)
  return { token, role: account.role, expiresAt }
}

/** Forgets failures older than a day (run by the sweep). */
export async function pruneLoginFailures(deps: Deps) {
  const before = new Date(deps.clock().getTime() - 24 * 60 * MINUTE).toISOString()
  await deps.store.db.deleteFrom('login_failures').where('at', '<', before).execute()
}

