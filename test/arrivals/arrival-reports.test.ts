import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import { issuePass, scan } from '../support/flow.ts'
import { isReportedLate, reportStatus } from '../../src/arrivals/report-rules.ts'

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp() // clock: 2026-11-29T08:00Z = 16:00 China time
  // A firm reports only its own vehicles: the demo firm holds a pass for the default plate.
  await issuePass(t, { plate: '沪A12345D' })
})

const valid = residentId('19800808', '888')
const wrongCheck = valid.slice(0, 17) + (valid[17] === '0' ? '1' : '0')
const crew = [{ name: '孙八', id_number: residentId('19800808', '888'), phone: '13566667777' }]
const body = (overrides: Record<string, unknown> = {}) => ({
  plate: '沪A12345D',
  checkpoint_code: 'HZ-G60-XS',
  expected_from: '2026-11-30T18:00:00+08:00',
  expected_until: '2026-11-30T22:00:00+08:00',
  crew,
  ...overrides,
})
const file = (
  overrides: Record<string, unknown> = {},
  as: 'enterprise' | { token: string } = 'enterprise',
) => t.call('POST', '/api/v1/arrival-reports', { as, body: body(overrides) })

describe('filing a pre-arrival report', () => {
  it('accepts a report 24 h ahead, not late, crew masked', async () => {
    const res = await file()
    expect(res.status).toBe(201)
    expect(res.json).toMatchObject({
      status: 'expected',
      reported_late: false,
      plate: '沪A12345D',
      checkpoint_code: 'HZ-G60-XS',
      enterprise_id: 'demo-ent-1',
    })
    expect(res.json.crew).toEqual([
      {
        name: '孙*',
        id_number: `330702********${crew[0].id_number.slice(-4)}`,
        phone: '135****7777',
      },
    ])
    expect(res.text).not.toContain(crew[0].id_number)
  })

  it('accepts a report filed less than 24 h ahead and marks it late', async () => {
    const res = await file({
      expected_from: '2026-11-30T10:00:00+08:00',
      expected_until: '2026-11-30T14:00:00+08:00',
    })
    expect([res.status, res.json.reported_late]).toEqual([201, true])
  })

  it('decides lateness against the configured lead time', () => {
    const created = new Date('2026-11-29T08:00:00Z')
    expect(isReportedLate(created, new Date('2026-11-30T08:00:00Z'), 24)).toBe(false)
    expect(isReportedLate(created, new Date('2026-11-30T07:59:00Z'), 24)).toBe(true)
    expect(isReportedLate(created, new Date('2026-11-29T20:00:00Z'), 12)).toBe(false)
  })

  const bad: [string, Record<string, unknown>, number, string][] = [
    [
      'a window that ends before it starts',
      { expected_until: '2026-11-30T17:00:00+08:00' },
      400,
      'invalid_window',
    ],
    [
      'a window in the past',
      { expected_from: '2026-11-28T10:00:00+08:00', expected_until: '2026-11-28T12:00:00+08:00' },
      400,
      'invalid_window',
    ],
    ['a window over 72 h', { expected_until: '2026-12-04T18:00:00+08:00' }, 400, 'invalid_window'],
    ['an unknown checkpoint', { checkpoint_code: 'NOPE-1' }, 400, 'unknown_checkpoint'],
    [
      'a checkpoint that is not an entry',
      { checkpoint_code: 'HZ-TS-XS' },
      400,
      'not_an_entry_checkpoint',
    ],
    ['a bad plate', { plate: '沪O12345' }, 400, 'invalid_input'],
    ['no crew', { crew: [] }, 400, 'invalid_input'],
    [
      'a bad ID number',
      { crew: [{ name: '某', id_number: wrongCheck, phone: '13566667777' }] },
      400,
      'invalid_input',
    ],
    ['a pass that does not exist', { pass_number: '330100999999' }, 400, 'plate_not_yours'],
    ['a plate it holds no pass for', { plate: '浙A99999' }, 400, 'plate_not_yours'],
  ]
  for (const [what, change, status, code] of bad) {
    it(`refuses ${what}`, async () => {
      const res = await file(change)
      expect([res.status, res.json.error.code]).toEqual([status, code])
    })
  }

  it('names only the firm’s own passes, for the same vehicle', async () => {
    const pass = await issuePass(t, { plate: '浙A31313' })
    expect((await file({ plate: '浙A31313', pass_number: pass.number })).status).toBe(201)
    expect((await file({ plate: '浙A99999', pass_number: pass.number })).json.error.code).toBe(
      'plate_not_yours',
    )
    await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'other',
        password: 'other-password',
        role: 'enterprise',
        enterprise_id: 'demo-ent-2',
      },
    })
    const other = { token: await t.login('other', 'other-password') }
    expect(
      (await file({ plate: '浙A31313', pass_number: pass.number }, other)).json.error.code,
    ).toBe('plate_not_yours')
  })

  it('is for enterprises to file', async () => {
    for (const role of ['coordinator', 'checkpoint'] as const) {
      expect(
        (await t.call('POST', '/api/v1/arrival-reports', { as: role, body: body() })).status,
      ).toBe(403)
    }
  })
})

describe('expected arrivals', () => {
  it('show checkpoint staff their checkpoints only, coordinators all, an enterprise its own', async () => {
    await file()
    await issuePass(t, { plate: '浙A70707' })
    await file({ plate: '浙A70707', checkpoint_code: 'HZ-G92-YH' })
    const mine = (await t.call('GET', '/api/v1/arrival-reports', { as: 'checkpoint' })).json
    expect(mine.map((r: { checkpoint_code: string }) => r.checkpoint_code)).toEqual(['HZ-G60-XS'])
    expect(
      (await t.call('GET', '/api/v1/arrival-reports?checkpoint=HZ-G92-YH', { as: 'checkpoint' }))
        .status,
    ).toBe(403)
    expect(
      (await t.call('GET', '/api/v1/arrival-reports', { as: 'coordinator' })).json,
    ).toHaveLength(2)
    await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'other',
        password: 'other-password',
        role: 'enterprise',
        enterprise_id: 'demo-ent-2',
      },
    })
    expect(
      (
        await t.call('GET', '/api/v1/arrival-reports', {
          as: { token: await t.login('other', 'other-password') },
        })
      ).json,
    ).toEqual([])
    expect(
      (await t.call('GET', '/api/v1/arrival-reports', { as: 'enterprise' })).json,
    ).toHaveLength(2)
  })

  it('become overdue when the window passes, then no_show a day later', async () => {
    await file()
    const status = async () => {
      t.forgetTokens()
      return (await t.call('GET', '/api/v1/arrival-reports', { as: 'checkpoint' })).json[0].status
    }
    expect(await status()).toBe('expected')
    t.clock.set('2026-11-30T15:00:00Z') // 23:00 China time, window ended at 22:00
    expect(await status()).toBe('overdue')
    expect(
      (await t.call('GET', '/api/v1/arrival-reports?status=overdue', { as: 'coordinator' })).json,
    ).toHaveLength(1)
    t.clock.set('2026-12-01T14:01:00Z')
    expect(await status()).toBe('no_show')
    expect(
      (await t.call('GET', '/api/v1/arrival-reports?status=no_show', { as: 'checkpoint' })).json,
    ).toHaveLength(1)
    expect(
      (await t.call('GET', '/api/v1/arrival-reports?status=expected', { as: 'checkpoint' })).json,
    ).toHaveLength(0)
  })

  it('filter by the window', async () => {
    await file()
    await issuePass(t, { plate: '浙A80808' })
    await file({
      plate: '浙A80808',
      expected_from: '2026-12-02T08:00:00+08:00',
      expected_until: '2026-12-02T12:00:00+08:00',
    })
    const on = (
      await t.call(
        'GET',
        '/api/v1/arrival-reports?from=2026-12-01T00:00:00%2B08:00&to=2026-12-03T00:00:00%2B08:00',
        { as: 'coordinator' },
      )
    ).json
    expect(on.map((r: { plate: string }) => r.plate)).toEqual(['浙A80808'])
  })

  it('follow the status rules', () => {
    const until = '2026-11-30T14:00:00Z'
    expect(
      reportStatus({ arrived_at: null, expected_until: until }, new Date('2026-11-30T14:00:00Z')),
    ).toBe('expected')
    expect(
      reportStatus({ arrived_at: null, expected_until: until }, new Date('2026-12-01T14:00:00Z')),
    ).toBe('overdue')
    expect(
      reportStatus({ arrived_at: null, expected_until: until }, new Date('2026-12-01T14:00:01Z')),
    ).toBe('no_show')
    expect(
      reportStatus(
        { arrived_at: '2026-11-30T13:00:00Z', expected_until: until },
        new Date('2026-12-09T00:00:00Z'),
      ),
    ).toBe('arrived')
  })
})

describe('a scan with a matching report', () => {
  it('shows the report and marks it arrived when the loop opens', async () => {
    const pass = await issuePass(t, { plate: '浙A60606' })
    const report = (
      await file({
        plate: '浙A60606',
        pass_number: pass.number,
        expected_from: '2026-11-29T15:00:00+08:00',
        expected_until: '2026-11-29T20:00:00+08:00',
      })
    ).json
    expect(report.reported_late).toBe(true)
    const res = await scan(t, { token: pass.token })
    expect(res.json.verdict).toBe('valid')
    expect(res.json.arrival_report).toMatchObject({
      id: report.id,
      status: 'arrived',
      reported_late: true,
      loop_id: res.json.loop.id,
    })
    const listed = (await t.call('GET', '/api/v1/arrival-reports', { as: 'checkpoint' })).json
    expect(listed[0]).toMatchObject({ id: report.id, status: 'arrived', loop_id: res.json.loop.id })
  })

  it('is informational: no report, no change to the verdict', async () => {
    const pass = await issuePass(t, { plate: '浙A50505' })
    const res = await scan(t, { token: pass.token })
    expect(res.json).toMatchObject({ verdict: 'valid', action: 'sample_then_release' })
    expect(res.json.arrival_report).toBeUndefined()
  })

  it('counts in the firm’s audit report as reported in time', async () => {
    const pass = await issuePass(t, { plate: '浙A40404' })
    await file({
      plate: '浙A40404',
      expected_from: '2026-11-30T18:00:00+08:00',
      expected_until: '2026-11-30T22:00:00+08:00',
    })
    const late = await issuePass(t, { plate: '浙A40405' })
    await file({
      plate: '浙A40405',
      expected_from: '2026-11-29T15:00:00+08:00',
      expected_until: '2026-11-29T20:00:00+08:00',
    })
    await scan(t, { token: late.token })
    t.clock.set('2026-11-30T11:00:00Z')
    t.forgetTokens()
    await scan(t, { token: pass.token })
    const report = (
      await t.call('GET', '/api/v1/enterprises/demo-ent-1/audit', { as: 'coordinator' })
    ).json
    expect(report.arrival_reports).toMatchObject({
      loops_reported_in_time: 1,
      share_reported_in_time: 0.5,
      filed: 2,
      filed_late: 1,
      arrived: 2,
    })
  })
})
