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
          <style>{raw(STYLES)}</style>
        </head>
        <body>
          <header class="top">
            <a class="brand" href="/ui">
              {t.app}
            </a>
            <nav aria-label={t.home}>
              {navFor(ctx).map(([href, label]) => (
                <>
                  <a href={href} aria-current={ctx.path === href ? 'page' : undefined}>
                    {label}
                  </a>{' '}
                </>
              ))}
            </nav>
            <a href={`${ctx.path}?lang=${other}`} lang={other === 'zh' ? 'zh-CN' : 'en'}>
              {t.switchLang}
            </a>
            {ctx.principal ? <a href="/ui/password">{t.changePassword}</a> : null}
            {ctx.principal ? (
              <form method="post" action="/ui/logout" style="display:inline">
                <button
                  class="secondary"
                  type="submit"
                >{`${t.signOut} (${ctx.principal.username})`}</button>
              </form>
            ) : null}
          </header>
          <main id="main">{props.children}</main>
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
