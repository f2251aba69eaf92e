import type { D1Database } from '@cloudflare/workers-types'
import { Kysely } from 'kysely'
import { D1Dialect } from 'kysely-d1'
import type { Database } from '../database.ts'
import { bindable, runAtomic, type Store } from './store.ts'

export type { D1Database }

/** Cloudflare D1 behind the Store interface; `atomic` is one `batch()`, which D1 runs as a transaction. */
export function openD1Store(d1: D1Database): Store {
  return {
    db: new Kysely<Database>({ dialect: new D1Dialect({ database: d1 }) }),
    atomic: (queries) =>
      runAtomic(queries, async (compiledQueries) => {
        if (compiledQueries.length === 0) return []
        try {
          const results = await d1.batch<Record<string, unknown>>(
            compiledQueries.map((q) => d1.prepare(q.sql).bind(...bindable(q.parameters))),
          )
          return results.map((r) => ({ rows: r.results ?? [], changes: r.meta?.changes ?? 0 }))
        } catch (error) {
          throw withSqliteCode(error)
        }
      }),
    async exec(script) {
      await d1.exec(script)
    },
    async close() {},
  }
}

/**
 * Gives a D1 error the `code` better-sqlite3 sets (`SQLITE_CONSTRAINT_PRIMARYKEY`, …), so callers
 * on either runtime read `error.code`, never the message. D1 has no code property but ends its
 * message with the result code: `D1_ERROR: UNIQUE constraint failed: scans.id: SQLITE_CONSTRAINT
 * (extended: SQLITE_CONSTRAINT_PRIMARYKEY)`; older D1 versions name only the primary code, and
 * then `code` is that (`SQLITE_CONSTRAINT`), since a primary key and a unique index fail with the
 * same words. The message is kept as it is.
 */
export function withSqliteCode(error: unknown): unknown {
  if (!(error instanceof Error) || 'code' in error) return error
  const code = sqliteCodeIn(error.message)
  return code ? Object.assign(error, { code }) : error
}

/** The most specific SQLite result code a D1 error message names, if any. */
export function sqliteCodeIn(message: string): string | undefined {
  const extended = /\(extended: (SQLITE_[A-Z_]+)\)/.exec(message)
  if (extended) return extended[1]
  const named = message.match(/\bSQLITE_[A-Z_]+\b/g)
  return named?.at(-1)
}
