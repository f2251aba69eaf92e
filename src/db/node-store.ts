import Sqlite from 'better-sqlite3'
import { Kysely, SqliteDialect, type CompiledQuery } from 'kysely'
import type { Database } from './database.ts'
import { bindable, runAtomic, type Store, type WriteResult } from './store.ts'

interface PendingWrite {
  queries: CompiledQuery[]
  resolve: (results: WriteResult[]) => void
  reject: (error: unknown) => void
}

/**
 * better-sqlite3 behind the Store interface. WAL so readers never wait on the writer, foreign keys
 * on, and `synchronous = FULL` so an answered write survives a power cut, not just a crash.
 *
 * Group commit: the atomic writes requested within one turn of the event loop run in one SQLite
 * transaction, each inside its own savepoint (a failing one rolls back alone), and all are answered
 * after the single commit. Every write is still durable before it is acknowledged; under load one
 * disk flush serves many requests instead of one each.
 */
export function openNodeStore(filename: string): Store {
  const sqlite = new Sqlite(filename)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  const statements = new Map<string, Sqlite.Statement>()
  const prepare = (text: string) => {
    let statement = statements.get(text)
    if (!statement) {
      statement = sqlite.prepare(text)
      statements.set(text, statement)
    }
    return statement
  }
  const run = (queries: CompiledQuery[]) =>
    queries.map((q): WriteResult => {
      const statement = prepare(q.sql)
      const params = bindable(q.parameters)
      if (statement.reader) return { rows: statement.all(...params) as WriteResult['rows'], changes: 0 }
      return { rows: [], changes: statement.run(...params).changes }
    })

  // Transaction control as prepared statements: `exec` would parse the SQL again every time.
  const control = Object.fromEntries(
    ['BEGIN IMMEDIATE', 'COMMIT', 'ROLLBACK', 'SAVEPOINT write', 'RELEASE write', 'ROLLBACK TO write'].map((text) => [text, sqlite.prepare(text)]),
  )
  const step = (text: string) => control[text].run()
  let pending: PendingWrite[] = []
  const flush = () => {
    const batch = pending
    pending = []
    const outcomes: ({ ok: true; results: WriteResult[] } | { ok: false; error: unknown })[] = []
    // A lone write needs no savepoint: if it fails, the whole transaction is its own.
    const alone = batch.length === 1
    try {
      step('BEGIN IMMEDIATE')
      for (const write of batch) {
        if (!alone) step('SAVEPOINT write')
        try {
          outcomes.push({ ok: true, results: run(write.queries) })
          if (!alone) step('RELEASE write')
        } catch (error) {
          if (alone) throw error
          step('ROLLBACK TO write')
          step('RELEASE write')
          outcomes.push({ ok: false, error })
        }
      }
      step('COMMIT')
    } catch (error) {
      if (sqlite.inTransaction) step('ROLLBACK')
      for (const write of batch) write.reject(error)
      return
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i]
      if (outcome.ok) write.resolve(outcome.results)
      else write.reject(outcome.error)
    })
  }
  const enqueue = (queries: CompiledQuery[]) =>
    new Promise<WriteResult[]>((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush)
      pending.push({ queries, resolve, reject })
    })

  // Kysely prepares every query again; hand it the same statement cache the writes use.
  const cachedDatabase = { prepare, close: () => sqlite.close() }
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: cachedDatabase as never }) }),
    atomic: (queries) => runAtomic(queries, enqueue),
    async exec(script) {
      sqlite.exec(script)
    },
    async close() {
      if (pending.length) flush()
      sqlite.close()
    },
    // Exposed for the backup script and tests that inspect the raw file.
    ...({ sqlite } as object),
  }
}

export function rawSqlite(store: Store): Sqlite.Database {
  const sqlite = (store as unknown as { sqlite?: Sqlite.Database }).sqlite
  if (!sqlite) throw new Error('not a better-sqlite3 store')
  return sqlite
}
