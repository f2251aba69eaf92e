import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createApp } from '../../../src/app.ts'
import { loadConfig } from '../../../src/config.ts'
import { openNodeStore, rawSqlite } from '../../../src/db/node-store.ts'
import { migrate } from '../../../src/db/migrator.ts'
import { DEMO_LOGINS, seedDemo } from '../../../src/demo/seed.ts'
import { generateSecrets } from '../../../src/keys/generate.ts'
import type { Role } from '../../../src/auth/accounts.table.ts'
import { testClock } from '../../support/test-app.ts'

export interface Exchange {
  method: string
  path: string
  requestHeaders: Record<string, string>
  requestBody?: string
  status: number
  headers: Record<string, string>
  text: string
}

/**
 * The app as buildTestApp makes it, but on a database file in a temporary directory (WAL, as
 * node.ts opens it), so a test can read the raw file. Every request and answer is recorded.
 */
export async function buildFileApp() {
  const dir = mkdtempSync(join(tmpdir(), 'tongxing-security-'))
  const file = join(dir, 'tongxing.db')
  const config = loadConfig({ ...(await generateSecrets()), SEED_DEMO: '1' })
  const store = openNodeStore(file)
  const sqlite = rawSqlite(store)
  migrate(sqlite)
  const clock = testClock()
  await seedDemo(store, config, clock())
  const app = createApp({ store, config, clock })
  const exchanges: Exchange[] = []
  const tokens = new Map<string, string>()

  async function call(
    method: string,
    path: string,
    options: {
      as?: Role | { token: string } | null
      body?: unknown
      headers?: Record<string, string>
    } = {},
  ) {
    const headers: Record<string, string> = { ...options.headers }
    if (options.as)
      headers.authorization = `Bearer ${typeof options.as === 'string' ? await tokenFor(options.as) : options.as.token}`
    let body: string | undefined
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json'
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    }
    const res = await app.request(path, { method, headers, body })
    const text = await res.text()
    exchanges.push({
      method,
      path,
      requestHeaders: headers,
      requestBody: body,
      status: res.status,
      headers: Object.fromEntries(res.headers),
      text,
    })
    let json: any
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    return { status: res.status, json, text, headers: res.headers }
  }

  async function login(username: string, password: string) {
    const key = `${username}\0${password}`
    const cached = tokens.get(key)
    if (cached) return cached
    const res = await call('POST', '/api/v1/auth/login', { body: { username, password } })
    if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`)
    tokens.set(key, res.json.token)
    return res.json.token as string
  }

  const tokenFor = (role: Role) => {
    const demo = DEMO_LOGINS.find((l) => l.role === role)!
    return login(demo.username, demo.password)
  }

  async function close() {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }

  return { app, store, config, clock, call, login, tokenFor, sqlite, file, exchanges, close }
}

export type FileApp = Awaited<ReturnType<typeof buildFileApp>>
