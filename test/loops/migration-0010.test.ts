import { describe, expect, it } from 'vitest'
import Sqlite from 'better-sqlite3'
import { migrate, readMigrations } from '../../src/db/migrator.ts'

describe('migration 0010 on a database in use', () => {
  it('keeps every alert, and fills who each loop involves from its entry, destination and events', () => {
    const db = new Sqlite(':memory:')
    const all = readMigrations()
    migrate(
      db,
      all.filter((m) => m.name < '0010'),
    )
    db.exec(
      `INSERT INTO checkpoints (code, name, region_code, kind, created_at) VALUES ('CP-A', 'A', '330109', 'road', 'x'), ('CP-B', 'B', '330109', 'road', 'x')`,
    )
    db.exec(`INSERT INTO loops (id, plate, entry_checkpoint_code, opened_at, opened_by, destination_code, closed_at, updated_at)
             VALUES ('L1', '浙A00001', 'CP-A', '2026-11-01T00:00:00.000Z', 't', 'ST-9', NULL, 'x'),
                    ('L2', '浙A00002', 'CP-B', '2026-11-02T00:00:00.000Z', 't', NULL, '2026-11-03T00:00:00.000Z', 'x')`)
    db.exec(`INSERT INTO loop_events (id, loop_id, kind, at, checkpoint_code, recorded_by, received_at)
             VALUES ('E1', 'L1', 'arrived', 'x', 'CP-A', 't', 'x'), ('E2', 'L1', 'pcr_result', 'x', 'LAB-1', 't', 'x')`)
    db.exec(
      `INSERT INTO alerts (id, loop_id, kind, status, opened_at, details, note, enterprise_id) VALUES ('A1', 'L1', 'pcr_positive', 'resolved', 'x', '{}', 'done', 'ent')`,
    )
    migrate(
      db,
      all.filter((m) => m.name.startsWith('0010')),
    )
    expect(
      db.prepare('SELECT id, kind, status, note, enterprise_id, round, outcome FROM alerts').all(),
    ).toEqual([
      {
        id: 'A1',
        kind: 'pcr_positive',
        status: 'resolved',
        note: 'done',
        enterprise_id: 'ent',
        round: 0,
        outcome: null,
      },
    ])
    expect(
      db
        .prepare(
          'SELECT loop_id, checkpoint_code, open FROM loop_checkpoints ORDER BY loop_id, checkpoint_code',
        )
        .all(),
    ).toEqual([
      { loop_id: 'L1', checkpoint_code: 'CP-A', open: 1 },
      { loop_id: 'L1', checkpoint_code: 'LAB-1', open: 1 },
      { loop_id: 'L1', checkpoint_code: 'ST-9', open: 1 },
      { loop_id: 'L2', checkpoint_code: 'CP-B', open: 0 },
    ])
    expect(db.prepare('SELECT late FROM loop_events').pluck().all()).toEqual([0, 0])
    // A second round of the same kind may open now.
    db.exec(
      `INSERT INTO alerts (id, loop_id, kind, status, opened_at, details, round) VALUES ('A2', 'L1', 'pcr_positive', 'open', 'x', '{}', 1)`,
    )
    expect(() =>
      db.exec(
        `INSERT INTO alerts (id, loop_id, kind, status, opened_at, details, round) VALUES ('A3', 'L1', 'pcr_positive', 'open', 'x', '{}', 1)`,
      ),
    ).toThrow(/UNIQUE/)
  })
})
