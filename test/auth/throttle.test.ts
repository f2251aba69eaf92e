import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import {
  addressOverLimit,
  delaySteps,
  refusalOf,
  signInDelayMs,
  slotTooFar,
} from '../../src/auth/sign-in-throttle.ts'
import { loadConfig } from '../../src/config.ts'
import { generateSecrets } from '../../src/keys/generate.ts'

const login = (
  t: TestApp,
  username: string,
  password: string,
  headers: Record<string, string> = {},
) => t.call('POST', '/api/v1/auth/login', { body: { username, password }, headers })

/**
 * An app whose sign-in waits are recorded instead of waited. With `waitsPass` each wait moves the
 * test clock on, as for one client that waits its slot out before trying again; without it every
 * request happens at the same instant, as for a burst of parallel guesses.
 */
async function throttledApp(
  config: Record<string, string> = {},
  options: { clientAddress?: (c: any) => string; waitsPass?: boolean } = {},
) {
  const delays: number[] = []
  const sleep = async (ms: number) => {
    delays.push(ms)
    if (options.waitsPass) t.clock.advance(ms)
  }
  const t: TestApp = await buildTestApp({
    config,
    deps: { sleep, clientAddress: options.clientAddress },
  })
  return { t, delays }
}

/** Counts password checks (one PBKDF2 derivation each). */
const countPasswordChecks = () => vi.spyOn(crypto.subtle, 'deriveBits')

const statusCounts = (answers: { status: number }[]) =>
  answers.reduce<Record<number, number>>(
    (counts, a) => ({ ...counts, [a.status]: (counts[a.status] ?? 0) + 1 }),
    {},
  )

afterEach(() => vi.restoreAllMocks())

describe('the throttle rules', () => {
  const config = {
    LOGIN_SLOW_AFTER: 3,
    LOGIN_SLOWDOWN_STEP_MS: 100,
    LOGIN_MAX_DELAY_MS: 1000,
    LOGIN_ADDRESS_LOCK_AFTER: 10,
    LOGIN_WINDOW_MINUTES: 15,
  }

  it('costs nothing up to LOGIN_SLOW_AFTER earlier failures, then doubles from the step up to the cap', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6, 7, 8, 40, 5000].map((failures) =>
      signInDelayMs({ accountFailures: failures, addressFailures: 0 }, config),
    )
    expect(delays).toEqual([0, 0, 0, 100, 200, 400, 800, 1000, 1000, 1000, 1000])
  })

  it('gives the database the same delays as a table of thresholds', () => {
    for (const settings of [
      config,
      { ...config, LOGIN_SLOW_AFTER: 1, LOGIN_SLOWDOWN_STEP_MS: 1, LOGIN_MAX_DELAY_MS: 60_000 },
      { ...config, LOGIN_SLOWDOWN_STEP_MS: 0 },
      { ...config, LOGIN_MAX_DELAY_MS: 0 },
    ]) {
      const steps = delaySteps(settings)
      const fromTable = (n: number) => [...steps].reverse().find((step) => n >= step.from)!.ms
      for (let n = 0; n < 80; n++)
        expect(fromTable(n), `${JSON.stringify(settings)} at ${n}`).toBe(
          signInDelayMs({ accountFailures: n, addressFailures: 0 }, settings),
        )
      expect(steps.length).toBeLessThan(25)
    }
  })

  it('is decided by the account alone: an address full of failures slows no one', () => {
    expect(signInDelayMs({ accountFailures: 0, addressFailures: 500 }, config)).toBe(0)
  })

  it('puts an address past its limit from LOGIN_ADDRESS_LOCK_AFTER failures on', () => {
    expect(addressOverLimit({ accountFailures: 0, addressFailures: 9 }, config)).toBe(false)
    expect(addressOverLimit({ accountFailures: 0, addressFailures: 10 }, config)).toBe(true)
  })

  it('refuses a slot further ahead than LOGIN_MAX_DELAY_MS', () => {
    expect(slotTooFar(2000, 1000, config)).toBe(false)
    expect(slotTooFar(2001, 1000, config)).toBe(true)
  })

  it('tells an address to come back when its oldest failure leaves the window, an account when its slot comes within reach', () => {
    const now = 1_000_000
    expect(
      refusalOf({ addressFailures: 10, addressOldestMs: now - 60_000, slotMs: now }, now, config),
    ).toEqual({ reason: 'address_limit', retryAfterSeconds: 14 * 60 + 1 })
    expect(
      refusalOf({ addressFailures: 2, addressOldestMs: now, slotMs: now + 3500 }, now, config),
    ).toEqual({ reason: 'account_busy', retryAfterSeconds: 3 })
    expect(
      refusalOf({ addressFailures: 2, addressOldestMs: now, slotMs: now + 1000 }, now, config)
        .retryAfterSeconds,
    ).toBe(1)
  })
})

describe('password guessing', () => {
  it('slows an account more with each failure, up to the cap, and lets its right password in after its wait', async () => {
    const { t, delays } = await throttledApp(
      { LOGIN_SLOW_AFTER: '5', LOGIN_SLOWDOWN_STEP_MS: '500', LOGIN_MAX_DELAY_MS: '30000' },
      { waitsPass: true },
    )
    for (let i = 0; i < 14; i++)
      expect((await login(t, 'coordinator', `guess-${i}`)).status).toBe(401)
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

  it('gives parallel guesses successive slots: each waits for the one before it, not beside it', async () => {
    const { t, delays } = await throttledApp({
      LOGIN_SLOW_AFTER: '1',
      LOGIN_SLOWDOWN_STEP_MS: '100',
      LOGIN_MAX_DELAY_MS: '60000',
    })
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => login(t, 'checkpoint', `parallel-${i}`)),
    )
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(401))
    // Spacings 0, 100, 200, 400, …: the waits add up, so eight guesses take as long as eight in a row.
    expect([...delays].sort((a, b) => a - b)).toEqual([100, 300, 700, 1500, 3100, 6300, 12700])
    expect(t.sqlite.prepare('SELECT count(*) AS n FROM login_failures').get()).toEqual({ n: 8 })
    delays.length = 0
    expect((await login(t, 'checkpoint', 'one-more')).status).toBe(401)
    expect(delays).toEqual([12700 + 12800])
  })

  it('checks a bounded number of 300 parallel guesses per LOGIN_MAX_DELAY_MS and refuses the rest unchecked; the right password gets in when its slot comes', async () => {
    const { t, delays } = await throttledApp({
      LOGIN_SLOW_AFTER: '5',
      LOGIN_SLOWDOWN_STEP_MS: '500',
      LOGIN_MAX_DELAY_MS: '30000',
      LOGIN_ADDRESS_LOCK_AFTER: '1000',
    })
    const checks = countPasswordChecks()
    const burst = () =>
      Promise.all(Array.from({ length: 300 }, (_, i) => login(t, 'checkpoint', `burst-${i}`)))

    const first = await burst()
    // Five free slots, then 0.5 s, 1 s, 2 s, 4 s, 8 s apart (at 15.5 s); the next would lie 31.5 s ahead.
    expect(statusCounts(first)).toEqual({ 401: 10, 429: 290 })
    expect(checks.mock.calls.length).toBe(10)
    const refused = first.find((a) => a.status === 429)!
    expect(refused.json.error).toMatchObject({
      code: 'too_many_attempts',
      details: { limit: 'account' },
    })
    expect(Number(refused.headers.get('retry-after'))).toBe(2)
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000)

    // The flood goes on, a burst every LOGIN_MAX_DELAY_MS: at most two more checked each time.
    for (let round = 0; round < 3; round++) {
      t.clock.advance(30_000)
      checks.mockClear()
      const answers = await burst()
      expect(answers.filter((a) => a.status === 401).length).toBeLessThanOrEqual(2)
      expect(checks.mock.calls.length).toBe(answers.filter((a) => a.status === 401).length)
    }

    // The flood stops. The right password is told when to come back, and then gets in.
    const early = await login(t, 'checkpoint', 'tongxing-check')
    expect(early.status).toBe(429)
    t.clock.advance(Number(early.headers.get('retry-after')) * 1000)
    delays.length = 0
    expect((await login(t, 'checkpoint', 'tongxing-check')).status).toBe(200)
    expect(delays.length).toBe(1)
    expect(delays[0]).toBeLessThanOrEqual(30_000)
  })

  it('keeps an account’s failures after it signs in correctly, so a guesser gets no free attempts back', async () => {
    const { t, delays } = await throttledApp(
      { LOGIN_SLOW_AFTER: '2', LOGIN_SLOWDOWN_STEP_MS: '100' },
      { waitsPass: true },
    )
    for (let i = 0; i < 4; i++) await login(t, 'checkpoint', `guess-${i}`)
    expect(delays).toEqual([100, 200])
    delays.length = 0
    expect((await login(t, 'checkpoint', 'tongxing-check')).status).toBe(200)
    // The sign-in itself is not counted as a failure: the next guess has the position it had.
    for (let i = 0; i < 2; i++)
      expect((await login(t, 'checkpoint', `again-${i}`)).status).toBe(401)
    expect(delays).toEqual([400, 400, 800])
  })

  it('forgets failures older than the window', async () => {
    const { t, delays } = await throttledApp(
      { LOGIN_SLOW_AFTER: '1', LOGIN_SLOWDOWN_STEP_MS: '100', LOGIN_WINDOW_MINUTES: '15' },
      { waitsPass: true },
    )
    for (let i = 0; i < 3; i++) await login(t, 'admin', `guess-${i}`)
    expect(delays).toEqual([100, 200])
    t.clock.advance(16 * 60_000)
    delays.length = 0
    expect((await login(t, 'admin', 'after-the-window')).status).toBe(401)
    expect(delays).toEqual([])
  })

  it('answers 429 to an address past its limit before any password is checked, the right one too; another address still gets in', async () => {
    const { t } = await throttledApp(
      { TRUST_PROXY: '1', LOGIN_ADDRESS_LOCK_AFTER: '4', LOGIN_SLOWDOWN_STEP_MS: '1' },
      { clientAddress: () => '10.0.0.1' },
    )
    const from = (address: string) => ({ 'x-forwarded-for': address })
    for (const name of ['a-user', 'b-user', 'c-user', 'd-user'])
      expect((await login(t, name, 'wrong-password', from('203.0.113.7'))).status).toBe(401)
    const checks = countPasswordChecks()
    const wrong = await login(t, 'admin', 'not-it', from('203.0.113.7'))
    const right = await login(t, 'admin', 'tongxing-admin', from('203.0.113.7'))
    // The same answer whatever the password, and no password looked at: no oracle past the limit.
    for (const answer of [wrong, right]) {
      expect([answer.status, answer.json.error.code, answer.json.error.details.limit]).toEqual([
        429,
        'too_many_attempts',
        'address',
      ])
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(800)
    }
    expect(wrong.json).toEqual(right.json)
    expect(checks).not.toHaveBeenCalled()
    // The limit is per address: the same account from anywhere else signs in at once.
    expect((await login(t, 'admin', 'tongxing-admin', from('203.0.113.8'))).status).toBe(200)
    // …and the address gets in again once its failures leave the window.
    t.clock.advance(Number(right.headers.get('retry-after')) * 1000)
    expect((await login(t, 'admin', 'tongxing-admin', from('203.0.113.7'))).status).toBe(200)
  })

  it('with TRUST_PROXY, tells clients behind the proxy apart by the right-most X-Forwarded-For entry', async () => {
    const { t } = await throttledApp(
      { TRUST_PROXY: '1', LOGIN_ADDRESS_LOCK_AFTER: '3', LOGIN_SLOWDOWN_STEP_MS: '1' },
      { clientAddress: () => '10.0.0.1' },
    )
    // The attacker forges left-hand entries; the proxy appends the address it saw: 203.0.113.7.
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await login(t, `name-${i}`, 'wrong', {
            'x-forwarded-for': `198.51.100.${i}, 203.0.113.7`,
          })
        ).status,
      ).toBe(401)
    }
    expect(
      (await login(t, 'name-x', 'wrong', { 'x-forwarded-for': '192.0.2.99, 203.0.113.7' })).status,
    ).toBe(429)
    // Someone else behind the same proxy is not touched by it.
    expect((await login(t, 'name-y', 'wrong', { 'x-forwarded-for': '203.0.113.8' })).status).toBe(
      401,
    )
    const rows = t.sqlite
      .prepare('SELECT DISTINCT address FROM login_failures ORDER BY address')
      .all()
    expect(rows).toEqual([{ address: '203.0.113.7' }, { address: '203.0.113.8' }])
  })

  it('without TRUST_PROXY, ignores X-Forwarded-For and counts the connected peer', async () => {
    const { t } = await throttledApp(
      { LOGIN_ADDRESS_LOCK_AFTER: '3', LOGIN_SLOWDOWN_STEP_MS: '1' },
      { clientAddress: () => '10.0.0.1' },
    )
    for (let i = 0; i < 3; i++)
      await login(t, `name-${i}`, 'wrong', { 'x-forwarded-for': `198.51.100.${i}` })
    expect((await login(t, 'name-x', 'wrong', { 'x-forwarded-for': '192.0.2.1' })).status).toBe(429)
    expect(t.sqlite.prepare('SELECT DISTINCT address FROM login_failures').all()).toEqual([
      { address: '10.0.0.1' },
    ])
  })

  it('spends the same password work on an unknown user as on a known one', async () => {
    const t = await buildTestApp()
    const derive = countPasswordChecks()
    await login(t, 'nobody-here', 'whatever-password')
    const unknownUser = derive.mock.calls.length
    derive.mockClear()
    await login(t, 'coordinator', 'whatever-password')
    expect(unknownUser).toBe(1)
    expect(derive.mock.calls.length).toBe(unknownUser)
    expect((derive.mock.calls[0][0] as Pbkdf2Params).iterations).toBe(100_000)
  })

  it('shows the address refusal on the sign-in page in the page’s language, whatever the password', async () => {
    const { t } = await throttledApp({ LOGIN_ADDRESS_LOCK_AFTER: '2', LOGIN_SLOWDOWN_STEP_MS: '1' })
    const post = (username: string, password: string) =>
      t.app.request('/ui/login?lang=en', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `username=${username}&password=${password}`,
      })
    expect((await post('admin', 'nope-1')).status).toBe(401)
    expect((await post('someone', 'nope-2')).status).toBe(401)
    const page = await post('admin', 'nope-3')
    expect(page.status).toBe(429)
    expect(await page.text()).toMatch(
      /Too many failed sign-ins from your network; try again in \d+ seconds/,
    )
    expect((await post('admin', 'tongxing-admin')).status).toBe(429)
  })
})

describe('the throttle settings', () => {
  it('default to a 500 ms step doubling up to 30 s after 5 failures, and 50 per address', async () => {
    const config = loadConfig(await generateSecrets())
    expect([
      config.LOGIN_SLOW_AFTER,
      config.LOGIN_SLOWDOWN_STEP_MS,
      config.LOGIN_MAX_DELAY_MS,
      config.LOGIN_ADDRESS_LOCK_AFTER,
    ]).toEqual([5, 500, 30_000, 50])
  })
})
