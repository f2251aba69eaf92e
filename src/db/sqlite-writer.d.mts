import type Sqlite from 'better-sqlite3'

export interface SqlQuery {
  sql: string
  parameters: readonly unknown[]
}
export interface WriteResult {
  rows: Record<string, unknown>[]
  changes: number
}
export type WriteOutcome = { ok: true; results: WriteResult[] } | { ok: false; error: unknown }

export function openSqlite(filename: string): Sqlite.Database
export function statementCache(sqlite: Sqlite.Database): (text: string) => Sqlite.Statement
export function batchCommitter(
  sqlite: Sqlite.Database,
  prepare?: (text: string) => Sqlite.Statement,
): (writes: readonly (readonly SqlQuery[])[]) => WriteOutcome[]
