import { describe, expect, it } from 'vitest'
import { readHeader, templateHeader } from '../../../src/applications/bulk/csv-columns.ts'
import { CARGO_WORDS, readCargo, readTime } from '../../../src/applications/bulk/csv-cells.ts'
import { readBulkCsv } from '../../../src/applications/bulk/read-bulk-csv.ts'
import { CARGO_CATEGORIES } from '../../../src/applications/rules.ts'
import { words } from '../../../src/ui/i18n.ts'

describe('a bulk file’s cells', () => {
  it('reads the times people type in Excel as China time, and ISO times as they are', () => {
    expect(readTime('2026-12-05 08:00')).toEqual({ ok: true, value: '2026-12-05T08:00:00+08:00' })
    expect(readTime('2026/12/5 8:00')).toEqual({ ok: true, value: '2026-12-05T08:00:00+08:00' })
    expect(readTime(' 2026.12.05 18:30:15 ')).toEqual({
      ok: true,
      value: '2026-12-05T18:30:15+08:00',
    })
    expect(readTime('2026-12-05T08:00:00Z')).toEqual({ ok: true, value: '2026-12-05T08:00:00Z' })
    expect(readTime('2026-12-05T08:00+09:00')).toEqual({
      ok: true,
      value: '2026-12-05T08:00:00+09:00',
    })
    for (const wrong of ['2026-12-05', 'tomorrow', '12/5/2026 8:00', '2026-12-05 8'])
      expect(readTime(wrong).ok, wrong).toBe(false)
  })

  it('knows a cargo category by its code or by the words the pages show for it', () => {
    for (const code of CARGO_CATEGORIES) {
      // One list of words: the upload page and the file agree.
      expect(CARGO_WORDS[code]).toEqual({ zh: words('zh', code), en: words('en', code) })
      expect(readCargo(code)).toEqual({ ok: true, value: code })
      expect(readCargo(words('zh', code))).toEqual({ ok: true, value: code })
      expect(readCargo(words('en', code).toUpperCase())).toEqual({ ok: true, value: code })
    }
    expect(readCargo('sand').ok).toBe(false)
  })
})

describe('a bulk file’s header and rows', () => {
  it('accepts the template’s header in either language, and a mix of both', () => {
    expect(readHeader(templateHeader('zh').split(',')).ok).toBe(true)
    expect(readHeader(templateHeader('en').split(',')).ok).toBe(true)
    const mixed = templateHeader('en').split(',')
    mixed[0] = ' 车牌号 '
    mixed[1] = 'Cargo_Category'
    expect(readHeader([...mixed, '', '']).ok).toBe(true)
  })

  it('names unknown, repeated and missing columns', () => {
    const header = templateHeader('en')
      .split(',')
      .filter((c) => c !== 'crew2_phone' && c !== 'route')
    expect(readHeader([...header, 'notes', 'plate'])).toEqual({
      ok: false,
      problems: [
        { field: 'notes', message: 'unknown column' },
        { field: 'plate', message: 'column given twice' },
        { field: 'route', message: 'missing column' },
        { field: 'crew2_phone', message: 'missing column' },
      ],
    })
  })

  it('numbers rows as the spreadsheet does, skipping blank lines and rows of empty cells', () => {
    const csv = readBulkCsv(
      `\uFEFF${templateHeader('zh')}\r\n浙A1,x\r\n\r\n,,,,\r\n"浙A2","a, ""quoted"" route\nover two lines"\r\n`,
      500,
    )
    expect(csv.rows.map((r) => [r.row, r.cell('plate'), r.cell('cargo_category')])).toEqual([
      [2, '浙A1', 'x'],
      [5, '浙A2', 'a, "quoted" route\nover two lines'],
    ])
    expect(csv.written('plate')).toBe('车牌号')
  })
})
