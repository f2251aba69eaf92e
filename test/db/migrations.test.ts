import { describe, expect, it } from 'vitest'
import Sqlite from 'better-sqlite3'
import { readFileSync } from 'node:fs'
import { migrate, readMigrations } from '../../src/db/migrator.ts'
import { countyDivisions, regionsMigrationSql } from '../../src/regions/division-source.ts'

describe('migrations', () => {
  it('apply in order on an empty database and record themselves in wrangler’s table', () => {
    const db = new Sqlite(':memory:')
    const applied = migrate(db)
    expect(applied).toEqual(readMigrations().map((m) => m.name))
    expect(applied[0]).toBe('0001_init.sql')
    const recorded = db.prepare('SELECT name FROM d1_migrations ORDER BY id').pluck().all()
    expect(recorded).toEqual(applied)
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all()
    expect(tables).toEqual(
      expect.arrayContaining([
        'accounts',
        'regions',
        'stations',
        'checkpoints',
        'enterprises',
        'whitelist_decisions',
        'audit_log',
      ]),
    )
  })

  it('change nothing when applied a second time', () => {
    const db = new Sqlite(':memory:')
    migrate(db)
    const before = db.prepare('SELECT count(*) FROM regions').pluck().get()
    expect(migrate(db)).toEqual([])
    expect(db.prepare('SELECT count(*) FROM d1_migrations').pluck().get()).toBe(
      readMigrations().length,
    )
    expect(db.prepare('SELECT count(*) FROM regions').pluck().get()).toBe(before)
  })

  it('hold no BEGIN or COMMIT, which D1 refuses', () => {
    for (const m of readMigrations()) expect(m.sql).not.toMatch(/^\s*(BEGIN|COMMIT)\b/im)
  })

  it('load every county-level region of the division package, the generated file matching it', () => {
    const divisions = countyDivisions()
    expect(divisions.length).toBeGreaterThan(2800)
    const file = readFileSync(new URL('../../schema/0002_regions.sql', import.meta.url), 'utf8')
    expect(file).toBe(regionsMigrationSql(divisions))
    const db = new Sqlite(':memory:')
    migrate(db)
    expect(db.prepare('SELECT count(*) FROM regions').pluck().get()).toBe(divisions.length)
    expect(
      db.prepare("SELECT name, city_name, province_name FROM regions WHERE code = '330109'").get(),
    ).toEqual({
      name: '萧山区',
      city_name: '杭州市',
      province_name: '浙江省',
    })
  })
})
