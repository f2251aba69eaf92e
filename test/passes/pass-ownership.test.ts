import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'
import { gateWrites } from '../support/write-gate.ts'
import { scan } from '../support/flow.ts'
import { planSupersession, type HeldPass } from '../../src/applications/supersession.ts'

type As = 'enterprise' | { token: string }

let t: TestApp
let otherFirm: { token: string }
beforeAll(async () => {
  t = await buildTestApp()
  const res = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username: 'second-firm',
      password: 'firm-password-2',
      role: 'enterprise',
      enterprise_id: 'demo-ent-2',
    },
  })
  expect(res.status).toBe(201)
  otherFirm = { token: await t.login('second-firm', 'firm-password-2') }
})

const DAY = 86_400_000
/** The test clock's now (2026-11-29 16:00 China time) plus `days`, as the API takes it. */
const inDays = (days: number) => new Date(t.clock().getTime() + days * DAY).toISOString()

async function apply(as: As, overrides: Record<string, unknown>) {
  const res = await t.call('POST', '/api/v1/applications', { as, body: applicationBody(overrides) })
  expect(res.status).toBe(201)
  return res.json as { id: string }
}

const approve = (id: string, body?: unknown) =>
  t.call('POST', `/api/v1/applications/${id}/approve`, { as: 'coordinator', body })
const passOf = async (number: string) =>
  (await t.call('GET', `/api/v1/passes/${number}`, { as: 'coordinator' })).json

async function issue(as: As, overrides: Record<string, unknown>) {
  const res = await approve((await apply(as, overrides)).id)
  expect(res.status).toBe(201)
  return res.json as { number: string; token: string; status: string }
}

describe('another firm’s pass on the same plate', () => {
  it('is never superseded silently: approval answers 409 plate_held_by_other_firm to the coordinator only', async () => {
    const held = await issue('enterprise', { plate: '浙K10001' })
    // The other firm may apply: nothing at submission tells it the plate is held.
    const theirs = await apply(otherFirm, { plate: '浙K10001' })
    const before = (await t.call('GET', `/api/v1/applications/${theirs.id}`, { as: otherFirm }))
      .json

    const res = await approve(theirs.id)
    expect([res.status, res.json.error.code]).toEqual([409, 'plate_held_by_other_firm'])
    expect(res.json.error.details).toEqual([
      expect.objectContaining({ pass_number: held.number, enterprise_id: 'demo-ent-1' }),
    ])
    expect((await passOf(held.number)).status).toBe('active')
    // The applicant's own view is unchanged: still submitted, no trace of the other firm.
    const after = await t.call('GET', `/api/v1/applications/${theirs.id}`, { as: otherFirm })
    expect(after.json).toEqual(before)
    expect(after.text).not.toContain(held.number)
    expect(after.text).not.toContain('demo-ent-1')
  })

  it('is superseded when the coordinator confirms it with a note, which is audited (its holder sees a neutral reason)', async () => {
    const held = await issue('enterprise', { plate: '浙K10002' })
    const theirs = await apply(otherFirm, { plate: '浙K10002' })

    const noNote = await approve(theirs.id, { confirm_other_firm: true })
    expect([
      noNote.status,
      noNote.json.error.details.map((d: { field: string }) => d.field),
    ]).toEqual([400, ['note']])
    expect((await passOf(held.number)).status).toBe('active')

    const note = '车辆已转让给第二家企业，原企业书面确认'
    const res = await approve(theirs.id, { confirm_other_firm: true, note })
    expect([res.status, res.json.status]).toEqual([201, 'active'])
    const old = await passOf(held.number)
    expect(old).toMatchObject({ status: 'superseded', superseded_by: res.json.number })
    // The holder firm reads the pass: the note stays in the audit log (other-firm-supersession-privacy.test.ts).
    expect(old.status_reason).toBe("replaced by a coordinator's decision")

    const log = (await t.call('GET', '/api/v1/audit/log?limit=1000', { as: 'coordinator' }))
      .json as { action: string; subject: string; after?: any }[]
    const supersede = log.find(
      (e) => e.action === 'pass.supersede' && e.subject === `pass:${held.number}`,
    )
    expect(supersede?.after).toMatchObject({ superseded_by: res.json.number, note })
    const approval = log.find(
      (e) => e.action === 'application.approve' && e.subject === `application:${theirs.id}`,
    )
    expect(approval?.after).toMatchObject({ note, superseded_other_firm_passes: [held.number] })
  })

  it('lets only one of two approvals racing for one plate through', async () => {
    const mine = await apply('enterprise', { plate: '浙K10003' })
    const theirs = await apply(otherFirm, { plate: '浙K10003' })
    const gate = gateWrites(t.store)
    gate.hold(2) // both pass their read-time checks before either writes
    const results = await Promise.all([approve(mine.id), approve(theirs.id)])
    expect(results.map((r) => r.status).sort()).toEqual([201, 409])
    expect(results.find((r) => r.status === 409)!.json.error.code).toBe('plate_held_by_other_firm')
    const active = t.sqlite
      .prepare("SELECT count(*) FROM passes WHERE plate = '浙K10003' AND status = 'active'")
      .pluck()
      .get()
    expect(active).toBe(1)
  })

  it('covers by a confirmation only the passes the coordinator saw, not one issued meanwhile', async () => {
    const res = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'third-firm',
        password: 'firm-password-3',
        role: 'enterprise',
        enterprise_id: 'demo-ent-3',
      },
    })
    expect(res.status).toBe(201)
    const thirdFirm = { token: await t.login('third-firm', 'firm-password-3') }
    const held = await issue('enterprise', { plate: '浙K10005' })
    const second = await apply(otherFirm, { plate: '浙K10005' })
    const third = await apply(thirdFirm, { plate: '浙K10005' })
    const confirm = { confirm_other_firm: true, note: '原企业车辆已停运，书面确认' }
    const gate = gateWrites(t.store)
    gate.hold(2)
    const results = await Promise.all([approve(second.id, confirm), approve(third.id, confirm)])
    expect(results.map((r) => r.status).sort()).toEqual([201, 409])
    expect(results.find((r) => r.status === 409)!.json.error.code).toBe('plate_held_by_other_firm')
    expect((await passOf(held.number)).status).toBe('superseded')
    const active = t.sqlite
      .prepare("SELECT count(*) FROM passes WHERE plate = '浙K10005' AND status = 'active'")
      .pluck()
      .get()
    expect(active).toBe(1)
  })

  it('does not stand in the way of a pass that starts after it ends', async () => {
    const held = await issue('enterprise', { plate: '浙K10004', valid_until: inDays(3) })
    const later = await issue(otherFirm, {
      plate: '浙K10004',
      valid_from: inDays(3),
      valid_until: inDays(10),
    })
    expect(later.status).toBe('active')
    expect((await passOf(held.number)).status).toBe('active')
  })
})

describe('the approval body', () => {
  it('is optional, also when a client sends the JSON content type with no bytes', async () => {
    const { id } = await apply('enterprise', { plate: '浙A0E001' })
    const empty = await t.call('POST', `/api/v1/applications/${id}/approve`, {
      as: 'coordinator',
      headers: { 'content-type': 'application/json' },
    })
    expect(empty.status).toBe(201)
    // As a real HTTP server hands it over: no content type, an empty body stream.
    const bare = await apply('enterprise', { plate: '浙A0E003' })
    const token = await t.tokenFor('coordinator')
    const res = await t.app.request(`/api/v1/applications/${bare.id}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: new ReadableStream({ start: (controller) => controller.close() }),
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(201)
    const other = await apply('enterprise', { plate: '浙A0E002' })
    const broken = await t.call('POST', `/api/v1/applications/${other.id}/approve`, {
      as: 'coordinator',
      body: '{"confirm_other_firm":',
    })
    expect(broken.status).toBe(400)
    expect(broken.json.error.code).toBe('malformed_body')
  })
})

describe('a pass that starts later', () => {
  it('is refused at submission when it overlaps the firm’s current pass, saying to start it when that ends or now', async () => {
    const current = await issue('enterprise', { plate: '浙K20001', valid_until: inDays(5) })
    const res = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙K20001', valid_from: inDays(2), valid_until: inDays(9) }),
    })
    expect([res.status, res.json.error.code]).toEqual([409, 'overlaps_current_pass'])
    expect(res.json.error.message).toContain(inDays(5))
    expect(res.json.error.details[0].pass_number).toBe(current.number)
    expect((await passOf(current.number)).status).toBe('active')
  })

  it('starting when the current pass ends leaves the current one valid until then, in every view', async () => {
    const current = await issue('enterprise', { plate: '浙K20002', valid_until: inDays(2) })
    const next = await issue('enterprise', {
      plate: '浙K20002',
      valid_from: inDays(2),
      valid_until: inDays(9),
    })

    expect(await passOf(current.number)).toMatchObject({ status: 'active', superseded_by: null })
    const revocations = (await t.call('GET', '/api/v1/trust/revocations', { as: 'checkpoint' }))
      .json
    expect([...revocations.revoked, ...revocations.superseded]).not.toContain(current.number)
    const today = await scan(t, { token: current.token })
    expect([today.json.pass_status, today.json.reasons]).toEqual(['valid', []])
    const early = await scan(t, { token: next.token, checkpoint_code: 'HZ-DEST-BJ' })
    expect(early.json.reasons).toContain('not_yet_valid')
  })

  it('is refused at approval when a current pass overlapping it was issued after it was submitted', async () => {
    const later = await apply('enterprise', {
      plate: '浙K20003',
      valid_from: inDays(2),
      valid_until: inDays(9),
    })
    const current = await issue('enterprise', { plate: '浙K20003', valid_until: inDays(5) })
    const res = await approve(later.id)
    expect([res.status, res.json.error.code]).toEqual([409, 'overlaps_current_pass'])
    expect((await passOf(current.number)).status).toBe('active')
  })

  it('cannot slip in beside another later pass when both are approved at once', async () => {
    const first = await apply('enterprise', {
      plate: '浙K20004',
      valid_from: inDays(2),
      valid_until: inDays(6),
    })
    const second = await apply('enterprise', {
      plate: '浙K20004',
      valid_from: inDays(4),
      valid_until: inDays(9),
    })
    const gate = gateWrites(t.store)
    gate.hold(2)
    const results = await Promise.all([approve(first.id), approve(second.id)])
    expect(results.map((r) => r.status).sort()).toEqual([201, 409])
    expect(results.find((r) => r.status === 409)!.json.error.code).toBe('overlaps_current_pass')
  })

  it('a pass starting now still supersedes the current one at once', async () => {
    const current = await issue('enterprise', { plate: '浙K20005' })
    const now = await issue('enterprise', {
      plate: '浙K20005',
      valid_from: new Date(t.clock().getTime() + 60_000).toISOString(),
    })
    expect(await passOf(current.number)).toMatchObject({
      status: 'superseded',
      superseded_by: now.number,
    })
  })
})

describe('the supersession rule', () => {
  const now = new Date('2026-11-29T08:00:00Z')
  const at = (hours: number) => new Date(now.getTime() + hours * 3600_000)
  const held = (number: string, firm: string, from: number, until: number): HeldPass => ({
    number,
    enterprise_id: firm,
    valid_from: at(from).toISOString(),
    valid_until: at(until).toISOString(),
  })
  const plan = (from: number, until: number, passes: HeldPass[], confirmOtherFirm = false) =>
    planSupersession({
      enterpriseId: 'a',
      validFrom: at(from),
      validUntil: at(until),
      now,
      skewMs: 300_000,
      confirmOtherFirm,
      held: passes,
    })

  it('supersedes the overlapping current passes of a pass that starts now (within the skew)', () => {
    expect(plan(0.05, 48, [held('1', 'a', -24, 24)])).toMatchObject({
      problem: null,
      startsNow: true,
      supersede: [{ number: '1' }],
    })
  })
  it('leaves alone passes that ended, and passes that do not overlap', () => {
    expect(plan(0, 48, [held('1', 'a', -48, -1), held('2', 'a', 48, 72)])).toMatchObject({
      problem: null,
      supersede: [],
    })
  })
  it('refuses a later start that overlaps a current pass, and accepts one that starts as it ends', () => {
    expect(plan(2, 48, [held('1', 'a', -24, 24)]).problem?.code).toBe('overlaps_current_pass')
    expect(plan(24, 48, [held('1', 'a', -24, 24)])).toMatchObject({
      problem: null,
      startsNow: false,
      supersede: [],
    })
  })
  it('refuses another firm’s overlapping pass unless confirmed', () => {
    expect(plan(0, 48, [held('1', 'b', -24, 24)]).problem).toEqual({
      code: 'plate_held_by_other_firm',
      passes: [held('1', 'b', -24, 24)],
    })
    expect(plan(0, 48, [held('1', 'b', -24, 24)], true)).toMatchObject({
      problem: null,
      supersede: [{ number: '1' }],
      otherFirms: [{ number: '1' }],
    })
    // Confirmation never lets a later pass cut the current one short.
    expect(plan(2, 48, [held('1', 'b', -24, 24)], true).problem?.code).toBe('overlaps_current_pass')
  })
})

describe('pass serials', () => {
  it('answer 409 serials_exhausted once the issuer has used 999999, with nothing written', async () => {
    const own = await buildTestApp()
    const first = await own.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙K30001' }),
    })
    expect(
      (
        await own.call('POST', `/api/v1/applications/${first.json.id}/approve`, {
          as: 'coordinator',
        })
      ).status,
    ).toBe(201)
    own.sqlite.prepare('UPDATE passes SET serial = 999999').run()

    const next = await own.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙K30002' }),
    })
    const res = await own.call('POST', `/api/v1/applications/${next.json.id}/approve`, {
      as: 'coordinator',
    })
    expect([res.status, res.json.error.code]).toEqual([409, 'serials_exhausted'])
    expect(own.sqlite.prepare('SELECT count(*) FROM passes').pluck().get()).toBe(1)
    expect(
      (await own.call('GET', `/api/v1/applications/${next.json.id}`, { as: 'coordinator' })).json
        .status,
    ).toBe('submitted')
  })

  it('give the last serial to one of two racing approvals and refuse the other with 409', async () => {
    const own = await buildTestApp()
    const first = await own.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙K30003' }),
    })
    expect(
      (
        await own.call('POST', `/api/v1/applications/${first.json.id}/approve`, {
          as: 'coordinator',
        })
      ).status,
    ).toBe(201)
    own.sqlite.prepare('UPDATE passes SET serial = 999998').run()
    const apps = await Promise.all(
      ['浙K30004', '浙K30005'].map((plate) =>
        own.call('POST', '/api/v1/applications', {
          as: 'enterprise',
          body: applicationBody({ plate }),
        }),
      ),
    )
    const gate = gateWrites(own.store)
    gate.hold(2)
    const results = await Promise.all(
      apps.map((a) =>
        own.call('POST', `/api/v1/applications/${a.json.id}/approve`, { as: 'coordinator' }),
      ),
    )
    expect(results.map((r) => r.status).sort()).toEqual([201, 409])
    expect(results.find((r) => r.status === 201)!.json.number).toBe('330100999999')
    expect(results.find((r) => r.status === 409)!.json.error.code).toBe('serials_exhausted')
  })
})
