import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'

// POST /api/v1/accounts/{id}/password: for the person who forgot theirs. An admin resets any
// account, a coordinator only firm and checkpoint accounts; the old password and every session
// of the account stop working at once; the log says so, without the password.

let t: TestApp
const create = async (username: string, role: string, extra: Record<string, unknown> = {}) => {
  const res = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: { username, password: 'first-password', role, ...extra },
  })
  expect(res.status, res.text).toBe(201)
  return res.json.id as string
}
const reset = (
  id: string,
  as: 'admin' | 'coordinator' | 'enterprise' | 'checkpoint' | null,
  password = 'second-password',
) => t.call('POST', `/api/v1/accounts/${id}/password`, { as: as ?? undefined, body: { password } })

beforeAll(async () => {
  t = await buildTestApp()
})

describe('resetting a password', () => {
  it('lets a coordinator reset a checkpoint account: the old password and its sessions end', async () => {
    const id = await create('reset-cp', 'checkpoint', { checkpoint_codes: ['HZ-RD-104'] })
    const before = await t.login('reset-cp', 'first-password')
    expect((await t.call('GET', '/api/v1/auth/me', { as: { token: before } })).status).toBe(200)

    const res = await reset(id, 'coordinator')
    expect(res.status, res.text).toBe(200)
    expect(res.json).toMatchObject({ id, username: 'reset-cp', role: 'checkpoint' })
    expect(JSON.stringify(res.json)).not.toMatch(/password/)

    // Raw, not t.call: the test client signs in again by itself when told token_revoked.
    const stale = await t.app.request('/api/v1/auth/me', {
      headers: { authorization: `Bearer ${before}` },
    })
    expect([stale.status, ((await stale.json()) as any).error.code]).toEqual([401, 'token_revoked'])
    const old = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'reset-cp', password: 'first-password' },
    })
    expect(old.status).toBe(401)
    const after = await t.login('reset-cp', 'second-password')
    expect((await t.call('GET', '/api/v1/auth/me', { as: { token: after } })).status).toBe(200)
  })

  it('is audited, without the password or its hash', async () => {
    const id = await create('reset-audited', 'enterprise', { enterprise_id: 'demo-ent-2' })
    expect((await reset(id, 'coordinator', 'audited-new-password')).status).toBe(200)
    const entry = t.sqlite
      .prepare(
        "SELECT actor, coalesce(before, '') || coalesce(after, '') AS body FROM audit_log WHERE subject = ? AND action = 'account.password_reset'",
      )
      .get(`account:${id}`) as { actor: string; body: string } | undefined
    expect(entry?.actor).toBe('coordinator:coordinator')
    expect(JSON.parse(entry!.body)).toEqual({ password: 'reset', earlier_tokens: 'revoked' })
    expect(entry!.body).not.toContain('audited-new-password')
  })

  it.each(['admin', 'coordinator'])(
    'refuses a coordinator resetting a %s account (403), and changes nothing',
    async (role) => {
      const id = await create(`reset-target-${role}`, role)
      const res = await reset(id, 'coordinator')
      expect([res.status, res.json.error.code]).toEqual([403, 'forbidden'])
      expect(await t.login(`reset-target-${role}`, 'first-password')).toEqual(expect.any(String))
    },
  )

  it('lets an admin reset a coordinator account', async () => {
    const id = await create('reset-by-admin', 'coordinator')
    expect((await reset(id, 'admin')).status).toBe(200)
    expect(await t.login('reset-by-admin', 'second-password')).toEqual(expect.any(String))
  })

  it('is not for firms, checkpoints or anonymous callers', async () => {
    const id = await create('reset-nobody', 'checkpoint', { checkpoint_codes: ['HZ-RD-104'] })
    expect((await reset(id, 'enterprise')).status).toBe(403)
    expect((await reset(id, 'checkpoint')).status).toBe(403)
    expect((await reset(id, null)).status).toBe(401)
  })

  it('refuses a short password (400, on the field), an unknown account (404) and your own (409)', async () => {
    const id = await create('reset-short', 'checkpoint', { checkpoint_codes: ['HZ-RD-104'] })
    const short = await reset(id, 'admin', 'short')
    expect(short.status).toBe(400)
    expect(short.json.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'password' })]),
    )
    expect((await reset('no-such-account', 'admin')).status).toBe(404)
    const me = (await t.call('GET', '/api/v1/auth/me', { as: 'admin' })).json.id
    const own = await reset(me, 'admin')
    expect([own.status, own.json.error.code]).toEqual([409, 'own_account'])
  })
})
