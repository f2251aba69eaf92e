import { createApp } from '../../../src/app.ts'
import { loadConfig, type Config } from '../../../src/config.ts'
import { openNodeStore, rawSqlite } from '../../../src/db/node-store.ts'
import { migrate } from '../../../src/db/migrator.ts'
import { seedDemo } from '../../../src/demo/seed.ts'
import type { Store } from '../../../src/db/store.ts'
import type { Secrets } from '../../../src/node-secrets.ts'
import { DEMO, type DemoRole } from './workload.ts'

/**
 * The app in-process over a SQLite *file*, built as `src/node.ts` builds it (migrations, demo seed
 * on an empty database), so a test can "restart the server": close it and open a new app over the
 * same file. Sign-in tokens are stateless (HS256 over TOKEN_SECRET), so they outlive a restart.
 */
export async function openFileApp(
  file: string,
  secrets: Secrets,
  clock: () => Date,
  configOverrides: Record<string, string> = {},
) {
  const config: Config = loadConfig({ ...secrets, SEED_DEMO: '1', ...configOverrides })
  const store: Store = openNodeStore(file)
  migrate(rawSqlite(store))
  if (config.SEED_DEMO) await seedDemo(store, config, clock())
  const app = createApp({ store, config, clock })

  async function call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown } = {},
  ) {
    const headers: Record<string, string> = {}
    if (options.token) headers.authorization = `Bearer ${options.token}`
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const res = await app.request(path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
    const text = await res.text()
    let json: any
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    return { status: res.status, json, text }
  }

  async function login(role: DemoRole): Promise<string> {
    const res = await call('POST', '/api/v1/auth/login', { body: DEMO[role] })
    if (res.status !== 200) throw new Error(`login ${role}: ${res.status} ${res.text}`)
    return res.json.token
  }

  return { app, store, config, call, login, sqlite: rawSqlite(store), close: () => store.close() }
}

export type FileApp = Awaited<ReturnType<typeof openFileApp>>

/**
 * Makes `store.atomic` die right after the next write whose SQL matches `pattern` has committed —
 * what a SIGKILL at that instant leaves behind: the transaction is durable, nothing after it ran,
 * and the client got no answer. The routes read `store.atomic` at call time, so this is enough.
 */
export function crashAfterCommit(store: Store, pattern: RegExp) {
  const atomic = store.atomic.bind(store)
  let armed = true
  store.atomic = async (queries) => {
    const result = await atomic(queries)
    if (armed) {
      const sqls = queries.map((q) =>
        'compile' in q ? q.compile().sql : 'sql' in q ? String(q.sql) : '',
      )
      if (sqls.some((s) => pattern.test(s))) {
        armed = false
        throw new SimulatedCrash()
      }
    }
    return result
  }
}

export class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash right after a commit')
  }
}

/** Keeps the app's error log of simulated crashes out of the test output; returns the undo. */
export function quietSimulatedCrashes(): () => void {
  const original = console.error
  console.error = (...args: unknown[]) => {
    if (
      args.some((a) => typeof a === 'string' && a.includes('simulated crash right after a commit'))
    )
      return
    original(...args)
  }
  return () => void (console.error = original)
}
