import { Hono } from 'hono'
import { secureHeaders } from 'hono/secure-headers'
import { beforeAll, describe, expect, it } from 'vitest'
import { SECURITY_HEADERS } from '../../src/http/security-headers.ts'
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
      for (const [name, value] of SECURITY_HEADERS) expect(res.headers.get(name), `${kind}: ${name}`).toBe(value)
    }
  })
})
