import type { Child } from 'hono/jsx'
import { RiskBadge, type Places } from '../../place-names.tsx'
import { MESSAGES, type Lang } from '../../i18n.ts'

// How the firm's pages show data that is not text of ours: place, firm and person names and plates
// stay as they are in either language, marked `class="data" lang="zh-CN"` so readers (and the
// page-language test) know them for data, not for untranslated text.

export function Data(props: { children: Child; nowrap?: boolean }) {
  return (
    <span class={props.nowrap ? 'data nowrap' : 'data'} lang="zh-CN">
      {props.children}
    </span>
  )
}

/** 上海市浦东新区 with its risk level as a coloured badge. */
export function RegionShown(props: { places: Places; code: string; lang: Lang }) {
  return (
    <>
      <Data>{props.places.regionName(props.code)}</Data>{' '}
      <RiskBadge lang={props.lang} level={props.places.risk(props.code)} />
    </>
  )
}

/** Where a pass or an application sends the goods: a transfer station, or a site in a region. */
export function DestinationShown(props: {
  places: Places
  lang: Lang
  destination: { station_code?: string; region_code: string; address?: string }
}) {
  const { destination, places } = props
  if (destination.station_code) return <Data>{places.station(destination.station_code)}</Data>
  return (
    <>
      <RegionShown places={places} code={destination.region_code} lang={props.lang} />
      {destination.address ? (
        <>
          {' '}
          <Data>{destination.address}</Data>
        </>
      ) : null}
    </>
  )
}

/** A time as a `datetime-local` value in China time (the form script reads it back as UTC+8). */
export const chinaInput = (d: Date) =>
  new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16)

/** `label（北京时间）` / `label (China time)`: times on the firm's pages are China time, and say so. */
export const inChinaTime = (lang: Lang, label: string) =>
  lang === 'zh' ? `${label}${MESSAGES.zh.chinaTimeNote}` : `${label} ${MESSAGES.en.chinaTimeNote}`
