import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { addressOverLimit, signInDelayMs } from '../../src/auth/sign-in-throttle.ts'
import { loadConfig } from '../../src/config.ts'
import { generateSecrets } from '../../src/keys/generate.ts'

const login = (t: TestApp, username: string, password: string, headers: Record<string, string> = {}) =>
  t.call('POST', '/api/v1/auth/login', { body: { username, password }, headers })

/** An app whose sign-in delays are recorded instead of waited: tests assert the delay decided. */
async function throttledApp(config: Record<string, string> = {}, clientAddress?: (c: any) => string) {
  const delays: number[] = []
  const t = await buildTestApp({ config, deps: { sleep: async (ms) => void delays.push(ms), clientAddress } })
  return { t, delays }
}

afterEach(() => vi.restoreAllMocks())

describe('signInDelayMs', () => {
  const config = { LOGIN_SLOW_AFTER: 3, LOGIN_SLOWDOWN_STEP_MS: 100, LOGIN_MAX_DELAY_MS: 1000, LOGIN_ADDRESS_LOCK_AFTER: 10 }

  it('costs nothing up to LOGIN_SLOW_AFTER earlier failures, then doubles from the step up to the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8, 40, 5000].map((failures) => signInDelayMs({ accountFailures: failures, addressFailures: 0 }, config))
    expect(delays).toEqual([0, 0, 0, 100, 200, 400, 800, 1000, 1000, 1000, 1000])
  })

  it('is decided by the account alone: an address full of failures slows no one', () => {
    expect(signInDelayMs({ accountFailures: 0, addressFailures: 500 }, config)).toBe(0)
  })

  it('puts an address past its limit from LOGIN_ADDRESS_LOCK_AFTER earlier failures on', () => {
    expect(addressOverLimit({ accountFailures: 0, addressFailures: 9 }, config)).toBe(false)
    expect(addressOverLimit({ accountFailures: 0, addressFailures: 10 }, config)).toBe(true)
  })
})

describe('password guessing', () => {
  it('slows an account more with each failure, up to the cap, and never refuses its right password', async () => {
    const { t, delays } = await throttledApp({ LOGIN_SLOW_AFTER: '5', LOGIN_SLOWDOWN_STEP_MS: '500', LOGIN_MAX_DELAY_MS: '30000' })
    for (let i = 0; i < 14; i++) expect((await login(t, 'coordinator', `guess-${i}`)).status).toBe(401)
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000])
    delays.length = 0
    const right = await login(t, 'coordinator', 'tongxing-coord')
    expect(right.status).toBe(200)
    // The right password waits its place in the line like a wrong one (or the timing would tell).
    expect(delays).toEqual([30000])
    // Another account is not slowed by it.
    delays.length = 0
    expect((await login(t, 'enterprise', 'tongxing-firm')).status).toBe(200)
    expect(delays).toEqual([])
  })

  it('counts parallel wrong guesses each in its own place, so each waits the delay of its position', async () => {
    const { t, delays } = await throttledApp({ LOGIN_SLOW_AFTER: '1', LOGIN_SLOWDOWN_STEP_MS: '100', LOGIN_MAX_DELAY_MS: '60000' })
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => login(t, 'checkpoint', `parallel-${i}`)))
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(401))
    // Positions 0..7: the first is free, then 100, 200, 400, … — never eight guesses at the same count.
    expect([...delays].sort((a, b) => a - b)).toEqual([100, 200, 400, 800, 1600, 3200, 6400])
    expect(t.sqlite.prepare('SELECT count(*) AS n FROM login_failures').get()).toEqual({ n: 8 })
    delays.length = 0
    expect((await login(t, 'checkpoint', 'one-more')).status).toBe(401)
    expect(delays).toEqual([12800])
  })

  it('forgets an account’s failures after it signs in correctly', async () => {
    const { t, delays } = await throttledApp({ LOGIN_SLOW_AFTER: '2', LOGIN_SLOWDOWN_STEP_MS: '100' })
    for (let i = 0; i < 4; i++) await login(t, 'checkpoint', `guess-${i}`)
    expect(delays).toEqual([100, 200])
    expect((await login(t, 'checkpoint', 'tongxing-check')).status).toBe(200)
    delays.length = 0
    for (let i = 0; i < 2; i++) expect((await login(t, 'checkpoint', `again-${i}`)).status).toBe(401)
    expect(delays).toEqual([])
  })

  it('forgets failures older than the window', async () => {
    const { t, delays } = await throttledApp({ LOGIN_SLOW_AFTER: '1', LOGIN_SLOWDOWN_STEP_MS: '100', LOGIN_WINDOW_MINUTES: '15' })
    for (let i = 0; i < 3; i++) await login(t, 'admin', `guess-${i}`)
    expect(delays).toEqual([100, 200])
    t.clock.advance(16 * 60_000)
    delays.length = 0
    expect((await login(t, 'admin', 'after-the-window')).status).toBe(401)
    expect(delays).toEqual([])
  })

  it('answers 429 to a flood of usernames from one address, yet lets the right password of someone behind it in', async () => {
    const { t } = await throttledApp({ LOGIN_ADDRESS_LOCK_AFTER: '4', LOGIN_SLOWDOWN_STEP_MS: '1' })
    for (const name of ['a-user', 'b-user', 'c-user', 'd-user']) expect((await login(t, name, 'wrong-password')).status).toBe(401)
    const flood = await login(t, 'e-user', 'wrong-password')
    expect([flood.status, flood.json.error.code]).toEqual([429, 'too_many_attempts'])
    expect(Number(flood.headers.get('retry-after'))).toBeGreaterThan(800)
    // A wrong password of a real account from there is refused the same way…
    expect((await login(t, 'enterprise', 'not-it')).status).toBe(429)
    // …but the right one of a real user sharing the address (an office, a proxy) gets in.
    expect((await login(t, 'admin', 'tongxing-admin')).status).toBe(200)
    expect((await login(t, 'checkpoint', 'tongxing-check')).status).toBe(200)
  })

  it('with TRUST_PROXY, tells clients behind the proxy apart by the right-most X-Forwarded-For entry', async () => {
    const { t } = await throttledApp({ TRUST_PROXY: '1', LOGIN_ADDRESS_LOCK_AFTER: '3', LOGIN_SLOWDOWN_STEP_MS: '1' }, () => '10.0.0.1')
    // The attacker forges left-hand entries; the proxy appends the address it saw: 203.0.113.7.
    for (let i = 0; i < 3; i++) {
      expect((await login(t, `name-${i}`, 'wrong', { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.7` })).status).toBe(401)
    }
    expect((await login(t, 'name-x', 'wrong', { 'x-forwarded-for': '192.0.2.99, 203.0.113.7' })).status).toBe(429)
    // Someone else behind the same proxy is not touched by it.
    expect((await login(t, 'name-y', 'wrong', { 'x-forwarded-for': '203.0.113.8' })).status).toBe(401)
    const rows = t.sqlite.prepare('SELECT DISTINCT address FROM login_failures ORDER BY address').all()
    expect(rows).toEqual([{ address: '203.0.113.7' }, { address: '203.0.113.8' }])
  })

  it('without TRUST_PROXY, ignores X-Forwarded-For and counts the connected peer', async () => {
    const { t } = await throttledApp({ LOGIN_ADDRESS_LOCK_AFTER: '3', LOGIN_SLOWDOWN_STEP_MS: '1' }, () => '10.0.0.1')
    for (let i = 0; i < 3; i++) await login(t, `name-${i}`, 'wrong', { 'x-forwarded-for': `198.51.100.${i}` })
    expect((await login(t, 'name-x', 'wrong', { 'x-forwarded-for': '192.0.2.1' })).status).toBe(429)
    expect(t.sqlite.prepare('SELECT DISTINCT address FROM login_failures').all()).toEqual([{ address: '10.0.0.1' }])
  })

  it('spends the same password work on an unknown user as on a known one', async () => {
    const t = await buildTestApp()
    const derive = vi.spyOn(crypto.subtle, 'deriveBits')
    await login(t, 'nobody-here', 'whatever-password')
    const unknownUser = derive.mock.calls.length
    derive.mockClear()
    await login(t, 'coordinator', 'whatever-password')
    expect(unknownUser).toBe(1)
    expect(derive.mock.calls.length).toBe(unknownUser)
    expect((derive.mock.calls[0][0] as Pbkdf2Params).iterations).toBe(100_000)
  })

  it('shows the address refusal on the sign-in page in the page’s language, and still lets the right password in', async () => {
    const { t } = await throttledApp({ LOGIN_ADDRESS_LOCK_AFTER: '2', LOGIN_SLOWDOWN_STEP_MS: '1' })
    const post = (username: string, password: string) =>
      t.app.request('/ui/login?lang=en', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=${username}&password=${password}` })
    expect((await post('admin', 'nope-1')).status).toBe(401)
    expect((await post('someone', 'nope-2')).status).toBe(401)
    const page = await post('admin', 'nope-3')
    expect(page.status).toBe(429)
    expect(await page.text()).toContain('Too many failed sign-ins from your network')
    expect((await post('admin', 'tongxing-admin')).status).toBe(303)
  })
})

describe('the throttle settings', () => {
  it('default to a 500 ms step doubling up to 30 s after 5 failures, and 50 per address', async () => {
    const config = loadConfig(await generateSecrets())
    expect([config.LOGIN_SLOW_AFTER, config.LOGIN_SLOWDOWN_STEP_MS, config.LOGIN_MAX_DELAY_MS, config.LOGIN_ADDRESS_LOCK_AFTER]).toEqual([5, 500, 30_000, 50])
  })
})
