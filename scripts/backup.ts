import Sqlite from 'better-sqlite3'
import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * `npm run backup [-- <destination.db>]`: a consistent copy of the live database, taken with
 * SQLite's online backup API while the server keeps running and writing, plus the secrets file
 * the data needs, then checked with `PRAGMA integrity_check`.
 *
 *   DATA_DIR (default ./data)/tongxing.db  →  DATA_DIR/backups/tongxing-<UTC time>.db
 *   DATA_DIR/secrets.json                  →  DATA_DIR/backups/tongxing-<UTC time>.secrets.json
 *
 * The copy is a snapshot of one moment: every transaction committed before it is in, none after
 * it is (the whole file is copied inside one read transaction, which in WAL mode never blocks the
 * server's writes). It is written to a temporary name and renamed only once checked.
 */

export interface BackupResult {
  destination: string
  bytes: number
  pages: number
  integrity: string
  /** Where secrets.json was copied, or null when DATA_DIR has none (keys from the environment). */
  secrets: string | null
  counts: Record<string, number>
}

const COUNTED = [
  'passes',
  'applications',
  'loops',
  'loop_events',
  'scans',
  'alerts',
  'audit_log',
] as const

/** The UTC time as it appears in backup names: 20261129T195628Z. */
export function backupStamp(now = new Date()): string {
  return now
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '')
}

/** The secrets file kept beside a backup: `x.db` → `x.secrets.json`. */
export function secretsPathFor(destination: string): string {
  return join(
    dirname(destination),
    `${basename(destination).replace(/\.(db|sqlite3?)$/, '')}.secrets.json`,
  )
}

/**
 * Copies the SQLite database at `sourcePath` to `destPath` with the online backup API (safe while
 * another connection or process writes to it), then runs `integrity_check` on the copy and throws
 * unless it says `ok`. Does not touch secrets (see `backupDataDir`).
 */
export async function backupDatabase(
  sourcePath: string,
  destPath: string,
): Promise<Omit<BackupResult, 'secrets'>> {
  if (!existsSync(sourcePath)) throw new Error(`no database at ${sourcePath}`)
  if (existsSync(destPath)) throw new Error(`${destPath} exists already; choose another name`)
  mkdirSync(dirname(destPath), { recursive: true, mode: 0o700 })
  const partial = `${destPath}.partial`
  rmSync(partial, { force: true })
  // Made owner-only before the first page is copied (SQLite keeps an existing file's mode, and its
  // journal takes the same), not only once renamed.
  closeSync(openSync(partial, 'wx', 0o600))

  const source = new Sqlite(sourcePath, { fileMustExist: true })
  let pages = 0
  try {
    source.pragma('busy_timeout = 10000')
    // Copy every page in one step: one read transaction, so one consistent snapshot, instead of
    // small steps that start over whenever the server commits in between.
    await source.backup(partial, {
      progress: ({ totalPages }) => {
        pages = totalPages
        return 0x7fffffff
      },
    })
  } finally {
    source.close()
  }

  const copy = new Sqlite(partial, { fileMustExist: true })
  let integrity: string
  const counts: Record<string, number> = {}
  try {
    // A self-contained file: no -wal beside it to lose when it is moved.
    copy.pragma('journal_mode = DELETE')
    const rows = copy.pragma('integrity_check') as { integrity_check: string }[]
    integrity = rows.map((r) => r.integrity_check).join('; ')
    pages = (copy.pragma('page_count', { simple: true }) as number) || pages
    const tables = new Set(
      copy.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
    )
    for (const table of COUNTED)
      if (tables.has(table))
        counts[table] = copy.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number
  } finally {
    copy.close()
  }
  if (integrity !== 'ok') {
    throw new Error(`integrity_check on the copy failed: ${integrity} (left at ${partial})`)
  }
  renameSync(partial, destPath)
  chmodSync(destPath, 0o600) // it holds the audit log and encrypted personal data
  return { destination: destPath, bytes: statSync(destPath).size, pages, integrity, counts }
}

/** The database of `dataDir` and its secrets.json, to `destPath` (default: dataDir/backups/tongxing-<time>.db). */
export async function backupDataDir(
  dataDir: string,
  destPath?: string,
  now = new Date(),
): Promise<BackupResult> {
  const destination = resolve(
    destPath ?? join(dataDir, 'backups', `tongxing-${backupStamp(now)}.db`),
  )
  if (!destPath) {
    // Our own folder: owner only, also when an older version made it readable by others.
    mkdirSync(join(dataDir, 'backups'), { recursive: true, mode: 0o700 })
    chmodSync(join(dataDir, 'backups'), 0o700)
  }
  const result = await backupDatabase(join(dataDir, 'tongxing.db'), destination)
  const secretsFile = join(dataDir, 'secrets.json')
  let secrets: string | null = null
  if (existsSync(secretsFile)) {
    secrets = secretsPathFor(destination)
    copyFileSync(secretsFile, secrets)
    chmodSync(secrets, 0o600)
  }
  return { ...result, secrets }
}

async function main() {
  const dataDir = resolve(process.env.DATA_DIR ?? 'data')
  const args = process.argv.slice(2).filter((a) => a !== '--')
  if (args.includes('--help') || args.includes('-h')) {
    console.log(
      'usage: npm run backup [-- <destination.db>]   (DATA_DIR selects the data directory, default ./data)',
    )
    return
  }
  const result = await backupDataDir(dataDir, args[0])
  const mb = (result.bytes / 1024 / 1024).toFixed(1)
  console.log(
    `backup written: ${result.destination} (${mb} MB, ${result.pages} pages, integrity_check: ${result.integrity})`,
  )
  console.log(
    `  ${Object.entries(result.counts)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
  )
  if (result.secrets) {
    console.log(`secrets copied: ${result.secrets}`)
    console.log(
      '  Keep the two files together and as safe as the server itself: crew ID numbers and phones in',
    )
    console.log(
      '  the database are encrypted with DATA_KEY from this secrets file (without it they cannot be',
    )
    console.log(
      '  read back), and its signing keys and TOKEN_SECRET can issue passes and sign-ins.',
    )
  } else {
    console.log(
      `no secrets.json in ${dataDir}: the keys come from the environment (TOKEN_SECRET, DATA_KEY, SIGNING_KEYS).`,
    )
    console.log(
      '  Keep them with this backup: the personal data in it is encrypted with DATA_KEY and cannot be read without it.',
    )
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(`backup failed: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  })
}
