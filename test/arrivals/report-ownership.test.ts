import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import { issuePass, scan } from '../support/flow.ts'
import { rankReports } from '../../src/arrivals/report-rules.ts'

// Issue 14: a firm reports only its own trucks, and learns nothing about another firm's; a scan
// matches the report that names the scanned pass. Clock: 2026-11-29T16:00+08:00.

let t: TestApp
let other: { token: string }
beforeEach(async () => {
  t = await buildTestApp()
  await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username: 'other-firm',
      password: 'other-firm-password',
      role: 'enterprise',
      enterprise_id: 'demo-ent-2',
    },
  })
  other = { token: await t.login('other-firm', 'other-firm-password') }
})

const report = (overrides: Record<string, unknown> = {}) => ({
  plate: '浙A11111',
  checkpoint_code: 'HZ-G60-XS',
  expected_from: '2026-11-30T18:00:00+08:00',
  expected_until: '2026-11-30T22:00:00+08:00',
  crew: [{ name: '孙八', id_number: residentId('19800808', '888'), phone: '13566667777' }],
  ...overrides,
})
const file = (as: 'enterprise' | { token: string }, overrides: Record<string, unknown> = {}) =>
  t.call('POST', '/api/v1/arrival-reports', { as, body: report(overrides) })
const reportCount = () => t.sqlite.prepare('SELECT count(*) FROM arrival_reports').pluck().get()

describe('who may report a vehicle', () => {
  it('answers another firm’s plate, another firm’s pass and an unknown vehicle alike', async () => {
    const theirs = await issuePass(t, { plate: '浙A11111' }) // demo-ent-1's truck
    const answers = {
      theirPlate: await file(other, { plate: '浙A11111' }),
      unknownPlate: await file(other, { plate: '浙A22222' }),
      theirPass: await file(other, { plate: '浙A11111', pass_number: theirs.number }),
      unknownPass: await file(other, { plate: '浙A22222', pass_number: '330100999999' }),
    }
    for (const res of Object.values(answers))
      expect([res.status, res.json.error.code]).toEqual([400, 'plate_not_yours'])
    // Worded from the request alone: with the plate and number taken out, the answers are one.
    const shape = (res: { json: any }, plate: string, number?: string) =>
      JSON.stringify(res.json)
        .replaceAll(plate, 'P')
        .replaceAll(number ?? '\u0000', 'N')
    expect(shape(answers.theirPlate, '浙A11111')).toBe(shape(answers.unknownPlate, '浙A22222'))
    expect(shape(answers.theirPass, '浙A11111', theirs.number)).toBe(
      shape(answers.unknownPass, '浙A22222', '330100999999'),
    )
    expect(reportCount()).toBe(0)
  })

  it('takes the firm’s own plate, with or without its pass number', async () => {
    const pass = await issuePass(t, { plate: '浙A11111' })
    expect((await file('enterprise')).status).toBe(201)
    expect((await file('enterprise', { pass_number: pass.number })).status).toBe(201)
  })

  it('refuses the firm’s own pass once it is revoked or has ended, or another of its passes for the plate', async () => {
    const pass = await issuePass(t, { plate: '浙A11111', valid_until: '2026-11-30T16:00:00+08:00' })
    const otherPlate = await issuePass(t, { plate: '浙A33333' })
    expect((await file('enterprise', { pass_number: otherPlate.number })).json.error.code).toBe(
      'plate_not_yours',
    )
    await t.call('POST', `/api/v1/passes/${otherPlate.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '测试' },
    })
    expect((await file('enterprise', { plate: '浙A33333' })).json.error.code).toBe(
      'plate_not_yours',
    )
    t.clock.set('2026-11-30T17:00:00+08:00')
    t.forgetTokens()
    expect(
      (
        await file('enterprise', {
          pass_number: pass.number,
          expected_from: '2026-12-01T18:00:00+08:00',
          expected_until: '2026-12-01T20:00:00+08:00',
        })
      ).json.error.code,
    ).toBe('plate_not_yours')
  })
})

describe('expected arrivals seen by a firm', () => {
  it('never show another firm’s report, whatever the filter', async () => {
    await issuePass(t, { plate: '浙A11111' })
    const mine = (await file('enterprise')).json
    for (const query of [
      '',
      '?plate=%E6%B5%99A11111',
      '?checkpoint=HZ-G60-XS',
      '?status=expected',
    ]) {
      const res = await t.call('GET', `/api/v1/arrival-reports${query}`, { as: other })
      expect(res.status).toBe(200)
      expect(res.json, query).toEqual([])
      expect(res.text).not.toContain(mine.id)
    }
    expect(
      (
        await t.call('GET', '/api/v1/arrival-reports?plate=%E6%B5%99A11111', { as: 'enterprise' })
      ).json.map((r: { id: string }) => r.id),
    ).toEqual([mine.id])
  })
})

describe('the report a scan matches', () => {
  it('is the one naming the scanned pass, before a nearer one that names none', async () => {
    const pass = await issuePass(t, { plate: '浙A11111' })
    const nearer = (
      await file('enterprise', {
        expected_from: '2026-11-29T16:00:00+08:00',
        expected_until: '2026-11-29T20:00:00+08:00',
      })
    ).json
    const naming = (
      await file('enterprise', {
        pass_number: pass.number,
        expected_from: '2026-11-30T10:00:00+08:00',
        expected_until: '2026-11-30T14:00:00+08:00',
      })
    ).json
    const res = await scan(t, { token: pass.token })
    expect(res.json.arrival_report).toMatchObject({
      id: naming.id,
      status: 'arrived',
      pass_number: pass.number,
    })
    const listed = (await t.call('GET', '/api/v1/arrival-reports', { as: 'coordinator' })).json
    expect(listed.find((r: { id: string }) => r.id === nearer.id).status).toBe('expected')
  })

  it('ranks as the rule says: this pass first, then the nearest; never another pass or another firm', () => {
    const at = new Date('2026-11-30T00:00:00Z')
    const r = (
      id: string,
      pass_number: string | null,
      enterprise_id: string,
      from: string,
      until: string,
    ) => ({ id, pass_number, enterprise_id, expected_from: from, expected_until: until })
    const reports = [
      r('near-no-pass', null, 'e1', '2026-11-29T23:00:00Z', '2026-11-30T01:00:00Z'),
      r('far-this-pass', 'P1', 'e1', '2026-11-30T10:00:00Z', '2026-11-30T12:00:00Z'),
      r('near-this-pass', 'P1', 'e1', '2026-11-30T02:00:00Z', '2026-11-30T04:00:00Z'),
      r('other-pass', 'P2', 'e1', '2026-11-29T23:00:00Z', '2026-11-30T01:00:00Z'),
      r('other-firm', null, 'e2', '2026-11-29T23:00:00Z', '2026-11-30T01:00:00Z'),
    ]
    expect(
      rankReports(reports, { passNumber: 'P1', enterpriseId: 'e1' }, at).map((x) => x.id),
    ).toEqual(['near-this-pass', 'far-this-pass', 'near-no-pass'])
    // A foreign pass: no firm known here, so no firm is left out.
    expect(
      rankReports(reports, { passNumber: 'P9', enterpriseId: null }, at).map((x) => x.id),
    ).toEqual(['near-no-pass', 'other-firm'])
    // No pass read at all (a typed plate): every report for the plate, nearest first.
    expect(
      rankReports(reports, { passNumber: null, enterpriseId: null }, at).map((x) => x.id),
    ).toEqual(['near-no-pass', 'other-pass', 'other-firm', 'near-this-pass', 'far-this-pass'])
  })
})
