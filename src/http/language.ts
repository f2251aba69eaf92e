/** The languages the API speaks in its error messages; codes never change with them. */
export const API_LANGUAGES = ['zh-CN', 'en'] as const
export type ApiLanguage = (typeof API_LANGUAGES)[number]

/**
 * The language an `Accept-Language` header asks for (RFC 9110 §12.5.4): the highest q-value among
 * the languages we speak wins, ties in the order sent; any `zh*` is Chinese, any `en*` English.
 * No header, only languages we do not speak, or `*`: Chinese, the users' language.
 */
export function apiLanguage(header: string | undefined | null): ApiLanguage {
  if (!header) return 'zh-CN'
  let best: ApiLanguage = 'zh-CN'
  let bestQ = 0
  for (const part of header.split(',').slice(0, 20)) {
    const [tag = '', ...params] = part.trim().toLowerCase().split(';')
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const q = qParam === undefined ? 1 : Number(qParam.slice(2))
    if (!(q > bestQ)) continue
    const primary = tag.trim().split('-')[0]
    const lang = primary === 'zh' ? 'zh-CN' : primary === 'en' ? 'en' : undefined
    if (!lang) continue
    best = lang
    bestQ = q
  }
  return best
}
