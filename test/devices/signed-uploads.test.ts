import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'
import { DEVICE_HEADER } from '../../src/devices/device-signature.ts'
import {
  enrolDevice,
  revokeDevice,
  signedCall,
  signLater,
  type TestDevice,
} from './support/signed-device.ts'

// Scans and loop events record the device that signed them; a revoked device is cut off at once,
// but what its queue signed before the revocation is kept, marked for review, not dropped.

let t: TestApp
let device: TestDevice
beforeEach(async () => {
  t = await buildTestApp()
  device = await enrolDevice(t, ['HZ-G60-XS'])
})

let plateSerial = 0
const nextPlate = () => `浙E${String(++plateSerial).padStart(5, '0')}`

async function scanBody() {
  const pass = await issuePass(t, { plate: nextPlate() })
  return { id: crypto.randomUUID(), token: pass.token, checkpoint_code: 'HZ-G60-XS' }
}

/** A loop opened by a scan this device signed. */
async function openedLoop() {
  const opened = await signedCall(t, device, '/api/v1/scans', await scanBody())
  expect(opened.status, opened.text).toBe(200)
  return opened.json.loop.id as string
}

function sampled(loopId: string) {
  return {
    id: crypto.randomUUID(),
    loop_id: loopId,
    kind: 'sampled',
    at: t.clock().toISOString(),
    checkpoint_code: 'HZ-G60-XS',
    data: { tube_code: `SU-${plateSerial}`, tests: ['pcr'] },
  }
}

const scanRows = (id: string) =>
  t.store.db
    .selectFrom('scans')
    .select(['device_id', 'device_review'])
    .where('id', '=', id)
    .execute()
const eventRow = (id: string) =>
  t.store.db
    .selectFrom('loop_events')
    .select(['kind', 'device_id', 'device_review'])
    .where('id', '=', id)
    .executeTakeFirst()
const auditAfter = async (subject: string, action: string) =>
  (
    await t.store.db
      .selectFrom('audit_log')
      .select('after')
      .where('subject', '=', subject)
      .where('action', '=', action)
      .orderBy('seq', 'desc')
      .execute()
  ).map((r) => JSON.parse(r.after!))

const errorOf = (res: { json: any }) => res.json?.error

describe('what a device records', () => {
  it('a scan’s own loop event carries the device', async () => {
    const body = await scanBody()
    const res = await signedCall(t, device, '/api/v1/scans', body)
    expect(await eventRow(body.id)).toEqual({
      kind: 'arrived',
      device_id: device.id,
      device_review: null,
    })
    expect(res.json.loop.id).toBeTypeOf('string')
  })

  it('every event of a signed batch carries the device, and the batch’s audit entry names it', async () => {
    const loopId = await openedLoop()
    const event = sampled(loopId)
    const res = await signedCall(t, device, '/api/v1/events', { events: [event] })
    expect(res.status, res.text).toBe(200)
    expect(res.json.results).toEqual([{ id: event.id, status: 'accepted' }])
    expect(await eventRow(event.id)).toEqual({
      kind: 'sampled',
      device_id: device.id,
      device_review: null,
    })
    const [audit] = await auditAfter(`loop:${loopId}`, 'loop.events')
    expect(audit).toMatchObject({ device: device.id, events: [{ id: event.id }] })
  })

  it('a loop opened by hand carries the device, in its event and its audit entry', async () => {
    const eventId = crypto.randomUUID()
    const res = await signedCall(t, device, '/api/v1/loops', {
      id: eventId,
      plate: nextPlate(),
      checkpoint_code: 'HZ-G60-XS',
    })
    expect(res.status, res.text).toBe(201)
    expect(await eventRow(eventId)).toMatchObject({ kind: 'arrived', device_id: device.id })
    const [audit] = await auditAfter(`loop:${res.json.loop.id}`, 'loop.open_manual')
    expect(audit).toMatchObject({ device: device.id })
  })
})

describe('a revoked device', () => {
  it('is refused at once, whatever it sends: 403 device_revoked, not kept, nothing stored', async () => {
    const loopId = await openedLoop()
    t.clock.advance(60_000)
    await revokeDevice(t, device)
    t.clock.advance(1)

    const body = await scanBody()
    const scanned = await signedCall(t, device, '/api/v1/scans', body)
    expect(scanned.status).toBe(403)
    expect(errorOf(scanned)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: false },
    })
    expect(await scanRows(body.id)).toEqual([])

    const event = sampled(loopId)
    const batch = await signedCall(t, device, '/api/v1/events', { events: [event] })
    expect(batch.status).toBe(403)
    expect(errorOf(batch)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: false },
    })
    expect(await eventRow(event.id)).toBeUndefined()

    const read = await t.call('GET', '/api/v1/loops', {
      as: 'checkpoint',
      headers: { [DEVICE_HEADER]: device.token },
    })
    expect(read.status).toBe(403)
    expect(errorOf(read)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: false },
    })
  })

  it('refuses an upload signed at the very moment of revocation', async () => {
    const { revoked_at } = await revokeDevice(t, device)
    const body = await scanBody()
    const res = await signedCall(t, device, '/api/v1/scans', body, {
      time: Date.parse(revoked_at),
    })
    expect(errorOf(res)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: false },
    })
    expect(await scanRows(body.id)).toEqual([])
  })

  it('keeps a scan its queue signed before the revocation, marked for review, and says so', async () => {
    const body = await scanBody()
    const queued = await signLater(t, device, '/api/v1/scans', body)
    t.clock.advance(10 * 60_000)
    await revokeDevice(t, device)
    t.clock.advance(60 * 60_000)

    const res = await queued()
    expect(res.status).toBe(403)
    expect(errorOf(res)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: true },
    })
    expect(await scanRows(body.id)).toEqual([
      { device_id: device.id, device_review: 'signed_before_revocation' },
    ])
    expect(await eventRow(body.id)).toMatchObject({
      device_id: device.id,
      device_review: 'signed_before_revocation',
    })
    const [audit] = await auditAfter(`scan:${body.id}`, 'scan')
    expect(audit).toMatchObject({
      device: device.id,
      device_review: 'signed_before_revocation',
    })

    // The page retries what it did not hear back: the same scan, no second row, still marked.
    const again = await queued()
    expect(errorOf(again)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: true },
    })
    expect(await scanRows(body.id)).toEqual([
      { device_id: device.id, device_review: 'signed_before_revocation' },
    ])
  })

  it('keeps an event batch its queue signed before the revocation, marked for review', async () => {
    const loopId = await openedLoop()
    const event = sampled(loopId)
    const queued = await signLater(t, device, '/api/v1/events', { events: [event] })
    t.clock.advance(5 * 60_000)
    await revokeDevice(t, device)
    t.clock.advance(5 * 60_000)

    const res = await queued()
    expect(res.status).toBe(403)
    expect(errorOf(res)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: true },
    })
    expect(await eventRow(event.id)).toEqual({
      kind: 'sampled',
      device_id: device.id,
      device_review: 'signed_before_revocation',
    })
    const [audit] = await auditAfter(`loop:${loopId}`, 'loop.events')
    expect(audit).toMatchObject({
      device: device.id,
      device_review: 'signed_before_revocation',
      events: [{ id: event.id }],
    })
    const loop = await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })
    expect(loop.json.state, 'the kept event counts in the loop').toBe('sampled')
  })

  it('says nothing was kept when the upload signed before was refused on its own merits', async () => {
    const loopId = await openedLoop()
    // An event of no known kind is rejected, and a scan without a UUID is a 400: nothing stored.
    const event = { ...sampled(loopId), kind: 'no_such_kind' }
    const queued = await signLater(t, device, '/api/v1/events', { events: [event] })
    const badScan = await signLater(t, device, '/api/v1/scans', { id: 'nope' })
    t.clock.advance(60_000)
    await revokeDevice(t, device)

    const batch = await queued()
    expect(errorOf(batch)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: false },
    })
    expect(await eventRow(event.id)).toBeUndefined()
    const scanned = await badScan()
    expect(errorOf(scanned)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: false },
    })
  })

  it('cannot send a manual loop signed before the revocation: only queued uploads are kept', async () => {
    const queued = await signLater(t, device, '/api/v1/loops', {
      plate: nextPlate(),
      checkpoint_code: 'HZ-G60-XS',
    })
    t.clock.advance(60_000)
    await revokeDevice(t, device)
    const res = await queued()
    expect(errorOf(res)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: false },
    })
  })

  it('still needs a valid signature for a late upload: a forged one is refused as revoked, not kept', async () => {
    const body = await scanBody()
    const queued = await signLater(t, device, '/api/v1/scans', body, {
      signed: { body: JSON.stringify({ ...body, observed_plate: '浙A00000' }) },
    })
    t.clock.advance(60_000)
    await revokeDevice(t, device)
    const res = await queued()
    expect(res.status).toBe(403)
    expect(errorOf(res)).toMatchObject({
      code: 'device_revoked',
      details: { kept_for_review: false },
    })
    expect(await scanRows(body.id)).toEqual([])
  })
})
