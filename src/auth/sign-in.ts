import { sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import { ApiError, unauthorized } from '../http/errors.ts'
import { findAccountByUsername } from './accounts.repository.ts'
import type { AccountRow } from './accounts.table.ts'
import { issueLoginToken } from './login-token.ts'
import { UNKNOWN_USER_HASH, verifyPassword } from './password.ts'
import { delaySteps, refusalOf, type Refusal, type RefusedAttempt } from './sign-in-throttle.ts'
import { keyedDigest } from '../privacy/personal-data.ts'

const MINUTE = 60_000
const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/**
 * Checks a username and password and issues a login token; the API and the web sign-in share it.
 * Throttled by `checkPasswordThrottled`: the right password can be held back or told to come
 * back (429 with Retry-After), never refused for good.
 */
export async function signIn(deps: Deps, username: string, password: string, address = 'unknown') {
  const account = await checkPasswordThrottled(deps, username, password, address)
  if (!account) throw unauthorized('invalid_credentials', 'wrong username or password')
  if (account.disabled) throw unauthorized('account_disabled', 'this account is disabled')
  return issueTokenFor(deps, account)
}

/** A login token for `account` at its current token version. */
export async function issueTokenFor(
  deps: Deps,
  account: Pick<AccountRow, 'id' | 'role' | 'token_version'>,
) {
  const claims = { sub: account.id, role: account.role, ver: account.token_version }
  const { token, expiresAt } = await issueLoginToken(
    deps.config.TOKEN_SECRET,
    claims,
    deps.clock(),
    deps.config.LOGIN_TOKEN_TTL_SECONDS,
  )
  return { token, role: account.role, expiresAt }
}

/**
 * One password check, throttled per account and per address (sign-in and password change).
 *
 * Each attempt first claims a time slot in its account's line, in one atomic write that counts it
 * (`claimSlot`): `slot = max(now, the line's last slot) + the delay of its position`. It then waits
 * for its slot and only then is its password checked. So the delay limits the RATE of checked
 * guesses, not just each request's latency: N parallel guesses get N successive slots, not N
 * overlapping waits. A slot further away than LOGIN_MAX_DELAY_MS is refused (429 with
 * Retry-After) instead of held, and so is any attempt from an address past its limit; both before
 * the password is looked at, so a 429 says nothing about the password. Refused attempts claim no
 * slot, so when a flood stops the right password waits at most about LOGIN_MAX_DELAY_MS: it is
 * delayed, never refused for good.
 *
 * The right password takes back its own slot (it was no failure) but leaves the account's earlier
 * failures to run out of the window: wiping them would hand a guesser its free attempts back
 * every time the holder signs in. The holder's sign-ins meanwhile wait like any attempt, at most
 * LOGIN_MAX_DELAY_MS each, and only until those failures are LOGIN_WINDOW_MINUTES old.
 *
 * Answers the account when the password is right, null when it is not (or the user is unknown);
 * throws 429 `too_many_attempts` when refused. Failures live in the database: every process and
 * isolate sees them.
 */
export async function checkPasswordThrottled(
  deps: Deps,
  username: string,
  password: string,
  address: string,
) {
  const { config, store } = deps
  const now = deps.clock()
  const accountKey = await keyedDigest(config.TOKEN_SECRET, username.toLowerCase())
  const place = await claimSlot(deps, accountKey, address, now)
  if ('refused' in place) throw tooManyAttempts(refusalOf(place.refused, now.getTime(), config))
  const wait = place.slotMs - now.getTime()
  if (wait > 0) await (deps.sleep ?? realSleep)(wait)

  const account = await findAccountByUsername(store.db, username)
  // Same work whether or not the user exists, so timing does not reveal usernames.
  const matches = await verifyPassword(password, account?.password_hash ?? UNKNOWN_USER_HASH)
  if (account && matches) {
    await store.atomic([store.db.deleteFrom('login_failures').where('id', '=', place.id)])
    return account
  }
  return null
}

function tooManyAttempts({ reason, retryAfterSeconds }: Refusal) {
  const message =
    reason === 'address_limit'
      ? `too many failed sign-ins from your network; try again in ${Math.ceil(retryAfterSeconds / 60)} minutes`
      : `too many sign-in attempts for this account just now; try again in ${retryAfterSeconds} seconds`
  return new ApiError(
    429,
    'too_many_attempts',
    message,
    {
      retry_after_seconds: retryAfterSeconds,
      limit: reason === 'address_limit' ? 'address' : 'account',
    },
    { 'retry-after': String(retryAfterSeconds) },
  )
}

type Placement = { id: number; slotMs: number } | { refused: RefusedAttempt }

/**
 * Counts the attempt and gives it its slot, or refuses it, in one atomic write: the first
 * statement reads the facts, the second inserts the attempt only if the same facts allow it
 * (address under its limit, slot within LOGIN_MAX_DELAY_MS: `addressOverLimit` and `slotTooFar`
 * in SQL). The attempt's `at` is its slot, the time its password is checked.
 */
async function claimSlot(
  deps: Deps,
  accountKey: string,
  address: string,
  now: Date,
): Promise<Placement> {
  const { store, config } = deps
  const since = new Date(now.getTime() - config.LOGIN_WINDOW_MINUTES * MINUTE).toISOString()
  const latest = new Date(now.getTime() + config.LOGIN_MAX_DELAY_MS).toISOString()
  const place = sql<{ slot: string; by_address: number; address_oldest: string | null }>`
    SELECT strftime('%Y-%m-%dT%H:%M:%fZ', line_end, ${delayModifier(config, sql.ref('by_account'))}) AS slot, by_address, address_oldest
    FROM (SELECT
      (SELECT count(*) FROM login_failures WHERE account_key = ${accountKey} AND at >= ${since}) AS by_account,
      (SELECT count(*) FROM login_failures WHERE address = ${address} AND at >= ${since}) AS by_address,
      (SELECT min(at) FROM login_failures WHERE address = ${address} AND at >= ${since}) AS address_oldest,
      max(${now.toISOString()}, coalesce((SELECT max(at) FROM login_failures WHERE account_key = ${accountKey}), '')) AS line_end)`
  const [facts, inserted] = await store.atomic([
    place.compile(store.db),
    sql`INSERT INTO login_failures (account_key, address, at)
      SELECT ${accountKey}, ${address}, slot FROM (${place})
      WHERE by_address < ${config.LOGIN_ADDRESS_LOCK_AFTER} AND slot <= ${latest}
      RETURNING id, at`.compile(store.db),
  ])
  const claimed = inserted.rows[0] as { id: number; at: string } | undefined
  if (claimed) return { id: Number(claimed.id), slotMs: Date.parse(claimed.at) }
  const row = facts.rows[0] as { slot: string; by_address: number; address_oldest: string | null }
  return {
    refused: {
      addressFailures: Number(row.by_address),
      addressOldestMs: row.address_oldest ? Date.parse(row.address_oldest) : now.getTime(),
      slotMs: Date.parse(row.slot),
    },
  }
}

/** `signInDelayMs` of the attempt's position as an SQLite date modifier ('+0.500 seconds'). */
function delayModifier(config: Deps['config'], position: ReturnType<typeof sql.ref>) {
  const seconds = (ms: number) => sql.lit(`+${(ms / 1000).toFixed(3)} seconds`)
  const steps = delaySteps(config).reverse()
  const whens = steps.map(
    (step) => sql`WHEN ${position} >= ${sql.lit(step.from)} THEN ${seconds(step.ms)}`,
  )
  return sql`CASE ${sql.join(whens, sql` `)} END`
}

/** Forgets failures older than a day (run by the sweep). */
export async function pruneLoginFailures(deps: Deps) {
  const before = new Date(deps.clock().getTime() - 24 * 60 * MINUTE).toISOString()
  await deps.store.db.deleteFrom('login_failures').where('at', '<', before).execute()
}
