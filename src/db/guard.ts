import { sql, type CompiledQuery, type Expression, type SqlBool } from 'kysely'
import { DummyDriver, Kysely, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely'

/** A Kysely that only compiles: for building statements handed to `Store.atomic`. */
export const sqlite = new Kysely<any>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
})

export interface Guard {
  guard: string
  compile(): CompiledQuery
}

/**
 * A statement for `Store.atomic` that rolls back the whole write unless `condition` holds when it
 * runs — so a check and the writes it protects cannot be split by a concurrent request. Routes
 * check first for a precise message; the guard closes the race. `code` names the conflict.
 */
export function abortUnless(condition: Expression<SqlBool>, code: string): Guard {
  return {
    guard: code,
    compile: () =>
      sql`INSERT INTO write_guards (ok) SELECT 0 WHERE NOT (${condition})`.compile(sqlite),
  }
}

export class GuardFailed extends Error {
  constructor(readonly codes: string[]) {
    super(`write refused: ${codes.join(', ')}`)
  }
}

export function isGuardViolation(error: unknown): boolean {
  return error instanceof Error && error.message.includes('write_guard_failed')
}
