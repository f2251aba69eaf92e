import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { openNodeStore, rawSqlite } from '../../src/db/node-store.ts'
import { migrate } from '../../src/db/migrator.ts'
import { DEMO_LOGINS, sameUsername, seedOnFirstUse, seedOnStart } from '../../src/demo/seed.ts'
import { generateSecrets } from '../../src/keys/generate.ts'
import { freePort, startServer, type RunningServer } from '../reliability/support/server.ts'

/**
 * ADMIN_USERNAME/ADMIN_PASSWORD and the demo data (SEED_DEMO=1, the default) are both seeded on an
 * empty database. Before, the admin account was written first, and the demo seed then saw a
 * database with accounts and skipped itself.
 */
const servers: RunningServer[] = []
const dirs: string[] = []
afterAll(async () => {
  for (const server of servers) await server.kill()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const secrets = await generateSecrets()
const ADMIN = { ADMIN_USERNAME: 'ops-admin', ADMIN_PASSWORD: 'ops-admin-password' }
const demo = (role: string) => DEMO_LOGINS.find((l) => l.role === role)!

/** An empty migrated in-memory database and the app over it, with `env` as configuration. */
function emptyService(env: Record<string, string>) {
  const config = loadConfig({ ...secrets, ...env })
  const store = openNodeStore(':memory:')
  migrate(rawSqlite(store))
  const app = createApp({ store, config, clock: () => new Date() })
  const signIn = async (username: string, password: string) =>
    (
      await app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      })
    ).status
  const count = (table: string) =>
    rawSqlite(store).prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  return { config, store, signIn, count }
}

describe('seeding on start', () => {
  it(
    'the Node server started on an empty DATA_DIR with ADMIN_USERNAME has the admin and the demo data',
    { timeout: 120_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tongxing-admin-seed-'))
      dirs.push(dataDir)
      const server = await startServer({
        dataDir,
        port: await freePort(),
        env: { ...ADMIN, SEED_DEMO: '1' },
      })
      servers.push(server)
      const signIn = async (username: string, password: string) => {
        const res = await fetch(`${server.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password }),
        })
        return { status: res.status, json: (await res.json()) as { token: string; role: string } }
      }
      const admin = await signIn(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD)
      expect(admin).toMatchObject({ status: 200, json: { role: 'admin' } })
      expect(
        (await signIn(demo('coordinator').username, demo('coordinator').password)).status,
      ).toBe(200)
      const firms = await fetch(`${server.url}/api/v1/enterprises`, {
        headers: { authorization: `Bearer ${admin.json.token}` },
      })
      expect(((await firms.json()) as { id: string }[]).map((f) => f.id)).toContain('demo-ent-1')
      expect(server.output()).toContain('admin account "ops-admin" created')
      expect(server.output()).toContain('demo data seeded')
      await server.stop()
    },
  )

  it('seeds the admin and every demo login and firm in one go', async () => {
    const s = emptyService({ ...ADMIN })
    const seeded = await seedOnStart(s.store, s.config, new Date())
    expect(seeded.admin).toBe('ops-admin')
    expect(seeded.demoLogins.map((l) => l.username)).toEqual(DEMO_LOGINS.map((l) => l.username))
    expect(s.count('accounts')).toBe(DEMO_LOGINS.length + 1)
    expect(s.count('enterprises')).toBe(5)
    expect(await s.signIn(ADMIN.ADMIN_USERNAME, ADMIN.ADMIN_PASSWORD)).toBe(200)
    for (const login of DEMO_LOGINS)
      expect(await s.signIn(login.username, login.password)).toBe(200)
    await s.store.close()
  })

  it('gives a configured admin named like the demo admin its configured password, not the demo one', async () => {
    const s = emptyService({ ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'configured-password' })
    const seeded = await seedOnStart(s.store, s.config, new Date())
    expect(seeded.admin).toBe('admin')
    expect(seeded.demoLogins.map((l) => l.username)).not.toContain('admin')
    expect(await s.signIn('admin', 'configured-password')).toBe(200)
    expect(await s.signIn('admin', demo('admin').password)).toBe(401)
    expect(await s.signIn(demo('checkpoint').username, demo('checkpoint').password)).toBe(200)
    await s.store.close()
  })

  it('leaves out the demo login an admin named like it in another letter case would clash with (usernames ignore case)', async () => {
    for (const [username, clashing] of [
      ['Admin', 'admin'],
      ['COORDINATOR', 'coordinator'],
    ]) {
      const s = emptyService({ ADMIN_USERNAME: username, ADMIN_PASSWORD: 'configured-password' })
      const seeded = await seedOnStart(s.store, s.config, new Date())
      expect(seeded.admin).toBe(username)
      expect(seeded.demoLogins.map((l) => l.username)).toEqual(
        DEMO_LOGINS.map((l) => l.username).filter((u) => u !== clashing),
      )
      expect([s.count('accounts'), s.count('enterprises')]).toEqual([DEMO_LOGINS.length, 5])
      expect(await s.signIn(clashing, 'configured-password')).toBe(200)
      expect(
        await s.signIn(clashing, demo(clashing === 'admin' ? 'admin' : 'coordinator').password),
      ).toBe(401)
      await s.store.close()
    }
  })

  it('compares usernames as the database does: ASCII letters in any case, nothing else folded', () => {
    expect(sameUsername('Admin', 'admin')).toBe(true)
    expect(sameUsername('CHECKPOINT', 'checkpoint')).toBe(true)
    expect(sameUsername('admin2', 'admin')).toBe(false)
    // NOCASE leaves the Kelvin sign alone, though toLowerCase makes it a `k`.
    expect(sameUsername('chec\u212Apoint', 'checkpoint')).toBe(false)
  })

  it('seeds only the admin with SEED_DEMO=0, and only the demo data without an admin configured', async () => {
    const adminOnly = emptyService({ ...ADMIN, SEED_DEMO: '0' })
    expect(await seedOnStart(adminOnly.store, adminOnly.config, new Date())).toEqual({
      admin: 'ops-admin',
      demoLogins: [],
    })
    expect([adminOnly.count('accounts'), adminOnly.count('enterprises')]).toEqual([1, 0])
    await adminOnly.store.close()

    const demoOnly = emptyService({})
    expect((await seedOnStart(demoOnly.store, demoOnly.config, new Date())).admin).toBeNull()
    expect([demoOnly.count('accounts'), demoOnly.count('enterprises')]).toEqual([
      DEMO_LOGINS.length,
      5,
    ])
    await demoOnly.store.close()
  })

  it('on a database in use adds only a configured admin that is missing, and never the demo data', async () => {
    const s = emptyService({
      SEED_DEMO: '0',
      ADMIN_USERNAME: 'first-admin',
      ADMIN_PASSWORD: 'first-admin-password',
    })
    await seedOnStart(s.store, s.config, new Date())
    expect(await seedOnStart(s.store, s.config, new Date())).toEqual({
      admin: null,
      demoLogins: [],
    })
    // A later start with another admin configured and the demo data switched on.
    const later = loadConfig({ ...secrets, ...ADMIN, SEED_DEMO: '1' })
    expect(await seedOnStart(s.store, later, new Date())).toEqual({
      admin: 'ops-admin',
      demoLogins: [],
    })
    expect([s.count('accounts'), s.count('enterprises')]).toEqual([2, 0])
    await s.store.close()
  })
})

describe('seeding on the first request of a Workers isolate', () => {
  it('shares one seed among the first requests, and runs it again after it failed instead of failing every request', async () => {
    let runs = 0
    let fail = true
    const ready = seedOnFirstUse(async () => {
      runs++
      await Promise.resolve()
      if (fail) throw new Error('D1 unavailable')
      return runs
    })
    const first = await Promise.allSettled([ready(), ready()])
    expect(first.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(runs).toBe(1)

    fail = false
    expect(await Promise.all([ready(), ready()])).toEqual([2, 2])
    // Once it succeeded it is not run again.
    expect(await ready()).toBe(2)
    expect(runs).toBe(2)
  })
})
