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
}

export async function issueLoginToken(
  secret: string,
  claims: LoginClaims,
  now: Date,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now.getTime() / 1000)
  const expiresAt = new Date((issuedAt + ttlSeconds) * 1000)
  const token = await new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(encoder.encode(secret))
  return { token, expiresAt }
}

/** The account id the token names, or why it was refused. */
export async function verifyLoginToken(
  secret: string,
  token: string,
  now: Date,
): Promise<{ ok: true; accountId: string } | { ok: false; reason: 'expired' | 'invalid' }> {
  try {
    const { payload } = await jwtVerify(token, encoder.encode(secret), {
      algorithms: ['HS256'],
      audience: AUDIENCE,
      issuer: ISSUER,
      currentDate: now,
    })
    if (typeof payload.sub !== 'string') return { ok: false, reason: 'invalid' }
    return { ok: true, accountId: payload.sub }
  } catch (error) {
    return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' }
  }
}
