import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'
import { gateWrites } from '../support/write-gate.ts'
import { sameEvent } from '../../src/loops/ingest-events.ts'
import type { ParsedEvent } from '../../src/loops/event-schemas.ts'

let t: TestApp
let loopId: string
beforeEach(async () => {
  t = await buildTestApp()
  loopId = (await openLoop(t)).loopId
})

const results = (res: { json: { results: { status: string; error?: { code: string } }[] } }) =>
  res.json.results.map((r) => r.error?.code ?? r.status)

describe('an event id names one event only', () => {
  it('sameEvent compares loop, kind, time as an instant, checkpoint and data', () => {
    const e: ParsedEvent = {
      id: 'x',
      loop_id: 'L',
      kind: 'sampled',
      at: '2026-11-29T16:00:00+08:00',
      checkpoint_code: 'CP',
      data: { tube_code: 'T', tests: ['pcr'] },
    }
    expect(
      sameEvent(e, { ...e, at: '2026-11-29T08:00:00Z', data: { tests: ['pcr'], tube_code: 'T' } }),
    ).toBe(true)
    expect(
      sameEvent({ ...e, at: '2026-11-29T08:00:00.000Z', data: JSON.stringify(e.data) }, e),
    ).toBe(true)
    for (const other of [
      { loop_id: 'M' },
      { kind: 'departed' as const },
      { at: '2026-11-29T08:00:01Z' },
      { checkpoint_code: 'CQ' },
      { data: { tube_code: 'U', tests: ['pcr'] } },
      { data: null },
    ]) {
      expect(sameEvent(e, { ...e, ...other })).toBe(false)
    }
  })

  it('answers id_reused, not duplicate, for a stored id sent with other content', async () => {
    const sampled = event(t, loopId, 'sampled', { tube_code: 'ID-1' })
    expect(results(await sendEvents(t, [sampled]))).toEqual(['accepted'])
    const sameInstant = {
      ...sampled,
      at: new Date(sampled.at).toISOString().replace('Z', '+00:00'),
    }
    const reused = { ...sampled, data: { tube_code: 'ID-2' } }
    const res = await sendEvents(t, [
      sameInstant,
      reused,
      { ...sampled, kind: 'departed', data: undefined },
    ])
    expect(results(res)).toEqual(['duplicate', 'id_reused', 'id_reused'])
    const stored = (
      await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })
    ).json.events.filter((e: { id: string }) => e.id === sampled.id)
    expect(stored).toHaveLength(1)
    expect(stored[0].data.tube_code).toBe('ID-1')
  })

  it('answers id_reused for an id the same batch used earlier with other content', async () => {
    const sampled = event(t, loopId, 'sampled', { tube_code: 'ID-3' })
    const res = await sendEvents(t, [sampled, { ...sampled, data: { tube_code: 'ID-4' } }, sampled])
    expect(results(res)).toEqual(['accepted', 'id_reused', 'duplicate'])
  })

  it('a copy of a rejected event is rejected alike, never told it was stored', async () => {
    const ahead = event(
      t,
      loopId,
      'sampled',
      { tube_code: 'ID-5' },
      new Date(t.clock().getTime() + 3_600_000).toISOString(),
    )
    expect(results(await sendEvents(t, [ahead, ahead]))).toEqual([
      'time_in_future',
      'time_in_future',
    ])
  })

  it('compares content when a concurrent request stored the id between read and write', async () => {
    const mine = event(t, loopId, 'sampled', { tube_code: 'RACE-MINE' })
    const theirs = { ...mine, data: { tube_code: 'RACE-THEIRS' } }
    // Both requests read before either writes: each sees the id as new.
    const gate = gateWrites(t.store)
    gate.hold(2)
    const [a, b] = await Promise.all([sendEvents(t, [mine]), sendEvents(t, [theirs])])
    expect([results(a)[0], results(b)[0]].sort()).toEqual(['accepted', 'id_reused'])
    const stored = t.sqlite
      .prepare('SELECT data FROM loop_events WHERE id = ?')
      .pluck()
      .all(mine.id)
    expect(stored).toHaveLength(1)
  })
})

describe('opening a loop by hand with an id already taken', () => {
  const open = (body: Record<string, unknown>) =>
    t.call('POST', '/api/v1/loops', {
      as: 'checkpoint',
      body: { checkpoint_code: 'HZ-G60-XS', ...body },
    })

  it('answers 409 id_reused for the id of a stored event, and opens nothing', async () => {
    const sampled = event(t, loopId, 'sampled', { tube_code: 'ID-6' })
    await sendEvents(t, [sampled])
    const res = await open({ id: sampled.id, plate: '浙A77777' })
    expect([res.status, res.json.error.code]).toEqual([409, 'id_reused'])
    expect(
      t.sqlite.prepare(`SELECT count(*) FROM loops WHERE plate = '浙A77777'`).pluck().get(),
    ).toBe(0)
  })

  it('answers 409 id_reused when a concurrent request took the id between check and write', async () => {
    const id = crypto.randomUUID()
    const gate = gateWrites(t.store)
    gate.hold(2)
    const [a, b] = await Promise.all([
      open({ id, plate: '浙A77777' }),
      open({ id, plate: '浙A66666' }),
    ])
    expect([a.status, b.status].sort()).toEqual([201, 409])
    expect([a, b].find((r) => r.status === 409)!.json.error.code).toBe('id_reused')
    expect(
      t.sqlite
        .prepare(`SELECT count(*) FROM loops WHERE plate IN ('浙A77777', '浙A66666')`)
        .pluck()
        .get(),
    ).toBe(1)
  })
})
