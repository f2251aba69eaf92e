import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, PLATE_AND_CREW_MISTAKES, residentId } from '../support/fixtures.ts'

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})

const apply = (body: unknown, as: 'enterprise' | { token: string } = 'enterprise') =>
  t.call('POST', '/api/v1/applications', { as, body })

/** Signs in as a new enterprise account bound to `enterpriseId`. */
async function enterpriseToken(enterpriseId: string, username: string) {
  const res = await t.call('POST', '/api/v1/accounts', {
    as: 'admin',
    body: {
      username,
      password: 'firm-password-1',
      role: 'enterprise',
      enterprise_id: enterpriseId,
    },
  })
  expect(res.status).toBe(201)
  return { token: await t.login(username, 'firm-password-1') }
}

describe('applying for a pass', () => {
  it('stores a submitted application with the plate normalised and crew masked', async () => {
    const res = await apply(applicationBody({ plate: ' 沪a·12345d ' }))
    expect(res.status).toBe(201)
    expect(res.json).toMatchObject({
      status: 'submitted',
      plate: '沪A12345D',
      enterprise_id: 'demo-ent-1',
      destination: { station_code: 'HZ-XS-01', region_code: '330109' },
    })
    expect(res.json.crew).toEqual([
      { name: '张*', id_number: '330702********1239', phone: '138****5678' },
    ])
  })

  const invalid: [string, Record<string, unknown>, string][] = [
    ...PLATE_AND_CREW_MISTAKES,
    ['an unknown cargo category', { cargo_category: 'fireworks' }, 'cargo_category'],
    ['a bad origin code', { origin_region_code: '31011' }, 'origin_region_code'],
    ['a destination of neither kind', { destination: { address: 'somewhere' } }, 'destination'],
    ['a time without an offset', { valid_from: '2026-11-30T08:00:00' }, 'valid_from'],
  ]
  for (const [what, change, field] of invalid) {
    it(`refuses ${what} with 400 naming ${field}`, async () => {
      const res = await apply(applicationBody(change))
      expect(res.status).toBe(400)
      expect(res.json.error.code).toBe('invalid_input')
      expect(res.json.error.details.map((d: { field: string }) => d.field)).toContain(field)
    })
  }

  it('refuses an origin or destination region or station that does not exist', async () => {
    expect((await apply(applicationBody({ origin_region_code: '999999' }))).json.error.code).toBe(
      'unknown_region',
    )
    expect(
      (await apply(applicationBody({ destination: { station_code: 'NOPE' } }))).json.error.code,
    ).toBe('unknown_station')
    const site = await apply(
      applicationBody({
        origin_region_code: '320583',
        destination: { region_code: '999998', address: '某路 1 号' },
      }),
    )
    expect([site.status, site.json.error.code]).toEqual([400, 'unknown_region'])
  })

  it('refuses a window longer than 30 days, ending in the past or starting before today', async () => {
    const long = await apply(applicationBody({ valid_until: '2026-12-30T16:01:00+08:00' }))
    expect([long.status, long.json.error.code, long.json.error.details[0].field]).toEqual([
      400,
      'invalid_validity',
      'valid_until',
    ])
    expect(
      (await apply(applicationBody({ valid_from: '2026-11-28T08:00:00+08:00' }))).json.error
        .details[0].field,
    ).toBe('valid_from')
    expect(
      (
        await apply(
          applicationBody({
            valid_from: '2026-11-29T01:00:00+08:00',
            valid_until: '2026-11-29T10:00:00+08:00',
          }),
        )
      ).status,
    ).toBe(400)
    // Earlier today is fine.
    expect((await apply(applicationBody({ valid_from: '2026-11-29T00:10:00+08:00' }))).status).toBe(
      201,
    )
  })

  it('sends a high-risk origin to a transfer station (409), lets a medium one go to the firm’s site', async () => {
    const site = { region_code: '330108', address: '滨江区江南大道 100 号' }
    const high = await apply(applicationBody({ destination: site }))
    expect([high.status, high.json.error.code]).toEqual([409, 'transfer_station_required'])
    expect(
      (await apply(applicationBody({ origin_region_code: '320583', destination: site }))).status,
    ).toBe(201)
  })

  it('refuses a closed station', async () => {
    await t.call('PATCH', '/api/v1/stations/HZ-YH-01', {
      as: 'coordinator',
      body: { is_open: false, closed_reason: '场地消杀' },
    })
    const res = await apply(applicationBody({ destination: { station_code: 'HZ-YH-01' } }))
    expect([res.status, res.json.error.code]).toEqual([409, 'station_closed'])
    await t.call('PATCH', '/api/v1/stations/HZ-YH-01', {
      as: 'coordinator',
      body: { is_open: true },
    })
  })

  it('is open only to enterprises active on the whitelist', async () => {
    const pending = await enterpriseToken('demo-ent-4', 'pending-firm')
    const suspended = await enterpriseToken('demo-ent-5', 'suspended-firm')
    for (const as of [pending, suspended]) {
      const res = await apply(applicationBody(), as)
      expect([res.status, res.json.error.code]).toEqual([409, 'enterprise_not_whitelisted'])
    }
    for (const role of ['coordinator', 'checkpoint'] as const) {
      expect(
        (await t.call('POST', '/api/v1/applications', { as: role, body: applicationBody() }))
          .status,
      ).toBe(403)
    }
  })
})

describe('deciding applications', () => {
  it('re-checks the whitelist at approval', async () => {
    const firm = await enterpriseToken('demo-ent-3', 'firm-three')
    const submitted = await apply(applicationBody({ plate: '浙A55555' }), firm)
    expect(submitted.status).toBe(201)
    await t.call('POST', '/api/v1/enterprises/demo-ent-3/whitelist', {
      as: 'coordinator',
      body: { status: 'suspended', reason: '抽查未闭环' },
    })
    const res = await t.call('POST', `/api/v1/applications/${submitted.json.id}/approve`, {
      as: 'coordinator',
    })
    expect([res.status, res.json.error.code]).toEqual([409, 'enterprise_not_whitelisted'])
    await t.call('POST', '/api/v1/enterprises/demo-ent-3/whitelist', {
      as: 'coordinator',
      body: { status: 'active', reason: '整改完成' },
    })
    expect(
      (
        await t.call('POST', `/api/v1/applications/${submitted.json.id}/approve`, {
          as: 'coordinator',
        })
      ).status,
    ).toBe(201)
  })

  it('re-checks the routing rule at approval when the origin became high-risk', async () => {
    const submitted = await apply(
      applicationBody({
        origin_region_code: '440305',
        destination: { region_code: '330108', address: '江南大道 1 号' },
      }),
    )
    expect(submitted.status).toBe(201)
    await t.call('PUT', '/api/v1/regions/440305/risk', {
      as: 'coordinator',
      body: { level: 'high', reason: '新增病例' },
    })
    const res = await t.call('POST', `/api/v1/applications/${submitted.json.id}/approve`, {
      as: 'coordinator',
    })
    expect([res.status, res.json.error.code]).toEqual([409, 'transfer_station_required'])
  })

  it('rejects with a reason, once', async () => {
    const submitted = await apply(applicationBody({ plate: '浙A66666' }))
    const rejected = await t.call('POST', `/api/v1/applications/${submitted.json.id}/reject`, {
      as: 'coordinator',
      body: { reason: '路线不符' },
    })
    expect(rejected.json).toMatchObject({
      status: 'rejected',
      decision_reason: '路线不符',
      pass_number: null,
    })
    expect(
      (
        await t.call('POST', `/api/v1/applications/${submitted.json.id}/approve`, {
          as: 'coordinator',
        })
      ).status,
    ).toBe(409)
    expect(
      (
        await t.call('POST', `/api/v1/applications/${submitted.json.id}/reject`, {
          as: 'coordinator',
          body: {},
        })
      ).status,
    ).toBe(400)
  })

  it('lets the applicant withdraw its own submitted application', async () => {
    const submitted = await apply(applicationBody({ plate: '浙A77777' }))
    const res = await t.call('POST', `/api/v1/applications/${submitted.json.id}/withdraw`, {
      as: 'enterprise',
    })
    expect(res.json.status).toBe('withdrawn')
    expect(
      (
        await t.call('POST', `/api/v1/applications/${submitted.json.id}/withdraw`, {
          as: 'enterprise',
        })
      ).status,
    ).toBe(409)
  })

  it('shows an enterprise only its own applications; another firm’s answers 404', async () => {
    const other = await enterpriseToken('demo-ent-2', 'firm-two')
    const mine = await apply(applicationBody({ plate: '浙A88888' }))
    const theirs = await apply(applicationBody({ plate: '浙A99999' }), other)
    const list = await t.call('GET', '/api/v1/applications', { as: other })
    expect(list.json.map((a: { id: string }) => a.id)).toEqual([theirs.json.id])
    expect(
      (await t.call('GET', `/api/v1/applications/${mine.json.id}`, { as: other })).status,
    ).toBe(404)
    expect(
      (await t.call('POST', `/api/v1/applications/${mine.json.id}/withdraw`, { as: other })).status,
    ).toBe(404)
    const all = await t.call('GET', '/api/v1/applications?status=submitted', { as: 'coordinator' })
    expect(all.json.map((a: { id: string }) => a.id)).toEqual(
      expect.arrayContaining([mine.json.id, theirs.json.id]),
    )
  })
})
