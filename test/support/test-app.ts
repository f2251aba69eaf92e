import { createApp } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import { openNodeStore, rawSqlite } from '../../src/db/node-store.ts'
import { migrate } from '../../src/db/migrator.ts'
import { seedDemo } from '../../src/demo/seed.ts'
import { generateSecrets } from '../../src/keys/generate.ts'
import type { Deps } from '../../src/app-env.ts'
import { appClient, realClock, testClock } from './app-client.ts'

export { testClock }

let cachedSecrets: Awaited<ReturnType<typeof generateSecrets>> | undefined

/**
 * The whole app on an in-memory database with the real migrations and the demo data, plus a
 * movable clock and helpers to sign in and call it as each demo role.
 */
export async function buildTestApp(
  options: {
    seed?: boolean
    config?: Partial<Record<string, string>>
    start?: string
    realClock?: boolean
    deps?: Partial<Pick<Deps, 'clientAddress' | 'sleep'>>
  } = {},
) {
  cachedSecrets ??= await generateSecrets()
  const config: Config = loadConfig({ ...cachedSecrets, SEED_DEMO: '1', ...options.config })
  const store = openNodeStore(':memory:')
  migrate(rawSqlite(store))
  const clock = options.realClock ? realClock() : testClock(options.start)
  if (options.seed !== false) await seedDemo(store, config, clock())
  const app = createApp({ store, config, clock, ...options.deps })
  return { app, store, config, clock, ...appClient(app), sqlite: rawSqlite(store) }
}

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>
