import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'

// Issue 15: under `wrangler dev`, approving without a body answered 400 `malformed_body` where
// Node answered 201. The body was never the cause: `npm run dev:worker` wrote SIGNING_KEYS into
// .dev.vars in a quoting wrangler reads back with backslashes, signing the pass threw a
// SyntaxError, and the error handler took every SyntaxError for a malformed request body.
// These run on Node and in workerd on D1 alike (the workers project in vitest.config.ts).

let t: TestApp
let plates = 0

beforeAll(async () => {
  t = await buildTestApp()
})

/** A submitted application of its own plate, so approving it supersedes nothing. */
async function submitted(): Promise<string> {
  const res = await t.call('POST', '/api/v1/applications', {
    as: 'enterprise',
    body: applicationBody({ plate: `浙A5${String(++plates).padStart(4, '0')}` }),
  })
  expect(res.status, res.text).toBe(201)
  return res.json.id
}

async function approve(headers: Record<string, string>, body?: string) {
  const token = await t.tokenFor('coordinator')
  return t.app.request(`/api/v1/applications/${await submitted()}/approve`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
  })
}

describe('approving an application, the body being optional', () => {
  it('issues the pass for a POST without a body or a content type', async () => {
    const res = await approve({})
    expect(res.status, await res.clone().text()).toBe(201)
    expect(await res.json()).toMatchObject({
      status: 'active',
      number: expect.stringMatching(/^\d{12}$/),
    })
  })

  it('issues the pass when the client says JSON but sends no bytes', async () => {
    expect((await approve({ 'content-type': 'application/json' })).status).toBe(201)
    expect((await approve({ 'content-type': 'application/json' }, '')).status).toBe(201)
    expect(
      (await approve({ 'content-type': 'application/json', 'content-length': '0' }, '')).status,
    ).toBe(201)
  })

  it('issues the pass for an empty JSON object', async () => {
    expect((await approve({ 'content-type': 'application/json' }, '{}')).status).toBe(201)
  })

  it('still refuses a body that is not JSON (415) and JSON that does not parse (400)', async () => {
    const form = await approve({ 'content-type': 'application/x-www-form-urlencoded' }, '')
    expect([form.status, ((await form.json()) as any).error.code]).toEqual([415, 'http_415'])
    const broken = await approve({ 'content-type': 'application/json' }, '{"confirm_other_firm":')
    expect([broken.status, ((await broken.json()) as any).error.code]).toEqual([
      400,
      'malformed_body',
    ])
  })
})

describe('a SyntaxError that is not the request body', () => {
  afterEach(() => void vi.restoreAllMocks())

  it('is a logged 500, never the client’s malformed_body', async () => {
    // A stored JSON column that no longer parses: the server's fault, whatever the request.
    await t.store.db
      .insertInto('trusted_issuers')
      .values({
        issuer_code: '110000',
        name: '损坏的信任列表',
        jwks: '{"keys": [',
        added_by: 'test',
        added_at: t.clock().toISOString(),
      })
      .execute()
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    const res = await t.call('GET', '/api/v1/trust/issuers', { as: 'admin' })
    expect([res.status, res.json.error.code]).toEqual([500, 'internal_error'])
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('SyntaxError'))
    await t.store.db.deleteFrom('trusted_issuers').where('issuer_code', '=', '110000').execute()
  })

  it('is caught at start when SIGNING_KEYS is not a JSON array (e.g. mangled by quoting)', async () => {
    const mangled = JSON.stringify(t.config.SIGNING_KEYS).slice(1, -1) // `[{\"kty\"…`, as .dev.vars used to give it
    await expect(buildTestApp({ config: { SIGNING_KEYS: mangled }, seed: false })).rejects.toThrow(
      /SIGNING_KEYS: a JSON array/,
    )
  })
})
