import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { issuePass } from '../support/flow.ts'
import { words } from '../../src/ui/i18n.ts'

/**
 * The firm's pages (issue 16, Enterprise): places by name, what the firm can do with each
 * application, its arrival reports — and never another firm's data, whatever it asks.
 */
describe('the enterprise pages', () => {
  let t: TestApp
  let firm: string
  let otherFirm: string
  let passNumber: string
  let submittedId: string
  let rejectedId: string
  let otherApplicationId: string
  let otherPassNumber: string
  let otherReportId: string
  let onTimeReportId: string
  let lateReportId: string
  const page = async (path: string, token: string) =>
    t.call('GET', path, { headers: { cookie: `tx_session=${token}` } })
  const hour = 3_600_000
  const reportBody = (plate: string, fromHours: number, passNumber?: string) => ({
    plate,
    ...(passNumber ? { pass_number: passNumber } : {}),
    checkpoint_code: 'HZ-G60-XS',
    expected_from: new Date(t.clock().getTime() + fromHours * hour).toISOString(),
    expected_until: new Date(t.clock().getTime() + (fromHours + 4) * hour).toISOString(),
    crew: [{ name: '王五', id_number: residentId('19800101', '111'), phone: '13700001111' }],
  })
  /** The rows of the table labelled `label`, as raw HTML, one string a row. */
  const rowsOf = (html: string, label: string) => {
    const start = html.indexOf(`<table aria-label="${label}">`)
    if (start < 0) return []
    const body = html.slice(html.indexOf('<tbody>', start), html.indexOf('</tbody>', start))
    return body.split('<tr>').slice(1)
  }

  beforeAll(async () => {
    t = await buildTestApp()
    firm = await t.tokenFor('enterprise')
    const pass = await issuePass(t)
    passNumber = pass.number
    const submitted = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙A11111', origin_region_code: '320583' }),
    })
    expect(submitted.status, submitted.text).toBe(201)
    submittedId = submitted.json.id
    const rejected = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙A22222' }),
    })
    rejectedId = rejected.json.id
    expect(
      (
        await t.call('POST', `/api/v1/applications/${rejectedId}/reject`, {
          as: 'coordinator',
          body: { reason: '路线与目的地不符' },
        })
      ).status,
    ).toBe(200)

    const account = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'other-firm',
        password: 'other-firm-password',
        role: 'enterprise',
        enterprise_id: 'demo-ent-2',
      },
    })
    expect(account.status, account.text).toBe(201)
    otherFirm = await t.login('other-firm', 'other-firm-password')
    const other = await t.call('POST', '/api/v1/applications', {
      as: { token: otherFirm },
      body: applicationBody({ plate: '苏E99999' }),
    })
    expect(other.status, other.text).toBe(201)
    otherApplicationId = other.json.id
    const otherPass = await t.call('POST', `/api/v1/applications/${otherApplicationId}/approve`, {
      as: 'coordinator',
    })
    otherPassNumber = otherPass.json.number
    const otherReport = await t.call('POST', '/api/v1/arrival-reports', {
      as: { token: otherFirm },
      body: reportBody('苏E99999', 30),
    })
    expect(otherReport.status, otherReport.text).toBe(201)
    otherReportId = otherReport.json.id

    const onTime = await t.call('POST', '/api/v1/arrival-reports', {
      as: 'enterprise',
      body: reportBody('沪A12345D', 30, passNumber),
    })
    expect(onTime.status, onTime.text).toBe(201)
    onTimeReportId = onTime.json.id
    const late = await t.call('POST', '/api/v1/arrival-reports', {
      as: 'enterprise',
      body: reportBody('沪A12345D', 2),
    })
    expect(late.json.reported_late).toBe(true)
    lateReportId = late.json.id
  })

  it('names origin and destination (with the risk level) and cargo in words, never as codes', async () => {
    const html = (await page('/ui/passes', firm)).text
    const rows = rowsOf(html, '申请')
    expect(rows).toHaveLength(3)
    const text = rows.join('')
    expect(text).toContain('上海市浦东新区')
    expect(text).toContain(words('zh', 'high'))
    expect(text).toContain('萧山空港物资中转站')
    expect(text).toContain(words('zh', 'daily_necessities'))
    for (const code of ['310115', '320583', 'HZ-XS-01', 'daily_necessities', 'submitted'])
      expect(text).not.toContain(`>${code}<`)
    expect(text).not.toMatch(/>[^<]*\b(310115|320583|HZ-XS-01)\b[^<]*</)
    // The passes table too.
    expect(rowsOf(html, '通行证').join('')).toContain('上海市浦东新区')
  })

  it('offers withdrawal only for a submitted application, links an approved one to its pass, says why one was rejected', async () => {
    const html = (await page('/ui/passes', firm)).text
    const withdrawable = [...html.matchAll(/data-withdraw="([^"]+)"/g)].map((m) => m[1])
    expect(withdrawable).toEqual([submittedId])
    expect(html).toContain(`data-api="/api/v1/applications/${submittedId}/withdraw"`)
    expect(html).toMatch(/data-confirm="[^"]+"/)
    expect(html).toContain(`href="/ui/passes/${passNumber}#pass-sheet"`)
    const rejected = rowsOf(html, '申请').find((r) => r.includes('浙A22222'))!
    expect(rejected).toContain('路线与目的地不符')
    expect(rejected).not.toContain('data-withdraw')

    const withdrawn = await t.call('POST', `/api/v1/applications/${submittedId}/withdraw`, {
      as: 'enterprise',
    })
    expect(withdrawn.status).toBe(200)
    const after = (await page('/ui/passes', firm)).text
    expect(after).not.toContain('data-withdraw')
    const row = rowsOf(after, '申请').find((r) => r.includes('浙A11111'))!
    expect(row).toContain(words('zh', 'withdrawn'))
    // The API's stored reason is English; the page says it in the page's language.
    expect(row).not.toContain('withdrawn by the applicant')
  })

  it('never shows another firm’s application, pass or report', async () => {
    const passes = (await page('/ui/passes', firm)).text
    expect(passes).not.toContain('苏E99999')
    expect(passes).not.toContain(otherPassNumber)
    expect(passes).not.toContain(otherApplicationId)
    expect((await page(`/ui/passes/${otherPassNumber}`, firm)).status).toBe(404)
    const reports = (await page('/ui/reports', firm)).text
    expect(reports).not.toContain('苏E99999')
    expect(reports).not.toContain(otherReportId)
    // Not even as the report just filed.
    const asked = await page(`/ui/reports?filed=${otherReportId}`, firm)
    expect(asked.status).toBe(200)
    expect(asked.text).not.toContain('data-filed')
    expect(asked.text).not.toContain('苏E99999')
  })

  it('lists only the firm’s own reports, with status, checkpoint name, masked crew and the late marker', async () => {
    const own = (await t.call('GET', '/api/v1/arrival-reports', { as: 'enterprise' })).json as {
      id: string
    }[]
    const html = (await page('/ui/reports', firm)).text
    const shown = [...html.matchAll(/data-report="([^"]+)"/g)].map((m) => m[1])
    expect(shown.sort()).toEqual(own.map((r) => r.id).sort())
    expect(shown.sort()).toEqual([onTimeReportId, lateReportId].sort())
    const rows = rowsOf(html, '本企业的报备')
    const late = rows.find((r) => r.includes(lateReportId))!
    const onTime = rows.find((r) => r.includes(onTimeReportId))!
    expect(late).toContain('data-reported-late')
    expect(late).toContain('迟报')
    expect(onTime).not.toContain('data-reported-late')
    for (const row of rows) {
      expect(row).toContain('G60 沪昆高速萧山出口')
      expect(row).not.toContain('HZ-G60-XS')
      expect(row).toContain(words('zh', 'expected'))
      expect(row).toContain('王*')
      expect(row).not.toContain('王五')
      expect(row).toMatch(/330702\*{8}\d{3}[\dX]/)
      expect(row).toContain('137****1111')
      expect(row).not.toContain(residentId('19800101', '111'))
    }
    // The other firm sees its own report only.
    const other = (await page('/ui/reports', otherFirm)).text
    expect([...other.matchAll(/data-report="([^"]+)"/g)].map((m) => m[1])).toEqual([otherReportId])
  })

  it('says right after filing whether the report was on time or late', async () => {
    const late = (await page(`/ui/reports?filed=${lateReportId}`, firm)).text
    expect(late).toContain(`data-filed="${lateReportId}"`)
    expect(late).toContain('data-late="true"')
    expect(late).toContain('标记为迟报')
    const onTime = (await page(`/ui/reports?filed=${onTimeReportId}&lang=en`, firm)).text
    expect(onTime).toContain('data-late="false"')
    expect(onTime).toContain('Filed on time')
  })

  it('offers only entry checkpoints and the firm’s own valid passes in the report form', async () => {
    const html = (await page('/ui/reports', firm)).text
    const checkpoints = [...html.matchAll(/<option value="(HZ-[^"]+)"/g)].map((m) => m[1])
    expect(checkpoints.sort()).toEqual(['HZ-G60-XS', 'HZ-G92-YH', 'HZ-RD-104'])
    expect(html).toContain(`<option value="${passNumber}"`)
    expect(html).not.toContain(`<option value="${otherPassNumber}"`)
  })

  it('prints the firm’s name and the issuing authority in words on the pass', async () => {
    const html = (await page(`/ui/passes/${passNumber}`, firm)).text
    expect(html).toMatch(/data-firm[^>]*>.*杭州萧山民生物流有限公司/s)
    expect(html).toMatch(/data-issuer[^>]*>.*杭州市疫情防控指挥部/s)
    // A coordinator sees the applicant firm's name, not its own.
    const coordinator = (await page(`/ui/passes/${passNumber}`, await t.tokenFor('coordinator')))
      .text
    expect(coordinator).toMatch(/data-firm[^>]*>.*杭州萧山民生物流有限公司/s)
  })

  it('offers the medium- and high-risk counties by name in the apply form', async () => {
    const html = (await page('/ui/apply?lang=en', firm)).text
    expect(html).toMatch(/<option value="310115"[^>]*>上海市浦东新区 \(High risk\)</i)
    expect(html).toContain('data-done=')
  })
})
