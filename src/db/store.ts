import type { CompiledQuery, Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { GuardFailed, isGuardViolation, type Guard } from './guard.ts'

export interface WriteResult {
  rows: Record<string, unknown>[]
  changes: number
}

export type Compilable = CompiledQuery | { compile(): CompiledQuery } | Guard

/**
 * The database as the app sees it on either runtime. Reads go through Kysely; writes that must
 * not half-happen go through `atomic`, which is one transaction on better-sqlite3 and one
 * `batch()` on D1. D1 has no interactive transactions, so `atomic` takes the statements up front:
 * a later statement that depends on an earlier one says so in SQL (sub-selects, `RETURNING`), and
 * a failed `abortUnless` guard rolls the whole write back.
 */
export interface Store {
  db: Kysely<Database>
  atomic(queries: readonly Compilable[]): Promise<WriteResult[]>
  /** Runs a raw SQL script (migrations only). */
  exec(sql: string): Promise<void>
  close(): Promise<void>
}

/** Shared by both drivers: compile, run, and turn a guard violation into `GuardFailed`. */
export async function runAtomic(
  queries: readonly Compilable[],
  run: (compiled: CompiledQuery[]) => Promise<WriteResult[]> | WriteResult[],
): Promise<WriteResult[]> {
  const compiledQueries = queries.map((q) => ('compile' in q ? q.compile() : q))
  try {
    return await run(compiledQueries)
  } catch (error) {
    if (isGuardViolation(error)) {
      throw new GuardFailed(queries.filter((q): q is Guard => 'guard' in q))
    }
    throw error
  }
}

export { bindable } from './bindable.mjs'
