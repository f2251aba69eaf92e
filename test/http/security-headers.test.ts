import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import { beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { API_CONTENT_POLICY, SECURITY_HEADERS } from '../../src/http/security-headers.ts'
import { SESSION_COOKIE } from '../../src/auth/middleware.ts'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'

/** What Hono's own secureHeaders() sets by default: our list must not drift from it. */
async function honoDefaults() {
  const app = new Hono()
  app.use('*', secureHeaders())
  app.get('/', (c) => c.text('ok'))
  const res = await app.request('/')
  return [...res.headers].filter(([name]) => name !== 'content-type')
}

describe('security headers', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  it('are the ones Hono’s secureHeaders() sets by default', async () => {
    const ours = SECURITY_HEADERS.map(([name, value]) => [name.toLowerCase(), value])
    expect(Object.fromEntries(ours)).toEqual(Object.fromEntries(await honoDefaults()))
  })

  it('come with every kind of answer: JSON, an error, a refusal, a missing route, a page, an image', async () => {
    const pass = await issuePass(t)
    const answers = {
      image: await t.call('GET', `/api/v1/passes/${pass.number}/qr.svg`, { as: 'enterprise' }),
      json: await t.call('GET', '/api/v1/regions?risk=high', { as: 'enterprise' }),
      invalid: await t.call('POST', '/api/v1/stations', { as: 'coordinator', body: { code: 5 } }),
      unauthorised: await t.call('GET', '/api/v1/regions'),
      missing: await t.call('GET', '/api/v1/nope', { as: 'coordinator' }),
      page: await t.call('GET', '/ui/login'),
      health: await t.call('GET', '/healthz'),
    }
    for (const [kind, res] of Object.entries(answers)) {
      for (const [name, value] of SECURITY_HEADERS) {
        // Pages send their referrer to their own origin only (same-origin), so a browser's POST
        // of our own form carries a real Origin for the sign-in's origin check, not `null`.
        const expected = kind === 'page' && name === 'Referrer-Policy' ? 'same-origin' : value
        expect(res.headers.get(name), `${kind}: ${name}`).toBe(expected)
      }
    }
  })
})

/** The directives of a Content-Security-Policy header, by name. */
const directives = (policy: string | null) =>
  Object.fromEntries(
    (policy ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((d) => d[0])
      .map(([name, ...values]) => [name, values]),
  )
const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`

describe('content security policy and caching', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  const page = async (
    path: string,
    role?: 'enterprise' | 'checkpoint' | 'coordinator' | 'admin',
  ) => {
    const headers: Record<string, string> = role
      ? { cookie: `${SESSION_COOKIE}=${await t.tokenFor(role)}` }
      : {}
    const res = await t.app.request(path, { headers })
    return { res, html: await res.text() }
  }

  it('lets the pages run only our own script files and the one inline stylesheet, by its hash', async () => {
    for (const [path, role] of [
      ['/ui/login', undefined],
      ['/ui/passes', 'enterprise'],
      ['/ui/apply', 'enterprise'],
      ['/ui/scan', 'checkpoint'],
      ['/ui/queue', 'coordinator'],
      ['/ui/password', 'admin'],
    ] as const) {
      const { res, html } = await page(path, role)
      expect(res.status, path).toBe(200)
      const policy = directives(res.headers.get('content-security-policy'))
      expect(policy['script-src'], path).toEqual(["'self'"])
      expect(policy['object-src']).toEqual(["'none'"])
      expect(policy['base-uri']).toEqual(["'none'"])
      expect(policy['form-action']).toEqual(["'self'"])
      // Every inline <style> of the page is allowed by its hash, and nothing inline beyond it.
      const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1])
      expect(styles.length).toBeGreaterThan(0)
      for (const style of styles) expect(policy['style-src'], path).toContain(sha256(style))
      expect(policy['style-src']).not.toContain("'unsafe-inline'")
      // No inline script runs: every <script> is a file of ours or a JSON data block.
      for (const tag of html.match(/<script[^>]*>/g) ?? [])
        expect(tag, path).toMatch(/src="\/ui\/assets\/|type="application\/json"/)
    }
  })

  it('keeps signed-in pages and API answers out of every cache, but lets public files be cached', async () => {
    for (const path of ['/ui/passes', '/ui/password'])
      expect((await page(path, 'enterprise')).res.headers.get('cache-control'), path).toBe(
        'no-store',
      )
    expect((await page('/ui/login')).res.headers.get('cache-control')).toBe('no-store')
    for (const path of ['/api/v1/auth/me', '/api/v1/applications', '/api/v1/regions']) {
      const res = await t.call('GET', path, { as: 'enterprise' })
      expect(res.status, path).toBe(200)
      expect(res.headers.get('cache-control'), path).toBe('no-store')
    }
    expect((await t.call('GET', '/ui/assets/app.js')).headers.get('cache-control')).toBe(
      'public, max-age=300',
    )
    expect((await t.call('GET', '/.well-known/jwks.json')).headers.get('cache-control')).toBe(
      'public, max-age=300',
    )
  })

  it('gives answers that are not pages a policy under which nothing loads or runs', async () => {
    const pass = await issuePass(t)
    for (const res of [
      await t.call('GET', '/api/v1/regions', { as: 'enterprise' }),
      await t.call('GET', `/api/v1/passes/${pass.number}/qr.svg`, { as: 'enterprise' }),
    ]) {
      expect(res.headers.get('content-security-policy')).toBe(API_CONTENT_POLICY)
    }
    expect(directives(API_CONTENT_POLICY)['default-src']).toEqual(["'none'"])
  })

  it('gives the Swagger UI at /api/docs its own policy: its own origin only, no inline script', async () => {
    const res = await t.app.request('/api/docs')
    expect(res.status).toBe(200)
    const html = await res.text()
    const policy = directives(res.headers.get('content-security-policy'))
    expect([...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>/g)]).toHaveLength(0)
    expect(policy['script-src']).toEqual(["'self'"])
    expect(policy['style-src']).toEqual(["'self'"])
    expect(policy['connect-src']).toEqual(["'self'"])
    expect(policy['frame-ancestors']).toEqual(["'none'"])
  })
})
