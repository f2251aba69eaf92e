import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody } from '../support/fixtures.ts'
import { apiLanguage } from '../../src/http/language.ts'
import { ERROR_TEXTS, FIELD_TEXTS } from '../../src/http/error-texts.ts'
import { fieldTextZh, knowsSentence, messageZh } from '../../src/http/localise-error.ts'

/**
 * The API speaks the user's language in `message` and `details[].message` (Accept-Language:
 * zh-CN by default, en on request); `code` and `details[].field` never change. The shared test
 * client sends `en` unless told otherwise, so the Chinese answers are asked for here explicitly.
 */

const HAN = /\p{Script=Han}/u
const zh = { 'accept-language': 'zh-CN' }
const en = { 'accept-language': 'en' }

type ErrorAnswer = {
  status: number
  headers: Headers
  json: { error: { code: string; message: string; details?: { field: string; message: string }[] } }
}

/** The same request in both languages: same status, code and fields; each in its language. */
function expectBothLanguages(inZh: ErrorAnswer, inEn: ErrorAnswer) {
  expect(inZh.status).toBe(inEn.status)
  expect(inZh.json.error.code).toBe(inEn.json.error.code)
  const fields = (a: ErrorAnswer) => a.json.error.details?.map((d) => d.field)
  expect(fields(inZh)).toEqual(fields(inEn))
  const zhTexts = [
    inZh.json.error.message,
    ...(inZh.json.error.details ?? []).map((d) => d.message),
  ]
  const enTexts = [
    inEn.json.error.message,
    ...(inEn.json.error.details ?? []).map((d) => d.message),
  ]
  for (const text of zhTexts) expect(text, `a Chinese text: ${text}`).toMatch(HAN)
  for (const text of enTexts) expect(text, `an English text: ${text}`).not.toMatch(HAN)
  expect(inZh.headers.get('vary') ?? '').toMatch(/accept-language/i)
  expect(inEn.headers.get('vary') ?? '').toMatch(/accept-language/i)
}

describe('Accept-Language', () => {
  it('picks the best language we speak by q-value, Chinese by default', () => {
    expect(apiLanguage(undefined)).toBe('zh-CN')
    expect(apiLanguage('')).toBe('zh-CN')
    expect(apiLanguage('en')).toBe('en')
    expect(apiLanguage('en-US,en;q=0.9')).toBe('en')
    expect(apiLanguage('fr')).toBe('zh-CN')
    expect(apiLanguage('fr-FR,fr;q=0.9,en;q=0.5')).toBe('en')
    expect(apiLanguage('zh-CN,zh;q=0.9,en;q=0.8')).toBe('zh-CN')
    expect(apiLanguage('zh-TW')).toBe('zh-CN')
    expect(apiLanguage('en;q=0.3, zh;q=0.7')).toBe('zh-CN')
    expect(apiLanguage('zh;q=0.2, EN-GB;q=0.8')).toBe('en')
    expect(apiLanguage('en;q=0')).toBe('zh-CN')
    expect(apiLanguage('*')).toBe('zh-CN')
  })
})

describe('error answers in the user’s language', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp()
  })

  it('answers a bad application with the same codes and fields, the messages in each language', async () => {
    const body = applicationBody({
      plate: 'XX-123',
      crew: [{ name: '张三', id_number: '110105194912310021', phone: '12345' }],
      cargo_category: 'weapons',
      valid_from: 42,
      route: undefined,
    })
    const ask = (headers: Record<string, string>) =>
      t.call('POST', '/api/v1/applications', { as: 'enterprise', body, headers })
    const [inZh, inEn] = await Promise.all([ask(zh), ask(en)])
    expect(inZh.json.error.code).toBe('invalid_input')
    expect(inZh.json.error.details.map((d: { field: string }) => d.field)).toEqual(
      expect.arrayContaining(['plate', 'crew.0.id_number', 'crew.0.phone', 'cargo_category']),
    )
    expectBothLanguages(inZh, inEn)
    const byField = (a: ErrorAnswer, field: string) =>
      a.json.error.details!.find((d) => d.field === field)!.message
    // The project's own rules by the table, zod's checks by zod's locale.
    expect(byField(inZh, 'crew.0.id_number')).toContain('身份证')
    expect(byField(inEn, 'crew.0.id_number')).toContain('check digit')
    expect(byField(inZh, 'crew.0.phone')).toContain('手机')
    expect(byField(inZh, 'plate')).toContain('车牌')
    expect(byField(inZh, 'valid_from')).toBe('无效输入：期望 文本，实际接收 数字')
    expect(byField(inEn, 'valid_from')).toBe('Invalid input: expected string, received number')
    // A field left out says so plainly.
    expect([byField(inZh, 'route'), byField(inEn, 'route')]).toEqual(['必填', 'required'])
  })

  it('answers without Accept-Language in Chinese', async () => {
    const res = await t.app.request('/api/v1/passes', { headers: {} })
    const json = (await res.json()) as ErrorAnswer['json']
    expect(res.status).toBe(401)
    expect(json.error.code).toBe('unauthorized')
    expect(json.error.message).toBe(ERROR_TEXTS.unauthorized!.zh)
  })

  it('keeps the specifics of a message (an id, a code) in Chinese', async () => {
    const station = {
      code: 'LANG-1',
      name: '语言测试中转站',
      region_code: '999999',
      address: '测试路 1 号',
      capacity_per_day: 10,
    }
    const ask = (headers: Record<string, string>) =>
      t.call('POST', '/api/v1/stations', { as: 'coordinator', body: station, headers })
    const [inZh, inEn] = await Promise.all([ask(zh), ask(en)])
    expect(inEn.json.error).toEqual({
      code: 'unknown_region',
      message: 'region 999999 does not exist',
      details: [{ field: 'region_code', message: 'no such region' }],
    })
    expect(inZh.json.error).toEqual({
      code: 'unknown_region',
      message: '地区 999999 不存在',
      details: [{ field: 'region_code', message: '没有这个地区' }],
    })
    expectBothLanguages(inZh, inEn)
  })

  it('answers a refused state change (a guard, a conflict) in each language', async () => {
    const ask = (headers: Record<string, string>) =>
      t.call('POST', '/api/v1/stations', {
        as: 'coordinator',
        headers,
        body: {
          code: 'HZ-XS-01',
          name: '重复中转站',
          region_code: '330109',
          address: '测试路 2 号',
          capacity_per_day: 10,
        },
      })
    const [inZh, inEn] = await Promise.all([ask(zh), ask(en)])
    expect(inZh.json.error.code).toBe('station_exists')
    expect(inZh.json.error.message).toBe('中转站 HZ-XS-01 已存在')
    expectBothLanguages(inZh, inEn)
  })
})

// ---------------------------------------------------------------------------------------------
// Every error code in the source has both texts.

const SRC = join(import.meta.dirname, '../../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : sourceFiles(path)
    return /\.tsx?$/.test(name) ? [path] : []
  })
}

const CODE = `['"\`]([a-z][a-z0-9_]*)['"\`]`
/** Where a code is written: the error helpers, the write guards, and the domain's refusals. */
const CODE_SITES = [
  new RegExp(`\\b(?:badRequest|conflict|unauthorized|errorBody|errorAnswer)\\(\\s*${CODE}`, 'g'),
  new RegExp(`new ApiError\\(\\s*\\d{3},\\s*${CODE}`, 'g'),
  new RegExp(`abortUnless\\(\\s*sql\`[^\`]*\`,\\s*${CODE}`, 'g'),
  new RegExp(`\\brejected\\(\\s*[^,()]+,\\s*${CODE}`, 'g'),
  new RegExp(`new GuardFailed\\(\\s*${CODE}`, 'g'),
]
/** A refusal returned by a domain rule (`{ok: false, code: 'x', message}`), outside the pages. */
const DOMAIN_CODE = /\bcode: '([a-z][a-z0-9_]*)'/g
/** The helpers that carry a fixed code. */
const FIXED_CODES: [RegExp, string][] = [
  [/\bnotFound\(/, 'not_found'],
  [/\bforbidden\(/, 'forbidden'],
  [/\bunauthorized\(\)/, 'unauthorized'],
]

/** Every code `text` (one source file) can answer with. */
function codesIn(text: string, file = ''): string[] {
  const codes = new Set<string>()
  for (const site of CODE_SITES) for (const m of text.matchAll(site)) codes.add(m[1]!)
  if (!file.includes('/ui/'))
    for (const m of text.matchAll(DOMAIN_CODE)) if (m[1] !== 'custom') codes.add(m[1]!)
  for (const [helper, code] of FIXED_CODES) if (helper.test(text)) codes.add(code)
  // The loop's flags: a coordinator's event refused by one answers with the flag as its code.
  if (file.endsWith('loops/fold.ts'))
    for (const m of text.matchAll(/return '([a-z][a-z0-9_]*)'/g)) codes.add(m[1]!)
  return [...codes]
}

const missingTexts = (codes: string[]) =>
  codes.filter((code) => !ERROR_TEXTS[code]?.zh || !ERROR_TEXTS[code]?.en)

describe('the error text table', () => {
  const files = sourceFiles(SRC)
  const all = files.flatMap((file) =>
    codesIn(readFileSync(file, 'utf8'), file.replaceAll('\\', '/')).map((code) => ({
      code,
      file,
    })),
  )

  it('finds the codes it is meant to find', () => {
    const found = new Set(all.map((a) => a.code))
    for (const code of ['invalid_input', 'loop_open', 'username_taken', 'not_found', 'csrf'])
      expect(found, code).toContain(code)
    for (const code of ['not_sampled', 'transfer_station_required', 'loop_full'])
      expect(found, code).toContain(code)
    // …and would catch a new one.
    const added = codesIn(`throw conflict('brand_new_code', 'a new refusal')`)
    expect(missingTexts(added)).toEqual(['brand_new_code'])
  })

  it('has a Chinese and an English text for every error code in src', () => {
    const missing = all
      .filter((a) => missingTexts([a.code]).length)
      .map((a) => `${a.code} (${a.file.slice(SRC.length + 1)})`)
    expect(
      missing,
      `codes without texts in src/http/error-texts.ts:\n${missing.join('\n')}`,
    ).toEqual([])
  })

  it('says the Chinese in Chinese and the English in English', () => {
    for (const [code, text] of Object.entries(ERROR_TEXTS)) {
      expect(text.zh, code).toMatch(HAN)
      for (const [en, said] of [[text.en, text.zh], ...(text.says ?? [])]) {
        expect(said, `${code}: ${en}`).toMatch(HAN)
        // The English may name the Chinese term it stands for (中转站) in brackets, nothing else.
        expect(en.replace(/（[^）]*）|\([\p{Script=Han}]+\)/gu, ''), code).not.toMatch(HAN)
      }
    }
    for (const [en, said] of FIELD_TEXTS) {
      expect(said, en).toMatch(HAN)
      expect(en).not.toMatch(HAN)
    }
  })

  it('carries the specifics of an English message into the Chinese', () => {
    expect(messageZh('station_closed', 'station HZ-XS-01 is closed')).toBe('中转站 HZ-XS-01 已关闭')
    expect(messageZh('pass_not_active', 'the pass is already revoked')).toBe('该通行证已撤销')
    expect(fieldTextZh('must start within 10 days from now')).toBe('须在 10 天内开始')
    // The field is named in `details`, not in the Chinese sentence.
    expect(messageZh('invalid_validity', 'valid_from: must start within 10 days from now')).toBe(
      '须在 10 天内开始',
    )
    // A sentence the table does not know falls back to the code's own text, never to English.
    expect(messageZh('loop_open', 'some new wording')).toBe(ERROR_TEXTS.loop_open!.zh)
  })
})

// ---------------------------------------------------------------------------------------------
// Every English sentence thrown in src has its Chinese (else Chinese users get the code's
// general text only): the literal messages of the error helpers and the `message:` fields.

const LITERAL = String.raw`('(?:[^'\\\n]|\\.)*'|\`(?:[^\`\\]|\\.)*\`)`
/** A call's arguments up to its own closing bracket (nested brackets two deep). */
const ARGS = String.raw`(?:[^()]|\((?:[^()]|\([^()]*\))*\))*?`
const MESSAGE_SITES = [
  new RegExp(String.raw`\bmessage:\s*${LITERAL}`, 'g'),
  new RegExp(
    String.raw`\b(?:badRequest|conflict|unauthorized|errorBody)\(\s*[^,()]+,\s*${LITERAL}`,
    'g',
  ),
  new RegExp(String.raw`\brejected\(\s*[^,()]+,\s*[^,()]+,\s*${LITERAL}`, 'g'),
  new RegExp(String.raw`new ApiError\(\s*\d{3},\s*[^,()]+,\s*${LITERAL}`, 'g'),
  new RegExp(String.raw`abortUnless\(\s*sql\`[^\`]*\`,\s*'[a-z_]+',\s*${LITERAL}`, 'g'),
  new RegExp(String.raw`\.(?:refine|regex|min|max|length)\(${ARGS},\s*${LITERAL},?\s*\)`, 'g'),
  new RegExp(String.raw`\bforbidden\(${LITERAL}\)`, 'g'),
]
/** Files whose English is not an answer of the API: the entries, configuration and start-up. */
const NOT_ANSWERS = /(^|\/)(ui|http)\/|(^|\/)(config|node|node-secrets|worker)\.ts$/

/** A literal as the answer would read it: each `${…}` becomes a sample value. */
const sample = (literal: string) =>
  literal
    .slice(1, -1)
    .replace(/\$\{(?:[^{}]|\{[^{}]*\})*\}/g, 'x1')
    .replace(/\\(.)/g, '$1')

describe('the English sentences thrown in src', () => {
  it('each has a Chinese sentence in the table', () => {
    const unknown: string[] = []
    for (const file of sourceFiles(SRC)) {
      const name = file.slice(SRC.length + 1).replaceAll('\\', '/')
      if (NOT_ANSWERS.test(name)) continue
      const text = readFileSync(file, 'utf8')
      for (const site of MESSAGE_SITES)
        for (const m of text.matchAll(site)) {
          // Log lines (`{level: 'error', …, message}`) are for operators, in English.
          if (/level: '/.test(text.slice(Math.max(0, m.index! - 160), m.index))) continue
          const said = sample(m[1]!)
          // Only compositions (`${field}: ${message}`) and non-sentences are skipped.
          if (!/[a-z]{2,}/i.test(said.replaceAll('x1', ''))) continue
          if (!knowsSentence(said)) unknown.push(`${name}: ${said}`)
        }
    }
    expect(unknown, `sentences without Chinese:\n${unknown.join('\n')}`).toEqual([])
  })
})
