import type { ExecutionContext } from 'hono'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { openD1Store, type D1Database } from './db/d1-store.ts'
import { seedOnFirstUse, seedOnStart } from './demo/seed.ts'
import { sweepLoops } from './loops/sweep-loops.ts'
import { sealAudit } from './audit/chain.ts'
import { pruneLoginFailures } from './auth/sign-in.ts'
import { logRefreshFailures, refreshTrustedIssuers } from './trust/refresh-issuers.ts'
import type { Deps } from './app-env.ts'

// Workers entry: D1 binding and secrets from `env`. The app is built once per isolate; its start-up
// seed runs before the first request and again before the next one if it failed.
export interface Env {
  DB: D1Database
  [key: string]: unknown
}

/**
 * What the Worker gives `createApp`, from its bindings. The route tests build their Workers app
 * through this too (test/workers/support/test-app.d1.ts), with a clock they move.
 */
export function workerDeps(env: Env, clock: () => Date = () => new Date()): Deps {
  return {
    store: openD1Store(env.DB),
    config: loadConfig(env),
    clock,
    clientAddress: (c) => c.req.header('cf-connecting-ip') ?? 'unknown',
  }
}

let built:
  { app: ReturnType<typeof createApp>; deps: Deps; ready: () => Promise<unknown> } | undefined

function build(env: Env) {
  if (!built) {
    const deps = workerDeps(env)
    const { store, config, clock } = deps
    built = {
      app: createApp(deps),
      deps,
      ready: seedOnFirstUse(() => seedOnStart(store, config, clock())),
    }
  }
  return built
}

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const { app, ready } = build(env)
    await ready()
    return app.fetch(request, env, ctx)
  },
  // The cron trigger in wrangler.toml (every minute): open overdue alerts, finish dirty loop
  // projections, seal the audit log, and fetch other issuers' JWKS and status lists (so on
  // Workers TRUST_REFRESH_SECONDS below 60 still means once a minute). The trust refresh runs
  // beside the rest: a slow issuer holds up nothing else, and it is sealed on the next run.
  async scheduled(_event: unknown, env: Env) {
    const { deps, ready } = build(env)
    await ready()
    const trust = refreshTrustedIssuers(deps).catch((error: unknown) => {
      console.error(JSON.stringify({ level: 'error', job: 'trust-refresh', error: String(error) }))
      return []
    })
    await sweepLoops(deps)
    await sealAudit(deps)
    await pruneLoginFailures(deps)
    logRefreshFailures(await trust)
  },
}
