import { beforeAll, describe, expect, it } from 'vitest'
import { CSRF_HEADER, SESSION_COOKIE } from '../../src/auth/middleware.ts'
import { DEMO_LOGINS } from '../../src/demo/seed.ts'
import { VERDICT_REASONS } from '../../src/scans/decide-verdict.ts'
import { buildTestApp, type TestApp } from '../support/test-app.ts'

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

/** Every operation of an OpenAPI document, as `METHOD path` with the operation object. */
function operations(doc: any): [string, any][] {
  return Object.entries<any>(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m): [string, any] => [
      `${m.toUpperCase()} ${path}`,
      item[m],
    ]),
  )
}

/** The local addresses a page loads: every `src` and `href`. */
const referencedUrls = (html: string) =>
  [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1])

describe('the API docs at /api/docs', () => {
  let t: TestApp
  let html: string
  let res: Response
  beforeAll(async () => {
    t = await buildTestApp()
    res = await t.app.request('/api/docs')
    html = await res.text()
  })

  it('is a page that loads nothing from another origin and runs no inline script', () => {
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(html).toContain('id="swagger-ui"')
    expect(html).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//i)
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/)
    const urls = referencedUrls(html)
    expect(urls.length).toBeGreaterThanOrEqual(3)
    for (const url of urls) expect(url).toMatch(/^\/api\/docs\//)
  })

  it('sends a content policy that allows only its own origin', () => {
    const policy = res.headers.get('content-security-policy') ?? ''
    expect(policy).toContain("script-src 'self'")
    expect(policy).toContain("style-src 'self'")
    expect(policy).toContain("connect-src 'self'")
    expect(policy).not.toMatch(/https?:|unsafe-inline|unsafe-eval|\*/)
  })

  it('serves every asset it references, with its content type, from the pinned package', async () => {
    const types: Record<string, RegExp> = { css: /^text\/css/, js: /^text\/javascript/ }
    for (const url of referencedUrls(html)) {
      const asset = await t.app.request(url)
      expect(asset.status, url).toBe(200)
      const extension = new URL(url, 'http://x').pathname.split('.').pop()!
      expect(asset.headers.get('content-type'), url).toMatch(types[extension])
      expect((await asset.text()).length, url).toBeGreaterThan(100)
    }
    const bundle = await t.app.request(referencedUrls(html).find((u) => u.includes('bundle'))!)
    expect(bundle.headers.get('cache-control')).toContain('immutable')
    expect(await bundle.text()).toContain('SwaggerUIBundle')
  })

  it('starts Swagger UI on the document and keeps it from calling the online validator', async () => {
    expect(html).toContain('data-url="/api/openapi.json"')
    const init = await (await t.app.request('/api/docs/init.js')).text()
    expect(init).toContain('dataset.url')
    expect(init).toContain("validatorUrl: 'none'")
  })
})

describe('the OpenAPI document', () => {
  let t: TestApp
  let doc: any
  beforeAll(async () => {
    t = await buildTestApp()
    doc = (await t.call('GET', '/api/openapi.json')).json
  })

  it('answers at /api/v1/openapi.json too, the same document', async () => {
    const v1 = await t.call('GET', '/api/v1/openapi.json')
    expect(v1.status).toBe(200)
    expect(v1.json).toEqual(doc)
    expect(doc.openapi).toBe('3.1.0')
  })

  it('describes every operation', () => {
    const all = operations(doc)
    expect(all.length).toBeGreaterThan(40)
    const undescribed = all.filter(([, op]) => !op.description?.trim()).map(([name]) => name)
    expect(undescribed).toEqual([])
  })

  it('documents the session cookie and its CSRF rule beside the bearer token', () => {
    expect(doc.components.securitySchemes.cookieAuth).toMatchObject({
      type: 'apiKey',
      in: 'cookie',
      name: SESSION_COOKIE,
    })
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ scheme: 'bearer' })
    expect(doc.info.description).toContain(SESSION_COOKIE)
    expect(doc.info.description).toContain(`${CSRF_HEADER}: 1`)
    expect(doc.info.description).toContain('`csrf`')
    expect(doc.info.description).toContain('`cross_origin`')
    // Wherever a token is asked for, the cookie does as well.
    for (const [name, op] of operations(doc)) {
      if (!op.security) continue
      expect(op.security, name).toEqual([{ bearerAuth: [] }, { cookieAuth: [] }])
    }
  })

  it('gives a scan example whose checkpoint exists in the demo data, at the demo checkpoint account', async () => {
    const example = doc.components.schemas.ScanRequest.example
    expect(example.checkpoint_code).toBe(
      doc.components.schemas.ScanRequest.properties.checkpoint_code.example,
    )
    const checkpoint = await t.call('GET', `/api/v1/checkpoints/${example.checkpoint_code}`, {
      as: 'coordinator',
    })
    expect(checkpoint.status, checkpoint.text).toBe(200)
    const demo = DEMO_LOGINS.find((l) => l.role === 'checkpoint')!
    expect(demo.binding!.split(',')).toContain(example.checkpoint_code)
    // The example is a request the scan route takes (an unknown pass is an answer, not a 400).
    const scan = await t.call('POST', '/api/v1/scans', { as: 'checkpoint', body: example })
    expect(scan.status, scan.text).toBe(200)
  })

  it('lists in the reason enum every reason a verdict gives, `no_pass` too', async () => {
    const answer = doc.components.schemas.ScanAnswer.properties.reasons.items
    const reasons: string[] = (answer.$ref ? doc.components.schemas.VerdictReason : answer).enum
    expect(reasons).toEqual(expect.arrayContaining([...VERDICT_REASONS, 'no_pass']))
    const manual = await t.call('POST', '/api/v1/loops', {
      as: 'checkpoint',
      body: { plate: '浙A9D001', checkpoint_code: 'HZ-G60-XS', note: '未出示通行证' },
    })
    expect(manual.status, manual.text).toBe(201)
    for (const reason of manual.json.reasons) expect(reasons).toContain(reason)
  })
})
