import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass, scan } from '../support/flow.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { refreshTrustedIssuers } from '../../src/trust/refresh-issuers.ts'

/**
 * Two deployments over real HTTP (issue 17): A (Hangzhou, 330100) and B (Shanghai, 310100), each
 * with its own signing key. B's admin trusts A by its addresses; B fetches A's JWKS and status
 * list; a pass of A scans valid at B; A revokes it; after B's next refresh, B scans it `revoked`.
 */
const A_CODE = '330100'
const B_CODE = '310100'

/** The verifier keeps trust-list keys and lists 30 s (trust/key-resolver.ts): past that. */
const PAST_TRUST_CACHE_MS = 31_000

let a: TestApp
let b: TestApp
const servers: ServerType[] = []
let aOrigin: string

function listen(t: TestApp): Promise<string> {
  return new Promise((resolve) => {
    const server = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
      resolve(`http://127.0.0.1:${(info as AddressInfo).port}`),
    )
    servers.push(server)
  })
}

beforeAll(async () => {
  a = await buildTestApp({
    config: { ISSUER_CODE: A_CODE, SIGNING_KEYS: JSON.stringify([await generateSigningKey()]) },
  })
  b = await buildTestApp({
    config: {
      ISSUER_CODE: B_CODE,
      ISSUER_NAME: '上海市 货运专班',
      SIGNING_KEYS: JSON.stringify([await generateSigningKey()]),
    },
  })
  aOrigin = await listen(a)
  await listen(b)
})

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
})

/** Both deployments' clocks move together (their own passes and lists are timed by them). */
const advance = (ms: number) => {
  a.clock.advance(ms)
  b.clock.advance(ms)
}

const refreshB = () => refreshTrustedIssuers({ store: b.store, config: b.config, clock: b.clock })

describe('two deployments trusting each other over HTTP', () => {
  it('B fetches A’s keys and list; A revokes a pass; after B’s refresh B scans it revoked', async () => {
    const aJwks = (await a.call('GET', '/.well-known/jwks.json')).json
    const bJwks = (await b.call('GET', '/.well-known/jwks.json')).json
    expect(aJwks.keys[0].x).not.toBe(bJwks.keys[0].x)

    // B's admin registers A by its addresses only: the keys are fetched at once.
    const added = await b.call('POST', '/api/v1/trust/issuers', {
      as: 'admin',
      body: {
        issuer_code: A_CODE,
        name: '杭州市 货运专班',
        jwks_url: `${aOrigin}/.well-known/jwks.json`,
        status_list_url: `${aOrigin}/api/v1/trust/status-list`,
      },
    })
    expect(added.status, added.text).toBe(201)
    expect(added.json.jwks).toEqual({
      keys: aJwks.keys.map((k: Record<string, unknown>) => ({
        kid: k.kid,
        kty: 'OKP',
        crv: 'Ed25519',
        x: k.x,
        use: 'sig',
        alg: 'EdDSA',
      })),
    })

    const pass = await issuePass(a)
    expect(pass.number.startsWith(A_CODE)).toBe(true)

    const [first] = await refreshB()
    expect(first).toMatchObject({ issuer_code: A_CODE, ok: true, status_list_updated: true })
    const issuers = await b.call('GET', '/api/v1/trust/issuers', { as: 'coordinator' })
    const heldA = issuers.json.find((i: { issuer_code: string }) => i.issuer_code === A_CODE)
    expect(heldA).toMatchObject({
      fetched_at: b.clock().toISOString(),
      last_error: null,
      failures: 0,
    })
    expect(heldA.status_list_version).toBeTypeOf('number')
    // The JWT B holds is A's own, unchanged: what the trust bundle hands B's scanners.
    const aList = await fetch(`${aOrigin}/api/v1/trust/status-list`)
    const bundle = await b.call('GET', '/api/v1/trust/bundle', { as: 'checkpoint' })
    expect(
      bundle.json.issuers.find((i: { issuer_code: string }) => i.issuer_code === A_CODE)
        .status_list,
    ).toBe(await aList.text())

    const before = await scan(b, { token: pass.token })
    expect(before.status, before.text).toBe(200)
    expect(before.json.verdict).toBe('valid')
    expect(before.json.reasons).toEqual([])

    const revoked = await a.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '车辆信息有误' },
    })
    expect(revoked.status, revoked.text).toBe(200)

    advance(PAST_TRUST_CACHE_MS)
    const [second] = await refreshB()
    expect(second).toMatchObject({ ok: true, status_list_updated: true })
    const after = (await b.call('GET', '/api/v1/trust/issuers', { as: 'coordinator' })).json.find(
      (i: { issuer_code: string }) => i.issuer_code === A_CODE,
    )
    expect(after.status_list_version).toBeGreaterThan(heldA.status_list_version)
    expect(after).toMatchObject({ fetched_at: b.clock().toISOString(), last_error: null })

    const again = await scan(b, { token: pass.token })
    expect(again.status, again.text).toBe(200)
    expect(again.json.reasons).toContain('revoked')
    expect(again.json.verdict).toBe('invalid')
    expect(again.json.action).toBe('control_on_site')
  })

  it('confirms an unchanged list with a 304, and records a server that went away', async () => {
    advance(60_000)
    const [unchanged] = await refreshB()
    expect(unchanged).toMatchObject({ ok: true, status_list_updated: false, jwks_updated: false })
    const row = await b.store.db
      .selectFrom('trusted_issuers')
      .selectAll()
      .where('issuer_code', '=', A_CODE)
      .executeTakeFirstOrThrow()
    expect(row.fetched_at).toBe(b.clock().toISOString())

    // A stops answering: B keeps the list it holds and says why.
    await b.call('PATCH', `/api/v1/trust/issuers/${A_CODE}`, {
      as: 'admin',
      body: { status_list_url: 'http://127.0.0.1:9/api/v1/trust/status-list' },
    })
    advance(60_000)
    const [failed] = await refreshB()
    expect(failed!.ok).toBe(false)
    const shown = (await b.call('GET', '/api/v1/trust/issuers', { as: 'admin' })).json.find(
      (i: { issuer_code: string }) => i.issuer_code === A_CODE,
    )
    expect(shown.last_error).toMatch(/^status_list_unreachable: .*network error/)
    expect(shown.status_list_version).toBe(row.status_list_version)
    expect(shown.failures).toBe(1)
  })
})
