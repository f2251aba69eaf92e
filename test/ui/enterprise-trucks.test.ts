import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, scan, sendEvents, otherFirmWithPass } from '../support/flow.ts'

/**
 * The firm's trucks on the road (issue 19, /ui/trucks): its open loops with the stage in words, the
 * last checkpoint by name, how long each has waited for its result, the destination deadline, and
 * the alerts on its trucks — in Chinese and English, and never another firm's.
 */
describe('the trucks page', () => {
  let t: TestApp
  let otherFirm: string
  let ownFirm: string
  const loops: Record<'waiting' | 'positive' | 'late' | 'closed' | 'theirs', string> = {
    waiting: '',
    positive: '',
    late: '',
    closed: '',
    theirs: '',
  }
  const page = async (token: string, lang: 'zh' | 'en' = 'zh', path = '/ui/trucks') => {
    const res = await t.call('GET', path, {
      headers: { cookie: `tx_session=${token}; tx_lang=${lang}` },
    })
    expect(res.status, res.text.slice(0, 300)).toBe(200)
    // What the page shows: its main part (the message table for the page script follows it).
    return res.text.slice(res.text.indexOf('<main'), res.text.indexOf('</main>'))
  }
  /** The row of the truck whose loop is `id`, as raw HTML ('' when absent). */
  const rowOf = (html: string, id: string) => {
    const at = html.indexOf(`data-truck="${id}"`)
    if (at < 0) return ''
    return html.slice(html.lastIndexOf('<tr>', at), html.indexOf('</tr>', at))
  }

  beforeAll(async () => {
    t = await buildTestApp()
    ownFirm = await t.tokenFor('enterprise')
    // Sampled and released towards the Binjiang destination: waiting for its result.
    loops.waiting = (await openLoop(t, { plate: '沪A12345D' })).loopId
    const sampledAt = t.clock().getTime()
    await sendEvents(t, [
      event(t, loops.waiting, 'sampled', { tube_code: 'TRK-1', tests: ['pcr'] }),
      event(t, loops.waiting, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    // Positive: an alert on the firm's truck.
    loops.positive = (await openLoop(t, { plate: '沪B11111' })).loopId
    await sendEvents(t, [
      event(t, loops.positive, 'sampled', { tube_code: 'TRK-2', tests: ['pcr'] }),
      event(t, loops.positive, 'pcr_result', { result: 'positive' }),
    ])
    // Negative, released with a one-hour deadline it will have missed.
    loops.late = (await openLoop(t, { plate: '沪D44444' })).loopId
    await sendEvents(t, [
      event(t, loops.late, 'sampled', { tube_code: 'TRK-3', tests: ['pcr'] }),
      event(t, loops.late, 'pcr_result', { result: 'negative' }),
      event(t, loops.late, 'released', {
        destination_code: 'HZ-DEST-BJ',
        deadline: new Date(t.clock().getTime() + 3_600_000).toISOString(),
      }),
    ])
    // Negative and departed: closed, no longer on the road.
    loops.closed = (await openLoop(t, { plate: '沪C22222' })).loopId
    await sendEvents(t, [
      event(t, loops.closed, 'sampled', { tube_code: 'TRK-4', tests: ['pcr'] }),
      event(t, loops.closed, 'pcr_result', { result: 'negative' }),
      event(t, loops.closed, 'released', { destination_code: 'HZ-DEST-BJ' }),
      event(t, loops.closed, 'departed'),
    ])

    const other = await otherFirmWithPass(t, 'trucks-other-firm')
    otherFirm = other.token
    loops.theirs = (await scan(t, { token: other.pass.token })).json.loop.id
    await sendEvents(t, [
      event(t, loops.theirs, 'sampled', { tube_code: 'TRK-5', tests: ['pcr'] }),
      event(t, loops.theirs, 'pcr_result', { result: 'positive' }),
    ])
    // 3 h 12 min after the first truck was sampled.
    t.clock.set(new Date(sampledAt + (3 * 60 + 12) * 60_000).toISOString())
  })

  it('is in the firm’s navigation', async () => {
    const html = await t
      .call('GET', '/ui/passes', {
        headers: { cookie: `tx_session=${ownFirm}` },
      })
      .then((res) => res.text)
    expect(html).toMatch(/<a href="\/ui\/trucks"[^>]*>在途车辆<\/a>/)
    const en = await t.call('GET', '/ui/passes', {
      headers: { cookie: `tx_session=${ownFirm}; tx_lang=en` },
    })
    expect(en.text).toMatch(/<a href="\/ui\/trucks"[^>]*>Trucks on the road<\/a>/)
  })

  it('lists the firm’s open trucks only: not closed ones, not another firm’s', async () => {
    const html = await page(ownFirm)
    for (const id of [loops.waiting, loops.positive, loops.late])
      expect(rowOf(html, id), id).not.toBe('')
    expect(rowOf(html, loops.closed)).toBe('')
    expect(html).not.toContain('沪C22222')
    expect(html).not.toContain(loops.theirs)
    expect(html).not.toContain('苏E99999')
    expect(html).toContain('在途 3 辆，其中 1 辆等待核酸结果。')
  })

  it('shows the stage in words, the last checkpoint by name and how long a result is awaited', async () => {
    const row = rowOf(await page(ownFirm), loops.waiting)
    expect(row).toContain('沪A12345D')
    expect(row).toContain('已放行')
    expect(row).toContain('G60 沪昆高速萧山出口')
    expect(row).toContain('等待结果 3 小时 12 分')
    expect(row).toContain('滨江物流园收货点')
    expect(row).not.toContain('已超时')
    expect(row).not.toMatch(/>released</)
  })

  it('marks a positive truck and a missed destination deadline', async () => {
    const html = await page(ownFirm)
    const positive = rowOf(html, loops.positive)
    expect(positive).toContain('阳性')
    expect(positive).toContain('有未处置的预警')
    const late = rowOf(html, loops.late)
    expect(late).toContain('阴性')
    expect(late).toContain('已超时')
  })

  it('lists the alerts on the firm’s trucks in words, none of another firm’s', async () => {
    const html = await page(ownFirm)
    const alerts = html.slice(html.indexOf('本企业车辆的预警'))
    expect(alerts).toContain('沪B11111')
    expect(alerts).toContain('核酸阳性')
    expect(alerts).toContain('未处置')
    expect(alerts).not.toContain('pcr_positive')
    expect(alerts.match(/data-truck-alert=/g)).toHaveLength(1)
  })

  it('speaks English on request', async () => {
    const html = await page(ownFirm, 'en')
    expect(html).toContain('<h1>Trucks on the road</h1>')
    expect(html).toContain('3 on the road, 1 of them waiting for a test result.')
    const row = rowOf(html, loops.waiting)
    expect(row).toContain('Waiting for the result: 3 h 12 min')
    expect(row).toContain('G60 沪昆高速萧山出口')
    expect(rowOf(html, loops.late)).toContain('Overdue')
    expect(html).toContain('PCR positive')
    expect(html).not.toContain('苏E99999')
  })

  it('shows the other firm its own truck and alert, and none of ours', async () => {
    const html = await page(otherFirm)
    expect(rowOf(html, loops.theirs)).toContain('苏E99999')
    for (const id of [loops.waiting, loops.positive, loops.late]) expect(html).not.toContain(id)
    for (const plate of ['沪A12345D', '沪B11111', '沪D44444']) expect(html).not.toContain(plate)
    expect(html).toContain('在途 1 辆，其中 0 辆等待核酸结果。')
    expect(html.match(/data-truck-alert=/g)).toHaveLength(1)
  })

  it('is the firm’s page only', async () => {
    for (const role of ['coordinator', 'checkpoint'] as const) {
      const res = await t.call('GET', '/ui/trucks', {
        headers: { cookie: `tx_session=${await t.tokenFor(role)}` },
      })
      expect(res.status, role).toBe(403)
    }
  })
})
