import { describe, expect, it } from 'vitest'
import { charsetOf, decodeCsv } from '../../../src/applications/bulk/decode-csv.ts'

// Runs on Node and inside workerd (the workers project), so both runtimes' TextDecoder is held to
// it: workerd knows `gbk` and `gb18030` without a decoder library.

/** 车牌号,路线 / 浙A12345,杭州 in GBK, as Excel on Chinese Windows saves it. */
const GBK = Uint8Array.from([
  0xb3, 0xb5, 0xc5, 0xc6, 0xba, 0xc5, 0x2c, 0xc2, 0xb7, 0xcf, 0xdf, 0x0d, 0x0a, 0xd5, 0xe3, 0x41,
  0x31, 0x32, 0x33, 0x34, 0x35, 0x2c, 0xba, 0xbc, 0xd6, 0xdd, 0x0d, 0x0a,
])
const TEXT = '车牌号,路线\r\n浙A12345,杭州\r\n'
const utf8 = (text: string) => new TextEncoder().encode(text)
const withBom = (bytes: Uint8Array) => Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes])

describe('decoding an uploaded CSV file', () => {
  it('reads UTF-8', () => {
    expect(decodeCsv(utf8(TEXT))).toEqual({ ok: true, text: TEXT, encoding: 'utf-8' })
  })

  it('reads UTF-8 with a byte-order mark, dropping the mark', () => {
    expect(decodeCsv(withBom(utf8(TEXT)))).toEqual({ ok: true, text: TEXT, encoding: 'utf-8' })
    // Even when the client calls it GBK: the mark says what it is.
    expect(decodeCsv(withBom(utf8(TEXT)), 'text/csv; charset=utf-8').ok).toBe(true)
  })

  it('falls back to GB18030 for bytes that are not UTF-8 (GBK from Excel)', () => {
    expect(decodeCsv(GBK)).toEqual({ ok: true, text: TEXT, encoding: 'gb18030' })
  })

  it('takes a charset named in Content-Type over its own guess', () => {
    expect(decodeCsv(GBK, 'text/csv; charset="GBK"')).toMatchObject({ ok: true, text: TEXT })
    expect(decodeCsv(GBK, 'text/csv;charset=utf-8')).toEqual({
      ok: false,
      problem: 'undecodable',
      charset: 'utf-8',
    })
    // UTF-8 bytes of Chinese read as GBK give other characters, as the client asked.
    const misread = decodeCsv(utf8(TEXT), 'text/csv; charset=gbk')
    expect(misread.ok && misread.text).not.toBe(TEXT)
    expect(decodeCsv(GBK, 'text/csv; charset=x-none')).toEqual({
      ok: false,
      problem: 'unknown_charset',
      charset: 'x-none',
    })
  })

  it('refuses bytes that are neither UTF-8 nor GB18030', () => {
    // 0xFF never starts a GB18030 sequence, and is never valid in UTF-8.
    expect(decodeCsv(Uint8Array.from([0x61, 0xff, 0xff, 0x0a]))).toMatchObject({
      ok: false,
      problem: 'undecodable',
    })
  })

  it('reads the charset parameter however it is written', () => {
    expect(charsetOf('text/csv; Charset="GB2312"')).toBe('gb2312')
    expect(charsetOf('text/csv')).toBeUndefined()
    expect(charsetOf(undefined)).toBeUndefined()
  })
})
