import { beforeAll, describe, expect, it, vi } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { issuePass } from '../support/flow.ts'
import { drawingTurns, qrDrawing } from '../../src/passes/qr.ts'
import { ApiError } from '../../src/http/errors.ts'

/**
 * QR images are drawn a few at a time. One account asking for hundreds (each width a new image)
 * must not hold up every other caller: waiting images are taken one per account in rotation, and
 * an account past its bound of waiting images is told 429 with Retry-After.
 */

/** A drawing the test finishes by hand, and the order drawings started in. */
function heldDrawings() {
  const started: string[] = []
  const finishers = new Map<string, () => void>()
  const draw = (name: string) => () => {
    started.push(name)
    return new Promise<string>((resolve) => finishers.set(name, () => resolve(name)))
  }
  const finish = async (name: string) => {
    finishers.get(name)!()
    // Let the freed turn pass on before looking.
    for (let i = 0; i < 5; i++) await Promise.resolve()
  }
  return { started, draw, finish }
}

describe('turns at drawing', () => {
  it('draws at most `atOnce` images at a time and hands a finished turn straight on', async () => {
    const turns = drawingTurns({ atOnce: 2, waitingPerAccount: 10, retryAfterSeconds: 2 })
    const d = heldDrawings()
    const results = ['a1', 'a2', 'a3'].map((name) => turns.inTurn('a', d.draw(name)))
    await Promise.resolve()
    expect([d.started, turns.waiting()]).toEqual([['a1', 'a2'], 1])
    await d.finish('a1')
    expect([d.started, turns.waiting()]).toEqual([['a1', 'a2', 'a3'], 0])
    await d.finish('a2')
    await d.finish('a3')
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'a3'])
  })

  it('takes waiting images one account at a time, so a single image does not wait behind a long queue', async () => {
    const turns = drawingTurns({ atOnce: 1, waitingPerAccount: 10, retryAfterSeconds: 2 })
    const d = heldDrawings()
    const firm = ['f1', 'f2', 'f3', 'f4', 'f5'].map((name) => turns.inTurn('firm', d.draw(name)))
    const coordinator = turns.inTurn('coordinator', d.draw('c1'))
    const other = turns.inTurn('other-firm', d.draw('o1'))
    for (const name of ['f1', 'f2', 'c1', 'o1', 'f3', 'f4']) await d.finish(name)
    await d.finish('f5')
    expect(d.started).toEqual(['f1', 'f2', 'c1', 'o1', 'f3', 'f4', 'f5'])
    await Promise.all([...firm, coordinator, other])
  })

  it('refuses an account’s image past its bound of waiting ones with 429 and Retry-After, and still lets another account wait', async () => {
    const turns = drawingTurns({ atOnce: 2, waitingPerAccount: 4, retryAfterSeconds: 3 })
    const d = heldDrawings()
    const accepted = Array.from({ length: 6 }, (_, i) => turns.inTurn('firm', d.draw(`f${i + 1}`)))
    const refused = await turns.inTurn('firm', d.draw('f7')).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ApiError)
    expect(refused).toMatchObject({
      status: 429,
      code: 'too_many_requests',
      headers: { 'retry-after': '3' },
    })
    expect(d.started).not.toContain('f7')

    const coordinator = turns.inTurn('coordinator', d.draw('c1'))
    expect(turns.waiting()).toBe(5)
    await d.finish('f1')
    await d.finish('f2')
    // The firm's first waiting image, then the coordinator's: not the firm's other three first.
    expect(d.started).toEqual(['f1', 'f2', 'f3', 'c1'])
    for (const name of ['f3', 'c1', 'f4', 'f5', 'f6']) await d.finish(name)
    expect(await coordinator).toBe('c1')
    await Promise.all(accepted)
    // Once its line is shorter, the firm is served again.
    const again = turns.inTurn('firm', d.draw('f8'))
    await d.finish('f8')
    expect(await again).toBe('f8')
  })

  it('frees the turn of a drawing that failed', async () => {
    const turns = drawingTurns({ atOnce: 1, waitingPerAccount: 1, retryAfterSeconds: 1 })
    await expect(turns.inTurn('a', () => Promise.reject(new Error('broken')))).rejects.toThrow(
      'broken',
    )
    expect(await turns.inTurn('a', async () => 'drawn')).toBe('drawn')
  })
})

describe('pass QR images for several accounts at once', () => {
  let t: TestApp
  let pass: { number: string; token: string }
  beforeAll(async () => {
    t = await buildTestApp()
    pass = await issuePass(t, { plate: '浙A71001' })
  })

  const getPng = async (role: 'enterprise' | 'coordinator', width: number) => {
    const res = await t.app.request(`/api/v1/passes/${pass.number}/qr.png?width=${width}`, {
      headers: { authorization: `Bearer ${await t.tokenFor(role)}` },
    })
    return {
      status: res.status,
      retryAfter: res.headers.get('retry-after'),
      body: res.status === 200 ? null : await res.json(),
    }
  }

  it('answers one account 429 past 32 waiting images, and draws another account’s image in the next turns', async () => {
    await Promise.all([t.tokenFor('enterprise'), t.tokenFor('coordinator')])
    // Both drawing turns held, so what the requests do is decided by the turns alone.
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const blockers = [
      qrDrawing.inTurn('test-blocker', () => held),
      qrDrawing.inTurn('test-blocker', () => held),
    ]

    const done: string[] = []
    // 32 images of the firm (every width a new one) wait for their turn.
    const firm = Array.from({ length: 32 }, (_, i) =>
      getPng('enterprise', 1000 - i).then((r) => (done.push('firm'), r)),
    )
    await vi.waitFor(() => expect(qrDrawing.waiting()).toBe(32))

    const refused = await getPng('enterprise', 900)
    expect([refused.status, refused.body.error.code, refused.retryAfter]).toEqual([
      429,
      'too_many_requests',
      '2',
    ])
    expect(refused.body.error.details).toEqual({ retry_after_seconds: 2 })

    const coordinator = getPng('coordinator', 512).then((r) => (done.push('coordinator'), r))
    await vi.waitFor(() => expect(qrDrawing.waiting()).toBe(33))
    release()
    await Promise.all(blockers)

    expect((await coordinator).status).toBe(200)
    expect((await Promise.all(firm)).map((r) => r.status)).toEqual(Array(32).fill(200))
    // Drawn among the first: the firm's first waiting image and the coordinator's took the two
    // freed turns (first come first served, it was the 33rd).
    expect(done.indexOf('coordinator')).toBeLessThan(3)
  })
})
