import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass, scan } from '../support/flow.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { purgePersonalData } from '../../src/personal-data/purge.ts'
import { sealAudit } from '../../src/audit/chain.ts'
import { sweepLoops } from '../../src/loops/sweep-loops.ts'

// The retention purge end to end, with the test clock moved by hand (issue 21): a trip's crew,
// pre-arrival report and scan input are erased RETENTION_DAYS after the later of its pass's
// expiry and its loop's closing, never while an alert is unresolved; the rows stay with plate,
// pass number and the marker; each batch is audited with counts only; the chain still verifies.

let t: TestApp
const deps = () => ({ store: t.store, config: t.config, clock: t.clock })
const DAY = 86_400_000
/** The default application's validity ends 2026-12-28 16:00 China time. */
const EXPIRY = '2026-12-28T08:00:00.000Z'
const NAME = '王建国'
const ID_NUMBER = residentId('19790101', '555')
const PHONE = '13987654321'

beforeEach(async () => {
  t = await buildTestApp() // 2026-11-29T08:00Z
})

/** Moves the clock to `iso` (sign-ins made before may have expired: sign in again). */
function moveTo(iso: string | number) {
  t.clock.set(new Date(iso).toISOString())
  t.forgetTokens()
}
const daysAfter = (iso: string, days: number) => Date.parse(iso) + days * DAY

async function send(loopId: string, kind: string, data?: Record<string, unknown>) {
  const res = await t.call('POST', '/api/v1/events', {
    as: 'checkpoint',
    body: {
      events: [
        {
          id: crypto.randomUUID(),
          loop_id: loopId,
          kind,
          at: t.clock().toISOString(),
          checkpoint_code: 'HZ-G60-XS',
          ...(data ? { data } : {}),
        },
      ],
    },
  })
  expect(res.json.results[0], res.text).toMatchObject({ status: 'accepted' })
  t.clock.advance(60_000)
}

/** Shown a certificate, released and departed: the loop closes now. */
async function closeLoop(loopId: string) {
  await send(loopId, 'certificate_checked', {
    sampled_at: new Date(t.clock().getTime() - 3_600_000).toISOString(),
  })
  await send(loopId, 'released', { destination_code: 'HZ-DEST-BJ' })
  await send(loopId, 'departed')
  const loop = await t.store.db
    .selectFrom('loops')
    .select('closed_at')
    .where('id', '=', loopId)
    .executeTakeFirstOrThrow()
  expect(loop.closed_at, 'the loop closed').not.toBeNull()
}

/** A pass with a named crew, a pre-arrival report for it and the entry scan that opened its loop. */
async function trip(plate: string, overrides: Record<string, unknown> = {}) {
  const pass = await issuePass(t, {
    plate,
    crew: [{ name: NAME, id_number: ID_NUMBER, phone: PHONE }],
    ...overrides,
  })
  const report = await t.call('POST', '/api/v1/arrival-reports', {
    as: 'enterprise',
    body: {
      plate,
      pass_number: pass.number,
      checkpoint_code: 'HZ-G60-XS',
      expected_from: new Date(t.clock().getTime() + 3_600_000).toISOString(),
      expected_until: new Date(t.clock().getTime() + 7_200_000).toISOString(),
      crew: [{ name: NAME, id_number: ID_NUMBER, phone: PHONE }],
    },
  })
  expect(report.status, report.text).toBe(201)
  const scanned = await scan(t, { token: pass.token, observed_plate: plate })
  expect(scanned.json.loop?.id, scanned.text).toBeTypeOf('string')
  return {
    pass,
    applicationId: pass.application_id as string,
    reportId: report.json.id as string,
    loopId: scanned.json.loop.id as string,
  }
}

const application = (id: string) =>
  t.store.db.selectFrom('applications').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
const report = (id: string) =>
  t.store.db
    .selectFrom('arrival_reports')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirstOrThrow()
const scansOfPass = (number: string) =>
  t.store.db.selectFrom('scans').selectAll().where('pass_number', '=', number).execute()
const purgeEntries = () =>
  t.store.db
    .selectFrom('audit_log')
    .selectAll()
    .where('action', '=', 'personal.purge')
    .orderBy('seq')
    .execute()

type Trip = Awaited<ReturnType<typeof trip>>

async function expectHeld(trip: Trip) {
  expect((await application(trip.applicationId)).personal_erased_at).toBeNull()
  expect((await application(trip.applicationId)).crew).not.toBe('[]')
  expect((await report(trip.reportId)).personal_erased_at).toBeNull()
  for (const s of await scansOfPass(trip.pass.number)) expect(s.personal_erased_at).toBeNull()
}

async function expectErased(trip: Trip, at: string) {
  const app = await application(trip.applicationId)
  expect(app).toMatchObject({ crew: '[]', personal_erased_at: at, pass_number: trip.pass.number })
  expect(app.plate).toBe(trip.pass.plate)
  expect(await report(trip.reportId)).toMatchObject({
    crew: '[]',
    personal_erased_at: at,
    pass_number: trip.pass.number,
    plate: trip.pass.plate,
  })
  const scans = await scansOfPass(trip.pass.number)
  expect(scans.length).toBeGreaterThan(0)
  for (const s of scans) {
    expect(s).toMatchObject({ raw: '{}', personal_erased_at: at, plate: trip.pass.plate })
    expect(JSON.parse(s.response).pass?.crew).toBeUndefined()
  }
  // The pass itself stays whole for the audit.
  const pass = await t.store.db
    .selectFrom('passes')
    .select(['plate', 'number'])
    .where('number', '=', trip.pass.number)
    .executeTakeFirstOrThrow()
  expect(pass).toEqual({ plate: trip.pass.plate, number: trip.pass.number })
}

describe('the retention purge', () => {
  it('erases a trip 28 days after its pass expired, not at day 27, keeping plate, pass number and the marker', async () => {
    const a = await trip('沪A12345D')
    expect(
      JSON.parse((await scansOfPass(a.pass.number))[0].response).pass.crew,
      'the scan answer named the crew (masked) before',
    ).toHaveLength(1)
    await closeLoop(a.loopId)

    moveTo(daysAfter(EXPIRY, 27))
    expect(await purgePersonalData(deps())).toMatchObject({
      applications: 0,
      arrival_reports: 0,
      scans: 0,
      batches: 0,
    })
    await expectHeld(a)
    expect(await purgeEntries()).toEqual([])

    moveTo(daysAfter(EXPIRY, 28))
    const now = t.clock().toISOString()
    expect(await purgePersonalData(deps())).toMatchObject({
      applications: 1,
      arrival_reports: 1,
      scans: 1,
      batches: 1,
      complete: true,
    })
    await expectErased(a, now)

    // The API says so; the crew is gone, the pass is not.
    const shown = await t.call('GET', `/api/v1/passes/${a.pass.number}`, { as: 'coordinator' })
    expect(shown.status).toBe(200)
    expect(shown.json).toMatchObject({
      number: a.pass.number,
      plate: a.pass.plate,
      crew: [],
      personal_erased_at: now,
    })
    const listed = await t.call('GET', `/api/v1/applications?limit=50`, { as: 'coordinator' })
    expect(listed.json.find((x: { id: string }) => x.id === a.applicationId)).toMatchObject({
      crew: [],
      personal_erased_at: now,
    })

    // The pass page says so in words, in both languages.
    const token = await t.tokenFor('enterprise')
    const page = (lang: string) =>
      t.call('GET', `/ui/passes/${a.pass.number}?lang=${lang}`, {
        headers: { cookie: `tx_session=${token}` },
      })
    expect((await page('en')).text).toContain(
      'Personal data deleted under the retention rule (2027-01-25)',
    )
    expect((await page('zh')).text).toContain('个人信息已按规定删除（2027-01-25）')
    expect((await page('zh')).text).not.toContain(NAME.slice(1))

    // A second run finds nothing more and writes nothing.
    expect((await purgePersonalData(deps())).batches).toBe(0)
    expect(await purgeEntries()).toHaveLength(1)
  })

  it('counts from the loop’s closing when the loop closed after the pass expired', async () => {
    const validUntil = '2026-11-30T08:00:00.000Z'
    const b = await trip('沪B22222D', { valid_until: '2026-11-30T16:00:00+08:00' })
    moveTo('2026-12-03T08:00:00.000Z') // the truck left three days after its pass expired
    await closeLoop(b.loopId)

    moveTo(daysAfter(validUntil, 29)) // 29 days after expiry, 26 after closing
    expect((await purgePersonalData(deps())).applications).toBe(0)
    await expectHeld(b)

    moveTo(daysAfter('2026-12-03T08:03:00.000Z', 28))
    const now = t.clock().toISOString()
    expect(await purgePersonalData(deps())).toMatchObject({ applications: 1, arrival_reports: 1 })
    await expectErased(b, now)
  })

  it('keeps a trip whose loop never closed, however old', async () => {
    const c = await trip('沪C33333D')
    moveTo(daysAfter(EXPIRY, 200))
    expect(await purgePersonalData(deps())).toMatchObject({ applications: 0, scans: 0 })
    await expectHeld(c)
  })

  it('keeps a trip while an alert is open, and the next purge after its resolution takes it', async () => {
    const d = await trip('沪D44444D')
    // Released with a 6 h deadline, never seen at the destination: destination_overdue opens.
    await send(d.loopId, 'certificate_checked', {
      sampled_at: new Date(t.clock().getTime() - 3_600_000).toISOString(),
    })
    await send(d.loopId, 'released', { destination_code: 'HZ-DEST-BJ' })
    t.clock.advance(8 * 3_600_000)
    await sweepLoops(deps())
    const alerts = await t.call('GET', '/api/v1/alerts?status=open', { as: 'coordinator' })
    const alert = alerts.json.find((a: { loop_id: string }) => a.loop_id === d.loopId)
    expect(alert, alerts.text).toBeDefined()
    // It leaves the city late: the loop closes, the alert stays for a coordinator.
    await send(d.loopId, 'departed')
    const loop = await t.store.db
      .selectFrom('loops')
      .select(['closed_at'])
      .where('id', '=', d.loopId)
      .executeTakeFirstOrThrow()
    expect(loop.closed_at).not.toBeNull()

    moveTo(daysAfter(EXPIRY, 60))
    expect(await purgePersonalData(deps())).toMatchObject({
      applications: 0,
      arrival_reports: 0,
      scans: 0,
    })
    await expectHeld(d)

    const resolved = await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, {
      as: 'coordinator',
      body: { note: '已联系司机，车辆已离开' },
    })
    expect(resolved.status, resolved.text).toBe(200)
    const now = t.clock().toISOString()
    expect(await purgePersonalData(deps())).toMatchObject({ applications: 1, arrival_reports: 1 })
    await expectErased(d, now)
  })

  it('never erases an application still waiting for a decision', async () => {
    const waiting = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '沪E55555D' }),
    })
    expect(waiting.status).toBe(201)
    moveTo(daysAfter(EXPIRY, 100))
    await purgePersonalData(deps())
    expect((await application(waiting.json.id)).personal_erased_at).toBeNull()
  })

  it('erases a rejected application 28 days after the validity it asked for', async () => {
    const asked = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '沪F66666D' }),
    })
    await t.call('POST', `/api/v1/applications/${asked.json.id}/reject`, {
      as: 'coordinator',
      body: { reason: '资料不全' },
    })
    moveTo(daysAfter(EXPIRY, 27))
    await purgePersonalData(deps())
    expect((await application(asked.json.id)).personal_erased_at).toBeNull()
    moveTo(daysAfter(EXPIRY, 28))
    await purgePersonalData(deps())
    expect(await application(asked.json.id)).toMatchObject({
      crew: '[]',
      plate: '沪F66666D',
      status: 'rejected',
      personal_erased_at: t.clock().toISOString(),
    })
  })

  it('audits each batch with counts only, and the audit chain still verifies', async () => {
    const trips = [await trip('沪A12345D'), await trip('沪G77777D'), await trip('沪H88888D')]
    for (const x of trips) await closeLoop(x.loopId)
    await sealAudit(deps())
    const before = await t.call('GET', '/api/v1/audit/verify', { as: 'coordinator' })
    expect(before.json).toMatchObject({ ok: true })

    moveTo(daysAfter(EXPIRY, 28))
    const result = await purgePersonalData(deps(), { batchSize: 2 })
    expect(result).toMatchObject({ applications: 3, arrival_reports: 3, scans: 3, batches: 2 })
    const entries = await purgeEntries()
    expect(entries).toHaveLength(2)
    const afters = entries.map((e) => JSON.parse(e.after!))
    expect(afters[0]).toEqual({
      applications: 2,
      arrival_reports: 2,
      scans: 2,
      retention_days: 28,
      cutoff: new Date(daysAfter(EXPIRY, 0)).toISOString(),
    })
    expect(afters[1]).toMatchObject({ applications: 1, arrival_reports: 1, scans: 1 })
    for (const e of entries) {
      expect(e).toMatchObject({ actor: 'system', subject: 'retention', before: null })
      const text = JSON.stringify(e)
      for (const personal of [
        NAME,
        ID_NUMBER,
        PHONE,
        ID_NUMBER.slice(-4),
        ...trips.map((x) => x.pass.number),
      ])
        expect(text).not.toContain(personal)
    }

    await sealAudit(deps())
    const after = await t.call('GET', '/api/v1/audit/verify', { as: 'coordinator' })
    expect(after.json).toMatchObject({ ok: true, entries: before.json.entries + 2 })
  })

  it('stops at its limit and the next run goes on', async () => {
    const trips = [await trip('沪A12345D'), await trip('沪G77777D')]
    for (const x of trips) await closeLoop(x.loopId)
    moveTo(daysAfter(EXPIRY, 28))
    const first = await purgePersonalData(deps(), { limit: 2, batchSize: 1, pageSize: 1 })
    expect(first).toMatchObject({ applications: 1, arrival_reports: 1, complete: false })
    const second = await purgePersonalData(deps())
    expect(second).toMatchObject({ applications: 1, arrival_reports: 1, scans: 2 })
    for (const x of trips) await expectErased(x, expect.any(String) as unknown as string)
  })
})
