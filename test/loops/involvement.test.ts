import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, issuePass, openLoop, sendEvents } from '../support/flow.ts'
import { involvedCheckpoints, involves } from '../../src/loops/involvement.ts'
import type { Principal } from '../../src/auth/principal.ts'

const staff = (codes: string[]): Principal => ({
  accountId: 'a',
  username: 'u',
  role: 'checkpoint',
  enterpriseId: null,
  checkpointCodes: codes,
})

describe('involves', () => {
  const loop = { entry_checkpoint_code: 'ENTRY', destination_code: 'DEST' }
  it('is the entry, a checkpoint that recorded an event, or the release destination', () => {
    expect(involves(staff(['ENTRY']), loop, [])).toBe(true)
    expect(involves(staff(['DEST']), loop, [])).toBe(true)
    expect(involves(staff(['LAB']), loop, ['ENTRY', 'LAB'])).toBe(true)
    expect(involves(staff(['OTHER']), loop, ['ENTRY', 'LAB'])).toBe(false)
    expect(involves(staff(['OTHER']), { ...loop, destination_code: null }, [''])).toBe(false)
  })
  it('lets coordinators see every loop, and nobody else', () => {
    expect(involves({ ...staff([]), role: 'coordinator' }, loop, [])).toBe(true)
    expect(involves({ ...staff([]), role: 'admin' }, loop, [])).toBe(true)
    expect(involves({ ...staff(['ENTRY']), role: 'enterprise' }, loop, [])).toBe(false)
  })
  it('never counts the empty checkpoint of a coordinator’s decision', () => {
    expect([...involvedCheckpoints(loop, ['', 'LAB'])].sort()).toEqual(['DEST', 'ENTRY', 'LAB'])
  })
})

describe('checkpoint staff work on their own loops', () => {
  let t: TestApp
  /** An account at HZ-G92-YH only; the demo checkpoint account works at HZ-G60-XS, HZ-TS-XS, HZ-DEST-BJ. */
  let other: { token: string }
  let loopId: string
  beforeEach(async () => {
    t = await buildTestApp()
    const created = await t.call('POST', '/api/v1/accounts', {
      as: 'coordinator',
      body: {
        username: 'g92-staff',
        password: 'g92-staff-password',
        role: 'checkpoint',
        checkpoint_codes: ['HZ-G92-YH'],
      },
    })
    expect(created.status).toBe(201)
    other = { token: await t.login('g92-staff', 'g92-staff-password') }
    loopId = (await openLoop(t)).loopId
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'INV-1', tests: ['pcr'] }),
      event(t, loopId, 'pcr_result', { result: 'negative' }),
    ])
  })
  const otherEvent = (kind: string, data?: Record<string, unknown>) => ({
    ...event(t, loopId, kind, data),
    checkpoint_code: 'HZ-G92-YH',
  })
  const ids = async (as: { token: string } | 'checkpoint' | 'coordinator', query = '') =>
    (await t.call('GET', `/api/v1/loops${query}`, { as })).json.map((l: { id: string }) => l.id)

  it('another checkpoint gets 404 for the loop and its receipt, as for an unknown loop', async () => {
    for (const path of [
      `/api/v1/loops/${loopId}`,
      `/api/v1/loops/${loopId}/receipt`,
      `/api/v1/loops/${loopId}/receipt/qr.svg`,
    ]) {
      const res = await t.call('GET', path, { as: other })
      expect([path, res.status, res.json?.error?.code]).toEqual([path, 404, 'not_found'])
    }
    expect((await t.call('GET', '/api/v1/loops/no-such-loop', { as: other })).json).toEqual(
      (await t.call('GET', `/api/v1/loops/${loopId}`, { as: other })).json,
    )
    expect(
      (await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })).status,
    ).toBe(200)
  })

  it('another checkpoint cannot write to it, or block it, by uploading events', async () => {
    const res = await t.call('POST', '/api/v1/events', {
      as: other,
      body: { events: [otherEvent('pcr_result', { result: 'positive' })] },
    })
    expect(res.json.results[0]).toMatchObject({
      status: 'rejected',
      error: { code: 'loop_not_yours' },
    })
    const l = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
    expect(l).toMatchObject({ alerting: false, pcr_result: 'negative' })
  })

  it('lists only the loops that involve one of the account’s checkpoints; coordinators see all', async () => {
    const elsewhere = await issuePass(t, { plate: '浙A55555' })
    const foreign = (
      await t.call('POST', '/api/v1/scans', {
        as: other,
        body: { id: crypto.randomUUID(), token: elsewhere.token, checkpoint_code: 'HZ-G92-YH' },
      })
    ).json.loop.id
    expect(await ids(other)).toEqual([foreign])
    expect(await ids(other, '?state=open')).toEqual([foreign])
    expect(await ids(other, '?checkpoint=HZ-G60-XS')).toEqual([])
    expect(await ids(other, `?plate=${encodeURIComponent('沪A12345D')}`)).toEqual([])
    expect(await ids('checkpoint')).toEqual([loopId])
    expect(await ids('checkpoint', '?checkpoint=HZ-G60-XS')).toEqual([loopId])
    expect((await ids('coordinator')).sort()).toEqual([loopId, foreign].sort())
  })

  it('the release destination and every checkpoint that recorded an event are involved', async () => {
    await sendEvents(t, [event(t, loopId, 'released', { destination_code: 'HZ-G92-YH' })])
    expect(await ids(other)).toEqual([loopId])
    expect((await t.call('GET', `/api/v1/loops/${loopId}`, { as: other })).status).toBe(200)
    const arrived = await t.call('POST', '/api/v1/events', {
      as: other,
      body: { events: [otherEvent('destination_arrived')] },
    })
    expect(arrived.json.results[0].status).toBe('accepted')
    // A loop closed long after still shows to the checkpoint that worked on it.
    await t.call('POST', '/api/v1/events', {
      as: other,
      body: { events: [otherEvent('handed_over')] },
    })
    const l = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: other })).json
    expect(l.state).toBe('closed')
    expect(await ids(other, '?state=closed')).toEqual([loopId])
    expect(await ids(other, '?state=open')).toEqual([])
  })
})
