import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { seedDemo } from '../../src/demo/seed.ts'
import { generateSecrets } from '../../src/keys/generate.ts'
import {
  dataKeyId,
  encryptPersonal,
  idNumberHash,
  maskIdNumber,
} from '../../src/privacy/personal-data.ts'
import { openCrew, sealCrew, type StoredCrewMember } from '../../src/vehicles/crew.ts'
import { appClient, testClock } from '../support/app-client.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { buildTestApp } from '../support/test-app.ts'

// `npm run keys:rotate-data` on a real DATA_DIR (the script spawned with tsx, as an operator
// runs it): every value moves under a new key and opens to what it was, ID hashes are computed
// again, crews from before names were sealed are upgraded too, and after --finish the old key is
// gone and a subject's export still finds the person.

// A script on a DATA_DIR is Node's alone (NODE_ONLY_TESTS in vitest.config.ts); the endpoint
// Workers use instead is tested in data-key-reseal.test.ts.
let node: Awaited<ReturnType<typeof loadNode>>
async function loadNode() {
  const [child, fs, os, path, store, migrator] = await Promise.all([
    import('node:child_process'),
    import('node:fs'),
    import('node:os'),
    import('node:path'),
    import('../../src/db/node-store.ts'),
    import('../../src/db/migrator.ts'),
  ])
  return {
    ...child,
    ...fs,
    ...os,
    join: path.join,
    root: path.resolve(import.meta.dirname, '../..'),
    openNodeStore: store.openNodeStore,
    rawSqlite: store.rawSqlite,
    migrate: migrator.migrate,
  }
}
beforeAll(async () => {
  node = await loadNode()
})
const PERSON = { name: '王建国', id_number: residentId('19850312', '123'), phone: '13812345678' }
const OTHER = { name: '李秀英', id_number: residentId('19900101', '456'), phone: '13998765432' }
const LEGACY = { name: '赵六', id_number: residentId('19770707', '777'), phone: '13700007777' }

let dir: string
let oldKey: string
let ids: { both: string; legacy: string }

type Secrets = Awaited<ReturnType<typeof generateSecrets>> & { DATA_KEY_PREVIOUS?: string }
const secrets = (): Secrets => JSON.parse(node.readFileSync(node.join(dir, 'secrets.json'), 'utf8'))

/** The app on the DATA_DIR's database with the secrets as they are now in the file. */
function openApp() {
  const store = node.openNodeStore(node.join(dir, 'tongxing.db'), { writeThread: false })
  const config = loadConfig({ ...secrets(), SEED_DEMO: '1' })
  const clock = testClock()
  const app = createApp({ store, config, clock })
  return { store, config, clock, sqlite: node.rawSqlite(store), ...appClient(app) }
}

function rotate(args: string[] = [], env: Record<string, string> = {}) {
  const { DATA_KEY: _k, DATA_KEY_PREVIOUS: _p, ...inherited } = process.env
  const run = node.spawnSync(
    node.join(node.root, 'node_modules/.bin/tsx'),
    ['scripts/rotate-data-key.ts', ...args],
    {
      cwd: node.root,
      env: { ...inherited, DATA_DIR: dir, SQLITE_WRITE_THREAD: '0', ...env },
      encoding: 'utf8',
    },
  )
  return { status: run.status, out: run.stdout + run.stderr }
}

const crews = (sqlite: ReturnType<typeof openApp>['sqlite']) =>
  sqlite.prepare(`SELECT id, crew FROM applications WHERE crew <> '[]'`).all() as {
    id: string
    crew: string
  }[]

beforeEach(async () => {
  dir = node.mkdtempSync(node.join(node.tmpdir(), 'tongxing-rotate-'))
  const made = await generateSecrets()
  oldKey = made.DATA_KEY
  node.writeFileSync(node.join(dir, 'secrets.json'), JSON.stringify(made))
  const t = openApp()
  node.migrate(t.sqlite)
  await seedDemo(t.store, t.config, t.clock())
  const apply = async (crew: unknown[], plate: string) => {
    const res = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ crew, plate }),
    })
    expect(res.status, res.text).toBe(201)
    return res.json.id as string
  }
  ids = {
    both: await apply([PERSON, OTHER], '沪A12345D'),
    legacy: await apply([OTHER], '沪B54321'),
  }
  // A crew from before names were sealed: the name in clear, no ID hash.
  t.sqlite.prepare('UPDATE applications SET crew = ? WHERE id = ?').run(
    JSON.stringify([
      {
        name: LEGACY.name,
        id_number_enc: await encryptPersonal(oldKey, LEGACY.id_number),
        id_number_masked: maskIdNumber(LEGACY.id_number),
        phone_enc: await encryptPersonal(oldKey, LEGACY.phone),
        phone_masked: '137****7777',
      },
    ]),
    ids.legacy,
  )
  await t.store.close()
})

afterEach(() => {
  node.rmSync(dir, { recursive: true, force: true })
})

// Each test spawns the script two or three times (a second or more each under load).
describe('npm run keys:rotate-data', { timeout: 120_000 }, () => {
  it('moves every value under a new key, opening to the same text, hashes and legacy crews too', async () => {
    const run = rotate()
    expect(run.status, run.out).toBe(0)
    expect(run.out).toMatch(/Restart the service/)
    const after = secrets()
    expect(after.DATA_KEY).not.toBe(oldKey)
    expect(after.DATA_KEY_PREVIOUS).toBe(oldKey)
    // Keys never reach the output: ids only.
    expect(run.out).not.toContain(after.DATA_KEY)
    expect(run.out).not.toContain(oldKey)

    const newId = await dataKeyId(after.DATA_KEY)
    const t = openApp()
    const rows = crews(t.sqlite)
    expect(rows.length).toBeGreaterThanOrEqual(2)
    for (const row of rows) {
      const values = row.crew.match(/v2\.[0-9a-f]+\./g) ?? []
      expect(values.length).toBe(3 * JSON.parse(row.crew).length)
      expect(new Set(values)).toEqual(new Set([`v2.${newId}.`]))
    }
    const byId = new Map(rows.map((r) => [r.id, r.crew]))
    // The new key alone opens them, to what was sealed.
    expect(await openCrew([after.DATA_KEY], byId.get(ids.both)!)).toEqual([PERSON, OTHER])
    expect(await openCrew([after.DATA_KEY], byId.get(ids.legacy)!)).toEqual([LEGACY])
    const both = JSON.parse(byId.get(ids.both)!) as StoredCrewMember[]
    expect(both[0].id_hash).toBe(await idNumberHash(after.DATA_KEY, PERSON.id_number))
    expect(both[0].name_masked).toBe('王*国')
    // The firms' contact phones moved too.
    const phones = t.sqlite.prepare('SELECT contact_phone_enc AS v FROM enterprises').all() as {
      v: string
    }[]
    for (const { v } of phones) expect(v.startsWith(`v2.${newId}.`)).toBe(true)
    const audit = t.sqlite
      .prepare(`SELECT after FROM audit_log WHERE action = 'keys.rotate_data'`)
      .all() as { after: string }[]
    expect(audit).toHaveLength(1)
    expect(JSON.parse(audit[0].after)).toMatchObject({
      step: 'rotate',
      key_id: newId,
      remaining: 0,
    })
    expect(audit[0].after).not.toContain(after.DATA_KEY)
    await t.store.close()
  })

  it('--finish seals what the old process wrote meanwhile, then drops the old key; the export still finds the person', async () => {
    expect(rotate().status).toBe(0)
    // The service, not yet restarted, sealed a crew under the old key after the rotation.
    let t = openApp()
    t.sqlite
      .prepare('UPDATE applications SET crew = ? WHERE id = ?')
      .run(JSON.stringify(await sealCrew(oldKey, [OTHER, PERSON])), ids.legacy)
    await t.store.close()

    const run = rotate(['--finish'])
    expect(run.status, run.out).toBe(0)
    expect(run.out).toMatch(/sealed again under data key \w+ in [\d.]+ s: 1 applications/)
    expect(secrets().DATA_KEY_PREVIOUS).toBeUndefined()

    t = openApp()
    expect(t.config.DATA_KEY_PREVIOUS).toBeUndefined()
    const found = await t.call('POST', '/api/v1/admin/subjects/export', {
      as: 'admin',
      body: { id_number: PERSON.id_number, reason: 'after the rotation' },
    })
    expect(found.status, found.text).toBe(200)
    expect(found.json.counts.applications).toBe(2)
    for (const a of found.json.applications) expect(a.as_crew).toEqual([PERSON])
    await t.store.close()
  })

  it('--finish keeps the old key and exits 1 while values it cannot move remain', async () => {
    expect(rotate().status).toBe(0)
    const t = openApp()
    const lost = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)))
    t.sqlite
      .prepare('UPDATE applications SET crew = ? WHERE id = ?')
      .run(JSON.stringify(await sealCrew(lost, [OTHER])), ids.legacy)
    await t.store.close()
    const run = rotate(['--finish'])
    expect(run.status, run.out).toBe(1)
    expect(run.out).toMatch(/DATA_KEY_PREVIOUS stays/)
    expect(secrets().DATA_KEY_PREVIOUS).toBe(oldKey)
  })

  it('prints the steps, editing nothing, when the keys come from the environment', async () => {
    const before = node.readFileSync(node.join(dir, 'secrets.json'), 'utf8')
    const run = rotate([], { DATA_KEY: oldKey })
    expect(run.status, run.out).toBe(0)
    expect(run.out).toMatch(/wrangler secret put DATA_KEY/)
    expect(run.out).toMatch(/\/api\/v1\/admin\/data-key\/reseal/)
    expect(node.readFileSync(node.join(dir, 'secrets.json'), 'utf8')).toBe(before)
    const t = openApp()
    const crew = t.sqlite.prepare('SELECT crew FROM applications WHERE id = ?').get(ids.both) as {
      crew: string
    }
    expect(sealedIds(crew.crew)).toEqual([await dataKeyId(oldKey)])
    await t.store.close()
  })
})

const sealedIds = (crew: string) => [
  ...new Set((crew.match(/v2\.([0-9a-f]+)\./g) ?? []).map((v) => v.slice(3, -1))),
]
