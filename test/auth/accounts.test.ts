import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'

const PASSWORD = 'correct-horse-battery'
const account = (username: string, role: string, extra: Record<string, unknown> = {}) => ({
  username,
  password: PASSWORD,
  role,
  ...extra,
})
const bindingFor = (role: string) =>
  role === 'enterprise'
    ? { enterprise_id: 'demo-ent-2' }
    : role === 'checkpoint'
      ? { checkpoint_codes: ['HZ-RD-104'] }
      : {}

describe('POST /api/v1/accounts', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  it.each(['admin', 'coordinator', 'enterprise', 'checkpoint'])(
    'lets an admin create a %s account',
    async (role) => {
      const res = await t.call('POST', '/api/v1/accounts', {
        as: 'admin',
        body: account(`by-admin-${role}`, role, bindingFor(role)),
      })
      expect(res.status).toBe(201)
      expect(res.json).toMatchObject({ id: expect.any(String), username: `by-admin-${role}`, role })
    },
  )

  it.each(['enterprise', 'checkpoint'])('lets a coordinator create a %s account', async (role) => {
    const res = await t.call('POST', '/api/v1/accounts', {
      as: 'coordinator',
      body: account(`by-coord-${role}`, role, bindingFor(role)),
    })
    expect(res.status).toBe(201)
    expect(res.json.role).toBe(role)
  })

  it.each(['admin', 'coordinator'])(
    'refuses a coordinator creating a %s account with 403',
    async (role) => {
      const res = await t.call('POST', '/api/v1/accounts', {
        as: 'coordinator',
        body: account(`coord-made-${role}`, role),
      })
      expect(res.status).toBe(403)
      expect(res.json.error.code).toBe('forbidden')
      expect(
        t.sqlite
          .prepare('SELECT count(*) FROM accounts WHERE username = ?')
          .pluck()
          .get(`coord-made-${role}`),
      ).toBe(0)
    },
  )

  it.each(['enterprise', 'checkpoint'] as const)('refuses the %s role with 403', async (as) => {
    const res = await t.call('POST', '/api/v1/accounts', {
      as,
      body: account(`made-by-${as}`, 'checkpoint', bindingFor('checkpoint')),
    })
    expect(res.status).toBe(403)
  })

  it('refuses an anonymous caller with 401', async () => {
    const res = await t.call('POST', '/api/v1/accounts', {
      body: account('anon-made', 'checkpoint', bindingFor('checkpoint')),
    })
    expect(res.status).toBe(401)
  })

  it('requires an enterprise account to name its enterprise_id (400)', async () => {
    const res = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: account('firm-without-id', 'enterprise'),
    })
    expect(res.status).toBe(400)
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'enterprise_id' })])
  })

  it('requires the enterprise_id to exist (400 unknown_enterprise)', async () => {
    const res = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: account('firm-ghost', 'enterprise', { enterprise_id: 'no-such-firm' }),
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('unknown_enterprise')
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'enterprise_id' })])
  })

  it('requires a checkpoint account to name at least one checkpoint (400)', async () => {
    for (const extra of [{}, { checkpoint_codes: [] }]) {
      const res = await t.call('POST', '/api/v1/accounts', {
        as: 'admin',
        body: account('cp-without-codes', 'checkpoint', extra),
      })
      expect(res.status).toBe(400)
      expect(res.json.error.details).toEqual([
        expect.objectContaining({ field: 'checkpoint_codes' }),
      ])
    }
  })

  it('requires every checkpoint code to exist (400 unknown_checkpoint naming the missing one)', async () => {
    const res = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: account('cp-ghost', 'checkpoint', { checkpoint_codes: ['HZ-G60-XS', 'NOWHERE-1'] }),
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('unknown_checkpoint')
    expect(res.json.error.message).toContain('NOWHERE-1')
    expect(res.json.error.message).not.toContain('HZ-G60-XS')
  })

  it('refuses a binding that does not belong to the role (400)', async () => {
    const coordWithFirm = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: account('coord-firm', 'coordinator', { enterprise_id: 'demo-ent-1' }),
    })
    expect(coordWithFirm.status).toBe(400)
    const firmWithCodes = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: account('firm-codes', 'enterprise', {
        enterprise_id: 'demo-ent-1',
        checkpoint_codes: ['HZ-G60-XS'],
      }),
    })
    expect(firmWithCodes.status).toBe(400)
  })

  it('refuses a short password and an unknown role with 400 naming the field', async () => {
    const short = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: { ...account('short-pw', 'admin'), password: 'short' },
    })
    expect(short.status).toBe(400)
    expect(short.json.error.details).toEqual([expect.objectContaining({ field: 'password' })])
    const role = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: account('bad-role', 'superuser'),
    })
    expect(role.status).toBe(400)
    expect(role.json.error.details).toEqual([expect.objectContaining({ field: 'role' })])
  })

  it('refuses a duplicate username with 409, whatever its letter case', async () => {
    const first = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: account('twice', 'admin'),
    })
    expect(first.status).toBe(201)
    for (const username of ['twice', 'TWICE']) {
      const res = await t.call('POST', '/api/v1/accounts', {
        as: 'admin',
        body: account(username, 'admin'),
      })
      expect(res.status).toBe(409)
      expect(res.json.error.code).toBe('username_taken')
    }
  })

  it('never answers, lists or audits the password hash', async () => {
    const created = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: account('no-hash-shown', 'admin'),
    })
    expect(created.json).not.toHaveProperty('password_hash')
    expect(created.text).not.toContain('pbkdf2')
    expect(created.text).not.toContain(PASSWORD)
    const list = await t.call('GET', '/api/v1/accounts', { as: 'coordinator' })
    expect(list.status).toBe(200)
    expect(list.json.map((a: { username: string }) => a.username)).toContain('no-hash-shown')
    expect(list.text).not.toContain('pbkdf2')
    const audit = t.sqlite
      .prepare("SELECT coalesce(after, '') FROM audit_log WHERE action = 'account.create'")
      .pluck()
      .all() as string[]
    expect(audit.length).toBeGreaterThan(0)
    for (const after of audit) {
      expect(after).not.toContain('pbkdf2')
      expect(after).not.toContain(PASSWORD)
    }
  })

  it('stores the password only as a PBKDF2 hash', () => {
    const stored = t.sqlite
      .prepare('SELECT password_hash FROM accounts WHERE username = ?')
      .pluck()
      .get('no-hash-shown')
    expect(stored).toMatch(/^pbkdf2-sha256\$100000\$[0-9a-f]{32}\$[0-9a-f]{64}$/)
  })

  it('creates an account that can sign in with its role and binding', async () => {
    const created = await t.call('POST', '/api/v1/accounts', {
      as: 'coordinator',
      body: account('new-firm-user', 'enterprise', { enterprise_id: 'demo-ent-3' }),
    })
    expect(created.status).toBe(201)
    const login = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'new-firm-user', password: PASSWORD },
    })
    expect(login.status).toBe(200)
    expect(login.json.role).toBe('enterprise')
    const own = await t.call('GET', '/api/v1/enterprises/demo-ent-3', {
      as: { token: login.json.token },
    })
    expect(own.status).toBe(200)
    const other = await t.call('GET', '/api/v1/enterprises/demo-ent-1', {
      as: { token: login.json.token },
    })
    expect(other.status).toBe(404)
  })
})
