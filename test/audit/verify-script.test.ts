import { execFile } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { openNodeStore, rawSqlite } from '../../src/db/node-store.ts'
import { migrate } from '../../src/db/migrator.ts'
import { generateSecrets } from '../../src/keys/generate.ts'
import { saveSecrets } from '../../src/node-secrets.ts'
import { auditEntry } from '../../src/audit-log/audit-entry.ts'
import { fileAnchor } from '../../src/audit/anchor-file.ts'
import { sealAudit } from '../../src/audit/chain.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const dirs: string[] = []
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** `npm run audit:verify` on `dataDir`: its exit code and the report it printed. */
function auditVerify(
  dataDir: string,
  ...args: string[]
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/audit-verify.ts', ...args],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir } },
      (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
    )
  })
}
const report = (stdout: string) => JSON.parse(stdout.slice(stdout.indexOf('{\n')))

describe('npm run audit:verify', () => {
  it(
    'reports a database restored from an older backup as truncated, until the restore is accepted',
    { timeout: 60_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'tongxing-verify-'))
      dirs.push(dataDir)
      const secrets = await generateSecrets()
      saveSecrets(dataDir, secrets)
      const store = openNodeStore(join(dataDir, 'tongxing.db'), { writeThread: false })
      migrate(rawSqlite(store))
      const deps = {
        store,
        config: loadConfig(secrets),
        clock: () => new Date(),
        auditAnchor: fileAnchor(join(dataDir, 'audit-anchor.jsonl')),
      }
      const write = async (n: number) => {
        for (let i = 0; i < n; i++)
          await store.atomic([
            auditEntry(new Date(), { actor: 'system', action: 'test.write', subject: `t:${i}` }),
          ])
      }
      // Each seal anchored at once, as a server does when it stops.
      await write(3)
      await sealAudit(deps, { anchorNow: true })
      await rawSqlite(store).backup(join(dataDir, 'older.db'))
      await write(3)
      await sealAudit(deps, { anchorNow: true })
      await store.close()

      const intact = await auditVerify(dataDir)
      expect(intact.code).toBe(0)
      expect(report(intact.stdout)).toMatchObject({
        ok: true,
        entries: 6,
        anchor: { heads: 2, last: { seq: 6 } },
      })

      // The older copy put back in place, as a restore (or someone hiding the newest entries) would.
      for (const suffix of ['-wal', '-shm'])
        rmSync(join(dataDir, `tongxing.db${suffix}`), { force: true })
      copyFileSync(join(dataDir, 'older.db'), join(dataDir, 'tongxing.db'))
      const restored = await auditVerify(dataDir)
      expect(restored.code).toBe(1)
      expect(report(restored.stdout)).toMatchObject({
        ok: false,
        problem: 'truncated',
        first_bad_seq: 4,
        anchor_seq: 6,
      })

      const accepted = await auditVerify(dataDir, '--accept-restore', '--seal')
      expect(accepted.code).toBe(0)
      // A new anchor starts from the restored chain's head.
      expect(report(accepted.stdout)).toMatchObject({
        ok: true,
        entries: 3,
        anchor: { heads: 1, last: { seq: 3 } },
      })
      // The old anchor is kept, as the record of what the restore lost.
      expect(readdirSync(dataDir).filter((f) => f.endsWith('.before-restore.jsonl'))).toHaveLength(
        1,
      )
    },
  )
})

describe('a backup restored into a fresh directory', () => {
  it(
    'has no anchor beside it: anchor_missing until the restore is accepted, then a new anchor starts',
    { timeout: 60_000 },
    async () => {
      const live = mkdtempSync(join(tmpdir(), 'tongxing-live-'))
      const fresh = mkdtempSync(join(tmpdir(), 'tongxing-fresh-'))
      dirs.push(live, fresh)
      const secrets = await generateSecrets()
      saveSecrets(live, secrets)
      saveSecrets(fresh, secrets)
      const store = openNodeStore(join(live, 'tongxing.db'), { writeThread: false })
      migrate(rawSqlite(store))
      // Sealed ten minutes ago: older than the anchor interval and the grace.
      const deps = {
        store,
        config: loadConfig(secrets),
        clock: () => new Date(Date.now() - 600_000),
        auditAnchor: fileAnchor(join(live, 'audit-anchor.jsonl')),
      }
      for (let i = 0; i < 3; i++)
        await store.atomic([
          auditEntry(new Date(), { actor: 'system', action: 'test.write', subject: `t:${i}` }),
        ])
      await sealAudit(deps)
      await rawSqlite(store).backup(join(fresh, 'tongxing.db'))
      await store.close()

      const restored = await auditVerify(fresh)
      expect(restored.code).toBe(1)
      expect(report(restored.stdout)).toMatchObject({
        ok: false,
        problem: 'anchor_missing',
        first_bad_seq: 1,
      })

      const accepted = await auditVerify(fresh, '--accept-restore')
      expect(accepted.code).toBe(0)
      expect(report(accepted.stdout)).toMatchObject({
        ok: true,
        entries: 3,
        anchor: { heads: 1, last: { seq: 3 } },
      })
      expect(existsSync(join(fresh, 'audit-anchor.jsonl'))).toBe(true)
      expect(readdirSync(fresh).filter((f) => f.endsWith('.before-restore.jsonl'))).toHaveLength(0)
    },
  )
})
