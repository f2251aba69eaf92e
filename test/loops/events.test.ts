import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, issuePass, openLoop, scan, sendEvents } from '../support/flow.ts'
import { sweepLoops } from '../../src/loops/sweep-loops.ts'
import { gateWrites } from '../support/write-gate.ts'

let t: TestApp
let loopId: string
beforeEach(async () => {
  t = await buildTestApp()
  loopId = (await openLoop(t)).loopId
})

const loop = async () =>
  (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
const HOUR = 3_600_000

describe('the loop, event by event', () => {
  it('runs arrived → sampled → released → at_destination → closed', async () => {
    const steps: [string, Record<string, unknown> | undefined, string][] = [
      ['sampled', { tube_code: 'TB-1', tests: ['pcr', 'antigen'] }, 'sampled'],
      ['antigen_result', { result: 'negative' }, 'sampled'],
      ['released', { destination_code: 'HZ-TS-XS' }, 'released'],
      ['destination_arrived', undefined, 'at_destination'],
      ['handed_over', undefined, 'at_destination'],
      ['pcr_result', { result: 'negative' }, 'closed'],
    ]
    for (const [kind, data, state] of steps) {
      const res = await sendEvents(t, [event(t, loopId, kind, data)])
      expect(res.json.results[0]).toMatchObject({ status: 'accepted' })
      expect((await loop()).state).toBe(state)
    }
    expect((await loop()).closed_at).not.toBeNull()
  })

  it('closes through a checked certificate and departure without sampling', async () => {
    await sendEvents(t, [
      event(t, loopId, 'certificate_checked', { sampled_at: '2026-11-28T20:00:00+08:00' }),
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
      event(t, loopId, 'departed'),
    ])
    expect((await loop()).state).toBe('closed')
  })

  it('sets the release deadline to 6 h by default, or to the one given', async () => {
    const sampled = event(t, loopId, 'sampled', { tube_code: 'TB-2' })
    const released = event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' })
    await sendEvents(t, [sampled, released])
    expect((await loop()).release_deadline).toBe(
      new Date(Date.parse(released.at) + 6 * HOUR).toISOString(),
    )
  })

  it('answers duplicate for a replayed event and changes nothing', async () => {
    const sampled = event(t, loopId, 'sampled', { tube_code: 'TB-3' })
    await sendEvents(t, [sampled])
    const before = await loop()
    const replay = await sendEvents(t, [sampled, sampled])
    expect(replay.json.results.map((r: { status: string }) => r.status)).toEqual([
      'duplicate',
      'duplicate',
    ])
    const after = await loop()
    expect(after.events).toEqual(before.events)
    expect(after.state).toBe(before.state)
  })

  it('stores an event sent twice at the same moment once: one answer accepted, the other duplicate', async () => {
    const sampled = event(t, loopId, 'sampled', { tube_code: 'TB-RACE' })
    const other = event(t, loopId, 'antigen_result', { result: 'negative' })
    const [first, second] = await Promise.all([
      sendEvents(t, [sampled]),
      sendEvents(t, [sampled, other]),
    ])
    const statuses = [first.json.results[0].status, second.json.results[0].status].sort()
    expect(statuses).toEqual(['accepted', 'duplicate'])
    expect(second.json.results[1].status).toBe('accepted')
    const stored = (await loop()).events.map((e: { id: string }) => e.id)
    expect(stored.filter((id: string) => id === sampled.id)).toHaveLength(1)
    expect(stored).toContain(other.id)
  })

  it('settles a loop two devices upload to at the same moment before answering, without a read', async () => {
    const gate = gateWrites(t.store)
    gate.hold(2)
    // Each request folds the loop from what it read; neither saw the other's event.
    const [a, b] = await Promise.all([
      sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'TB-TWO', tests: ['pcr'] })]),
      sendEvents(t, [event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' })]),
    ])
    expect([a.json.results[0].status, b.json.results[0].status]).toEqual(['accepted', 'accepted'])
    // The row itself, as lists read it (reading the loop through the API would refresh it).
    const row = t.sqlite
      .prepare(
        'SELECT state, sampled_at, released_at, flagged_events, dirty FROM loops WHERE id = ?',
      )
      .get(loopId) as Record<string, unknown>
    expect(row).toMatchObject({ state: 'released', flagged_events: 0, dirty: 0 })
    expect(row.sampled_at).not.toBeNull()
    expect(row.released_at).not.toBeNull()
  })

  it('settles a loop a destination scan read before an upload landed, before answering the scan', async () => {
    const pass = await issuePass(t)
    const opened = (await scan(t, { token: pass.token })).json.loop.id as string
    t.clock.advance(600_000)
    await sendEvents(t, [
      event(t, opened, 'sampled', { tube_code: 'TB-RACE-2', tests: ['pcr'] }),
      event(t, opened, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    t.clock.advance(600_000)
    // The scan reads the loop, then its write waits until the upload has been stored and answered.
    const atomic = t.store.atomic.bind(t.store)
    let scanWaits!: () => void
    const scanAtWrite = new Promise<void>((resolve) => (scanWaits = resolve))
    let releaseScan!: () => void
    const scanMayWrite = new Promise<void>((resolve) => (releaseScan = resolve))
    t.store.atomic = async (queries) => {
      if (queries.some((q) => 'sql' in q && /^insert into "scans"/.test(q.sql))) {
        scanWaits()
        await scanMayWrite
      }
      return atomic(queries)
    }
    const arrival = scan(t, { token: pass.token, checkpoint_code: 'HZ-DEST-BJ' })
    await scanAtWrite
    // The lab's result, from a minute before the vehicle reached its destination.
    const upload = await sendEvents(t, [
      event(
        t,
        opened,
        'pcr_result',
        { result: 'negative' },
        new Date(t.clock().getTime() - 60_000).toISOString(),
      ),
    ])
    expect(upload.json.results[0]).toMatchObject({ status: 'accepted' })
    releaseScan()
    expect((await arrival).json.loop.id).toBe(opened)
    const row = t.sqlite
      .prepare(
        'SELECT state, pcr_result, destination_arrived_at, last_checkpoint_code, flagged_events, dirty FROM loops WHERE id = ?',
      )
      .get(opened) as Record<string, unknown>
    expect(row).toMatchObject({
      state: 'at_destination',
      pcr_result: 'negative',
      last_checkpoint_code: 'HZ-DEST-BJ',
      flagged_events: 0,
      dirty: 0,
    })
    expect(row.destination_arrived_at).not.toBeNull()
  })

  it('applies events that come late and out of order in device-time order', async () => {
    const e = [
      event(t, loopId, 'sampled', { tube_code: 'TB-4' }),
      event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
      event(t, loopId, 'destination_arrived'),
      event(t, loopId, 'handed_over'),
      event(t, loopId, 'pcr_result', { result: 'negative' }),
    ]
    const res = await sendEvents(t, [e[3], e[4], e[1]])
    expect(res.json.results.every((r: { status: string }) => r.status === 'accepted')).toBe(true)
    await sendEvents(t, [e[2], e[0]])
    const final = await loop()
    expect(final.state).toBe('closed')
    expect(final.flagged_events).toBe(0)
    expect(final.events.map((x: { kind: string }) => x.kind)).toEqual([
      'arrived',
      'sampled',
      'released',
      'destination_arrived',
      'handed_over',
      'pcr_result',
    ])
    expect(final.events.every((x: { flag: string | null }) => x.flag === null)).toBe(true)
  })

  it('keeps and flags an event that makes no sense, and it changes nothing', async () => {
    const res = await sendEvents(t, [event(t, loopId, 'handed_over')])
    expect(res.json.results[0]).toEqual({
      id: expect.any(String),
      status: 'accepted',
      flag: 'not_at_destination',
    })
    const l = await loop()
    expect(l.state).toBe('arrived')
    expect(l.flagged_events).toBe(1)
    expect(l.events.at(-1)).toMatchObject({ kind: 'handed_over', flag: 'not_at_destination' })
  })

  it('rejects, one by one, events that are malformed, for unknown loops or other checkpoints', async () => {
    const res = await sendEvents(t, [
      { ...event(t, loopId, 'sampled', { tube_code: 'TB-5' }), id: 'not-a-uuid' },
      event(t, loopId, 'teleported'),
      event(t, loopId, 'pcr_result', { result: 'maybe' }),
      event(t, 'no-such-loop', 'departed'),
      { ...event(t, loopId, 'departed'), checkpoint_code: 'HZ-G92-YH' },
      event(t, loopId, 'sampled', { tube_code: 'TB-5' }, '2026-11-30T08:00:00Z'),
      event(t, loopId, 'sampled', { tube_code: 'TB-6' }),
    ])
    const codes = res.json.results.map(
      (r: { status: string; error?: { code: string } }) => r.error?.code ?? r.status,
    )
    expect(codes).toEqual([
      'invalid_event',
      'invalid_event',
      'invalid_event',
      'unknown_loop',
      'checkpoint_not_yours',
      'time_in_future',
      'accepted',
    ])
    expect(res.json.results[2].error.message).toMatch(/^data\.result/)
  })

  it('says why an event was rejected in the reader’s language, with the code unchanged', async () => {
    const body = { events: [event(t, 'no-such-loop', 'departed')] }
    const zh = await t.call('POST', '/api/v1/events', {
      as: 'checkpoint',
      body,
      headers: { 'accept-language': 'zh-CN' },
    })
    expect(zh.json.results[0].error).toEqual({
      code: 'unknown_loop',
      message: '没有闭环记录 no-such-loop',
    })
    const en = await t.call('POST', '/api/v1/events', { as: 'checkpoint', body })
    expect(en.json.results[0].error).toEqual({
      code: 'unknown_loop',
      message: 'no loop no-such-loop',
    })
  })

  it('takes a batch of 500 events, and refuses 501', async () => {
    const loops: string[] = [loopId]
    for (let i = 0; i < 4; i++) {
      const pass = await issuePass(t, { plate: `浙L0000${i}` })
      loops.push((await scan(t, { token: pass.token })).json.loop.id)
    }
    const batch = Array.from({ length: 500 }, (_, i) =>
      event(
        t,
        loops[i % 5],
        i < 5 ? 'sampled' : 'pcr_result',
        i < 5 ? { tube_code: `B-${i}` } : { result: 'negative' },
      ),
    )
    const res = await sendEvents(t, batch)
    expect(res.status).toBe(200)
    expect(res.json.results).toHaveLength(500)
    expect(
      res.json.results.filter((r: { status: string }) => r.status === 'accepted'),
    ).toHaveLength(500)
    expect(
      t.sqlite.prepare('SELECT count(*) FROM loop_events WHERE kind = ?').pluck().get('pcr_result'),
    ).toBe(495)
    const tooMany = await sendEvents(t, [...batch, event(t, loopId, 'departed')])
    expect([tooMany.status, tooMany.json.error.details[0].field]).toEqual([400, 'events'])
  })

  it('takes events from checkpoint staff only; the firm reads its own truck’s loop', async () => {
    // The loop is of the demo firm's pass: its firm reads it (test/loops/enterprise-loops.test.ts
    // proves no firm reads another's).
    expect((await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'enterprise' })).status).toBe(200)
    expect((await t.call('GET', '/api/v1/loops', { as: 'enterprise' })).json).toEqual([
      expect.objectContaining({ id: loopId }),
    ])
    expect(
      (
        await t.call('POST', '/api/v1/events', {
          as: 'coordinator',
          body: { events: [event(t, loopId, 'departed')] },
        })
      ).status,
    ).toBe(403)
    expect((await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'checkpoint' })).status).toBe(200)
    expect((await t.call('GET', '/api/v1/loops/nope', { as: 'coordinator' })).status).toBe(404)
  })

  it('lists loops by state, checkpoint, plate and time', async () => {
    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'TB-7' })])
    const other = await issuePass(t, { plate: '浙M12345' })
    await scan(t, { token: other.token })
    const ids = async (q: string) =>
      (await t.call('GET', `/api/v1/loops?${q}`, { as: 'checkpoint' })).json.map(
        (l: { id: string }) => l.id,
      )
    expect(await ids('state=sampled')).toEqual([loopId])
    expect((await ids('state=arrived')).length).toBe(1)
    expect((await ids('state=open')).length).toBe(2)
    expect(await ids(`plate=${encodeURIComponent('沪A12345D')}`)).toEqual([loopId])
    expect((await ids('checkpoint=HZ-G60-XS')).length).toBe(2)
    expect(await ids('checkpoint=HZ-G92-YH')).toEqual([])
    expect(await ids('from=2026-11-29T07:00:00Z&to=2026-11-29T08:00:01Z')).toEqual([loopId])
    const page = await t.call('GET', '/api/v1/loops?limit=1', { as: 'coordinator' })
    expect(page.json).toHaveLength(1)
    const next = await t.call(
      'GET',
      `/api/v1/loops?limit=1&before=${encodeURIComponent(page.headers.get('x-next-cursor')!)}`,
      { as: 'coordinator' },
    )
    expect(next.json).toHaveLength(1)
    expect(next.json[0].id).not.toBe(page.json[0].id)
  })
})

describe('alerts', () => {
  it('opens pcr_positive at once, telling the destination and the last checkpoint', async () => {
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'TB-8' }),
      event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
    ])
    await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'positive' })])
    const l = await loop()
    expect(l.alerting).toBe(true)
    expect(l.alerts).toHaveLength(1)
    expect(l.alerts[0]).toMatchObject({
      kind: 'pcr_positive',
      status: 'open',
      details: { plate: '沪A12345D', notify: ['HZ-TS-XS', 'HZ-G60-XS'] },
    })
    const open = await t.call('GET', '/api/v1/alerts?status=open', { as: 'coordinator' })
    expect(open.json.map((a: { kind: string }) => a.kind)).toEqual(['pcr_positive'])
    expect((await t.call('GET', '/api/v1/alerts', { as: 'checkpoint' })).json).toHaveLength(1)
    // The firm sees the alert on its own truck.
    expect(
      (await t.call('GET', '/api/v1/alerts', { as: 'enterprise' })).json.map(
        (a: { kind: string }) => a.kind,
      ),
    ).toEqual(['pcr_positive'])
  })

  it('opens result_overdue 8 h after sampling with no PCR result, found by the sweep', async () => {
    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'TB-9' })])
    t.clock.advance(7.9 * HOUR)
    expect(await sweepLoops({ store: t.store, config: t.config, clock: t.clock })).toBe(0)
    t.clock.advance(0.2 * HOUR)
    expect(await sweepLoops({ store: t.store, config: t.config, clock: t.clock })).toBe(1)
    expect(await sweepLoops({ store: t.store, config: t.config, clock: t.clock })).toBe(0)
    const alerts = t.sqlite.prepare('SELECT kind, status FROM alerts WHERE loop_id = ?').all(loopId)
    expect(alerts).toEqual([{ kind: 'result_overdue', status: 'open' }])
  })

  it('opens destination_overdue past the release deadline when the loop is read', async () => {
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'TB-10' }),
      event(t, loopId, 'pcr_result', { result: 'negative' }),
      event(t, loopId, 'released', {
        destination_code: 'HZ-TS-XS',
        deadline: new Date(t.clock().getTime() + 2 * HOUR).toISOString(),
      }),
    ])
    t.clock.advance(2 * HOUR + 60_000)
    t.forgetTokens()
    const l = await loop()
    expect(l.alerts.map((a: { kind: string }) => a.kind)).toEqual(['destination_overdue'])
    expect(l.alerting).toBe(true)
  })

  it('stays open until a coordinator resolves it with a note, even when the result turns up', async () => {
    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'TB-11' })])
    t.clock.advance(9 * HOUR)
    t.forgetTokens()
    const [alert] = (await loop()).alerts
    await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'negative' })])
    expect((await loop()).alerts[0].status).toBe('open')
    const ack = await t.call('POST', `/api/v1/alerts/${alert.id}/acknowledge`, {
      as: 'coordinator',
      body: {},
    })
    expect(ack.json.status).toBe('acknowledged')
    expect(
      (await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, { as: 'coordinator', body: {} }))
        .status,
    ).toBe(400)
    expect(
      (
        await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, {
          as: 'checkpoint',
          body: { note: 'x y' },
        })
      ).status,
    ).toBe(403)
    const resolved = await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, {
      as: 'coordinator',
      body: { note: '检测机构延迟出结果，已补录' },
    })
    expect(resolved.json).toMatchObject({
      status: 'resolved',
      note: '检测机构延迟出结果，已补录',
      resolved_by: 'coordinator:coordinator',
    })
    expect((await loop()).alerting).toBe(false)
    expect(
      (
        await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, {
          as: 'coordinator',
          body: { note: 'again' },
        })
      ).status,
    ).toBe(409)
  })

  it('lists the most urgent first: open positives before overdue ones', async () => {
    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'TB-12' })])
    const other = await issuePass(t, { plate: '浙N12345' })
    const otherLoop = (await scan(t, { token: other.token })).json.loop.id
    t.clock.advance(9 * HOUR)
    t.forgetTokens()
    await sweepLoops({ store: t.store, config: t.config, clock: t.clock })
    await sendEvents(t, [
      event(t, otherLoop, 'sampled', { tube_code: 'TB-13' }),
      event(t, otherLoop, 'pcr_result', { result: 'positive' }),
    ])
    const list = await t.call('GET', '/api/v1/alerts?status=active', { as: 'coordinator' })
    expect(list.json.map((a: { kind: string }) => a.kind)).toEqual([
      'pcr_positive',
      'result_overdue',
    ])
  })
})
