import { CARGO_CATEGORIES, type CargoCategory } from '../rules.ts'

/**
 * Cells as people type them in Excel, turned into what ApplicationBody reads. Each returns the
 * value, or a problem in English (error-texts.ts has its Chinese).
 */
export type Cell<T> = { ok: true; value: T } | { ok: false; message: string }

/** `2026-12-05 08:00`, `2026/12/5 8:00`, `2026.12.05 08:00:00` (China time) or ISO with an offset. */
const LOCAL_TIME =
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]+|\s*)(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?$/
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/

export const TIME_PROBLEM = 'a date and time such as 2026-12-05 08:00 (China time)'

const two = (digits: string) => digits.padStart(2, '0')

/** The cell as the API's date-time text; RealDateTime then checks it is a real calendar moment. */
export function readTime(cell: string): Cell<string> {
  const text = cell.trim()
  if (ISO_WITH_OFFSET.test(text)) {
    // Seconds are optional in ISO 8601; RealDateTime wants them.
    const withSeconds = /T\d{2}:\d{2}(?:Z|[+-])/.test(text)
      ? text.replace(/(T\d{2}:\d{2})/, '$1:00')
      : text
    return { ok: true, value: withSeconds }
  }
  const parts = LOCAL_TIME.exec(text)
  if (!parts) return { ok: false, message: TIME_PROBLEM }
  const [, year, month, day, hour, minute, second] = parts as unknown as string[]
  return {
    ok: true,
    value: `${year}-${two(month!)}-${two(day!)}T${two(hour!)}:${minute}:${second ?? '00'}+08:00`,
  }
}

/**
 * The cargo categories' words as the pages show them (src/ui/i18n.ts `words`; a test keeps the
 * two the same): a file may name a category by its code or by either word.
 */
export const CARGO_WORDS: Record<CargoCategory, { zh: string; en: string }> = {
  medical: { zh: '医疗物资', en: 'Medical supplies' },
  daily_necessities: { zh: '生活必需品', en: 'Daily necessities' },
  government_reserves: { zh: '政府储备', en: 'Government reserves' },
  postal_express: { zh: '邮政快递', en: 'Post and express parcels' },
  agricultural: { zh: '农业生产资料', en: 'Farming supplies' },
  energy: { zh: '能源', en: 'Energy' },
  raw_materials: { zh: '原材料', en: 'Raw materials' },
  key_industrial: { zh: '重点工业品', en: 'Key industrial goods' },
}

export const CARGO_PROBLEM = 'not a cargo category: use a word from the list on the upload page'

const CARGO_BY_WORD = new Map<string, CargoCategory>(
  CARGO_CATEGORIES.flatMap((code) => [
    [code, code],
    [CARGO_WORDS[code].zh, code],
    [CARGO_WORDS[code].en.toLowerCase(), code],
  ]),
)

export function readCargo(cell: string): Cell<CargoCategory> {
  const code = CARGO_BY_WORD.get(cell.trim()) ?? CARGO_BY_WORD.get(cell.trim().toLowerCase())
  return code ? { ok: true, value: code } : { ok: false, message: CARGO_PROBLEM }
}
