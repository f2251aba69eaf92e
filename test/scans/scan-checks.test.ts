import { describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass, scan } from '../support/flow.ts'
import { mayOpenLoop, placeScanTime } from '../../src/scans/scan-time.ts'

// Issue 14, the scan: device times bounded, repeated scan ids answered only to the right account
// for the same request, the pass apart from the entry decision, and manual loops that warn.
// The demo clock starts at 2026-11-29T16:00+08:00; the default pass runs 2026-11-29 16:00 to 12-28.

const HOUR = 3_600_000
let plateSerial = 0
const nextPlate = () => `浙M${String(++plateSerial).padStart(5, '0')}`
const iso = (t: TestApp, offsetMs: number) => new Date(t.clock().getTime() + offsetMs).toISOString()
const storedScan = (t: TestApp, id: string) =>
  t.sqlite
    .prepare('SELECT late, loop_id, verdict, request_hash FROM scans WHERE id = ?')
    .get(id) as
    { late: number; loop_id: string | null; verdict: string; request_hash: string } | undefined
const openLoops = (t: TestApp, plate: string) =>
  t.sqlite
    .prepare('SELECT count(*) FROM loops WHERE plate = ? AND closed_at IS NULL')
    .pluck()
    .get(plate)

/** Moves the server clock on (sign-ins expire, so they are made again). */
function moveClock(t: TestApp, to: string) {
  t.clock.set(to)
  t.forgetTokens()
}

async function checkpointAccount(t: TestApp, username: string, codes: string[]) {
  const made = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username,
      password: `${username}-password`,
      role: 'checkpoint',
      checkpoint_codes: codes,
    },
  })
  expect(made.status, made.text).toBe(201)
  return { token: await t.login(username, `${username}-password`) }
}

describe('the device time of a scan', () => {
  it('is refused more than 5 minutes ahead of the server clock, telling staff to check the phone', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    const id = crypto.randomUUID()
    const ahead = await scan(t, { id, token: pass.token, scanned_at: iso(t, 6 * 60_000) })
    expect([ahead.status, ahead.json.error.code]).toEqual([400, 'scanned_at_in_future'])
    expect(ahead.json.error.message).toMatch(/clock/)
    expect(ahead.json.error.details[0].field).toBe('scanned_at')
    expect(storedScan(t, id)).toBeUndefined()
    expect(openLoops(t, pass.plate)).toBe(0)
    // Within 5 minutes it is the phone's small error: accepted.
    const slightly = await scan(t, { token: pass.token, scanned_at: iso(t, 4 * 60_000) })
    expect(slightly.json).toMatchObject({ verdict: 'valid', late: false })
  })

  it('places device times as the rule says', () => {
    const now = new Date('2026-11-30T00:00:00Z')
    expect(placeScanTime(new Date(now.getTime() + 5 * 60_000), now)).toBe('on_time')
    expect(placeScanTime(new Date(now.getTime() + 5 * 60_000 + 1), now)).toBe('future')
    expect(placeScanTime(new Date(now.getTime() - 24 * HOUR), now)).toBe('on_time')
    expect(placeScanTime(new Date(now.getTime() - 24 * HOUR - 1), now)).toBe('late')
  })

  it('more than 24 h old is accepted, answered and stored as late, and opens the loop while the pass still holds', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    moveClock(t, '2026-12-01T16:00:00+08:00')
    const id = crypto.randomUUID()
    const res = await scan(t, { id, token: pass.token, scanned_at: '2026-11-30T10:00:00+08:00' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      verdict: 'valid',
      pass_status: 'valid',
      late: true,
      loop: { state: 'arrived' },
    })
    expect(res.json.flags).toBeUndefined()
    expect(storedScan(t, id)).toMatchObject({ late: 1, loop_id: res.json.loop.id })
  })

  it('never opens a loop for a pass that has ended since: the late scan is flagged and the plate stays free', async () => {
    const t = await buildTestApp()
    const plate = nextPlate()
    const old = await issuePass(t, {
      plate,
      valid_from: '2026-11-29T16:00:00+08:00',
      valid_until: '2026-11-30T16:00:00+08:00',
    })
    moveClock(t, '2026-12-02T12:00:00+08:00')
    // Uploaded days later from a phone that was offline: inside the old window by its device time.
    const id = crypto.randomUUID()
    const late = await scan(t, { id, token: old.token, scanned_at: '2026-11-30T10:00:00+08:00' })
    expect(late.json).toMatchObject({
      verdict: 'valid',
      pass_status: 'valid',
      late: true,
      flags: ['loop_not_opened'],
    })
    expect(late.json.loop).toBeUndefined()
    expect(storedScan(t, id)).toMatchObject({ late: 1, loop_id: null, verdict: 'valid' })
    expect(openLoops(t, plate)).toBe(0)
    // The truck's new pass, scanned now, is not held by a loop dated in the old window.
    const fresh = await issuePass(t, {
      plate,
      valid_from: '2026-12-02T12:00:00+08:00',
      valid_until: '2026-12-20T12:00:00+08:00',
    })
    expect((await scan(t, { token: fresh.token })).json).toMatchObject({
      verdict: 'valid',
      reasons: [],
      loop: { state: 'arrived' },
    })
  })

  it('does not open a loop on the clock-skew allowance alone when the scan is late', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    moveClock(t, '2026-11-30T18:00:00+08:00')
    // Two minutes before the pass starts: valid within the skew allowance, but a day-old record.
    const res = await scan(t, { token: pass.token, scanned_at: '2026-11-29T15:58:00+08:00' })
    expect(res.json).toMatchObject({ verdict: 'valid', late: true, flags: ['loop_not_opened'] })
    expect(openLoops(t, pass.plate)).toBe(0)
  })

  it('decides whether a loop may open as the rule says', () => {
    const pass = {
      validFrom: new Date('2026-11-29T08:00:00Z'),
      validUntil: new Date('2026-11-30T08:00:00Z'),
    }
    const skew = 5 * 60_000
    const at = (s: string) => new Date(s)
    expect(
      mayOpenLoop(
        { at: at('2026-11-29T09:00:00Z'), now: at('2026-11-29T09:00:00Z'), late: false },
        pass,
        skew,
      ),
    ).toBe(true)
    // A live scan in the skew allowance opens it.
    expect(
      mayOpenLoop(
        { at: at('2026-11-30T08:03:00Z'), now: at('2026-11-30T08:03:00Z'), late: false },
        pass,
        skew,
      ),
    ).toBe(true)
    // The pass ended since the device time: no loop, late or not.
    expect(
      mayOpenLoop(
        { at: at('2026-11-30T07:00:00Z'), now: at('2026-11-30T09:00:00Z'), late: false },
        pass,
        skew,
      ),
    ).toBe(false)
    // A late scan counts the window without the allowance.
    const long = { validFrom: pass.validFrom, validUntil: new Date('2026-12-09T08:00:00Z') }
    expect(
      mayOpenLoop(
        { at: at('2026-11-29T07:58:00Z'), now: at('2026-12-01T08:00:00Z'), late: true },
        long,
        skew,
      ),
    ).toBe(false)
    expect(
      mayOpenLoop(
        { at: at('2026-11-29T08:00:00Z'), now: at('2026-12-01T08:00:00Z'), late: true },
        long,
        skew,
      ),
    ).toBe(true)
  })
})

describe('a repeated scan id', () => {
  it('is answered from the stored scan only to an account working at that scan’s checkpoint', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    const body = { id: crypto.randomUUID(), token: pass.token, checkpoint_code: 'HZ-G60-XS' }
    const first = await t.call('POST', '/api/v1/scans', { as: 'checkpoint', body })
    expect(first.json.verdict).toBe('valid')
    const elsewhere = await checkpointAccount(t, 'cp-yuhang', ['HZ-G92-YH'])
    const copied = await t.call('POST', '/api/v1/scans', { as: elsewhere, body })
    expect([copied.status, copied.json.error.code]).toEqual([403, 'checkpoint_not_yours'])
    expect(copied.text).not.toContain(first.json.loop.id)
    // Naming its own checkpoint does not get it the stored answer either.
    const own = await t.call('POST', '/api/v1/scans', {
      as: elsewhere,
      body: { ...body, checkpoint_code: 'HZ-G92-YH' },
    })
    expect([own.status, own.json.error.code]).toEqual([403, 'checkpoint_not_yours'])
    expect(own.text).not.toContain(pass.number)
  })

  it('with the same request answers as the first time, however the request is written', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    const id = crypto.randomUUID()
    const first = await scan(t, {
      id,
      token: pass.token,
      observed_plate: pass.plate,
      scanned_at: '2026-11-29T16:00:00+08:00',
    })
    const again = await t.call('POST', '/api/v1/scans', {
      as: 'checkpoint',
      body: {
        scanned_at: '2026-11-29T08:00:00Z',
        observed_plate: ` ${pass.plate.slice(0, 2)}·${pass.plate.slice(2).toLowerCase()}`,
        checkpoint_code: 'HZ-G60-XS',
        token: pass.token,
        id,
      },
    })
    expect(again.status).toBe(200)
    expect(again.json).toEqual(first.json)
  })

  it('with another request is refused as id_reused, and nothing is written', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    const other = await issuePass(t, { plate: nextPlate() })
    const id = crypto.randomUUID()
    await scan(t, { id, token: pass.token })
    const before = t.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get()
    for (const change of [
      { token: other.token },
      { token: pass.token, observed_plate: '浙Z99999' },
      { token: pass.token, scanned_at: iso(t, -60_000) },
    ]) {
      const res = await scan(t, { id, ...change })
      expect([res.status, res.json.error.code]).toEqual([409, 'id_reused'])
    }
    expect(t.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(before)
    expect(openLoops(t, other.plate)).toBe(0)
  })
})

describe('the pass apart from the entry decision', () => {
  it('says a valid pass meeting an open loop is valid, refused entry for loop_open', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    expect((await scan(t, { token: pass.token })).json).toMatchObject({
      verdict: 'valid',
      pass_status: 'valid',
    })
    expect((await scan(t, { token: pass.token })).json).toMatchObject({
      verdict: 'invalid',
      pass_status: 'valid',
      reasons: ['loop_open'],
      action: 'control_on_site',
    })
  })

  it('says a pass with a fault of its own is invalid', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '测试' },
    })
    expect((await scan(t, { token: pass.token })).json).toMatchObject({
      verdict: 'invalid',
      pass_status: 'invalid',
      reasons: ['revoked'],
    })
    expect((await scan(t, { token: 'not-a-pass' })).json).toMatchObject({
      verdict: 'invalid',
      pass_status: 'invalid',
      reasons: ['malformed'],
    })
  })
})

describe('a loop opened by hand for a vehicle that has a valid pass', () => {
  it('does not block the pass at another entry checkpoint: a warning, and the pass opens its own loop beside it', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    const manual = await t.call('POST', '/api/v1/loops', {
      as: 'checkpoint',
      body: { plate: pass.plate, checkpoint_code: 'HZ-G60-XS', note: '未出示通行证' },
    })
    expect(manual.status, manual.text).toBe(201)
    const manualId = manual.json.loop.id as string
    const yuhang = await checkpointAccount(t, 'cp-yuhang-2', ['HZ-G92-YH'])
    const scanned = await t.call('POST', '/api/v1/scans', {
      as: yuhang,
      body: { id: crypto.randomUUID(), token: pass.token, checkpoint_code: 'HZ-G92-YH' },
    })
    expect(scanned.json).toMatchObject({
      verdict: 'valid',
      pass_status: 'valid',
      reasons: [],
      action: 'sample_then_release',
      warnings: ['manual_loop_open'],
      manual_loop: { id: manualId, checkpoint_code: 'HZ-G60-XS' },
    })
    // The manual loop is named, nothing more of it.
    expect(Object.keys(scanned.json.manual_loop).sort()).toEqual(['checkpoint_code', 'id'])
    const passLoopId = scanned.json.loop.id as string
    expect(passLoopId).not.toBe(manualId)
    expect(openLoops(t, pass.plate)).toBe(2)
    const manualLoop = await t.call('GET', `/api/v1/loops/${manualId}`, { as: 'coordinator' })
    expect(manualLoop.json).toMatchObject({ pass_number: null, enterprise_id: null, manual: true })
    expect(
      manualLoop.json.events.map((e: { checkpoint_code: string }) => e.checkpoint_code),
    ).toEqual(['HZ-G60-XS'])
    const passLoop = await t.call('GET', `/api/v1/loops/${passLoopId}`, { as: 'coordinator' })
    expect(passLoop.json).toMatchObject({
      pass_number: pass.number,
      enterprise_id: 'demo-ent-1',
      manual: false,
      entry_checkpoint_code: 'HZ-G92-YH',
    })
    // A second arrival is loop_open on the pass's loop, as for any pass; the manual loop still warns.
    const again = await t.call('POST', '/api/v1/scans', {
      as: yuhang,
      body: { id: crypto.randomUUID(), token: pass.token, checkpoint_code: 'HZ-G92-YH' },
    })
    expect(again.json).toMatchObject({
      verdict: 'invalid',
      pass_status: 'valid',
      reasons: ['loop_open'],
      loop: { id: passLoopId },
      warnings: ['manual_loop_open'],
      manual_loop: { id: manualId },
    })
    // No audit entry attaches a pass to a manual loop any more.
    expect(
      t.sqlite
        .prepare("SELECT count(*) FROM audit_log WHERE action = 'loop.attach_pass'")
        .pluck()
        .get(),
    ).toBe(0)
  })

  it('still warns beside an invalid pass, and leaves the manual loop as it was', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '测试' },
    })
    const manual = await t.call('POST', '/api/v1/loops', {
      as: 'checkpoint',
      body: { plate: pass.plate, checkpoint_code: 'HZ-G60-XS' },
    })
    const res = await scan(t, { token: pass.token })
    expect(res.json).toMatchObject({
      verdict: 'invalid',
      reasons: ['revoked'],
      warnings: ['manual_loop_open'],
      manual_loop: { id: manual.json.loop.id, checkpoint_code: 'HZ-G60-XS' },
    })
    expect(res.json.loop).toBeUndefined()
    expect(
      t.sqlite
        .prepare('SELECT pass_number FROM loops WHERE id = ?')
        .pluck()
        .get(manual.json.loop.id),
    ).toBeNull()
  })
})
