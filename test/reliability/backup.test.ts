import { execFile } from 'node:child_process'
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import Sqlite from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { backupDataDir, secretsPathFor } from '../../scripts/backup.ts'
import { decryptPersonal } from '../../src/privacy/personal-data.ts'
import { residentIdCheckCharacter } from '../../src/applications/resident-id.ts'
import { ROOT, freePort, sleep, startServer, type RunningServer } from './support/server.ts'
import {
  CHECKPOINTS,
  Gate,
  call,
  client,
  login,
  makePass,
  newAcks,
  newWorld,
  scanOnce,
  type Acks,
} from './support/workload.ts'
import { checkDatabase } from './support/invariants.ts'

/**
 * Backup and restore: while the real server takes events, scans and approvals from several
 * clients, backups are taken with the function `npm run backup` uses (and once with the command
 * itself). Each copy must pass integrity_check, hold every write acknowledged before the backup
 * began, and hold nothing half-written; the last one is then restored as the DATA_DIR of a new
 * server, which must sign in, serve the passes, verify their QR tokens and read the encrypted
 * personal data with the restored secrets.
 */
const servers: RunningServer[] = []
const dirs: string[] = []
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}
afterAll(async () => {
  for (const server of servers) await server.kill()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

/** What had been acknowledged at one moment (the maps keep growing afterwards). */
function snapshot(acks: Acks): Acks {
  return {
    ...acks,
    events: new Map(acks.events),
    rejectedEvents: new Set(acks.rejectedEvents),
    scans: new Map(acks.scans),
    passes: new Map(acks.passes),
  }
}

describe('backup', () => {
  it(
    'copies the live database while it is written, and the copy restores and serves',
    { timeout: 120_000 },
    async () => {
      const dataDir = tempDir('tongxing-live-')
      const server = await startServer({
        dataDir,
        port: await freePort(),
        env: { SWEEP_INTERVAL_MS: '300', SEAL_INTERVAL_MS: '250' },
      })
      servers.push(server)
      const world = await newWorld(server.url)
      const { gate, acks } = world
      for (let i = 0; i < 4; i++) {
        const pass = await makePass(world)
        await scanOnce(world, pass!, CHECKPOINTS[0])
      }

      let stopping = false
      const clients = Array.from({ length: 4 }, () => client(world, () => stopping))
      const backupsDir = tempDir('tongxing-backups-')
      const taken: { file: string; acked: Acks; secrets: string | null }[] = []
      for (let i = 0; i < 3; i++) {
        await sleep(400 + Math.floor(Math.random() * 400))
        const acked = snapshot(acks)
        const result = await backupDataDir(dataDir, join(backupsDir, `tongxing-${i}.db`))
        expect(result.integrity).toBe('ok')
        taken.push({ file: result.destination, acked, secrets: result.secrets })
      }
      // The command itself, against the same live server.
      const cli = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'scripts/backup.ts'],
        { cwd: ROOT, env: { ...process.env, DATA_DIR: dataDir } },
      )
      stopping = true
      await Promise.all(clients)
      expect(acks.stats.serverErrors).toEqual([])

      expect(cli.stdout).toMatch(
        /backup written: .*backups\/tongxing-\d{8}T\d{6}Z\.db .*integrity_check: ok/,
      )
      expect(cli.stdout).toMatch(/secrets copied: .*backups\/tongxing-\d{8}T\d{6}Z\.secrets\.json/)
      expect(cli.stdout).toMatch(/encrypted with DATA_KEY/)
      const cliCopy = /backup written: (\S+)/.exec(cli.stdout)![1]
      expect(existsSync(cliCopy) && existsSync(secretsPathFor(cliCopy))).toBe(true)
      expect(statSync(cliCopy).mode & 0o077).toBe(0) // not readable by others
      taken.push({ file: cliCopy, acked: snapshot(acks), secrets: secretsPathFor(cliCopy) })

      for (const [i, backup] of taken.entries()) {
        // Every copy stands alone (no -wal beside it) and is consistent as of one moment.
        expect(existsSync(`${backup.file}-wal`)).toBe(false)
        if (i < 3) {
          const report = checkDatabase(backup.file, backup.acked)
          expect(report.problems, backup.file).toEqual([])
          expect(report.counts.loop_events).toBeGreaterThanOrEqual(backup.acked.events.size)
        } else {
          expect(checkDatabase(backup.file).problems).toEqual([])
        }
        expect(readFileSync(backup.secrets!, 'utf8')).toBe(
          readFileSync(join(dataDir, 'secrets.json'), 'utf8'),
        )
      }
      const last = taken[2]
      expect(last.acked.events.size).toBeGreaterThan(0)
      expect(last.acked.passes.size).toBeGreaterThan(0)

      // Restore, as the README says: the copy becomes tongxing.db, its secrets secrets.json.
      const restoredDir = tempDir('tongxing-restored-')
      copyFileSync(last.file, join(restoredDir, 'tongxing.db'))
      copyFileSync(last.secrets!, join(restoredDir, 'secrets.json'))
      await server.kill()
      // The audit anchor is not part of a backup: accepting the restore starts a new one.
      const accepted = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', 'scripts/audit-verify.ts', '--accept-restore', '--seal'],
        { cwd: ROOT, env: { ...process.env, DATA_DIR: restoredDir } },
      )
      expect(accepted.stdout).toMatch(/new anchor started at seal \d+/)
      const restored = await startServer({ dataDir: restoredDir, port: await freePort() })
      servers.push(restored)
      const rGate = new Gate()
      rGate.up(restored.url)
      const rAcks = newAcks()
      const coordinator = await login(rGate, rAcks, 'coordinator')
      const checkpoint = await login(rGate, rAcks, 'checkpoint')
      // Sign-in tokens from before the backup still work: the same TOKEN_SECRET.
      expect(
        (
          await call(rGate, rAcks, 'GET', '/api/v1/loops?limit=1', {
            token: world.tokens.coordinator,
          })
        )?.status,
      ).toBe(200)

      for (const number of last.acked.passes.keys()) {
        const pass = await call(rGate, rAcks, 'GET', `/api/v1/passes/${number}`, {
          token: coordinator,
        })
        expect(pass?.status).toBe(200)
        expect(pass?.json).toMatchObject({ number, status: 'active' })
      }
      // The QR of a pass issued before the backup still verifies (the signing keys came along).
      const [number] = last.acked.passes.keys()
      const pass = (await call(rGate, rAcks, 'GET', `/api/v1/passes/${number}`, {
        token: coordinator,
      }))!.json
      const scanned = await call(rGate, rAcks, 'POST', '/api/v1/scans', {
        token: checkpoint,
        body: { id: crypto.randomUUID(), token: pass.token, checkpoint_code: 'HZ-DEST-BJ' },
      })
      expect(scanned?.json).toMatchObject({ pass: { number } })
      expect(scanned?.json.reasons).not.toContain('bad_signature')
      expect(scanned?.json.reasons).not.toContain('unknown_key')
      for (const loopId of new Set(last.acked.events.values())) {
        expect(
          (await call(rGate, rAcks, 'GET', `/api/v1/loops/${loopId}`, { token: coordinator }))
            ?.status,
        ).toBe(200)
      }
      await sleep(400)
      expect(
        (await call(rGate, rAcks, 'GET', '/api/v1/audit/verify', { token: coordinator }))?.json,
      ).toMatchObject({ ok: true })
      await restored.kill()

      // The restored file, read directly: everything acknowledged before the backup, settled, intact.
      const report = checkDatabase(join(restoredDir, 'tongxing.db'), last.acked, {
        projectionsSettled: true,
      })
      expect(report.problems).toEqual([])
      // And the personal data decrypts with the restored DATA_KEY into valid resident ID numbers.
      const { DATA_KEY } = JSON.parse(readFileSync(join(restoredDir, 'secrets.json'), 'utf8'))
      const db = new Sqlite(join(restoredDir, 'tongxing.db'), { readonly: true })
      const crew = JSON.parse(
        db
          .prepare('SELECT crew FROM applications WHERE pass_number = ?')
          .pluck()
          .get(number) as string,
      )
      db.close()
      const idNumber = await decryptPersonal(DATA_KEY, crew[0].id_number_enc)
      expect(idNumber).toMatch(/^330702198503121\d\d[\dX]$/)
      expect(residentIdCheckCharacter(idNumber.slice(0, 17))).toBe(idNumber[17])
      console.log(
        `backup test: ${taken.length} backups under load; the restored one holds ${last.acked.events.size} events, ` +
          `${last.acked.scans.size} scans and ${last.acked.passes.size} passes acknowledged before it began; in it: ${JSON.stringify(report.counts)}`,
      )
    },
  )

  it('refuses to overwrite and reports a missing database', async () => {
    const dir = tempDir('tongxing-empty-')
    await expect(backupDataDir(dir)).rejects.toThrow(/no database/)
    const db = new Sqlite(join(dir, 'tongxing.db'))
    db.exec('CREATE TABLE t (x)')
    db.close()
    mkdirSync(join(dir, 'out'))
    const first = await backupDataDir(dir, join(dir, 'out', 'a.db'))
    expect(first).toMatchObject({ integrity: 'ok', secrets: null })
    await expect(backupDataDir(dir, join(dir, 'out', 'a.db'))).rejects.toThrow(/exists already/)
  })
})
