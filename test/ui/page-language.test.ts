import { REJECTION_CODES } from '../../src/applications/rejection-reasons.ts'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { event, openLoop, sendEvents } from '../support/flow.ts'
import { visibleText, type VisibleText } from './support/visible-text.ts'
import { registerPages } from '../../src/ui/page-list.tsx'
import type { Deps } from '../../src/app-env.ts'
import type { Role } from '../../src/auth/accounts.table.ts'
import { ALERT_KINDS, ALERT_STATUSES } from '../../src/alerts/alerts.table.ts'
import { EVENT_KINDS, LOOP_STATES } from '../../src/loops/fold.ts'
import { POSITIVE_OUTCOMES } from '../../src/loops/alert-resolution.ts'
import { WHITELIST_LEVELS, WHITELIST_STATUSES } from '../../src/enterprises/enterprises.table.ts'
import { CARGO_CATEGORIES } from '../../src/applications/rules.ts'
import { APPLICATION_STATUSES } from '../../src/applications/applications.table.ts'
import { RISK_LEVELS } from '../../src/regions/regions.table.ts'
import { ACTIONS, SCAN_WARNINGS, VERDICT_REASONS } from '../../src/scans/decide-verdict.ts'
import { PASS_STATUSES } from '../../src/passes/passes.table.ts'
import { CHECKPOINT_KINDS } from '../../src/checkpoints/checkpoints.table.ts'
import { REPORT_STATUSES } from '../../src/arrivals/report-rules.ts'
import { enrolDevice, revokeDevice, signLater } from '../devices/support/signed-device.ts'
import { driverToken } from '../../src/passes/driver-link.ts'

/**
 * Every page of every role, in Chinese and in English, as each role allowed to open it: the text a
 * person sees (tags stripped; scripts and styles dropped; placeholder, aria-label, title, alt and
 * button values kept) has no raw code (snake_case, an enum value standing alone, a zod message),
 * no English word on a Chinese page and no Chinese on an English one.
 *
 * FOR PAGE AUTHORS — data is not text of ours: place, firm and person names, plates, usernames
 * and codes shown as secondary text stay as they are in either language. Mark the element that
 * holds them `class="data"` (e.g. `<span class="data" lang="zh-CN">浙A12345</span>`,
 * `<small class="hint data">HZ-G60-XS</small>`); a `<code>` element, and an element whose `lang`
 * is not the page's (`lang="zh-CN"` on an English page), count as data too. Everything inside is
 * skipped. Text that cannot hold markup (an attribute such as aria-label, the <title>) may repeat
 * a value the page shows marked as data elsewhere: "Edit station: 萧山空港物资中转站" passes when
 * the station's name stands in a `class="data"` element on the same page.
 *
 * The page list is the one the app registers (src/ui/page-list.tsx), so a new page is walked
 * without touching this file; a page with a parameter needs a real id in PARAMETERS below.
 */

/** Latin words a Chinese page may show: each is how Chinese readers name the thing. */
const LATIN_ON_ZH_PAGES = new Set([
  'PCR', // 核酸检测 forms and tube labels print PCR
  'CSV', // the export's file type
  'QR', // 二维码 buttons say QR where space is short
  'USCC', // 统一社会信用代码, named so beside the Chinese term on forms
  'UTC', // 北京时间（UTC+8）: the offset is named so in Chinese too
  'English', // the language switch names the other language in that language
])
/**
 * Han text an English page may show outside data: the language switch names Chinese in Chinese,
 * and the hints give an example plate and place name to type (as in test/ui/messages.test.ts).
 * The seeded plates differ from these examples, so a real plate left unmarked still fails.
 */
const HAN_ON_EN_PAGES = ['中文', '沪A12345D', '沪A12345', '浙A12345', '浦东']

const ENUM_VALUES = new Set<string>([
  ...ALERT_KINDS,
  ...ALERT_STATUSES,
  ...LOOP_STATES,
  ...EVENT_KINDS,
  ...POSITIVE_OUTCOMES,
  ...WHITELIST_STATUSES,
  ...WHITELIST_LEVELS,
  ...CARGO_CATEGORIES,
  ...APPLICATION_STATUSES,
  ...RISK_LEVELS,
  ...VERDICT_REASONS,
  ...SCAN_WARNINGS,
  ...ACTIONS,
  ...PASS_STATUSES,
  ...CHECKPOINT_KINDS,
  ...REJECTION_CODES,
  ...REPORT_STATUSES,
])

const SNAKE_CASE = /\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b/
const ZOD_ENGLISH =
  /\b(?:Invalid input|Invalid option|Invalid string|Too small|Too big|Unrecognized key|expected \w+, received \w+)\b/
const HAN = /\p{Script=Han}/u

/** What is wrong with one piece of visible text on a page in `lang`, or null. */
function offence(
  piece: VisibleText,
  lang: 'zh' | 'en',
  knownData: readonly string[] = [],
): string | null {
  if (piece.data) return null
  // Values the page shows marked as data elsewhere, repeated where no markup can go.
  const text = knownData.reduce((t, value) => t.replaceAll(value, ' '), piece.text)
  if (ZOD_ENGLISH.test(text)) return 'a zod message'
  const snake = SNAKE_CASE.exec(text)
  if (snake) return `a raw code (${snake[0]})`
  if (ENUM_VALUES.has(text)) return 'an enum value'
  if (lang === 'zh') {
    const english = (text.match(/[A-Za-z]{3,}/g) ?? []).filter((w) => !LATIN_ON_ZH_PAGES.has(w))
    if (english.length) return `English on a Chinese page (${english.join(' ')})`
  } else {
    const rest = HAN_ON_EN_PAGES.reduce((t, allowed) => t.replaceAll(allowed, ''), text)
    if (HAN.test(rest)) return 'Chinese on an English page'
  }
  return null
}

/** The pages the app registers, with the roles each is for. */
function registeredPages() {
  const pages: { path: string; roles: Role[] }[] = []
  registerPages((path, roles) => pages.push({ path, roles }), {} as Deps)
  return pages
}

interface Seeded {
  passNumber: string
  /** The driver's token of that pass (its page is /d/{token}, outside /ui, no sign-in). */
  driverToken: string
  loopId: string
  enterpriseId: string
  deviceId: string
}

/** A real id for each page with a parameter, from the data seeded below. */
const PARAMETERS: Record<string, (s: Seeded) => string> = {
  '/ui/passes/:number': (s) => s.passNumber,
  '/d/:token': (s) => s.driverToken,
  '/ui/loops/:id': (s) => s.loopId,
  '/ui/enterprises/:id': (s) => s.enterpriseId,
  '/ui/audit/:id': (s) => s.enterpriseId,
  '/ui/devices/:id': (s) => s.deviceId,
  '/ui/stations/:code/board': () => 'HZ-XS-01',
}

const ALL_ROLES: Role[] = ['admin', 'coordinator', 'enterprise', 'checkpoint']

const visits: { label: string; path: string; role: Role | null; status: number }[] = [
  ...registeredPages().flatMap(({ path, roles }) =>
    roles.map((role) => ({ label: path, path, role: role as Role | null, status: 200 })),
  ),
  // Pages of uiRoutes itself, outside the page list: sign-in, password, refusal and not-found.
  { label: '/ui/login', path: '/ui/login', role: null, status: 200 },
  ...ALL_ROLES.map((role) => ({ label: '/ui/password', path: '/ui/password', role, status: 200 })),
  { label: '403 page', path: '/ui/queue', role: 'enterprise' as Role, status: 403 },
  { label: '404 page', path: '/ui/loops/no-such-loop', role: 'coordinator' as Role, status: 404 },
  // The driver's page (src/ui/pages/driver): its language comes from `?lang=` alone.
  { label: 'driver page', path: '/d/:token', role: null, status: 200 },
  { label: 'driver 404 page', path: '/d/no-such-token', role: null, status: 404 },
]

describe('every page in one language', () => {
  let t: TestApp
  let seeded: Seeded

  beforeAll(async () => {
    t = await buildTestApp()
    // Enough data that no page is empty: a loop with events, a positive result and its alert…
    const opened = await openLoop(t, { plate: '浙B24680' })
    await sendEvents(t, [
      event(t, opened.loopId, 'sampled', { tube_code: 'RT-LANG-1', tests: ['pcr'] }),
      event(t, opened.loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
    ])
    await sendEvents(t, [event(t, opened.loopId, 'pcr_result', { result: 'positive' })])
    // …an application waiting for a decision…
    const waiting = await t.call('POST', '/api/v1/applications', {
      as: 'enterprise',
      body: applicationBody({ plate: '苏E13579' }),
    })
    expect(waiting.status, waiting.text).toBe(201)
    // …and an arrival report.
    const hour = 3_600_000
    const report = await t.call('POST', '/api/v1/arrival-reports', {
      as: 'enterprise',
      body: {
        plate: opened.pass.plate,
        pass_number: opened.pass.number,
        checkpoint_code: 'HZ-G60-XS',
        expected_from: new Date(t.clock().getTime() + 30 * hour).toISOString(),
        expected_until: new Date(t.clock().getTime() + 34 * hour).toISOString(),
        crew: [{ name: '王五', id_number: residentId('19800101', '111'), phone: '13700001111' }],
      },
    })
    expect(report.status, report.text).toBe(201)
    // …and devices in every state, one with a scan and one kept for review after its revocation.
    const device = await enrolDevice(t)
    const scan = (id: string) => ({
      id,
      pass_number: opened.pass.number,
      checkpoint_code: 'HZ-G60-XS',
      scanned_at: t.clock().toISOString(),
    })
    const signed = await signLater(t, device, '/api/v1/scans', scan(crypto.randomUUID()))
    expect((await signed()).status).toBe(200)
    const late = await signLater(t, device, '/api/v1/scans', scan(crypto.randomUUID()), {
      time: t.clock().getTime() - 1000,
    })
    await revokeDevice(t, device)
    expect((await late()).status).toBe(403)
    for (const label of ['待登记手机', '取消的手机']) {
      const pending = await t.call('POST', '/api/v1/devices/enrollments', {
        as: 'coordinator',
        body: { checkpoint_codes: ['HZ-G60-XS'], label },
      })
      expect(pending.status, pending.text).toBe(201)
      if (label === '取消的手机')
        await t.call('POST', `/api/v1/devices/${pending.json.device_id}/revoke`, {
          as: 'coordinator',
          body: { reason: '不再需要' },
        })
    }
    await enrolDevice(t)
    seeded = {
      passNumber: opened.pass.number,
      driverToken: await driverToken(t.config.TOKEN_SECRET, opened.pass.number),
      loopId: opened.loopId,
      enterpriseId: 'demo-ent-1',
      deviceId: device.id,
    }
  })

  /** The visible text of `path` as `role` in `lang` that breaks the rules, one line each. */
  async function offences(visit: (typeof visits)[number], lang: 'zh' | 'en') {
    const fill = PARAMETERS[visit.path]
    if (visit.path.includes(':') && !fill)
      return { status: 0, lines: [`no real id for ${visit.path}: add it to PARAMETERS`] }
    const filled = fill ? visit.path.replace(/:\w+/, encodeURIComponent(fill(seeded))) : visit.path
    const path = filled.startsWith('/d/') ? `${filled}?lang=${lang}` : filled
    const cookies = [`tx_lang=${lang}`]
    if (visit.role) cookies.push(`tx_session=${await t.tokenFor(visit.role)}`)
    const res = await t.call('GET', path, { headers: { cookie: cookies.join('; ') } })
    const pieces = visibleText(res.text, lang)
    // Longest first, so a name is removed whole before a shorter value inside it.
    const knownData = [...new Set(pieces.filter((p) => p.data).map((p) => p.text))]
      .filter((value) => value.length >= 2)
      .sort((a, b) => b.length - a.length)
    const lines = pieces.flatMap((piece) => {
      const why = offence(piece, lang, knownData)
      return why ? [`${why}: "${piece.text.slice(0, 120)}" <${piece.where}>`] : []
    })
    return { status: res.status, lines: [...new Set(lines)] }
  }

  for (const visit of visits)
    for (const lang of ['zh', 'en'] as const)
      it(`${visit.label} as ${visit.role ?? 'visitor'} in ${lang}`, async () => {
        const { status, lines } = await offences(visit, lang)
        const where = `${visit.label} as ${visit.role ?? 'visitor'} (${lang})`
        expect(lines, `${where}:\n  ${lines.join('\n  ')}`).toEqual([])
        expect(status, where).toBe(visit.status)
      })
})

describe('the page-language rules themselves', () => {
  const on = (html: string, lang: 'zh' | 'en') => {
    const pieces = visibleText(html, lang)
    const knownData = pieces.filter((p) => p.data).map((p) => p.text)
    return pieces.flatMap((p) => offence(p, lang, knownData) ?? [])
  }

  it('catches raw codes, zod messages and the other language, and skips data', () => {
    expect(on('<td>loop_open</td>', 'zh')).toEqual(['a raw code (loop_open)'])
    expect(on('<td>released</td>', 'en')).toEqual(['an enum value'])
    expect(on('<p>Invalid input: expected string, received undefined</p>', 'en')).toEqual([
      'a zod message',
    ])
    expect(on('<p>通行证 Pass</p>', 'zh')).toEqual(['English on a Chinese page (Pass)'])
    expect(on('<p>Pass 通行证</p>', 'en')).toEqual(['Chinese on an English page'])
    expect(on('<button aria-label="Close">×</button>', 'zh')).toHaveLength(1)
    expect(on('<input placeholder="搜索">', 'en')).toHaveLength(1)
    expect(on('<p>Plate <span class="data" lang="zh-CN">浙A12345</span></p>', 'en')).toEqual([])
    expect(on('<p>车牌 <small class="hint data">HZ-G60-XS</small></p>', 'zh')).toEqual([])
    expect(on('<script>const a = "loop_open"</script><style>.x{}</style>', 'zh')).toEqual([])
    expect(on('<p>导出 CSV · PCR</p>', 'zh')).toEqual([])
    // A value shown as data may be repeated where no markup can go; an unknown one may not.
    const form = (label: string) =>
      `<h2 class="data" lang="zh-CN">萧山中转站</h2><form aria-label="${label}"></form>`
    expect(on(form('Edit station: 萧山中转站'), 'en')).toEqual([])
    expect(on(form('Edit station: 余杭中转站'), 'en')).toEqual(['Chinese on an English page'])
  })
})
