import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, scan, sendEvents } from '../support/flow.ts'
import { RESULT_RESERVE } from '../../src/loops/ingest-events.ts'

let t: TestApp
let loopId: string
beforeEach(async () => {
  t = await buildTestApp({ config: { MAX_LOOP_EVENTS: '20' } })
  loopId = (await openLoop(t)).loopId
})

/** `n` flagged but accepted events (a loop takes nonsense too: it is kept, not dropped). */
const filler = (n: number) => Array.from({ length: n }, () => event(t, loopId, 'handed_over'))

describe('a loop holds at most MAX_LOOP_EVENTS events', () => {
  it('rejects loop_full beyond it, counting the batch', async () => {
    // The arrival scan stored one event: 19 more fit.
    const res = await sendEvents(t, filler(21))
    const statuses = res.json.results.map(
      (r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status,
    )
    expect(statuses.filter((s: string) => s === 'accepted')).toHaveLength(19)
    expect(statuses.slice(19)).toEqual(['loop_full', 'loop_full'])
    expect((await sendEvents(t, filler(1))).json.results[0].error.code).toBe('loop_full')
    expect(
      t.sqlite.prepare('SELECT count(*) FROM loop_events WHERE loop_id = ?').pluck().get(loopId),
    ).toBe(20)
  })
})

describe('a full loop still takes its test results', () => {
  const codes = (res: { json: { results: { status: string; error?: { code: string } }[] } }) =>
    res.json.results.map((r) => r.error?.code ?? r.status)
  const fullAudits = () =>
    t.sqlite
      .prepare(`SELECT after FROM audit_log WHERE action = 'loop.full' AND subject = ?`)
      .pluck()
      .all(`loop:${loopId}`) as string[]

  it('accepts a positive result on a loop full of junk, and its alert opens', async () => {
    await sendEvents(t, filler(19))
    expect(codes(await sendEvents(t, filler(1)))).toEqual(['loop_full'])
    const res = await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'positive' })])
    expect(res.json.results[0]).toMatchObject({ status: 'accepted' })
    const loop = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
    expect(loop).toMatchObject({ alerting: true, events_total: 21 })
    expect(loop.alerts.map((a: { kind: string }) => a.kind)).toEqual(['pcr_positive'])
  })

  it('keeps a bounded reserve for results: beyond it they are loop_full too', async () => {
    await sendEvents(t, filler(19))
    const results = Array.from({ length: RESULT_RESERVE + 1 }, (_, i) =>
      event(t, loopId, i % 2 ? 'antigen_result' : 'pcr_result', { result: 'negative' }),
    )
    const res = codes(await sendEvents(t, results))
    expect(res.filter((c) => c === 'accepted')).toHaveLength(RESULT_RESERVE)
    expect(res.at(-1)).toBe('loop_full')
    expect(
      t.sqlite.prepare('SELECT count(*) FROM loop_events WHERE loop_id = ?').pluck().get(loopId),
    ).toBe(20 + RESULT_RESERVE)
  })

  it('tells coordinators once, in the audit log, when the loop reaches the cap', async () => {
    await sendEvents(t, filler(10))
    expect(fullAudits()).toEqual([])
    await sendEvents(t, filler(12))
    await sendEvents(t, filler(3))
    await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'negative' })])
    const audits = fullAudits()
    expect(audits).toHaveLength(1)
    expect(JSON.parse(audits[0])).toMatchObject({ events: 20, max_events: 20 })
    const log = await t.call('GET', `/api/v1/audit/log?subject=loop:${loopId}`, {
      as: 'coordinator',
    })
    expect(log.json.map((e: { action: string }) => e.action)).toContain('loop.full')
  })
})

describe('reading a loop is paged', () => {
  it('gives at most a page of events with the total, in device-time order', async () => {
    await sendEvents(t, filler(14))
    const read = (query: string) =>
      t.call('GET', `/api/v1/loops/${loopId}${query}`, { as: 'checkpoint' })
    const all = await read('')
    expect(all.json).toMatchObject({
      events_total: 15,
      events_limit: 100,
      events_offset: 0,
      id: loopId,
      plate: '沪A12345D',
    })
    expect(all.json.events).toHaveLength(15)
    const first = await read('?events_limit=10')
    const second = await read('?events_limit=10&events_offset=10')
    expect(first.json.events).toHaveLength(10)
    expect(second.json.events).toHaveLength(5)
    expect([...first.json.events, ...second.json.events].map((e: { id: string }) => e.id)).toEqual(
      all.json.events.map((e: { id: string }) => e.id),
    )
    expect(second.json.events_total).toBe(15)
    expect((await read('?events_limit=201')).status).toBe(400)
    expect((await read('?events_limit=0')).status).toBe(400)
  })
})
