import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, otherFirmWithPass, sendEvents } from '../support/flow.ts'
import { SESSION_COOKIE } from '../../src/auth/middleware.ts'

// The receiving vehicles of a firm's loops: in its audit report (JSON, CSV, page) and on the
// loop page, flagged where a receiver had an open loop from a risk area.

let t: TestApp
let loopId: string
let truck: string
let otherLoopId: string
beforeAll(async () => {
  t = await buildTestApp()
  const opened = await openLoop(t)
  loopId = opened.loopId
  truck = opened.pass.plate
  // The other firm's truck (苏E99999, high-risk origin) is in town with an open loop.
  const { pass } = await otherFirmWithPass(t, 'firm-two')
  const scanned = await t.call('POST', '/api/v1/scans', {
    as: 'checkpoint',
    body: { id: crypto.randomUUID(), checkpoint_code: 'HZ-G60-XS', token: pass.token },
  })
  otherLoopId = scanned.json.loop.id
  const res = await sendEvents(t, [
    event(t, loopId, 'sampled', { tube_code: 'TB-R1' }),
    event(t, loopId, 'released', { destination_code: 'HZ-TS-XS' }),
    event(t, loopId, 'destination_arrived'),
    event(t, loopId, 'handed_over', {
      receivers: [
        { plate: '浙A5R001', pieces: 8, seal_number: 'QF-2026-001' },
        { plate: '苏E99999', pieces: 2 },
      ],
    }),
  ])
  expect(res.json.results.map((r: { status: string }) => r.status)).toEqual([
    'accepted',
    'accepted',
    'accepted',
    'accepted',
  ])
})

const page = async (path: string) => {
  const res = await t.app.request(path, {
    headers: { cookie: `${SESSION_COOKIE}=${await t.tokenFor('coordinator')}` },
  })
  return res.text()
}

describe('the firm’s audit report', () => {
  it('lists each loop’s receiving vehicles and counts the flagged ones (JSON)', async () => {
    const report = (
      await t.call('GET', '/api/v1/enterprises/demo-ent-1/audit', { as: 'coordinator' })
    ).json
    const loop = report.loops.items.find((l: { id: string }) => l.id === loopId)
    expect(loop.receivers).toEqual([
      expect.objectContaining({
        plate: '浙A5R001',
        pieces: 8,
        seal_number: 'QF-2026-001',
        flag: null,
      }),
      expect.objectContaining({ plate: '苏E99999', pieces: 2, flag: 'receiver_open_loop' }),
    ])
    expect(report.loops.receivers).toBe(2)
    expect(report.loops.receivers_flagged).toBe(1)
  })

  it('never lists another firm’s receivers', async () => {
    const report = (
      await t.call('GET', '/api/v1/enterprises/demo-ent-2/audit', { as: 'coordinator' })
    ).json
    expect(report.loops.items.map((l: { id: string }) => l.id)).toContain(otherLoopId)
    expect(report.loops.receivers).toBe(0)
    expect(JSON.stringify(report)).not.toContain('浙A5R001')
  })

  it('has a table of receiving vehicles in the CSV, in words', async () => {
    const zh = await (
      await t.app.request('/api/v1/enterprises/demo-ent-1/audit.csv?lang=zh', {
        headers: { authorization: `Bearer ${await t.tokenFor('coordinator')}` },
      })
    ).text()
    expect(zh).toContain('交接车辆（2 条）')
    expect(zh).toContain(`${loopId},${truck},浙A5R001,8,QF-2026-001,`)
    expect(zh).toContain(`${loopId},${truck},苏E99999,2,,`)
    expect(zh).toContain('接驳车有来自中高风险地区的未闭环记录')
    expect(zh).not.toContain('receiver_open_loop')
    const en = await (
      await t.app.request('/api/v1/enterprises/demo-ent-1/audit.csv?lang=en', {
        headers: { authorization: `Bearer ${await t.tokenFor('coordinator')}` },
      })
    ).text()
    expect(en).toContain('Receiving vehicles')
    expect(en).toContain('open loop from a medium- or high-risk area')
  })

  it('shows them on the report page and on the loop page', async () => {
    const report = await page('/ui/audit/demo-ent-1')
    expect(report).toContain('交接车辆')
    expect(report).toContain('浙A5R001')
    expect(report).toContain('data-receiver-flag')
    const loop = await page(`/ui/loops/${loopId}?lang=en`)
    expect(loop).toContain('Receiving vehicles')
    expect(loop).toContain('QF-2026-001')
    expect(loop).toContain('open loop from a medium- or high-risk area')
  })
})
