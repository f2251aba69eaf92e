import type { MiddlewareHandler } from 'hono'
import { getCookie } from 'hono/cookie'
import type { Role } from './accounts.table.ts'
import type { AppEnv, Deps } from '../app-env.ts'
import { ApiError, forbidden, unauthorized } from '../http/errors.ts'
import { verifyLoginToken } from './login-token.ts'
import { findAccountById, toPrincipal } from './accounts.repository.ts'
import { hasRole } from './principal.ts'
import { requestOrigin } from './request-origin.ts'

/** The web pages keep the sign-in token in this HttpOnly, SameSite=Strict cookie. */
export const SESSION_COOKIE = 'tx_session'
/**
 * Cookie-signed writes must carry this header, which another site cannot send (CSRF), unless the
 * browser's `Sec-Fetch-Site` (or `Origin`, `Referer`) shows the request came from our own pages,
 * as plain HTML forms (sign-out, password change) do. A write from another origin is refused
 * even with the header.
 */
export const CSRF_HEADER = 'x-tongxing-csrf'
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Reads the bearer token (or the web pages' session cookie), if any, and sets `principal`. The account is read on every request so a
 * disabled account is refused at once, not when its token expires. A bad token is not refused
 * here but remembered: public routes (sign-in) still work for a client sending a stale token,
 * and `allow` refuses it with the precise reason.
 */
export function authenticate(deps: Deps): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    c.set('principal', null)
    c.set('authProblem', null)
    let header = c.req.header('authorization')
    const cookie = header === undefined ? getCookie(c, SESSION_COOKIE) : undefined
    if (cookie) {
      const problem = SAFE_METHODS.has(c.req.method)
        ? null
        : cookieWriteProblem(requestOrigin(deps, c), c.req.header(CSRF_HEADER))
      if (problem) {
        c.set('authProblem', problem)
        return next()
      }
      header = `Bearer ${cookie}`
    }
    if (header !== undefined) {
      try {
        c.set('principal', await principalFor(deps, header))
      } catch (error) {
        if (!(error instanceof ApiError)) throw error
        c.set('authProblem', error)
      }
    }
    await next()
  }
}

function cookieWriteProblem(
  origin: ReturnType<typeof requestOrigin>,
  csrfHeader: string | undefined,
) {
  if (origin === 'cross')
    return new ApiError(403, 'cross_origin', 'a signed-in write from another site is refused')
  if (origin === 'same' || csrfHeader === '1') return null
  return new ApiError(403, 'csrf', `a cookie-signed write needs the ${CSRF_HEADER} header`)
}

async function principalFor(deps: Deps, header: string) {
  const match = /^Bearer\s+(\S+)$/i.exec(header)
  if (!match) throw unauthorized('invalid_token', 'Authorization must be "Bearer <token>"')
  const verified = await verifyLoginToken(deps.config.TOKEN_SECRET, match[1], deps.clock())
  if (!verified.ok) {
    throw verified.reason === 'expired'
      ? unauthorized('token_expired', 'your sign-in has expired; sign in again')
      : unauthorized('invalid_token', 'the token is not valid')
  }
  const account = await findAccountById(deps.store.db, verified.accountId)
  if (!account) throw unauthorized('invalid_token', 'the account no longer exists')
  if (account.disabled) throw unauthorized('account_disabled', 'this account is disabled')
  // The row is read on every request anyway; its token version revokes tokens from before a
  // sign-out or a password change at no extra cost.
  if (verified.version < account.token_version)
    throw unauthorized('token_revoked', 'you signed out or your password changed; sign in again')
  return toPrincipal(account)
}

/** Lets the request through only for a signed-in account with one of `roles` (admin counts as coordinator). */
export function allow(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async function allow(c, next) {
    const principal = c.get('principal')
    if (!principal) throw c.get('authProblem') ?? unauthorized()
    if (!roles.some((role) => hasRole(principal, role))) throw forbidden()
    await next()
  }
}

/** Any signed-in account. */
export const signedIn = () => allow('admin', 'coordinator', 'enterprise', 'checkpoint')
