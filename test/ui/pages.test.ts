import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'
import { words } from '../../src/ui/i18n.ts'

/**
 * The pages read through the repositories the API uses: what a page lists is what the API lists
 * for the same question, in the same order, and a firm's pages show only what its API calls may.
 */
describe('the pages, beside the API', () => {
  let t: TestApp
  let loopId: string
  let passNumber: string
  let plate: string
  let otherFirm: string
  const page = async (path: string, token: string) =>
    t.call('GET', path, { headers: { cookie: `tx_session=${token}` } })

  beforeAll(async () => {
    t = await buildTestApp()
    const opened = await openLoop(t)
    loopId = opened.loopId
    passNumber = opened.pass.number
    plate = opened.pass.plate
    // A positive result opens an alert; a second loop without one is open beside it.
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'RT-1', tests: ['pcr'] }),
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'positive' })])
    await openLoop(t, { plate: '浙A54321' })
    const other = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'pages-other-firm',
        password: 'other-firm-password',
        role: 'enterprise',
        enterprise_id: 'demo-ent-2',
      },
    })
    expect(other.status, other.text).toBe(201)
    otherFirm = await t.login('pages-other-firm', 'other-firm-password')
  })

  it('the loop page lists the events in the order the API gives them, and the loop’s alerts', async () => {
    const api = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'coordinator' })).json
    const html = (await page(`/ui/loops/${loopId}`, await t.tokenFor('coordinator'))).text
    const kinds = api.events.map((e: { kind: string }) => e.kind)
    expect(kinds).toEqual(['arrived', 'sampled', 'released', 'pcr_result'])
    // The events table (the first on the page): one row per event, its kind in the second cell.
    const events = html.slice(html.indexOf('<tbody>'), html.indexOf('</tbody>'))
    expect([...events.matchAll(/<tr><td>[^<]*<\/td><td>([^<]*)<\/td>/g)].map((m) => m[1])).toEqual(
      kinds.map((k: string) => words('zh', k)),
    )
    // The alerts table: the loop's one alert.
    expect(api.alerts).toHaveLength(1)
    expect(html.slice(html.lastIndexOf('<tbody>'))).toContain(words('zh', 'pcr_positive'))
  })

  it('the alerts page shows the active alerts the API lists, most urgent first, with their plates', async () => {
    const api = (await t.call('GET', '/api/v1/alerts?status=active', { as: 'coordinator' }))
      .json as { id: string }[]
    const html = (await page('/ui/alerts', await t.tokenFor('coordinator'))).text
    const shown = [...html.matchAll(/data-alert="([^"]+)"/g)].map((m) => m[1])
    expect(shown).toEqual(api.map((a) => a.id))
    expect(shown.length).toBeGreaterThan(0)
    expect(html).toContain(words('zh', 'pcr_positive'))
    expect(html).toContain(`>${plate}<`)
  })

  it('the open-loops board puts the alerting loop first', async () => {
    const html = (await page('/ui/loops', await t.tokenFor('coordinator'))).text
    expect(html.indexOf(`/ui/loops/${loopId}`)).toBeGreaterThan(0)
    expect(html.indexOf(`/ui/loops/${loopId}`)).toBeLessThan(html.indexOf('浙A54321'))
  })

  it('a firm’s passes page lists the passes the API gives it, and another firm none of them', async () => {
    const own = (await t.call('GET', '/api/v1/passes', { as: 'enterprise' })).json as {
      number: string
    }[]
    const shown = (html: string) =>
      [...html.matchAll(/href="\/ui\/passes\/(\d+)"/g)].map((m) => m[1])
    expect(shown((await page('/ui/passes', await t.tokenFor('enterprise'))).text)).toEqual(
      own.map((p) => p.number),
    )
    expect(own.map((p) => p.number)).toContain(passNumber)
    expect(shown((await page('/ui/passes', otherFirm)).text)).toEqual([])
  })

  it('a pass page is shown to its firm and a coordinator, and is 404 to another firm, as the API answers', async () => {
    expect((await page(`/ui/passes/${passNumber}`, await t.tokenFor('enterprise'))).status).toBe(
      200,
    )
    expect((await page(`/ui/passes/${passNumber}`, await t.tokenFor('coordinator'))).status).toBe(
      200,
    )
    expect((await page(`/ui/passes/${passNumber}`, otherFirm)).status).toBe(404)
    expect(
      (await t.call('GET', `/api/v1/passes/${passNumber}`, { as: { token: otherFirm } })).status,
    ).toBe(404)
  })

  it('the scan page offers the staff’s own checkpoints, the apply page the open stations', async () => {
    const scanPage = (await page('/ui/scan', await t.tokenFor('checkpoint'))).text
    const offered = [...scanPage.matchAll(/<option value="([^"]+)" data-kind/g)].map((m) => m[1])
    expect(offered).toEqual(['HZ-DEST-BJ', 'HZ-G60-XS', 'HZ-TS-XS'])
    const stations = (await t.call('GET', '/api/v1/stations?open=true', { as: 'enterprise' }))
      .json as { code: string }[]
    const applyPage = (await page('/ui/apply', await t.tokenFor('enterprise'))).text
    for (const s of stations) expect(applyPage).toContain(`value="${s.code}"`)
  })
})
