import { beforeAll, describe, expect, it } from 'vitest'
import { compactVerify, createLocalJWKSet } from 'jose'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { createVerifier } from '../../src/trust/key-resolver.ts'
import { signPassToken, verifyPassToken } from '../../src/passes/pass-token.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'
import { qrVersion } from '../../src/passes/qr.ts'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})

async function issue(plate: string, overrides: Record<string, unknown> = {}) {
  const app = await t.call('POST', '/api/v1/applications', {
    as: 'enterprise',
    body: applicationBody({ plate, ...overrides }),
  })
  expect(app.status).toBe(201)
  const pass = await t.call('POST', `/api/v1/applications/${app.json.id}/approve`, {
    as: 'coordinator',
  })
  expect(pass.status).toBe(201)
  return pass.json
}

describe('approval', () => {
  it('issues an active pass numbered issuer code + serial, and marks the application approved', async () => {
    const pass = await issue('浙B10001')
    expect(pass.number).toMatch(/^330100\d{6}$/)
    expect(pass).toMatchObject({
      status: 'active',
      plate: '浙B10001',
      issuer_code: '330100',
      enterprise_id: 'demo-ent-1',
    })
    const app = await t.call('GET', `/api/v1/applications/${pass.application_id}`, {
      as: 'enterprise',
    })
    expect(app.json).toMatchObject({ status: 'approved', pass_number: pass.number })
    const next = await issue('浙B10002')
    expect(Number(next.number.slice(6))).toBe(Number(pass.number.slice(6)) + 1)
  })

  it('supersedes the earlier active pass of the same vehicle', async () => {
    const first = await issue('浙B20001')
    const second = await issue('浙B20001')
    const old = await t.call('GET', `/api/v1/passes/${first.number}`, { as: 'coordinator' })
    expect(old.json).toMatchObject({ status: 'superseded', superseded_by: second.number })
    expect(
      (await t.call('GET', `/api/v1/passes/${second.number}`, { as: 'coordinator' })).json.status,
    ).toBe('active')
    const active = await t.call(
      'GET',
      `/api/v1/passes?plate=${encodeURIComponent('浙B20001')}&status=active`,
      { as: 'coordinator' },
    )
    expect(active.json.map((p: { number: string }) => p.number)).toEqual([second.number])
  })

  it('gives unique, gap-free serials to approvals made at the same time', async () => {
    const apps = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.call('POST', '/api/v1/applications', {
          as: 'enterprise',
          body: applicationBody({ plate: `浙C3${String(i).padStart(4, '0')}` }),
        }),
      ),
    )
    const before = t.sqlite.prepare('SELECT max(serial) FROM passes').pluck().get() as number
    const passes = await Promise.all(
      apps.map((a) =>
        t.call('POST', `/api/v1/applications/${a.json.id}/approve`, { as: 'coordinator' }),
      ),
    )
    expect(passes.every((p) => p.status === 201)).toBe(true)
    const serials = passes.map((p) => Number(p.json.number.slice(6))).sort((a, b) => a - b)
    expect(serials).toEqual(Array.from({ length: 12 }, (_, i) => before + 1 + i))
  })

  it('approves an application only once, even when two coordinators click together', async () => {
    const app = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙D40001' }),
    })
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        t.call('POST', `/api/v1/applications/${app.json.id}/approve`, { as: 'coordinator' }),
      ),
    )
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409])
    expect(
      t.sqlite
        .prepare('SELECT count(*) FROM passes WHERE application_id = ?')
        .pluck()
        .get(app.json.id),
    ).toBe(1)
  })
})

describe('a pass as shown', () => {
  it('masks the crew and carries the QR token', async () => {
    const id = residentId('19900101', '456')
    const pass = await issue('浙E50001', {
      crew: [{ name: '王五', id_number: id, phone: '13987654321' }],
    })
    const shown = await t.call('GET', `/api/v1/passes/${pass.number}`, { as: 'enterprise' })
    expect(shown.json.crew).toEqual([
      { name: '王*', id_number: `330702********${id.slice(-4)}`, phone: '139****4321' },
    ])
    expect(shown.text).not.toContain(id)
    expect(shown.text).not.toContain('13987654321')
    expect(shown.json.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  })

  it('renders the token as an SVG and a PNG QR code of version 10 or lower', async () => {
    const pass = await issue('浙A1234F')
    expect(qrVersion(pass.token)).toBeLessThanOrEqual(10)
    const svg = await t.call('GET', `/api/v1/passes/${pass.number}/qr.svg`, { as: 'enterprise' })
    expect(svg.headers.get('content-type')).toContain('image/svg+xml')
    expect(svg.text).toMatch(/^<svg/)
    const png = await t.app.request(`/api/v1/passes/${pass.number}/qr.png`, {
      headers: { authorization: `Bearer ${await t.tokenFor('enterprise')}` },
    })
    const bytes = new Uint8Array(await png.arrayBuffer())
    expect(Array.from(bytes.slice(1, 4), (b) => String.fromCharCode(b)).join('')).toBe('PNG')
  })

  it('is not shown to another enterprise or to checkpoint staff', async () => {
    const pass = await issue('浙E50002')
    await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'other-firm',
        password: 'other-firm-pw',
        role: 'enterprise',
        enterprise_id: 'demo-ent-2',
      },
    })
    const other = { token: await t.login('other-firm', 'other-firm-pw') }
    for (const path of ['', '/qr.svg', '/qr.png']) {
      expect(
        (await t.call('GET', `/api/v1/passes/${pass.number}${path}`, { as: other })).status,
      ).toBe(404)
    }
    expect((await t.call('GET', '/api/v1/passes', { as: other })).json).toEqual([])
    expect(
      (await t.call('GET', `/api/v1/passes/${pass.number}`, { as: 'checkpoint' })).status,
    ).toBe(403)
  })

  it('shows an active pass past its window as expired', async () => {
    const pass = await issue('浙E50003', { valid_until: '2026-11-30T16:00:00+08:00' })
    t.clock.set('2026-12-01T00:00:00Z')
    t.forgetTokens()
    try {
      expect(
        (await t.call('GET', `/api/v1/passes/${pass.number}`, { as: 'enterprise' })).json.status,
      ).toBe('expired')
    } finally {
      t.clock.set('2026-11-29T08:00:00Z')
      t.forgetTokens()
    }
  })
})

describe('personal data at rest', () => {
  it('never stores a crew name, ID number or phone in clear', async () => {
    const id = residentId('19771111', '789')
    await issue('浙F60001', { crew: [{ name: '赵六', id_number: id, phone: '13711112222' }] })
    const dump = t.sqlite
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
      .pluck()
      .all()
      .flatMap((table) =>
        t.sqlite
          .prepare(`SELECT * FROM "${table}"`)
          .all()
          .map((row) => JSON.stringify(row)),
      )
      .join('\n')
    // The masked name is there (the dump is real); the name itself is sealed like the rest.
    expect(dump).toContain('赵*')
    expect(dump).not.toContain('赵六')
    expect(dump).not.toContain(id)
    expect(dump).not.toContain('13711112222')
  })
})

describe('revocation', () => {
  it('revokes with a reason once, and lists it in the signed revocation list', async () => {
    const pass = await issue('浙G70001')
    const revoked = await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '司机核酸阳性' },
    })
    expect(revoked.json).toMatchObject({ status: 'revoked', status_reason: '司机核酸阳性' })
    expect(
      (
        await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
          as: 'coordinator',
          body: { reason: 'again' },
        })
      ).status,
    ).toBe(409)
    expect(
      (
        await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
          as: 'enterprise',
          body: { reason: 'mine' },
        })
      ).status,
    ).toBe(403)

    const list = await t.call('GET', '/api/v1/trust/revocations', { as: 'checkpoint' })
    expect(list.json.revoked).toContain(pass.number)
    expect(list.json.version).toBeGreaterThan(0)
    const jwks = (await t.call('GET', '/.well-known/jwks.json')).json
    const { payload } = await compactVerify(list.json.token, createLocalJWKSet(jwks))
    const signed = JSON.parse(new TextDecoder().decode(payload))
    expect(signed).toMatchObject({
      typ: 'revocations',
      version: list.json.version,
      revoked: list.json.revoked,
      superseded: list.json.superseded,
    })
  })

  it('raises the list version with every change', async () => {
    const v1 = (await t.call('GET', '/api/v1/trust/revocations', { as: 'checkpoint' })).json.version
    const pass = await issue('浙G70002')
    await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '证件失效' },
    })
    expect(
      (await t.call('GET', '/api/v1/trust/revocations', { as: 'checkpoint' })).json.version,
    ).toBe(v1 + 1)
  })
})

describe('keys and trust', () => {
  it('publishes Ed25519 public keys only', async () => {
    const res = await t.call('GET', '/.well-known/jwks.json')
    expect(res.json.keys.length).toBeGreaterThan(0)
    for (const key of res.json.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x'])
      expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', use: 'sig', alg: 'EdDSA' })
    }
  })

  it('keeps verifying passes signed with the old key after a rotation', async () => {
    const old = await issue('浙H80001')
    const keys = JSON.parse(t.config.SIGNING_KEYS)
    const rotated = await buildTestApp({
      config: { SIGNING_KEYS: JSON.stringify([...keys, await generateSigningKey()]) },
      seed: false,
    })
    const jwks = (await rotated.call('GET', '/.well-known/jwks.json')).json
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toEqual([
      ...keys.map((k: { kid: string }) => k.kid),
      expect.any(String),
    ])
    const verifier = createVerifier({
      store: rotated.store,
      config: rotated.config,
      clock: rotated.clock,
    })
    const result = await verifyPassToken(old.token, verifier.resolveKey, rotated.clock(), 0)
    expect(result).toMatchObject({ ok: true, window: 'valid', claims: { number: old.number } })
    const current = await loadSigningKeys(rotated.config.SIGNING_KEYS)
    expect(current.current.kid).not.toBe(old.kid)
  })

  it('verifies another issuer’s pass once an admin trusts it, and stops when removed', async () => {
    const foreign = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
    const token = await signPassToken(
      {
        number: '310100000777',
        plate: '沪C77777',
        validFrom: new Date('2026-11-29T00:00:00Z'),
        validUntil: new Date('2026-12-20T00:00:00Z'),
        origin: '310115',
        destination: 'HZ-XS-01',
      },
      foreign.current,
    )
    const verifier = createVerifier({ store: t.store, config: t.config, clock: t.clock })
    const check = () => verifyPassToken(token, verifier.resolveKey, t.clock(), 0)
    expect(await check()).toEqual({ ok: false, problem: 'unknown_key' })

    const body = {
      issuer_code: '310100',
      name: '上海市 货运专班',
      jwks: { keys: [foreign.current.publicJwk] },
    }
    expect(
      (await t.call('POST', '/api/v1/trust/issuers', { as: 'coordinator', body })).status,
    ).toBe(403)
    const privateJwk = JSON.parse(JSON.stringify({ ...foreign.current.publicJwk, d: 'secret' }))
    expect(
      (
        await t.call('POST', '/api/v1/trust/issuers', {
          as: 'admin',
          body: { ...body, jwks: { keys: [privateJwk] } },
        })
      ).status,
    ).toBe(400)
    expect((await t.call('POST', '/api/v1/trust/issuers', { as: 'admin', body })).status).toBe(201)
    expect((await t.call('POST', '/api/v1/trust/issuers', { as: 'admin', body })).status).toBe(409)
    expect(
      (await t.call('GET', '/api/v1/trust/issuers', { as: 'checkpoint' })).json.map(
        (i: { issuer_code: string }) => i.issuer_code,
      ),
    ).toEqual(['310100'])
    verifier.invalidate()
    expect(await check()).toMatchObject({ ok: true, claims: { number: '310100000777' } })

    expect((await t.call('DELETE', '/api/v1/trust/issuers/310100', { as: 'admin' })).status).toBe(
      200,
    )
    verifier.invalidate()
    expect(await check()).toEqual({ ok: false, problem: 'unknown_key' })
  })

  it('does not let another issuer’s key vouch for this issuer’s numbers', async () => {
    const foreign = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
    await t.call('POST', '/api/v1/trust/issuers', {
      as: 'admin',
      body: { issuer_code: '440300', name: '深圳', jwks: { keys: [foreign.current.publicJwk] } },
    })
    const forged = await signPassToken(
      {
        number: '330100999999',
        plate: '粤B12345',
        validFrom: new Date('2026-11-29T00:00:00Z'),
        validUntil: new Date('2026-12-20T00:00:00Z'),
        origin: '440305',
        destination: 'HZ-XS-01',
      },
      foreign.current,
    )
    const verifier = createVerifier({ store: t.store, config: t.config, clock: t.clock })
    expect(await verifyPassToken(forged, verifier.resolveKey, t.clock(), 0)).toEqual({
      ok: false,
      problem: 'unknown_key',
    })
  })
})
