import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../../support/test-app.ts'

describe('the bulk-application page', () => {
  let t: TestApp
  let firm: string
  beforeAll(async () => {
    t = await buildTestApp()
    firm = await t.tokenFor('enterprise')
  })
  const page = (path: string, token = firm) =>
    t.call('GET', path, { headers: { cookie: `tx_session=${token}` } })

  it('is linked from the firm’s navigation and explains each column with an example', async () => {
    const home = await page('/ui/apply')
    expect(home.text).toContain('<a href="/ui/applications/bulk">批量申请</a>')
    const res = await page('/ui/applications/bulk')
    expect(res.status).toBe(200)
    expect(res.text).toContain('href="/api/v1/applications/bulk/template.csv?lang=zh"')
    expect(res.text).toContain('href="/api/v1/applications/bulk/template.csv?lang=en"')
    for (const text of ['车牌号', 'crew_id_number', '2026/12/5 8:00', '生活必需品'])
      expect(res.text).toContain(text)
    expect(res.text).toContain('<input id="bulk-file" name="file" type="file"')
    expect(res.text).toContain('/ui/assets/bulk.js')
    const en = await page('/ui/applications/bulk?lang=en')
    expect(en.text).toContain('<a href="/ui/applications/bulk" aria-current="page">Bulk apply</a>')
    expect(en.text).toContain('Daily necessities')
  })

  it('is for enterprise accounts only', async () => {
    const coordinator = await t.tokenFor('coordinator')
    expect((await page('/ui/applications/bulk', coordinator)).status).toBe(403)
  })
})
