import { createApp } from './app.ts'
import { loadConfig } from './config.ts'
import { openD1Store, type D1Database } from './db/d1-store.ts'
import { bootstrapAdmin } from './demo/seed.ts'

// Workers entry: D1 binding and secrets from `env`. The app is built once per isolate.
interface Env {
  DB: D1Database
  [key: string]: unknown
}

let built: { app: ReturnType<typeof createApp>; ready: Promise<unknown> } | undefined

function build(env: Env) {
  if (!built) {
    const config = loadConfig(env)
    const store = openD1Store(env.DB)
    const clock = () => new Date()
    built = { app: createApp({ store, config, clock }), ready: bootstrapAdmin(store, config, clock()) }
  }
  return built
}

export default {
  async fetch(request: Request, env: Env, ctx: unknown) {
    const { app, ready } = build(env)
    await ready
    return app.fetch(request, env, ctx as never)
  },
}
