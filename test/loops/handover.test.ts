import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, otherFirmWithPass, sendEvents } from '../support/flow.ts'
import { parseEvent } from '../../src/loops/event-schemas.ts'

// The hand-over manifest (issue 20): `handed_over` names the local vehicles the load went to.

let t: TestApp
let loopId: string
beforeEach(async () => {
  t = await buildTestApp()
  loopId = (await openLoop(t)).loopId
  // At the transfer station: sampled, released there, arrived.
  const res = await sendEvents(t, [
    event(t, loopId, 'sampled', { tube_code: 'TB-H1' }),
    event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
    event(t, loopId, 'destination_arrived'),
  ])
  expect(res.json.results.map((r: { status: string }) => r.status)).toEqual([
    'accepted',
    'accepted',
    'accepted',
  ])
})

const handedOver = (data?: Record<string, unknown>, loop = loopId) =>
  event(t, loop, 'handed_over', data)
const receivers = async (loop = loopId) =>
  (await t.call('GET', `/api/v1/loops/${loop}`, { as: 'coordinator' })).json.receivers as {
    plate: string
    pieces: number
    seal_number: string | null
    flag: string | null
    at: string
  }[]
const rowCount = () =>
  (t.sqlite.prepare('SELECT count(*) AS n FROM handover_receivers').get() as { n: number }).n

const base = { id: crypto.randomUUID(), loop_id: 'L', at: '2026-11-29T08:00:00Z' }
const parse = (data: unknown) =>
  parseEvent({ ...base, kind: 'handed_over', checkpoint_code: 'HZ-TS-XS', data })

describe('the handed_over data', () => {
  it('takes receivers with plate, pieces and an optional seal, normalising the plate', () => {
    const parsed = parse({
      receivers: [
        { plate: ' 浙a12345 ', pieces: 12, seal_number: 'SEAL-1' },
        { plate: '浙A67890', pieces: 3 },
      ],
    })
    expect(parsed.ok).toBe(true)
    if (!parsed.ok) return
    expect(parsed.event.data).toEqual({
      receivers: [
        { plate: '浙A12345', pieces: 12, seal_number: 'SEAL-1' },
        { plate: '浙A67890', pieces: 3 },
      ],
    })
  })

  it('still takes the old free data, and none at all', () => {
    expect(parse({ note: '已交接' }).ok).toBe(true)
    expect(parse(undefined).ok).toBe(true)
  })

  it('refuses a bad manifest as invalid_manifest, naming the field', () => {
    const bad: [unknown, string][] = [
      [{ receivers: [] }, 'data.receivers'],
      [{ receivers: [{ plate: '沪I12345', pieces: 1 }] }, 'data.receivers.0.plate'],
      [{ receivers: [{ plate: '浙A12345', pieces: 0 }] }, 'data.receivers.0.pieces'],
      [{ receivers: [{ plate: '浙A12345', pieces: 1.5 }] }, 'data.receivers.0.pieces'],
      [{ receivers: [{ plate: '浙A12345' }] }, 'data.receivers.0.pieces'],
      [
        { receivers: [{ plate: '浙A12345', pieces: 1, seal_number: 'S'.repeat(33) }] },
        'data.receivers.0.seal_number',
      ],
      [{ receivers: [{ plate: '浙A12345', pieces: 1, colour: 'red' }] }, 'data.receivers.0'],
      [{ receivers: Array(21).fill({ plate: '浙A12345', pieces: 1 }) }, 'data.receivers'],
      [{ receivers: 'three vans' }, 'data.receivers'],
    ]
    for (const [data, field] of bad) {
      const parsed = parse(data)
      expect(parsed, JSON.stringify(data)).toMatchObject({ ok: false, code: 'invalid_manifest' })
      if (!parsed.ok) expect(parsed.message.split(': ')[0], JSON.stringify(data)).toBe(field)
    }
  })
})

describe('the OpenAPI document', () => {
  it('shows the receivers of handed_over, and the receivers of a loop', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).json
    const schemas = doc.components.schemas
    const receiver = schemas.HandoverReceiver
    expect(Object.keys(receiver.properties).sort()).toEqual(['pieces', 'plate', 'seal_number'])
    expect(receiver.required.sort()).toEqual(['pieces', 'plate'])
    expect(receiver.properties.seal_number.maxLength).toBe(32)
    expect(schemas.HandedOverEventData.properties.receivers.maxItems).toBe(20)
    expect(JSON.stringify(schemas.LoopDetail)).toContain(
      '"receivers":{"type":"array","items":{"$ref":"#/components/schemas/HandoverReceiverView"}',
    )
  })
})

describe('writing the manifest', () => {
  it('stores one row per receiver with the event, and answers a bad manifest in the batch', async () => {
    const good = handedOver({
      receivers: [
        { plate: '浙A12345', pieces: 12, seal_number: 'SEAL-1' },
        { plate: '浙a67890', pieces: 3 },
      ],
    })
    const bad = handedOver({ receivers: [{ plate: '浙A12345', pieces: 0 }] })
    const res = await sendEvents(t, [good, bad])
    expect(res.json.results[0]).toMatchObject({ id: good.id, status: 'accepted' })
    expect(res.json.results[0].flag).toBeUndefined()
    expect(res.json.results[1]).toMatchObject({
      id: bad.id,
      status: 'rejected',
      error: { code: 'invalid_manifest' },
    })
    expect(await receivers()).toEqual([
      {
        plate: '浙A12345',
        pieces: 12,
        seal_number: 'SEAL-1',
        flag: null,
        at: good.at,
        event_id: good.id,
      },
      {
        plate: '浙A67890',
        pieces: 3,
        seal_number: null,
        flag: null,
        at: good.at,
        event_id: good.id,
      },
    ])
  })

  it('writes the rows once when the event is replayed, alone or twice in a batch', async () => {
    const e = handedOver({ receivers: [{ plate: '浙A12345', pieces: 1 }] })
    await sendEvents(t, [e])
    const replay = await sendEvents(t, [e, e])
    expect(replay.json.results.map((r: { status: string }) => r.status)).toEqual([
      'duplicate',
      'duplicate',
    ])
    expect(rowCount()).toBe(1)
  })

  it('writes the rows of an event sent twice at once only once', async () => {
    const e = handedOver({
      receivers: [
        { plate: '浙A12345', pieces: 1 },
        { plate: '浙A67890', pieces: 2 },
      ],
    })
    await Promise.all([sendEvents(t, [e]), sendEvents(t, [e])])
    expect(rowCount()).toBe(2)
  })

  it('adds no rows for an id reused with another manifest', async () => {
    const e = handedOver({ receivers: [{ plate: '浙A12345', pieces: 1 }] })
    await sendEvents(t, [e])
    const other = { ...e, data: { receivers: [{ plate: '浙A67890', pieces: 5 }] } }
    const res = await sendEvents(t, [other])
    expect(res.json.results[0]).toMatchObject({ status: 'rejected', error: { code: 'id_reused' } })
    expect((await receivers()).map((r) => r.plate)).toEqual(['浙A12345'])
  })

  it('keeps the old free data working: accepted, no receivers', async () => {
    const res = await sendEvents(t, [handedOver({ note: '已交接' }), handedOver()])
    expect(res.json.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'accepted',
    ])
    expect(await receivers()).toEqual([])
  })
})

describe('a receiver with an open loop from a risk area', () => {
  it('is flagged receiver_open_loop, on the row and in the batch answer', async () => {
    // 苏E99999: the other firm's truck, from the same high-risk origin, with an open loop.
    const { pass } = await otherFirmWithPass(t, 'firm-two')
    const scanned = await t.call('POST', '/api/v1/scans', {
      as: 'checkpoint',
      body: { id: crypto.randomUUID(), checkpoint_code: 'HZ-G60-XS', token: pass.token },
    })
    expect(scanned.json.loop?.id).toBeTypeOf('string')
    const e = handedOver({
      receivers: [
        { plate: '苏E99999', pieces: 4 },
        { plate: '浙A12345', pieces: 6 },
      ],
    })
    const res = await sendEvents(t, [e])
    expect(res.json.results[0]).toMatchObject({ status: 'accepted', flag: 'receiver_open_loop' })
    expect((await receivers()).map((r) => [r.plate, r.flag])).toEqual([
      ['苏E99999', 'receiver_open_loop'],
      ['浙A12345', null],
    ])
    // The flag is the receiver's: the event itself still counts (the fold flags nothing).
    const loop = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
    expect(loop.events.find((x: { id: string }) => x.id === e.id).flag).toBeNull()
  })

  it('is not flagged when that loop came from a low-risk area', async () => {
    // A pass from a low-risk origin (Beijing, 110101) for 浙B11111, scanned in: an open loop.
    const low = await openLoop(t, {
      plate: '浙B11111',
      origin_region_code: '110101',
    })
    expect(low.loopId).toBeTypeOf('string')
    const res = await sendEvents(t, [handedOver({ receivers: [{ plate: '浙B11111', pieces: 1 }] })])
    expect(res.json.results[0].flag).toBeUndefined()
    expect((await receivers())[0].flag).toBeNull()
  })

  it('never flags the truck’s own plate through its own loop', async () => {
    const own = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json.plate
    const res = await sendEvents(t, [handedOver({ receivers: [{ plate: own, pieces: 1 }] })])
    expect(res.json.results[0].flag).toBeUndefined()
  })
})

describe('who sees the receivers', () => {
  it('the firm sees those of its own loop, and another firm gets 404', async () => {
    await sendEvents(t, [handedOver({ receivers: [{ plate: '浙A12345', pieces: 2 }] })])
    const own = await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'enterprise' })
    expect(own.status).toBe(200)
    expect(own.json.receivers.map((r: { plate: string }) => r.plate)).toEqual(['浙A12345'])
    const { token } = await otherFirmWithPass(t, 'firm-two')
    const other = await t.call('GET', `/api/v1/loops/${loopId}`, { as: { token } })
    expect(other.status).toBe(404)
    expect(other.json.receivers).toBeUndefined()
  })
})
