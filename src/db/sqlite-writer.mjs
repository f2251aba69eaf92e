// @ts-check
// Plain JavaScript, type-checked from its JSDoc: this module is also loaded inside a worker thread
// (sqlite-write-thread.mjs), where neither tsx nor Vitest's transform runs.
import Sqlite from 'better-sqlite3'
import { bindable } from './bindable.mjs'

/** @import { WriteResult } from './store.ts' */
/** @typedef {{ sql: string, parameters: readonly unknown[] }} SqlQuery */
/** @typedef {{ ok: true, results: WriteResult[] } | { ok: false, error: unknown }} WriteOutcome */
/** @typedef {(text: string) => Sqlite.Statement} Prepare */

/**
 * Opens the database file with the service's settings: WAL so readers never wait on the writer,
 * foreign keys on, and `synchronous = FULL` so an answered write survives a power cut, not just a
 * crash.
 * @param {string} filename
 */
export function openSqlite(filename) {
  const sqlite = new Sqlite(filename)
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('foreign_keys = ON')
  sqlite.pragma('busy_timeout = 5000')
  return sqlite
}

/**
 * Prepared statements by SQL text: preparing is a large share of a small statement's cost.
 * @param {Sqlite.Database} sqlite
 * @returns {Prepare}
 */
export function statementCache(sqlite) {
  /** @type {Map<string, Sqlite.Statement>} */
  const statements = new Map()
  return (text) => {
    let statement = statements.get(text)
    if (!statement) {
      statement = sqlite.prepare(text)
      statements.set(text, statement)
    }
    return statement
  }
}

/**
 * Group commit: `commitWrites(writes)` runs many atomic writes (each a list of `{ sql, parameters }`)
 * in one SQLite transaction, each inside its own savepoint so a failing one rolls back alone, and
 * returns one outcome per write once the single COMMIT has reached the disk. Every write is still
 * durable before it is acknowledged; under load one disk flush serves many requests.
 * @param {Sqlite.Database} sqlite
 * @param {Prepare} [prepare]
 * @returns {(writes: readonly (readonly SqlQuery[])[]) => WriteOutcome[]}
 */
export function batchCommitter(sqlite, prepare = statementCache(sqlite)) {
  // Transaction control as prepared statements: `exec` would parse the SQL again every time.
  const control = Object.fromEntries(
    [
      'BEGIN IMMEDIATE',
      'COMMIT',
      'ROLLBACK',
      'SAVEPOINT write',
      'RELEASE write',
      'ROLLBACK TO write',
    ].map((text) => [text, sqlite.prepare(text)]),
  )
  /** @param {string} text */
  const step = (text) => control[text].run()
  /** @param {readonly SqlQuery[]} queries @returns {WriteResult[]} */
  const run = (queries) =>
    queries.map((q) => {
      const statement = prepare(q.sql)
      const params = bindable(q.parameters)
      if (statement.reader) {
        return {
          rows: /** @type {Record<string, unknown>[]} */ (statement.all(...params)),
          changes: 0,
        }
      }
      return { rows: [], changes: statement.run(...params).changes }
    })

  return function commitWrites(writes) {
    /** @type {WriteOutcome[]} */
    const outcomes = []
    // A lone write needs no savepoint: if it fails, the whole transaction is its own.
    const alone = writes.length === 1
    try {
      step('BEGIN IMMEDIATE')
      for (const queries of writes) {
        if (!alone) step('SAVEPOINT write')
        try {
          outcomes.push({ ok: true, results: run(queries) })
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
      return writes.map(() => ({ ok: false, error }))
    }
    return outcomes
  }
}
