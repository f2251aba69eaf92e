import { parse } from 'csv-parse/browser/esm/sync'
import { badRequest } from '../../http/errors.ts'
import { readHeader, type ColumnKey } from './csv-columns.ts'

/** One data row: its line in the file (the header is line 1, as Excel numbers rows) and its cells. */
export interface CsvRow {
  row: number
  cell(key: ColumnKey): string
}

export interface BulkCsv {
  /** The name each column was written with, for answers that point at a column. */
  written(key: ColumnKey): string
  rows: CsvRow[]
}

/**
 * The file's header and non-blank rows, or the 400 that refuses the whole file: unreadable CSV
 * (`csv_malformed`), no rows (`csv_empty`), a wrong header (`csv_header_invalid`, naming each
 * column), too many rows (`too_many_rows`).
 */
export function readBulkCsv(text: string, maxRows: number): BulkCsv {
  let records: { record: string[]; raw: string; info: { lines: number } }[]
  try {
    records = parse(text, {
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      // A row of empty cells is what Excel writes for a blank row of a formatted sheet.
      skip_records_with_empty_values: true,
    }) as unknown as typeof records
  } catch (error) {
    const line = (error as { lines?: number }).lines
    throw badRequest('csv_malformed', `the file is not readable as CSV (line ${line ?? '?'})`)
  }
  const [header, ...data] = records
  if (!header || data.length === 0) throw badRequest('csv_empty', 'the file has no data rows')
  const read = readHeader(header.record)
  if (!read.ok) {
    const names = read.problems.map((p) => p.field).join(', ')
    throw badRequest('csv_header_invalid', `the header row is wrong: ${names}`, read.problems)
  }
  if (data.length > maxRows) {
    throw badRequest(
      'too_many_rows',
      `the file has ${data.length} rows; at most ${maxRows} are taken at once`,
    )
  }
  const { columns } = read
  return {
    written: (key) => columns.get(key)?.written ?? key,
    rows: data.map(({ record, raw, info }) => ({
      // `lines` is where the record ends; a quoted cell may hold line breaks.
      row: info.lines - (raw.replace(/[\r\n]+$/, '').match(/\n/g)?.length ?? 0),
      cell: (key) => {
        const at = columns.get(key)
        return at === undefined ? '' : (record[at.index] ?? '').trim()
      },
    })),
  }
}
