import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'
import { planLoopChange } from '../../src/loops/loop-change.ts'
import { writePlan } from '../../src/loops/write-plan.ts'
import type { CompiledQuery } from 'kysely'
import { findLoop, loopEvents } from '../../src/loops/loops.repository.ts'
import type { Deps } from '../../src/app-env.ts'
import type { LoopRow } from '../../src/loops/loops.table.ts'

/**
 * The projection update writes an indexed column only when its value changes (SQLite rewrites the
 * indexes of every column named in SET). A column left out is checked against the row as it was
 * read, so a projection computed from a stale read never lands half on top of another write.
 */
let t: TestApp
let deps: Deps
let loopId: string
beforeEach(async () => {
  t = await buildTestApp()
  deps = { store: t.store, config: t.config, clock: t.clock } as unknown as Deps
  loopId = (await openLoop(t)).loopId
  expect(
    (await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'TB-1', tests: ['pcr'] })])).json
      .results[0].status,
  ).toBe('accepted')
})

const row = () => t.sqlite.prepare('SELECT * FROM loops WHERE id = ?').get(loopId) as LoopRow
/** Plans the loop's projection from `read` and runs it; returns the SQL it ran. */
const project = async (read: LoopRow) => {
  const plan = writePlan()
  planLoopChange(deps, plan, { loop: read, stored: await loopEvents(t.store.db, loopId) })
  let ran: string[] = []
  await plan.run({
    atomic: (statements) => (
      (ran = statements.map((s) => ('compile' in s ? s.compile() : (s as CompiledQuery)).sql)),
      t.store.atomic(statements)
    ),
  })
  return ran
}

describe('storing a loop projection', () => {
  it('names in SET only the indexed columns whose value changes', async () => {
    const read = (await findLoop(t.store.db, loopId))!
    // Nothing changed since the last event: the loop is still open at its entry checkpoint.
    const sql = (await project(read)).join('\n')
    expect(sql).toContain('update "loops"')
    const setClause = sql.slice(sql.indexOf(' set '), sql.indexOf(' where '))
    for (const column of [
      'last_checkpoint_code',
      'closed_at',
      'result_due_at',
      'destination_due_at',
    ]) {
      expect(setClause).not.toContain(`"${column}" =`)
    }
    expect(row()).toMatchObject({ state: 'sampled', dirty: 0, last_checkpoint_code: 'HZ-G60-XS' })
  })

  it('writes a changed indexed column, and the open-loop lists follow it', async () => {
    await sendEvents(t, [
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
      { ...event(t, loopId, 'destination_arrived'), checkpoint_code: 'HZ-DEST-BJ' },
    ])
    expect(row()).toMatchObject({
      state: 'at_destination',
      last_checkpoint_code: 'HZ-DEST-BJ',
      destination_due_at: null,
      dirty: 0,
    })
    const atDestination = await t.call('GET', '/api/v1/loops?state=open&checkpoint=HZ-DEST-BJ', {
      as: 'coordinator',
    })
    expect(atDestination.json.map((l: { id: string }) => l.id)).toContain(loopId)
    await sendEvents(t, [
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      { ...event(t, loopId, 'handed_over'), checkpoint_code: 'HZ-DEST-BJ' },
    ])
    expect(row().closed_at).not.toBeNull()
    const open = await t.call('GET', '/api/v1/loops?state=open&checkpoint=HZ-DEST-BJ', {
      as: 'coordinator',
    })
    expect(open.json.map((l: { id: string }) => l.id)).not.toContain(loopId)
  })

  it('marks the loop dirty, not half-updated, when a kept column changed after the read', async () => {
    const stale = (await findLoop(t.store.db, loopId))!
    // Another write moves the loop on after `stale` was read (no new events: a count check alone
    // would not notice).
    t.sqlite
      .prepare("UPDATE loops SET last_checkpoint_code = 'HZ-DEST-BJ' WHERE id = ?")
      .run(loopId)
    await project(stale)
    expect(row()).toMatchObject({ dirty: 1 })
    // The next read rebuilds it from its events.
    const read = await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })
    expect(read.json).toMatchObject({ state: 'sampled' })
    expect(row()).toMatchObject({ dirty: 0, last_checkpoint_code: 'HZ-G60-XS', state: 'sampled' })
  })
})
