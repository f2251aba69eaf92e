import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { auditRowsSince, lastAuditSeq } from '../support/reference-data.ts'
import { issuePass } from '../support/flow.ts'
import { sha256Hex } from '../../src/devices/device-signature.ts'
import { normaliseEnrollmentCode } from '../../src/devices/device-token.ts'
import { enrol, phoneKeys, register, signedHeaders } from './support/device-keys.ts'

const START = '2026-11-29T08:00:00.000Z'

describe('enrolling and registering a scanner device', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  it('enrols a device: a one-time code valid 10 minutes, its QR, and a pending device', async () => {
    const seq = await lastAuditSeq(t.store)
    const res = await t.call('POST', '/api/v1/devices/enrollments', {
      as: 'coordinator',
      body: { checkpoint_codes: ['hz-g60-xs', 'HZ-TS-XS'], label: '萧山卡口 1 号机' },
    })
    expect(res.status, res.text).toBe(201)
    expect(res.json).toMatchObject({
      device_id: expect.any(String),
      label: '萧山卡口 1 号机',
      checkpoint_codes: ['HZ-G60-XS', 'HZ-TS-XS'],
      expires_at: '2026-11-29T08:10:00.000Z',
    })
    expect(normaliseEnrollmentCode(res.json.code)).toBe(res.json.code)
    expect(res.json.qr_svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect(res.headers.get('cache-control')).toBe('no-store')

    // Only the code's hash is stored; the audit entry names the device, never the code.
    const row = await t.store.db
      .selectFrom('devices')
      .selectAll()
      .where('id', '=', res.json.device_id)
      .executeTakeFirstOrThrow()
    expect(row.code_hash).toBe(await sha256Hex(res.json.code))
    const audit = await auditRowsSince(t.store, seq)
    expect(audit.map((a) => [a.action, a.subject, a.actor])).toEqual([
      ['device.enroll', `device:${res.json.device_id}`, 'coordinator:coordinator'],
    ])
    expect(JSON.stringify(audit)).not.toContain(res.json.code)

    const list = await t.call('GET', '/api/v1/devices', { as: 'coordinator' })
    expect(list.json.find((d: { id: string }) => d.id === res.json.device_id)).toMatchObject({
      status: 'pending',
      enrolled_at: null,
      checkpoint_codes: ['HZ-G60-XS', 'HZ-TS-XS'],
      created_by: 'coordinator:coordinator',
      uploads: 0,
    })
  })

  it('registers a phone with the code and its public key: the device lists as active', async () => {
    const enrolment = await enrol(t, ['HZ-G60-XS'], '萧山卡口 2 号机')
    const { publicJwk } = await phoneKeys()
    const seq = await lastAuditSeq(t.store)
    t.clock.advance(60_000)
    // Typed by hand: lower case, spaces instead of dashes.
    const typed = enrolment.code.toLowerCase().replaceAll('-', ' ')
    const res = await t.call('POST', '/api/v1/devices', {
      as: null,
      body: { code: typed, public_key_jwk: publicJwk },
    })
    expect(res.status, res.text).toBe(201)
    expect(res.json).toEqual({
      device_id: enrolment.device_id,
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      label: '萧山卡口 2 号机',
      checkpoint_codes: ['HZ-G60-XS'],
    })

    const row = await t.store.db
      .selectFrom('devices')
      .selectAll()
      .where('id', '=', enrolment.device_id)
      .executeTakeFirstOrThrow()
    expect(row.token_hash).toBe(await sha256Hex(res.json.token))
    expect(JSON.parse(row.public_key_jwk!)).toEqual({
      kty: 'EC',
      crv: 'P-256',
      x: publicJwk.x,
      y: publicJwk.y,
    })
    const audit = await auditRowsSince(t.store, seq)
    expect(audit.map((a) => [a.action, a.actor])).toEqual([
      ['device.register', `device:${enrolment.device_id}`],
    ])
    expect(JSON.stringify(audit)).not.toContain(res.json.token)

    const list = await t.call('GET', '/api/v1/devices?status=active', { as: 'coordinator' })
    expect(list.json).toEqual([
      expect.objectContaining({
        id: enrolment.device_id,
        status: 'active',
        label: '萧山卡口 2 号机',
        checkpoint_codes: ['HZ-G60-XS'],
        enrolled_at: '2026-11-29T08:01:00.000Z',
        revoked_at: null,
      }),
    ])
    expect(list.headers.get('x-total-count')).toBe('1')
  })

  it('lets the phone name itself when it registers', async () => {
    const enrolment = await enrol(t)
    const res = await t.call('POST', '/api/v1/devices', {
      as: null,
      body: {
        code: enrolment.code,
        public_key_jwk: (await phoneKeys()).publicJwk,
        label: '备用机',
      },
    })
    expect(res.status, res.text).toBe(201)
    expect(res.json.label).toBe('备用机')
  })

  it('takes an Ed25519 key too', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const jwk = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey
    const res = await register(t, (await enrol(t)).code, jwk)
    expect(res.status, res.text).toBe(201)
  })

  it('uses a code once: a second registration is 409 enrollment_used', async () => {
    const { code } = await enrol(t)
    expect((await register(t, code)).status).toBe(201)
    const again = await register(t, code)
    expect(again.status).toBe(409)
    expect(again.json.error.code).toBe('enrollment_used')
  })

  it('refuses a code after its 10 minutes: 410 enrollment_expired, and lists the device as expired', async () => {
    const { code, device_id } = await enrol(t)
    t.clock.advance(10 * 60_000 - 1)
    const other = await enrol(t)
    t.clock.advance(1)
    const res = await register(t, code)
    expect(res.status).toBe(410)
    expect(res.json.error.code).toBe('enrollment_expired')
    const expired = await t.call('GET', '/api/v1/devices?status=expired', { as: 'coordinator' })
    expect(expired.json.map((d: { id: string }) => d.id)).toContain(device_id)
    expect(expired.json.map((d: { id: string }) => d.id)).not.toContain(other.device_id)
    // The one enrolled a moment later still has its last millisecond.
    expect((await register(t, other.code)).status).toBe(201)
  })

  it('refuses a code never given: 404 enrollment_not_found', async () => {
    for (const code of ['2345-6789-ABCD', 'not a code']) {
      const res = await register(t, code)
      expect(res.status).toBe(404)
      expect(res.json.error.code).toBe('enrollment_not_found')
    }
  })

  it('refuses a private key, another curve or a key that does not import: 400 invalid_device_key', async () => {
    const p256 = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const privateJwk = (await crypto.subtle.exportKey('jwk', p256.privateKey)) as JsonWebKey
    const p384 = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const p384Jwk = (await crypto.subtle.exportKey('jwk', p384.publicKey)) as JsonWebKey
    const { publicJwk } = await phoneKeys()
    const offCurve = { ...publicJwk, y: publicJwk.x } // a point not on the curve
    const { code, device_id } = await enrol(t)
    for (const jwk of [privateJwk, p384Jwk, offCurve, { kty: 'oct', k: 'c2VjcmV0' }]) {
      const res = await register(t, code, jwk)
      expect(res.status, JSON.stringify(jwk)).toBe(400)
      expect(res.json.error).toMatchObject({
        code: 'invalid_device_key',
        details: [{ field: 'public_key_jwk', message: expect.any(String) }],
      })
    }
    // None of them used the code up.
    expect((await register(t, code)).json.device_id).toBe(device_id)
  })

  it('refuses checkpoints that do not exist: 400 unknown_checkpoint', async () => {
    const res = await t.call('POST', '/api/v1/devices/enrollments', {
      as: 'coordinator',
      body: { checkpoint_codes: ['HZ-G60-XS', 'NO-SUCH-1'], label: '测试' },
    })
    expect(res.status).toBe(400)
    expect(res.json.error).toMatchObject({ code: 'unknown_checkpoint' })
    expect(res.json.error.message).toContain('NO-SUCH-1')
    const none = await t.call('POST', '/api/v1/devices/enrollments', {
      as: 'coordinator',
      body: { checkpoint_codes: [], label: '测试' },
    })
    expect(none.status).toBe(400)
    expect(none.json.error.details[0].field).toBe('checkpoint_codes')
  })

  it('lets only coordinators enrol, list, read activity and revoke', async () => {
    const { device_id } = await enrol(t)
    const calls: [string, string, unknown?][] = [
      ['POST', '/api/v1/devices/enrollments', { checkpoint_codes: ['HZ-G60-XS'], label: 'x' }],
      ['GET', '/api/v1/devices'],
      ['GET', `/api/v1/devices/${device_id}/activity`],
      ['POST', `/api/v1/devices/${device_id}/revoke`, { reason: '测试' }],
    ]
    for (const [method, path, body] of calls) {
      for (const as of ['enterprise', 'checkpoint'] as const) {
        const res = await t.call(method, path, { as, body })
        expect(res.status, `${as} ${method} ${path}`).toBe(403)
        expect(res.json.error.code).toBe('forbidden')
      }
      expect((await t.call(method, path, { as: null, body })).status).toBe(401)
    }
    const admin = await t.call('GET', '/api/v1/devices', { as: 'admin' })
    expect(admin.status).toBe(200)
    expect(admin.json.find((d: { id: string }) => d.id === device_id).status).toBe('pending')
  })

  it('says the refusals in Chinese by default', async () => {
    const { code } = await enrol(t)
    await register(t, code)
    const res = await t.call('POST', '/api/v1/devices', {
      as: null,
      headers: { 'accept-language': 'zh-CN' },
      body: { code, public_key_jwk: (await phoneKeys()).publicJwk },
    })
    expect(res.json.error).toEqual({
      code: 'enrollment_used',
      message: '该设备注册码已使用过，请向协调员索取新的注册码',
    })
  })
})

describe('revoking a device', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  it('cancels an enrolment not used yet: its code answers as unknown, the device lists as revoked', async () => {
    const { code, device_id } = await enrol(t)
    const seq = await lastAuditSeq(t.store)
    const res = await t.call('POST', `/api/v1/devices/${device_id}/revoke`, {
      as: 'coordinator',
      body: { reason: '二维码拍照外传' },
    })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toMatchObject({
      id: device_id,
      status: 'revoked',
      enrolled_at: null,
      revoked_at: START,
      revoked_by: 'coordinator:coordinator',
      revoke_reason: '二维码拍照外传',
    })
    const audit = await auditRowsSince(t.store, seq)
    expect(audit.map((a) => a.action)).toEqual(['device.revoke'])
    expect(JSON.parse(audit[0]!.after!)).toMatchObject({ status: 'revoked' })

    const refused = await register(t, code)
    expect(refused.status).toBe(404)
    expect(refused.json.error.code).toBe('enrollment_not_found')
    const list = await t.call('GET', '/api/v1/devices?status=revoked', { as: 'coordinator' })
    expect(list.json).toEqual([
      expect.objectContaining({
        id: device_id,
        status: 'revoked',
        revoke_reason: '二维码拍照外传',
      }),
    ])
  })

  it('revokes an active device: its code then answers 403 device_revoked', async () => {
    const { code, device_id } = await enrol(t)
    expect((await register(t, code)).status).toBe(201)
    const res = await t.call('POST', `/api/v1/devices/${device_id}/revoke`, {
      as: 'coordinator',
      body: { reason: '手机遗失' },
    })
    expect(res.status).toBe(200)
    expect(res.json.enrolled_at).not.toBeNull()
    const again = await register(t, code)
    expect(again.status).toBe(403)
    expect(again.json.error.code).toBe('device_revoked')
  })

  it('refuses to revoke twice: 409 device_already_revoked, nothing changed', async () => {
    const { device_id } = await enrol(t)
    const first = await t.call('POST', `/api/v1/devices/${device_id}/revoke`, {
      as: 'coordinator',
      body: { reason: '第一次' },
    })
    expect(first.status).toBe(200)
    t.clock.advance(60_000)
    const seq = await lastAuditSeq(t.store)
    const second = await t.call('POST', `/api/v1/devices/${device_id}/revoke`, {
      as: 'admin',
      body: { reason: '第二次' },
    })
    expect(second.status).toBe(409)
    expect(second.json.error.code).toBe('device_already_revoked')
    expect(await lastAuditSeq(t.store)).toBe(seq)
    const list = await t.call('GET', '/api/v1/devices?status=revoked', { as: 'coordinator' })
    expect(list.json.find((d: { id: string }) => d.id === device_id)).toMatchObject({
      revoke_reason: '第一次',
      revoked_at: first.json.revoked_at,
    })
  })

  it('answers 404 for a device that does not exist, and wants a reason', async () => {
    const missing = await t.call('POST', '/api/v1/devices/no-such-device/revoke', {
      as: 'coordinator',
      body: { reason: '测试' },
    })
    expect(missing.status).toBe(404)
    const { device_id } = await enrol(t)
    const noReason = await t.call('POST', `/api/v1/devices/${device_id}/revoke`, {
      as: 'coordinator',
      body: { reason: '  ' },
    })
    expect(noReason.status).toBe(400)
    expect(noReason.json.error.details[0].field).toBe('reason')
  })
})

describe("a device's activity", () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ start: START })
  })

  async function checkpointAccount() {
    return t.store.db
      .selectFrom('accounts')
      .select(['id', 'username'])
      .where('role', '=', 'checkpoint')
      .orderBy('username')
      .executeTakeFirstOrThrow()
  }

  it('lists the scans and events recorded with it, the last received first, and counts them', async () => {
    const { device_id, code } = await enrol(t)
    expect((await register(t, code)).status).toBe(201)
    const other = await enrol(t)
    const account = await checkpointAccount()
    const loop = {
      id: 'loop-dev-1',
      plate: '沪A00001',
      pass_number: null,
      enterprise_id: null,
      entry_checkpoint_code: 'HZ-G60-XS',
      opened_at: '2026-11-29T07:00:00.000Z',
      opened_by: 'checkpoint:checkpoint',
      manual: 1,
      state: 'released',
      alerting: 0,
      sampled_at: null,
      pcr_result: null,
      released_at: null,
      release_deadline: null,
      destination_code: null,
      destination_arrived_at: null,
      last_checkpoint_code: 'HZ-G60-XS',
      negative_since: null,
      result_due_at: null,
      destination_due_at: null,
      flagged_events: 0,
      closed_at: null,
      closed_note: null,
      closed_by: null,
      dirty: 0,
      updated_at: '2026-11-29T07:00:00.000Z',
    } as const
    await t.store.db.insertInto('loops').values(loop).execute()
    const scanRow = (id: string, receivedAt: string, device: string, review: string | null) => ({
      id,
      checkpoint_code: 'HZ-G60-XS',
      account_id: account.id,
      scanned_at: '2026-11-29T07:00:00.000Z',
      received_at: receivedAt,
      pass_number: null,
      plate: '沪A00001',
      observed_plate: null,
      enterprise_id: null,
      verdict: 'invalid' as const,
      reasons: '[]',
      action: 'control_on_site',
      loop_id: null,
      raw: '{}',
      response: '{}',
      request_hash: null,
      device_id: device,
      device_review: review,
    })
    await t.store.db
      .insertInto('scans')
      .values([
        scanRow('scan-a', '2026-11-29T07:01:00.000Z', device_id, null),
        scanRow('scan-b', '2026-11-29T07:05:00.000Z', device_id, 'signed_before_revocation'),
        scanRow('scan-other', '2026-11-29T07:06:00.000Z', other.device_id, null),
      ])
      .execute()
    await t.store.db
      .insertInto('loop_events')
      .values({
        id: 'event-a',
        loop_id: loop.id,
        kind: 'sampled',
        at: '2026-11-29T07:02:00.000Z',
        checkpoint_code: 'HZ-G60-XS',
        data: null,
        recorded_by: 'checkpoint:checkpoint',
        received_at: '2026-11-29T07:03:00.000Z',
        flag: null,
        device_id,
      })
      .execute()

    const res = await t.call('GET', `/api/v1/devices/${device_id}/activity`, {
      as: 'coordinator',
    })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toEqual([
      {
        kind: 'scan',
        id: 'scan-b',
        at: '2026-11-29T07:00:00.000Z',
        received_at: '2026-11-29T07:05:00.000Z',
        checkpoint_code: 'HZ-G60-XS',
        recorded_by: `checkpoint:${account.username}`,
        summary: 'invalid',
        loop_id: null,
        device_review: 'signed_before_revocation',
      },
      {
        kind: 'event',
        id: 'event-a',
        at: '2026-11-29T07:02:00.000Z',
        received_at: '2026-11-29T07:03:00.000Z',
        checkpoint_code: 'HZ-G60-XS',
        recorded_by: 'checkpoint:checkpoint',
        summary: 'sampled',
        loop_id: 'loop-dev-1',
        device_review: null,
      },
      expect.objectContaining({ kind: 'scan', id: 'scan-a', device_review: null }),
    ])
    expect(res.headers.get('x-total-count')).toBe('3')

    const page = await t.call('GET', `/api/v1/devices/${device_id}/activity?limit=2`, {
      as: 'coordinator',
    })
    expect(page.json.map((r: { id: string }) => r.id)).toEqual(['scan-b', 'event-a'])
    expect(page.headers.get('x-total-count')).toBe('3')
    expect(page.headers.get('link')).toContain('offset=2')

    const review = await t.call('GET', `/api/v1/devices/${device_id}/activity?review=true`, {
      as: 'coordinator',
    })
    expect(review.json.map((r: { id: string }) => r.id)).toEqual(['scan-b'])

    const list = await t.call('GET', '/api/v1/devices', { as: 'coordinator' })
    const byId = (id: string) => list.json.find((d: { id: string }) => d.id === id)
    expect(byId(device_id)).toMatchObject({ uploads: 3, review: 1 })
    expect(byId(other.device_id)).toMatchObject({ uploads: 1, review: 0 })
  })

  it('answers 404 for a device that does not exist', async () => {
    const res = await t.call('GET', '/api/v1/devices/no-such-device/activity', {
      as: 'coordinator',
    })
    expect(res.status).toBe(404)
    expect(res.json.error.code).toBe('not_found')
  })

  it('shows a scan sent with a signed request, and when the device was last seen', async () => {
    const pass = await issuePass(t, { plate: '沪A77777' })
    const { device_id, code } = await enrol(t, ['HZ-G60-XS'])
    const keys = await phoneKeys()
    const registered = await register(t, code, keys.publicJwk)
    expect(registered.status).toBe(201)
    t.clock.advance(60_000)
    const body = JSON.stringify({
      id: crypto.randomUUID(),
      token: pass.token,
      checkpoint_code: 'HZ-G60-XS',
    })
    const headers = await signedHeaders(
      keys.privateKey,
      registered.json.token,
      'POST',
      '/api/v1/scans',
      body,
      t.clock().getTime(),
    )
    const scanned = await t.call('POST', '/api/v1/scans', { as: 'checkpoint', body, headers })
    expect(scanned.status, scanned.text).toBe(200)

    const activity = await t.call('GET', `/api/v1/devices/${device_id}/activity`, {
      as: 'coordinator',
    })
    // The scan, and the arrival it recorded in the loop it opened: both made with the device.
    const loopId = scanned.json.loop.id
    expect(activity.json).toHaveLength(2)
    expect(activity.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'scan',
          summary: 'valid',
          recorded_by: 'checkpoint:checkpoint',
          checkpoint_code: 'HZ-G60-XS',
          loop_id: loopId,
          device_review: null,
        }),
        expect.objectContaining({ kind: 'event', summary: 'arrived', loop_id: loopId }),
      ]),
    )
    const list = await t.call('GET', '/api/v1/devices?status=active', { as: 'coordinator' })
    expect(list.json.find((d: { id: string }) => d.id === device_id)).toMatchObject({
      uploads: 1, // the scan; its `arrived` event is part of that upload
      last_seen_at: t.clock().toISOString(),
    })
  })
})
