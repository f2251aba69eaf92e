import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { safeNextPath } from '../../src/auth/next-path.ts'
import { judgeRequestOrigin } from '../../src/auth/request-origin.ts'
import { clientAddressOf, publicHostOf, servedOverHttps } from '../../src/auth/client-address.ts'
import { SESSION_COOKIE } from '../../src/auth/middleware.ts'
import { loadConfig } from '../../src/config.ts'
import { generateSecrets } from '../../src/keys/generate.ts'

const HOSTILE_NEXT = [
  '/ui\r\nSet-Cookie: x=1',
  '/ui/passes\nLocation: https://evil.example',
  '/ui\u0000',
  '/ui\t/x',
  '//evil.example',
  '/\\evil.example',
  '/ui\\evil',
  '/ui/..//evil.example',
  '/ui/../api/v1/accounts',
  'https://evil.example/ui',
  '/uievil',
  'javascript:alert(1)',
  '',
  '/ui' + 'x'.repeat(2000),
]

describe('safeNextPath', () => {
  it('keeps a page of ours, re-encoded', () => {
    expect(safeNextPath('/ui')).toBe('/ui')
    expect(safeNextPath('/ui/passes/330100000001?lang=en')).toBe('/ui/passes/330100000001?lang=en')
    expect(safeNextPath('/ui/loops/通行')).toBe('/ui/loops/%E9%80%9A%E8%A1%8C')
  })

  it('refuses control characters, backslashes, other sites and anything outside /ui', () => {
    for (const next of [...HOSTILE_NEXT, undefined, 42])
      expect(safeNextPath(next), JSON.stringify(next)).toBeNull()
  })
})

describe('judgeRequestOrigin', () => {
  const host = 'pass.example.gov.cn'

  it('lets Sec-Fetch-Site decide first, then Origin, then Referer; says unknown when none is sent', () => {
    expect(judgeRequestOrigin({ origin: 'https://pass.example.gov.cn' }, host)).toBe('same')
    // Browsers set Sec-Fetch-Site and no page can forge it; only a non-browser client could send
    // this pair, and it carries no victim's cookie.
    expect(
      judgeRequestOrigin({ origin: 'https://evil.example', secFetchSite: 'same-origin' }, host),
    ).toBe('same')
    expect(
      judgeRequestOrigin(
        { origin: 'https://pass.example.gov.cn', secFetchSite: 'cross-site' },
        host,
      ),
    ).toBe('cross')
    expect(judgeRequestOrigin({ origin: 'https://evil.example', secFetchSite: 'none' }, host)).toBe(
      'cross',
    )
    expect(judgeRequestOrigin({ origin: 'null' }, host)).toBe('cross')
    expect(judgeRequestOrigin({ origin: 'null', secFetchSite: 'cross-site' }, host)).toBe('cross')
    expect(judgeRequestOrigin({ origin: 'null', secFetchSite: 'same-origin' }, host)).toBe('same')
    expect(judgeRequestOrigin({ secFetchSite: 'same-origin' }, host)).toBe('same')
    expect(judgeRequestOrigin({ secFetchSite: 'same-site' }, host)).toBe('cross')
    expect(judgeRequestOrigin({ secFetchSite: 'cross-site' }, host)).toBe('cross')
    expect(judgeRequestOrigin({ secFetchSite: 'none' }, host)).toBe('unknown')
    expect(judgeRequestOrigin({ referer: 'https://pass.example.gov.cn/ui/login' }, host)).toBe(
      'same',
    )
    expect(judgeRequestOrigin({ referer: 'https://evil.example/x' }, host)).toBe('cross')
    expect(judgeRequestOrigin({ origin: 'not a url' }, host)).toBe('cross')
    expect(judgeRequestOrigin({}, host)).toBe('unknown')
  })

  it('takes an Origin equal to PUBLIC_ORIGIN as ours when a proxy rewrote the Host', () => {
    const upstream = '127.0.0.1:8787'
    expect(judgeRequestOrigin({ origin: 'https://tx.example.cn' }, upstream)).toBe('cross')
    expect(
      judgeRequestOrigin({ origin: 'https://tx.example.cn' }, upstream, 'https://tx.example.cn'),
    ).toBe('same')
    expect(
      judgeRequestOrigin(
        { referer: 'https://tx.example.cn/ui/login' },
        upstream,
        'https://tx.example.cn',
      ),
    ).toBe('same')
    // The whole origin counts: another scheme, port or host is not ours.
    for (const origin of [
      'http://tx.example.cn',
      'https://tx.example.cn:8443',
      'https://tx.example.cn.evil.example',
      'https://evil.example',
    ]) {
      expect(judgeRequestOrigin({ origin }, upstream, 'https://tx.example.cn'), origin).toBe(
        'cross',
      )
    }
  })
})

describe('PUBLIC_ORIGIN', () => {
  it('is an http(s) origin without a path, kept in its normal form; empty means unset', async () => {
    const secrets = await generateSecrets()
    expect(loadConfig({ ...secrets, PUBLIC_ORIGIN: 'https://TX.example.cn/' }).PUBLIC_ORIGIN).toBe(
      'https://tx.example.cn',
    )
    expect(
      loadConfig({ ...secrets, PUBLIC_ORIGIN: 'https://tx.example.cn:443' }).PUBLIC_ORIGIN,
    ).toBe('https://tx.example.cn')
    expect(loadConfig({ ...secrets, PUBLIC_ORIGIN: '' }).PUBLIC_ORIGIN).toBeUndefined()
    expect(loadConfig(secrets).PUBLIC_ORIGIN).toBeUndefined()
    for (const bad of [
      'tx.example.cn',
      'https://tx.example.cn/ui',
      'ftp://tx.example.cn',
      'https://u:p@tx.example.cn',
    ]) {
      expect(() => loadConfig({ ...secrets, PUBLIC_ORIGIN: bad }), bad).toThrow(/PUBLIC_ORIGIN/)
    }
  })
})

describe('behind a reverse proxy that rewrites Host (nginx proxy_pass: Host 127.0.0.1:8787, no X-Forwarded-Host)', () => {
  const form = (t: TestApp, path: string, body: string, headers: Record<string, string>) =>
    t.app.request(`http://127.0.0.1:8787${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body,
    })
  const browser = { origin: 'https://tx.example.cn', 'sec-fetch-site': 'same-origin' }

  for (const trustProxy of ['0', '1']) {
    it(`signs in from our own page by Sec-Fetch-Site (TRUST_PROXY=${trustProxy}) and signs out with the cookie`, async () => {
      const t = await buildTestApp({ config: { TRUST_PROXY: trustProxy } })
      const res = await form(t, '/ui/login', 'username=enterprise&password=tongxing-firm', browser)
      expect([res.status, res.headers.get('location')]).toEqual([303, '/ui/passes'])
      const cookie = res.headers
        .getSetCookie()
        .find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
        .split(';')[0]
      // A cookie-signed write from our page passes the same check.
      expect((await form(t, '/ui/logout', '', { ...browser, cookie })).status).toBe(303)
      const api = await t.app.request('http://127.0.0.1:8787/api/v1/auth/logout', {
        method: 'POST',
        headers: { ...browser, cookie },
      })
      expect([api.status, (await api.json()).error.code]).toEqual([401, 'token_revoked'])
    })
  }

  it('signs in from a browser that sends no Sec-Fetch-Site when PUBLIC_ORIGIN names the public address', async () => {
    const t = await buildTestApp({ config: { PUBLIC_ORIGIN: 'https://tx.example.cn' } })
    const res = await form(t, '/ui/login', 'username=enterprise&password=tongxing-firm', {
      origin: 'https://tx.example.cn',
    })
    expect(res.status).toBe(303)
    expect(
      (
        await form(t, '/ui/login', 'username=enterprise&password=tongxing-firm', {
          origin: 'https://evil.example',
        })
      ).status,
    ).toBe(403)
  })

  it('still refuses a sign-in and a cookie-signed write from another site', async () => {
    const t = await buildTestApp({
      config: { TRUST_PROXY: '1', PUBLIC_ORIGIN: 'https://tx.example.cn' },
    })
    const hostile = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }
    const res = await form(t, '/ui/login', 'username=enterprise&password=tongxing-firm', hostile)
    expect(res.status).toBe(403)
    expect(res.headers.get('set-cookie')).toBeNull()
    const token = await t.tokenFor('coordinator')
    const write = await t.call('POST', '/api/v1/auth/logout', {
      headers: { cookie: `${SESSION_COOKIE}=${token}`, 'x-tongxing-csrf': '1', ...hostile },
    })
    expect([write.status, write.json.error.code]).toEqual([403, 'cross_origin'])
  })
})

describe('what a trusted proxy tells us', () => {
  it('takes the right-most X-Forwarded-For entry only with TRUST_PROXY, and only if it is an address', () => {
    expect(clientAddressOf('10.0.0.1', '198.51.100.7, 203.0.113.9', true)).toBe('203.0.113.9')
    expect(clientAddressOf('10.0.0.1', '2001:DB8::1', true)).toBe('2001:db8::1')
    expect(clientAddressOf('10.0.0.1', '198.51.100.7, 203.0.113.9', false)).toBe('10.0.0.1')
    expect(clientAddressOf('10.0.0.1', 'evil\r\n', true)).toBe('10.0.0.1')
    expect(clientAddressOf('10.0.0.1', undefined, true)).toBe('10.0.0.1')
  })

  it('believes X-Forwarded-Proto and X-Forwarded-Host only with TRUST_PROXY', () => {
    expect(servedOverHttps('https://a.example/ui', undefined, false)).toBe(true)
    expect(servedOverHttps('http://127.0.0.1:8787/ui', 'https', true)).toBe(true)
    expect(servedOverHttps('http://127.0.0.1:8787/ui', 'https', false)).toBe(false)
    expect(publicHostOf('http://127.0.0.1:8787/ui', 'Pass.Example', true)).toBe('pass.example')
    expect(publicHostOf('http://127.0.0.1:8787/ui', 'pass.example', false)).toBe('127.0.0.1:8787')
  })
})

describe('the web sign-in', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })
  const signIn = (
    fields: Record<string, string>,
    headers: Record<string, string> = {},
    url = 'http://localhost/ui/login',
  ) =>
    t.app.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({
        username: 'enterprise',
        password: 'tongxing-firm',
        ...fields,
      }).toString(),
    })

  it('goes on to a `next` page of ours after signing in', async () => {
    const res = await signIn({ next: '/ui/apply?lang=en' })
    expect([res.status, res.headers.get('location')]).toEqual([303, '/ui/apply?lang=en'])
  })

  it('ignores a hostile `next`: no 500, no injected header, no redirect away', async () => {
    for (const next of [...HOSTILE_NEXT, '/ui%0d%0aSet-Cookie:x=1']) {
      const res = await signIn({ next })
      expect(res.status, JSON.stringify(next)).toBe(303)
      expect(res.headers.get('location'), JSON.stringify(next)).toBe('/ui/passes')
      expect(res.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual([SESSION_COOKIE])
    }
  })

  it('renders the sign-in form with a hostile `next` as a plain /ui', async () => {
    const queries = [
      '/ui%0d%0aSet-Cookie:x',
      '%2Fui%00',
      ...['/ui\r\nSet-Cookie: x=1', '//evil.example', '/ui\\evil'].map(encodeURIComponent),
    ]
    for (const next of queries) {
      const res = await t.app.request(`/ui/login?next=${next}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('name="next" value="/ui"')
    }
  })

  it('refuses a sign-in posted from another site (Origin, else Sec-Fetch-Site, else Referer) with a 403 page and no cookie', async () => {
    const hostile: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { referer: 'https://evil.example/login.html' },
      { origin: 'null' },
    ]
    for (const headers of hostile) {
      const res = await signIn({}, headers)
      expect(res.status, JSON.stringify(headers)).toBe(403)
      expect(res.headers.get('set-cookie')).toBeNull()
      expect(await res.text()).toContain('该请求来自其他网站')
    }
    expect(
      (await signIn({}, { origin: 'http://localhost', 'sec-fetch-site': 'same-origin' })).status,
    ).toBe(303)
  })

  it('refuses a cookie-signed API write from another site even with the CSRF header', async () => {
    const token = await t.tokenFor('coordinator')
    const res = await t.call('POST', '/api/v1/auth/logout', {
      headers: {
        cookie: `${SESSION_COOKIE}=${token}`,
        'x-tongxing-csrf': '1',
        origin: 'https://evil.example',
      },
    })
    expect(res.status).toBe(403)
    expect(res.json.error.code).toBe('cross_origin')
    expect((await t.call('GET', '/api/v1/auth/me', { as: { token } })).status).toBe(200)
  })

  it('marks the session cookie Secure over HTTPS, and behind a trusted proxy that says so', async () => {
    const cookieOf = (res: Response) =>
      res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`))!
    const direct = cookieOf(await signIn({}, {}, 'https://pass.example/ui/login'))
    expect(direct).toMatch(/; Secure/)
    expect(direct).toMatch(/; HttpOnly/)
    expect(direct).toMatch(/; SameSite=Strict/)
    expect(cookieOf(await signIn({}, { 'x-forwarded-proto': 'https' }))).not.toMatch(/Secure/)
    expect(cookieOf(await signIn({}))).not.toMatch(/Secure/)

    const proxied = await buildTestApp({ config: { TRUST_PROXY: '1' } })
    const res = await proxied.app.request('http://127.0.0.1:8787/ui/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'pass.example',
        origin: 'https://pass.example',
      },
      body: 'username=enterprise&password=tongxing-firm',
    })
    expect(res.status).toBe(303)
    expect(cookieOf(res)).toMatch(/; Secure/)
  })
})
