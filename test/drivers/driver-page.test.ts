import { beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { applicationBody, residentId } from '../support/fixtures.ts'
import { event, issuePass, otherFirmWithPass, scan, sendEvents } from '../support/flow.ts'
import { driverToken } from '../../src/passes/driver-link.ts'
import { qrSvg } from '../../src/passes/qr.ts'

// The driver's page (GET /d/{token}): reached from `driver_url` in the pass answer, no sign-in.
// Every state of the truck's loop in words, the pass's end said plainly, and nothing personal
// beyond the masked plate and crew names.

const ID_NUMBER = residentId('19850312', '987')
const PHONE = '13912348765'
const HOUR = 3_600_000

let t: TestApp

beforeAll(async () => {
  t = await buildTestApp()
})

/** A pass for `plate` with a crew of two, and the path of its driver page (from `driver_url`). */
async function passWithLink(plate: string, app = t) {
  const pass = await issuePass(app, {
    plate,
    crew: [
      { name: '王建国', id_number: ID_NUMBER, phone: PHONE },
      { name: '李四', id_number: residentId('19900101', '456'), phone: '13700009999' },
    ],
  })
  const read = await app.call('GET', `/api/v1/passes/${pass.number}`, { as: 'enterprise' })
  expect(read.status, read.text).toBe(200)
  const url = new URL(read.json.driver_url as string)
  return { pass, path: url.pathname, url }
}

async function driverPage(path: string, lang?: 'en') {
  const res = await t.call('GET', lang ? `${path}?lang=${lang}` : path)
  return res
}

/** The visible text, tags stripped (for the sentences). */
const textOf = (html: string) =>
  html
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, '')
    .replace(/\s+/g, ' ')

describe('driver_url in the pass answer', () => {
  it('is given to the holding firm and coordinators, absolute on the request’s origin', async () => {
    const { pass, url } = await passWithLink('浙A10001')
    expect(url.origin).toBe('http://localhost')
    expect(url.pathname).toBe(`/d/${await driverToken(t.config.TOKEN_SECRET, pass.number)}`)
    const coordinator = await t.call('GET', `/api/v1/passes/${pass.number}`, { as: 'coordinator' })
    expect(coordinator.json.driver_url).toBe(url.href)
  })

  it('is on PUBLIC_ORIGIN when configured', async () => {
    const other = await buildTestApp({ config: { PUBLIC_ORIGIN: 'https://tx.example.cn' } })
    const pass = await issuePass(other, { plate: '浙A10002' })
    const read = await other.call('GET', `/api/v1/passes/${pass.number}`, { as: 'enterprise' })
    expect(read.json.driver_url).toMatch(/^https:\/\/tx\.example\.cn\/d\/\d{12}\.[\w-]{22}$/)
  })

  it('is never shown to another firm: its pass stays 404', async () => {
    const { token } = await otherFirmWithPass(t, 'driver-other-firm', '苏E10003')
    const { pass } = await passWithLink('浙A10003')
    const res = await t.call('GET', `/api/v1/passes/${pass.number}`, { as: { token } })
    expect(res.status).toBe(404)
    expect(res.text).not.toContain('/d/')
  })

  it('is not in the pass list (each pass’s link is read one at a time)', async () => {
    const list = await t.call('GET', '/api/v1/passes', { as: 'enterprise' })
    expect(list.status).toBe(200)
    expect(list.json[0].driver_url).toBeUndefined()
  })
})

describe('the driver page', () => {
  it('before any scan: the pass, masked plate and names, and what to do at the checkpoint', async () => {
    const { pass, path } = await passWithLink('浙A12345')
    const res = await driverPage(path)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const text = textOf(res.text)
    expect(text).toContain(pass.number)
    expect(text).toContain('浙A***45')
    expect(text).not.toContain('浙A12345')
    expect(text).toContain('王*国')
    expect(text).toContain('李*')
    expect(text).not.toContain('王建国')
    expect(text).toContain('萧山空港物资中转站')
    expect(text).toContain('杭州市萧山区空港大道 1 号')
    expect(text).toContain('到达卡口时请出示通行证二维码')
    expect(text).toContain('尚未进城')
    expect(text).toContain('尚未采样')
    expect(res.text).toContain('data-driver-step="go_to_checkpoint"')
    expect(res.text).toContain('<html lang="zh-CN"')
  })

  it('never shows an ID number or a phone, whole or masked', async () => {
    const { path } = await passWithLink('浙A12346')
    for (const lang of [undefined, 'en'] as const) {
      const html = (await driverPage(path, lang)).text
      for (const secret of [ID_NUMBER, PHONE, ID_NUMBER.slice(-4), PHONE.slice(-4), '****'])
        expect(html, secret).not.toContain(secret)
      expect(html).not.toMatch(/\d{6}\*{4,}\d{3}[\dX]|1[3-9]\d\*{4}\d{4}/)
    }
  })

  it('follows the loop: checkpoint, sampled, released with a deadline, result, destination, done', async () => {
    const { pass, path } = await passWithLink('浙A20001')
    const scanned = await scan(t, { token: pass.token })
    const loopId = scanned.json.loop.id as string
    let html = (await driverPage(path)).text
    expect(html).toContain('data-driver-step="at_checkpoint"')
    expect(textOf(html)).toContain('已到卡口，待查验')

    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'DRV-1', tests: ['pcr'] })])
    html = (await driverPage(path)).text
    expect(html).toContain('data-driver-step="await_release"')
    expect(html).toContain('data-driver-result="pending"')
    expect(textOf(html)).toContain('结果未出：请按路线行驶，途中不要停车')

    // Released to the transfer station with a deadline at 18:00 China time today.
    const now = t.clock()
    const deadline = new Date(now.getTime() + 2 * HOUR)
    deadline.setUTCMinutes(0, 0, 0)
    await sendEvents(t, [
      event(t, loopId, 'released', {
        destination_code: 'HZ-DEST-BJ',
        deadline: deadline.toISOString(),
      }),
    ])
    const hhmm = new Date(deadline.getTime() + 8 * HOUR).toISOString().slice(11, 16)
    html = (await driverPage(path)).text
    expect(html).toContain('data-driver-step="reach_destination"')
    expect(textOf(html)).toContain(`请于 ${hhmm} 前到达滨江物流园收货点，途中不要停留。`)
    const en = textOf((await driverPage(path, 'en')).text)
    expect(en).toContain(`Reach 滨江物流园收货点 by ${hhmm}, without stopping on the way.`)

    // Its negative result: back, and the hours left on it.
    t.clock.advance(HOUR)
    await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'negative' })])
    html = (await driverPage(path)).text
    expect(html).toContain('data-driver-result="negative"')
    expect(textOf(html)).toContain('结果已出：阴性')
    expect(textOf(html)).toMatch(/上次阴性结果还剩 4[67] 小时/)

    // Past the deadline without arriving: go there now.
    t.clock.advance(3 * HOUR)
    html = (await driverPage(path)).text
    expect(html).toContain('data-driver-step="destination_overdue"')
    expect(textOf(html)).toContain('已超过到达时限')

    // At the destination, then the loop closes: done.
    const arrived = await scan(t, { token: pass.token, checkpoint_code: 'HZ-DEST-BJ' })
    expect(arrived.status, arrived.text).toBe(200)
    html = (await driverPage(path)).text
    expect(html).toMatch(/data-driver-step="(at_destination|trip_done)"/)
    await sendEvents(t, [
      { ...event(t, loopId, 'handed_over'), checkpoint_code: 'HZ-DEST-BJ' },
      { ...event(t, loopId, 'departed'), checkpoint_code: 'HZ-DEST-BJ' },
    ])
    html = (await driverPage(path)).text
    expect(html).toContain('data-driver-step="trip_done"')
    expect(textOf(html)).toContain('本次行程已完成')
  })

  it('a positive result: stop and stay in the cab, in calm words', async () => {
    const { pass, path } = await passWithLink('浙A20002')
    const scanned = await scan(t, { token: pass.token })
    const loopId = scanned.json.loop.id as string
    await sendEvents(t, [event(t, loopId, 'sampled', { tube_code: 'DRV-2', tests: ['pcr'] })])
    await sendEvents(t, [event(t, loopId, 'pcr_result', { result: 'positive' })])
    const html = (await driverPage(path)).text
    expect(html).toContain('data-driver-step="stay_in_cab"')
    expect(html).toContain('data-driver-result="positive"')
    const text = textOf(html)
    expect(text).toContain('请就近安全停车，留在驾驶室内，等待工作人员与您联系')
    expect(text).not.toContain('阳性')
  })

  it('time over 48 h on the last negative: says so', async () => {
    // An app of its own: its clock moves two days on.
    const other = await buildTestApp()
    const { pass, path } = await passWithLink('浙A20003', other)
    const scanned = await scan(other, { token: pass.token })
    const loopId = scanned.json.loop.id as string
    await sendEvents(other, [
      event(other, loopId, 'sampled', { tube_code: 'DRV-3', tests: ['pcr'] }),
    ])
    await sendEvents(other, [event(other, loopId, 'pcr_result', { result: 'negative' })])
    other.clock.advance(47 * HOUR)
    expect(textOf((await other.call('GET', path)).text)).toMatch(/上次阴性结果还剩(不到 1| 0) 小时/)
    other.clock.advance(2 * HOUR)
    const html = (await other.call('GET', path)).text
    expect(html).toContain('data-driver-negative="over"')
    expect(textOf(html)).toContain('上次阴性结果已超过 48 小时')
  })

  it('a revoked pass says so and shows no trip', async () => {
    const { pass, path } = await passWithLink('浙A30001')
    const revoked = await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '企业申请撤销' },
    })
    expect(revoked.status, revoked.text).toBe(200)
    const res = await driverPage(path)
    expect(res.status).toBe(200)
    const text = textOf(res.text)
    expect(text).toContain('此通行证已被撤销，请联系运输企业')
    for (const detail of ['浙A***01', '王*国', '萧山空港物资中转站', 'G60'])
      expect(text).not.toContain(detail)
    expect(textOf((await driverPage(path, 'en')).text)).toContain(
      'This pass has been revoked. Please contact your transport company.',
    )
  })

  it('a superseded pass points to the new one', async () => {
    const { path } = await passWithLink('浙A30002')
    await issuePass(t, { plate: '浙A30002' })
    const text = textOf((await driverPage(path)).text)
    expect(text).toContain('此通行证已被新通行证取代，请使用新证上的链接')
    expect(text).not.toContain('王*国')
  })

  it('an expired pass says so', async () => {
    const other = await buildTestApp()
    const pass = await issuePass(other, { plate: '浙A30003' })
    const token = await driverToken(other.config.TOKEN_SECRET, pass.number)
    other.clock.advance(40 * 24 * HOUR)
    const text = textOf((await other.call('GET', `/d/${token}`)).text)
    expect(text).toContain('此通行证已过期')
    expect(text).not.toContain('萧山空港物资中转站')
  })

  it('answers a bad, tampered or unknown token with a friendly 404 page, never JSON', async () => {
    const { path } = await passWithLink('浙A40001')
    const token = path.slice(3)
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
    const unknown = await driverToken(t.config.TOKEN_SECRET, '330100999999')
    for (const bad of [
      `/d/${tampered}`,
      `/d/${unknown}`,
      '/d/nonsense',
      '/d/',
      '/d',
      `/d/${token}/more`,
    ]) {
      const res = await t.call('GET', bad)
      expect(res.status, bad).toBe(404)
      expect(res.headers.get('content-type'), bad).toMatch(/^text\/html/)
      expect(textOf(res.text), bad).toContain('此链接无效或已失效')
      expect(res.text, bad).not.toMatch(/"error"|at \w+ \(/)
      expect(res.headers.get('cache-control')).toBe('no-store')
    }
    expect(textOf((await t.call('GET', '/d/nonsense?lang=en')).text)).toContain(
      'This link is not valid',
    )
  })

  it('is sent with no-store, no-referrer, noindex and the pages’ content policy, and refreshes every minute', async () => {
    const { path } = await passWithLink('浙A40002')
    const res = await driverPage(path)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('x-robots-tag')).toMatch(/noindex/)
    const csp = res.headers.get('content-security-policy')!
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("default-src 'self'")
    expect(csp.match(/'sha256-/g)).toHaveLength(2)
    expect(res.text).toContain('<meta http-equiv="refresh" content="60"/>')
    expect(res.text).not.toContain('<script')
  })

  it('is English with ?lang=en, and links to the other language', async () => {
    const { path } = await passWithLink('浙A40003')
    const zh = (await driverPage(path)).text
    expect(zh).toContain('href="?lang=en"')
    const en = await driverPage(path, 'en')
    expect(en.text).toContain('<html lang="en"')
    expect(en.text).toContain('href="?lang=zh"')
    expect(textOf(en.text)).toContain('At the checkpoint, show the pass QR code')
  })
})

describe('the printed pass', () => {
  it('carries a small QR code of the driver’s link, captioned, beside the pass QR code', async () => {
    const { pass, url } = await passWithLink('浙A50001')
    for (const [lang, caption] of [
      ['zh', '司机扫码查看行程与下一步'],
      ['en', 'Driver: scan for your trip and next step'],
    ]) {
      const page = await t.call('GET', `/ui/passes/${pass.number}`, {
        headers: { cookie: `tx_session=${await t.tokenFor('enterprise')}; tx_lang=${lang}` },
      })
      expect(page.status).toBe(200)
      const figure = /<figure class="driver-qr"[\s\S]*?<\/figure>/.exec(page.text)?.[0] ?? ''
      expect(figure).toContain(await qrSvg(url.href))
      expect(figure).toContain(caption)
      // The pass's own QR code is still there, whole.
      expect(page.text).toContain(await qrSvg(pass.token))
    }
  })
})
