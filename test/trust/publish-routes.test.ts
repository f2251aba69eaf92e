import { beforeEach, describe, expect, it } from 'vitest'
import { compactVerify, createLocalJWKSet, decodeProtectedHeader } from 'jose'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'
import {
  decodeStatusList,
  deflateStatusList,
  serialOf,
  signStatusList,
} from '../../src/trust/status-list.ts'

const START = '2026-11-29T08:00:00.000Z'

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp({ start: START, config: { TRUST_REFRESH_SECONDS: '60' } })
})

const statusList = (headers: Record<string, string> = {}) =>
  t.call('GET', '/api/v1/trust/status-list', { as: null, headers })
const bundle = (as: 'checkpoint' | 'coordinator' = 'checkpoint', headers = {}) =>
  t.call('GET', '/api/v1/trust/bundle', { as, headers })

async function revoke(number: string) {
  const res = await t.call('POST', `/api/v1/passes/${number}/revoke`, {
    as: 'coordinator',
    body: { reason: '证件失效' },
  })
  expect(res.status, res.text).toBe(200)
}

/** Shanghai's deployment: its keys, trusted here by the admin, and a status list it signed. */
async function trustShanghai(revoked: number[] = [7]) {
  const keys = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
  const added = await t.call('POST', '/api/v1/trust/issuers', {
    as: 'admin',
    body: {
      issuer_code: '310100',
      name: '上海市货运专班',
      jwks: { keys: [keys.current.publicJwk] },
    },
  })
  expect(added.status, added.text).toBe(201)
  const iat = Math.floor(t.clock().getTime() / 1000)
  const jwt = await signStatusList(
    {
      issuer_code: '310100',
      sub: 'https://sh.example.cn/api/v1/trust/status-list',
      iat,
      exp: iat + 259_200,
      ttl: 60,
      version: 3,
      status_list: await deflateStatusList(revoked),
    },
    keys.current,
  )
  return { keys, jwt }
}

/** As the refresh does after a good fetch (or a 304 that confirms the copy held). */
async function fetched(issuer: string, values: { status_list?: string; fetched_at?: string }) {
  await t.store.db
    .updateTable('trusted_issuers')
    .set({
      status_list_url: `https://${issuer}.example.cn/api/v1/trust/status-list`,
      fetched_at: t.clock().toISOString(),
      ...values,
    })
    .where('issuer_code', '=', issuer)
    .execute()
}

describe('GET /api/v1/trust/status-list', () => {
  it('answers anyone, unsigned-in, a statuslist+jwt that verifies with /.well-known/jwks.json', async () => {
    const res = await statusList()
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^application\/statuslist\+jwt/)
    expect(res.headers.get('etag')).toMatch(/^"sl-330100-/)
    expect(decodeProtectedHeader(res.text)).toMatchObject({ alg: 'EdDSA', typ: 'statuslist+jwt' })
    const jwks = (await t.call('GET', '/.well-known/jwks.json')).json
    const { payload, protectedHeader } = await compactVerify(res.text, createLocalJWKSet(jwks))
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(protectedHeader.kid)
    const claims = JSON.parse(new TextDecoder().decode(payload))
    expect(claims).toMatchObject({
      issuer_code: '330100',
      sub: 'http://localhost/api/v1/trust/status-list',
      iat: Date.parse(START) / 1000,
      exp: Date.parse(START) / 1000 + t.config.TRUST_MAX_AGE,
      ttl: 60,
      version: 0,
      status_list: { bits: 1, lst: expect.any(String) },
    })
  })

  it('answers 304 to If-None-Match with its ETag, alone, in a list or weak', async () => {
    const first = await statusList()
    const etag = first.headers.get('etag')!
    for (const sent of [etag, `"other", ${etag}`, `W/${etag}`, '*']) {
      const res = await statusList({ 'if-none-match': sent })
      expect(res.status, sent).toBe(304)
      expect(res.text, sent).toBe('')
      expect(res.headers.get('etag'), sent).toBe(etag)
    }
    const other = await statusList({ 'if-none-match': '"sl-330100-0-1-zzzz"' })
    expect(other.status).toBe(200)
    expect(other.text).toBe(first.text)
  })

  it('answers 200 with a new ETag and the serial set after a revocation', async () => {
    const pass = await issuePass(t, { plate: '浙A50001' })
    const before = await statusList()
    t.clock.advance(90_000)
    await revoke(pass.number)
    const after = await statusList({ 'if-none-match': before.headers.get('etag')! })
    expect(after.status).toBe(200)
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'))
    const claims = JSON.parse(Buffer.from(after.text.split('.')[1], 'base64url').toString())
    expect(claims.version).toBeGreaterThan(0)
    expect(decodeStatusList(claims.status_list).isInvalid(serialOf(pass.number)!)).toBe(true)
    // And 304 again on the new ETag.
    expect((await statusList({ 'if-none-match': after.headers.get('etag')! })).status).toBe(304)
  })
})

describe('GET /api/v1/trust/bundle', () => {
  it('answers 401 to no sign-in and 403 to an enterprise', async () => {
    const anonymous = await t.call('GET', '/api/v1/trust/bundle', { as: null })
    expect(anonymous.status).toBe(401)
    const firm = await t.call('GET', '/api/v1/trust/bundle', { as: 'enterprise' })
    expect(firm.status).toBe(403)
    expect(firm.json.error.code).toBe('forbidden')
  })

  it('answers checkpoint staff and coordinators (an admin counts as one)', async () => {
    for (const role of ['checkpoint', 'coordinator', 'admin'] as const) {
      const res = await t.call('GET', '/api/v1/trust/bundle', { as: role })
      expect(res.status, role).toBe(200)
    }
  })

  it('puts this issuer first, with its JWKS and the very status list it publishes', async () => {
    const [res, list, jwks] = await Promise.all([
      bundle(),
      statusList(),
      t.call('GET', '/.well-known/jwks.json'),
    ])
    expect(res.json).toMatchObject({
      issuer_code: '330100',
      generated_at: START,
      refresh_seconds: 60,
      warn_age_seconds: t.config.TRUST_WARN_AGE,
      max_age_seconds: t.config.TRUST_MAX_AGE,
    })
    expect(res.json.issuers).toHaveLength(1)
    expect(res.json.issuers[0]).toEqual({
      issuer_code: '330100',
      name: t.config.ISSUER_NAME,
      jwks: jwks.json,
      status_list: list.text,
      fetched_at: START,
      current: true,
    })
  })

  it('lists each trusted issuer with its own signed list, unchanged', async () => {
    const shanghai = await trustShanghai([7, 123_456])
    // Registered with keys only: nothing to fetch, no list, as current as the trust list.
    let res = await bundle()
    expect(res.json.issuers.map((i: { issuer_code: string }) => i.issuer_code)).toEqual([
      '330100',
      '310100',
    ])
    expect(res.json.issuers[1]).toEqual({
      issuer_code: '310100',
      name: '上海市货运专班',
      jwks: { keys: [shanghai.keys.current.publicJwk] },
      status_list: null,
      fetched_at: null,
      current: true,
    })
    // Registered with addresses but never fetched yet: not current.
    await t.store.db
      .updateTable('trusted_issuers')
      .set({ status_list_url: 'https://sh.example.cn/api/v1/trust/status-list' })
      .where('issuer_code', '=', '310100')
      .execute()
    res = await bundle()
    expect(res.json.issuers[1]).toMatchObject({ status_list: null, current: false })
    await fetched('310100', { status_list: shanghai.jwt })
    res = await bundle('coordinator')
    expect(res.json.issuers[1]).toMatchObject({
      status_list: shanghai.jwt,
      fetched_at: START,
      current: true,
    })
    // The phone verifies Shanghai's signature itself, with Shanghai's keys from the bundle.
    const { payload } = await compactVerify(
      res.json.issuers[1].status_list,
      createLocalJWKSet(res.json.issuers[1].jwks),
    )
    const claims = JSON.parse(new TextDecoder().decode(payload))
    expect(decodeStatusList(claims.status_list).isInvalid(123_456)).toBe(true)
  })

  it('keeps its ETag across calls and clock moves within the hour while the data is current, and answers 304', async () => {
    const shanghai = await trustShanghai()
    await fetched('310100', { status_list: shanghai.jwt })
    const first = await bundle()
    const etag = first.headers.get('etag')!
    expect(etag).toMatch(/^"tb-[0-9a-f]{32}"$/)
    expect((await bundle('coordinator')).headers.get('etag')).toBe(etag)
    // Fifty minutes on, with the refresh confirming Shanghai's list every minute.
    for (let minute = 1; minute <= 50; minute += 7) {
      t.clock.set(new Date(Date.parse(START) + minute * 60_000).toISOString())
      await fetched('310100', {})
      const later = await bundle()
      expect(later.headers.get('etag'), `minute ${minute}`).toBe(etag)
      expect(later.json.generated_at).toBe(t.clock().toISOString())
    }
    const unchanged = await bundle('checkpoint', { 'if-none-match': etag })
    expect(unchanged.status).toBe(304)
    expect(unchanged.text).toBe('')
    expect(unchanged.headers.get('etag')).toBe(etag)
  })

  it('changes its ETag when a pass is revoked', async () => {
    const pass = await issuePass(t, { plate: '浙A60001' })
    const before = (await bundle()).headers.get('etag')!
    await revoke(pass.number)
    const after = await bundle('checkpoint', { 'if-none-match': before })
    expect(after.status).toBe(200)
    expect(after.headers.get('etag')).not.toBe(before)
    expect(after.json.issuers[0].status_list).toBe((await statusList()).text)
  })

  it('changes its ETag when an issuer is added', async () => {
    const before = (await bundle()).headers.get('etag')!
    await trustShanghai()
    const after = await bundle('checkpoint', { 'if-none-match': before })
    expect(after.status).toBe(200)
    expect(after.headers.get('etag')).not.toBe(before)
  })

  it('changes its ETag when a fetched issuer’s list is replaced', async () => {
    const shanghai = await trustShanghai([7])
    await fetched('310100', { status_list: shanghai.jwt })
    const before = (await bundle()).headers.get('etag')!
    const newer = await trustShanghaiList(shanghai.keys, [7, 8])
    await fetched('310100', { status_list: newer })
    const after = await bundle()
    expect(after.headers.get('etag')).not.toBe(before)
    expect(after.json.issuers[1].status_list).toBe(newer)
  })

  it('changes its ETag when a fetched issuer stops being current, then keeps the new one', async () => {
    const shanghai = await trustShanghai()
    await fetched('310100', { status_list: shanghai.jwt })
    const current = await bundle()
    // Three refresh intervals without a good fetch: still current at the limit…
    t.clock.advance(180_000)
    expect((await bundle()).headers.get('etag')).toBe(current.headers.get('etag'))
    // …and no longer a second later: the scanner must count its age from fetched_at.
    t.clock.advance(1_000)
    const stale = await bundle('checkpoint', { 'if-none-match': current.headers.get('etag')! })
    expect(stale.status).toBe(200)
    expect(stale.headers.get('etag')).not.toBe(current.headers.get('etag'))
    expect(stale.json.issuers[1]).toMatchObject({
      status_list: shanghai.jwt,
      fetched_at: START,
      current: false,
    })
    t.clock.advance(10 * 60_000)
    const later = await bundle('checkpoint', { 'if-none-match': stale.headers.get('etag')! })
    expect(later.status).toBe(304)
    // A good fetch again: current again.
    await fetched('310100', {})
    const again = await bundle()
    expect(again.json.issuers[1].current).toBe(true)
    expect(again.headers.get('etag')).not.toBe(stale.headers.get('etag'))
  })
})

async function trustShanghaiList(
  keys: Awaited<ReturnType<typeof loadSigningKeys>>,
  revoked: number[],
): Promise<string> {
  const iat = Math.floor(t.clock().getTime() / 1000)
  return signStatusList(
    {
      issuer_code: '310100',
      sub: 'https://sh.example.cn/api/v1/trust/status-list',
      iat,
      exp: iat + 259_200,
      ttl: 60,
      version: 4,
      status_list: await deflateStatusList(revoked),
    },
    keys.current,
  )
}
