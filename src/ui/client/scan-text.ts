import { i18n, word } from './common.ts'
import { chinaTime } from '../format.ts'
import type { PagePlaces } from '../pages/checkpoint/scan-page.tsx'

// What the scan page says: its text with values put in, and codes as names (the names embedded in
// the page, kept for offline use by the service worker).

export const places: PagePlaces = JSON.parse(
  document.getElementById('tx-places')?.textContent ??
    '{"checkpoints":{},"stations":{},"regions":{},"destinations":[]}',
)

/** `{name}` in a message, filled in. */
export const fill = (text: string, values: Record<string, string | number>) =>
  text.replace(/\{(\w+)\}/g, (_, key: string) => String(values[key] ?? ''))

/** A station's, checkpoint's or listed region's name; the code itself when none is known. */
export const placeName = (code: string | null | undefined) =>
  code
    ? (places.stations[code] ??
      places.checkpoints[code]?.name ??
      places.regions[code]?.name ??
      code)
    : ''

/** 上海市浦东新区（高风险） — in English `… (high risk)`. */
export const withRisk = (name: string, risk: string | undefined) =>
  risk ? (i18n.lang === 'zh' ? `${name}（${word(risk)}）` : `${name} (${word(risk)})`) : name

/** China time (UTC+8), as every page shows times. */
export const time = (iso: string | null | undefined) => chinaTime(iso ?? null)
