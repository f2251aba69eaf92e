import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { SESSION_COOKIE } from '../../src/auth/middleware.ts'
import type { Role } from '../../src/auth/accounts.table.ts'
import { pageInLanguage } from '../../src/ui/layout.tsx'

// What every page does the same way: no caching of signed-in pages, the sign-in page sending a
// signed-in visitor home, the language switch keeping the address, the icon, the 403/404 pages
// in the page's language, and the firm's name in an enterprise account's header.

let t: TestApp
beforeAll(async () => {
  t = await buildTestApp()
})

const get = async (path: string, as?: Role, headers: Record<string, string> = {}) => {
  const cookie = as ? `${SESSION_COOKIE}=${await t.tokenFor(as)}` : undefined
  const res = await t.app.request(path, { headers: { ...(cookie ? { cookie } : {}), ...headers } })
  return { res, html: await res.text() }
}

/** The visible words of a page's <main>, tags and entities stripped. */
const mainText = (html: string) =>
  html
    .slice(html.indexOf('<main'), html.indexOf('</main>'))
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')

describe('Cache-Control', () => {
  it('is no-store on every signed-in page, also on its 403 and 404', async () => {
    for (const [path, as] of [
      ['/ui/passes', 'enterprise'],
      ['/ui/scan', 'checkpoint'],
      ['/ui/queue', 'coordinator'],
      ['/ui/password', 'admin'],
      ['/ui/queue', 'enterprise'],
      ['/ui/no-such-page', 'coordinator'],
    ] as const) {
      const { res } = await get(path, as)
      expect(res.headers.get('cache-control'), path).toBe('no-store')
    }
  })

  it('leaves the page scripts and the icon cacheable', async () => {
    expect((await get('/ui/assets/app.js')).res.headers.get('cache-control')).toBe(
      'public, max-age=300',
    )
    expect((await get('/favicon.ico')).res.headers.get('cache-control')).toMatch(/^public/)
  })
})

describe('/ui/login', () => {
  it('sends a signed-in visitor to their role’s home page', async () => {
    const homes: [Role, string][] = [
      ['enterprise', '/ui/passes'],
      ['checkpoint', '/ui/scan'],
      ['coordinator', '/ui/queue'],
      ['admin', '/ui/queue'],
    ]
    for (const [role, home] of homes) {
      const { res } = await get('/ui/login', role)
      expect([res.status, res.headers.get('location')], role).toEqual([302, home])
    }
  })

  it('or on to the page of ours it was asked for', async () => {
    const { res } = await get('/ui/login?next=%2Fui%2Falerts', 'coordinator')
    expect(res.headers.get('location')).toBe('/ui/alerts')
  })

  it('still shows the form to a visitor with no session or a revoked one', async () => {
    expect((await get('/ui/login')).res.status).toBe(200)
    const stale = await t.app.request('/ui/login', {
      headers: { cookie: `${SESSION_COOKIE}=not-a-token` },
    })
    expect(stale.status).toBe(200)
    expect(await stale.text()).toContain('name="password"')
  })
})

describe('the language switch', () => {
  it('keeps the path and the query string, with one lang parameter', async () => {
    const { html } = await get('/ui/loops?state=open', 'coordinator')
    expect(html).toContain('href="/ui/loops?state=open&amp;lang=en"')
    const english = await get('/ui/loops?lang=en&state=open', 'coordinator')
    expect(english.html).toContain('href="/ui/loops?state=open&amp;lang=zh"')
    expect(english.html).not.toMatch(/lang=en&amp;[^"]*lang=/)
  })

  it('keeps an encoded value encoded', () => {
    const ctx = {
      lang: 'zh' as const,
      principal: null,
      path: '/ui/passes',
      search: '?q=%E6%B5%99A&lang=zh',
    }
    expect(pageInLanguage(ctx, 'en')).toBe('/ui/passes?q=%E6%B5%99A&lang=en')
    expect(pageInLanguage({ ...ctx, search: '' }, 'en')).toBe('/ui/passes?lang=en')
  })
})

describe('the icon', () => {
  it('is served by the app at /favicon.ico and linked from every page', async () => {
    const { res, html } = await get('/favicon.ico')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/svg+xml')
    expect(html).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/)
    expect((await get('/favicon.svg')).html).toBe(html)
    for (const path of ['/ui/login', '/ui/queue']) {
      const page = (await get(path, path === '/ui/queue' ? 'coordinator' : undefined)).html
      expect(page, path).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml"/>')
    }
  })
})

describe('the 403 page', () => {
  it('says whose page it is and who is signed in, in Chinese, with the ways on', async () => {
    const { res, html } = await get('/ui/queue', 'enterprise')
    expect(res.status).toBe(403)
    const text = mainText(html)
    expect(text).toContain('无权访问此页面')
    expect(text).toContain('此页面仅供专班、管理员账号使用；您当前登录的是企业账号（enterprise）。')
    expect(text).not.toMatch(/403|coordinator/)
    expect(html).toContain('<a class="button" href="/ui">返回首页</a>')
    // Sign out, then sign in again and come back to this page.
    expect(html).toMatch(
      /<form method="post" action="\/ui\/logout"><input type="hidden" name="next" value="\/ui\/queue"\/><button type="submit" class="secondary">退出并以其他账号登录<\/button>/,
    )
  })

  it('in English on an English page', async () => {
    const { html } = await get('/ui/scan?lang=en', 'coordinator')
    const text = mainText(html)
    expect(text).toContain(
      'This page is for checkpoint accounts; you are signed in as coordinator, a coordinator account.',
    )
    expect(text).toContain('Sign out and sign in as someone else')
    expect(text).not.toMatch(/\p{Script=Han}/u)
  })

  it('signs out and offers the sign-in that comes back to the page', async () => {
    // An account of its own: signing out revokes every token of the account.
    const created = await t.call('POST', '/api/v1/accounts', {
      as: 'admin',
      body: {
        username: 'everywhere-firm',
        password: 'everywhere-firm-password',
        role: 'enterprise',
        enterprise_id: 'demo-ent-1',
      },
    })
    expect(created.status, created.text).toBe(201)
    const token = await t.login('everywhere-firm', 'everywhere-firm-password')
    const res = await t.app.request('/ui/logout', {
      method: 'POST',
      headers: {
        cookie: `${SESSION_COOKIE}=${token}`,
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
      },
      body: 'next=%2Fui%2Fqueue%3Flang%3Den',
    })
    expect([res.status, res.headers.get('location')]).toEqual([
      303,
      '/ui/login?next=%2Fui%2Fqueue%3Flang%3Den',
    ])
    const me = await t.app.request('/api/v1/auth/me', {
      headers: { authorization: `Bearer ${token}` },
    })
    expect(me.status).toBe(401)
    // A hostile `next` is dropped, not followed.
    const hostile = await t.app.request('/ui/logout', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
      },
      body: 'next=%2F%2Fevil.example',
    })
    expect(hostile.headers.get('location')).toBe('/ui/login')
  })
})

describe('the 404 page', () => {
  it('answers an unknown /ui address as a page, in the page’s language, with the way home', async () => {
    const zh = await get('/ui/no-such-page', 'coordinator')
    expect(zh.res.status).toBe(404)
    expect(zh.res.headers.get('content-type')).toMatch(/^text\/html/)
    expect(mainText(zh.html)).toContain('您要找的页面或记录不存在，或不属于您的账号。')
    expect(zh.html).toContain('<a class="button" href="/ui">返回首页</a>')
    const en = await get('/ui/no/such/page?lang=en')
    expect(en.res.status).toBe(404)
    expect(mainText(en.html)).toContain('does not belong to your account')
    expect(mainText(en.html)).not.toMatch(/\p{Script=Han}/u)
  })

  it('says the same for a record that does not exist as for one of another account', async () => {
    const { res, html } = await get('/ui/passes/000000000000', 'enterprise')
    expect(res.status).toBe(404)
    expect(mainText(html)).toContain('不存在，或不属于您的账号')
  })
})

describe('the header', () => {
  it('shows an enterprise account its firm’s name', async () => {
    const { html } = await get('/ui/passes', 'enterprise')
    const header = html.slice(html.indexOf('<header'), html.indexOf('</header>'))
    expect(header).toContain('杭州萧山民生物流有限公司')
  })

  it('shows no firm to the other roles', async () => {
    const { html } = await get('/ui/queue', 'coordinator')
    expect(html).not.toContain('class="firm"')
  })

  it('has a place where the form script confirms what was done', async () => {
    const { html } = await get('/ui/queue', 'coordinator')
    expect(html).toContain('<main id="main"><div id="tx-done" class="done" role="status"></div>')
  })
})
