import { MESSAGES, type Lang } from '../../i18n.ts'
import type { Places } from '../../place-names.tsx'
import { Data } from '../enterprise/shown.tsx'

export { Data, DestinationShown, RegionShown } from '../enterprise/shown.tsx'

/** `{name}` in a message filled from `values`. */
export const fill = (template: string, values: Record<string, string | number>) =>
  template.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? ''))

/** A message with `{name}` filled by markup (a name marked as data, a link), in the message's order. */
export function Fill(props: { template: string; values: Record<string, unknown> }) {
  const pieces = props.template.split(/\{(\w+)\}/)
  return <>{pieces.map((piece, i) => (i % 2 === 1 ? (props.values[piece] ?? '') : piece))}</>
}

/** How long an application has waited, in words: 已等待 3 小时 20 分. */
export function waitedText(lang: Lang, since: string, now: Date): string {
  const t = MESSAGES[lang]
  const minutes = Math.max(0, Math.floor((now.getTime() - Date.parse(since)) / 60_000))
  const d = Math.floor(minutes / 1440)
  const h = Math.floor((minutes % 1440) / 60)
  const m = minutes % 60
  if (d > 0) return fill(t.waitedDays, { d, h })
  if (h > 0) return fill(t.waitedHours, { h, m })
  return fill(t.waitedMinutes, { m })
}

const ROLE_KEYS = {
  admin: 'roleAdmin',
  coordinator: 'roleCoordinator',
  checkpoint: 'roleCheckpoint',
  enterprise: 'roleEnterprise',
} as const

/** Who did it, as stored (`coordinator:li`, `system`): the role in words, the username as data. */
export function Actor(props: { lang: Lang; actor: string | null }) {
  const t = MESSAGES[props.lang]
  if (!props.actor) return null
  if (props.actor === 'system') return <>{t.actorSystem}</>
  const [role, ...rest] = props.actor.split(':')
  const key = ROLE_KEYS[role as keyof typeof ROLE_KEYS]
  return (
    <>
      {key ? `${t[key]} ` : ''}
      <Data>{key ? rest.join(':') : props.actor}</Data>
    </>
  )
}

/** A checkpoint's (or station's) name, its code as secondary text. */
export function PlaceShown(props: { places: Places; code: string | null }) {
  if (!props.code) return null
  const name = props.places.place(props.code)
  return (
    <>
      <Data>{name}</Data>
      {name === props.code ? null : (
        <>
          {' '}
          <small class="hint data">{props.code}</small>
        </>
      )}
    </>
  )
}

/** Rows `from`–`to` of `total`, with links to the pages before and after (the query kept). */
export function Pager(props: {
  lang: Lang
  path: string
  query: Record<string, string | undefined>
  offset: number
  limit: number
  shown: number
  total: number
}) {
  const t = MESSAGES[props.lang]
  if (props.total === 0) return null
  const link = (offset: number) => {
    const q = new URLSearchParams()
    for (const [k, v] of Object.entries(props.query)) if (v) q.set(k, v)
    if (offset > 0) q.set('offset', String(offset))
    const s = q.toString()
    return s ? `${props.path}?${s}` : props.path
  }
  const before = props.offset > 0
  const after = props.offset + props.shown < props.total
  return (
    <nav class="row pager" aria-label={t.pager}>
      <p>
        {fill(t.pageRange, {
          from: props.offset + 1,
          to: props.offset + props.shown,
          n: props.total,
        })}
      </p>
      {before ? (
        <a href={link(Math.max(0, props.offset - props.limit))} rel="prev">
          {t.prevPage}
        </a>
      ) : null}
      {after ? (
        <a href={link(props.offset + props.limit)} rel="next">
          {t.nextPage}
        </a>
      ) : null}
    </nav>
  )
}

/** A whole number from the query (a page offset), `fallback` when absent or nonsense. */
export function queryNumber(value: string | undefined, fallback: number, max: number): number {
  const n = Number(value)
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback
}
