import type { Context } from 'hono'
import type { Config } from '../config.ts'
import type { Store } from '../db/store.ts'
import type { Principal } from '../auth/principal.ts'
import type { ApiError } from './errors.ts'
import type { SignatureCheck } from '../passes/pass-token.ts'

/** What `createApp` is given: the runtime-specific pieces, built by `node.ts` or `worker.ts`. */
export interface Deps {
  store: Store
  config: Config
  /** The service's notion of now; tests pass a controllable clock. */
  clock: () => Date
  /** The client's network address, for sign-in throttling; each runtime knows where to find it. */
  clientAddress?: (c: Context) => string
  /** A synchronous SHA-256 (hex) where the runtime has one; the audit chain falls back to WebCrypto. */
  sha256Hex?: (text: string) => string
  /**
   * An Ed25519 signature check where the runtime has one cheaper than WebCrypto's (on Node,
   * node:crypto's verify on libuv's pool: a tenth of WebCrypto's work on the main thread).
   */
  verifyEd25519?: SignatureCheck
}

export type AppEnv = {
  Variables: {
    requestId: string
    principal: Principal | null
    /** Why the bearer token was refused, if one was sent and it was. */
    authProblem: ApiError | null
  }
}
