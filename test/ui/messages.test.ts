import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CODE_WORDS, MESSAGES } from '../../src/ui/i18n.ts'
import { adminMessages, adminWords } from '../../src/ui/messages/admin.ts'
import { checkpointMessages, checkpointWords } from '../../src/ui/messages/checkpoint.ts'
import { coordinatorMessages, coordinatorWords } from '../../src/ui/messages/coordinator.ts'
import { enterpriseMessages, enterpriseWords } from '../../src/ui/messages/enterprise.ts'
import { everywhereMessages, everywhereWords } from '../../src/ui/messages/everywhere.ts'

/**
 * The pages' one message table: every key and every code word in both languages, none empty,
 * the Chinese in Chinese and the English without Chinese, and a key written in two parts
 * (src/ui/messages/*.ts, the core in src/ui/i18n.ts) saying the same thing in both.
 */

const HAN = /\p{Script=Han}/u
/** Chinese text may be punctuation alone (a list separator) — CJK punctuation counts. */
const CHINESE = /[\p{Script=Han}\u3000-\u303f\uff00-\uffef]/u

/**
 * English texts that show Chinese on purpose, besides example plates (沪A12345, allowed anywhere):
 * the name of the other language on the language switch, and an example place name to type.
 */
const CHINESE_IN_ENGLISH: Record<string, string> = {
  switchLang: 'names the other language in that language: 中文',
  originHint: 'an example place name to type: 浦东',
  regionPickerHint: 'an example place name to type: 浦东',
}
/** An example plate: province character, letter, 5 or 6 more. */
const EXAMPLE_PLATE = /\p{Script=Han}[A-Z][A-Z0-9]{5,6}/gu
/** Chinese texts that are not Chinese on purpose: the language switch names English in English. */
const NOT_CHINESE_IN_CHINESE = new Set(['switchLang'])

/** Text with words in it, not only placeholders, numbers and signs (`{time} · {place}`, `{p}%`). */
const hasWords = (text: string) => /\p{L}/u.test(text.replace(/\{\w+\}/g, ''))

/** The core table of src/ui/i18n.ts (not exported: it is merged with the parts). */
function coreTable(name: RegExp): Record<string, Record<string, string>> {
  const source = readFileSync(join(import.meta.dirname, '../../src/ui/i18n.ts'), 'utf8')
  const start = source.search(name)
  const open = source.indexOf('{', source.indexOf('=', start))
  const end = source.indexOf('\n}\n', open)
  return new Function(`return ${source.slice(open, end + 2)}`)()
}

const PARTS = {
  everywhere: everywhereMessages,
  checkpoint: checkpointMessages,
  coordinator: coordinatorMessages,
  enterprise: enterpriseMessages,
  admin: adminMessages,
} as Record<string, { zh: Record<string, string>; en: Record<string, string> }>
const WORD_PARTS = {
  everywhere: everywhereWords,
  checkpoint: checkpointWords,
  coordinator: coordinatorWords,
  enterprise: enterpriseWords,
  admin: adminWords,
} as Record<string, { zh: Record<string, string>; en: Record<string, string> }>

const keysOnlyIn = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).filter((k) => !(k in b))

describe('the message table', () => {
  it('has every message key in both languages', () => {
    expect(keysOnlyIn(MESSAGES.zh, MESSAGES.en), 'keys without English').toEqual([])
    expect(keysOnlyIn(MESSAGES.en, MESSAGES.zh), 'keys without Chinese').toEqual([])
  })

  it('has every code word in both languages', () => {
    expect(keysOnlyIn(CODE_WORDS.zh, CODE_WORDS.en), 'code words without English').toEqual([])
    expect(keysOnlyIn(CODE_WORDS.en, CODE_WORDS.zh), 'code words without Chinese').toEqual([])
  })

  it('has no empty text', () => {
    for (const table of [MESSAGES.zh, MESSAGES.en, CODE_WORDS.zh, CODE_WORDS.en] as Record<
      string,
      string
    >[]) {
      const empty = Object.entries(table).filter(([, v]) => typeof v !== 'string' || !v.trim())
      expect(empty.map(([k]) => k)).toEqual([])
    }
  })

  it('says the Chinese in Chinese', () => {
    const notChinese = [
      ...Object.entries(MESSAGES.zh as Record<string, string>),
      ...Object.entries(CODE_WORDS.zh),
    ]
      .filter(([k, v]) => !NOT_CHINESE_IN_CHINESE.has(k) && !CHINESE.test(v) && hasWords(v))
      .map(([k, v]) => `${k}: ${v}`)
    expect(notChinese).toEqual([])
  })

  it('says the English without Chinese, but for the few texts that show it on purpose', () => {
    const chinese = [
      ...Object.entries(MESSAGES.en as Record<string, string>),
      ...Object.entries(CODE_WORDS.en),
    ]
      .filter(([k, v]) => !(k in CHINESE_IN_ENGLISH) && HAN.test(v.replace(EXAMPLE_PLATE, '')))
      .map(([k, v]) => `${k}: ${v}`)
    expect(chinese).toEqual([])
  })

  it('says the same thing wherever a key is written twice', () => {
    const core = { zh: coreTable(/^const zh = \{/m), en: coreTable(/^const en: typeof zh = \{/m) }
    const coreWords = coreTable(/^const CORE_WORDS\b/m)
    const differing: string[] = []
    const compare = (
      tables: Record<string, { zh: Record<string, string>; en: Record<string, string> }>,
    ) => {
      for (const lang of ['zh', 'en'] as const) {
        const seen = new Map<string, [string, string]>()
        for (const [part, table] of Object.entries(tables))
          for (const [key, text] of Object.entries(table[lang])) {
            const before = seen.get(key)
            if (before && before[1] !== text)
              differing.push(`${lang}.${key}: ${before[0]} "${before[1]}" ≠ ${part} "${text}"`)
            else seen.set(key, [part, text])
          }
      }
    }
    compare({ core: core as never, ...PARTS })
    compare({ core: coreWords as never, ...WORD_PARTS })
    expect(differing, differing.join('\n')).toEqual([])
  })
})
