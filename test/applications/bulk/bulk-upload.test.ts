import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../../support/test-app.ts'
import { residentId } from '../../support/fixtures.ts'
import { mixedGbkFile } from './gbk-fixture.ts'

/**
 * POST /api/v1/applications/bulk: one CSV file, one application per row, each checked as a single
 * application is and answered `created` or `rejected` in the reader's language; nothing
 * half-created. The test clock stands at 2026-11-29 16:00 China time.
 */
const FROM = '2026/11/30 8:00'
const UNTIL = '2026-12-10 18:00'
const EN_HEADER =
  'plate,cargo_category,origin_region_code,destination_station_code,route,valid_from,valid_until,crew_name,crew_id_number,crew_phone'

type Result = {
  row: number
  status: 'created' | 'rejected'
  id?: string
  plate?: string
  errors?: { field?: string; code?: string; message: string }[]
}

const utf8 = (text: string) => new TextEncoder().encode(text)

/** A good English-header row for `plate`. */
const goodRow = (plate: string, from = FROM, until = UNTIL) =>
  `${plate},daily_necessities,310115,HZ-XS-01,G60 沪昆高速 → 萧山出口,${from},${until},张三,${residentId()},13812345678`

async function upload(
  t: TestApp,
  body: Uint8Array | string,
  options: { token?: string; contentType?: string; lang?: string } = {},
) {
  const token = options.token ?? (await t.tokenFor('enterprise'))
  const res = await t.app.request('/api/v1/applications/bulk', {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': options.contentType ?? 'text/csv',
      'accept-language': options.lang ?? 'en',
    },
    body: (typeof body === 'string' ? utf8(body) : body) as BodyInit,
  })
  const json = (await res.json()) as any
  return { status: res.status, json, results: (json.results ?? []) as Result[] }
}

const countApplications = async (t: TestApp) =>
  Number(
    (
      await t.store.db
        .selectFrom('applications')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  )

async function firmToken(t: TestApp, enterpriseId: string, username: string) {
  const res = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username,
      password: 'firm-password-1',
      role: 'enterprise',
      enterprise_id: enterpriseId,
    },
  })
  expect(res.status, res.text).toBe(201)
  return t.login(username, 'firm-password-1')
}

describe('bulk applications from a CSV file', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  it('offers the template as a header row, Chinese by default, UTF-8 with a BOM, as a download', async () => {
    const token = await t.tokenFor('enterprise')
    const get = (query: string) =>
      t.app.request(`/api/v1/applications/bulk/template.csv${query}`, {
        headers: { authorization: `Bearer ${token}` },
      })
    const zh = await get('')
    expect(zh.status).toBe(200)
    expect(zh.headers.get('content-disposition')).toMatch(/^attachment; filename=".+\.csv"$/)
    const bytes = new Uint8Array(await zh.arrayBuffer())
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = new TextDecoder().decode(bytes)
    expect(text.trim().split(',').slice(0, 3)).toEqual(['车牌号', '货物类别', '始发地区县代码'])
    expect(text).toContain('司乘3手机号')
    const en = await (await get('?lang=en')).text()
    expect(en.trim().split(',')).toContain('crew_id_number')
    // The template is itself an accepted header: one row under it is created.
    const row = `浙A20001,生活必需品,310115,HZ-XS-01,,,G60 沪昆高速,${FROM},${UNTIL},张三,${residentId()},13812345678,,,,,,`
    const res = await upload(t, `${text.trim()}\r\n${row}\r\n`)
    expect(res.status).toBe(200)
    expect(res.results).toMatchObject([{ row: 2, status: 'created', plate: '浙A20001' }])
  })

  it('creates the good rows of a GBK file with a Chinese header and says why the others are not, in Chinese', async () => {
    const before = await countApplications(t)
    const res = await upload(t, mixedGbkFile(FROM, UNTIL), { lang: 'zh-CN' })
    expect(res.status).toBe(200)
    expect(res.results.map((r) => [r.row, r.status])).toEqual([
      [2, 'created'],
      [3, 'rejected'],
      [4, 'rejected'],
      [6, 'created'],
    ])
    expect(res.results[1]!.errors).toEqual([
      {
        field: '司乘1身份证号',
        code: 'invalid_input',
        message: '应为 18 位居民身份证号码，且校验位正确（GB 11643）',
      },
    ])
    expect(res.results[2]!.errors).toEqual([
      {
        field: '目的中转站代码',
        code: 'transfer_station_required',
        message: expect.stringMatching(/中转站/),
      },
    ])
    expect(await countApplications(t)).toBe(before + 2)

    // Stored as a single application would be: China time read as +08:00, crew sealed and masked.
    const first = await t.call('GET', `/api/v1/applications/${res.results[0]!.id}`, {
      as: 'enterprise',
    })
    expect(first.json).toMatchObject({
      status: 'submitted',
      plate: '浙A10001',
      cargo_category: 'daily_necessities',
      valid_from: '2026-11-30T00:00:00.000Z',
      valid_until: '2026-12-10T10:00:00.000Z',
      crew: [{ name: '王*', id_number: '330702********1239', phone: '138****5678' }],
    })
    const last = await t.call('GET', `/api/v1/applications/${res.results[3]!.id}`, {
      as: 'enterprise',
    })
    expect(last.json).toMatchObject({
      cargo_category: 'medical',
      destination: { region_code: '330109', address: '萧山区机场路 8 号' },
    })
    expect(last.json.crew.map((c: { name: string }) => c.name)).toEqual(['孙*', '周*'])

    // Each created application has its own submit entry, and the upload one entry of counts.
    const audit = await t.store.db
      .selectFrom('audit_log')
      .select(['action', 'subject', 'after'])
      .where('action', 'in', ['application.submit', 'application.bulk'])
      .orderBy('seq', 'desc')
      .limit(3)
      .execute()
    expect(audit.map((a) => a.action)).toEqual([
      'application.bulk',
      'application.submit',
      'application.submit',
    ])
    expect(JSON.parse(audit[0]!.after!)).toMatchObject({ rows: 4, created: 2, rejected: 2 })
    expect(audit[0]!.after).not.toContain('13812345678')
    expect(audit.slice(1).map((a) => a.subject)).toEqual(
      expect.arrayContaining([
        `application:${res.results[0]!.id}`,
        `application:${res.results[3]!.id}`,
      ]),
    )
  })

  it('reads UTF-8 with a BOM, Excel’s time formats and ISO times, cargo by its word, and answers in English', async () => {
    const text =
      '\uFEFF' +
      [
        EN_HEADER.toUpperCase().replaceAll(',', ' , '),
        goodRow('浙A30001', '2026/12/1 9:05', '2026/12/2 9:05'),
        goodRow('浙A30002', '2026-12-01T09:00:00+08:00', '2026-12-02T09:00+08:00'),
        goodRow('浙A30003').replace('daily_necessities', 'Medical supplies'),
        goodRow('浙A30004').replace('13812345678', '1381234567'),
        goodRow('浙A30005', 'tomorrow morning'),
        goodRow('浙A30006').replace(',daily_necessities,', ',,'),
        goodRow('浙A30007').replace('daily_necessities', 'sand'),
      ].join('\n')
    const res = await upload(t, text)
    expect(res.status).toBe(200)
    expect(res.results.map((r) => r.status)).toEqual([
      'created',
      'created',
      'created',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ])
    const [a, b, c, phone, time, cargo, sand] = res.results
    const stored = await t.call('GET', `/api/v1/applications/${a!.id}`, { as: 'enterprise' })
    expect(stored.json.valid_from).toBe('2026-12-01T01:05:00.000Z')
    expect(
      (await t.call('GET', `/api/v1/applications/${b!.id}`, { as: 'enterprise' })).json.valid_until,
    ).toBe('2026-12-02T01:00:00.000Z')
    expect(
      (await t.call('GET', `/api/v1/applications/${c!.id}`, { as: 'enterprise' })).json
        .cargo_category,
    ).toBe('medical')
    // `field` is the column as the file wrote it (here in capitals).
    expect(phone!.errors).toEqual([
      { field: 'CREW_PHONE', code: 'invalid_input', message: 'an 11-digit mobile number' },
    ])
    expect(time!.errors).toEqual([
      {
        field: 'VALID_FROM',
        code: 'invalid_input',
        message: 'a date and time such as 2026-12-05 08:00 (China time)',
      },
    ])
    expect(cargo!.errors).toEqual([
      { field: 'CARGO_CATEGORY', code: 'invalid_input', message: 'required' },
    ])
    expect(sand!.errors![0]).toMatchObject({
      field: 'CARGO_CATEGORY',
      message: expect.stringContaining('not a cargo category'),
    })
  })

  it('rejects the later of two rows for one plate whose windows overlap (duplicate_in_file)', async () => {
    const res = await upload(
      t,
      [
        EN_HEADER,
        goodRow('浙A40001', '2026/12/1 8:00', '2026/12/5 8:00'),
        goodRow('浙 a40001', '2026/12/4 8:00', '2026/12/8 8:00'),
        goodRow('浙A40001', '2026/12/5 8:00', '2026/12/8 8:00'),
      ].join('\r\n'),
    )
    expect(res.results.map((r) => r.status)).toEqual(['created', 'rejected', 'created'])
    expect(res.results[1]!.errors).toEqual([
      {
        field: 'plate',
        code: 'duplicate_in_file',
        message: 'row 2 of this file already applies for this vehicle for an overlapping time',
      },
    ])
    const zh = await upload(
      t,
      [
        EN_HEADER,
        goodRow('浙A40002', '2026/12/1 8:00', '2026/12/5 8:00'),
        goodRow('浙A40002', '2026/12/2 8:00', '2026/12/3 8:00'),
      ].join('\n'),
      { lang: 'zh-CN' },
    )
    expect(zh.results[1]!.errors![0]!.message).toBe('本文件第 2 行已为该车申请了重叠的时段')
  })

  it('refuses the whole file for a wrong header, naming each column, and creates nothing', async () => {
    const before = await countApplications(t)
    const res = await upload(
      t,
      [
        'plate,cargo,origin_region_code,destination_station_code,route,valid_from,valid_until,crew_name,crew_id_number',
        goodRow('浙A50001'),
      ].join('\n'),
    )
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('csv_header_invalid')
    expect(res.json.error.details).toEqual([
      { field: 'cargo', message: 'unknown column' },
      { field: 'cargo_category', message: 'missing column' },
      { field: 'crew_phone', message: 'missing column' },
    ])
    const zh = await upload(t, ['车牌号,货物', goodRow('浙A50001')].join('\n'), { lang: 'zh-CN' })
    expect(zh.json.error.message).toMatch(/^表头有误：/)
    expect(zh.json.error.details[0]).toEqual({ field: '货物', message: '无法识别的列名' })
    // A destination needs the station column, or both region and address.
    const noAddress = await upload(
      t,
      [EN_HEADER.replace('destination_station_code', 'destination_region_code')].join('\n') +
        '\n' +
        goodRow('浙A50002'),
    )
    expect(noAddress.json.error.details).toEqual([
      { field: 'destination_address', message: 'missing column' },
    ])
    expect(await countApplications(t)).toBe(before)
  })

  it('refuses an empty file, a header alone, more than 500 rows, and anything but text/csv', async () => {
    expect((await upload(t, '')).json.error.code).toBe('csv_empty')
    expect((await upload(t, `${EN_HEADER}\r\n\r\n,,,,,,,,,\r\n`)).json.error.code).toBe('csv_empty')
    const many = [EN_HEADER, ...Array.from({ length: 501 }, () => goodRow('浙A60001'))].join('\n')
    const tooMany = await upload(t, many)
    expect(tooMany.status).toBe(400)
    expect(tooMany.json.error).toMatchObject({
      code: 'too_many_rows',
      message: 'the file has 501 rows; at most 500 are taken at once',
    })
    const json = await upload(t, JSON.stringify({ plate: '浙A60001' }), {
      contentType: 'application/json',
    })
    expect(json.status).toBe(415)
    expect(json.json.error.code).toBe('unsupported_media_type')
    const broken = await upload(t, `${EN_HEADER}\n"浙A60001,unclosed`)
    expect(broken.json.error.code).toBe('csv_malformed')
  })

  it('takes at most BULK_MAX_ROWS rows (set lower for D1), and the page says the limit', async () => {
    const small = await buildTestApp({ config: { BULK_MAX_ROWS: '2' } })
    const three = [EN_HEADER, goodRow('浙A61001'), goodRow('浙A61002'), goodRow('浙A61003')]
    const refused = await upload(small, three.join('\n'))
    expect(refused.status).toBe(400)
    expect(refused.json.error).toMatchObject({
      code: 'too_many_rows',
      message: 'the file has 3 rows; at most 2 are taken at once',
    })
    expect((await upload(small, three.slice(0, 3).join('\n'))).status).toBe(200)
    const page = await small.call('GET', '/ui/applications/bulk', {
      headers: { cookie: `tx_session=${await small.tokenFor('enterprise')}` },
    })
    expect(page.text).toContain('每个文件最多 2 行')
  })

  it('queues nothing twice when the same file is uploaded again (application_pending)', async () => {
    const file = [EN_HEADER, goodRow('浙A62001'), goodRow('浙A62002')].join('\n')
    const first = await upload(t, file)
    expect(first.json.results.map((r: Result) => r.status)).toEqual(['created', 'created'])
    const again = await upload(t, file, { lang: 'zh-CN' })
    expect(again.status).toBe(200)
    expect(again.json.results).toMatchObject([
      { row: 2, status: 'rejected', errors: [{ field: 'plate', code: 'application_pending' }] },
      { row: 3, status: 'rejected', errors: [{ field: 'plate', code: 'application_pending' }] },
    ])
    expect(again.json.results[0].errors[0].message).toContain('已有一份时段重叠的申请在等待审批')
    // Withdrawn, the waiting one no longer stands in the way.
    const withdrawn = await t.call(
      'POST',
      `/api/v1/applications/${first.json.results[0].id}/withdraw`,
      {
        as: 'enterprise',
      },
    )
    expect(withdrawn.status).toBe(200)
    const third = await upload(t, file)
    expect(third.json.results.map((r: Result) => r.status)).toEqual(['created', 'rejected'])
  })

  it('takes 500 rows in one file, all written together', async () => {
    const before = await countApplications(t)
    const plates = Array.from({ length: 500 }, (_, i) => `浙B${String(i).padStart(5, '0')}`)
    const res = await upload(t, [EN_HEADER, ...plates.map((p) => goodRow(p))].join('\r\n'))
    expect(res.status).toBe(200)
    expect(res.results.filter((r) => r.status === 'created')).toHaveLength(500)
    expect(res.results.at(-1)).toMatchObject({ row: 501, plate: '浙B00499' })
    expect(await countApplications(t)).toBe(before + 500)
  })

  it('takes the charset the client names over its own guess', async () => {
    // GBK bytes declared as GBK are read as GBK; the same bytes declared as UTF-8 are refused.
    // (A later window than the mixed file's upload above: that one's applications still wait.)
    const gbk = mixedGbkFile('2026-12-11 08:00', '2026-12-20 18:00')
    const named = await upload(t, gbk, { contentType: 'text/csv; charset=GBK' })
    expect(named.results.map((r) => r.status)).toEqual([
      'created',
      'rejected',
      'rejected',
      'created',
    ])
    const wrong = await upload(t, gbk, { contentType: 'text/csv; charset=utf-8' })
    expect(wrong.status).toBe(400)
    expect(wrong.json.error.code).toBe('csv_encoding_invalid')
    const unknown = await upload(t, gbk, { contentType: 'text/csv; charset=x-klingon' })
    expect(unknown.json.error).toMatchObject({
      code: 'csv_encoding_invalid',
      message: 'unknown charset x-klingon',
    })
  })
})

describe('who may upload, and nothing half-created', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  it('refuses a firm that is not active on the whitelist with 409, as a single application', async () => {
    const token = await firmToken(t, 'demo-ent-5', 'suspended-firm-bulk')
    const res = await upload(t, [EN_HEADER, goodRow('浙A70001')].join('\n'), { token })
    expect(res.status).toBe(409)
    expect(res.json.error.code).toBe('enterprise_not_whitelisted')
  })

  it('creates nothing when the firm leaves the whitelist between the checks and the write', async () => {
    const before = await countApplications(t)
    const atomic = t.store.atomic
    t.store.atomic = async (queries) => {
      t.store.atomic = atomic
      await t.store.db
        .updateTable('enterprises')
        .set({ whitelist_status: 'suspended' })
        .where('id', '=', 'demo-ent-1')
        .execute()
      return atomic(queries)
    }
    try {
      const res = await upload(t, [EN_HEADER, goodRow('浙A70002'), goodRow('浙A70003')].join('\n'))
      expect(res.status).toBe(409)
      expect(res.json.error.code).toBe('enterprise_not_whitelisted')
      expect(await countApplications(t)).toBe(before)
    } finally {
      t.store.atomic = atomic
      await t.store.db
        .updateTable('enterprises')
        .set({ whitelist_status: 'active' })
        .where('id', '=', 'demo-ent-1')
        .execute()
    }
  })

  it('never touches another firm: its applications are its own, and another firm sees none of them', async () => {
    const other = await firmToken(t, 'demo-ent-2', 'second-firm-bulk')
    const res = await upload(t, [EN_HEADER, goodRow('浙A80001')].join('\n'), { token: other })
    expect(res.results).toMatchObject([{ status: 'created' }])
    const id = res.results[0]!.id!
    expect(
      (await t.call('GET', `/api/v1/applications/${id}`, { as: { token: other } })).json
        .enterprise_id,
    ).toBe('demo-ent-2')
    expect((await t.call('GET', `/api/v1/applications/${id}`, { as: 'enterprise' })).status).toBe(
      404,
    )
    const mine = await t.call('GET', '/api/v1/applications', { as: 'enterprise' })
    expect(mine.json.map((a: { id: string }) => a.id)).not.toContain(id)
  })

  it('is for enterprise accounts only', async () => {
    const token = await t.tokenFor('coordinator')
    expect((await upload(t, [EN_HEADER, goodRow('浙A90001')].join('\n'), { token })).status).toBe(
      403,
    )
  })
})
