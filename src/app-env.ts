import type { Context } from 'hono'
import type { Config } from './config.ts'
import type { Store } from './db/store.ts'
import type { Principal } from './auth/principal.ts'
import type { ApiError } from './http/errors.ts'
import type { SignatureCheck } from './trust/jws.ts'
import type { AuditAnchor } from './audit/anchor.ts'

/** What `createApp` is given: the runtime-specific pieces, built by `node.ts` or `worker.ts`. */
export interface Deps {
  store: Store
  config: Config
  /** The service's notion of now; tests pass a controllable clock. */
  clock: () => Date
  /**
   * The address of the peer that connected (the socket on Node, `CF-Connecting-IP` on Workers),
   * for sign-in throttling; with TRUST_PROXY the app reads `X-Forwarded-For` on top of it.
   */
  clientAddress?: (c: Context) => string
  /** Waits `ms`; sign-in delays go through it, so tests assert the delay decided, not wall time. */
  sleep?: (ms: number) => Promise<void>
  /** A synchronous SHA-256 (hex) where the runtime has one; the audit chain falls back to WebCrypto. */
  sha256Hex?: (text: string) => string
  /**
   * An Ed25519 signature check where the runtime has one cheaper than WebCrypto's (on Node,
   * node:crypto's verify on libuv's pool: a tenth of WebCrypto's work on the main thread).
   */
  verifyEd25519?: SignatureCheck
  /** Where signed audit heads are kept outside the database (Node: a file beside it; Workers: none yet). */
  auditAnchor?: AuditAnchor
  /** How other issuers' JWKS and status lists are fetched (trust/refresh-issuers.ts); tests pass a fake. */
  fetch?: typeof fetch
}

/**
 * The scanner device a request came from (devices/device-check.ts), as scans and loop events
 * record it. Here rather than in devices/, so the features that record it need not import that
 * folder (which reads theirs).
 */
export interface DeviceUse {
  id: string
  /** Why the upload is kept but needs a coordinator's look; null for a device in good standing. */
  review: DeviceReview | null
}
/** `signed_before_revocation`: signed by the device before it was revoked, received after. */
export type DeviceReview = 'signed_before_revocation'

export type AppEnv = {
  Variables: {
    requestId: string
    principal: Principal | null
    /** Why the bearer token was refused, if one was sent and it was. */
    authProblem: ApiError | null
    /** The enrolled scanner device that signed the request, if one did (devices/device-check.ts). */
    device: DeviceUse | null
  }
}
