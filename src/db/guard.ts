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
  /** What the 409 answer says when this guard refuses the write. */
  message: string
  compile(): CompiledQuery
}

/**
 * A statement for `Store.atomic` that rolls back the whole write unless `condition` holds when it
 * runs — so a check and the writes it protects cannot be split by a concurrent request. Routes
 * check first for a precise message; the guard closes the race. `code` names the conflict and
 * `message` says it to the client (the 409 answer's code and message).
 */
export function abortUnless(condition: Expression<SqlBool>, code: string, message: string): Guard {
  return {
    guard: code,
    message,
    compile: () =>
      sql`INSERT INTO write_guards (ok) SELECT 0 WHERE NOT (${condition})`.compile(sqlite),
  }
}

/**
 * A write refused by one of its guards. SQLite reports only that a guard failed, not which, so
 * the write's first guard speaks for it (`code`, `message`); a caller with several guards that
 * needs the precise reason reads the facts again.
 */
export class GuardFailed extends Error {
  readonly code: string
  readonly codes: string[]

  constructor(guards: readonly Pick<Guard, 'guard' | 'message'>[]) {
    super(guards[0]?.message ?? 'the record changed; try again')
    this.code = guards[0]?.guard ?? 'conflict'
    this.codes = guards.map((g) => g.guard)
  }
}

export function isGuardViolation(error: unknown): boolean {
  return error instanceof Error && error.message.includes('write_guard_failed')
}
