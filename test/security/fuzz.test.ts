import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { buildTestApp } from '../support/test-app.ts'
import { buildWorld, ROLES, type World } from './support/world.ts'
import { ACCESS_RULES } from './support/access-rules.ts'
import { documentedOperations, fillPath, isErrorShape, type Operation } from './support/openapi.ts'

// Property-based bad input against every operation of the OpenAPI document: random and malformed
// bodies, headers, query strings, path parameters and tokens. Whatever comes in, the answer is
// never a 500, every 4xx is the JSON error shape, and the service keeps serving.
//
// FUZZ_RUNS=<n> multiplies the number of runs (default 1) for a longer search.

const SCALE = Number(process.env.FUZZ_RUNS ?? '1')
const t = await buildTestApp({ config: { LOGIN_SLOWDOWN_STEP_MS: '0' } })
const BODY_LIMIT = t.config.BODY_LIMIT_BYTES
const operations = await documentedOperations(t)
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

let w: World
const tokens: Record<string, string> = {}

beforeAll(async () => {
  w = await buildWorld(t)
  for (const role of ROLES) tokens[role] = await t.tokenFor(role)
  tokens['other-enterprise'] = w.otherToken
})

// A fuzzed sign-out or password change raises a caller's token version and revokes its tokens:
// each test starts with live ones (test-app's `call` signs in again when told `token_revoked`).
beforeEach(async () => {
  for (const role of ROLES) {
    await t.call('GET', '/api/v1/auth/me', { as: role })
    tokens[role] = await t.tokenFor(role)
  }
  await t.call('GET', '/api/v1/auth/me', { as: { token: tokens['other-enterprise'] } })
  tokens['other-enterprise'] = await t.login('sec-other-firm', 'other-firm-password')
})

afterEach(async () => {
  const health = await t.call('GET', '/healthz')
  expect(health.status).toBe(200)
  expect(health.json).toEqual({ status: 'ok' })
  const probe = {} as Record<string, unknown>
  for (const key of ['polluted', 'role', 'isAdmin', 'admin'])
    expect(probe[key], `Object.prototype.${key}`).toBeUndefined()
})

// ---------------------------------------------------------------------------------------------
// Requests and the invariant every answer keeps

interface FuzzRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: string | Uint8Array
}

async function send(req: FuzzRequest) {
  let request: Request
  try {
    request = new Request(new URL(req.path, 'http://localhost'), {
      method: req.method,
      headers: req.headers,
      body: req.body as BodyInit | undefined,
    })
  } catch {
    return null // not a request a client could send (the URL or a header does not parse)
  }
  const res = await t.app.request(request)
  const text = await res.text()
  return { status: res.status, text, contentType: res.headers.get('content-type') ?? '' }
}

function describeRequest(req: FuzzRequest) {
  const body =
    req.body === undefined
      ? ''
      : typeof req.body === 'string'
        ? req.body
        : `<${req.body.length} bytes>`
  return `${req.method} ${req.path.slice(0, 200)} ${JSON.stringify(req.headers).slice(0, 300)} ${body.slice(0, 300)}`
}

/** Never a 500; every error is JSON in the one error shape. */
function checkAnswer(req: FuzzRequest, res: { status: number; text: string; contentType: string }) {
  const what = `${describeRequest(req)}\n→ ${res.status} ${res.text.slice(0, 300)}`
  expect(res.status, what).toBeLessThan(500)
  if (res.status >= 400) {
    expect(res.contentType, what).toMatch(/^application\/json/)
    let json: unknown
    expect(() => (json = JSON.parse(res.text)), what).not.toThrow()
    expect(isErrorShape(json), what).toBe(true)
  }
}

async function sendAndCheck(req: FuzzRequest) {
  const res = await send(req)
  if (res) checkAnswer(req, res)
  return res
}

// ---------------------------------------------------------------------------------------------
// Arbitraries

const ascii = (maxLength = 60) =>
  fc
    .string({ unit: 'binary-ascii', maxLength })
    .map((s) => s.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, ''))
const loneSurrogates = fc.string({
  unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
  minLength: 1,
  maxLength: 8,
})
const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\uFEFF',
  '\u202E\u0041',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  "' OR '1'='1",
  "'; DROP TABLE passes; --",
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9007199254740993',
  '0x10',
  '2026-02-30T25:61:00+08:00',
  '2026-11-29T08:00:00',
  '99999-01-01T00:00:00Z',
  '１２３４５６',
  '😀'.repeat(20),
  'Ａ'.repeat(40),
  '浙a·12345',
  '330100000001',
  '11010519491231002X',
)
const huge = fc.integer({ min: 300, max: 120_000 }).map((n) => 'x'.repeat(n))
const junkString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  loneSurrogates,
  nasty,
  huge,
)
const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  junkString,
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e308, -0, Number.MAX_SAFE_INTEGER + 2),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(
    fc.oneof(ascii(10), fc.constantFrom('__proto__', 'constructor')),
    fc.jsonValue({ maxDepth: 2 }),
    { maxKeys: 4 },
  ),
  fc.integer({ min: 1, max: 600 }).map((n) => Array.from({ length: n }, () => ({}))),
)

/** Values for a path parameter: the real one mostly, junk otherwise; `raw` junk skips encoding. */
function pathValue(real: string) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ value: real, raw: false }) },
    { weight: 2, arbitrary: junkString.map((value) => ({ value, raw: false })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '%',
          '%zz',
          '%00',
          '%ff%fe',
          '%E0%A4%A',
          '..',
          '.',
          '%2e%2e',
          ';x',
          '%u0041',
          'a%2Fb',
        )
        .map((value) => ({ value, raw: true })),
    },
  )
}

/** encodeURIComponent, with lone surrogates (which it refuses) replaced as a browser would. */
const encode = (text: string) =>
  encodeURIComponent(
    text.replace(
      /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
      '\uFFFD',
    ),
  )

function queryString(op: Operation) {
  const names = op.queryParams.map((p) => p.name)
  const name = fc.oneof(
    ...(names.length ? [{ weight: 4, arbitrary: fc.constantFrom(...names) }] : []),
    {
      weight: 1,
      arbitrary: fc.constantFrom('__proto__', 'constructor', 'limit[]', 'a[b]', 'token', ''),
    },
    { weight: 1, arbitrary: ascii(12) },
  )
  const value = fc.oneof(
    junkString.map((v) => v.slice(0, 6000)),
    fc.integer().map(String),
  )
  const pair = fc
    .tuple(name, value, fc.boolean())
    .map(([k, v, raw]) => (raw ? `${k}=${v.replace(/[#\s]/g, '')}` : `${encode(k)}=${encode(v)}`))
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant('') },
    {
      weight: 4,
      arbitrary: fc
        .array(pair, { maxLength: 6 })
        .map((pairs) => (pairs.length ? `?${pairs.join('&')}` : '')),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom('?', '?&&&', '?=', '?%', '?a=%zz', `?${'a=1&'.repeat(500)}`),
    },
  )
}

const garbageAuthorization = fc.oneof(
  fc.constantFrom(
    'Bearer',
    'Bearer ',
    'bearer  x',
    'Basic YWRtaW46YWRtaW4=',
    'Bearer a.b.c',
    'Bearer ....',
    'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.',
    'Negotiate x',
    'Bearer ' + 'A'.repeat(8000),
  ),
  ascii(80),
  ascii(80).map((s) => `Bearer ${s}`),
  fc
    .tuple(ascii(30), ascii(30), ascii(30))
    .map(
      ([a, b, c]) =>
        `Bearer ${Buffer.from(a).toString('base64url')}.${Buffer.from(b).toString('base64url')}.${Buffer.from(c).toString('base64url')}`,
    ),
)

/** Who calls: mostly a role the operation lets through (so validation is reached), else anyone. */
function caller(op: Operation): fc.Arbitrary<Record<string, string>> {
  const allowed = ACCESS_RULES[op.key]?.allowed ?? []
  const someone = fc.oneof(
    fc
      .constantFrom<string | null>(null, ...ROLES, 'other-enterprise')
      .map((who): Record<string, string> =>
        who ? { authorization: `Bearer ${tokens[who]}` } : {},
      ),
    garbageAuthorization.map((authorization) => ({ authorization })),
    fc.constantFrom('admin', 'enterprise').map((who) => ({ cookie: `tx_session=${tokens[who]}` })),
    ascii(60).map((junk) => ({ cookie: `tx_session=${junk}; other=${junk}` })),
  )
  if (allowed.length === 0) return someone
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(...allowed)
        .map((who) => ({ authorization: `Bearer ${tokens[who]}` })),
    },
    { weight: 2, arbitrary: someone },
  )
}

const contentType = fc.oneof(
  { weight: 5, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
      'application/json; charset=latin1',
      'application/JSON',
      'application/json-patch+json',
      'application/xml',
      'application/octet-stream',
      '*/*',
      '',
    ),
  },
  { weight: 1, arbitrary: ascii(40) },
)

const extraHeaders = fc.dictionary(
  fc.constantFrom(
    'x-tongxing-csrf',
    'accept',
    'accept-language',
    'x-forwarded-for',
    'x-real-ip',
    'origin',
    'x-request-id',
    'if-none-match',
    'range',
  ),
  ascii(100),
  { maxKeys: 3 },
)

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** Every path to a value inside `value` (objects and arrays), the root included. */
function valuePaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const paths = [prefix]
  if (Array.isArray(value)) value.forEach((v, i) => paths.push(...valuePaths(v, [...prefix, i])))
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) paths.push(...valuePaths(v, [...prefix, k]))
  return paths
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value
  const copy = structuredClone(root) as Record<string | number, unknown>
  let node = copy
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>
  const last = path[path.length - 1]
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1)
    else delete node[last]
  } else node[last] = value
  return copy
}

const deepNesting = fc
  .tuple(fc.integer({ min: 50, max: 200_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays
      ? '['.repeat(depth) + ']'.repeat(depth)
      : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
  )

function withPrototypeKeys(json: string) {
  const poison =
    '"__proto__":{"polluted":"yes","role":"admin","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}}'
  if (!json.startsWith('{')) return `{${poison}}`
  return json === '{}' ? `{${poison}}` : `{${poison},${json.slice(1)}`
}

/** A body: the valid sample, the sample with one part broken, or something else entirely. */
function body(sample: unknown) {
  const paths = valuePaths(sample)
  const inner = paths.filter((p) => p.length > 0)
  const pick = fc.constantFrom(...paths)
  const text = (value: unknown) => JSON.stringify(value)
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(text(sample)) },
    {
      weight: 6,
      arbitrary: fc.tuple(pick, junkValue).map(([path, value]) => text(setAt(sample, path, value))),
    },
    ...(inner.length
      ? [
          {
            weight: 2,
            arbitrary: fc
              .constantFrom(...inner)
              .map((path) => text(setAt(sample, path, undefined, true))),
          },
        ]
      : []),
    { weight: 1, arbitrary: fc.constant(text([sample])) },
    { weight: 1, arbitrary: fc.constant(withPrototypeKeys(text(sample))) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pick, deepNesting)
        .map(([path, nested]) =>
          text(setAt(sample, path, '\u0000NEST\u0000')).replace('"\\u0000NEST\\u0000"', nested),
        ),
    },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map(text) },
    {
      weight: 1,
      arbitrary: fc
        .nat({ max: Math.max(0, text(sample).length - 1) })
        .map((n) => text(sample).slice(0, n)),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'null',
        'true',
        '0',
        '""',
        '[]',
        '{}',
        '{"a":1,"a":2}',
        '{"a":1}garbage',
        '\uFEFF{}',
        "{'a':1}",
        '{a:1}',
        'NaN',
        '1e999',
      ),
    },
  )
}

/** Raw bytes that are not UTF-8 at all. */
const invalidUtf8 = fc
  .tuple(
    fc.uint8Array({ maxLength: 120 }),
    fc.constantFrom(
      [0xff, 0xfe],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0xe2, 0x28, 0xa1],
    ),
  )
  .map(
    ([noise, bad]) =>
      new Uint8Array([
        ...new TextEncoder().encode('{"name":"'),
        ...noise,
        ...bad,
        ...new TextEncoder().encode('"}'),
      ]),
  )

function requestFor(op: Operation) {
  const rule = ACCESS_RULES[op.key]
  const realParams = () =>
    rule?.params?.(w) ?? Object.fromEntries(op.pathParams.map((p) => [p, 'x']))
  const sample = () => (rule?.body ? rule.body(w, 'admin', Math.floor(Math.random() * 1e6)) : {})
  const params = fc.constant(null).chain(() => {
    const real = realParams()
    return fc.record(
      Object.fromEntries(op.pathParams.map((p) => [p, pathValue(real[p] ?? 'x')])) as Record<
        string,
        fc.Arbitrary<{ value: string; raw: boolean }>
      >,
    )
  })
  const payload = BODY_METHODS.has(op.method)
    ? fc.oneof(
        {
          weight: 8,
          arbitrary: fc.constant(null).chain(() => body(sample())) as fc.Arbitrary<
            string | Uint8Array
          >,
        },
        { weight: 1, arbitrary: invalidUtf8 as fc.Arbitrary<string | Uint8Array> },
      )
    : fc.constant(undefined)
  return fc
    .record({
      params,
      query: queryString(op),
      who: caller(op),
      type: contentType,
      extra: extraHeaders,
      payload,
    })
    .map(({ params, query, who, type, extra, payload }): FuzzRequest => {
      const path =
        op.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
          const { value, raw } = params[name]
          return raw ? value : encode(value)
        }) + query
      const headers: Record<string, string> = { ...extra, ...who }
      if (payload !== undefined) headers['content-type'] = type
      return { method: op.method, path, headers, body: payload }
    })
}

function runsFor(op: Operation) {
  // Sign-in and account creation hash passwords (PBKDF2): fewer runs keep the file quick.
  const base =
    op.key === 'POST /api/v1/auth/login' ? 20 : op.key === 'POST /api/v1/accounts' ? 40 : 100
  return Math.max(1, Math.round(base * SCALE))
}

// ---------------------------------------------------------------------------------------------

describe('random and malformed requests to every documented operation', () => {
  it('covers the whole document', () => {
    expect(operations.length).toBeGreaterThan(40)
    const withoutSample = operations
      .filter((o) => BODY_METHODS.has(o.method) && o.hasBody && !ACCESS_RULES[o.key]?.body)
      .map((o) => o.key)
    expect(withoutSample, 'operations fuzzed without a valid sample body to mutate').toEqual([])
  })

  it.each(operations.map((o) => [o.key, o] as const))(
    '%s: never a 500, always the error shape',
    async (_key, op) => {
      await fc.assert(
        fc.asyncProperty(requestFor(op), async (req) => {
          await sendAndCheck(req)
        }),
        { numRuns: runsFor(op) },
      )
    },
  )
})

describe('tokens offered at POST /api/v1/scans', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64url')
  const flipInside = (token: string) =>
    fc.nat({ max: token.length - 1 }).chain((i) =>
      fc
        .constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_')
        .map((c) => {
          const segmentEnd = token[i + 1] === '.' || i === token.length - 1
          if (token[i] === '.' || segmentEnd || token[i] === c) return null // keep to changes that change bytes
          return token.slice(0, i) + c + token.slice(i + 1)
        }),
    )
  const header = fc.record(
    {
      alg: fc.oneof(
        fc.constantFrom('EdDSA', 'none', 'HS256', 'RS256', 'ES256', 'eddsa', ''),
        fc.jsonValue(),
      ),
      kid: fc.oneof(ascii(10), fc.jsonValue(), nasty),
      typ: fc.string(),
    },
    { requiredKeys: [] },
  )
  const payload = fc.oneof(
    fc.string({ maxLength: 100 }),
    fc
      .tuple(
        fc.stringMatching(/^\d{12}$/),
        fc.string({ maxLength: 10 }),
        fc.nat(),
        fc.nat(),
        fc.stringMatching(/^\d{6}$/),
        ascii(20),
      )
      .map((p) => ['P1', ...p].join('|')),
    fc.jsonValue().map((v) => JSON.stringify(v)),
  )
  const token = () =>
    fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc
        .tuple(header, payload, ascii(90))
        .map(([h, p, s]) => `${b64(JSON.stringify(h))}.${b64(p)}.${b64(s)}`),
      fc
        .tuple(fc.jsonValue(), fc.string(), fc.string())
        .map(([h, p, s]) => `${b64(JSON.stringify(h))}.${b64(p)}.${s}`),
      flipInside(w.passB.token).filter((x): x is string => x !== null),
      fc.nat({ max: w.passB.token.length - 2 }).map((n) => w.passB.token.slice(0, n)),
      fc.constant(w.passB.token.split('.').reverse().join('.')),
      fc.integer({ min: 4097, max: 9000 }).map((n) => 'e'.repeat(n)),
      nasty,
    )

  it('refuses every one that is not the genuine pass, with exactly one token reason', async () => {
    const reasons = new Set(['malformed', 'bad_signature', 'unknown_key'])
    await fc.assert(
      fc.asyncProperty(
        token(),
        fc.option(junkString.map((s) => s.slice(0, 20))),
        async (offered, observed) => {
          const req: FuzzRequest = {
            method: 'POST',
            path: '/api/v1/scans',
            headers: {
              authorization: `Bearer ${tokens.checkpoint}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify({
              id: crypto.randomUUID(),
              token: offered,
              checkpoint_code: 'HZ-DEST-BJ',
              ...(observed === null ? {} : { observed_plate: observed }),
            }),
          }
          const res = await sendAndCheck(req)
          if (!res) return
          if (offered.length > 4096) return void expect(res.status).toBe(400)
          if (res.status === 400) return // e.g. an observed plate over 20 characters
          expect(res.status, res.text).toBe(200)
          const answer = JSON.parse(res.text)
          expect(answer.verdict, offered).toBe('invalid')
          expect(answer.action).toBe('control_on_site')
          expect(answer.reasons).toHaveLength(1)
          expect(reasons.has(answer.reasons[0]), `${offered} → ${answer.reasons}`).toBe(true)
          expect(answer.pass).toBeUndefined()
        },
      ),
      { numRuns: Math.round(300 * SCALE) },
    )
  })

  it('answers a typed pass number that names no pass as malformed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^\d{12}$/).filter((n) => !n.startsWith('330100')),
        async (number) => {
          const res = await t.call('POST', '/api/v1/scans', {
            as: 'checkpoint',
            body: { id: crypto.randomUUID(), pass_number: number, checkpoint_code: 'HZ-DEST-BJ' },
          })
          expect(res.status).toBe(200)
          expect(res.json.reasons).toEqual(['malformed'])
        },
      ),
      { numRuns: Math.round(20 * SCALE) },
    )
  })
})

describe('limits', () => {
  const bodyOperations = operations.filter((o) => BODY_METHODS.has(o.method) && o.hasBody)

  it.each(bodyOperations.map((o) => [o.key, o] as const))(
    '%s: a body over BODY_LIMIT_BYTES is 413, signed in or not',
    async (_key, op) => {
      const params =
        ACCESS_RULES[op.key]?.params?.(w) ?? Object.fromEntries(op.pathParams.map((p) => [p, 'x']))
      const path = fillPath(op.path, params)
      const oversized = JSON.stringify({ padding: 'x'.repeat(BODY_LIMIT) })
      for (const who of [tokens.admin, tokens.checkpoint, tokens.enterprise, null]) {
        const res = await t.call(op.method, path, {
          as: who ? { token: who } : null,
          body: oversized,
        })
        expect(res.status, `${op.key}: ${res.text}`).toBe(413)
        expect(res.json).toEqual({ error: { code: 'body_too_large', message: expect.any(String) } })
      }
    },
  )

  it('refuses 501 events in one upload with 400 and takes 500', async () => {
    const make = (n: number) =>
      Array.from({ length: n }, () => ({
        id: crypto.randomUUID(),
        loop_id: w.loopB,
        kind: 'departed',
        at: '2026-11-29T17:00:00+08:00',
        checkpoint_code: 'HZ-G60-XS',
      }))
    const count = () => t.sqlite.prepare('SELECT count(*) FROM loop_events').pluck().get()
    const before = count()
    const over = await t.call('POST', '/api/v1/events', {
      as: 'checkpoint',
      body: { events: make(501) },
    })
    expect(over.status).toBe(400)
    expect(isErrorShape(over.json)).toBe(true)
    expect(count()).toBe(before)
    const full = await t.call('POST', '/api/v1/events', {
      as: 'checkpoint',
      body: { events: make(500) },
    })
    expect(full.status, full.text.slice(0, 300)).toBe(200)
    expect(full.json.results).toHaveLength(500)
  })

  /** Every string in the sample body, made 100 000 characters long (well under the body limit). */
  const overLong = bodyOperations.flatMap((op) => {
    const rule = ACCESS_RULES[op.key]
    if (!rule?.body) return []
    return [{ op, rule }]
  })

  it.each(overLong.map(({ op, rule }) => [op.key, op, rule] as const))(
    '%s: every over-long string is refused',
    async (_key, op, rule) => {
      const sample = rule.body!(w, 'admin', 424242)
      const stringPaths = valuePaths(sample).filter(
        (p) => p.length > 0 && typeof p.reduce<any>((v, k) => v?.[k], sample) === 'string',
      )
      expect(stringPaths.length).toBeGreaterThan(0)
      const who = (rule.allowed ?? ['admin'])[0]
      const path = fillPath(op.path, rule.params?.(w) ?? {})
      const accepted: string[] = []
      for (const field of stringPaths) {
        const res = await t.call(op.method, path, {
          as: who,
          body: setAt(rule.body!(w, 'admin', 515151), field, 'x'.repeat(100_000)),
        })
        expect(res.status, `${field.join('.')}: ${res.text.slice(0, 200)}`).toBeLessThan(500)
        // An event upload answers per event: an over-long field rejects that event.
        const refused =
          op.key === 'POST /api/v1/events'
            ? res.status === 400 || res.json?.results?.[0]?.status === 'rejected'
            : res.status === 400
        if (!refused) accepted.push(`${field.join('.')} → ${res.status}`)
      }
      expect(accepted, 'fields that took a 100 000-character string').toEqual([])
    },
  )

  it.each(operations.filter((o) => o.queryParams.length > 0).map((o) => [o.key, o] as const))(
    '%s: every over-long query parameter is 400',
    async (_key, op) => {
      const rule = ACCESS_RULES[op.key]
      const who = (rule?.allowed ?? ['admin'])[0]
      const path = fillPath(op.path, rule?.params?.(w) ?? {})
      const accepted: string[] = []
      for (const { name } of op.queryParams) {
        const res = await t.call('GET', `${path}?${name}=${'7'.repeat(5000)}`, { as: who })
        expect(res.status).toBeLessThan(500)
        if (res.status !== 400) accepted.push(`${name} → ${res.status}`)
      }
      expect(accepted).toEqual([])
    },
  )

  it('refuses a 100 000-character password at sign-in before hashing it', async () => {
    const started = performance.now()
    const res = await t.call('POST', '/api/v1/auth/login', {
      body: { username: 'admin', password: 'p'.repeat(100_000) },
    })
    expect(res.status).toBe(400)
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe('specific shapes', () => {
  it('survives JSON nested 100 000 deep in an event’s free-form data', async () => {
    const depth = 100_000
    const nested = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
    const event = JSON.stringify({
      id: crypto.randomUUID(),
      loop_id: w.loopB,
      kind: 'departed',
      at: '2026-11-29T17:00:00+08:00',
      checkpoint_code: 'HZ-G60-XS',
      data: '@',
    }).replace('"@"', nested)
    const req: FuzzRequest = {
      method: 'POST',
      path: '/api/v1/events',
      headers: { authorization: `Bearer ${tokens.checkpoint}`, 'content-type': 'application/json' },
      body: `{"events":[${event}]}`,
    }
    await sendAndCheck(req)
  })

  it('survives deep nesting in every body operation', async () => {
    for (const op of operations.filter((o) => BODY_METHODS.has(o.method) && o.hasBody)) {
      const rule = ACCESS_RULES[op.key]
      const who = (rule?.allowed ?? ['admin'])[0]
      for (const nested of [
        '['.repeat(50_000) + ']'.repeat(50_000),
        '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
      ]) {
        await sendAndCheck({
          method: op.method,
          path: fillPath(
            op.path,
            rule?.params?.(w) ?? Object.fromEntries(op.pathParams.map((p) => [p, 'x'])),
          ),
          headers: { authorization: `Bearer ${tokens[who]}`, 'content-type': 'application/json' },
          body: nested,
        })
      }
    }
  })

  it('keeps prototype-pollution keys out of stored data and out of Object.prototype', async () => {
    const body = withPrototypeKeys(
      JSON.stringify({
        code: 'PP-ST-1',
        name: '原型污染站',
        region_code: '330109',
        address: '测试路 9 号',
        capacity_per_day: 5,
      }),
    )
    const res = await sendAndCheck({
      method: 'POST',
      path: '/api/v1/stations',
      headers: {
        authorization: `Bearer ${tokens.coordinator}`,
        'content-type': 'application/json',
      },
      body,
    })
    expect([201, 400]).toContain(res!.status)
    const stored = JSON.stringify(
      t.sqlite.prepare("SELECT * FROM stations WHERE code = 'PP-ST-1'").get() ?? {},
    )
    expect(stored).not.toContain('polluted')
    const probe = {} as Record<string, unknown>
    expect(probe.polluted).toBeUndefined()
    expect(probe.isAdmin).toBeUndefined()
  })
})
