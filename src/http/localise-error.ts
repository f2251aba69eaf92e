import { z } from 'zod'
import type { ApiLanguage } from './language.ts'
import { ERROR_TEXTS, FIELD_TEXTS, STATUS_WORDS_ZH } from './error-texts.ts'

/**
 * The throw sites write English; an answer in Chinese is found here from the code and that English.
 * English answers keep the thrower's sentence as it is. Codes and fields never change.
 */

interface Sentence {
  match: RegExp
  names: string[]
  zh: string
}

/** `'station {code} is closed'` → a pattern that reads `code` back out of the English. */
function sentence(en: string, zh: string): Sentence {
  const names: string[] = []
  const pattern = en
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1]
      if (!name) return part.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')
      names.push(name)
      return '(.+?)'
    })
    .join('')
  return { match: new RegExp(`^${pattern}$`, 's'), names, zh }
}

const CODE_SENTENCES = new Map(
  Object.entries(ERROR_TEXTS).map(([code, text]) => [
    code,
    [sentence(text.en, text.zh), ...(text.says ?? []).map(([en, zh]) => sentence(en, zh))],
  ]),
)
const FIELD_SENTENCES = FIELD_TEXTS.map(([en, zh]) => sentence(en, zh))

/** Status words inside a specific stay codes in English and become words in Chinese. */
const zhValue = (value: string) =>
  value
    .split(', ')
    .map((v) => STATUS_WORDS_ZH[v] ?? v)
    .join('、')

function fill(found: Sentence, english: string): string | undefined {
  const values = found.match.exec(english)
  if (!values) return undefined
  return found.names.reduce(
    (text, name, i) => text.replaceAll(`{${name}}`, zhValue(values[i + 1] ?? '')),
    found.zh,
  )
}

const firstFilled = (sentences: readonly Sentence[], english: string) => {
  for (const s of sentences) {
    const text = fill(s, english)
    if (text !== undefined) return text
  }
  return undefined
}

/** `field: text` as the validators and rules write it. */
const FIELD_PREFIX = /^([a-z_][\w.]*): (.+)$/s

/** The Chinese for a field's message, or undefined when the table does not know it. */
export function fieldTextZh(english: string, code?: string): string | undefined {
  return firstFilled(FIELD_SENTENCES, english)?.replace(
    '{=code}',
    ERROR_TEXTS[code ?? '']?.zh ?? '',
  )
}

/** Whether the table has a sentence for this English (whatever the code); for the source scan. */
export function knowsSentence(english: string): boolean {
  const all = [...CODE_SENTENCES.values()].flat()
  const prefixed = FIELD_PREFIX.exec(english)
  return [english, ...(prefixed ? [prefixed[2]!] : [])].some(
    (text) => firstFilled(all, text) !== undefined || fieldTextZh(text) !== undefined,
  )
}

/** The Chinese for an error's message: its code's sentences, then field texts, then the code's text. */
export function messageZh(code: string, english: string): string {
  const sentences = CODE_SENTENCES.get(code) ?? []
  const direct = firstFilled(sentences, english) ?? fieldTextZh(english, code)
  if (direct !== undefined) return direct
  const prefixed = FIELD_PREFIX.exec(english)
  if (prefixed) {
    const rest = firstFilled(sentences, prefixed[2]!) ?? fieldTextZh(prefixed[2]!, code)
    // The field is named in `details`; a Chinese sentence does not start with its code.
    if (rest !== undefined) return rest
  }
  // A code without a table entry (the scan test forbids it) keeps its English.
  return ERROR_TEXTS[code]?.zh ?? (code.startsWith('http_') ? '请求被拒绝' : english)
}

type Detail = { field?: unknown; message?: unknown }

/** `details[].message` in Chinese; other kinds of details (held passes, retry hints) stay. */
function detailsZh(code: string, details: unknown): unknown {
  if (!Array.isArray(details)) return details
  return details.map((detail: Detail) =>
    detail && typeof detail === 'object' && typeof detail.message === 'string'
      ? { ...detail, message: fieldTextZh(detail.message, code) ?? messageZh(code, detail.message) }
      : detail,
  )
}

/** The error's `message` and `details` in `lang`; English is the throwers' own text. */
export function localiseError(
  lang: ApiLanguage,
  code: string,
  message: string,
  details?: unknown,
): { message: string; details?: unknown } {
  if (lang === 'en') return { message, details }
  return { message: messageZh(code, message), details: detailsZh(code, details) }
}

// Validation issues: zod's own locale for its built-in checks, the table for the schemas' own
// messages. zod drops the input from finished issues; it is put back from the validated value so
// the locale can name the type it received.
const zodZh = z.locales.zhCN().localeError
const ZH_TYPE_WORDS: Record<string, string> = {
  string: '文本',
  number: '数字',
  boolean: '是/否',
  object: '对象',
  array: '列表',
  undefined: '空',
  null: '空值',
  date: '日期',
  bigint: '整数',
  int: '整数',
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<PropertyKey, unknown>)[key]
  }
  return value
}

/**
 * One validation issue's message in `lang`. A field left out says so plainly in both languages
 * (zod would say "expected string, received undefined").
 */
export function issueText(lang: ApiLanguage, issue: z.core.$ZodIssue, input: unknown): string {
  const value = valueAt(input, issue.path)
  if (issue.code === 'invalid_type' && value === undefined)
    return lang === 'en' ? 'required' : '必填'
  return lang === 'en' ? issue.message : issueZh(issue, value)
}

function issueZh(issue: z.core.$ZodIssue, value: unknown): string {
  const own = fieldTextZh(issue.message)
  if (own !== undefined) return own
  const raw = { ...issue, input: value } as Parameters<typeof zodZh>[0]
  const text = zodZh(raw)
  const said = typeof text === 'string' ? text : (text?.message ?? '无效输入')
  return said
    .replace(/空值\(null\)/g, '空值')
    .replace(/\b(string|number|boolean|object|array|undefined|null|date|bigint|int)\b/g, (w) => {
      return ZH_TYPE_WORDS[w] ?? w
    })
}
