import { applyD1Migrations, env } from 'cloudflare:test'
import type Sqlite from 'better-sqlite3'
import { expect, onTestFinished, TestRunner } from 'vitest'
import { createApp } from '../../../src/app.ts'
import { seedDemo } from '../../../src/demo/seed.ts'
import { generateSecrets } from '../../../src/keys/generate.ts'
import type { Deps } from '../../../src/app-env.ts'
import { workerDeps, type Env } from '../../../src/worker.ts'
import { appClient, realClock, testClock } from '../../support/app-client.ts'
import { TEST_DATABASES } from './test-databases.ts'

// The Workers twin of test/support/test-app.ts: the workers project in vitest.config.ts swaps it in
// for that file, so the same route tests run inside workerd against D1 with the real migrations.
// Same options, same returned helpers; the app is built from the Worker's own `workerDeps`.

export { testClock }

let cachedSecrets: Awaited<ReturnType<typeof generateSecrets>> | undefined

/**
 * The whole app on a fresh D1 database with the real migrations and the demo data, plus a
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
  const DB = await freshDatabase()
  const clock = options.realClock ? realClock() : testClock(options.start)
  const deps = workerDeps({ DB, ...cachedSecrets, SEED_DEMO: '1', ...options.config }, clock)
  const { store, config } = deps
  if (options.seed !== false) await seedDemo(store, config, clock())
  const app = createApp({ ...deps, ...options.deps })
  return { app, store, config, clock, ...appClient(app), sqlite: nodeOnlySqlite }
}

export type TestApp = Awaited<ReturnType<typeof buildTestApp>>

const inUse = new Set<string>()
/** The test file the databases in use belong to: files run one after another in one isolate. */
let inUseBy: string | undefined

/**
 * A free D1 database, emptied and migrated afresh, as each in-memory database on Node starts.
 * A file holds several apps at once (one per `beforeAll`, one per test): an app built in a test
 * or its `beforeEach` frees its database when the test finishes; one built in a `beforeAll`
 * keeps it until the next file starts.
 */
async function freshDatabase(): Promise<Env['DB']> {
  const file = expect.getState().testPath
  if (file !== inUseBy) inUse.clear()
  inUseBy = file
  const name = TEST_DATABASES.find((n) => !inUse.has(n))
  if (!name)
    throw new Error(
      `more than ${TEST_DATABASES.length} test apps alive at once: bind more TEST_DB_n in vitest.config.ts`,
    )
  inUse.add(name)
  if (TestRunner.getCurrentTest()) onTestFinished(() => void inUse.delete(name))
  const db = (env as unknown as Record<string, D1Database>)[name]
  await dropEverything(db)
  await applyD1Migrations(db, env.TEST_MIGRATIONS)
  return db
}

/** Drops every table and view, the migrations' record with them; foreign keys are checked at commit, when nothing is left. */
async function dropEverything(db: D1Database) {
  const { results } = await db
    .prepare(
      "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    )
    .all<{ type: 'table' | 'view'; name: string }>()
  if (results.length === 0) return
  const drops = results.map((r) =>
    db.prepare(`DROP ${r.type === 'view' ? 'VIEW' : 'TABLE'} IF EXISTS "${r.name}"`),
  )
  await db.batch([db.prepare('PRAGMA defer_foreign_keys = ON'), ...drops])
}

/**
 * `t.sqlite` is better-sqlite3's synchronous handle; D1 is reached only asynchronously, so a
 * test that reads the database through it cannot run here. Touching it skips that test, saying
 * why, rather than failing it or passing it silently; what it did before that point still ran.
 */
const nodeOnlySqlite = new Proxy({} as Sqlite.Database, {
  get(_target, property) {
    const test = TestRunner.getCurrentTest()
    const reason = `t.sqlite.${String(property)}: synchronous better-sqlite3 access exists on Node only`
    if (!test?.context)
      throw new Error(`${reason} (used outside a test, so the test cannot be skipped)`)
    return test.context.skip(reason)
  },
})
