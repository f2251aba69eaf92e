import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Sqlite from 'better-sqlite3'
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest'
import { openNodeStore, restrictDataDir } from '../../src/db/node-store.ts'
import { backupDataDir, secretsPathFor } from '../../scripts/backup.ts'
import { freePort, startServer, type RunningServer } from '../reliability/support/server.ts'

/**
 * The database holds the audit log and (encrypted) personal data; DATA_DIR also the secrets that
 * decrypt it. On Node the data dir is 0700 and the database with its -wal and -shm files 0600,
 * when they are made and on every start (tightening what an older version, a restore or a copy
 * left readable by others); the backups too.
 */
const dirs: string[] = []
const servers: RunningServer[] = []
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongxing-modes-'))
  dirs.push(dir)
  return dir
}
afterEach(() => {
  vi.restoreAllMocks()
})
afterAll(async () => {
  for (const server of servers) await server.kill()
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const mode = (path: string) => statSync(path).mode & 0o777
const filesOf = (db: string) => [db, `${db}-wal`, `${db}-shm`]

describe('file modes on Node', () => {
  // Without the change these files come out 0644 under the usual umask 022.
  it('creates the database, its WAL and its SHM owner-only (0600)', async () => {
    const file = join(tempDir(), 'tongxing.db')
    const store = openNodeStore(file)
    await store.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)')
    for (const path of filesOf(file)) {
      expect(existsSync(path), path).toBe(true)
      expect(mode(path), path).toBe(0o600)
    }
    await store.close()
  })

  it('tightens a database, WAL and SHM left readable by others when it opens them', async () => {
    const file = join(tempDir(), 'tongxing.db')
    // Another connection keeps the -wal and -shm files in place (the last one to close removes them).
    const other = new Sqlite(file)
    other.pragma('journal_mode = WAL')
    other.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)')
    for (const path of filesOf(file)) chmodSync(path, 0o644)
    const store = openNodeStore(file)
    for (const path of filesOf(file)) expect(mode(path), path).toBe(0o600)
    await store.close()
    other.close()
  })

  it('makes the data dir 0700 and tightens an existing one and its secrets.json', () => {
    const root = tempDir()
    const fresh = join(root, 'new', 'data')
    restrictDataDir(fresh)
    expect(mode(fresh)).toBe(0o700)

    const old = join(root, 'old')
    mkdirSync(old, { mode: 0o755 })
    chmodSync(old, 0o755)
    writeFileSync(join(old, 'secrets.json'), '{}', { mode: 0o644 })
    chmodSync(join(old, 'secrets.json'), 0o644)
    restrictDataDir(old)
    expect(mode(old)).toBe(0o700)
    expect(mode(join(old, 'secrets.json'))).toBe(0o600)
  })

  it(
    'the server tightens DATA_DIR and the database files of an earlier start when it starts',
    { timeout: 120_000 },
    async () => {
      const dataDir = join(tempDir(), 'data')
      mkdirSync(dataDir, { mode: 0o755 })
      chmodSync(dataDir, 0o755)
      const first = await startServer({ dataDir, port: await freePort() })
      servers.push(first)
      expect(mode(dataDir)).toBe(0o700)
      const db = join(dataDir, 'tongxing.db')
      for (const path of filesOf(db)) if (existsSync(path)) expect(mode(path), path).toBe(0o600)
      await first.stop()

      // As an older version, a restore with `cp` or a careless chmod would leave them.
      chmodSync(dataDir, 0o755)
      chmodSync(db, 0o644)
      chmodSync(join(dataDir, 'secrets.json'), 0o644)
      const second = await startServer({ dataDir, port: await freePort() })
      servers.push(second)
      expect(mode(dataDir)).toBe(0o700)
      expect(mode(join(dataDir, 'secrets.json'))).toBe(0o600)
      for (const path of filesOf(db)) {
        expect(existsSync(path), path).toBe(true)
        expect(mode(path), path).toBe(0o600)
      }
      await second.stop()
    },
  )

  it('writes backups owner-only, in a backups folder that is 0700, and never shows a partial copy to others', async () => {
    const dataDir = tempDir()
    const store = openNodeStore(join(dataDir, 'tongxing.db'))
    await store.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)')
    writeFileSync(join(dataDir, 'secrets.json'), '{}', { mode: 0o600 })
    mkdirSync(join(dataDir, 'backups'), { mode: 0o755 })
    chmodSync(join(dataDir, 'backups'), 0o755)

    // The mode of the copy while its pages are being written.
    const copying: number[] = []
    const backup = Sqlite.prototype.backup
    vi.spyOn(Sqlite.prototype, 'backup').mockImplementation(function (
      this: Sqlite.Database,
      destination: string,
      options?: Sqlite.BackupOptions,
    ) {
      copying.push(mode(destination))
      return backup.call(this, destination, options)
    })
    const result = await backupDataDir(dataDir)
    await store.close()
    expect(copying).toEqual([0o600])
    expect(mode(join(dataDir, 'backups'))).toBe(0o700)
    expect(mode(result.destination)).toBe(0o600)
    expect(mode(secretsPathFor(result.destination))).toBe(0o600)
  })
})
