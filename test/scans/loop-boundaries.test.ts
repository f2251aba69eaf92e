import { describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, issuePass, scan, sendEvents } from '../support/flow.ts'
import { mayOpenLoop } from '../../src/scans/scan-time.ts'
import { expectsArrival } from '../../src/scans/arrival-checkpoint.ts'

// What a scan may do to a loop, and to whose: a pass never joins a loop opened by hand, a scan
// records an arrival only where the truck is expected, the loop is found by the pass's plate (not
// a mistyped one), an offline record never opens a loop older than the plate's history, and an id
// a loop event holds is not a scan's. The demo checkpoint account works at HZ-G60-XS, HZ-TS-XS
// (the checkpoint of station HZ-XS-01, the default pass destination) and HZ-DEST-BJ.

let plateSerial = 0
const nextPlate = () => `浙N${String(++plateSerial).padStart(5, '0')}`
type As = { token: string }

async function staffAt(t: TestApp, username: string, codes: string[]): Promise<As> {
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

const scanAs = (t: TestApp, as: As | 'checkpoint', body: Record<string, unknown>) =>
  t.call('POST', '/api/v1/scans', { as, body: { id: crypto.randomUUID(), ...body } })
const openLoops = (t: TestApp, plate: string) =>
  t.sqlite
    .prepare(
      'SELECT id, manual, pass_number FROM loops WHERE plate = ? AND closed_at IS NULL ORDER BY manual',
    )
    .all(plate) as { id: string; manual: number; pass_number: string | null }[]
const eventsOf = (t: TestApp, loopId: string) =>
  t.sqlite
    .prepare('SELECT kind, checkpoint_code FROM loop_events WHERE loop_id = ? ORDER BY at, rowid')
    .all(loopId) as { kind: string; checkpoint_code: string }[]
const storedScan = (t: TestApp, id: string) =>
  t.sqlite.prepare('SELECT loop_id, verdict, response FROM scans WHERE id = ?').get(id) as
    { loop_id: string | null; verdict: string; response: string } | undefined

/** The pass's loop opened at HZ-G60-XS, sampled, and released towards `destination`. */
async function releasedLoop(t: TestApp, destination: string) {
  const pass = await issuePass(t, { plate: nextPlate() })
  const loopId = (await scan(t, { token: pass.token })).json.loop.id as string
  const sent = await sendEvents(t, [
    event(t, loopId, 'sampled', { tube_code: `TB-${pass.plate}`, tests: ['pcr'] }),
    event(t, loopId, 'released', { destination_code: destination }),
  ])
  expect(sent.json.results.map((r: { status: string }) => r.status)).toEqual([
    'accepted',
    'accepted',
  ])
  return { pass, loopId }
}

describe('a manual loop opened by a hostile checkpoint for another truck’s plate', () => {
  it('never lends the pass its planted negative: the pass opens its own clean loop, the manual loop is a warning', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    const hostile = await staffAt(t, 'cp-road-104', ['HZ-RD-104'])
    const manual = await t.call('POST', '/api/v1/loops', {
      as: hostile,
      body: { plate: pass.plate, checkpoint_code: 'HZ-RD-104' },
    })
    expect(manual.status, manual.text).toBe(201)
    const manualId = manual.json.loop.id as string
    const planted = [
      event(t, manualId, 'sampled', { tube_code: 'FAKE-1', tests: ['pcr'] }),
      event(t, manualId, 'pcr_result', { result: 'negative' }),
    ].map((e) => ({ ...e, checkpoint_code: 'HZ-RD-104' }))
    expect(
      (
        await t.call('POST', '/api/v1/events', { as: hostile, body: { events: planted } })
      ).json.results.map((r: { status: string }) => r.status),
    ).toEqual(['accepted', 'accepted'])

    const yuhang = await staffAt(t, 'cp-g92', ['HZ-G92-YH'])
    const real = await scanAs(t, yuhang, { token: pass.token, checkpoint_code: 'HZ-G92-YH' })
    expect(real.json).toMatchObject({
      verdict: 'valid',
      reasons: [],
      action: 'sample_then_release',
      warnings: ['manual_loop_open'],
      manual_loop: { id: manualId, checkpoint_code: 'HZ-RD-104' },
    })
    const passLoopId = real.json.loop.id as string
    expect(passLoopId).not.toBe(manualId)
    expect(openLoops(t, pass.plate)).toEqual([
      { id: passLoopId, manual: 0, pass_number: pass.number },
      { id: manualId, manual: 1, pass_number: null },
    ])
    // The pass's loop holds nothing of the manual one: no result, no receipt, no hostile checkpoint.
    const passLoop = (await t.call('GET', `/api/v1/loops/${passLoopId}`, { as: 'coordinator' }))
      .json
    expect(passLoop).toMatchObject({ pcr_result: null, sampled_at: null, state: 'arrived' })
    expect(eventsOf(t, passLoopId)).toEqual([{ kind: 'arrived', checkpoint_code: 'HZ-G92-YH' }])
    const receipt = await t.call('GET', `/api/v1/loops/${passLoopId}/receipt`, { as: yuhang })
    expect([receipt.status, receipt.json.error.code]).toEqual([409, 'no_negative_result'])
    for (const path of [`/api/v1/loops/${passLoopId}`, `/api/v1/loops/${passLoopId}/receipt`]) {
      expect((await t.call('GET', path, { as: hostile })).status, path).toBe(404)
    }
    // Nor can another manual loop be opened while either is open.
    const second = await t.call('POST', '/api/v1/loops', {
      as: hostile,
      body: { plate: pass.plate, checkpoint_code: 'HZ-RD-104' },
    })
    expect([second.status, second.json.error.code]).toEqual([409, 'loop_open'])
  })

  it('leaves a closed pass loop closed beside it, and a plate with only a manual loop gets a pass loop on its first scan', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    const manual = await t.call('POST', '/api/v1/loops', {
      as: 'checkpoint',
      body: { plate: pass.plate, checkpoint_code: 'HZ-G60-XS' },
    })
    // At the destination there is no pass loop yet: flagged, and the manual loop is not joined.
    const atStation = await scan(t, { token: pass.token, checkpoint_code: 'HZ-TS-XS' })
    expect(atStation.json).toMatchObject({
      verdict: 'valid',
      flags: ['no_open_loop'],
      warnings: ['manual_loop_open'],
      manual_loop: { id: manual.json.loop.id },
    })
    expect(atStation.json.loop).toBeUndefined()
    expect(eventsOf(t, manual.json.loop.id).map((e) => e.kind)).toEqual(['arrived'])
  })
})

describe('a scan at a transfer station or destination', () => {
  it('at a destination the loop does not expect records no arrival, grants nothing, and is flagged', async () => {
    const t = await buildTestApp()
    const made = await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: { code: 'HZ-DEST-ZZ', name: '新收货点', region_code: '330108', kind: 'destination' },
    })
    expect(made.status, made.text).toBe(201)
    const zz = await staffAt(t, 'cp-dest-zz', ['HZ-DEST-ZZ'])
    const { pass, loopId } = await releasedLoop(t, 'HZ-DEST-BJ')
    const id = crypto.randomUUID()
    const res = await scanAs(t, zz, { id, pass_number: pass.number, checkpoint_code: 'HZ-DEST-ZZ' })
    expect(res.json).toMatchObject({ verdict: 'valid', flags: ['unexpected_destination'] })
    expect(res.json.loop).toBeUndefined()
    expect(res.text).not.toContain(loopId)
    expect(storedScan(t, id)).toMatchObject({ loop_id: null, verdict: 'valid' })
    expect(eventsOf(t, loopId).map((e) => e.checkpoint_code)).not.toContain('HZ-DEST-ZZ')
    // Still not involved: it cannot read the loop, write to it or get its receipt.
    expect((await t.call('GET', `/api/v1/loops/${loopId}`, { as: zz })).status).toBe(404)
    expect((await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: zz })).status).toBe(404)
    const write = await t.call('POST', '/api/v1/events', {
      as: zz,
      body: {
        events: [
          {
            ...event(t, loopId, 'pcr_result', { result: 'negative' }),
            checkpoint_code: 'HZ-DEST-ZZ',
          },
        ],
      },
    })
    expect(write.json.results[0]).toMatchObject({
      status: 'rejected',
      error: { code: 'loop_not_yours' },
    })
    // The release destination records the arrival.
    const bj = await staffAt(t, 'cp-dest-bj', ['HZ-DEST-BJ'])
    const there = await scanAs(t, bj, { pass_number: pass.number, checkpoint_code: 'HZ-DEST-BJ' })
    expect(there.json).toMatchObject({
      verdict: 'valid',
      loop: { id: loopId, state: 'at_destination' },
    })
    expect(there.json.flags).toBeUndefined()
  })

  it('before release: the checkpoint of the pass’s destination station records the arrival, another destination does not', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    const loopId = (await scan(t, { token: pass.token })).json.loop.id as string
    const bj = await staffAt(t, 'cp-dest-bj-2', ['HZ-DEST-BJ'])
    const elsewhere = await scanAs(t, bj, { token: pass.token, checkpoint_code: 'HZ-DEST-BJ' })
    expect(elsewhere.json).toMatchObject({ verdict: 'valid', flags: ['unexpected_destination'] })
    expect(elsewhere.json.loop).toBeUndefined()
    const station = await staffAt(t, 'cp-ts-xs', ['HZ-TS-XS'])
    const expected = await scanAs(t, station, { token: pass.token, checkpoint_code: 'HZ-TS-XS' })
    expect(expected.json).toMatchObject({ verdict: 'valid', loop: { id: loopId } })
    expect(expected.json.flags).toBeUndefined()
    expect(eventsOf(t, loopId)).toEqual([
      { kind: 'arrived', checkpoint_code: 'HZ-G60-XS' },
      { kind: 'destination_arrived', checkpoint_code: 'HZ-TS-XS' },
    ])
  })

  it('decides where an arrival is expected by the one involvement rule', () => {
    const loop = { entry_checkpoint_code: 'ENTRY', destination_code: null }
    const at = (code: string, stationCode: string | null = null) => ({ code, stationCode })
    expect(expectsArrival(at('ENTRY'), loop, [], 'ST-1')).toBe(true)
    expect(expectsArrival(at('LAB'), loop, ['ENTRY', 'LAB'], 'ST-1')).toBe(true)
    expect(expectsArrival(at('TS-1', 'ST-1'), loop, [], 'ST-1')).toBe(true)
    expect(expectsArrival(at('TS-2', 'ST-2'), loop, [], 'ST-1')).toBe(false)
    expect(expectsArrival(at('DEST'), loop, [], 'ST-1')).toBe(false)
    // Once a release names the destination, that is where the truck is expected.
    expect(expectsArrival(at('DEST'), { ...loop, destination_code: 'DEST' }, [], 'ST-1')).toBe(true)
    expect(
      expectsArrival(at('TS-1', 'ST-1'), { ...loop, destination_code: 'DEST' }, [], 'ST-1'),
    ).toBe(false)
  })
})

describe('the loop a scan looks at', () => {
  it('is the pass’s plate’s: a mistyped observed plate never writes to another truck’s loop', async () => {
    const t = await buildTestApp()
    const a = await releasedLoop(t, 'HZ-DEST-BJ')
    const b = await releasedLoop(t, 'HZ-DEST-BJ')
    const id = crypto.randomUUID()
    const typo = await scan(t, {
      id,
      token: a.pass.token,
      checkpoint_code: 'HZ-DEST-BJ',
      observed_plate: b.pass.plate,
    })
    expect(typo.json).toMatchObject({
      verdict: 'invalid',
      reasons: ['plate_mismatch'],
      action: 'control_on_site',
    })
    // Named to staff it involves, but nothing is recorded on either loop.
    expect(typo.json.loop).toMatchObject({ id: a.loopId })
    for (const loopId of [a.loopId, b.loopId])
      expect(eventsOf(t, loopId).map((e) => e.kind)).toEqual(['arrived', 'sampled', 'released'])
  })

  it('at an entry checkpoint names the open loop only to staff it involves', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    const loopId = (await scan(t, { token: pass.token })).json.loop.id as string
    const yuhang = await staffAt(t, 'cp-g92-2', ['HZ-G92-YH'])
    const id = crypto.randomUUID()
    const elsewhere = await scanAs(t, yuhang, {
      id,
      token: pass.token,
      checkpoint_code: 'HZ-G92-YH',
    })
    expect(elsewhere.json).toMatchObject({
      verdict: 'invalid',
      pass_status: 'valid',
      reasons: ['loop_open'],
    })
    expect(elsewhere.json.loop).toBeUndefined()
    expect(elsewhere.text).not.toContain(loopId)
    expect(storedScan(t, id)?.loop_id).toBeNull()
    const own = await scan(t, { token: pass.token })
    expect(own.json).toMatchObject({
      reasons: ['loop_open'],
      loop: { id: loopId, state: 'arrived' },
    })
  })
})

describe('a scan made offline and uploaded hours later (not late)', () => {
  it('never opens a loop dated before the plate’s latest loop opened or closed: flagged, the plate stays free', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    t.clock.set('2026-12-01T08:00:00Z')
    t.forgetTokens()
    const seen = await scan(t, { token: pass.token })
    t.clock.set('2026-12-01T09:30:00Z')
    t.forgetTokens()
    const close = await t.call('POST', `/api/v1/loops/${seen.json.loop.id}/close`, {
      as: 'coordinator',
      body: { note: '已离开' },
    })
    expect(close.status, close.text).toBe(200)
    t.clock.set('2026-12-01T10:00:00Z')
    t.forgetTokens()
    // 20 h before (not late), and between the loop's opening and its close.
    for (const scannedAt of ['2026-11-30T14:00:00Z', '2026-12-01T09:00:00Z']) {
      const id = crypto.randomUUID()
      const old = await scan(t, { id, token: pass.token, scanned_at: scannedAt })
      expect(old.json, scannedAt).toMatchObject({
        verdict: 'valid',
        late: false,
        flags: ['loop_not_opened'],
      })
      expect(old.json.loop).toBeUndefined()
      expect(storedScan(t, id)?.loop_id).toBeNull()
    }
    expect(openLoops(t, pass.plate)).toEqual([])
    // The truck, scanned now, is not held by a loop dated in its past.
    expect((await scan(t, { token: pass.token })).json).toMatchObject({
      verdict: 'valid',
      reasons: [],
      loop: { state: 'arrived' },
    })
  })

  it('opens one dated after the plate’s latest loop', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t, { plate: nextPlate() })
    t.clock.set('2026-12-01T08:00:00Z')
    t.forgetTokens()
    const seen = await scan(t, { token: pass.token })
    await t.call('POST', `/api/v1/loops/${seen.json.loop.id}/close`, {
      as: 'coordinator',
      body: { note: '已离开' },
    })
    t.clock.set('2026-12-01T20:00:00Z')
    t.forgetTokens()
    const res = await scan(t, { token: pass.token, scanned_at: '2026-12-01T12:00:00Z' })
    expect(res.json).toMatchObject({ verdict: 'valid', loop: { state: 'arrived' } })
    expect(res.json.flags).toBeUndefined()
  })

  it('is decided by the rule: not before the plate was last seen', () => {
    const pass = {
      validFrom: new Date('2026-11-29T08:00:00Z'),
      validUntil: new Date('2026-12-09T08:00:00Z'),
    }
    const scanAt = {
      at: new Date('2026-12-01T06:00:00Z'),
      now: new Date('2026-12-01T10:00:00Z'),
      late: false,
    }
    expect(
      mayOpenLoop({ ...scanAt, plateSeenUntil: new Date('2026-12-01T06:00:00.001Z') }, pass, 0),
    ).toBe(false)
    expect(
      mayOpenLoop({ ...scanAt, plateSeenUntil: new Date('2026-12-01T06:00:00Z') }, pass, 0),
    ).toBe(true)
    expect(mayOpenLoop({ ...scanAt, plateSeenUntil: null }, pass, 0)).toBe(true)
  })
})

describe('a scan id that a loop event already has', () => {
  async function uploadedEvent(t: TestApp) {
    const { pass, loopId } = await releasedLoop(t, 'HZ-DEST-BJ')
    // The `sampled` event, uploaded through /events.
    const eventId = t.sqlite
      .prepare("SELECT id FROM loop_events WHERE loop_id = ? AND kind = 'sampled'")
      .pluck()
      .get(loopId) as string
    return { pass, loopId, eventId }
  }

  it.each([
    ['an entry checkpoint', 'HZ-G60-XS', true],
    ['a destination', 'HZ-DEST-BJ', false],
  ])(
    'is refused at %s as id_reused, and nothing is written',
    async (_label, checkpoint, otherTruck) => {
      const t = await buildTestApp()
      const { pass, loopId, eventId } = await uploadedEvent(t)
      const other = await issuePass(t, { plate: nextPlate() })
      const before = t.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get()
      const res = await scan(t, {
        id: eventId,
        token: otherTruck ? other.token : pass.token,
        checkpoint_code: checkpoint,
      })
      expect([res.status, res.json.error?.code]).toEqual([409, 'id_reused'])
      expect(storedScan(t, eventId)).toBeUndefined()
      expect(openLoops(t, other.plate)).toEqual([])
      expect(eventsOf(t, loopId).map((e) => e.kind)).toEqual(['arrived', 'sampled', 'released'])
      expect(t.sqlite.prepare('SELECT count(*) FROM audit_log').pluck().get()).toBe(before)
    },
  )

  it('uploaded between the scan’s first read and its write is refused as id_reused too', async () => {
    const t = await buildTestApp()
    const { pass, loopId } = await releasedLoop(t, 'HZ-DEST-BJ')
    const id = crypto.randomUUID()
    const atomic = t.store.atomic.bind(t.store)
    let raced = false
    t.store.atomic = async (queries) => {
      if (!raced && queries.some((q) => 'sql' in q && /^insert into "scans"/.test(q.sql))) {
        raced = true
        t.sqlite
          .prepare(
            "INSERT INTO loop_events (id, loop_id, kind, at, checkpoint_code, recorded_by, received_at) VALUES (?, ?, 'handed_over', ?, 'HZ-DEST-BJ', 'test', ?)",
          )
          .run(id, loopId, t.clock().toISOString(), t.clock().toISOString())
      }
      return atomic(queries)
    }
    const res = await scan(t, { id, token: pass.token, checkpoint_code: 'HZ-DEST-BJ' })
    expect([res.status, res.json.error?.code]).toEqual([409, 'id_reused'])
    expect(raced).toBe(true)
    expect(storedScan(t, id)).toBeUndefined()
  })
})
