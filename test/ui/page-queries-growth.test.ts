import Sqlite from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.ts'
import { openNodeStore, rawSqlite } from '../../src/db/node-store.ts'
import { migrate } from '../../src/db/migrator.ts'
import { seedDemo } from '../../src/demo/seed.ts'
import { generateSecrets } from '../../src/keys/generate.ts'
import {
  generateGrowth,
  newGrowthState,
  timePageQueries,
  type PageQueryTiming,
} from '../../scripts/bench/growth.ts'
import { sealedCrews } from '../../scripts/bench/fixtures.ts'

/**
 * The pages' reads as the growth bench times them (`npm run bench`, growth), on a small history:
 * each runs through the repositories and walks an index, never every loop, event, alert or pass.
 */
describe('page reads on a history of loops', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongxing-page-reads-'))
  const file = join(dir, 'growth.db')
  const now = new Date('2026-11-29T08:00:00.000Z')
  let pages: Record<string, PageQueryTiming>

  beforeAll(async () => {
    const config = loadConfig({ ...(await generateSecrets()), SEED_DEMO: '0' })
    const store = openNodeStore(file)
    migrate(rawSqlite(store))
    await seedDemo(store, config, now)
    await store.close()
    const db = new Sqlite(file)
    const enterprises = ['demo-ent-1', 'demo-ent-2', 'demo-ent-3']
    const crews = await sealedCrews(config.DATA_KEY, 4)
    generateGrowth(db, newGrowthState(), 3_000, {
      now,
      loopsPerDay: 2_740,
      vehicles: 500,
      issuer: '330100',
      kid: 'test-kid',
      crews,
      enterprises,
      limits: { releaseHours: 6, resultOverdueHours: 8 },
    })
    const plate = db
      .prepare(
        `SELECT plate FROM loops WHERE enterprise_id = 'demo-ent-1' GROUP BY plate ORDER BY count(*) DESC, plate LIMIT 1`,
      )
      .pluck()
      .get() as string
    db.close()
    pages = await timePageQueries(file, {
      now,
      plate,
      checkpoint: 'HZ-G60-XS',
      enterpriseId: 'demo-ent-1',
      runs: 2,
    })
  }, 60_000)

  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('times every page the bench covers, each through the statements its page runs', () => {
    expect(Object.keys(pages).sort()).toEqual([
      'page_alerts',
      'page_arrivals',
      'page_loop',
      'page_open_loops',
      'page_passes',
      'page_queue',
    ])
    for (const timing of Object.values(pages)) expect(timing.sql.length).toBeGreaterThan(0)
    // The loop page: the loop, its events (the fold's own query) and its alerts.
    expect(pages.page_loop.sql.map((s) => s.sql).join('\n')).toMatch(
      /from "loop_events"[\s\S]*order by "at", rowid/,
    )
    expect(pages.page_loop.rows).toBeGreaterThan(1)
    expect(pages.page_open_loops.rows).toBeGreaterThan(0)
    expect(pages.page_alerts.rows).toBeGreaterThan(0)
    expect(pages.page_passes.rows).toBeGreaterThan(0)
  })

  it('reads no large table whole', () => {
    for (const [name, timing] of Object.entries(pages)) {
      for (const statement of timing.sql) {
        for (const step of statement.plan)
          expect(`${name}: ${step}`).not.toMatch(
            /: SCAN (loops|loop_events|alerts|passes|applications|arrival_reports)(?! USING)/,
          )
      }
    }
  })
})
