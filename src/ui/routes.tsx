import { Hono, type Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv, Deps } from '../app-env.ts'
import { ApiError } from '../http/errors.ts'
import { authenticate, SESSION_COOKIE } from '../auth/middleware.ts'
import { hasRole, type Principal } from '../auth/principal.ts'
import type { Role } from '../auth/accounts.table.ts'
import { signIn } from '../auth/sign-in.ts'
import { changePassword, signOut } from '../auth/session.ts'
import { requestClientAddress, requestIsHttps } from '../auth/client-address.ts'
import { requestOrigin } from '../auth/request-origin.ts'
import { safeNextPath } from '../auth/next-path.ts'
import { cspHash, pagePolicy } from '../http/security-headers.ts'
import { STYLES } from './styles.ts'
import { ASSETS } from './generated/assets.ts'
import { MESSAGES, pickLang, type Lang } from './i18n.ts'
import { Layout, type PageContext } from './layout.tsx'
import { registerPages } from './page-list.tsx'
import { FAVICON_SVG } from './favicon.ts'
import { findEnterprise } from '../enterprises/enterprises.repository.ts'

const HOME: Record<Role, string> = {
  enterprise: '/ui/passes',
  checkpoint: '/ui/scan',
  coordinator: '/ui/queue',
  admin: '/ui/queue',
}

/** The web pages, rendered on the server with hono/jsx; small scripts in client/ do the rest. */
export function uiRoutes(deps: Deps) {
  const app = new Hono<AppEnv>()
  // The icon first, before the session is read: it is the same for everyone (and browsers ask
  // for /favicon.ico on their own, so that path answers too).
  for (const path of ['/favicon.ico', '/favicon.svg'])
    app.get(path, (c) =>
      c.body(FAVICON_SVG, 200, {
        'content-type': 'image/svg+xml',
        'cache-control': 'public, max-age=86400',
      }),
    )
  app.use('*', authenticate(deps))
  // The pages' content policy: the one inline stylesheet is allowed by its hash. Their referrer
  // policy is same-origin rather than no-referrer: under no-referrer a browser sends
  // `Origin: null` with our own forms, and the sign-in's origin check needs the real one.
  const policy = cspHash(STYLES).then((hash) => pagePolicy([hash]))
  const pageHeaders = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    c.header('Content-Security-Policy', await policy)
    c.header('Referrer-Policy', 'same-origin')
    await next()
  }
  app.use('/ui', pageHeaders)
  app.use('/ui/*', pageHeaders)

  async function context(c: Context<AppEnv>): Promise<PageContext> {
    const asked = c.req.query('lang')
    if (asked)
      setCookie(c, 'tx_lang', pickLang(asked), { path: '/', sameSite: 'Lax', maxAge: 365 * 86400 })
    const principal = c.get('principal')
    const url = c.req.url
    const query = url.indexOf('?')
    return {
      lang: pickLang(asked ?? getCookie(c, 'tx_lang')),
      principal,
      path: c.req.path,
      search: query < 0 ? '' : url.slice(query),
      enterpriseName: principal?.enterpriseId
        ? (await findEnterprise(deps.store.db, principal.enterpriseId))?.name
        : undefined,
    }
  }

  /** A page for `roles`: signed-out visitors go to sign-in and come back; other roles get 403. */
  function page(
    path: string,
    roles: Role[],
    render: (ctx: PageContext, c: Context<AppEnv>) => Promise<unknown> | unknown,
  ) {
    app.get(path, async (c) => {
      const ctx = await context(c)
      const principal = ctx.principal
      if (!principal) return c.redirect(`/ui/login?next=${encodeURIComponent(c.req.path)}`)
      // Signed-in pages carry personal data: no browser or proxy may keep them (the default for
      // every answer, said again here so a change there cannot loosen it for pages).
      c.header('Cache-Control', 'no-store')
      if (!roles.some((role) => hasRole(principal, role)))
        return c.html(forbiddenPage(ctx, principal, roles), 403)
      const body = await render(ctx, c)
      if (body === null) return c.html(notFoundPage(ctx), 404)
      return c.html(body as string)
    })
  }

  /** 403: whose page this is, who the visitor is, and the two ways on (home, or another account). */
  const forbiddenPage = (ctx: PageContext, principal: Principal, roles: Role[]) => {
    const t = MESSAGES[ctx.lang]
    const [before, after] = t.forbiddenText
      .replace('{roles}', roleNames(ctx.lang, roles))
      .replace('{role}', roleName(ctx.lang, principal.role))
      .split('{username}')
    return (
      <Layout ctx={ctx} title={t.forbiddenTitle}>
        <h1>{t.forbiddenTitle}</h1>
        <p>
          {before}
          <span class="data">{principal.username}</span>
          {after}
        </p>
        <p>
          <a class="button" href="/ui">
            {t.goHome}
          </a>
        </p>
        <form method="post" action="/ui/logout">
          <input type="hidden" name="next" value={`${ctx.path}${ctx.search ?? ''}`} />
          <button type="submit" class="secondary">
            {t.signInAsOther}
          </button>
        </form>
      </Layout>
    )
  }

  /** 404: the same words whether the record does not exist or is another account's. */
  const notFoundPage = (ctx: PageContext) => {
    const t = MESSAGES[ctx.lang]
    return (
      <Layout ctx={ctx} title={t.notFoundTitle}>
        <h1>{t.notFoundTitle}</h1>
        <p>{t.notFoundText}</p>
        <p>
          <a class="button" href="/ui">
            {t.goHome}
          </a>
        </p>
      </Layout>
    )
  }

  const message = (ctx: PageContext, title: string, text: string) => (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p>{text}</p>
      <p>
        <a href="/ui">{MESSAGES[ctx.lang].home}</a>
      </p>
    </Layout>
  )

  const loginPage = (ctx: PageContext, next: string, failed: boolean | string) => {
    const t = MESSAGES[ctx.lang]
    return (
      <Layout ctx={ctx} title={t.signIn}>
        <h1>{t.signIn}</h1>
        <form method="post" action="/ui/login" style="max-width:24rem">
          {failed ? (
            <p class="errors" role="alert">
              {typeof failed === 'string' ? failed : t.wrongLogin}
            </p>
          ) : null}
          <input type="hidden" name="next" value={next} />
          <label for="username">{t.username}</label>
          <input id="username" name="username" autocomplete="username" required autofocus />
          <label for="password">{t.password}</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
          <p>
            <button type="submit" class="big">
              {t.signIn}
            </button>
          </p>
        </form>
      </Layout>
    )
  }

  /** HttpOnly, SameSite=Strict, and Secure whenever the browser came over HTTPS (also through a trusted proxy). */
  const cookieOptions = (c: Context<AppEnv>) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'Strict' as const,
    secure: requestIsHttps(deps, c),
  })
  const setSession = (c: Context<AppEnv>, token: string) =>
    setCookie(c, SESSION_COOKIE, token, {
      ...cookieOptions(c),
      maxAge: deps.config.LOGIN_TOKEN_TTL_SECONDS,
    })
  /** Forms that sign in or act on the session are refused when the browser says another site sent them. */
  const crossOrigin = (c: Context<AppEnv>) => requestOrigin(deps, c) === 'cross'
  const refuseCrossOrigin = async (c: Context<AppEnv>) => {
    const ctx = await context(c)
    return c.html(
      message(ctx, MESSAGES[ctx.lang].refusedTitle, MESSAGES[ctx.lang].crossOrigin),
      403,
    )
  }

  // `next` is only ever a page of ours (see safeNextPath); anything else is ignored, not followed.
  // Someone already signed in (a valid session) has nothing to do here: on to their page.
  app.get('/ui/login', async (c) => {
    const next = safeNextPath(c.req.query('next')) ?? '/ui'
    const ctx = await context(c)
    const principal = ctx.principal
    if (principal) return c.redirect(next === '/ui' ? HOME[principal.role] : next)
    return c.html(loginPage(ctx, next, false))
  })
  app.post('/ui/login', async (c) => {
    if (crossOrigin(c)) return refuseCrossOrigin(c)
    const form = await c.req.parseBody()
    const ctx = await context(c)
    const next = safeNextPath(form.next) ?? '/ui'
    try {
      const { token, role } = await signIn(
        deps,
        String(form.username ?? ''),
        String(form.password ?? ''),
        requestClientAddress(deps, c),
      )
      setSession(c, token)
      return c.redirect(next === '/ui' ? HOME[role] : next, 303)
    } catch (error) {
      if (!(error instanceof ApiError)) throw error
      return c.html(
        loginPage(
          ctx,
          next,
          error.code === 'too_many_attempts' ? throttledText(ctx.lang, error) : true,
        ),
        error.status === 429 ? 429 : 401,
      )
    }
  })
  // Sign-out revokes the account's tokens (not only this browser's cookie), then drops the cookie.
  // A `next` page of ours (from the 403 page's "sign in as someone else") is kept for the sign-in.
  app.post('/ui/logout', async (c) => {
    if (crossOrigin(c)) return refuseCrossOrigin(c)
    const principal = c.get('principal')
    if (principal) await signOut(deps, principal)
    deleteCookie(c, SESSION_COOKIE, cookieOptions(c))
    const next = safeNextPath((await c.req.parseBody()).next)
    return c.redirect(next ? `/ui/login?next=${encodeURIComponent(next)}` : '/ui/login', 303)
  })

  const passwordPage = (ctx: PageContext, problem: string | null, changed: boolean) => {
    const t = MESSAGES[ctx.lang]
    return (
      <Layout ctx={ctx} title={t.changePassword}>
        <h1>{t.changePassword}</h1>
        {changed ? (
          <p class="notice" role="status">
            {t.passwordChanged}
          </p>
        ) : null}
        <form method="post" action="/ui/password" style="max-width:24rem">
          {problem ? (
            <p class="errors" role="alert">
              {problem}
            </p>
          ) : null}
          <label for="current_password">{t.currentPassword}</label>
          <input
            id="current_password"
            name="current_password"
            type="password"
            autocomplete="current-password"
            required
          />
          <label for="new_password">{t.newPassword}</label>
          <input
            id="new_password"
            name="new_password"
            type="password"
            autocomplete="new-password"
            minlength={8}
            required
          />
          <p>
            <button type="submit" class="big">
              {t.changePassword}
            </button>
          </p>
        </form>
      </Layout>
    )
  }
  const PASSWORD_PROBLEMS: Record<
    string,
    'wrongPassword' | 'passwordUnchanged' | 'tooManyAttempts'
  > = {
    wrong_password: 'wrongPassword',
    password_unchanged: 'passwordUnchanged',
    too_many_attempts: 'tooManyAttempts',
  }
  app.post('/ui/password', async (c) => {
    if (crossOrigin(c)) return refuseCrossOrigin(c)
    const ctx = await context(c)
    const principal = ctx.principal
    if (!principal) return c.redirect('/ui/login?next=%2Fui%2Fpassword', 303)
    const form = await c.req.parseBody()
    const current = String(form.current_password ?? '')
    const next = String(form.new_password ?? '')
    const t = MESSAGES[ctx.lang]
    if (next.length < 8 || next.length > 256)
      return c.html(passwordPage(ctx, t.passwordTooShort, false), 400)
    try {
      const { token } = await changePassword(
        deps,
        principal,
        current,
        next,
        requestClientAddress(deps, c),
      )
      setSession(c, token)
      return c.redirect('/ui/password?changed=1', 303)
    } catch (error) {
      if (!(error instanceof ApiError) || !PASSWORD_PROBLEMS[error.code]) throw error
      return c.html(passwordPage(ctx, t[PASSWORD_PROBLEMS[error.code]], false), error.status)
    }
  })
  app.get('/ui', (c) => {
    const principal: Principal | null = c.get('principal')
    return c.redirect(principal ? HOME[principal.role] : '/ui/login')
  })

  page('/ui/password', ['admin', 'coordinator', 'enterprise', 'checkpoint'], (ctx, c) =>
    passwordPage(ctx, null, c.req.query('changed') === '1'),
  )
  registerPages(page, deps)

  for (const [name, source] of Object.entries(ASSETS)) {
    const path = name === 'sw' ? '/ui/sw.js' : `/ui/assets/${name}.js`
    app.get(path, (c) =>
      c.body(source, 200, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': name === 'sw' ? 'no-cache' : 'public, max-age=300',
        ...(name === 'sw' ? { 'service-worker-allowed': '/ui/' } : {}),
      }),
    )
  }
  app.get('/', (c) => c.redirect('/ui'))
  // Last: any other /ui address is a page that does not exist, said as a page, not bare text.
  app.get('/ui/*', async (c) => {
    c.header('Cache-Control', 'no-store')
    return c.html(notFoundPage(await context(c)), 404)
  })
  return app
}

const ROLE_KEYS = {
  enterprise: 'roleEnterprise',
  checkpoint: 'roleCheckpoint',
  coordinator: 'roleCoordinator',
  admin: 'roleAdmin',
} as const satisfies Record<Role, string>

const roleName = (lang: Lang, role: Role) => MESSAGES[lang][ROLE_KEYS[role]]

/** The roles a page is for, in words; an admin may open every coordinator page too. */
function roleNames(lang: Lang, roles: Role[]): string {
  const all =
    roles.includes('coordinator') && !roles.includes('admin') ? [...roles, 'admin' as const] : roles
  return all.map((role) => roleName(lang, role)).join(MESSAGES[lang].roleSeparator)
}

/** Which limit refused a sign-in (the address's or the account's) and when to try again, in words. */
function throttledText(lang: Lang, error: ApiError): string {
  const t = MESSAGES[lang]
  const limit = (error.details as { limit?: string } | undefined)?.limit
  const seconds = error.headers?.['retry-after'] ?? error.headers?.['Retry-After']
  if (!seconds || (limit !== 'address' && limit !== 'account')) return t.tooManyAttempts
  return (limit === 'address' ? t.tooManyAttemptsAddress : t.tooManyAttemptsAccount).replace(
    '{s}',
    seconds,
  )
}
