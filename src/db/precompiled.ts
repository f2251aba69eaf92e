import { CompiledQuery, type Insertable, type Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { sqlite } from './guard.ts'

/**
 * Hot statements without building a Kysely query on every request: building and compiling the
 * query tree costs more than SQLite takes to run a small indexed statement. The SQL is still
 * written with Kysely (typed), compiled once; each call only supplies new values.
 */

const SENTINEL = '\u0000precompiled:'

/**
 * Compiles `build` once and returns a function that gives the same SQL with new parameters.
 * `build` must use its named arguments as plain values only — not to choose columns, branches or
 * the length of an `in (…)` list — which is checked as far as it can be: every argument must
 * reach the SQL as a parameter, and nothing else may have been derived from it.
 */
export function precompiled<P extends Record<string, unknown>, R>(
  names: readonly (keyof P & string)[],
  build: (db: Kysely<Database>, args: P) => { compile(): CompiledQuery<R> } | CompiledQuery<R>,
): (args: P) => CompiledQuery<R> {
  const probe = Object.fromEntries(names.map((name) => [name, `${SENTINEL}${name}`])) as P
  const built = build(sqlite, probe)
  // A query builder, or a `sql` template the caller compiled itself.
  const compiled = 'compile' in built ? built.compile() : built
  const slots = compiled.parameters.map((p) => {
    if (typeof p !== 'string' || !p.includes(SENTINEL)) return { constant: p }
    const name = p.slice(SENTINEL.length)
    if (!p.startsWith(SENTINEL) || !names.includes(name))
      throw new Error(
        `precompiled: a parameter was derived from an argument (${JSON.stringify(p)})`,
      )
    return { name }
  })
  for (const name of names) {
    if (!slots.some((s) => 'name' in s && s.name === name))
      throw new Error(`precompiled: argument "${name}" does not reach the SQL as a value`)
  }
  return (args) =>
    CompiledQuery.raw(
      compiled.sql,
      slots.map((s) => ('name' in s ? args[s.name as keyof P] : s.constant)),
    ) as CompiledQuery<R>
}

const insertText = new Map<string, string>()

/** `INSERT INTO <table> (<the row's columns>) VALUES (…)`; the text is made once per column list. */
export function insertRow<T extends keyof Database & string>(
  table: T,
  row: Insertable<Database[T]>,
): CompiledQuery {
  // As Kysely does: a column whose value is undefined is left to its default.
  const entries = Object.entries(row).filter(([, value]) => value !== undefined)
  const key = `${table}\u0000${entries.map(([column]) => column).join('\u0000')}`
  let text = insertText.get(key)
  if (text === undefined) {
    text = `insert into "${table}" (${entries.map(([column]) => `"${column}"`).join(', ')}) values (${entries.map(() => '?').join(', ')})`
    insertText.set(key, text)
  }
  return CompiledQuery.raw(
    text,
    entries.map(([, value]) => value),
  )
}

/**
 * A list of values bound as ONE parameter, for `IN (SELECT value FROM json_each(?))`: the statement
 * stays the same whatever the list's length (so it can be precompiled), and D1's limit of 100
 * bound parameters never applies.
 */
export const jsonList = (values: readonly (string | number)[]) => JSON.stringify(values)

/** Reads that bypass Kysely's driver (connection mutex, result plugins): registered by a store. */
const directReaders = new WeakMap<Kysely<Database>, (query: CompiledQuery) => unknown[]>()

/**
 * Lets `rows` and `firstRow` run precompiled reads on `db` with `read` directly. better-sqlite3 is
 * synchronous and its connection is never shared with a transaction (writes have their own), so
 * Kysely's per-query connection handling adds only promise hops there.
 */
export function readDirectly(db: Kysely<Database>, read: (query: CompiledQuery) => unknown[]) {
  directReaders.set(db, read)
}

/** Runs a precompiled read: its rows, or its first row. */
export async function rows<R>(db: Kysely<Database>, query: CompiledQuery<R>): Promise<R[]> {
  const read = directReaders.get(db)
  return read ? (read(query) as R[]) : (await db.executeQuery(query)).rows
}

export async function firstRow<R>(
  db: Kysely<Database>,
  query: CompiledQuery<R>,
): Promise<R | undefined> {
  return (await rows(db, query))[0]
}
