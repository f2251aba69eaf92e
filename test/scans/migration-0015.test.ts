import { describe, expect, it } from 'vitest'
import Sqlite from 'better-sqlite3'
import { migrate, readMigrations } from '../../src/db/migrator.ts'

// A pass's loop and a loop opened by hand may be open side by side for one plate; two of a kind
// may not (the scan's and the manual-open route's race guard).

const loop = (
  id: string,
  plate: string,
  manual: number,
  pass: string | null,
  closedAt: string | null = null,
) =>
  `('${id}', '${plate}', ${pass === null ? 'NULL' : `'${pass}'`}, 'CP-A', '2026-11-01T00:00:00.000Z', 't', ${manual}, ${closedAt === null ? 'NULL' : `'${closedAt}'`}, 'x')`
const insert = (db: Sqlite.Database, ...rows: string[]) =>
  db.exec(
    `INSERT INTO loops (id, plate, pass_number, entry_checkpoint_code, opened_at, opened_by, manual, closed_at, updated_at) VALUES ${rows.join(', ')}`,
  )

describe('migration 0015', () => {
  function before0015() {
    const db = new Sqlite(':memory:')
    const all = readMigrations()
    migrate(
      db,
      all.filter((m) => m.name < '0015'),
    )
    db.exec(
      `INSERT INTO checkpoints (code, name, region_code, kind, created_at) VALUES ('CP-A', 'A', '330109', 'road', 'x')`,
    )
    return { db, rest: all.filter((m) => m.name >= '0015') }
  }

  it('lets one open pass loop and one open manual loop of a plate stand side by side, never two of a kind', () => {
    const { db, rest } = before0015()
    migrate(db, rest)
    insert(db, loop('P1', '浙A00001', 0, '330100000001'), loop('M1', '浙A00001', 1, null))
    expect(() => insert(db, loop('P2', '浙A00001', 0, '330100000002'))).toThrow(/UNIQUE/)
    expect(() => insert(db, loop('M2', '浙A00001', 1, null))).toThrow(/UNIQUE/)
    // Closed loops of either kind do not count.
    insert(
      db,
      loop('P0', '浙A00001', 0, '330100000001', '2026-11-01T01:00:00.000Z'),
      loop('M0', '浙A00001', 1, null, '2026-11-01T01:00:00.000Z'),
    )
  })

  it('keeps an open loop a pass took over before it as that pass’s loop', () => {
    const { db, rest } = before0015()
    insert(
      db,
      loop('T1', '浙A00002', 1, '330100000003'),
      loop('T0', '浙A00003', 1, '330100000004', '2026-11-01T01:00:00.000Z'),
      loop('M1', '浙A00004', 1, null),
    )
    migrate(db, rest)
    expect(db.prepare('SELECT id, manual FROM loops ORDER BY id').all()).toEqual([
      { id: 'M1', manual: 1 },
      { id: 'T0', manual: 1 },
      { id: 'T1', manual: 0 },
    ])
    expect(() => insert(db, loop('P2', '浙A00002', 0, '330100000005'))).toThrow(/UNIQUE/)
  })
})
