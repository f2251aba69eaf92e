import type { z } from '@hono/zod-openapi'
import type { ApiLanguage } from '../../http/language.ts'
import { issueText, localiseError } from '../../http/localise-error.ts'
import { ApiError } from '../../http/errors.ts'
import { ApplicationBody, Destination } from '../schemas.ts'
import { CREW_SLOTS, crewKeys, type ColumnKey, type CrewSlot } from './csv-columns.ts'
import { readCargo, readTime, type Cell } from './csv-cells.ts'
import type { CsvRow } from './read-bulk-csv.ts'

/** Why a row was not created: the column as the file names it (where one applies), in words. */
export interface RowError {
  field?: string
  code?: string
  message: string
}

type Body = z.output<typeof ApplicationBody>
export type CheckedRow = { ok: true; body: Body } | { ok: false; errors: RowError[] }

const [StationDestination, SiteDestination] = Destination.options

/**
 * One row as the JSON body a single application sends, checked by the same schema (and the
 * destination by its own branch, so an error names the column rather than "no branch matched").
 */
export function checkRow(
  csv: CsvRow,
  written: (key: ColumnKey) => string,
  lang: ApiLanguage,
): CheckedRow {
  const errors: RowError[] = []
  const fail = (key: ColumnKey, message: string) =>
    errors.push({ field: written(key), code: 'invalid_input', message })

  const cellValue = <T>(key: ColumnKey, read: (cell: string) => Cell<T>): T | string => {
    const text = csv.cell(key)
    if (text === '') return text
    const cell = read(text)
    if (cell.ok) return cell.value
    fail(key, localiseError(lang, 'invalid_input', cell.message).message)
    return text
  }

  // The crew in slot order; a slot with every cell empty is not there. `slots[i]`: member i's slot.
  const slots: CrewSlot[] = CREW_SLOTS.filter((slot) =>
    Object.values(crewKeys(slot)).some((key) => csv.cell(key) !== ''),
  )
  const crew = slots.map((slot) => {
    const keys = crewKeys(slot)
    return {
      name: csv.cell(keys.name),
      id_number: csv.cell(keys.id_number),
      phone: csv.cell(keys.phone),
    }
  })
  const station = csv.cell('destination_station_code')
  const destination =
    station !== ''
      ? { station_code: station }
      : {
          region_code: csv.cell('destination_region_code'),
          address: csv.cell('destination_address'),
        }
  const input = {
    plate: csv.cell('plate'),
    crew,
    cargo_category: cellValue('cargo_category', readCargo),
    origin_region_code: csv.cell('origin_region_code'),
    destination,
    route: csv.cell('route'),
    valid_from: cellValue('valid_from', readTime),
    valid_until: cellValue('valid_until', readTime),
  }
  const cellFailed = new Set(errors.map((e) => e.field))

  const columnOf = (path: readonly PropertyKey[]): ColumnKey => {
    const [first, index, member] = path
    if (first === 'crew') {
      const slot = slots[Number(index)] ?? 1
      return typeof member === 'string' && member in crewKeys(slot)
        ? crewKeys(slot)[member as keyof ReturnType<typeof crewKeys>]
        : crewKeys(slot).name
    }
    if (first === 'destination') return `destination_${String(index)}` as ColumnKey
    return first as ColumnKey
  }
  const parsed = ApplicationBody.safeParse(input)
  const parsedDestination = (station !== '' ? StationDestination : SiteDestination).safeParse(
    destination,
  )
  const issues = [
    ...(parsed.success ? [] : parsed.error.issues.filter((i) => i.path[0] !== 'destination')),
    ...(parsedDestination.success
      ? []
      : parsedDestination.error.issues.map((i) => ({ ...i, path: ['destination', ...i.path] }))),
  ]
  for (const issue of issues) {
    const key = columnOf(issue.path)
    if (cellFailed.has(written(key))) continue
    // An empty cell says "required", as a field left out of the JSON does.
    const value = issue.path.reduce<unknown>(
      (v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k],
      input,
    )
    fail(key, value === '' ? (lang === 'en' ? 'required' : '必填') : issueText(lang, issue, input))
  }
  if (errors.length || !parsed.success) return { ok: false, errors }
  return { ok: true, body: parsed.data }
}

/** The column a refusal of the application's rules is about, when its code says. */
const COLUMN_OF_CODE: Record<string, ColumnKey> = {
  invalid_validity: 'valid_from',
  overlaps_current_pass: 'valid_from',
  application_pending: 'plate',
  unknown_station: 'destination_station_code',
  station_closed: 'destination_station_code',
  transfer_station_required: 'destination_station_code',
  unknown_region: 'origin_region_code',
}
const COLUMN_OF_DETAIL: Record<string, ColumnKey> = {
  'destination.station_code': 'destination_station_code',
  'destination.region_code': 'destination_region_code',
  valid_from: 'valid_from',
  valid_until: 'valid_until',
  origin_region_code: 'origin_region_code',
}

/** A rule's refusal (prepareApplication's ApiError) as the row's error, in the reader's language. */
export function ruleError(
  error: ApiError,
  written: (key: ColumnKey) => string,
  lang: ApiLanguage,
): RowError {
  const detail = Array.isArray(error.details)
    ? (error.details[0] as { field?: unknown } | undefined)
    : undefined
  const key =
    (typeof detail?.field === 'string' ? COLUMN_OF_DETAIL[detail.field] : undefined) ??
    COLUMN_OF_CODE[error.code]
  const said = localiseError(lang, error.code, error.message)
  return {
    ...(key ? { field: written(key) } : {}),
    code: error.code,
    // The column is named in `field`; the English need not start with it too.
    message: said.message.replace(/^[a-z_][\w.]*: /, ''),
  }
}
