import type { ExecutionContext } from 'hono'
import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { openD1Store, type D1Database } from './db/d1-store.ts'
import { seedOnFirstUse, seedOnStart } from './demo/seed.ts'
import { sweepLoops } from './loops/sweep-loops.ts'
import { resealPersonalData } from './personal-data/reseal.ts'
import { purgePersonalData } from './personal-data/purge.ts'
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

/** The second cron trigger in wrangler.toml: 19:00 UTC, 03:00 China time. */
export const RETENTION_CRON = '0 19 * * *'

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext) {
    const { app, ready } = build(env)
    await ready()
    return app.fetch(request, env, ctx)
  },
  // The cron triggers in wrangler.toml. Every minute: open overdue alerts, finish dirty loop
  // projections, seal the audit log, and fetch other issuers' JWKS and status lists (so on
  // Workers TRUST_REFRESH_SECONDS below 60 still means once a minute). The trust refresh runs
  // beside the rest: a slow issuer holds up nothing else, and it is sealed on the next run.
  async scheduled(event: { cron?: string }, env: Env) {
    const { deps, ready } = build(env)
    await ready()
    if (event.cron === RETENTION_CRON) {
      // The daily retention purge (personal-data/purge.ts), bounded so its statements stay well
      // inside D1's per-invocation cap (about 3 per 100 rows); more due rows wait for tomorrow.
      const purged = await purgePersonalData(deps, { limit: 10_000 })
      if (purged.batches > 0) console.log(JSON.stringify({ job: 'retention-purge', ...purged }))
      await sealAudit(deps)
      return
    }
    const trust = refreshTrustedIssuers(deps).catch((error: unknown) => {
      console.error(JSON.stringify({ level: 'error', job: 'trust-refresh', error: String(error) }))
      return []
    })
    await sweepLoops(deps)
    // Crews stored before names were sealed (migration 0027): a few each minute until none.
    await resealPersonalData(deps, { scope: 'legacy', limit: 100 })
    await sealAudit(deps)
    await pruneLoginFailures(deps)
    logRefreshFailures(await trust)
  },
}
