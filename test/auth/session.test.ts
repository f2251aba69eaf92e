import { describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { DEMO_LOGINS } from '../../src/demo/seed.ts'
import { issueLoginToken } from '../../src/auth/login-token.ts'
import { SESSION_COOKIE } from '../../src/auth/middleware.ts'

const login = async (t: TestApp, username: string, password: string) => {
  const res = await t.call('POST', '/api/v1/auth/login', { body: { username, password } })
  return res
}
const tokenOf = async (t: TestApp, username: string, password: string) => {
  const res = await login(t, username, password)
  expect(res.status).toBe(200)
  return res.json.token as string
}
const me = (t: TestApp, token: string) => t.call('GET', '/api/v1/auth/me', { as: { token } })
const auditOf = (t: TestApp, action: string) =>
  t.sqlite
    .prepare(
      "SELECT actor, subject, coalesce(before, '') || coalesce(after, '') AS data FROM audit_log WHERE action = ?",
    )
    .all(action) as { actor: string; subject: string; data: string }[]

describe('POST /api/v1/auth/password', () => {
  it('changes the password of every role, revokes every older token and answers a fresh one', async () => {
    const t = await buildTestApp()
    for (const demo of DEMO_LOGINS) {
      const first = await tokenOf(t, demo.username, demo.password)
      t.clock.advance(1000) // another second: another token (a second device)
      const second = await tokenOf(t, demo.username, demo.password)
      expect(second).not.toBe(first)
      const changed = await t.call('POST', '/api/v1/auth/password', {
        as: { token: first },
        body: { current_password: demo.password, new_password: `${demo.password}-new` },
      })
      expect(changed.status, demo.role).toBe(200)
      expect(changed.json).toMatchObject({
        role: demo.role,
        token: expect.any(String),
        expires_at: expect.any(String),
      })
      for (const old of [first, second]) {
        const refused = await me(t, old)
        expect([refused.status, refused.json.error.code]).toEqual([401, 'token_revoked'])
      }
      expect((await me(t, changed.json.token)).json.username).toBe(demo.username)
      expect((await login(t, demo.username, demo.password)).status).toBe(401)
      expect((await login(t, demo.username, `${demo.password}-new`)).status).toBe(200)
    }
  })

  it('is audited without any password or hash', async () => {
    const t = await buildTestApp()
    await t.call('POST', '/api/v1/auth/password', {
      as: 'enterprise',
      body: { current_password: 'tongxing-firm', new_password: 'a-brand-new-secret' },
    })
    const entries = auditOf(t, 'account.password_change')
    expect(entries).toHaveLength(1)
    expect(entries[0].actor).toBe('enterprise:enterprise')
    for (const secret of ['tongxing-firm', 'a-brand-new-secret', 'pbkdf2'])
      expect(entries[0].data).not.toContain(secret)
  })

  it('refuses a wrong current password, an unchanged one and a short one, naming the field', async () => {
    const t = await buildTestApp()
    const wrong = await t.call('POST', '/api/v1/auth/password', {
      as: 'checkpoint',
      body: { current_password: 'not-mine', new_password: 'whatever-new-1' },
    })
    expect([wrong.status, wrong.json.error.code, wrong.json.error.details[0].field]).toEqual([
      400,
      'wrong_password',
      'current_password',
    ])
    const same = await t.call('POST', '/api/v1/auth/password', {
      as: 'checkpoint',
      body: { current_password: 'tongxing-check', new_password: 'tongxing-check' },
    })
    expect([same.status, same.json.error.code]).toEqual([400, 'password_unchanged'])
    const short = await t.call('POST', '/api/v1/auth/password', {
      as: 'checkpoint',
      body: { current_password: 'tongxing-check', new_password: 'short' },
    })
    expect([short.status, short.json.error.code, short.json.error.details[0].field]).toEqual([
      400,
      'invalid_input',
      'new_password',
    ])
    // Nothing changed: the old token still works.
    expect((await t.call('GET', '/api/v1/auth/me', { as: 'checkpoint' })).status).toBe(200)
    expect(auditOf(t, 'account.password_change')).toEqual([])
  })

  it('counts wrong current passwords like failed sign-ins, so a stolen session cannot guess faster', async () => {
    const delays: number[] = []
    // The guesser waits each slot out: the sleep moves the test clock.
    const t: TestApp = await buildTestApp({
      config: { LOGIN_SLOW_AFTER: '1', LOGIN_SLOWDOWN_STEP_MS: '100' },
      deps: { sleep: async (ms) => void (delays.push(ms), t.clock.advance(ms)) },
    })
    for (let i = 0; i < 3; i++) {
      await t.call('POST', '/api/v1/auth/password', {
        as: 'coordinator',
        body: { current_password: `guess-${i}`, new_password: 'whatever-new-1' },
      })
    }
    expect(delays).toEqual([100, 200])
  })

  it('answers 401 without a token', async () => {
    const t = await buildTestApp()
    expect(
      (
        await t.call('POST', '/api/v1/auth/password', {
          body: { current_password: 'a', new_password: 'bbbbbbbb' },
        })
      ).status,
    ).toBe(401)
  })
})

describe('POST /api/v1/auth/logout', () => {
  it('revokes the token it is called with and every other token of the account, not other accounts', async () => {
    const t = await buildTestApp()
    const phone = await tokenOf(t, 'checkpoint', 'tongxing-check')
    t.clock.advance(1000)
    const tablet = await tokenOf(t, 'checkpoint', 'tongxing-check')
    expect(tablet).not.toBe(phone)
    const other = await tokenOf(t, 'enterprise', 'tongxing-firm')
    const out = await t.call('POST', '/api/v1/auth/logout', { as: { token: phone } })
    expect([out.status, out.json]).toEqual([200, { status: 'signed_out' }])
    for (const token of [phone, tablet]) {
      const refused = await t.call('GET', '/api/v1/regions', { as: { token } })
      expect([refused.status, refused.json.error.code]).toEqual([401, 'token_revoked'])
    }
    expect((await me(t, other)).status).toBe(200)
    // Signing in again gives a token that works.
    expect((await me(t, await tokenOf(t, 'checkpoint', 'tongxing-check'))).status).toBe(200)
    const entries = auditOf(t, 'account.sign_out')
    expect(entries.map((e) => e.actor)).toEqual(['checkpoint:checkpoint'])
  })

  it('refuses a token issued before versions existed once the account signs out', async () => {
    const t = await buildTestApp()
    const id = (await t.call('GET', '/api/v1/auth/me', { as: 'admin' })).json.id
    const legacy = (
      await issueLoginToken(t.config.TOKEN_SECRET, { sub: id, role: 'admin' }, t.clock(), 3600)
    ).token
    expect((await me(t, legacy)).status).toBe(200)
    await t.call('POST', '/api/v1/auth/logout', { as: 'admin' })
    expect((await me(t, legacy)).json.error.code).toBe('token_revoked')
  })
})

describe('the web pages’ sign-out and password change', () => {
  const form = (t: TestApp, path: string, body: string, headers: Record<string, string>) =>
    t.app.request(path, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://localhost',
        ...headers,
      },
      body,
    })
  const sessionCookie = (res: Response) =>
    /tx_session=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1]

  it('signs out by revoking the session’s token, not only by dropping the cookie', async () => {
    const t = await buildTestApp()
    const token = await tokenOf(t, 'enterprise', 'tongxing-firm')
    const res = await form(t, '/ui/logout', '', { cookie: `${SESSION_COOKIE}=${token}` })
    expect([res.status, res.headers.get('location')]).toEqual([303, '/ui/login'])
    expect(sessionCookie(res)).toBe('')
    expect((await me(t, token)).json.error.code).toBe('token_revoked')
  })

  it('refuses a sign-out form sent from another site', async () => {
    const t = await buildTestApp()
    const token = await tokenOf(t, 'enterprise', 'tongxing-firm')
    const res = await form(t, '/ui/logout', '', {
      cookie: `${SESSION_COOKIE}=${token}`,
      origin: 'https://evil.example',
    })
    expect(res.status).toBe(403)
    expect((await me(t, token)).status).toBe(200)
  })

  it('offers every role a change-password form, in Chinese and in English', async () => {
    const t = await buildTestApp()
    for (const demo of DEMO_LOGINS) {
      const token = await tokenOf(t, demo.username, demo.password)
      const zh = await t.app.request('/ui/password', {
        headers: { cookie: `${SESSION_COOKIE}=${token}` },
      })
      expect(zh.status, demo.role).toBe(200)
      const html = await zh.text()
      expect(html).toContain('修改密码')
      expect(html).toContain('name="current_password"')
      expect(html).toContain('href="/ui/password"')
      const en = await t.app.request('/ui/password?lang=en', {
        headers: { cookie: `${SESSION_COOKIE}=${token}` },
      })
      expect(await en.text()).toContain('Current password')
    }
  })

  it('changes the password from the form, keeps this browser signed in and ends the other sessions', async () => {
    const t = await buildTestApp()
    const here = await tokenOf(t, 'checkpoint', 'tongxing-check')
    t.clock.advance(1000)
    const elsewhere = await tokenOf(t, 'checkpoint', 'tongxing-check')
    const wrong = await form(
      t,
      '/ui/password?lang=en',
      'current_password=nope&new_password=brand-new-pass',
      { cookie: `${SESSION_COOKIE}=${here}` },
    )
    expect(wrong.status).toBe(400)
    expect(await wrong.text()).toContain('That is not your current password')
    const res = await form(
      t,
      '/ui/password',
      'current_password=tongxing-check&new_password=brand-new-pass',
      { cookie: `${SESSION_COOKIE}=${here}` },
    )
    expect([res.status, res.headers.get('location')]).toEqual([303, '/ui/password?changed=1'])
    const fresh = sessionCookie(res)!
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i)
    expect((await me(t, fresh)).status).toBe(200)
    for (const old of [here, elsewhere])
      expect((await me(t, old)).json.error.code).toBe('token_revoked')
    const done = await t.app.request('/ui/password?changed=1', {
      headers: { cookie: `${SESSION_COOKIE}=${fresh}` },
    })
    expect(await done.text()).toContain('密码已修改')
  })

  it('refuses a password form from another site without changing anything', async () => {
    const t = await buildTestApp()
    const token = await tokenOf(t, 'coordinator', 'tongxing-coord')
    const res = await form(
      t,
      '/ui/password',
      'current_password=tongxing-coord&new_password=brand-new-pass',
      { cookie: `${SESSION_COOKIE}=${token}`, origin: 'https://evil.example' },
    )
    expect(res.status).toBe(403)
    expect((await login(t, 'coordinator', 'tongxing-coord')).status).toBe(200)
  })
})
