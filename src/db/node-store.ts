import Sqlite from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import type { Database } from './database.ts'
import { bindable, runAtomic, type Store, type WriteResult } from './store.ts'

/**
 * better-sqlite3 behind the Store interface. WAL so readers never wait on the writer, foreign keys
 * on, and `synchronous = FULL` so an answered write survives a power cut, not just a crash.
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
  // The whole batch runs synchronously inside one transaction: nothing else can interleave.
  const transaction = sqlite.transaction((queries: { sql: string; parameters: readonly unknown[] }[]) =>
    queries.map((q): WriteResult => {
      const statement = prepare(q.sql)
      const params = bindable(q.parameters)
      if (statement.reader) return { rows: statement.all(...params) as WriteResult['rows'], changes: 0 }
      return { rows: [], changes: statement.run(...params).changes }
    }),
  )
  return {
    db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }),
    atomic: (queries) => runAtomic(queries, (compiledQueries) => transaction(compiledQueries)),
    async exec(script) {
      sqlite.exec(script)
    },
    async close() {
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
