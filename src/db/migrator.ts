import { readdirSync, readFileSync } from 'node:fs'
import type Sqlite from 'better-sqlite3'

export const SCHEMA_DIR = new URL('../../schema/', import.meta.url)

export interface Migration {
  name: string
  sql: string
}

/** The numbered plain-SQL files of `schema/`, in order. */
export function readMigrations(dir: URL = SCHEMA_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: readFileSync(new URL(name, dir), 'utf8') }))
}

/**
 * Applies pending migrations on Node, keeping wrangler's own `d1_migrations` table so the same
 * files and the same bookkeeping serve `wrangler d1 migrations apply`. Each file and its
 * bookkeeping row commit together; running it again applies nothing.
 */
export function migrate(sqlite: Sqlite.Database, migrations = readMigrations()): string[] {
  sqlite.exec(`CREATE TABLE IF NOT EXISTS d1_migrations(
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
  );`)
  const applied = new Set(
    sqlite.prepare('SELECT name FROM d1_migrations').pluck().all() as string[],
  )
  const record = sqlite.prepare('INSERT INTO d1_migrations (name) VALUES (?)')
  const done: string[] = []
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue
    sqlite.transaction(() => {
      sqlite.exec(migration.sql)
      record.run(migration.name)
    })()
    done.push(migration.name)
  }
  return done
}
