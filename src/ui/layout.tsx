import type { Child } from 'hono/jsx'
import { raw } from 'hono/html'
import type { Principal } from '../auth/principal.ts'
import { CODE_WORDS, MESSAGES, type Lang } from './i18n.ts'
import { STYLES } from './styles.ts'
import { navFor } from './nav.ts'

export interface PageContext {
  lang: Lang
  principal: Principal | null
  path: string
  /** The request's query string with its `?` ('' when none): the language switch keeps it. */
  search?: string
  /** An enterprise account's firm, shown in the header (and on its printed passes). */
  enterpriseName?: string
}

/** The same page, same query, in `lang` (one `lang` parameter, replacing any there was). */
export function pageInLanguage(ctx: PageContext, lang: Lang): string {
  const query = new URLSearchParams(ctx.search ?? '')
  query.delete('lang')
  query.append('lang', lang)
  return `${ctx.path}?${query}`
}

/** Every page: language, viewport for phones, the stylesheet, the role's navigation, the scripts. */
export function Layout(props: {
  ctx: PageContext
  title: string
  children: Child
  scripts?: string[]
}) {
  const { ctx } = props
  const t = MESSAGES[ctx.lang]
  const other = ctx.lang === 'zh' ? 'en' : 'zh'
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang={ctx.lang === 'zh' ? 'zh-CN' : 'en'}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <title>{`${props.title} · ${t.short}`}</title>
          <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
          <style>{raw(STYLES)}</style>
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/ui">
              {t.app}
            </a>
            {ctx.enterpriseName ? (
              <span class="firm data" title={t.signedInFirm}>
                {ctx.enterpriseName}
              </span>
            ) : null}
            <nav aria-label={t.mainNav}>
              {navFor(ctx).map(([href, label]) => (
                <a href={href} aria-current={ctx.path === href ? 'page' : undefined}>
                  {label}
                </a>
              ))}
            </nav>
            <div class="account">
              <a href={pageInLanguage(ctx, other)} lang={other === 'zh' ? 'zh-CN' : 'en'}>
                {t.switchLang}
              </a>
              {ctx.principal ? <a href="/ui/password">{t.changePassword}</a> : null}
              {ctx.principal ? (
                <form method="post" action="/ui/logout">
                  <button class="secondary" type="submit">
                    {t.signOut} (<span class="data">{ctx.principal.username}</span>)
                  </button>
                </form>
              ) : null}
            </div>
          </header>
          <main id="main">
            {/* The generic form script (client/app.ts) says here what the last action did. */}
            <div id="tx-done" class="done" role="status"></div>
            {props.children}
          </main>
          <script type="application/json" id="tx-i18n">
            {raw(
              JSON.stringify({ lang: ctx.lang, t, words: CODE_WORDS[ctx.lang] }).replaceAll(
                '<',
                '\\u003c',
              ),
            )}
          </script>
          {(props.scripts ?? ['app']).map((name) => (
            <script src={`/ui/assets/${name}.js`} defer></script>
          ))}
        </body>
      </html>
    </>
  )
}

/** A small table with a heading row; `empty` when there are no rows. */
export function Table(props: { head: string[]; rows: Child[][]; empty: string; label: string }) {
  if (props.rows.length === 0) return <p>{props.empty}</p>
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((cells) => (
            <tr>
              {cells.map((cell) => (
                <td>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
