import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Sqlite from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { openNodeStore, rawSqlite } from '../../src/db/node-store.ts'
import { migrate } from '../../src/db/migrator.ts'
import { seedDemo } from '../../src/demo/seed.ts'
import { generateSecrets } from '../../src/keys/generate.ts'
import { saveSecrets } from '../../src/node-secrets.ts'
import { appClient } from '../support/app-client.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'

// `npm run decommission` itself, in a child process, on a database file in a temporary DATA_DIR
// (a copy, as an operator would rehearse it): the rehearsal changes nothing, an unconfirmed run
// changes nothing, a confirmed one leaves its report and the final status list beside it, and a
// second one is refused.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const REASON = 'end of the freight control measures'
const CREW = { name: '欧阳脚本', id_number: residentId('19790909', '919'), phone: '13977778888' }
let dataDir: string
let passNumbers: string[]

/** The script's exit code and output; `input` is typed at its prompt. */
function decommissionScript(
  args: string[],
  input = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/decommission.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dataDir },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }))
    child.stdin.end(input)
  })
}

/** Every row of every table of the file, read apart from the script. */
function dump(): Record<string, unknown[]> {
  const db = new Sqlite(join(dataDir, 'tongxing.db'), { readonly: true })
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all() as string[]
    return Object.fromEntries(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all()]))
  } finally {
    db.close()
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tongxing-decommission-'))
  const secrets = await generateSecrets()
  saveSecrets(dataDir, secrets)
  const config = loadConfig({ ...secrets, SEED_DEMO: '1' })
  const store = openNodeStore(join(dataDir, 'tongxing.db'), { writeThread: false })
  migrate(rawSqlite(store))
  const clock = () => new Date()
  await seedDemo(store, config, clock())
  const client = appClient(createApp({ store, config, clock }))
  // Passes valid from now on, in real time: the script runs on the wall clock.
  const hour = 3_600_000
  passNumbers = []
  for (const plate of ['沪A12345D', '浙A70707']) {
    const applied = await client.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({
        plate,
        crew: [CREW],
        valid_from: new Date(Date.now() + hour).toISOString(),
        valid_until: new Date(Date.now() + 10 * 24 * hour).toISOString(),
      }),
    })
    expect(applied.status, applied.text).toBe(201)
    const pass = await client.call('POST', `/api/v1/applications/${applied.json.id}/approve`, {
      as: 'coordinator',
    })
    expect(pass.status, pass.text).toBe(201)
    passNumbers.push(pass.json.number)
  }
  await store.close()
}, 60_000)

afterAll(() => rmSync(dataDir, { recursive: true, force: true }))

describe('npm run decommission', () => {
  it(
    'rehearses with --dry-run, and without confirmation does nothing',
    { timeout: 120_000 },
    async () => {
      const before = dump()
      const dry = await decommissionScript(['--reason', REASON, '--dry-run'])
      expect(dry.code, dry.stderr).toBe(0)
      const said = JSON.parse(dry.stdout)
      expect(said).toMatchObject({ status: 'dry_run', dry_run: true, reason: REASON })
      expect(said.passes.revoked).toBeGreaterThanOrEqual(2)
      expect(said.erased.applications).toBeGreaterThanOrEqual(2)
      expect(dump()).toEqual(before)
      expect(existsSync(join(dataDir, 'decommission-report.json'))).toBe(false)

      const refused = await decommissionScript(['--reason', REASON], 'no thanks\n')
      expect(refused.code).toBe(1)
      expect(refused.stdout).toContain('Type DECOMMISSION')
      expect(refused.stderr).toContain('not confirmed')
      expect(dump()).toEqual(before)

      // No input at all (no terminal, nothing piped) is a no, not a wait.
      const unanswered = await decommissionScript(['--reason', REASON])
      expect(unanswered.code).toBe(1)
      expect(dump()).toEqual(before)

      const noReason = await decommissionScript(['--yes'])
      expect(noReason.code).toBe(2)
      expect(dump()).toEqual(before)
    },
  )

  it(
    'with --yes does it, leaves the report and the final status list, and refuses a second run',
    { timeout: 120_000 },
    async () => {
      const done = await decommissionScript(['--reason', REASON, '--yes'])
      expect(done.code, done.stderr).toBe(0)
      const report = JSON.parse(readFileSync(join(dataDir, 'decommission-report.json'), 'utf8'))
      expect(report).toMatchObject({
        status: 'completed',
        reason: REASON,
        actor: expect.stringMatching(/^script:/),
        audit: { covers_last_entry: true, anchored: true },
      })
      expect(report.passes.revoked).toBeGreaterThanOrEqual(2)
      const jwt = readFileSync(join(dataDir, 'decommission-status-list.jwt'), 'utf8').trim()
      expect(jwt).toBe(report.status_list.jwt)
      expect(jwt.split('.')).toHaveLength(3)

      const after = dump()
      const passes = after.passes as { number: string; status: string; status_reason: string }[]
      for (const number of passNumbers)
        expect(passes.find((p) => p.number === number)).toMatchObject({
          status: 'revoked',
          status_reason: REASON,
        })
      const texts = Object.values(after)
        .flat()
        .flatMap((row) => Object.values(row as object))
        .filter((v): v is string => typeof v === 'string')
      for (const value of [CREW.name, CREW.id_number, CREW.phone])
        expect(texts.filter((text) => text.includes(value))).toEqual([])
      expect(texts.filter((text) => /(?<![\w-])v2\.[0-9a-f]{8}\./.test(text))).toEqual([])
      // The head went to the anchor beside the database, as a stopping server's does.
      const anchor = readFileSync(join(dataDir, 'audit-anchor.jsonl'), 'utf8').trim().split('\n')
      expect(JSON.parse(anchor[anchor.length - 1])).toMatchObject({ seq: report.audit.seal.seq })
      expect(after.decommissions).toEqual([
        expect.objectContaining({ id: 1, report: JSON.stringify(report) }),
      ])

      const again = await decommissionScript(['--reason', REASON, '--yes'])
      expect(again.code).toBe(3)
      expect(again.stderr).toContain('already been decommissioned')
    },
  )
})
