import { SignJWT, jwtVerify, errors } from 'jose'
import type { Role } from './accounts.table.ts'

// Login tokens are HS256 JWTs with an audience of their own, so a pass token (EdDSA, another
// audience) can never be used to sign in and a login token is never a pass.
const AUDIENCE = 'tongxing:api'
const ISSUER = 'tongxing'
const encoder = new TextEncoder()

export interface LoginClaims {
  sub: string
  role: Role
  /** The account's token version when the token was issued (schema/0014_token_version.sql); 0 if not given. */
  ver?: number
}

export async function issueLoginToken(
  secret: string,
  claims: LoginClaims,
  now: Date,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now.getTime() / 1000)
  const expiresAt = new Date((issuedAt + ttlSeconds) * 1000)
  const token = await new SignJWT({ role: claims.role, ver: claims.ver ?? 0 })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(encoder.encode(secret))
  return { token, expiresAt }
}

// Per secret, so a token is only ever remembered as valid under the secret that verified it.
const verifiedBySecret = new Map<
  string,
  Map<string, { accountId: string; version: number; exp: number }>
>()
const CACHE_LIMIT = 10_000

/**
 * The account id and token version the token names, or why it was refused. A token that verified once is
 * remembered until it expires (the account itself is still read on every request), so the
 * signature is not recomputed on each call of a busy checkpoint.
 */
export async function verifyLoginToken(secret: string, token: string, now: Date) {
  let verified = verifiedBySecret.get(secret)
  if (!verified) verifiedBySecret.set(secret, (verified = new Map()))
  const known = verified.get(token)
  if (known) {
    if (now.getTime() < known.exp * 1000)
      return { ok: true as const, accountId: known.accountId, version: known.version }
    verified.delete(token)
  }
  const result = await verifyLoginTokenUncached(secret, token, now)
  if (result.ok) {
    if (verified.size >= CACHE_LIMIT) verified.delete(verified.keys().next().value!)
    verified.set(token, { accountId: result.accountId, version: result.version, exp: result.exp })
  }
  return result.ok
    ? { ok: true as const, accountId: result.accountId, version: result.version }
    : result
}

async function verifyLoginTokenUncached(
  secret: string,
  token: string,
  now: Date,
): Promise<
  | { ok: true; accountId: string; version: number; exp: number }
  | { ok: false; reason: 'expired' | 'invalid' }
> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      audience: AUDIENCE,
      issuer: ISSUER,
      currentDate: now,
    })
    if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number')
      return { ok: false, reason: 'invalid' }
    // Tokens issued before versions existed carry none: they count as version 0.
    const version = payload.ver ?? 0
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 0)
      return { ok: false, reason: 'invalid' }
    return { ok: true, accountId: payload.sub, version, exp: payload.exp }
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' }
  }
}
