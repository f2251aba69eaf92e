import type { Deps } from '../http/env.ts'
import { unauthorized } from '../http/errors.ts'
import { findAccountByUsername } from './accounts.repository.ts'
import { issueLoginToken } from './login-token.ts'
import { UNKNOWN_USER_HASH, verifyPassword } from './password.ts'

/** Checks a username and password and issues a login token; the API and the web sign-in share it. */
export async function signIn(deps: Deps, username: string, password: string) {
  const account = await findAccountByUsername(deps.store.db, username)
  // Same work whether or not the user exists, so timing does not reveal usernames.
  const matches = await verifyPassword(password, account?.password_hash ?? UNKNOWN_USER_HASH)
  if (!account || !matches) throw unauthorized('invalid_credentials', 'wrong username or password')
  if (account.disabled) throw unauthorized('account_disabled', 'this account is disabled')
  const { token, expiresAt } = await issueLoginToken(
    deps.config.TOKEN_SECRET,
    { sub: account.id, role: account.role },
    deps.clock(),
    deps.config.LOGIN_TOKEN_TTL_SECONDS,
  )
  return { token, role: account.role, expiresAt }
}
