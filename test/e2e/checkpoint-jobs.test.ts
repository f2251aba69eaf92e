import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import type { ServerType } from '@hono/node-server'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { residentId } from '../support/fixtures.ts'
import { scan } from '../support/flow.ts'
import {
  accessibilityProblems,
  launch,
  screenshot,
  signIn,
  startServer,
  issuePassNow,
} from './browser.ts'

// The checkpoint's jobs on a phone (390×844), in Chromium against the real app: the remembered
// checkpoint, what the verdict says (a valid pass meeting an open loop, an unknown number, empty
// input), the loop by its buttons, a positive confirmed and withdrawn, and the offline path.

let t: TestApp
let url: string
let server: ServerType
let browser: Browser

beforeAll(async () => {
  t = await buildTestApp({ realClock: true })
  ;({ url, server } = await startServer(t))
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  server?.close()
})

async function phone(lang: 'zh' | 'en' = 'zh'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 },
    locale: lang === 'zh' ? 'zh-CN' : 'en-US',
    hasTouch: true,
    isMobile: true,
  })
  const page = await context.newPage()
  await signIn(page, url, 'checkpoint', 'tongxing-check')
  if (lang === 'en') await page.goto(`${url}/ui/scan?lang=en`)
  return { context, page }
}

/** A pass valid for three days from now, from Pudong (high risk); the browser tests run on the real clock. */
const issueNow = (plate: string, crewName = '王建国') =>
  issuePassNow(t, plate, 72, {
    crew: [{ name: crewName, id_number: residentId('19880808', '123'), phone: '13900002222' }],
  })

async function typeAndCheck(page: Page, text: string) {
  await page.locator('[data-typed-input]').fill(text)
  await page.getByRole('button', { name: /^(核验|Check)$/ }).click()
}

const headline = (page: Page) => page.locator('[data-result] .headline').textContent()
const loopState = (plate: string) =>
  t.sqlite.prepare('SELECT id, state, alerting FROM loops WHERE plate = ?').get(plate) as {
    id: string
    state: string
    alerting: number
  }

async function waitForTrust(page: Page) {
  await expect
    .poll(() =>
      page.evaluate(
        async () =>
          await new Promise((resolve) => {
            const request = indexedDB.open('keyval-store')
            request.onsuccess = () => {
              const get = request.result
                .transaction('keyval', 'readonly')
                .objectStore('keyval')
                .get('tx-trust')
              get.onsuccess = () => resolve(Boolean(get.result))
              get.onerror = () => resolve(false)
            }
            request.onerror = () => resolve(false)
          }),
      ),
    )
    .toBe(true)
}

describe('the checkpoint on a phone', () => {
  it('remembers the checkpoint across a reload and shows it at the top', async () => {
    const { context, page } = await phone()
    await page.locator('#checkpoint').selectOption('HZ-TS-XS')
    await page.reload()
    expect(await page.locator('#checkpoint').inputValue()).toBe('HZ-TS-XS')
    expect(await page.locator('[data-checkpoint-name]').textContent()).toBe('萧山空港中转站卡口')
    expect(await page.locator('[data-checkpoint-kind]').textContent()).toBe('中转站')
    expect(await page.locator('[data-checkpoint-code]').textContent()).toBe('HZ-TS-XS')
    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await context.close()
  })

  it('says a valid pass that meets an open loop is valid, and shows the loop', async () => {
    const pass = await issueNow('浙B10001')
    expect((await scan(t, { token: pass.token })).json.loop.id).toBeTypeOf('string')
    const { context, page } = await phone()
    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await typeAndCheck(page, pass.number)
    await page.locator('[data-verdict]').waitFor()
    expect(await headline(page)).toBe('⚠ 通行证有效 · 该车已有未闭环记录，请核查')
    expect(await page.locator('[data-pass-status]').getAttribute('data-pass-status')).toBe('valid')
    expect(await page.locator('[data-result]').textContent()).not.toContain('通行证无效')
    await expect.poll(() => page.locator('[data-loop-summary]').textContent()).toContain('已到达')
    expect(await page.locator('[data-loop]').isVisible()).toBe(true)
    expect(await page.locator('[data-loop-events] li').first().textContent()).toContain(
      'G60 沪昆高速萧山出口',
    )
    // The verdict is in view where the officer looks.
    expect(await page.locator('[data-result] .headline').isVisible()).toBe(true)
    const box = await page.locator('[data-result]').boundingBox()
    expect(box!.y).toBeLessThan(844)
    await screenshot(page, 'cp-01-valid-pass-open-loop')
    await context.close()
  })

  it('reads 查无此证 for an unknown number and an input error for empty or malformed input', async () => {
    const { context, page } = await phone()
    const scansBefore = t.sqlite.prepare('SELECT count(*) FROM scans').pluck().get()
    await typeAndCheck(page, '')
    expect(await page.locator('[data-input-error]').textContent()).toBe(
      '请输入12位通行证编号或车牌号',
    )
    expect(await page.locator('[data-typed-input]').getAttribute('aria-invalid')).toBe('true')
    await typeAndCheck(page, '12345')
    expect(await page.locator('[data-input-error]').textContent()).toContain('无法识别')
    expect(await page.locator('[data-verdict]').count()).toBe(0)
    expect(t.sqlite.prepare('SELECT count(*) FROM scans').pluck().get()).toBe(scansBefore)
    await screenshot(page, 'cp-02-input-error')

    await typeAndCheck(page, '330100999999')
    await page.locator('[data-verdict]').waitFor()
    expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('not_found')
    expect(await headline(page)).toBe('✖ 查无此证')
    expect(await page.locator('[data-input-error]').textContent()).toBe('')
    await screenshot(page, 'cp-03-not-found')
    await context.close()
  })

  it('records the loop to its end by the buttons its state allows', async () => {
    const pass = await issueNow('浙B10002')
    const { context, page } = await phone()
    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await typeAndCheck(page, pass.number)
    await page.locator('[data-verdict]').waitFor()
    expect(await headline(page)).toBe('✔ 通行证有效')
    expect(await page.locator('[data-origin]').textContent()).toBe('上海市浦东新区（高风险）')
    expect(await page.locator('[data-destination]').textContent()).toBe('萧山空港物资中转站')
    expect(await page.locator('[data-crew]').textContent()).toBe('王*国')
    expect(await page.locator('[data-test]').textContent()).toBe('需采样')
    expect(await page.locator('[data-result]').textContent()).not.toContain('王建国')
    const steps = () => page.locator('[data-next-steps]').getAttribute('data-steps')
    await expect.poll(steps).toBe('certificate_checked sampled')
    await screenshot(page, 'cp-04-valid-verdict-details')
    expect(await accessibilityProblems(page)).toEqual([])

    await page.getByLabel('采样管编码').fill('TUBE-B10002')
    await page.getByRole('button', { name: '已采样', exact: true }).click()
    await expect.poll(steps).toContain('antigen_negative')
    expect(await steps()).not.toContain('departed')
    await page.getByRole('button', { name: '抗原阴性' }).click()
    await expect.poll(steps).toBe('pcr_negative pcr_positive released')
    // The release destination is prefilled from the pass: the station's gate.
    expect(await page.locator('[data-release-to]').inputValue()).toBe('HZ-TS-XS')
    await page.getByRole('button', { name: '放行', exact: true }).click()
    await expect.poll(steps).toBe('pcr_negative pcr_positive destination_arrived departed')
    // The steps follow the phone's own records at once; the summary, the server's loop once the
    // release is uploaded and read back.
    await expect
      .poll(() => page.locator('[data-loop-summary]').textContent())
      .toContain('萧山空港中转站卡口')
    await page.getByRole('button', { name: '已到达目的地' }).click()
    await expect.poll(steps).toBe('pcr_negative pcr_positive handed_over departed')
    // The hand-over manifest: a plate is asked for; two local vehicles, one with a seal.
    await page.getByRole('button', { name: '记录交接' }).click()
    expect(await page.locator('#handover-error').textContent()).toBe('请输入正确的接驳车车牌')
    await page.getByLabel('接驳车车牌').fill('浙a·5r002')
    await page.getByLabel('件数').fill('6')
    await page.getByLabel('封签号（可选）').fill('QF-0002')
    await page.getByRole('button', { name: '再加一辆车' }).click()
    await page.locator('#receiver-1-plate').fill('浙A5R003')
    await page.locator('#receiver-1-pieces').fill('2')
    await page.getByRole('button', { name: '记录交接' }).click()
    await expect.poll(steps).toBe('pcr_negative pcr_positive departed')
    const handover = page.locator('[data-loop-events] li[data-event-kind="handed_over"]')
    expect(await handover.textContent()).toContain('浙A5R002 × 6 QF-0002 · 浙A5R003 × 2')
    await screenshot(page, 'cp-05a-handover-manifest')
    await page.getByRole('button', { name: '核酸阴性' }).click()
    await expect
      .poll(() => page.locator('[data-loop-summary]').getAttribute('data-state'))
      .toBe('closed')
    expect(await page.locator('[data-loop-summary]').textContent()).toContain('已闭环')
    expect(await page.locator('[data-loop-events] li').count()).toBe(7)
    expect(await page.locator('[data-feedback]').textContent()).toContain('已记录')
    await screenshot(page, 'cp-05-loop-closed')
    expect(loopState('浙B10002').state).toBe('closed')
    await context.close()
  })

  it('asks before recording a positive, and withdraws it within the minute', async () => {
    const pass = await issueNow('浙B10003')
    const { context, page } = await phone()
    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await typeAndCheck(page, pass.number)
    await page.getByLabel('采样管编码').fill('TUBE-B10003')
    await page.getByRole('button', { name: '已采样', exact: true }).click()
    await page.getByRole('button', { name: '抗原阳性' }).click()
    const dialog = page.getByRole('alertdialog')
    expect(await dialog.textContent()).toContain('确认录入“抗原阳性”')
    expect(loopState('浙B10003').alerting).toBe(0)
    await screenshot(page, 'cp-06-confirm-positive')
    await page.getByRole('button', { name: '确认阳性' }).click()
    const undo = page.locator('[data-undo]')
    await undo.waitFor()
    expect(await undo.textContent()).toMatch(/^撤销（(60|59|58|57) 秒）$/)
    await expect.poll(() => loopState('浙B10003').alerting).toBe(1)
    await expect
      .poll(() => page.locator('[data-next-steps]').getAttribute('data-steps'))
      .not.toContain('released')
    await screenshot(page, 'cp-07-undo-positive')
    await undo.click()
    await expect.poll(() => page.locator('[data-feedback]').textContent()).toBe('已撤销：抗原阳性')
    await expect.poll(() => loopState('浙B10003').alerting).toBe(0)
    await expect
      .poll(() => page.locator('[data-next-steps]').getAttribute('data-steps'))
      .toContain('released')
    const kinds = t.sqlite
      .prepare('SELECT kind FROM loop_events WHERE loop_id = ? ORDER BY at, rowid')
      .pluck()
      .all(loopState('浙B10003').id)
    expect(kinds).toEqual(['arrived', 'sampled', 'antigen_result', 'result_corrected'])
    expect(await page.locator('[data-loop-events] li.withdrawn').count()).toBe(1)
    await screenshot(page, 'cp-08-positive-withdrawn')
    await context.close()
  })

  it('offline: a typed number asks for the QR; a scan queues; the upload is confirmed', async () => {
    const pass = await issueNow('浙B10004')
    const { context, page } = await phone()
    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await waitForTrust(page)
    await context.setOffline(true)
    await expect
      .poll(() => page.locator('[data-network]').getAttribute('data-state'))
      .toBe('offline')
    await typeAndCheck(page, pass.number)
    await page.locator('[data-verdict]').waitFor()
    expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('scan_qr')
    expect(await headline(page)).toBe('离线时无法核验手工输入的编号，请扫描二维码核验')
    await screenshot(page, 'cp-09-offline-typed-number')

    // The QR (here typed as its token, as the camera would read it) is verified on the phone.
    await typeAndCheck(page, pass.token)
    await expect
      .poll(() => page.locator('[data-verdict]').getAttribute('data-verdict'))
      .toBe('valid')
    // Every offline verdict says how old the trust data behind it is.
    expect(await page.locator('[data-offline]').textContent()).toMatch(
      /^吊销名单 (刚刚|\d+ 分钟前)更新$/,
    )
    expect(await page.locator('[data-origin]').textContent()).toBe('上海市浦东新区（高风险）')
    expect(await page.locator('[data-destination]').textContent()).toBe('萧山空港物资中转站')
    await page.getByLabel('采样管编码').fill('TUBE-B10004')
    await page.getByRole('button', { name: '已采样', exact: true }).click()
    await expect.poll(() => page.locator('[data-queue-count]').textContent()).toBe('2')
    expect(await page.locator('[data-feedback]').textContent()).toContain('已暂存本机')
    await screenshot(page, 'cp-10-offline-queued')

    await context.setOffline(false)
    await expect
      .poll(() => page.locator('[data-queue-count]').textContent(), { timeout: 20_000 })
      .toBe('0')
    await expect.poll(() => page.locator('[data-uploaded]').textContent()).toBe('已上传 2 条')
    await screenshot(page, 'cp-11-uploaded')
    const kinds = t.sqlite
      .prepare('SELECT kind FROM loop_events WHERE loop_id = ? ORDER BY at, rowid')
      .pluck()
      .all(loopState('浙B10004').id)
    expect(kinds).toEqual(['arrived', 'sampled'])
    await context.close()
  })

  it('loses nothing recorded while an earlier record is still uploading', async () => {
    // Staff press the next step before the last one has reached the server (a slow network at a
    // roadside): the second record is queued while the first upload is under way. The upload
    // must take off the queue only what it sent, never write back the queue it read.
    const pass = await issueNow('浙B10006')
    const { context, page } = await phone()
    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await typeAndCheck(page, pass.number)
    await page.locator('[data-verdict]').waitFor()
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let first = true
    await page.route('**/api/v1/events', async (route) => {
      if (first) {
        first = false
        await held
      }
      await route.continue()
    })
    const steps = () => page.locator('[data-next-steps]').getAttribute('data-steps')
    await page.getByLabel('采样管编码').fill('TUBE-B10006')
    await page.getByRole('button', { name: '已采样', exact: true }).click()
    await expect.poll(steps).toContain('antigen_negative')
    await page.getByRole('button', { name: '抗原阴性' }).click()
    // Both records are on the phone while the first upload is held.
    await expect.poll(() => page.locator('[data-queue-count]').textContent()).toBe('2')
    // What staff choose for the next step meanwhile stays chosen when the loop is read again.
    const releaseTo = page.locator('[data-release-to]')
    const other = await releaseTo.evaluate(
      (select: HTMLSelectElement) =>
        [...select.options].map((o) => o.value).filter((v) => v !== select.value)[0],
    )
    await releaseTo.selectOption(other)
    release()
    await expect
      .poll(() => page.locator('[data-queue-count]').textContent(), { timeout: 20_000 })
      .toBe('0')
    await expect
      .poll(() => page.locator('[data-loop-summary]').getAttribute('data-state'))
      .toBe('sampled')
    expect(await releaseTo.inputValue()).toBe(other)
    await expect
      .poll(() =>
        t.sqlite
          .prepare('SELECT kind FROM loop_events WHERE loop_id = ? ORDER BY at, rowid')
          .pluck()
          .all(loopState('浙B10006').id),
      )
      .toEqual(['arrived', 'sampled', 'antigen_result'])
    await context.close()
  })

  it('speaks English with no Chinese text but the data, and passes axe', async () => {
    const pass = await issueNow('浙B10005', '李四')
    const { context, page } = await phone('en')
    await page.locator('#checkpoint').selectOption('HZ-G60-XS')
    await typeAndCheck(page, pass.number)
    await page.locator('[data-verdict]').waitFor()
    expect(await headline(page)).toBe('✔ Pass valid')
    expect(await page.locator('[data-origin]').textContent()).toBe('上海市浦东新区 (High risk)')
    expect(await page.locator('[data-test]').textContent()).toBe('Sample needed')
    expect(await page.locator('[data-crew]').textContent()).toBe('李*')
    await page.getByLabel('Sample tube code').fill('TUBE-B10005')
    await page.getByRole('button', { name: 'Sampled', exact: true }).click()
    await expect
      .poll(() => page.locator('[data-next-steps]').getAttribute('data-steps'))
      .toContain('released')
    expect(await accessibilityProblems(page)).toEqual([])
    await screenshot(page, 'cp-12-english')
    // Chinese only in data: plates, place and people's names, the checkpoint's name.
    const text = (await page.locator('main').innerText()).replace(
      /浙B\d+|李\*|上海市浦东新区|萧山空港[^\s)（]*|G60 沪昆高速萧山出口|滨江物流园收货点/g,
      '',
    )
    expect(text).not.toMatch(/[\u4e00-\u9fff]/)
    await context.close()

    const arrivals = await phone('en')
    await arrivals.page.goto(`${url}/ui/arrivals?lang=en`)
    expect(await arrivals.page.locator('h1').textContent()).toBe('Expected arrivals')
    await arrivals.context.close()
  })
})
