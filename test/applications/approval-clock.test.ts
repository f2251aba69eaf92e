import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'

/**
 * Approvals with a clock (issue 19): every application says how long it has waited; the queue is
 * oldest first, marks those past APPROVAL_TARGET_HOURS (default 4) and, on its page, shows the
 * median and the longest wait. The clock is moved by hand.
 */
const HOUR = 3_600_000
const MINUTE = 60_000
const START = '2026-11-29T08:00:00.000Z'

/** The page's visible text, tags dropped and spaces collapsed. */
const textOf = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')

describe('the approval queue’s clock', () => {
  let t: TestApp
  let coordinator: string
  /** Submitted at START + 0 h, 1 h, 3 h, 3.5 h; the clock then stands at START + 5 h. */
  const ids: string[] = []
  const page = (path: string) =>
    t.call('GET', path, { headers: { cookie: `tx_session=${coordinator}` } })
  const queue = async () =>
    (await t.call('GET', '/api/v1/applications?status=submitted', { as: 'coordinator' })).json as {
      id: string
      waiting_seconds: number
      overdue: boolean
      decided_at: string | null
    }[]

  beforeAll(async () => {
    t = await buildTestApp({ start: START })
    coordinator = await t.tokenFor('coordinator')
    for (const [i, at] of [0, 1, 3, 3.5].entries()) {
      t.clock.set(new Date(Date.parse(START) + at * HOUR).toISOString())
      const res = await t.call('POST', '/api/v1/applications', {
        as: 'enterprise',
        body: applicationBody({ plate: `沪C1000${i}` }),
      })
      expect(res.status, res.text).toBe(201)
      expect(res.json).toMatchObject({ waiting_seconds: 0, overdue: false, decided_at: null })
      ids.push(res.json.id)
    }
    t.clock.set(new Date(Date.parse(START) + 5 * HOUR).toISOString())
  })

  it('answers the coordinators’ queue oldest first, each with its wait and overdue past 4 h', async () => {
    const waiting = await queue()
    expect(waiting.map((a) => a.id)).toEqual(ids)
    expect(waiting.map((a) => a.waiting_seconds)).toEqual([5, 4, 2, 1.5].map((h) => h * 3600))
    // Exactly 4 h is not yet past the target.
    expect(waiting.map((a) => a.overdue)).toEqual([true, false, false, false])
  })

  it('marks the next one overdue once the clock passes its 4 h', async () => {
    t.clock.advance(MINUTE)
    try {
      expect((await queue()).map((a) => a.overdue)).toEqual([true, true, false, false])
    } finally {
      t.clock.advance(-MINUTE)
    }
  })

  it('keeps every other list newest first, with the same clock on each application', async () => {
    const mine = await t.call('GET', '/api/v1/applications', { as: 'enterprise' })
    expect(mine.json.map((a: { id: string }) => a.id)).toEqual([...ids].reverse())
    const one = await t.call('GET', `/api/v1/applications/${ids[0]}`, { as: 'enterprise' })
    expect(one.json).toMatchObject({ waiting_seconds: 5 * 3600, overdue: true })
  })

  it('shows the queue oldest first, the overdue one marked in words, the median and the longest wait', async () => {
    const zh = (await page('/ui/queue')).text
    expect([...zh.matchAll(/data-application="([^"]+)"/g)].map((m) => m[1])).toEqual(ids)
    // Median of 5 h, 4 h, 2 h, 1.5 h: the mean of the middle two.
    expect(textOf(zh)).toContain('等待时长：中位 3 小时 0 分，最久 5 小时 0 分')
    expect(textOf(zh)).toContain('超过 4 小时仍未审批的申请标为“已超时”')
    const cards = zh.split('data-application="').slice(1)
    expect(cards.map((card) => card.includes('data-overdue'))).toEqual([true, false, false, false])
    expect(textOf(cards[0])).toContain('已超时')

    const en = textOf((await page('/ui/queue?lang=en')).text)
    expect(en).toContain('Waiting: median 3 h 0 min, longest 5 h 0 min')
    expect(en).toContain('Overdue')
  })

  it('stops the clock of a decided application and leaves it out of the queue and its median', async () => {
    const rejected = await t.call('POST', `/api/v1/applications/${ids[3]}/reject`, {
      as: 'coordinator',
      body: { reason_code: 'duplicate_application' },
    })
    expect(rejected.status, rejected.text).toBe(200)
    expect(rejected.json).toMatchObject({
      status: 'rejected',
      decided_at: new Date(Date.parse(START) + 5 * HOUR).toISOString(),
      waiting_seconds: 1.5 * 3600,
      overdue: false,
    })
    t.clock.advance(HOUR)
    try {
      const later = await t.call('GET', `/api/v1/applications/${ids[3]}`, { as: 'coordinator' })
      expect(later.json.waiting_seconds).toBe(1.5 * 3600)
      expect((await queue()).map((a) => a.id)).toEqual(ids.slice(0, 3))
      // 6 h, 5 h, 3 h: the middle one.
      expect(textOf((await page('/ui/queue')).text)).toContain(
        '等待时长：中位 5 小时 0 分，最久 6 小时 0 分',
      )
    } finally {
      t.clock.advance(-HOUR)
    }
  })

  it('shows no ages over an empty queue', async () => {
    const empty = await buildTestApp({ start: START })
    const html = (
      await empty.call('GET', '/ui/queue', {
        headers: { cookie: `tx_session=${await empty.tokenFor('coordinator')}` },
      })
    ).text
    expect(html).not.toContain('data-queue-ages')
  })
})

describe('APPROVAL_TARGET_HOURS', () => {
  it('moves the overdue mark to the configured target', async () => {
    const t = await buildTestApp({ start: START, config: { APPROVAL_TARGET_HOURS: '0.5' } })
    const res = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody(),
    })
    expect(res.status, res.text).toBe(201)
    t.clock.advance(29 * MINUTE)
    const at = async () =>
      (await t.call('GET', `/api/v1/applications/${res.json.id}`, { as: 'coordinator' })).json
    expect((await at()).overdue).toBe(false)
    t.clock.advance(2 * MINUTE)
    expect(await at()).toMatchObject({ overdue: true, waiting_seconds: 31 * 60 })
  })
})
