import { beforeAll, describe, expect, it, vi } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { issuePass } from '../support/flow.ts'
import type { CallOptions } from '../support/app-client.ts'
import { eraseApplications } from '../../src/personal-data/erase.ts'
import { visibleText } from '../ui/support/visible-text.ts'

/**
 * Issue 21, "who saw what": a coordinator sees a crew in full only through an explicit reveal with
 * a reason, recorded in the audit log (who, when, which record, why) before the answer; every other
 * answer keeps the crew masked, and erased data stays gone.
 */

const DRIVER = { name: '王建国', id_number: residentId('19900101', '234'), phone: '13912345678' }
const MATE = { name: '欧阳小明', id_number: residentId('19920202', '345'), phone: '13787654321' }
const FULL_VALUES = [
  DRIVER.name,
  DRIVER.id_number,
  DRIVER.phone,
  MATE.name,
  MATE.id_number,
  MATE.phone,
]

const REASON = 'Contact tracing: a positive case at the transfer station'

let t: TestApp
let pass: { number: string; application_id: string }
let reportId: string

const reveal = (body: unknown, as: CallOptions['as'] = 'coordinator') =>
  t.call('POST', '/api/v1/personal-data/reveals', { as, body })

beforeAll(async () => {
  t = await buildTestApp()
  pass = (await issuePass(t, { crew: [DRIVER, MATE] })) as unknown as typeof pass
  const now = t.clock().getTime()
  const report = await t.call('POST', '/api/v1/arrival-reports', {
    as: 'enterprise',
    body: {
      plate: '沪A12345D',
      pass_number: pass.number,
      checkpoint_code: 'HZ-G60-XS',
      expected_from: new Date(now + 30 * 3_600_000).toISOString(),
      expected_until: new Date(now + 40 * 3_600_000).toISOString(),
      crew: [DRIVER],
    },
  })
  expect(report.status, report.text).toBe(201)
  reportId = report.json.id
})

describe('POST /api/v1/personal-data/reveals', () => {
  it('answers the full crew of a pass, exactly as the firm submitted it, and not cacheable', async () => {
    const res = await reveal({
      record: { kind: 'pass', id: pass.number },
      reason: REASON,
      purpose: 'contact_tracing',
    })
    expect(res.status, res.text).toBe(201)
    expect(res.json.crew).toEqual([DRIVER, MATE])
    expect(res.json.record).toEqual({ kind: 'pass', id: pass.number })
    expect(res.json.purpose).toBe('contact_tracing')
    expect(res.json.revealed_at).toBe(t.clock().toISOString())
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  it('writes the audit entry personal.reveal: who, when, which record, why — no values', async () => {
    t.clock.advance(60_000)
    const res = await reveal({
      record: { kind: 'application', id: pass.application_id },
      reason: `  ${REASON}  `,
      purpose: 'identity_check',
    })
    expect(res.status, res.text).toBe(201)
    expect(res.json.crew).toEqual([DRIVER, MATE])
    const log = await t.call(
      'GET',
      `/api/v1/audit/log?subject=${encodeURIComponent(`application:${pass.application_id}`)}`,
      { as: 'coordinator' },
    )
    const entry = log.json.find((e: { seq: number }) => e.seq === res.json.id)
    expect(entry).toMatchObject({
      actor: 'coordinator:coordinator',
      action: 'personal.reveal',
      at: t.clock().toISOString(),
      subject: `application:${pass.application_id}`,
      after: { reason: REASON, purpose: 'identity_check', members: 2 },
    })
    for (const value of FULL_VALUES) expect(JSON.stringify(entry)).not.toContain(value)
  })

  it('reveals a pre-arrival report’s crew, and an admin may (an admin is a coordinator)', async () => {
    const res = await reveal(
      { record: { kind: 'arrival_report', id: reportId }, reason: REASON },
      'admin',
    )
    expect(res.status, res.text).toBe(201)
    expect(res.json.crew).toEqual([DRIVER])
    expect(res.json.purpose).toBe('other')
  })

  it('masks ID and phone numbers typed into the reason before it reaches the log', async () => {
    const res = await reveal({
      record: { kind: 'pass', id: pass.number },
      reason: `Caller gave ${DRIVER.phone} and ${DRIVER.id_number}`,
    })
    expect(res.status, res.text).toBe(201)
    const log = await t.call('GET', '/api/v1/personal-data/reveals?limit=1', { as: 'coordinator' })
    expect(log.json[0].id).toBe(res.json.id)
    expect(log.json[0].reason).toBe(
      `Caller gave 139****5678 and 330702********${DRIVER.id_number.slice(-4)}`,
    )
  })

  it('keeps a reason with nothing to mask as typed, Chinese punctuation included', async () => {
    const reason = '阳性司机密接追踪，需联系同车人员（复核）'
    const res = await reveal({ record: { kind: 'pass', id: pass.number }, reason })
    expect(res.status, res.text).toBe(201)
    const log = await t.call('GET', '/api/v1/personal-data/reveals?limit=1', { as: 'coordinator' })
    expect(log.json[0]).toMatchObject({ id: res.json.id, reason })
  })

  it.each([
    ['no reason', { record: { kind: 'pass', id: '330100000001' } }, 'reason'],
    [
      'a reason under 10 characters',
      { record: { kind: 'pass', id: '330100000001' }, reason: '  checking  ' },
      'reason',
    ],
    [
      'a reason over 500 characters',
      { record: { kind: 'pass', id: '330100000001' }, reason: 'x'.repeat(501) },
      'reason',
    ],
    ['an unknown kind', { record: { kind: 'vehicle', id: 'x' }, reason: REASON }, 'record.kind'],
    [
      'an unknown purpose',
      { record: { kind: 'pass', id: 'x' }, reason: REASON, purpose: 'curiosity' },
      'purpose',
    ],
  ])('refuses %s with 400, showing nothing', async (_what, body, field) => {
    const res = await reveal(body)
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_input')
    expect(res.json.error.details.map((d: { field: string }) => d.field)).toContain(field)
    expect(res.text).not.toContain(DRIVER.name)
  })

  it('refuses enterprises and checkpoint staff with 403, and anonymous callers with 401', async () => {
    const body = { record: { kind: 'pass', id: pass.number }, reason: REASON }
    for (const as of ['enterprise', 'checkpoint'] as const) {
      const res = await reveal(body, as)
      expect(res.status).toBe(403)
      expect(res.text).not.toContain(DRIVER.name)
    }
    expect((await reveal(body, null)).status).toBe(401)
  })

  it('answers 404 for an unknown record of each kind', async () => {
    for (const record of [
      { kind: 'pass', id: '330100999999' },
      { kind: 'application', id: crypto.randomUUID() },
      { kind: 'arrival_report', id: crypto.randomUUID() },
    ]) {
      const res = await reveal({ record, reason: REASON })
      expect(res.status, JSON.stringify(record)).toBe(404)
      expect(res.json.error.code).toBe('not_found')
    }
  })

  it('writes nothing and shows nothing when the audit entry cannot be written', async () => {
    const before = await t.call('GET', '/api/v1/personal-data/reveals', { as: 'coordinator' })
    // One line: D1's exec takes a statement per line.
    await t.store.exec(
      "CREATE TRIGGER refuse_reveal BEFORE INSERT ON audit_log WHEN NEW.action = 'personal.reveal' BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
    )
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const res = await reveal({ record: { kind: 'pass', id: pass.number }, reason: REASON })
      expect(res.status).toBe(500)
      for (const value of FULL_VALUES) {
        expect(res.text).not.toContain(value)
        expect(JSON.stringify(logged.mock.calls)).not.toContain(value)
      }
    } finally {
      logged.mockRestore()
      await t.store.exec('DROP TRIGGER refuse_reveal')
    }
    const after = await t.call('GET', '/api/v1/personal-data/reveals', { as: 'coordinator' })
    expect(after.headers.get('x-total-count')).toBe(before.headers.get('x-total-count'))
  })

  it('answers 410 personal_data_erased once the record’s personal data was erased', async () => {
    const other = (await issuePass(t, {
      plate: '沪B77777',
      crew: [MATE],
    })) as unknown as typeof pass
    const record = { kind: 'pass', id: other.number }
    expect((await reveal({ record, reason: REASON })).status).toBe(201)
    // As retention, a subject's request or decommission erase it.
    await t.store.atomic([
      eraseApplications(t.store.db, { ids: [other.application_id] }, t.clock().toISOString()),
    ])
    const res = await reveal({ record, reason: REASON })
    expect(res.status).toBe(410)
    expect(res.json.error.code).toBe('personal_data_erased')
    const zh = await t.call('POST', '/api/v1/personal-data/reveals', {
      as: 'coordinator',
      body: { record, reason: REASON },
      headers: { 'accept-language': 'zh-CN' },
    })
    expect(zh.json.error.message).toBe('该记录的个人信息已按保存期限规定删除')
  })

  it('answers 410 for a record marked erased even if its crew column were left', async () => {
    const other = (await issuePass(t, {
      plate: '沪B66666',
      crew: [MATE],
    })) as unknown as typeof pass
    await t.store.db
      .updateTable('applications')
      .set({ personal_erased_at: t.clock().toISOString() })
      .where('id', '=', other.application_id)
      .execute()
    const res = await reveal({
      record: { kind: 'application', id: other.application_id },
      reason: REASON,
    })
    expect(res.status).toBe(410)
  })
})

describe('every other answer keeps the crew masked', () => {
  it('never holds a full name, ID number or phone', async () => {
    expect(
      (await reveal({ record: { kind: 'pass', id: pass.number }, reason: REASON })).status,
    ).toBe(201)
    const reads = [
      ['coordinator', `/api/v1/passes/${pass.number}`],
      ['enterprise', `/api/v1/passes/${pass.number}`],
      ['coordinator', `/api/v1/applications/${pass.application_id}`],
      ['enterprise', `/api/v1/applications/${pass.application_id}`],
      ['coordinator', '/api/v1/applications'],
      ['coordinator', '/api/v1/arrival-reports'],
      ['enterprise', '/api/v1/arrival-reports'],
      ['coordinator', '/api/v1/audit/log?limit=1000'],
      ['coordinator', '/api/v1/personal-data/reveals'],
    ] as const
    for (const [as, path] of reads) {
      const res = await t.call('GET', path, { as })
      expect(res.status, `${as} ${path}`).toBe(200)
      for (const value of FULL_VALUES) expect(res.text, `${as} ${path}`).not.toContain(value)
    }
    // The masked forms are what they show.
    const shown = await t.call('GET', `/api/v1/passes/${pass.number}`, { as: 'coordinator' })
    expect(shown.json.crew.map((m: { name: string }) => m.name)).toEqual(['王*国', '欧**明'])
  })
})

describe('GET /api/v1/personal-data/reveals', () => {
  it('lists who saw which record, when and why, newest first, paged', async () => {
    const all = await t.call('GET', '/api/v1/personal-data/reveals?limit=500', {
      as: 'coordinator',
    })
    expect(all.status).toBe(200)
    const total = Number(all.headers.get('x-total-count'))
    expect(total).toBe(all.json.length)
    expect(total).toBeGreaterThanOrEqual(5)
    const ids = all.json.map((e: { id: number }) => e.id)
    expect(ids).toEqual([...ids].sort((a, b) => b - a))
    expect(all.json.some((e: { actor: string }) => e.actor === 'admin:admin')).toBe(true)
    expect(all.json).toContainEqual(
      expect.objectContaining({
        actor: 'coordinator:coordinator',
        record: { kind: 'application', id: pass.application_id },
        reason: REASON,
        purpose: 'identity_check',
        members: 2,
      }),
    )

    const first = await t.call('GET', '/api/v1/personal-data/reveals?limit=2', {
      as: 'coordinator',
    })
    expect(first.json).toEqual(all.json.slice(0, 2))
    expect(first.headers.get('x-total-count')).toBe(String(total))
    expect(first.headers.get('link')).toBe(
      '</api/v1/personal-data/reveals?limit=2&offset=2>; rel="next"',
    )
  })

  it('filters by actor (full or username) and by since', async () => {
    const byAdmin = await t.call('GET', '/api/v1/personal-data/reveals?actor=admin', {
      as: 'coordinator',
    })
    expect(byAdmin.json.length).toBeGreaterThan(0)
    expect(byAdmin.json.every((e: { actor: string }) => e.actor === 'admin:admin')).toBe(true)
    const full = await t.call('GET', '/api/v1/personal-data/reveals?actor=admin:admin', {
      as: 'coordinator',
    })
    expect(full.json).toEqual(byAdmin.json)

    t.clock.advance(3_600_000)
    const since = t.clock().toISOString()
    const none = await t.call('GET', `/api/v1/personal-data/reveals?since=${since}`, {
      as: 'coordinator',
    })
    expect(none.json).toEqual([])
    const res = await reveal({ record: { kind: 'pass', id: pass.number }, reason: REASON })
    const one = await t.call('GET', `/api/v1/personal-data/reveals?since=${since}`, {
      as: 'coordinator',
    })
    expect(one.json.map((e: { id: number }) => e.id)).toEqual([res.json.id])
    const day = await t.call('GET', '/api/v1/personal-data/reveals?since=2026-11-29', {
      as: 'coordinator',
    })
    expect(day.json.length).toBeGreaterThan(1)
  })

  it('refuses a since that is no real date, and other roles', async () => {
    const bad = await t.call('GET', '/api/v1/personal-data/reveals?since=2026-02-30', {
      as: 'coordinator',
    })
    expect(bad.status).toBe(400)
    for (const as of ['enterprise', 'checkpoint'] as const)
      expect((await t.call('GET', '/api/v1/personal-data/reveals', { as })).status).toBe(403)
  })
})

describe('the pages', () => {
  const page = async (path: string, as: 'coordinator' | 'enterprise' | 'checkpoint') =>
    t.call('GET', path, { headers: { cookie: `tx_session=${await t.tokenFor(as)}` } })

  it('offer coordinators "show full details" on a pass, with the crew masked in the HTML', async () => {
    const res = await page(`/ui/passes/${pass.number}`, 'coordinator')
    expect(res.status).toBe(200)
    expect(res.text).toContain('data-api="/api/v1/personal-data/reveals"')
    expect(res.text).toContain('value="pass"')
    expect(res.text).toContain('查看完整信息')
    expect(res.text).toContain('王*国')
    for (const value of FULL_VALUES) expect(res.text).not.toContain(value)
    const firm = await page(`/ui/passes/${pass.number}`, 'enterprise')
    expect(firm.status).toBe(200)
    expect(firm.text).not.toContain('/api/v1/personal-data/reveals')
  })

  it('list the reveals for coordinators in both languages, and refuse other roles', async () => {
    const zh = await page('/ui/personal-data', 'coordinator')
    expect(zh.status).toBe(200)
    expect(zh.text).toContain('个人信息查看记录')
    expect(zh.text).toContain(REASON)
    expect(zh.text).toContain('密接追踪')
    expect(zh.text).toContain(`href="/ui/passes/${pass.number}"`)
    for (const value of FULL_VALUES) expect(zh.text).not.toContain(value)
    const en = await page('/ui/personal-data?lang=en&actor=admin', 'coordinator')
    expect(en.text).toContain('Personal data views')
    expect(en.text).toContain('Pre-arrival report')
    // Only the admin's reveal (of the pre-arrival report) is listed.
    expect(en.text.match(/data-reveal="/g)).toHaveLength(1)
    // With entries listed, the words of ours are in the page's language (data aside).
    const words = (html: string, lang: 'zh' | 'en') =>
      visibleText(html, lang)
        .filter((p) => !p.data)
        .map((p) => p.text)
    expect(words(en.text, 'en').filter((w) => /\p{Script=Han}/u.test(w) && w !== '中文')).toEqual(
      [],
    )
    expect(
      words(zh.text, 'zh').filter((w) => /[A-Za-z]{2,}/.test(w.replace('English', ''))),
    ).toEqual([])
    expect((await page('/ui/personal-data', 'enterprise')).status).toBe(403)
    expect((await page('/ui/personal-data', 'checkpoint')).status).toBe(403)
  })
})
