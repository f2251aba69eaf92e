import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'
import { REJECTION_CODES } from '../../src/applications/rejection-reasons.ts'

/**
 * Rejections pick a reason from a published list, plus free text (issue 19): every shape a client
 * sends — code only, code and text, text alone as older clients send it — and `other` without its
 * text refused; the code audited; the firm shown the words in its language.
 */
const textOf = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')

describe('rejection reasons', () => {
  let t: TestApp
  let plates = 0
  const submit = async () => {
    const res = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: `沪D2000${plates++}` }),
    })
    expect(res.status, res.text).toBe(201)
    return res.json.id as string
  }
  const reject = (id: string, body: unknown) =>
    t.call('POST', `/api/v1/applications/${id}/reject`, { as: 'coordinator', body })

  beforeAll(async () => {
    t = await buildTestApp()
  })

  it('publishes the list to every signed-in role, both languages in each entry', async () => {
    for (const role of ['enterprise', 'checkpoint', 'coordinator', 'admin'] as const) {
      const res = await t.call('GET', '/api/v1/applications/rejection-reasons', { as: role })
      expect(res.status, role).toBe(200)
      expect(res.json.map((r: { code: string }) => r.code)).toEqual(REJECTION_CODES)
    }
    const zh = await t.call('GET', '/api/v1/applications/rejection-reasons', {
      as: 'enterprise',
      headers: { 'accept-language': 'zh-CN' },
    })
    const en = await t.call('GET', '/api/v1/applications/rejection-reasons', { as: 'enterprise' })
    expect(zh.json).toEqual(en.json)
    expect(zh.json).toContainEqual({
      code: 'incomplete_documents',
      text_zh: '材料不全',
      text_en: 'Documents incomplete',
    })
    expect(
      (await t.call('GET', '/api/v1/applications/rejection-reasons', { as: null })).status,
    ).toBe(401)
  })

  it('takes a code alone', async () => {
    const res = await reject(await submit(), { reason_code: 'incomplete_documents' })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toMatchObject({
      status: 'rejected',
      reason_code: 'incomplete_documents',
      decision_reason: null,
    })
  })

  it('takes a code with free text', async () => {
    const res = await reject(await submit(), {
      reason_code: 'route_not_allowed',
      reason: '高风险地区车辆须前往中转站',
    })
    expect(res.json).toMatchObject({
      reason_code: 'route_not_allowed',
      decision_reason: '高风险地区车辆须前往中转站',
    })
  })

  it('takes free text alone, as older clients send it, as the reason other', async () => {
    const id = await submit()
    const res = await reject(id, { reason: '车辆信息与行驶证不符' })
    expect(res.status, res.text).toBe(200)
    expect(res.json).toMatchObject({
      reason_code: 'other',
      decision_reason: '车辆信息与行驶证不符',
    })
    const seen = await t.call('GET', `/api/v1/applications/${id}`, { as: 'enterprise' })
    expect(seen.json).toMatchObject({
      reason_code: 'other',
      decision_reason: '车辆信息与行驶证不符',
    })
  })

  it('refuses other without text, no reason at all, and an unknown code (400), and leaves the application waiting', async () => {
    const id = await submit()
    for (const body of [{ reason_code: 'other' }, {}, { reason_code: 'other', reason: ' ' }]) {
      const res = await reject(id, body)
      expect([res.status, res.json.error.code], JSON.stringify(body)).toEqual([
        400,
        'invalid_input',
      ])
      expect(res.json.error.details.map((d: { field: string }) => d.field)).toContain('reason')
    }
    const unknown = await reject(id, { reason_code: 'bad_weather', reason: '大雾' })
    expect([unknown.status, unknown.json.error.details[0].field]).toEqual([400, 'reason_code'])
    const zh = await t.call('POST', `/api/v1/applications/${id}/reject`, {
      as: 'coordinator',
      body: { reason_code: 'other' },
      headers: { 'accept-language': 'zh-CN' },
    })
    expect(JSON.stringify(zh.json.error.details)).toContain('其他原因')
    expect(
      (await t.call('GET', `/api/v1/applications/${id}`, { as: 'coordinator' })).json.status,
    ).toBe('submitted')
  })

  it('audits the reason code with the text', async () => {
    const id = await submit()
    await reject(id, { reason_code: 'vehicle_has_open_loop', reason: '上次入城尚未闭环' })
    const log = (await t.call('GET', '/api/v1/audit/log?limit=1000', { as: 'coordinator' }))
      .json as { action: string; subject: string; after?: unknown }[]
    const entry = log.find(
      (e) => e.action === 'application.reject' && e.subject === `application:${id}`,
    )
    expect(entry?.after).toEqual({
      status: 'rejected',
      reason_code: 'vehicle_has_open_loop',
      reason: '上次入城尚未闭环',
    })
  })
})

describe('where the firm’s application stands, in words', () => {
  let t: TestApp
  let firm: string
  const row = async (plate: string, lang: 'zh' | 'en') => {
    const html = (
      await t.call('GET', `/ui/passes${lang === 'en' ? '?lang=en' : ''}`, {
        headers: { cookie: `tx_session=${firm}` },
      })
    ).text
    // The applications table only (an approved one's plate is in the passes table too).
    const table = html.slice(
      html.indexOf(`aria-label="${lang === 'en' ? 'Applications' : '申请'}"`),
    )
    const rows = table.split('<tr>').filter((r) => r.includes(plate))
    expect(rows).toHaveLength(1)
    return textOf(rows[0])
  }

  beforeAll(async () => {
    t = await buildTestApp()
    firm = await t.tokenFor('enterprise')
    const submit = async (plate: string) =>
      (
        await t.call('POST', '/api/v1/applications', {
          as: 'enterprise',
          body: applicationBody({ plate }),
        })
      ).json.id as string
    const coded = await submit('浙A30001')
    const codeOnly = await submit('浙A30002')
    await submit('浙A30003')
    const approved = await submit('浙A30004')
    await t.call('POST', `/api/v1/applications/${coded}/reject`, {
      as: 'coordinator',
      body: { reason_code: 'incomplete_documents', reason: '缺少装货清单' },
    })
    await t.call('POST', `/api/v1/applications/${codeOnly}/reject`, {
      as: 'coordinator',
      body: { reason_code: 'cargo_not_eligible' },
    })
    const pass = await t.call('POST', `/api/v1/applications/${approved}/approve`, {
      as: 'coordinator',
    })
    expect(pass.status, pass.text).toBe(201)
    t.clock.advance(2 * 3_600_000)
  })

  it('says a rejection with its reason in words and the coordinator’s text', async () => {
    expect(await row('浙A30001', 'zh')).toContain('已驳回：材料不全 — 缺少装货清单')
    expect(await row('浙A30001', 'en')).toContain('Rejected: Documents incomplete — 缺少装货清单')
    const codeOnly = await row('浙A30002', 'zh')
    expect(codeOnly).toContain('已驳回：货物不属于保障范围')
    expect(codeOnly).not.toContain('—')
    expect(await row('浙A30002', 'en')).toContain('Rejected: Cargo not eligible for a pass')
  })

  it('says how long a waiting application has waited, and that an approved one is approved', async () => {
    expect(await row('浙A30003', 'zh')).toContain('等待审批，已等待 2 小时 0 分')
    expect(await row('浙A30003', 'en')).toContain('Waiting for approval for 2 h 0 min')
    expect(await row('浙A30004', 'zh')).toContain('已批准')
    expect(await row('浙A30004', 'en')).toContain('Approved')
  })

  it('offers the coordinator the reasons as a choice, in words, beside the free text', async () => {
    await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '浙A30005' }),
    })
    const html = (
      await t.call('GET', '/ui/queue', {
        headers: { cookie: `tx_session=${await t.tokenFor('coordinator')}` },
      })
    ).text
    const select = html.slice(html.indexOf('name="reason_code"'), html.indexOf('</select>'))
    expect([...select.matchAll(/<option value="([^"]+)"/g)].map((m) => m[1])).toEqual(
      REJECTION_CODES,
    )
    expect(select).toContain('>材料不全</option>')
    expect(html).toMatch(/name="reason"(?![^>]*required)/)
  })
})
