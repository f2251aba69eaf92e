import type Sqlite from 'better-sqlite3'
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { Kysely, SqliteDialect, type CompiledQuery, type SqliteDatabase } from 'kysely'
import type { Database } from '../database.ts'
import { readDirectly } from './precompiled.ts'
import { runAtomic, type Store, type WriteResult } from './store.ts'
import {
  batchCommitter,
  openSqlite,
  statementCache,
  type SqlQuery,
  type WriteOutcome,
} from './sqlite-writer.mjs'

interface PendingWrite {
  queries: SqlQuery[]
  resolve: (results: WriteResult[]) => void
  reject: (error: unknown) => void
}

/**
 * better-sqlite3 behind the Store interface (settings in `openSqlite`).
 *
 * Writes are group-committed: the atomic writes waiting to run are run in one SQLite transaction,
 * each in its own savepoint, and are answered after the single COMMIT. For a database file the
 * transaction runs in a worker thread that owns the write connection, so the statements and the
 * disk flush of one group overlap with the next requests' work on the main thread; reads stay on the main thread's own connection (WAL: they never wait on the writer,
 * and see every write that was answered). An in-memory database cannot be shared between
 * connections, so there the writes run on the main thread, grouped by turn of the event loop.
 */
export function openNodeStore(filename: string, options: { writeThread?: boolean } = {}): Store {
  const inMemory = filename === ':memory:' || filename === ''
  if (!inMemory) restrictDatabaseFiles(filename)
  const sqlite = openSqlite(filename)
  const prepare = statementCache(sqlite)
  const writer =
    !inMemory && (options.writeThread ?? process.env.SQLITE_WRITE_THREAD !== '0')
      ? threadWriter(filename)
      : localWriter(sqlite, prepare)

  // Kysely prepares every query again; hand it the statement cache.
  const cachedDatabase: SqliteDatabase = { prepare, close: () => sqlite.close() }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachedDatabase }) })
  readDirectly(db, (query) => prepare(query.sql).all(...(query.parameters as unknown[])))
  return {
    db,
    atomic: (queries) => runAtomic(queries, writer.enqueue),
    async exec(script) {
      sqlite.exec(script)
    },
    async close() {
      await writer.close()
      sqlite.close()
    },
    // Exposed for the backup script and tests that inspect the raw file (and the write thread).
    ...({ sqlite, writeThread: 'thread' in writer ? writer.thread : undefined } as object),
  }
}

/**
 * The database holds the audit log and encrypted personal data: owner only (0600). Created so, and
 * tightened on every open, for a file left readable by an older version, a restore or a copy.
 * SQLite creates the -wal, -shm and -journal files with the database file's own mode; any left
 * from before are tightened here too.
 */
export function restrictDatabaseFiles(filename: string) {
  closeSync(openSync(filename, 'a', 0o600))
  for (const file of [filename, `${filename}-wal`, `${filename}-shm`, `${filename}-journal`])
    restrictMode(file, 0o600)
}

/**
 * DATA_DIR holds the database, secrets.json and the backups: owner only (0700), made so and
 * tightened on every start, with secrets.json (0600) if it is there.
 */
export function restrictDataDir(dir: string) {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  restrictMode(dir, 0o700)
  restrictMode(join(dir, 'secrets.json'), 0o600)
}

function restrictMode(path: string, mode: number) {
  try {
    chmodSync(path, mode)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    // Not ours to change (another owner): say so, do not refuse to start.
    console.error(JSON.stringify({ level: 'warn', job: 'file-modes', path, error: String(error) }))
  }
}

const toQuery = (q: CompiledQuery): SqlQuery => ({ sql: q.sql, parameters: q.parameters })

function settle(batch: PendingWrite[], outcomes: WriteOutcome[]) {
  batch.forEach((write, i) => {
    const outcome = outcomes[i]
    if (outcome.ok) write.resolve(outcome.results)
    else write.reject(outcome.error)
  })
}

/** Writes on this thread's connection, one transaction per turn of the event loop. */
function localWriter(sqlite: Sqlite.Database, prepare: (text: string) => Sqlite.Statement) {
  const commitWrites = batchCommitter(sqlite, prepare)
  let pending: PendingWrite[] = []
  const flush = () => {
    const batch = pending
    pending = []
    settle(batch, commitWrites(batch.map((w) => w.queries)))
  }
  return {
    enqueue: (queries: CompiledQuery[]) =>
      new Promise<WriteResult[]>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush)
        pending.push({ queries: queries.map(toQuery), resolve, reject })
      }),
    async close() {
      if (pending.length) flush()
    },
  }
}

/** How often the checkpoint thread copies the WAL back into the database file. */
const CHECKPOINT_INTERVAL_MS = 100
/** The writer checkpoints by itself only if the WAL grows past this (the checkpoint thread stalled). */
const WAL_BACKSTOP_PAGES = 20_000

/**
 * Writes in a worker thread with its own connection. Each atomic write is posted as soon as it is
 * made, so the thread starts on the first while the main thread prepares the next; the thread
 * folds every message waiting for it into one transaction (group commit).
 */
function threadWriter(filename: string) {
  // Checkpoints run beside the writer: a commit that had to copy the WAL back first would hold up
  // every request in its group.
  const checkpointer = new Worker(new URL('./sqlite-checkpoint-thread.mjs', import.meta.url), {
    workerData: { filename, intervalMs: CHECKPOINT_INTERVAL_MS },
  })
  checkpointer.unref()
  // Without it the writer's backstop still bounds the WAL: report, do not crash.
  checkpointer.on('error', (error) =>
    console.error(JSON.stringify({ level: 'error', job: 'wal-checkpoint', error: String(error) })),
  )
  const inFlight = new Map<number, PendingWrite>()
  let nextId = 1
  let failure: Error | undefined
  let drained: (() => void) | undefined
  let closing: Promise<void> | undefined
  const restarts: number[] = []

  const startThread = () => {
    const worker = new Worker(new URL('./sqlite-write-thread.mjs', import.meta.url), {
      workerData: { filename, walBackstopPages: WAL_BACKSTOP_PAGES },
    })
    // Only in-flight writes keep the process alive.
    worker.unref()
    worker.on('message', (answers: { id: number; outcomes: WriteOutcome[] }[]) => {
      for (const { id, outcomes } of answers) {
        const write = inFlight.get(id)
        inFlight.delete(id)
        const [outcome] = outcomes
        if (write)
          settle(
            [write],
            [outcome.ok ? outcome : { ok: false, error: asSqliteError(outcome.error) }],
          )
      }
      if (inFlight.size === 0) {
        worker.unref()
        drained?.()
      }
    })
    let crash: unknown
    worker.on('error', (error) => (crash = error))
    worker.on('exit', (code) => {
      // A crash of the thread (a bug; SQLite's own errors are answers): refuse what was in flight
      // — none of it was answered as done, and SQLite rolled back its open transaction — and start
      // a new thread, unless it keeps dying.
      const error =
        crash instanceof Error
          ? crash
          : new Error(`the SQLite write thread stopped (exit code ${code})`)
      console.error(
        JSON.stringify({ level: 'error', job: 'sqlite-write-thread', error: String(error) }),
      )
      for (const write of inFlight.values()) write.reject(error)
      inFlight.clear()
      const now = Date.now()
      while (restarts.length > 0 && now - restarts[0] > 60_000) restarts.shift()
      if (restarts.length < 5) {
        restarts.push(now)
        thread = startThread()
      } else failure = error
      drained?.()
    })
    return worker
  }
  let thread = startThread()

  return {
    enqueue: (queries: CompiledQuery[]) =>
      new Promise<WriteResult[]>((resolve, reject) => {
        if (failure) return reject(failure)
        const id = nextId++
        const write = { queries: queries.map(toQuery), resolve, reject }
        inFlight.set(id, write)
        if (inFlight.size === 1) thread.ref()
        thread.postMessage({ id, writes: [write.queries] })
      }),
    close() {
      closing ??= (async () => {
        if (inFlight.size > 0 && !failure) await new Promise<void>((resolve) => (drained = resolve))
        if (failure) return
        // From here on a write is refused, not left waiting for a thread that is gone.
        failure = new Error('the database is closed')
        thread.removeAllListeners('exit')
        thread.ref()
        const exited = new Promise((resolve) => thread.once('exit', resolve))
        thread.postMessage({ close: true })
        checkpointer.ref()
        const checkpointerExited = new Promise((resolve) => checkpointer.once('exit', resolve))
        checkpointer.postMessage({ close: true })
        await Promise.all([exited, checkpointerExited])
      })()
      return closing
    },
    /** For tests: the current write thread. */
    thread: () => thread,
  }
}

/** Rebuilds a SQLite error that crossed from the write thread (callers read its message and code). */
function asSqliteError(error: unknown): Error {
  const { message, code } = error as { message: string; code?: string }
  return Object.assign(new Error(message), { name: 'SqliteError', code })
}

export function rawSqlite(store: Store): Sqlite.Database {
  const sqlite = (store as unknown as { sqlite?: Sqlite.Database }).sqlite
  if (!sqlite) throw new Error('not a better-sqlite3 store')
  return sqlite
}
