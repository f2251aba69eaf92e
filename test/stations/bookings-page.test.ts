import { beforeAll, describe, expect, it } from 'vitest'
import { sql } from 'kysely'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'
import { decodeEntities } from '../ui/support/visible-text.ts'

/** The words of some HTML, tags dropped. */
const visibleText = (html: string) =>
  decodeEntities(html.replace(/<[^>]*>/g, ' ')).replace(/\s+/g, ' ')

/**
 * The pass page's "book an arrival slot" (issue 20): the firm sees its booking and the day's slots
 * with room, in Chinese and English, with forms for the generic script; a closed station is said
 * in words. The clock starts at 2026-11-29 08:00Z (16:00 in China).
 */
describe('booking an arrival slot on the pass page', () => {
  let t: TestApp
  let pass: { number: string }
  const page = async (role: 'enterprise' | 'coordinator', query = '', lang: 'zh' | 'en' = 'zh') => {
    const res = await t.call('GET', `/ui/passes/${pass.number}${query}`, {
      headers: { cookie: `tx_session=${await t.tokenFor(role)}; tx_lang=${lang}` },
    })
    expect(res.status, res.text.slice(0, 300)).toBe(200)
    return res.text.slice(res.text.indexOf('<main'), res.text.indexOf('</main>'))
  }
  const section = (html: string) => {
    const start = html.indexOf('data-booking="true"')
    return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start))
  }

  beforeAll(async () => {
    t = await buildTestApp()
    await sql`UPDATE stations SET capacity_per_hour = 2 WHERE code = 'HZ-XS-01'`.execute(t.store.db)
    pass = await issuePass(t, { plate: '沪E20001' })
  })

  it('offers today’s slots still to come with room, and books through the API', async () => {
    const zh = section(await page('enterprise'))
    expect(visibleText(zh)).toContain('预约到站时段')
    expect(visibleText(zh)).toContain('尚未预约到站时段')
    expect(zh).toContain(`data-api="/api/v1/stations/HZ-XS-01/bookings"`)
    expect(zh).toContain(`name="pass_number" value="${pass.number}"`)
    // 16:00 China has started: the first slot offered is 17:00–18:00; the day ends at 23:00.
    const options = [...zh.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])
    expect(options[0]).toBe('2026-11-29T09:00:00.000Z')
    expect(options).toHaveLength(7)
    expect(visibleText(zh)).toContain('2026-11-29 17:00–18:00 · 剩余 2 个名额')

    // Fill 18:00 with two other passes: it is no longer offered.
    for (const plate of ['沪E20002', '沪E20003']) {
      const other = await issuePass(t, { plate })
      const res = await t.call('POST', '/api/v1/stations/HZ-XS-01/bookings', {
        as: 'enterprise',
        body: { pass_number: other.number, starts_at: '2026-11-29T10:00:00Z' },
      })
      expect(res.status, res.text).toBe(201)
    }
    const after = section(await page('enterprise'))
    expect(after).not.toContain('value="2026-11-29T10:00:00.000Z"')

    // Another day by `slot_date`.
    const tomorrow = section(await page('enterprise', '?slot_date=2026-11-30'))
    expect([...tomorrow.matchAll(/<option value=/g)]).toHaveLength(24)
  })

  it('shows the booking with move and cancel forms, in both languages', async () => {
    const made = await t.call('POST', '/api/v1/stations/HZ-XS-01/bookings', {
      as: 'enterprise',
      body: { pass_number: pass.number, starts_at: '2026-11-29T12:00:00Z' },
    })
    expect(made.status, made.text).toBe(201)
    const zh = section(await page('enterprise'))
    expect(visibleText(zh)).toContain('已预约：2026-11-29 20:00–21:00（北京时间）')
    expect(zh).toContain('data-api="/api/v1/bookings/{id}"')
    expect(zh).toContain('data-method="PATCH"')
    expect(zh).toContain('data-api="/api/v1/bookings/{id}/cancel"')
    expect(zh).toContain(`name="_path.id" value="${made.json.id}"`)
    const en = visibleText(section(await page('enterprise', '', 'en')))
    expect(en).toContain('Book an arrival slot')
    expect(en).toContain('Booked: 2026-11-29 20:00–21:00 (China time)')
    expect(en).toContain('Cancel the booking')
    // Coordinators see the pass, not the firm's booking forms.
    expect(section(await page('coordinator'))).toBe('')
  })

  it('says a closed station and its reason in words, with no booking form', async () => {
    await sql`UPDATE stations SET is_open = 0, closed_reason = '设备检修' WHERE code = 'HZ-XS-01'`.execute(
      t.store.db,
    )
    try {
      const zh = section(await page('enterprise'))
      expect(visibleText(zh)).toContain('该中转站已关闭，暂不能预约。原因：设备检修')
      expect(zh).not.toContain('data-booking-form')
      // The booking stays cancellable.
      expect(zh).toContain('data-booking-cancel')
    } finally {
      await sql`UPDATE stations SET is_open = 1, closed_reason = NULL WHERE code = 'HZ-XS-01'`.execute(
        t.store.db,
      )
    }
  })
})
