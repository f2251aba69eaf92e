import { Kysely } from 'kysely'
import { D1Dialect } from 'kysely-d1'
import type { Database } from './database.ts'
import { bindable, runAtomic, type Store } from './store.ts'

/** Cloudflare D1 behind the Store interface; `atomic` is one `batch()`, which D1 runs as a transaction. */
export function openD1Store(d1: D1Database): Store {
  return {
    db: new Kysely<Database>({ dialect: new D1Dialect({ database: d1 as never }) }),
    atomic: (queries) =>
      runAtomic(queries, async (compiledQueries) => {
        if (compiledQueries.length === 0) return []
        const results = await d1.batch(
          compiledQueries.map((q) => d1.prepare(q.sql).bind(...bindable(q.parameters))),
        )
        return results.map((r) => ({
          rows: (r.results ?? []) as Record<string, unknown>[],
          changes: r.meta?.changes ?? 0,
        }))
      }),
    async exec(script) {
      await d1.exec(script)
    },
    async close() {},
  }
}

// The few D1 types used here, so the project needs no global Workers typings.
export interface D1Database {
  prepare(query: string): D1PreparedStatement
  batch(statements: D1PreparedStatement[]): Promise<D1Result[]>
  exec(query: string): Promise<unknown>
}
interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement
}
interface D1Result {
  results?: unknown[]
  meta?: { changes?: number }
}
