import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { event, issuePass, openLoop, sendEvents } from '../support/flow.ts'
import { words } from '../../src/ui/i18n.ts'

/**
 * The coordinator's daily pages (issue 16): the approval queue, the pass search, the alerts with
 * their filter, the loops with theirs. Read as the browser gets them, through app.request with a
 * session cookie.
 */
describe('the coordinator’s pages', () => {
  let t: TestApp
  let coordinator: string
  const page = async (path: string, token = coordinator) =>
    t.call('GET', path, { headers: { cookie: `tx_session=${token}` } })
  /** The values of `attribute` on the page, in page order. */
  const attributeValues = (html: string, attribute: string) =>
    [...html.matchAll(new RegExp(`${attribute}="([^"]+)"`, 'g'))].map((m) => m[1])

  let olderId: string
  let newerId: string
  let revoked: { number: string; plate: string }
  let kept: { number: string; plate: string }
  let alertLoop: string

  beforeAll(async () => {
    t = await buildTestApp()
    coordinator = await t.tokenFor('coordinator')
    // Two applications 3 h 20 min apart; the older one has two crew members.
    const older = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({
        plate: '沪B10001',
        crew: [
          { name: '张三', id_number: residentId(), phone: '13812345678' },
          { name: '李四', id_number: residentId('19900101', '456'), phone: '13987654321' },
        ],
      }),
    })
    expect(older.status, older.text).toBe(201)
    olderId = older.json.id
    t.clock.advance(200 * 60_000)
    const newer = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '沪B10002', valid_from: t.clock().toISOString() }),
    })
    expect(newer.status, newer.text).toBe(201)
    newerId = newer.json.id
    t.clock.advance(5 * 60_000)

    kept = await issuePass(t, { plate: '浙A70001', valid_from: t.clock().toISOString() })
    revoked = await issuePass(t, { plate: '浙A70002', valid_from: t.clock().toISOString() })
    const revoking = await t.call('POST', `/api/v1/passes/${revoked.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '企业申请注销' },
    })
    expect(revoking.status, revoking.text).toBe(200)

    // A positive result opens an alert, which a coordinator then resolves with a note.
    const opened = await openLoop(t, { plate: '浙A70003', valid_from: t.clock().toISOString() })
    alertLoop = opened.loopId
    await sendEvents(t, [
      event(t, alertLoop, 'sampled', { tube_code: 'RT-9', tests: ['pcr'] }),
      event(t, alertLoop, 'pcr_result', { result: 'positive' }),
    ])
    const alerts = await t.call('GET', '/api/v1/alerts?status=open', { as: 'coordinator' })
    const alert = (alerts.json as { id: string; loop_id: string }[]).find(
      (a) => a.loop_id === alertLoop,
    )!
    const resolved = await t.call('POST', `/api/v1/alerts/${alert.id}/resolve`, {
      as: 'coordinator',
      body: { note: '已移交卫健部门', outcome: 'handled_off_loop' },
    })
    expect(resolved.status, resolved.text).toBe(200)
  })

  it('lists the queue oldest first, with submission time, age, names with risk, firm and crew count', async () => {
    const html = (await page('/ui/queue')).text
    expect(attributeValues(html, 'data-application')).toEqual([olderId, newerId])
    const [first, second] = html.split('data-application=').slice(1)
    // The first was submitted at the clock's start (08:00Z), the second 200 minutes later.
    const waited = Math.floor((t.clock().getTime() - Date.parse('2026-11-29T08:00:00Z')) / 60_000)
    const inWords = (m: number) =>
      m >= 60 ? `已等待 ${Math.floor(m / 60)} 小时 ${m % 60} 分` : `已等待 ${m} 分`
    expect(waited).toBeGreaterThan(200)
    expect(first).toContain(inWords(waited))
    expect(second).toContain(inWords(waited - 200))
    // Submitted at 08:00 UTC: 16:00 in China.
    expect(first).toContain('提交时间 2026-11-29 16:00')
    expect(first).toContain('上海市浦东新区')
    expect(first).toContain(words('zh', 'high'))
    expect(first).toContain('萧山空港物资中转站')
    expect(first).toContain('杭州萧山民生物流有限公司')
    expect(first).toContain(words('zh', 'daily_necessities'))
    expect(first).toMatch(/data-crew-count[^>]*>共 2 人</)
    expect(first).toContain('data-done="已批准，通行证编号 {number}"')
  })

  it('shows no crew ID numbers or phones in the queue, not even masked ones', async () => {
    const html = (await page('/ui/queue')).text
    for (const secret of [residentId(), residentId('19900101', '456'), '13812345678'])
      expect(html).not.toContain(secret)
    expect(html).not.toMatch(/\d{6}\*{8}\d{3}[\dX]/)
    expect(html).not.toContain('李四')
  })

  it('links the pass just approved when the approve form comes back to the queue', async () => {
    const html = (await page(`/ui/queue?approved=${kept.number}`)).text
    expect(html).toContain(`href="/ui/passes/${kept.number}"`)
    // Anything but a pass number is ignored, not echoed.
    expect((await page('/ui/queue?approved=%3Cscript%3E')).text).not.toContain('data-approved')
  })

  it('finds passes by plate, number, firm and status, as GET /api/v1/passes does', async () => {
    const shown = async (query: string) =>
      attributeValues((await page(`/ui/passes?${query}`)).text, 'data-pass')
    const api = async (query: string) =>
      (
        (await t.call('GET', `/api/v1/passes?${query}`, { as: 'coordinator' })).json as {
          number: string
        }[]
      ).map((p) => p.number)

    expect(await shown('')).toEqual(await api(''))
    expect(await shown('')).toEqual(expect.arrayContaining([kept.number, revoked.number]))
    expect(await shown(`plate=${encodeURIComponent('浙a 70001')}`)).toEqual([kept.number])
    expect(await shown(`number=${kept.number}`)).toEqual([kept.number])
    // The API takes the same number filter, and refuses one that is not digits.
    expect(await api(`number=${kept.number}`)).toEqual([kept.number])
    const bad = await t.call('GET', '/api/v1/passes?number=12ab', { as: 'coordinator' })
    expect(bad.status).toBe(400)
    expect(await shown(`number=${kept.number.slice(0, 6)}`)).toEqual(
      await api(`number=${kept.number.slice(0, 6)}`),
    )
    expect(await shown('status=revoked')).toEqual([revoked.number])
    expect(await shown('status=revoked')).toEqual(await api('status=revoked'))
    expect(await shown('firm=demo-ent-2')).toEqual([])
    expect(await shown('firm=demo-ent-1&status=active')).not.toContain(revoked.number)
  })

  it('says what is wrong with a search instead of listing nothing silently', async () => {
    const html = (await page('/ui/passes?number=12ab')).text
    expect(html).toContain('通行证编号只含数字')
    expect(html).toContain('aria-invalid="true"')
  })

  it('offers revoking an active pass only, asking first, with the revocation reason shown', async () => {
    const html = (await page('/ui/passes')).text
    expect(attributeValues(html, 'data-revoke')).toContain(kept.number)
    expect(attributeValues(html, 'data-revoke')).not.toContain(revoked.number)
    expect(html).toContain(`data-confirm="撤销通行证 ${kept.number}？`)
    expect(html).toContain('企业申请注销')
    // The pass page too.
    const passPage = (await page(`/ui/passes/${kept.number}`)).text
    expect(passPage).toContain(`data-api="/api/v1/passes/${kept.number}/revoke"`)
    // Not for the firm that holds it.
    const firmView = (await page(`/ui/passes/${kept.number}`, await t.tokenFor('enterprise'))).text
    expect(firmView).not.toContain('/revoke"')
  })

  it('pages the pass list by the API’s limit and offset, with the total', async () => {
    for (let i = 0; i < 51; i++)
      await issuePass(t, {
        plate: `苏E${String(10000 + i)}`,
        valid_from: t.clock().toISOString(),
      })
    const first = (await page('/ui/passes')).text
    const total = Number(
      (await t.call('GET', '/api/v1/passes?limit=1', { as: 'coordinator' })).headers.get(
        'x-total-count',
      ),
    )
    expect(attributeValues(first, 'data-pass')).toHaveLength(50)
    expect(first).toContain(`第 1–50 条，共 ${total} 条`)
    expect(first).toContain('href="/ui/passes?offset=50"')
    const second = (await page('/ui/passes?offset=50')).text
    expect(attributeValues(second, 'data-pass')).toEqual(
      (
        (await t.call('GET', '/api/v1/passes?offset=50', { as: 'coordinator' })).json as {
          number: string
        }[]
      ).map((p) => p.number),
    )
  })

  it('keeps resolved alerts out of the default view and shows them under 已处置 with who, note and outcome', async () => {
    const active = (await page('/ui/alerts')).text
    expect(active).not.toContain('浙A70003')
    const resolved = (await page('/ui/alerts?status=resolved')).text
    const card = resolved.slice(resolved.indexOf('data-alert='))
    expect(card).toContain('浙A70003')
    expect(card).toContain(words('zh', 'pcr_positive'))
    expect(card).toContain('专班 ')
    expect(card).toContain('已移交卫健部门')
    expect(card).toContain(words('zh', 'handled_off_loop'))
    expect(card).toContain(`href="/ui/loops/${alertLoop}"`)
    // A resolved alert offers no more decisions.
    expect(card).not.toContain('/resolve"')
    expect((await page('/ui/alerts?status=all')).text).toContain('浙A70003')
  })

  it('filters loops by plate and by checkpoint, picked by name', async () => {
    const byPlate = (await page(`/ui/loops?state=all&plate=${encodeURIComponent('浙A70003')}`)).text
    expect(attributeValues(byPlate, 'data-loop')).toEqual([alertLoop])
    const form = (await page('/ui/loops')).text
    expect(form).toMatch(/<option value="HZ-G60-XS"[^>]*>G60 沪昆高速萧山出口<\/option>/)
    const elsewhere = (await page('/ui/loops?state=all&checkpoint=HZ-G92-YH')).text
    expect(attributeValues(elsewhere, 'data-loop')).toEqual([])
    const here = (await page('/ui/loops?state=all&checkpoint=HZ-G60-XS')).text
    expect(attributeValues(here, 'data-loop')).toContain(alertLoop)
  })

  it('shows a loop’s events with checkpoint names and flags in words, and the close form', async () => {
    const { loopId } = await openLoop(t, { plate: '浙A70004', valid_from: t.clock().toISOString() })
    // Released before being sampled: kept and flagged `not_sampled`.
    await sendEvents(t, [event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' })])
    const html = (await page(`/ui/loops/${loopId}`)).text
    expect(html).toContain('G60 沪昆高速萧山出口')
    expect(html).toContain(words('zh', 'not_sampled'))
    expect(html).not.toContain('>not_sampled<')
    expect(html).toContain(`data-api="/api/v1/loops/${loopId}/close"`)
    expect(html).toContain('data-confirm=')
  })

  it('strikes through a result withdrawn within the minute, and says so', async () => {
    const { loopId } = await openLoop(t, { plate: '浙A70005', valid_from: t.clock().toISOString() })
    const sampled = event(t, loopId, 'sampled', { tube_code: 'RT-5', tests: ['pcr', 'antigen'] })
    const result = event(t, loopId, 'antigen_result', { result: 'positive' })
    const at = new Date(Date.parse(result.at) + 20_000).toISOString()
    const withdrawn = event(t, loopId, 'result_corrected', { event_id: result.id }, at)
    const sent = await sendEvents(t, [sampled, result, withdrawn])
    expect(sent.json.results.map((r: { status: string }) => r.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
    ])
    const html = (await page(`/ui/loops/${loopId}`)).text
    const struck = [...html.matchAll(/<tr class="corrected">(.*?)<\/tr>/g)].map((m) => m[1])
    expect(struck).toHaveLength(1)
    expect(struck[0]).toContain(`<s>${words('zh', 'antigen_result')}</s>`)
    expect(struck[0]).toContain('已在一分钟内撤回')
  })

  it('is for coordinators: other roles get 403, and a firm keeps its own passes page', async () => {
    const firm = await t.tokenFor('enterprise')
    const staff = await t.tokenFor('checkpoint')
    for (const path of ['/ui/queue', '/ui/alerts', '/ui/loops']) {
      expect((await page(path, firm)).status, path).toBe(403)
      expect((await page(path, staff)).status, path).toBe(403)
    }
    expect((await page('/ui/passes', staff)).status).toBe(403)
    const own = await page('/ui/passes', firm)
    expect(own.status).toBe(200)
    expect(own.text).not.toContain('role="search"')
  })
})
