/**
 * The columns of a bulk-application CSV: each with its English name (API.md) and the Chinese name
 * of the downloadable template. A header may use either, column by column.
 */
export const CREW_SLOTS = [1, 2, 3] as const
export type CrewSlot = (typeof CREW_SLOTS)[number]

const crewColumns = (slot: CrewSlot) => {
  const prefix = slot === 1 ? 'crew' : `crew${slot}`
  return [
    { key: `${prefix}_name`, zh: `司乘${slot}姓名`, example: slot === 1 ? '张三' : '' },
    {
      key: `${prefix}_id_number`,
      zh: `司乘${slot}身份证号`,
      example: slot === 1 ? '11010519491231002X' : '',
    },
    { key: `${prefix}_phone`, zh: `司乘${slot}手机号`, example: slot === 1 ? '13812345678' : '' },
  ] as const
}

/** Every column in template order, with an example value (the page's explanation shows it). */
export const CSV_COLUMNS = [
  { key: 'plate', zh: '车牌号', example: '沪A12345' },
  { key: 'cargo_category', zh: '货物类别', example: '生活必需品' },
  { key: 'origin_region_code', zh: '始发地区县代码', example: '310115' },
  { key: 'destination_station_code', zh: '目的中转站代码', example: 'HZ-XS-01' },
  { key: 'destination_region_code', zh: '目的地区县代码', example: '' },
  { key: 'destination_address', zh: '目的地地址', example: '' },
  { key: 'route', zh: '路线', example: 'G60 沪昆高速 → 萧山出口 → 空港中转站' },
  { key: 'valid_from', zh: '有效期开始', example: '2026-12-05 08:00' },
  { key: 'valid_until', zh: '有效期结束', example: '2026-12-20 18:00' },
  ...CREW_SLOTS.flatMap(crewColumns),
] as const

export type ColumnKey = (typeof CSV_COLUMNS)[number]['key']

/** The columns every file needs; the destination needs a station column or region + address. */
const ALWAYS_REQUIRED: readonly ColumnKey[] = [
  'plate',
  'cargo_category',
  'origin_region_code',
  'route',
  'valid_from',
  'valid_until',
  'crew_name',
  'crew_id_number',
  'crew_phone',
]

export const crewKeys = (slot: CrewSlot) => {
  const prefix = slot === 1 ? 'crew' : `crew${slot}`
  return {
    name: `${prefix}_name`,
    id_number: `${prefix}_id_number`,
    phone: `${prefix}_phone`,
  } as const satisfies Record<string, ColumnKey>
}

const BY_NAME = new Map<string, ColumnKey>(
  CSV_COLUMNS.flatMap((c) => [
    [c.key, c.key],
    [c.zh, c.key],
  ]),
)

/** A header cell as people write it: trimmed, English in any case, full-width spaces too. */
const normalisedName = (cell: string) => cell.replace(/^[\s\u3000]+|[\s\u3000]+$/g, '')

export interface HeaderProblem {
  field: string
  message: string
}

/** Where each known column is (its index and the name as written), or what is wrong with it. */
export type ReadHeader =
  | { ok: true; columns: Map<ColumnKey, { index: number; written: string }> }
  | { ok: false; problems: HeaderProblem[] }

export function readHeader(cells: readonly string[]): ReadHeader {
  const columns = new Map<ColumnKey, { index: number; written: string }>()
  const problems: HeaderProblem[] = []
  cells.forEach((cell, index) => {
    const written = normalisedName(cell)
    // Excel leaves empty header cells after the last column of a sheet that once was wider.
    if (written === '') return
    const key = BY_NAME.get(written) ?? BY_NAME.get(written.toLowerCase())
    if (!key) problems.push({ field: written, message: 'unknown column' })
    else if (columns.has(key)) problems.push({ field: written, message: 'column given twice' })
    else columns.set(key, { index, written })
  })
  const missing: ColumnKey[] = ALWAYS_REQUIRED.filter((key) => !columns.has(key))
  if (!columns.has('destination_station_code')) {
    for (const key of ['destination_region_code', 'destination_address'] as const)
      if (!columns.has(key)) missing.push(key)
  } else if (columns.has('destination_region_code') !== columns.has('destination_address')) {
    missing.push(
      columns.has('destination_region_code') ? 'destination_address' : 'destination_region_code',
    )
  }
  for (const slot of [2, 3] as const) {
    const keys = Object.values(crewKeys(slot))
    if (keys.some((k) => columns.has(k))) missing.push(...keys.filter((k) => !columns.has(k)))
  }
  for (const key of missing) problems.push({ field: key, message: 'missing column' })
  return problems.length ? { ok: false, problems } : { ok: true, columns }
}

/** The template's header row: the Chinese names (default) or the English ones. */
export const templateHeader = (lang: 'zh' | 'en') =>
  CSV_COLUMNS.map((c) => (lang === 'zh' ? c.zh : c.key)).join(',')
