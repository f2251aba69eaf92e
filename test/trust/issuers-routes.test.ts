import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { appClient } from '../support/app-client.ts'
import { visibleText } from '../ui/support/visible-text.ts'
import { createApp } from '../../src/app.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys, type SigningKey } from '../../src/trust/signing-keys.ts'
import { refreshTrustedIssuers } from '../../src/trust/refresh-issuers.ts'
import { isTrustUrl } from '../../src/trust/routes.ts'

// The trust list's API with addresses (POST fetches the JWKS at once, PATCH changes addresses and
// confirms a replaced key set), what GET shows of the fetching, and the pages that show it. The
// app is given a fake fetch (Deps.fetch) standing in for the Shanghai deployment.

const SH = '310100'
const JWKS_URL = 'https://tx.sh.example.cn/.well-known/jwks.json'
const LIST_URL = 'https://tx.sh.example.cn/api/v1/trust/status-list'

let base: TestApp
let client: ReturnType<typeof appClient>
let key: SigningKey
let serveJwks: () => Response | Promise<Response>
let fetched: string[]

const newKey = async () =>
  (await loadSigningKeys(JSON.stringify([await generateSigningKey()]))).current
const jwksOf = (...keys: SigningKey[]) => ({ keys: keys.map((k) => k.publicJwk) })
const json = (body: unknown) =>
  new Response(JSON.stringify(body), {
    headers: { 'content-type': 'application/json', etag: '"j1"' },
  })

beforeEach(async () => {
  base = await buildTestApp()
  key = await newKey()
  fetched = []
  serveJwks = () => json(jwksOf(key))
  const fetchFn = (async (input: RequestInfo | URL) => {
    const url = String(input)
    fetched.push(url)
    if (url === JWKS_URL) return serveJwks()
    throw new TypeError('fetch failed')
  }) as typeof fetch
  const app = createApp({
    store: base.store,
    config: base.config,
    clock: base.clock,
    fetch: fetchFn,
  })
  client = appClient(app)
})

const add = (body: Record<string, unknown>, headers?: Record<string, string>) =>
  client.call('POST', '/api/v1/trust/issuers', {
    as: 'admin',
    body: { issuer_code: SH, name: '上海市货运专班', ...body },
    headers,
  })

const audits = (action: string) =>
  base.store.db.selectFrom('audit_log').selectAll().where('action', '=', action).execute()

describe('POST /trust/issuers with addresses', () => {
  it('fetches the JWKS at once when only its address is given, and shows the addresses', async () => {
    const res = await add({ jwks_url: JWKS_URL, status_list_url: LIST_URL })
    expect(res.status, res.text).toBe(201)
    expect(fetched).toEqual([JWKS_URL])
    expect(res.json).toEqual({
      issuer_code: SH,
      name: '上海市货运专班',
      jwks: jwksOf(key),
      added_by: 'admin:admin',
      added_at: base.clock().toISOString(),
      jwks_url: JWKS_URL,
      status_list_url: LIST_URL,
      fetched_at: null,
      status_list_version: null,
      last_error: null,
      last_error_at: null,
      failures: 0,
      failing_since: null,
      alert_opened_at: null,
    })
    const row = await base.store.db
      .selectFrom('trusted_issuers')
      .selectAll()
      .where('issuer_code', '=', SH)
      .executeTakeFirstOrThrow()
    expect(row.jwks_etag).toBe('"j1"')
    const [audit] = await audits('trust.add')
    expect(JSON.parse(audit!.after!)).toMatchObject({
      jwks_url: JWKS_URL,
      status_list_url: LIST_URL,
    })
  })

  it('keeps the given keys when both keys and address are sent', async () => {
    const given = await newKey()
    const res = await add({ jwks: jwksOf(given), jwks_url: JWKS_URL })
    expect(res.status).toBe(201)
    expect(fetched).toEqual([])
    expect(res.json.jwks).toEqual(jwksOf(given))
  })

  it('answers 400 jwks_unreachable when the address does not answer, in both languages', async () => {
    serveJwks = () => new Response('gone', { status: 404 })
    const en = await add({ jwks_url: JWKS_URL })
    expect(en.status).toBe(400)
    expect(en.json.error).toMatchObject({
      code: 'jwks_unreachable',
      message: `the JWKS could not be fetched from ${JWKS_URL} (HTTP 404)`,
      details: [{ field: 'jwks_url' }],
    })
    const zh = await add({ jwks_url: JWKS_URL }, { 'accept-language': 'zh-CN' })
    expect(zh.json.error.message).toBe(`无法从 ${JWKS_URL} 获取该签发机关的公钥集（HTTP 404）`)
    const none = await base.store.db.selectFrom('trusted_issuers').selectAll().execute()
    expect(none).toEqual([])
  })

  it('answers 400 jwks_invalid for a document that is not a public Ed25519 key set', async () => {
    serveJwks = () => json({ keys: [{ ...key.publicJwk, d: 'c2VjcmV0' }] })
    const res = await add({ jwks_url: JWKS_URL })
    expect(res.status).toBe(400)
    expect(res.json.error.code).toBe('jwks_invalid')
    expect(res.json.error.message).toContain('private key material')
    serveJwks = () => new Response('<html></html>')
    expect((await add({ jwks_url: JWKS_URL })).json.error.code).toBe('jwks_invalid')
  })

  it('wants keys or their address, and https addresses without credentials', async () => {
    const neither = await add({})
    expect(neither.status).toBe(400)
    expect(neither.json.error.details).toEqual([
      {
        field: 'jwks',
        message: 'send the keys (jwks) or the address to fetch them from (jwks_url)',
      },
    ])
    for (const bad of [
      'http://tx.sh.example.cn/.well-known/jwks.json',
      'https://user:secret@tx.sh.example.cn/.well-known/jwks.json',
      'ftp://tx.sh.example.cn/jwks.json',
      'not a url',
    ]) {
      const res = await add({ jwks_url: bad })
      expect(res.status, bad).toBe(400)
      expect(res.json.error.details[0].field, bad).toBe('jwks_url')
    }
    expect(fetched).toEqual([])
  })

  it('allows plain http only to this machine', () => {
    expect(isTrustUrl('http://127.0.0.1:8787/.well-known/jwks.json')).toBe(true)
    expect(isTrustUrl('http://localhost:8787/api/v1/trust/status-list')).toBe(true)
    expect(isTrustUrl('http://[::1]:8787/x')).toBe(true)
    expect(isTrustUrl('https://tx.sh.example.cn/x')).toBe(true)
    expect(isTrustUrl('http://10.0.0.5/x')).toBe(false)
    expect(isTrustUrl('http://localhost.evil.example/x')).toBe(false)
  })
})

describe('PATCH /trust/issuers/{code}', () => {
  beforeEach(async () => {
    expect((await add({ jwks: jwksOf(key) })).status).toBe(201)
  })

  const patch = (body: unknown, as: 'admin' | 'coordinator' = 'admin', code = SH) =>
    client.call('PATCH', `/api/v1/trust/issuers/${code}`, { as, body })

  it('sets and clears the addresses, audited', async () => {
    const set = await patch({ jwks_url: JWKS_URL, status_list_url: LIST_URL })
    expect(set.status, set.text).toBe(200)
    expect(set.json).toMatchObject({ jwks_url: JWKS_URL, status_list_url: LIST_URL })
    const cleared = await patch({ status_list_url: null })
    expect(cleared.json).toMatchObject({ jwks_url: JWKS_URL, status_list_url: null })
    const shown = (await client.call('GET', '/api/v1/trust/issuers', { as: 'checkpoint' })).json
    expect(shown[0]).toMatchObject({ jwks_url: JWKS_URL, status_list_url: null })
    const entries = await audits('trust.update')
    expect(entries).toHaveLength(2)
    expect(JSON.parse(entries[1]!.before!)).toMatchObject({ status_list_url: LIST_URL })
    expect(JSON.parse(entries[1]!.after!)).toMatchObject({ status_list_url: null })
  })

  it('starts a changed address afresh: no ETag, no failure count, no alert', async () => {
    await base.store.db
      .updateTable('trusted_issuers')
      .set({
        jwks_url: 'https://old.example.cn/jwks.json',
        jwks_etag: '"old"',
        failures: 9,
        failing_since: '2026-11-29T07:00:00.000Z',
        last_error: 'jwks_unreachable: the JWKS could not be fetched (HTTP 503)',
        last_error_at: '2026-11-29T07:59:00.000Z',
        alert_opened_at: '2026-11-29T07:10:00.000Z',
      })
      .execute()
    const res = await patch({ jwks_url: JWKS_URL })
    expect(res.json).toMatchObject({
      failures: 0,
      failing_since: null,
      last_error: null,
      alert_opened_at: null,
    })
    const row = await base.store.db
      .selectFrom('trusted_issuers')
      .select('jwks_etag')
      .executeTakeFirstOrThrow()
    expect(row.jwks_etag).toBeNull()
  })

  it('takes a replaced key set only when an admin confirms it', async () => {
    await patch({ jwks_url: JWKS_URL })
    const replacement = await newKey()
    serveJwks = () => json(jwksOf(replacement))
    const deps = { store: base.store, config: base.config, clock: base.clock }
    const fetchFn = (async () => serveJwks()) as unknown as typeof fetch
    const [refused] = await refreshTrustedIssuers(deps, fetchFn)
    expect(refused!.error).toMatch(/^jwks_replaced/)

    const confirmed = await patch({ confirm_fetched_jwks: true })
    expect(confirmed.status, confirmed.text).toBe(200)
    expect(confirmed.json).toMatchObject({ jwks: jwksOf(replacement), last_error: null })
    const audit = (await audits('trust.update')).at(-1)
    expect(JSON.parse(audit!.before!).jwks).toEqual(jwksOf(key))
    expect(JSON.parse(audit!.after!).jwks).toEqual(jwksOf(replacement))
    expect((await refreshTrustedIssuers(deps, fetchFn))[0]!.ok).toBe(true)
  })

  it('refuses a confirmation without an address, an empty change, other roles and unknown issuers', async () => {
    const noUrl = await patch({ confirm_fetched_jwks: true })
    expect(noUrl.status).toBe(400)
    expect(noUrl.json.error.code).toBe('no_jwks_url')
    expect((await patch({})).json.error.code).toBe('nothing_to_change')
    expect((await patch({ name: '上海' }, 'coordinator')).status).toBe(403)
    expect((await patch({ name: '上海市专班' }, 'admin', '440300')).status).toBe(404)
  })
})

describe('GET /trust/issuers', () => {
  it('shows how fetching goes, and not the held list or the validators', async () => {
    await add({ jwks: jwksOf(key), jwks_url: JWKS_URL, status_list_url: LIST_URL })
    await refreshTrustedIssuers(
      { store: base.store, config: base.config, clock: base.clock },
      (async () => {
        throw new TypeError('fetch failed')
      }) as typeof fetch,
    )
    const [shown] = (await client.call('GET', '/api/v1/trust/issuers', { as: 'enterprise' })).json
    expect(shown).toMatchObject({
      fetched_at: null,
      status_list_version: null,
      failures: 1,
      failing_since: base.clock().toISOString(),
      last_error_at: base.clock().toISOString(),
      alert_opened_at: null,
    })
    expect(shown.last_error).toContain('jwks_unreachable: the JWKS could not be fetched')
    for (const hidden of ['status_list', 'status_list_etag', 'jwks_etag', 'status_list_iat'])
      expect(shown).not.toHaveProperty(hidden)
  })
})

describe('the pages', () => {
  /** Visible text in the wrong language or a raw code, as test/ui/page-language.test.ts judges. */
  function offences(html: string, lang: 'zh' | 'en') {
    const pieces = visibleText(html, lang)
    // Values shown as data somewhere on the page may be repeated where no markup can go.
    const knownData = [...new Set(pieces.filter((p) => p.data).map((p) => p.text))]
      .filter((value) => value.length >= 2)
      .sort((a, b) => b.length - a.length)
    return pieces
      .filter((piece) => !piece.data)
      .map((piece) => knownData.reduce((t, value) => t.replaceAll(value, ' '), piece.text))
      .filter((text) => {
        if (/\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/.test(text)) return true
        if (lang === 'zh')
          return /[A-Za-z]{3,}/.test(text.replace(/\b(PCR|CSV|QR|USCC|UTC|English)\b/g, ''))
        return /\p{Script=Han}/u.test(text.replace('中文', ''))
      })
  }

  beforeEach(async () => {
    expect(
      (await add({ jwks: jwksOf(key), jwks_url: JWKS_URL, status_list_url: LIST_URL })).status,
    ).toBe(201)
    const replacement = await newKey()
    serveJwks = () => json(jwksOf(replacement))
    const deps = { store: base.store, config: base.config, clock: base.clock }
    const fetchFn = (async (input: RequestInfo | URL) =>
      String(input) === JWKS_URL
        ? serveJwks()
        : new Response('down', { status: 503 })) as typeof fetch
    for (let i = 0; i < 6; i++) {
      await refreshTrustedIssuers(deps, fetchFn)
      base.clock.advance(60_000)
    }
  })

  it('shows a failing issuer on the trust page in words, with the admin’s confirmation', async () => {
    const zh = await base.call('GET', '/ui/trust', { as: 'admin' })
    expect(zh.status).toBe(200)
    expect(zh.text).toContain('data-fetch-state="failing"')
    expect(zh.text).toContain('公钥集被整体更换，须管理员确认')
    expect(zh.text).toContain('吊销名单地址无法访问')
    expect(zh.text).toContain('连续 6 次失败')
    expect(zh.text).toContain('已于 2026-11-29 16:05 向专班预警')
    expect(zh.text).toContain('"confirm_fetched_jwks"')
    // Addresses by host, the whole address on hover; no raw error text reaches the page.
    expect(zh.text).toContain(`title="${LIST_URL}">tx.sh.example.cn</code>`)
    expect(zh.text).not.toContain('HTTP 503')
    expect(offences(zh.text, 'zh')).toEqual([])

    const en = await base.call('GET', '/ui/trust?lang=en', { as: 'coordinator' })
    expect(en.text).toContain('Key set replaced entirely: an administrator must confirm')
    expect(en.text).not.toContain('"confirm_fetched_jwks"')
    expect(offences(en.text, 'en')).toEqual([])
  })

  it('puts a banner on the coordinators’ alerts page, in both languages', async () => {
    const zh = await base.call('GET', '/ui/alerts', { as: 'coordinator' })
    expect(zh.text).toContain('data-trust-failing')
    expect(zh.text).toContain('其他签发机关的数据持续获取失败')
    expect(zh.text).toMatch(/上海市货运专班.*自 2026-11-29 16:00 起获取失败（连续 6 次）/s)
    expect(offences(zh.text, 'zh')).toEqual([])
    const en = await base.call('GET', '/ui/alerts?lang=en', { as: 'coordinator' })
    expect(en.text).toContain('Other issuers’ data keeps failing to fetch')
    expect(offences(en.text, 'en')).toEqual([])

    // An admin who confirms the new keys and stops fetching the list closes it.
    const fixed = await client.call('PATCH', `/api/v1/trust/issuers/${SH}`, {
      as: 'admin',
      body: { confirm_fetched_jwks: true, status_list_url: null },
    })
    expect(fixed.json.alert_opened_at).toBeNull()
    expect((await base.call('GET', '/ui/alerts', { as: 'coordinator' })).text).not.toContain(
      'data-trust-failing',
    )
  })
})
