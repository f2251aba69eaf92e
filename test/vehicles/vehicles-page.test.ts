import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import { visibleText } from '../ui/support/visible-text.ts'

/**
 * /ui/vehicles and the apply form's vehicle picker: the firm's own vehicles with their kind in
 * words and the crew masked, in Chinese and English; a firm with none is pointed to /ui/vehicles.
 */
describe('the vehicles page and the apply form’s picker', () => {
  let t: TestApp
  let otherFirm: string
  const ID = residentId('19770707', '613')
  const page = async (token: string, path: string, lang: 'zh' | 'en' = 'zh') => {
    const res = await t.call('GET', path, {
      headers: { cookie: `tx_session=${token}; tx_lang=${lang}` },
    })
    expect(res.status, res.text.slice(0, 300)).toBe(200)
    return res.text.slice(res.text.indexOf('<main'), res.text.indexOf('</main>'))
  }

  beforeAll(async () => {
    t = await buildTestApp()
    for (const [plate, kind] of [
      ['沪K10001', 'refrigerated'],
      ['沪K10002', 'other'],
    ])
      expect(
        (
          await t.call('POST', '/api/v1/vehicles', {
            as: 'enterprise',
            body: { plate, kind, crew: [{ name: '孙师傅', id_number: ID, phone: '13544445555' }] },
          })
        ).status,
      ).toBe(201)
    await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'vehicles-page-other',
        password: 'other-firm-password',
        role: 'enterprise',
        enterprise_id: 'demo-ent-2',
      },
    })
    otherFirm = await t.login('vehicles-page-other', 'other-firm-password')
  })

  it('lists the firm’s vehicles with the kind in words and the crew masked, in both languages', async () => {
    const zh = await page(await t.tokenFor('enterprise'), '/ui/vehicles')
    expect(zh).toContain('沪K10001')
    expect(zh).toContain('冷藏车')
    expect(zh).toContain(`${ID.slice(0, 6)}********${ID.slice(-4)}`)
    expect(zh).toContain('135****5555')
    expect(zh).not.toContain(ID)
    expect(zh).toContain('data-confirm="删除车辆 沪K10001？')
    const en = await page(await t.tokenFor('enterprise'), '/ui/vehicles', 'en')
    expect(en).toContain('Refrigerated truck')
    // `other` is a vehicle kind here, not the rejection reason of the same code.
    expect(en).toContain('<td>Other</td>')
    for (const [lang, html] of [
      ['zh', zh],
      ['en', en],
    ] as const) {
      for (const piece of visibleText(html, lang).filter((p) => !p.data)) {
        expect(piece.text, `${lang} ${piece.where}`).not.toMatch(/\b[a-z]+_[a-z_]+\b/)
        // Plates shown as data may repeat where no markup can go (an aria-label).
        const words = piece.text.replace(/沪K1000\d|沪A12345D?/g, '')
        if (lang === 'en') expect(words, piece.where).not.toMatch(/\p{Script=Han}/u)
        else expect(words, piece.where).not.toMatch(/[A-Za-z]{3,}/)
      }
    }
  })

  it('offers the firm’s vehicles on the apply form, their crews masked and hidden until picked', async () => {
    const html = await page(await t.tokenFor('enterprise'), '/ui/apply')
    expect(html).toContain('从已保存的车辆开始')
    expect(html).toMatch(/<option value="[^"]+" data-plate="沪K10001"/)
    expect(html).toMatch(/<div data-saved-crew="[^"]+" hidden="">/)
    expect(html).toContain('135****5555')
    expect(html).not.toContain(ID)
    expect(html).toContain('data-crew-inputs')
  })

  it('shows another firm none of them, and points a firm without vehicles to /ui/vehicles', async () => {
    const list = await page(otherFirm, '/ui/vehicles')
    expect(list).not.toContain('沪K10001')
    const apply = await page(otherFirm, '/ui/apply', 'en')
    expect(apply).not.toContain('沪K10001')
    expect(apply).not.toContain('data-vehicle-picker')
    expect(apply).toContain('data-no-vehicles')
    expect(apply).toContain('href="/ui/vehicles"')
  })

  it('is the firm’s page only', async () => {
    const res = await t.call('GET', '/ui/vehicles', {
      headers: { cookie: `tx_session=${await t.tokenFor('coordinator')}` },
    })
    expect(res.status).toBe(403)
  })
})
