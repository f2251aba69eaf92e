import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { openD1Store, sqliteCodeIn, type D1Database } from '../../src/db/d1-store.ts'
import { abortUnless, GuardFailed } from '../../src/db/guard.ts'

// Messages as D1 words them. The first group was captured from workerd's local D1 (wrangler
// 4.86, miniflare); the older forms, which name only the primary code or the extended one alone,
// are quoted from projects that ran into them on deployed D1.
const current = {
  primaryKey:
    'D1_ERROR: UNIQUE constraint failed: scans.id: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)',
  integerPrimaryKey:
    'D1_ERROR: UNIQUE constraint failed: r.id: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_PRIMARYKEY)',
  unique:
    'D1_ERROR: UNIQUE constraint failed: loops.plate: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)',
  notNull:
    'D1_ERROR: NOT NULL constraint failed: t.n: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)',
  check:
    'D1_ERROR: CHECK constraint failed: c > 0: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)',
  foreignKey:
    'D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)',
  guard:
    'D1_ERROR: CHECK constraint failed: write_guard_failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)',
}
const older = {
  unique: 'D1_ERROR: UNIQUE constraint failed: services.id: SQLITE_CONSTRAINT',
  foreignKey: 'D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT_FOREIGNKEY',
}

describe('the SQLite result code in a D1 error message', () => {
  it('is the extended code when D1 names one', () => {
    expect(sqliteCodeIn(current.primaryKey)).toBe('SQLITE_CONSTRAINT_PRIMARYKEY')
    expect(sqliteCodeIn(current.integerPrimaryKey)).toBe('SQLITE_CONSTRAINT_PRIMARYKEY')
    expect(sqliteCodeIn(current.unique)).toBe('SQLITE_CONSTRAINT_UNIQUE')
    expect(sqliteCodeIn(current.notNull)).toBe('SQLITE_CONSTRAINT_NOTNULL')
    expect(sqliteCodeIn(current.check)).toBe('SQLITE_CONSTRAINT_CHECK')
    expect(sqliteCodeIn(current.foreignKey)).toBe('SQLITE_CONSTRAINT_FOREIGNKEY')
    expect(sqliteCodeIn(older.foreignKey)).toBe('SQLITE_CONSTRAINT_FOREIGNKEY')
  })

  it('is the primary code when D1 cannot tell a primary key from a unique index', () => {
    expect(sqliteCodeIn(older.unique)).toBe('SQLITE_CONSTRAINT')
  })

  it('is absent when the message names none', () => {
    expect(sqliteCodeIn('D1_ERROR: no such table: nope')).toBeUndefined()
    expect(sqliteCodeIn('Network connection lost.')).toBeUndefined()
  })
})

/** A D1 binding whose every batch fails with `message`, as D1 throws it. */
function failingD1(message: string): D1Database {
  const statement = { bind: () => statement }
  return {
    prepare: () => statement,
    batch: async () => {
      throw new Error(message)
    },
  } as unknown as D1Database
}

const insertScan = () =>
  sql`INSERT INTO scans (id) VALUES ('s1')`.compile(openD1Store(failingD1('')).db)

describe('a D1 store', () => {
  it('gives a failed write the code better-sqlite3 would, keeping the message', async () => {
    const store = openD1Store(failingD1(current.primaryKey))
    const error = await store.atomic([insertScan()]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as { code?: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY')
    expect((error as Error).message).toBe(current.primaryKey)

    const unknown = await openD1Store(failingD1(older.unique))
      .atomic([insertScan()])
      .catch((e: unknown) => e)
    expect((unknown as { code?: string }).code).toBe('SQLITE_CONSTRAINT')
  })

  it('still turns a failed guard into GuardFailed', async () => {
    const store = openD1Store(failingD1(current.guard))
    const error = await store
      .atomic([insertScan(), abortUnless(sql`0`, 'scan_guard', 'the scan changed')])
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(GuardFailed)
    expect(error).toMatchObject({
      code: 'scan_guard',
      message: 'the scan changed',
      codes: ['scan_guard'],
    })
  })
})
