/**
 * The text of an uploaded CSV file. Excel saves "CSV UTF-8" with a byte-order mark, and plain
 * "CSV" in the system's code page, which on Chinese Windows is GBK: a file that is not valid UTF-8
 * is read as GB18030 (a superset of GBK). A `charset` the client names wins over both guesses.
 */
export type DecodedCsv =
  | { ok: true; text: string; encoding: string }
  | { ok: false; problem: 'unknown_charset' | 'undecodable'; charset: string }

const UTF8_BOM = [0xef, 0xbb, 0xbf]

/** `text/csv; charset="gbk"` → `gbk`; undefined when the header names none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')
  return match?.[1]?.toLowerCase()
}

function strictDecode(bytes: Uint8Array, label: string): string | undefined {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: false }).decode(bytes)
  } catch {
    return undefined
  }
}

export function decodeCsv(bytes: Uint8Array, contentType?: string): DecodedCsv {
  const hasBom = UTF8_BOM.every((b, i) => bytes[i] === b)
  const named = charsetOf(contentType)
  if (named && !(hasBom && /^utf-?8$/.test(named))) {
    let decoder: TextDecoder
    try {
      decoder = new TextDecoder(named, { fatal: true, ignoreBOM: false })
    } catch {
      return { ok: false, problem: 'unknown_charset', charset: named }
    }
    try {
      // TextDecoder drops a UTF-8 mark itself (ignoreBOM is false).
      return { ok: true, text: decoder.decode(bytes), encoding: decoder.encoding }
    } catch {
      return { ok: false, problem: 'undecodable', charset: decoder.encoding }
    }
  }
  if (hasBom) {
    const text = strictDecode(bytes, 'utf-8')
    return text === undefined
      ? { ok: false, problem: 'undecodable', charset: 'utf-8' }
      : { ok: true, text, encoding: 'utf-8' }
  }
  const utf8 = strictDecode(bytes, 'utf-8')
  if (utf8 !== undefined) return { ok: true, text: utf8, encoding: 'utf-8' }
  const gb = strictDecode(bytes, 'gb18030')
  if (gb !== undefined) return { ok: true, text: gb, encoding: 'gb18030' }
  return { ok: false, problem: 'undecodable', charset: 'gb18030' }
}
