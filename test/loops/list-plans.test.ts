import { beforeAll, describe, expect, it } from 'vitest'
import { listLoopsQuery, type LoopFilter } from '../../src/loops/loops.repository.ts'
import type { LoopRow } from '../../src/loops/loops.table.ts'
import { insertRow } from '../../src/db/precompiled.ts'
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
    return (
      t.sqlite
        .prepare(`EXPLAIN QUERY PLAN ${compiled.sql}`)
        .all(...(compiled.parameters as unknown[])) as { detail: string }[]
    )
      .map((r) => r.detail)
      .join(' | ')
  }

  it.each([
    ['open', { state: 'open' }, /INDEX loops_open\b/],
    ['an open state', { state: 'sampled' }, /INDEX loops_open\b/],
    ['alerting', { state: 'alerting' }, /INDEX loops_alerting\b/],
    [
      'open at a checkpoint',
      { state: 'open', checkpoint: 'hz-g60-xs' },
      /INDEX loops_open_by_entry\b.*INDEX loops_open_by_last\b/,
    ],
    ['a plate', { plate: '浙A12345' }, /INDEX loops_by_plate\b/],
    [
      'a checkpoint, any state',
      { checkpoint: 'HZ-G60-XS' },
      /INDEX loops_by_entry\b.*INDEX loops_by_last_checkpoint\b/,
    ],
  ] as const)('%s: walks the index for it', (_name, filter, index) => {
    const detail = plan(filter as Omit<LoopFilter, 'limit'>)
    expect(detail).toMatch(index)
    expect(detail).not.toMatch(/SCAN loops(?! USING)/)
  })

  it.each([
    [
      'open',
      { state: 'open' },
      /INDEX loop_checkpoints_open_by_code\b.*INDEX loop_checkpoints_open_by_code\b/,
    ],
    ['an open state', { state: 'released' }, /INDEX loop_checkpoints_open_by_code\b/],
    ['any state', {}, /INDEX loop_checkpoints_by_code\b.*INDEX loop_checkpoints_by_code\b/],
    [
      'closed, a page on',
      { state: 'closed', before: '2026-11-20T00:00:00.000Z|loop-010' },
      /INDEX loop_checkpoints_by_code \(checkpoint_code=\? AND opened_at<\?\)/,
    ],
    [
      'a plate',
      { plate: '浙A12345' },
      /INDEX loops_by_plate\b.*loop_checkpoints EXISTS USING PRIMARY KEY/,
    ],
  ] as const)(
    'checkpoint staff, %s: walks each of their checkpoints’ index of involved loops',
    (_name, filter, index) => {
      const detail = plan({ ...filter, involving: ['HZ-G60-XS', 'HZ-TS-XS'] } as Omit<
        LoopFilter,
        'limit'
      >)
      expect(detail).toMatch(index)
      expect(detail).not.toMatch(/SCAN (loops|lc|loop_checkpoints)(?! USING)/)
    },
  )

  it('checkpoint staff filtering by their own checkpoint: the entry and last-checkpoint indexes, as for coordinators', () => {
    expect(plan({ state: 'open', checkpoint: 'HZ-G60-XS', involving: ['HZ-G60-XS'] })).toMatch(
      /INDEX loops_open_by_entry\b.*INDEX loops_open_by_last\b/,
    )
  })

  it('answers a state other than closed only from open loops, and closed ones by time', () => {
    expect(plan({ state: 'released' })).toMatch(/loops_open\b/)
    expect(plan({ state: 'closed' })).toMatch(/INDEX loops_by_opened\b/)
  })
})

describe('loops list at a checkpoint', () => {
  it('gives exactly the loops entered or last seen there, newest first, each once, across pages', async () => {
    const t = await buildTestApp()
    const codes = ['HZ-G60-XS', 'HZ-TS-XS', 'HZ-DEST-BJ']
    const rows: LoopRow[] = []
    // 60 loops: entry and last checkpoint vary, some share an opened_at (the id breaks the tie),
    // every third is closed.
    for (let i = 0; i < 60; i++) {
      const opened = new Date(
        Date.parse('2026-11-20T00:00:00.000Z') + Math.floor(i / 2) * 60_000,
      ).toISOString()
      const closed = i % 3 === 0
      rows.push({
        id: `loop-${String(i).padStart(3, '0')}`,
        plate: `浙T${String(10000 + i)}`,
        pass_number: null,
        enterprise_id: null,
        entry_checkpoint_code: codes[i % 3],
        opened_at: opened,
        opened_by: 'test',
        manual: 1,
        state: closed ? 'closed' : 'arrived',
        alerting: 0,
        sampled_at: null,
        pcr_result: null,
        released_at: null,
        release_deadline: null,
        destination_code: null,
        destination_arrived_at: null,
        last_checkpoint_code: codes[(2 * i + 1) % 3],
        negative_since: null,
        result_due_at: null,
        destination_due_at: null,
        flagged_events: 0,
        closed_at: closed ? opened : null,
        closed_note: null,
        closed_by: null,
        dirty: 0,
        updated_at: opened,
      })
    }
    await t.store.atomic(rows.map((row) => insertRow('loops', row)))
    const newestFirst = (a: LoopRow, b: LoopRow) =>
      a.opened_at === b.opened_at ? (a.id < b.id ? 1 : -1) : a.opened_at < b.opened_at ? 1 : -1

    for (const code of codes) {
      for (const state of [undefined, 'open'] as const) {
        const expected = rows
          .filter(
            (r) =>
              (r.entry_checkpoint_code === code || r.last_checkpoint_code === code) &&
              (state !== 'open' || r.closed_at === null),
          )
          .sort(newestFirst)
          .map((r) => r.id)
        const seen: string[] = []
        let before: string | undefined
        for (let page = 0; page < 20; page++) {
          const got = (await listLoopsQuery(t.store.db, {
            checkpoint: code.toLowerCase(),
            state,
            limit: 7,
            before,
          }).execute()) as LoopRow[]
          seen.push(...got.slice(0, 7).map((r) => r.id))
          if (got.length <= 7) break
          const last = got[6]
          before = `${last.opened_at}|${last.id}`
        }
        expect(seen, `${code} ${state ?? 'any'}`).toEqual(expected)
      }
    }
  })
})

describe('loops list for checkpoint staff', () => {
  it('gives exactly the loops that involve one of their checkpoints, newest first, each once, across pages', async () => {
    const t = await buildTestApp()
    const codes = ['HZ-G60-XS', 'HZ-TS-XS', 'HZ-DEST-BJ', 'HZ-G92-YH']
    const involved = new Map<string, string[]>()
    const writes = []
    for (let i = 0; i < 60; i++) {
      const id = `loop-${String(i).padStart(3, '0')}`
      const opened = new Date(
        Date.parse('2026-11-20T00:00:00.000Z') + Math.floor(i / 2) * 60_000,
      ).toISOString()
      const closed = i % 3 === 0
      // Entry, and sometimes a destination or another checkpoint that recorded an event.
      const mine = [
        ...new Set([
          codes[i % 4],
          ...(i % 5 === 0 ? [codes[(i + 1) % 4]] : []),
          ...(i % 7 === 0 ? [codes[(i + 2) % 4]] : []),
        ]),
      ]
      involved.set(id, mine)
      writes.push(
        insertRow('loops', {
          id,
          plate: `浙T${10000 + i}`,
          entry_checkpoint_code: codes[i % 4],
          opened_at: opened,
          opened_by: 'test',
          manual: 1,
          state: closed ? 'closed' : 'arrived',
          alerting: 0,
          flagged_events: 0,
          last_checkpoint_code: codes[i % 4],
          closed_at: closed ? opened : null,
          dirty: 0,
          updated_at: opened,
        }),
        ...mine.map((code) =>
          insertRow('loop_checkpoints', {
            loop_id: id,
            checkpoint_code: code,
            opened_at: opened,
            open: closed ? 0 : 1,
          }),
        ),
      )
    }
    await t.store.atomic(writes)
    const rows = t.sqlite.prepare('SELECT id, opened_at, closed_at FROM loops').all() as {
      id: string
      opened_at: string
      closed_at: string | null
    }[]
    const newestFirst = (
      a: { opened_at: string; id: string },
      b: { opened_at: string; id: string },
    ) => (a.opened_at === b.opened_at ? (a.id < b.id ? 1 : -1) : a.opened_at < b.opened_at ? 1 : -1)
    const staff = ['HZ-TS-XS', 'HZ-G92-YH']
    for (const state of [undefined, 'open', 'closed'] as const) {
      const expected = rows
        .filter((r) => involved.get(r.id)!.some((code) => staff.includes(code)))
        .filter((r) =>
          state === 'open'
            ? r.closed_at === null
            : state === 'closed'
              ? r.closed_at !== null
              : true,
        )
        .sort(newestFirst)
        .map((r) => r.id)
      const seen: string[] = []
      let before: string | undefined
      for (let page = 0; page < 20; page++) {
        const got = (await listLoopsQuery(t.store.db, {
          involving: staff,
          state,
          limit: 7,
          before,
        }).execute()) as LoopRow[]
        seen.push(...got.slice(0, 7).map((r) => r.id))
        if (got.length <= 7) break
        before = `${got[6].opened_at}|${got[6].id}`
      }
      expect(seen, state ?? 'any').toEqual(expected)
    }
  })
})
