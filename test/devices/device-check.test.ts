import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass, scan } from '../support/flow.ts'
import {
  DEVICE_HEADER,
  DEVICE_SIGNATURE_HEADER,
  DEVICE_TIME_HEADER,
} from '../../src/devices/device-signature.ts'
import { enrolDevice, signedCall, type TestDevice } from './support/signed-device.ts'

// The device check of every API request (src/devices/device-check.ts): a request naming a device
// must be signed by that device's key over its method, path, time and body.

let t: TestApp
let device: TestDevice
beforeAll(async () => {
  t = await buildTestApp()
  device = await enrolDevice(t, ['HZ-G60-XS'])
})

let plateSerial = 0
const nextPlate = () => `浙D${String(++plateSerial).padStart(5, '0')}`

async function scanBody(overrides: Record<string, unknown> = {}) {
  const pass = await issuePass(t, { plate: nextPlate() })
  return { id: crypto.randomUUID(), token: pass.token, checkpoint_code: 'HZ-G60-XS', ...overrides }
}

const storedScan = (id: string) =>
  t.store.db
    .selectFrom('scans')
    .select(['id', 'device_id', 'device_review'])
    .where('id', '=', id)
    .executeTakeFirst()

const errorCode = (res: { json: any }) => res.json?.error?.code

describe('a signed scan', () => {
  it('is recorded with its device, and its audit entry names the device', async () => {
    const body = await scanBody()
    const res = await signedCall(t, device, '/api/v1/scans', body)
    expect(res.status, res.text).toBe(200)
    expect(res.json).toMatchObject({ id: body.id, verdict: 'valid' })
    expect(await storedScan(body.id)).toEqual({
      id: body.id,
      device_id: device.id,
      device_review: null,
    })
    const audit = await t.store.db
      .selectFrom('audit_log')
      .select('after')
      .where('subject', '=', `scan:${body.id}`)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(audit.after!)).toMatchObject({ device: device.id, verdict: 'valid' })
  })

  it('leaves the body to the validators after hashing it: a bad field is still 400 invalid_input', async () => {
    const res = await signedCall(t, device, '/api/v1/scans', {
      id: 'not-a-uuid',
      token: 'x',
      checkpoint_code: 'HZ-G60-XS',
    })
    expect(res.status).toBe(400)
    expect(errorCode(res)).toBe('invalid_input')
    expect(res.json.error.details.map((d: { field: string }) => d.field)).toContain('id')
  })

  it('is refused with a signature made by another key', async () => {
    const other = await enrolDevice(t, ['HZ-G60-XS'])
    const body = await scanBody()
    const res = await signedCall(
      t,
      { ...device, privateKey: other.privateKey },
      '/api/v1/scans',
      body,
    )
    expect(res.status).toBe(403)
    expect(errorCode(res)).toBe('device_signature_invalid')
    expect(await storedScan(body.id)).toBeUndefined()
  })

  it('is refused when the body was changed after signing', async () => {
    const body = await scanBody()
    const res = await signedCall(t, device, '/api/v1/scans', body, {
      signed: { body: JSON.stringify({ ...body, observed_plate: '浙A00000' }) },
    })
    expect(res.status).toBe(403)
    expect(errorCode(res)).toBe('device_signature_invalid')
    expect(await storedScan(body.id)).toBeUndefined()
  })

  it('is refused when the signature was made for another path or method', async () => {
    const body = await scanBody()
    const moved = await signedCall(t, device, '/api/v1/scans', body, {
      signed: { path: '/api/v1/events' },
    })
    expect(moved.status).toBe(403)
    expect(errorCode(moved)).toBe('device_signature_invalid')
    const query = await signedCall(t, device, '/api/v1/scans', body, {
      signed: { path: '/api/v1/scans?x=1' },
    })
    expect(errorCode(query)).toBe('device_signature_invalid')
    const method = await signedCall(t, device, '/api/v1/scans', body, {
      signed: { method: 'PUT' },
    })
    expect(errorCode(method)).toBe('device_signature_invalid')
    expect(await storedScan(body.id)).toBeUndefined()
  })

  it('is refused without its time or its signature, or with a time that is not a number', async () => {
    const body = await scanBody()
    for (const headers of [
      { [DEVICE_TIME_HEADER]: undefined },
      { [DEVICE_SIGNATURE_HEADER]: undefined },
      { [DEVICE_TIME_HEADER]: 'yesterday' },
      { [DEVICE_TIME_HEADER]: String(t.clock().getTime() + 1) },
      { [DEVICE_SIGNATURE_HEADER]: 'not base64url!' },
    ]) {
      const res = await signedCall(t, device, '/api/v1/scans', body, { headers })
      expect(res.status, JSON.stringify(headers)).toBe(403)
      expect(errorCode(res)).toBe('device_signature_invalid')
    }
    expect(await storedScan(body.id)).toBeUndefined()
  })

  it('is refused when the device signed it more than 5 minutes ahead of the server', async () => {
    const body = await scanBody()
    const ahead = await signedCall(t, device, '/api/v1/scans', body, {
      time: t.clock().getTime() + 5 * 60_000 + 1,
    })
    expect(ahead.status).toBe(403)
    expect(errorCode(ahead)).toBe('device_time_in_future')
    expect(await storedScan(body.id)).toBeUndefined()
    // Within the five minutes, and long before (a queued upload), it is taken.
    const near = await signedCall(t, device, '/api/v1/scans', body, {
      time: t.clock().getTime() + 5 * 60_000,
    })
    expect(near.status).toBe(200)
    const queued = await signedCall(t, device, '/api/v1/scans', await scanBody(), {
      time: t.clock().getTime() - 3 * 24 * 3_600_000,
    })
    expect(queued.status).toBe(200)
  })
})

describe('the device a request names', () => {
  it('must be enrolled here: an unknown token is 403 device_unknown, on reads too', async () => {
    const stranger = { ...device, token: 'bm90LWEtZGV2aWNlLXRva2VuLWF0LWFsbC0xMjM0NTY3OA' }
    const body = await scanBody()
    const write = await signedCall(t, stranger, '/api/v1/scans', body)
    expect(write.status).toBe(403)
    expect(errorCode(write)).toBe('device_unknown')
    const read = await t.call('GET', '/api/v1/loops', {
      as: 'checkpoint',
      headers: { [DEVICE_HEADER]: stranger.token },
    })
    expect(read.status).toBe(403)
    expect(errorCode(read)).toBe('device_unknown')
    expect(await storedScan(body.id)).toBeUndefined()
  })

  it('reads without a signature (GET has no body to sign)', async () => {
    const read = await t.call('GET', '/api/v1/loops', {
      as: 'checkpoint',
      headers: { [DEVICE_HEADER]: device.token },
    })
    expect(read.status).toBe(200)
  })

  it('records only at its own checkpoints: a scan, an event batch, a manual loop elsewhere is 403', async () => {
    // The demo checkpoint account works at HZ-DEST-BJ too; this device was enrolled at HZ-G60-XS only.
    const body = await scanBody({ checkpoint_code: 'HZ-DEST-BJ' })
    const scanned = await signedCall(t, device, '/api/v1/scans', body)
    expect(scanned.status).toBe(403)
    expect(errorCode(scanned)).toBe('device_wrong_checkpoint')
    expect(scanned.json.error.details).toEqual({ checkpoint_code: 'HZ-DEST-BJ' })
    expect(await storedScan(body.id)).toBeUndefined()

    const opened = await signedCall(t, device, '/api/v1/scans', await scanBody())
    const loopId = opened.json.loop.id as string
    const at = t.clock().toISOString()
    const mine = { id: crypto.randomUUID(), loop_id: loopId, kind: 'sampled', at }
    const batch = await signedCall(t, device, '/api/v1/events', {
      events: [
        { ...mine, checkpoint_code: 'HZ-G60-XS', data: { tube_code: 'DC-1', tests: ['pcr'] } },
        {
          id: crypto.randomUUID(),
          loop_id: loopId,
          kind: 'released',
          at,
          checkpoint_code: 'HZ-TS-XS',
          data: { destination_code: 'HZ-DEST-BJ' },
        },
      ],
    })
    expect(batch.status).toBe(403)
    expect(errorCode(batch)).toBe('device_wrong_checkpoint')
    const stored = await t.store.db
      .selectFrom('loop_events')
      .select('id')
      .where('id', '=', mine.id)
      .executeTakeFirst()
    expect(stored, 'nothing of a refused batch is stored').toBeUndefined()

    const manual = await signedCall(t, device, '/api/v1/loops', {
      plate: nextPlate(),
      checkpoint_code: 'HZ-TS-XS',
    })
    expect(manual.status).toBe(403)
    expect(errorCode(manual)).toBe('device_wrong_checkpoint')
  })

  it('is seen: last_seen_at is written at most once a minute', async () => {
    const fresh = await enrolDevice(t, ['HZ-G60-XS'])
    const lastSeen = async () =>
      (
        await t.store.db
          .selectFrom('devices')
          .select('last_seen_at')
          .where('id', '=', fresh.id)
          .executeTakeFirstOrThrow()
      ).last_seen_at
    // Registering is its first contact.
    const registered = t.clock().toISOString()
    expect(await lastSeen()).toBe(registered)
    t.clock.advance(61_000)
    const read = () =>
      t.call('GET', '/api/v1/loops', {
        as: 'checkpoint',
        headers: { [DEVICE_HEADER]: fresh.token },
      })
    await read()
    const first = t.clock().toISOString()
    expect(await lastSeen()).toBe(first)
    t.clock.advance(30_000)
    await read()
    expect(await lastSeen(), 'not again within the minute').toBe(first)
    t.clock.advance(30_000)
    await signedCall(t, fresh, '/api/v1/scans', await scanBody())
    expect(await lastSeen()).toBe(t.clock().toISOString())
  })
})

describe('without a device', () => {
  it('everything works as before: a scan is recorded without one', async () => {
    const body = await scanBody()
    const res = await scan(t, body)
    expect(res.status).toBe(200)
    expect(await storedScan(body.id)).toEqual({ id: body.id, device_id: null, device_review: null })
    const audit = await t.store.db
      .selectFrom('audit_log')
      .select('after')
      .where('subject', '=', `scan:${body.id}`)
      .executeTakeFirstOrThrow()
    expect(JSON.parse(audit.after!)).not.toHaveProperty('device')
  })
})

describe('REQUIRE_DEVICE=1', () => {
  let strict: TestApp
  let strictDevice: TestDevice
  beforeAll(async () => {
    strict = await buildTestApp({ config: { REQUIRE_DEVICE: '1' } })
    strictDevice = await enrolDevice(strict, ['HZ-G60-XS'])
  })

  const strictScanBody = async () => {
    const pass = await issuePass(strict, { plate: nextPlate() })
    return { id: crypto.randomUUID(), token: pass.token, checkpoint_code: 'HZ-G60-XS' }
  }

  it('refuses checkpoint staff’s unsigned scans, events and manual loops', async () => {
    const body = await strictScanBody()
    const unsigned = await scan(strict, body)
    expect(unsigned.status).toBe(403)
    expect(errorCode(unsigned)).toBe('device_required')
    const events = await strict.call('POST', '/api/v1/events', {
      as: 'checkpoint',
      body: { events: [] },
    })
    expect(errorCode(events)).toBe('device_required')
    const manual = await strict.call('POST', '/api/v1/loops', {
      as: 'checkpoint',
      body: { plate: nextPlate(), checkpoint_code: 'HZ-G60-XS' },
    })
    expect(errorCode(manual)).toBe('device_required')
    const stored = await strict.store.db
      .selectFrom('scans')
      .select('id')
      .where('id', '=', body.id)
      .executeTakeFirst()
    expect(stored).toBeUndefined()
  })

  it('takes the same scan signed by an enrolled device', async () => {
    const signed = await signedCall(strict, strictDevice, '/api/v1/scans', await strictScanBody())
    expect(signed.status).toBe(200)
    expect(signed.json.verdict).toBe('valid')
  })

  it('leaves checkpoint staff’s reads and other roles’ writes alone', async () => {
    const read = await strict.call('GET', '/api/v1/loops', { as: 'checkpoint' })
    expect(read.status).toBe(200)
    // A coordinator's write (the enrolment above was one) and an enterprise's are not checkpoint records.
    const pass = await issuePass(strict, { plate: nextPlate() })
    const revoke = await strict.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '企业申请注销' },
    })
    expect(revoke.status).toBe(200)
  })
})
