import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, scan, sendEvents, otherFirmWithPass } from '../support/flow.ts'
import { findFirmLoop, listLoopsQuery, type LoopFilter } from '../../src/loops/loops.repository.ts'

/**
 * A firm sees its trucks (issue 19): GET /api/v1/loops and /loops/{id} answer an enterprise with the
 * loops of its own passes only — state, last checkpoint, sampling, the test result, the deadline —
 * and another firm's loop as an unknown one.
 */
describe('an enterprise reads its own loops', () => {
  let t: TestApp
  let otherFirm: string
  /** demo-ent-1: released and waiting for its result; positive; just arrived. */
  let waiting: string
  let positive: string
  let arrived: string
  /** demo-ent-2's loop, and a loop opened by hand (no pass, no firm). */
  let theirs: string
  let manual: string

  beforeAll(async () => {
    t = await buildTestApp()
    waiting = (await openLoop(t, { plate: '沪A12345D' })).loopId
    await sendEvents(t, [
      event(t, waiting, 'sampled', { tube_code: 'ENT-1', tests: ['pcr'] }),
      event(t, waiting, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    positive = (await openLoop(t, { plate: '沪B11111' })).loopId
    await sendEvents(t, [
      event(t, positive, 'sampled', { tube_code: 'ENT-2', tests: ['pcr'] }),
      event(t, positive, 'pcr_result', { result: 'positive' }),
    ])
    arrived = (await openLoop(t, { plate: '沪C22222' })).loopId

    const other = await otherFirmWithPass(t, 'loops-other-firm')
    otherFirm = other.token
    const scanned = await scan(t, { token: other.pass.token })
    theirs = scanned.json.loop.id
    await sendEvents(t, [event(t, theirs, 'sampled', { tube_code: 'ENT-3', tests: ['pcr'] })])

    const opened = await t.call('POST', '/api/v1/loops', {
      as: 'checkpoint',
      body: { plate: '浙A99999', checkpoint_code: 'HZ-G60-XS' },
    })
    expect(opened.status, opened.text).toBe(201)
    manual = opened.json.loop.id
  })

  const ids = (json: { id: string }[]) => json.map((l) => l.id).sort()

  it('lists the firm’s own loops and nothing else, counted alike', async () => {
    const mine = await t.call('GET', '/api/v1/loops', { as: 'enterprise' })
    expect(mine.status, mine.text).toBe(200)
    expect(ids(mine.json)).toEqual([waiting, positive, arrived].sort())
    expect(mine.headers.get('x-total-count')).toBe('3')
    for (const loop of mine.json) expect(loop.enterprise_id).toBe('demo-ent-1')
    expect(mine.text).not.toContain(theirs)
    expect(mine.text).not.toContain('苏E99999')

    const other = await t.call('GET', '/api/v1/loops', { as: { token: otherFirm } })
    expect(ids(other.json)).toEqual([theirs])
    expect(other.headers.get('x-total-count')).toBe('1')
  })

  it('leaves coordinators seeing every loop, manual ones too', async () => {
    const all = await t.call('GET', '/api/v1/loops', { as: 'coordinator' })
    expect(ids(all.json)).toEqual([waiting, positive, arrived, theirs, manual].sort())
  })

  it('shows each truck’s state, last checkpoint, sampling, result and deadline', async () => {
    const res = await t.call('GET', '/api/v1/loops', { as: 'enterprise' })
    const byId = new Map(res.json.map((l: { id: string }) => [l.id, l]))
    expect(byId.get(waiting)).toMatchObject({
      state: 'released',
      last_checkpoint_code: 'HZ-G60-XS',
      sampled_at: expect.any(String),
      result: 'pending',
      pcr_result: null,
      destination_code: 'HZ-DEST-BJ',
      release_deadline: expect.any(String),
    })
    expect(byId.get(positive)).toMatchObject({ result: 'positive', alerting: true })
    expect(byId.get(arrived)).toMatchObject({ state: 'arrived', sampled_at: null, result: null })
  })

  it('keeps the filters and the paging', async () => {
    const call = async (query: string) => {
      const res = await t.call('GET', `/api/v1/loops${query}`, { as: 'enterprise' })
      expect(res.status, res.text).toBe(200)
      return res
    }
    expect(ids((await call('?state=alerting')).json)).toEqual([positive])
    expect(ids((await call('?state=released')).json)).toEqual([waiting])
    expect(ids((await call('?plate=%E6%B2%AAB11111')).json)).toEqual([positive])
    expect(ids((await call('?plate=%E8%8B%8FE99999')).json)).toEqual([])
    expect(ids((await call('?checkpoint=HZ-G60-XS&state=open')).json)).toEqual(
      [waiting, positive, arrived].sort(),
    )
    expect((await call('?checkpoint=HZ-RD-104')).json).toEqual([])

    const first = await call('?limit=2')
    expect(first.json).toHaveLength(2)
    expect(first.headers.get('x-total-count')).toBe('3')
    expect(first.headers.get('link')).toContain('offset=2')
    const cursor = first.headers.get('x-next-cursor')!
    const rest = await call(`?limit=2&before=${encodeURIComponent(cursor)}`)
    const second = await call('?limit=2&offset=2')
    expect(ids(rest.json)).toEqual(ids(second.json))
    expect([...ids(first.json), ...ids(rest.json)].sort()).toEqual(
      [waiting, positive, arrived].sort(),
    )
  })

  it('reads one of its loops with its events and alerts', async () => {
    const res = await t.call('GET', `/api/v1/loops/${positive}`, { as: 'enterprise' })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toMatchObject({ id: positive, result: 'positive' })
    expect(res.json.events.map((e: { kind: string }) => e.kind)).toEqual([
      'arrived',
      'sampled',
      'pcr_result',
    ])
    expect(res.json.alerts.map((a: { kind: string }) => a.kind)).toEqual(['pcr_positive'])
  })

  it('answers another firm’s loop, and a loop opened by hand, exactly as an unknown one', async () => {
    const unknown = await t.call('GET', '/api/v1/loops/no-such-loop', { as: 'enterprise' })
    expect(unknown.status).toBe(404)
    for (const id of [theirs, manual]) {
      const res = await t.call('GET', `/api/v1/loops/${id}`, { as: 'enterprise' })
      expect(res.status).toBe(404)
      expect(res.json).toEqual(unknown.json)
    }
    const back = await t.call('GET', `/api/v1/loops/${waiting}`, { as: { token: otherFirm } })
    expect(back.status).toBe(404)
  })

  it('gives an account bound to no firm no loop at all', async () => {
    const db = t.store.db
    expect(await listLoopsQuery(db, { limit: 100, enterpriseId: null }).execute()).toEqual([])
    expect(
      await listLoopsQuery(db, { limit: 100, enterpriseId: null, state: 'open' }).execute(),
    ).toEqual([])
    expect(await findFirmLoop(db, null, manual)).toBeUndefined()
    expect(await findFirmLoop(db, 'demo-ent-2', waiting)).toBeUndefined()
    expect((await findFirmLoop(db, 'demo-ent-1', waiting))?.id).toBe(waiting)
  })

  it('still refuses a firm the writes and the receipt', async () => {
    for (const [method, path, body] of [
      ['POST', `/api/v1/loops/${waiting}/close`, { note: 'not ours to close' }],
      ['GET', `/api/v1/loops/${waiting}/receipt`, undefined],
      ['POST', '/api/v1/loops', { plate: '沪D33333', checkpoint_code: 'HZ-G60-XS' }],
    ] as const) {
      const res = await t.call(method, path, { as: 'enterprise', body })
      expect(res.status, `${method} ${path}`).toBe(403)
    }
  })

  describe('query plans', () => {
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
      ['any state', {}],
      ['open', { state: 'open' }],
      ['at a checkpoint', { state: 'open', checkpoint: 'HZ-G60-XS' }],
      ['a page on', { before: '2026-11-29T08:00:00.000Z|loop-1' }],
    ] as const)('%s: walks the firm’s index, never every loop', (_name, filter) => {
      const detail = plan({ ...filter, enterpriseId: 'demo-ent-1' } as Omit<LoopFilter, 'limit'>)
      expect(detail).toMatch(/INDEX loops_by_enterprise \(enterprise_id=\?/)
      expect(detail).not.toMatch(/SCAN loops(?! USING)/)
      // In index order: at most loops opened in the same millisecond are sorted (by id).
      expect(detail).not.toMatch(/TEMP B-TREE FOR ORDER BY/)
    })
  })
})
