import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp } from '../support/test-app.ts'
import { lastAuditSeq } from '../support/reference-data.ts'
import { buildWorld, type World } from './support/world.ts'
import { ACCESS_RULES, type AccessRule, type Caller } from './support/access-rules.ts'
import { documentedOperations, fillPath, isErrorShape } from './support/openapi.ts'

// Every operation of the OpenAPI document against anonymous, each demo role, a bad token and an
// enterprise that does not own the object. The expected rule of each operation is the table in
// support/access-rules.ts; an operation without a rule fails here.

const t = await buildTestApp()
const documented = await documentedOperations(t)
const documentedKeys = new Set(documented.map((o) => o.key))
const operations = [
  ...documented.map((o) => ({ key: o.key, method: o.method, path: o.path, secured: o.secured })),
  ...Object.entries(ACCESS_RULES)
    .filter(([, rule]) => rule.undocumented)
    .map(([key]) => ({ key, method: key.split(' ')[0], path: key.split(' ')[1], secured: false })),
]

type MatrixCaller = Caller | 'bad-token'
type Expectation = 'public' | 'unauthenticated' | 'forbidden' | 'not-yours' | 'allowed'

function expectationFor(rule: AccessRule, caller: MatrixCaller): Expectation {
  if (rule.public) return 'public'
  if (caller === 'anonymous' || caller === 'bad-token') return 'unauthenticated'
  const role = caller === 'other-enterprise' ? 'enterprise' : caller
  if (!rule.allowed!.includes(role)) return 'forbidden'
  if (caller === 'other-enterprise' && rule.owned) return 'not-yours'
  return 'allowed'
}

/** Refusals first, so an allowed call that changes state (approve, revoke, close) comes last. */
function callersFor(rule: AccessRule): { caller: MatrixCaller; expected: Expectation }[] {
  const callers: MatrixCaller[] = [
    'anonymous',
    'bad-token',
    'checkpoint',
    'enterprise',
    'other-enterprise',
    'coordinator',
    'admin',
  ]
  const order: Expectation[] = ['unauthenticated', 'forbidden', 'not-yours', 'public', 'allowed']
  return callers
    .map((caller) => ({ caller, expected: expectationFor(rule, caller) }))
    .sort((a, b) => order.indexOf(a.expected) - order.indexOf(b.expected))
}

/** Values that name nothing, in the same format as the real ones. */
const MISSING: Record<string, string> = {
  id: 'sec-missing-object',
  number: '330100999999',
  code: 'NO-SUCH-CODE',
}

let w: World
let n = 0

beforeAll(async () => {
  w = await buildWorld(t)
})

async function callAs(caller: MatrixCaller, method: string, path: string, body?: unknown) {
  const as =
    caller === 'anonymous' || caller === 'bad-token'
      ? null
      : caller === 'other-enterprise'
        ? { token: w.otherToken }
        : caller
  const headers: Record<string, string> =
    caller === 'bad-token' ? { authorization: 'Bearer not.a.token' } : {}
  return t.call(method, path, { as, body, headers })
}

describe('the rule table', () => {
  it('has a rule for every operation in the OpenAPI document', () => {
    const missing = documented.map((o) => o.key).filter((key) => !ACCESS_RULES[key])
    expect(
      missing,
      'operations without an access rule: add them to test/security/support/access-rules.ts',
    ).toEqual([])
  })

  it('has no rule for an operation that does not exist', () => {
    const stale = Object.entries(ACCESS_RULES)
      .filter(([key, rule]) => !rule.undocumented && !documentedKeys.has(key))
      .map(([key]) => key)
    expect(stale).toEqual([])
  })

  it('agrees with the document on which operations need a bearer token', () => {
    const disagreements = documented
      .filter((o) => ACCESS_RULES[o.key])
      .filter((o) => Boolean(ACCESS_RULES[o.key].public) === o.secured)
      .map(
        (o) =>
          `${o.key}: rule ${ACCESS_RULES[o.key].public ? 'public' : 'signed-in'}, document ${o.secured ? 'secured' : 'open'}`,
      )
    expect(disagreements).toEqual([])
  })
})

describe.each(operations)('$key', (operation) => {
  const rule = ACCESS_RULES[operation.key]
  if (!rule) {
    it('has an access rule', () => {
      expect(rule, `${operation.key} is served but has no rule in access-rules.ts`).toBeDefined()
    })
    return
  }

  it.each(callersFor(rule))('$caller: $expected', async ({ caller, expected }) => {
    const params = rule.params?.(w) ?? {}
    const path = fillPath(operation.path, params) + (rule.query ?? '')
    const body = rule.body?.(w, caller === 'bad-token' ? 'anonymous' : caller, ++n)
    const seqBefore = await lastAuditSeq(t.store)
    const res = await callAs(caller, operation.method, path, body)
    const context = `${caller} ${operation.method} ${path}: ${res.status} ${res.text.slice(0, 300)}`
    expect(res.status, context).toBeLessThan(500)

    switch (expected) {
      case 'public':
      case 'allowed': {
        const ok = rule.ok ?? (operation.method === 'GET' ? [200] : null)
        if (ok) expect(ok, context).toContain(res.status)
        else
          expect(res.status === 409 || (res.status >= 200 && res.status < 300), context).toBe(true)
        return
      }
      case 'unauthenticated':
        expect(res.status, context).toBe(401)
        expect(isErrorShape(res.json), context).toBe(true)
        expect(res.json.error.code, context).toBe(
          caller === 'bad-token' ? 'invalid_token' : 'unauthorized',
        )
        break
      case 'forbidden':
        expect(res.status, context).toBe(403)
        expect(res.json, context).toEqual({
          error: { code: 'forbidden', message: expect.any(String) },
        })
        break
      case 'not-yours': {
        expect(res.status, context).toBe(404)
        expect(isErrorShape(res.json), context).toBe(true)
        // Exactly the answer for an object that does not exist: nothing tells the firm it is there.
        const missingParams = Object.fromEntries(
          Object.keys(params).map((k) => [k, MISSING[k] ?? 'no-such']),
        )
        const missing = await callAs(
          caller,
          operation.method,
          fillPath(operation.path, missingParams) + (rule.query ?? ''),
          body,
        )
        expect(res.json, context).toEqual(missing.json)
        for (const value of Object.values(params)) expect(res.text, context).not.toContain(value)
        break
      }
    }
    // A refused call leaves no trace but its refusal: nothing written, nothing audited.
    expect(await lastAuditSeq(t.store), `${context}: a refused call wrote to the audit log`).toBe(
      seqBefore,
    )
  })
})

describe('lists show an enterprise its own objects only', () => {
  const others = async (path: string) => {
    const res = await t.call('GET', path, { as: { token: w.otherToken } })
    expect(res.status, res.text).toBe(200)
    expect(Array.isArray(res.json)).toBe(true)
    return res
  }

  it.each([
    '/api/v1/applications',
    '/api/v1/applications?enterprise_id=demo-ent-1',
    '/api/v1/passes',
    '/api/v1/passes?enterprise_id=demo-ent-1',
    '/api/v1/passes?plate=%E6%B2%AAA12345D',
    '/api/v1/arrival-reports',
    '/api/v1/arrival-reports?checkpoint=HZ-G60-XS',
    '/api/v1/loops',
    '/api/v1/loops?state=alerting',
    '/api/v1/loops?plate=%E6%B2%AAA12345D',
    '/api/v1/loops?checkpoint=HZ-G60-XS',
    '/api/v1/alerts',
    '/api/v1/alerts?status=open&kind=pcr_positive',
  ])('GET %s as another firm: none of demo-ent-1’s', async (path) => {
    const res = await others(path)
    for (const row of res.json) expect(row.enterprise_id, path).toBe('demo-ent-2')
    for (const secret of [
      w.passA.number,
      w.passB.number,
      w.reportId,
      w.loopA,
      w.alertId,
      ...Object.values(w.applications),
    ]) {
      expect(res.text, path).not.toContain(secret)
    }
  })

  it('shows the owning firm its own loop and alert in the same lists', async () => {
    const loops = await t.call('GET', '/api/v1/loops', { as: 'enterprise' })
    expect(loops.json.map((l: { id: string }) => l.id)).toContain(w.loopA)
    for (const row of loops.json) expect(row.enterprise_id).toBe('demo-ent-1')
    const alerts = await t.call('GET', '/api/v1/alerts', { as: 'enterprise' })
    expect(alerts.json.map((a: { id: string }) => a.id)).toContain(w.alertId)
  })

  it('refuses another firm’s pass in a pre-arrival report as if it did not exist', async () => {
    const body = {
      plate: '沪A12345D',
      checkpoint_code: 'HZ-G60-XS',
      expected_from: '2026-11-30T20:00:00+08:00',
      expected_until: '2026-12-01T08:00:00+08:00',
      crew: [{ name: '赵六', id_number: '11010519491231002X', phone: '13800138000' }],
    }
    const theirs = await t.call('POST', '/api/v1/arrival-reports', {
      as: { token: w.otherToken },
      body: { ...body, pass_number: w.passA.number },
    })
    const missing = await t.call('POST', '/api/v1/arrival-reports', {
      as: { token: w.otherToken },
      body: { ...body, pass_number: '330100999999' },
    })
    expect(theirs.status).toBe(400)
    expect(theirs.json.error.code).toBe(missing.json.error.code)
    expect(theirs.json.error.message.replace(w.passA.number, 'N')).toBe(
      missing.json.error.message.replace('330100999999', 'N'),
    )
  })

  it('keeps checkpoint staff to their own checkpoints', async () => {
    const scanned = await t.call('POST', '/api/v1/scans', {
      as: 'checkpoint',
      body: { id: crypto.randomUUID(), token: w.passA.token, checkpoint_code: 'HZ-RD-104' },
    })
    expect(scanned.status).toBe(403)
    expect(isErrorShape(scanned.json)).toBe(true)
  })
})
