import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SignJWT } from 'jose'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issueLoginToken } from '../../src/auth/login-token.ts'

const START = '2026-11-29T08:00:00.000Z'
const login = (t: TestApp, username: string, password: string) =>
  t.call('POST', '/api/v1/auth/login', { body: { username, password } })

describe('POST /api/v1/auth/login', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  it('signs in a demo account and answers a token, its role and an expiry one TTL after now', async () => {
    const res = await login(t, 'coordinator', 'tongxing-coord')
    expect(res.status).toBe(200)
    expect(res.json.role).toBe('coordinator')
    expect(res.json.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
    const expires = new Date(res.json.expires_at)
    expect(res.json.expires_at).toBe(expires.toISOString())
    expect(expires.getTime()).toBe(
      new Date(START).getTime() + t.config.LOGIN_TOKEN_TTL_SECONDS * 1000,
    )
    expect(expires.getTime()).toBeGreaterThan(t.clock().getTime())
  })

  it('gives a token that works as a bearer token', async () => {
    const { json } = await login(t, 'enterprise', 'tongxing-firm')
    const me = await t.call('GET', '/api/v1/auth/me', { as: { token: json.token } })
    expect(me.status).toBe(200)
    expect(me.json.username).toBe('enterprise')
  })

  it('refuses a wrong password and an unknown user with the same 401 invalid_credentials body', async () => {
    const wrongPassword = await login(t, 'admin', 'not-the-password')
    const unknownUser = await login(t, 'nobody-here', 'tongxing-admin')
    expect(wrongPassword.status).toBe(401)
    expect(unknownUser.status).toBe(401)
    expect(wrongPassword.json).toEqual({
      error: { code: 'invalid_credentials', message: expect.any(String) },
    })
    expect(unknownUser.text).toBe(wrongPassword.text)
  })

  it('answers 400 naming the field when the password is missing', async () => {
    const res = await t.call('POST', '/api/v1/auth/login', { body: { username: 'admin' } })
    expect(res.status).toBe(400)
    expect(res.json.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'password' })]),
    )
  })
})

describe('bearer tokens', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })
  afterEach(() => t.clock.set(START))

  it('refuses a token once the clock passes LOGIN_TOKEN_TTL_SECONDS with 401 token_expired', async () => {
    const token = await t.tokenFor('checkpoint')
    t.clock.advance((t.config.LOGIN_TOKEN_TTL_SECONDS - 60) * 1000)
    expect((await t.call('GET', '/api/v1/auth/me', { as: { token } })).status).toBe(200)
    t.clock.advance(61 * 1000)
    const res = await t.call('GET', '/api/v1/auth/me', { as: { token } })
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('token_expired')
  })

  it('lets a client sign in again while it still sends its expired token', async () => {
    const token = await t.tokenFor('checkpoint')
    t.clock.advance((t.config.LOGIN_TOKEN_TTL_SECONDS + 60) * 1000)
    const res = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'checkpoint', password: 'tongxing-check' },
      headers: { authorization: `Bearer ${token}` },
    })
    expect(res.status).toBe(200)
    expect(res.json.role).toBe('checkpoint')
  })

  it('refuses a garbage token with 401 invalid_token', async () => {
    const res = await t.call('GET', '/api/v1/regions', {
      headers: { authorization: 'Bearer not.a.token' },
    })
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('invalid_token')
  })

  it('refuses a valid token sent with another scheme with 401 invalid_token', async () => {
    const token = await t.tokenFor('admin')
    for (const header of [`Basic ${token}`, token, 'Bearer', `Bearer ${token} extra`]) {
      const res = await t.call('GET', '/api/v1/regions', { headers: { authorization: header } })
      expect(res.status, header.slice(0, 12)).toBe(401)
      expect(res.json.error.code).toBe('invalid_token')
    }
  })

  it('refuses a token signed with another secret, while the same claims signed with ours pass', async () => {
    const me = await t.call('GET', '/api/v1/auth/me', { as: 'admin' })
    const claims = { sub: me.json.id, role: 'admin' as const }
    const forged = await issueLoginToken(
      'another-secret-of-at-least-32-characters!',
      claims,
      t.clock(),
      3600,
    )
    const refused = await t.call('GET', '/api/v1/auth/me', { as: { token: forged.token } })
    expect(refused.status).toBe(401)
    expect(refused.json.error.code).toBe('invalid_token')

    const genuine = await issueLoginToken(t.config.TOKEN_SECRET, claims, t.clock(), 3600)
    expect((await t.call('GET', '/api/v1/auth/me', { as: { token: genuine.token } })).status).toBe(
      200,
    )
  })

  it('refuses a token of our secret that lacks the API audience', async () => {
    const me = await t.call('GET', '/api/v1/auth/me', { as: 'admin' })
    const token = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(me.json.id)
      .setIssuer('tongxing')
      .setExpirationTime('1h')
      .setIssuedAt(Math.floor(t.clock().getTime() / 1000))
      .sign(new TextEncoder().encode(t.config.TOKEN_SECRET))
    const res = await t.call('GET', '/api/v1/auth/me', { as: { token } })
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('invalid_token')
  })

  it('refuses a well-signed token naming an account that does not exist', async () => {
    const { token } = await issueLoginToken(
      t.config.TOKEN_SECRET,
      { sub: crypto.randomUUID(), role: 'admin' },
      t.clock(),
      3600,
    )
    const res = await t.call('GET', '/api/v1/auth/me', { as: { token } })
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('invalid_token')
  })
})

describe('disabling an account', () => {
  let t: TestApp
  let id: string
  let token: string
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
    const created = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'to-be-disabled',
        password: 'a-good-password',
        role: 'checkpoint',
        checkpoint_codes: ['HZ-G60-XS'],
      },
    })
    expect(created.status).toBe(201)
    id = created.json.id
    token = (await login(t, 'to-be-disabled', 'a-good-password')).json.token
  })

  it('refuses the existing token at once, and the login, with 401 account_disabled', async () => {
    expect((await t.call('GET', '/api/v1/auth/me', { as: { token } })).status).toBe(200)
    const disabled = await t.call('POST', `/api/v1/accounts/${id}/disable`, { as: 'coordinator' })
    expect(disabled.status).toBe(200)
    expect(disabled.json.disabled).toBe(true)

    const me = await t.call('GET', '/api/v1/auth/me', { as: { token } })
    expect(me.status).toBe(401)
    expect(me.json.error.code).toBe('account_disabled')
    const again = await login(t, 'to-be-disabled', 'a-good-password')
    expect(again.status).toBe(401)
    expect(again.json.error.code).toBe('account_disabled')
  })

  it('does not reveal that an account is disabled to someone without its password', async () => {
    const res = await login(t, 'to-be-disabled', 'wrong-password')
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('invalid_credentials')
  })

  it('lets the same token work again once the account is enabled', async () => {
    expect(
      (await t.call('POST', `/api/v1/accounts/${id}/enable`, { as: 'coordinator' })).status,
    ).toBe(200)
    expect((await t.call('GET', '/api/v1/auth/me', { as: { token } })).status).toBe(200)
  })

  it('refuses a coordinator disabling an admin (403) and anyone disabling their own account (409)', async () => {
    const admin = await t.call('GET', '/api/v1/auth/me', { as: 'admin' })
    const byCoordinator = await t.call('POST', `/api/v1/accounts/${admin.json.id}/disable`, {
      as: 'coordinator',
    })
    expect(byCoordinator.status).toBe(403)
    const self = await t.call('POST', `/api/v1/accounts/${admin.json.id}/disable`, { as: 'admin' })
    expect(self.status).toBe(409)
    expect((await t.call('GET', '/api/v1/auth/me', { as: 'admin' })).status).toBe(200)
  })

  it('answers 404 for an unknown account id', async () => {
    const res = await t.call('POST', `/api/v1/accounts/${crypto.randomUUID()}/disable`, {
      as: 'admin',
    })
    expect(res.status).toBe(404)
  })
})

describe('GET /api/v1/auth/me', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  it('shows the signed-in account with its bindings and never the password hash', async () => {
    const firm = await t.call('GET', '/api/v1/auth/me', { as: 'enterprise' })
    expect(firm.status).toBe(200)
    expect(firm.json).toMatchObject({
      username: 'enterprise',
      role: 'enterprise',
      enterprise_id: 'demo-ent-1',
      disabled: false,
    })
    const checkpoint = await t.call('GET', '/api/v1/auth/me', { as: 'checkpoint' })
    expect(checkpoint.json).toMatchObject({
      role: 'checkpoint',
      enterprise_id: null,
      checkpoint_codes: ['HZ-G60-XS', 'HZ-TS-XS', 'HZ-DEST-BJ'],
    })
    for (const res of [firm, checkpoint]) {
      expect(res.json).not.toHaveProperty('password_hash')
      expect(res.text).not.toContain('pbkdf2')
    }
  })

  it('answers 401 to an anonymous caller', async () => {
    const res = await t.call('GET', '/api/v1/auth/me')
    expect(res.status).toBe(401)
    expect(res.json.error.code).toBe('unauthorized')
  })
})
