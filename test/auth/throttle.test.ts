import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildTestApp } from '../support/test-app.ts'

const login = (t: Awaited<ReturnType<typeof buildTestApp>>, username: string, password: string) =>
  t.call('POST', '/api/v1/auth/login', { body: { username, password } })

afterEach(() => vi.restoreAllMocks())

describe('password guessing', () => {
  it('is slowed, then refused with 429 for a while, even with the right password', async () => {
    const t = await buildTestApp({ config: { LOGIN_SLOWDOWN_STEP_MS: '1' } })
    for (let i = 0; i < 10; i++) expect((await login(t, 'coordinator', `guess-${i}`)).status).toBe(401)
    const refused = await login(t, 'coordinator', 'tongxing-coord')
    expect([refused.status, refused.json.error.code]).toEqual([429, 'too_many_attempts'])
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(800)
    // Another account is not locked by it.
    expect((await login(t, 'enterprise', 'tongxing-firm')).status).toBe(200)
    t.clock.advance(16 * 60_000)
    expect((await login(t, 'coordinator', 'tongxing-coord')).status).toBe(200)
  })

  it('forgets an account’s failures after it signs in correctly', async () => {
    const t = await buildTestApp({ config: { LOGIN_SLOWDOWN_STEP_MS: '1' } })
    for (let i = 0; i < 9; i++) await login(t, 'checkpoint', `guess-${i}`)
    expect((await login(t, 'checkpoint', 'tongxing-check')).status).toBe(200)
    for (let i = 0; i < 9; i++) expect((await login(t, 'checkpoint', `again-${i}`)).status).toBe(401)
  })

  it('is limited per client address across usernames', async () => {
    const t = await buildTestApp({ config: { LOGIN_ADDRESS_LOCK_AFTER: '4', LOGIN_SLOWDOWN_STEP_MS: '1' } })
    for (const name of ['a-user', 'b-user', 'c-user', 'd-user']) expect((await login(t, name, 'wrong-password')).status).toBe(401)
    expect((await login(t, 'admin', 'tongxing-admin')).status).toBe(429)
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

  it('shows the refusal on the sign-in page too', async () => {
    const t = await buildTestApp({ config: { LOGIN_LOCK_AFTER: '2', LOGIN_SLOWDOWN_STEP_MS: '1' } })
    const post = (password: string) =>
      t.app.request('/ui/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=admin&password=${password}` })
    expect((await post('nope-1')).status).toBe(401)
    expect((await post('nope-2')).status).toBe(401)
    const page = await post('tongxing-admin')
    expect(page.status).toBe(429)
    expect(await page.text()).toContain('too many failed sign-ins')
  })
})
