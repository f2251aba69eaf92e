import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, issuePass, scan, sendEvents } from '../support/flow.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'
import { signPassToken } from '../../src/passes/pass-token.ts'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})

let plateSerial = 0
const nextPlate = () => `浙K${String(++plateSerial).padStart(5, '0')}`

describe('a scan at an entry checkpoint', () => {
  it('answers valid, sample then release, and opens the vehicle’s loop with an arrival', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    const res = await scan(t, { token: pass.token })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      verdict: 'valid',
      reasons: [],
      action: 'sample_then_release',
      pass: { number: pass.number, plate: pass.plate, status: 'active' },
    })
    expect(res.json.loop).toMatchObject({ state: 'arrived', alerting: false })
    const loop = await t.call('GET', `/api/v1/loops/${res.json.loop.id}`, { as: 'coordinator' })
    expect(loop.json.events.map((e: { kind: string }) => e.kind)).toEqual(['arrived'])
    expect(loop.json).toMatchObject({
      plate: pass.plate,
      pass_number: pass.number,
      entry_checkpoint_code: 'HZ-G60-XS',
    })
  })

  it('answers loop_open for a vehicle scanned in and never out, pointing at the open loop', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    const first = await scan(t, { token: pass.token })
    const second = await scan(t, { token: pass.token })
    expect(second.json).toMatchObject({
      verdict: 'invalid',
      reasons: ['loop_open'],
      action: 'control_on_site',
      loop: { id: first.json.loop.id },
    })
    expect(
      t.sqlite.prepare('SELECT count(*) FROM loops WHERE plate = ?').pluck().get(pass.plate),
    ).toBe(1)
  })

  it('answers a repeated scan id exactly as the first time, without a second loop', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    const id = crypto.randomUUID()
    const first = await scan(t, { id, token: pass.token })
    const again = await scan(t, { id, token: pass.token })
    expect(again.json).toEqual(first.json)
    expect(t.sqlite.prepare('SELECT count(*) FROM scans WHERE id = ?').pluck().get(id)).toBe(1)
  })

  it('opens one loop when the same vehicle is scanned at two lanes at once', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    const answers = await Promise.all([
      scan(t, { token: pass.token }),
      scan(t, { token: pass.token }),
      scan(t, { token: pass.token }),
    ])
    expect(answers.map((a) => a.json.verdict).sort()).toEqual(['invalid', 'invalid', 'valid'])
    expect(
      t.sqlite.prepare('SELECT count(*) FROM loops WHERE plate = ?').pluck().get(pass.plate),
    ).toBe(1)
  })
})

describe('every reason, as the checkpoint sees it', () => {
  it('revoked', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '企业申请注销' },
    })
    const res = await scan(t, { token: pass.token })
    expect(res.json).toMatchObject({
      verdict: 'invalid',
      reasons: ['revoked'],
      action: 'control_on_site',
    })
    expect(res.json.loop).toBeUndefined()
  })

  it('superseded', async () => {
    const plate = nextPlate()
    const old = await issuePass(t, { plate })
    await issuePass(t, { plate })
    expect((await scan(t, { token: old.token })).json.reasons).toEqual(['superseded'])
  })

  it('enterprise_not_whitelisted, at once after a suspension', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    await t.call('POST', '/api/v1/enterprises/demo-ent-1/whitelist', {
      as: 'coordinator',
      body: { status: 'suspended', reason: '审计发现问题' },
    })
    try {
      expect((await scan(t, { token: pass.token })).json.reasons).toEqual([
        'enterprise_not_whitelisted',
      ])
    } finally {
      await t.call('POST', '/api/v1/enterprises/demo-ent-1/whitelist', {
        as: 'coordinator',
        body: { status: 'active', reason: '整改完成' },
      })
    }
  })

  it('plate_mismatch, comparing the normalised observed plate', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    expect((await scan(t, { token: pass.token, observed_plate: '浙Z99999' })).json.reasons).toEqual(
      ['plate_mismatch'],
    )
    const same = await scan(t, {
      token: pass.token,
      observed_plate: ` ${pass.plate.toLowerCase().slice(0, 1)}${pass.plate.slice(1, 2).toLowerCase()}·${pass.plate.slice(2)}`,
    })
    expect(same.json.verdict).toBe('valid')
  })

  // Device times ahead of the server are refused (scan-checks.test.ts), so the server clock moves:
  // on an app of its own, not to move the shared one.
  it('not_yet_valid and expired, with a small clock skew allowed', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, {
      plate: nextPlate(),
      valid_from: '2026-11-30T08:00:00+08:00',
      valid_until: '2026-12-01T08:00:00+08:00',
    })
    expect((await scan(t, { token: pass.token })).json.reasons).toEqual(['not_yet_valid'])
    t.clock.set('2026-11-30T07:57:00+08:00')
    t.forgetTokens()
    expect(
      (await scan(t, { token: pass.token, scanned_at: '2026-11-30T07:57:00+08:00' })).json.verdict,
    ).toBe('valid')
    t.clock.set('2026-12-01T09:00:00+08:00')
    t.forgetTokens()
    const late = await scan(t, {
      token: pass.token,
      checkpoint_code: 'HZ-TS-XS',
      scanned_at: '2026-12-01T09:00:00+08:00',
    })
    expect(late.json.reasons).toEqual(['expired'])
  })

  it('bad_signature for an edited token, unknown_key for a stranger’s key, malformed for junk', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    const [h, p, s] = pass.token.split('.')
    const edited = `${h}.${Buffer.from(Buffer.from(p, 'base64url').toString().replace(pass.plate, '浙A00000')).toString('base64url')}.${s}`
    expect((await scan(t, { token: edited })).json).toMatchObject({
      verdict: 'invalid',
      reasons: ['bad_signature'],
      action: 'control_on_site',
    })
    const stranger = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
    const forged = await signPassToken(
      {
        number: '330100123456',
        plate: '浙A00001',
        validFrom: new Date('2026-11-29T00:00:00Z'),
        validUntil: new Date('2026-12-09T00:00:00Z'),
        origin: '310115',
        destination: 'HZ-XS-01',
      },
      stranger.current,
    )
    expect((await scan(t, { token: forged })).json.reasons).toEqual(['unknown_key'])
    const junk = await scan(t, { token: 'https://example.com/not-a-pass' })
    expect(junk.json).toMatchObject({
      verdict: 'invalid',
      reasons: ['malformed'],
      action: 'control_on_site',
    })
    expect(junk.json.pass).toBeUndefined()
  })

  it('several reasons at once, in their fixed order', async () => {
    const t = await buildTestApp()
    const plate = nextPlate()
    const old = await issuePass(t, {
      plate,
      valid_from: '2026-11-29T16:00:00+08:00',
      valid_until: '2026-11-30T16:00:00+08:00',
    })
    await issuePass(t, { plate })
    t.clock.set('2026-12-02T08:00:00+08:00')
    t.forgetTokens()
    const res = await scan(t, {
      token: old.token,
      observed_plate: '浙Z11111',
      scanned_at: '2026-12-02T08:00:00+08:00',
    })
    expect(res.json.reasons).toEqual(['expired', 'superseded', 'plate_mismatch'])
  })

  it('stores every scan, failed ones too, with the raw input capped', async () => {
    const id = crypto.randomUUID()
    await scan(t, { id, token: 'x'.repeat(4000) })
    const row = t.sqlite
      .prepare('SELECT verdict, reasons, raw FROM scans WHERE id = ?')
      .get(id) as { verdict: string; reasons: string; raw: string }
    expect(row.verdict).toBe('invalid')
    expect(JSON.parse(row.reasons)).toEqual(['malformed'])
    expect(row.raw.length).toBeLessThanOrEqual(4096)
    expect(row.raw).toContain('xxxx')
  })
})

describe('a scan at a transfer station or destination', () => {
  it('records destination_arrived on the open loop, and releases a vehicle with a negative result', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    const loopId = (await scan(t, { token: pass.token })).json.loop.id
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'T-100', tests: ['pcr', 'antigen'] }),
      event(t, loopId, 'antigen_result', { result: 'negative' }),
      event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
    ])
    const atStation = await scan(t, { token: pass.token, checkpoint_code: 'HZ-TS-XS' })
    expect(atStation.json).toMatchObject({
      verdict: 'valid',
      action: 'release',
      loop: { id: loopId, state: 'at_destination' },
    })
  })

  it('does not apply loop_open there, and flags a vehicle that has no open loop', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    const res = await scan(t, { token: pass.token, checkpoint_code: 'HZ-DEST-BJ' })
    expect(res.json).toMatchObject({ verdict: 'valid', reasons: [], flags: ['no_open_loop'] })
    expect(res.json.loop).toBeUndefined()
  })
})

describe('who may scan', () => {
  it('only checkpoint staff, and only at their own checkpoints', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    const body = { id: crypto.randomUUID(), token: pass.token, checkpoint_code: 'HZ-G60-XS' }
    expect((await t.call('POST', '/api/v1/scans', { as: 'coordinator', body })).status).toBe(403)
    expect((await t.call('POST', '/api/v1/scans', { as: 'enterprise', body })).status).toBe(403)
    expect((await t.call('POST', '/api/v1/scans', { body })).status).toBe(401)
    const elsewhere = await t.call('POST', '/api/v1/scans', {
      as: 'checkpoint',
      body: { ...body, checkpoint_code: 'HZ-G92-YH' },
    })
    expect([elsewhere.status, elsewhere.json.error.code]).toEqual([403, 'checkpoint_not_yours'])
  })

  it('refuses a scan without a UUID id with 400', async () => {
    const res = await t.call('POST', '/api/v1/scans', {
      as: 'checkpoint',
      body: { id: 'nope', token: 'x', checkpoint_code: 'HZ-G60-XS' },
    })
    expect([res.status, res.json.error.details[0].field]).toEqual([400, 'id'])
  })
})

describe('a vehicle without a pass', () => {
  it('gets a loop opened by manual plate entry, with control on site', async () => {
    const plate = nextPlate()
    const res = await t.call('POST', '/api/v1/loops', {
      as: 'checkpoint',
      body: { plate, checkpoint_code: 'HZ-G60-XS', note: '无通行证' },
    })
    expect(res.status).toBe(201)
    expect(res.json).toMatchObject({
      verdict: 'invalid',
      action: 'control_on_site',
      loop: { plate, manual: true, state: 'arrived', pass_number: null },
    })
    const again = await t.call('POST', '/api/v1/loops', {
      as: 'checkpoint',
      body: { plate, checkpoint_code: 'HZ-G60-XS' },
    })
    expect([again.status, again.json.error.code]).toEqual([409, 'loop_open'])
  })

  it('lets a coordinator close a stale loop with a note, after which the vehicle can arrive again', async () => {
    const pass = await issuePass(t, { plate: nextPlate() })
    const loopId = (await scan(t, { token: pass.token })).json.loop.id
    expect(
      (
        await t.call('POST', `/api/v1/loops/${loopId}/close`, {
          as: 'checkpoint',
          body: { note: 'x' },
        })
      ).status,
    ).toBe(403)
    const closed = await t.call('POST', `/api/v1/loops/${loopId}/close`, {
      as: 'coordinator',
      body: { note: '车辆已离开，未扫码' },
    })
    expect(closed.json).toMatchObject({ state: 'closed', closed_note: '车辆已离开，未扫码' })
    expect((await scan(t, { token: pass.token })).json.verdict).toBe('valid')
  })
})
