import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { auditRowsSince, enterpriseBody, lastAuditSeq } from '../support/reference-data.ts'

const BODY_LIMIT = 2048
const errorShape = {
  error: { code: expect.stringMatching(/^[a-z][a-z0-9_]*$/), message: expect.any(String) },
}
const station = (code: string, extra: Record<string, unknown> = {}) => ({
  code,
  name: '错误测试中转站',
  region_code: '330109',
  address: '测试路 9 号',
  capacity_per_day: 10,
  ...extra,
})

describe('errors', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({ config: { BODY_LIMIT_BYTES: String(BODY_LIMIT) } })
  })

  it('answers malformed JSON with 400 malformed_body in the error shape', async () => {
    const res = await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: '{"code": "X1",',
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(res.json).toMatchObject(errorShape)
    expect(res.json.error.code).toBe('malformed_body')
  })

  it('answers wrong types with 400 invalid_input whose details name every bad field', async () => {
    const res = await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: {
        code: 5,
        name: '类型错误',
        region_code: 330109,
        address: '测试路',
        capacity_per_day: 'many',
      },
    })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('invalid_input')
    const fields = res.json.error.details.map((d: { field: string }) => d.field)
    expect(fields).toEqual(expect.arrayContaining(['code', 'region_code', 'capacity_per_day']))
    expect(fields).not.toContain('name')
    for (const detail of res.json.error.details) expect(detail.message).toEqual(expect.any(String))
  })

  it('names a missing field, and a nested one by its path', async () => {
    const missing = await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: { code: 'E-1', name: '缺字段', kind: 'road' },
    })
    expect(missing.status).toBe(400)
    expect(missing.json.error.details).toEqual([expect.objectContaining({ field: 'region_code' })])
    const nested = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'nested-bad',
        password: 'long-enough',
        role: 'checkpoint',
        checkpoint_codes: ['HZ-G60-XS', 7],
      },
    })
    expect(nested.status).toBe(400)
    expect(nested.json.error.details).toEqual([
      expect.objectContaining({ field: 'checkpoint_codes.1' }),
    ])
  })

  it('answers an unknown enum value with 400 naming the field', async () => {
    const res = await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: { code: 'E-2', name: '未知类型', region_code: '330109', kind: 'seaport' },
    })
    expect(res.status).toBe(400)
    expect(res.json).toMatchObject(errorShape)
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'kind' })])
  })

  it('answers a bad query parameter with 400 naming it', async () => {
    const res = await t.call('GET', '/api/v1/regions?limit=lots', { as: 'coordinator' })
    expect(res.status).toBe(400)
    expect(res.json.error.details).toEqual([expect.objectContaining({ field: 'limit' })])
  })

  it('answers JSON that is not an object with 400, not 500', async () => {
    for (const body of ['null', '[]', '"text"', '42']) {
      const res = await t.call('POST', '/api/v1/stations', { as: 'coordinator', body })
      expect(res.status, body).toBe(400)
      expect(res.json).toMatchObject(errorShape)
    }
  })

  it('answers a body that is not JSON at all with a 4xx in the error shape, never a 500', async () => {
    const res = await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: 'code=X',
      headers: { 'content-type': 'text/plain' },
    })
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
    expect(res.json).toMatchObject(errorShape)
  })

  it('answers a body over BODY_LIMIT_BYTES with 413 body_too_large and writes nothing', async () => {
    const big = station('E-BIG', { address: 'x'.repeat(BODY_LIMIT) })
    for (const as of ['coordinator', null] as const) {
      const res = await t.call('POST', '/api/v1/stations', { as, body: big })
      expect(res.status).toBe(413)
      expect(res.json).toEqual({
        error: { code: 'body_too_large', message: expect.stringContaining(String(BODY_LIMIT)) },
      })
    }
    expect((await t.call('GET', '/api/v1/stations/E-BIG', { as: 'coordinator' })).status).toBe(404)
  })

  it('accepts a body just under the limit', async () => {
    const body = station('E-FITS', { address: 'x'.repeat(200) })
    expect(JSON.stringify(body).length).toBeLessThan(BODY_LIMIT)
    expect((await t.call('POST', '/api/v1/stations', { as: 'coordinator', body })).status).toBe(201)
  })

  it('answers an unknown route, or an unknown method on a known path, with 404 JSON', async () => {
    for (const [method, path] of [
      ['GET', '/nope'],
      ['GET', '/api/v1/nope'],
      ['DELETE', '/api/v1/regions'],
    ]) {
      const res = await t.call(method, path, { as: 'coordinator' })
      expect(res.status, `${method} ${path}`).toBe(404)
      expect(res.json).toEqual({
        error: { code: 'route_not_found', message: expect.stringContaining(path) },
      })
    }
  })
})

describe('service endpoints and headers', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  it('answers GET /healthz with {status: "ok"} without signing in', async () => {
    const res = await t.call('GET', '/healthz')
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ status: 'ok' })
  })

  it('serves an OpenAPI 3.1 document listing the paths of the API with their methods', async () => {
    const res = await t.call('GET', '/api/openapi.json')
    expect(res.status).toBe(200)
    expect(res.json.openapi).toMatch(/^3\.1\./)
    const paths = res.json.paths
    const expected: [string, string[]][] = [
      ['/api/v1/auth/login', ['post']],
      ['/api/v1/auth/me', ['get']],
      ['/api/v1/accounts', ['get', 'post']],
      ['/api/v1/regions', ['get']],
      ['/api/v1/regions/{code}', ['get']],
      ['/api/v1/regions/{code}/risk', ['put']],
      ['/api/v1/stations', ['get', 'post']],
      ['/api/v1/stations/{code}', ['get', 'patch']],
      ['/api/v1/checkpoints', ['get', 'post']],
      ['/api/v1/enterprises', ['get', 'post']],
      ['/api/v1/enterprises/{id}', ['get']],
      ['/api/v1/enterprises/{id}/whitelist', ['post']],
    ]
    for (const [path, methods] of expected) {
      expect(Object.keys(paths[path] ?? {}), path).toEqual(expect.arrayContaining(methods))
    }
    expect(res.json.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    })
    // One schema per payload: the documented request body is the one that validates.
    const riskBody =
      paths['/api/v1/regions/{code}/risk'].put.requestBody.content['application/json'].schema
    expect(JSON.stringify(riskBody)).toContain('RiskChangeRequest')
  })

  it('serves interactive docs as HTML pointing at the OpenAPI document', async () => {
    const res = await t.call('GET', '/api/docs')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(res.text).toContain('/api/openapi.json')
  })

  it('gives every response, success or error, its own X-Request-Id', async () => {
    const answers = [
      await t.call('GET', '/healthz'),
      await t.call('GET', '/api/v1/regions', { as: 'checkpoint' }),
      await t.call('GET', '/api/v1/regions'),
      await t.call('GET', '/nope'),
    ]
    const ids = answers.map((res) => res.headers.get('x-request-id'))
    for (const id of ids) expect(id).toMatch(/^[\w-]{8,}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('keeps a caller’s X-Request-Id so a request can be traced end to end', async () => {
    const res = await t.call('GET', '/healthz', {
      headers: { 'x-request-id': 'gateway-trace-0042' },
    })
    expect(res.headers.get('x-request-id')).toBe('gateway-trace-0042')
  })

  it('sends secure headers on API answers and errors', async () => {
    for (const res of [
      await t.call('GET', '/api/v1/regions?risk=high', { as: 'enterprise' }),
      await t.call('GET', '/api/v1/regions'),
    ]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('x-frame-options')).toBeTruthy()
      expect(res.headers.get('strict-transport-security')).toBeTruthy()
    }
  })
})

describe('the audit log', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  it('gets one row per write, naming the actor, the action and the subject', async () => {
    const since = await lastAuditSeq(t.store)
    const account = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'audited',
        password: 'audited-password',
        role: 'checkpoint',
        checkpoint_codes: ['HZ-RD-104'],
      },
    })
    await t.call('POST', `/api/v1/accounts/${account.json.id}/disable`, { as: 'coordinator' })
    await t.call('POST', `/api/v1/accounts/${account.json.id}/enable`, { as: 'coordinator' })
    await t.call('PUT', '/api/v1/regions/330106/risk', {
      as: 'coordinator',
      body: { level: 'medium', reason: '审计测试' },
    })
    await t.call('POST', '/api/v1/stations', { as: 'coordinator', body: station('AU-ST') })
    await t.call('PATCH', '/api/v1/stations/AU-ST', {
      as: 'coordinator',
      body: { is_open: false, closed_reason: '场地消杀' },
    })
    await t.call('POST', '/api/v1/checkpoints', {
      as: 'coordinator',
      body: { code: 'AU-CP', name: '审计卡口', region_code: '330109', kind: 'road' },
    })
    const firm = await t.call('POST', '/api/v1/enterprises', {
      as: 'coordinator',
      body: enterpriseBody(77),
    })
    await t.call('POST', `/api/v1/enterprises/${firm.json.id}/whitelist`, {
      as: 'admin',
      body: { status: 'active', level: 'municipal', reason: '审计测试' },
    })

    const rows = await auditRowsSince(t.store, since)
    expect(rows.map((r) => [r.action, r.actor, r.subject])).toEqual([
      ['account.create', 'admin:admin', `account:${account.json.id}`],
      ['account.disable', 'coordinator:coordinator', `account:${account.json.id}`],
      ['account.enable', 'coordinator:coordinator', `account:${account.json.id}`],
      ['region.risk', 'coordinator:coordinator', 'region:330106'],
      ['station.create', 'coordinator:coordinator', 'station:AU-ST'],
      ['station.update', 'coordinator:coordinator', 'station:AU-ST'],
      ['checkpoint.create', 'coordinator:coordinator', 'checkpoint:AU-CP'],
      ['enterprise.create', 'coordinator:coordinator', `enterprise:${firm.json.id}`],
      ['enterprise.whitelist', 'admin:admin', `enterprise:${firm.json.id}`],
    ])
  })

  it('keeps before and after for a change', () => {
    const row = t.sqlite
      .prepare(
        "SELECT before, after FROM audit_log WHERE action = 'station.update' AND subject = 'station:AU-ST'",
      )
      .get() as { before: string; after: string }
    expect(JSON.parse(row.before)).toMatchObject({ code: 'AU-ST', is_open: true })
    expect(JSON.parse(row.after)).toMatchObject({ code: 'AU-ST', is_open: false })
    const risk = t.sqlite
      .prepare(
        "SELECT before, after FROM audit_log WHERE action = 'region.risk' AND subject = 'region:330106'",
      )
      .get() as {
      before: string
      after: string
    }
    expect(JSON.parse(risk.before).risk_level).toBe('low')
    expect(JSON.parse(risk.after)).toMatchObject({ risk_level: 'medium', risk_reason: '审计测试' })
  })

  it('keeps the contact phone masked in the log', () => {
    const after = t.sqlite
      .prepare("SELECT after FROM audit_log WHERE action = 'enterprise.create'")
      .pluck()
      .get() as string
    expect(JSON.parse(after).contact_phone).toBe('139****0077')
    expect(after).not.toContain(enterpriseBody(77).contact_phone)
  })

  it('gets no row for a refused or invalid write', async () => {
    const since = await lastAuditSeq(t.store)
    await t.call('POST', '/api/v1/stations', { as: 'enterprise', body: station('AU-NO-1') })
    await t.call('POST', '/api/v1/stations', { as: 'coordinator', body: station('AU-ST') })
    await t.call('POST', '/api/v1/stations', {
      as: 'coordinator',
      body: station('AU-NO-2', { capacity_per_day: -5 }),
    })
    await t.call('PUT', '/api/v1/regions/999999/risk', {
      as: 'coordinator',
      body: { level: 'high', reason: '不存在' },
    })
    await t.call('POST', '/api/v1/enterprises/demo-ent-4/whitelist', {
      as: 'coordinator',
      body: { status: 'suspended', reason: '不允许' },
    })
    expect(await auditRowsSince(t.store, since)).toEqual([])
  })
})
