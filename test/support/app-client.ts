import { DEMO_LOGINS } from '../../src/demo/seed.ts'
import type { Role } from '../../src/auth/accounts.table.ts'

// What a test does with an app, whichever runtime and database built it: test-app.ts (Node,
// better-sqlite3) and test/workers/support/test-app.d1.ts (workerd, D1) both hand these out, so
// the route tests run unchanged on both.

/** A clock tests move by hand: no sleeps. */
export function testClock(start = '2026-11-29T08:00:00.000Z') {
  let now = new Date(start).getTime()
  const clock = () => new Date(now)
  clock.set = (iso: string): void => {
    now = new Date(iso).getTime()
  }
  clock.advance = (ms: number): void => {
    now += ms
  }
  return clock
}

export type TestClock = ReturnType<typeof testClock>

/** The wall clock behind the same interface, for tests that need real time to pass. */
export const realClock = (): TestClock =>
  Object.assign(() => new Date(), { set: () => {}, advance: () => {} })

/** The one method of a Hono app the helpers need. */
interface Requestable {
  request(path: string, init: RequestInit): Response | Promise<Response>
}

export interface CallOptions {
  /** A demo role, a raw token, or null for anonymous. */
  as?: Role | { token: string } | null
  body?: unknown
  headers?: Record<string, string>
}

/** Sign-in and JSON calls as each demo role, with sign-ins cached per account. */
export function appClient(app: Requestable) {
  const tokens = new Map<string, string>()
  /** Who each token from `login` signed in as, to sign in again when a sign-out revoked it. */
  const credentials = new Map<string, [string, string]>()

  async function login(username: string, password: string): Promise<string> {
    const key = `${username}\0${password}`
    const cached = tokens.get(key)
    if (cached) return cached
    const res = await app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    })
    if (res.status !== 200)
      throw new Error(`login ${username} failed: ${res.status} ${await res.text()}`)
    const { token } = (await res.json()) as { token: string }
    tokens.set(key, token)
    credentials.set(token, [username, password])
    return token
  }

  /** Signs in as the demo account of `role`. */
  const tokenFor = (role: Role) => {
    const demo = DEMO_LOGINS.find((l) => l.role === role)!
    return login(demo.username, demo.password)
  }

  /** Calls the API with JSON in and out; `as` is a role, a raw token, or null for anonymous. */
  async function call(
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<{ status: number; json: any; text: string; headers: Headers }> {
    // English unless a test asks otherwise: the API's default is zh-CN, and the tests that read
    // messages read the throwers' English; test/http/error-language.test.ts covers Chinese.
    const headers: Record<string, string> = { 'accept-language': 'en', ...options.headers }
    const token = options.as
      ? typeof options.as === 'string'
        ? await tokenFor(options.as)
        : options.as.token
      : undefined
    if (token) headers.authorization = `Bearer ${token}`
    let body: string | undefined
    if (options.body !== undefined) {
      headers['content-type'] ??= 'application/json'
      body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body)
    }
    const res = await app.request(path, { method, headers, body })
    const text = await res.text()
    let json: any
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      json = undefined
    }
    // A cached sign-in revoked by a sign-out (e.g. the authorization matrix calling logout): sign in again, as a client would.
    const signedInAs = token === undefined ? undefined : credentials.get(token)
    if (signedInAs && res.status === 401 && json?.error?.code === 'token_revoked') {
      tokens.delete(`${signedInAs[0]}\0${signedInAs[1]}`)
      return call(method, path, { ...options, as: { token: await login(...signedInAs) } })
    }
    return { status: res.status, json, text, headers: res.headers }
  }

  /** Drops cached sign-ins, e.g. after moving the clock past their expiry. */
  const forgetTokens = () => tokens.clear()

  return { login, tokenFor, call, forgetTokens }
}
