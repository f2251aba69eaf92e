import { beforeAll, describe, expect, it } from 'vitest'
import { listLoopsQuery, type LoopFilter } from '../../src/loops/loops.repository.ts'
import { buildTestApp, type TestApp } from '../support/test-app.ts'

/**
 * The loops list must stay fast however much history there is: each filter walks an index that
 * holds only what it asks for, never all loops ever (see `npm run bench`, growth).
 */
describe('loops list query plans', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  const plan = (filter: Omit<LoopFilter, 'limit'>) => {
    const compiled = listLoopsQuery(t.store.db, { limit: 100, ...filter }).compile()
    return (t.sqlite.prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`).all(...(compiled.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail).join(' | ')
  }

  it.each([
    ['open', { state: 'open' }, /INDEX loops_open\b/],
    ['an open state', { state: 'sampled' }, /INDEX loops_open\b/],
    ['alerting', { state: 'alerting' }, /INDEX loops_alerting\b/],
    ['open at a checkpoint', { state: 'open', checkpoint: 'hz-g60-xs' }, /INDEX loops_open_by_entry\b.*INDEX loops_open_by_last\b/],
    ['a plate', { plate: '浙A12345' }, /INDEX loops_by_plate\b/],
    ['a checkpoint, any state', { checkpoint: 'HZ-G60-XS' }, /INDEX loops_by_entry\b.*INDEX loops_by_last_checkpoint\b/],
  ] as const)('%s: walks the index for it', (_name, filter, index) => {
    const detail = plan(filter as Omit<LoopFilter, 'limit'>)
    expect(detail).toMatch(index)
    expect(detail).not.toMatch(/SCAN loops(?! USING)/)
  })

  it('answers a state other than closed only from open loops, and closed ones by time', () => {
    expect(plan({ state: 'released' })).toMatch(/loops_open\b/)
    expect(plan({ state: 'closed' })).toMatch(/INDEX loops_by_opened\b/)
  })
})
