import { describe, expect, it } from 'vitest'
import { foldLoop, type EventKind, type LoopEvent } from '../../src/loops/fold.ts'
import { receiptBasis } from '../../src/receipts/receipt-basis.ts'
import { buildTestApp } from '../support/test-app.ts'
import { event, issuePass, scan, sendEvents } from '../support/flow.ts'

const HOUR = 3_600_000
const T0 = Date.parse('2026-11-29T08:00:00.000Z')
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString()
let seq = 0
const ev = (
  kind: EventKind,
  hours: number,
  data: Record<string, unknown> | null = null,
): LoopEvent => ({ id: `e${++seq}`, kind, at: at(hours), checkpoint_code: 'CP', data, seq })
const fold = (events: LoopEvent[]) => foldLoop(events, 6)

describe('receiptBasis', () => {
  const tested = (result: string, kind: EventKind = 'pcr_result') =>
    fold([ev('arrived', 0), ev('sampled', 1, { tube_code: 'T' }), ev(kind, 3, { result })])

  it('certifies the sample taken on the loop, expiring exactly 48 h after it', () => {
    const decision = receiptBasis(tested('negative'), new Date(at(10)))
    expect(decision).toEqual({
      ok: true,
      basis: { test: 'pcr', sampledAt: new Date(at(1)), expiresAt: new Date(at(49)) },
    })
    expect(receiptBasis(tested('negative', 'antigen_result'), new Date(at(10)))).toMatchObject({
      ok: true,
      basis: { test: 'antigen' },
    })
  })

  it('refuses once the sample is 48 h old', () => {
    expect(receiptBasis(tested('negative'), new Date(at(48.99))).ok).toBe(true)
    expect(receiptBasis(tested('negative'), new Date(at(49)))).toMatchObject({
      ok: false,
      code: 'receipt_expired',
    })
  })

  it('never dates a receipt from a sample time ahead of the server', () => {
    const future = fold([
      ev('arrived', 0),
      ev('certificate_checked', 1, { sampled_at: at(24 * 365 * 3) }),
    ])
    expect(receiptBasis(future, new Date(at(2)))).toMatchObject({
      ok: false,
      code: 'sample_in_future',
    })
    // A sample taken after the issue time (a device clock ahead) is refused alike.
    expect(receiptBasis(tested('negative'), new Date(at(0.5)))).toMatchObject({
      ok: false,
      code: 'sample_in_future',
    })
  })

  it('certifies a checked certificate by its own sample time, and not one without', () => {
    const withTime = fold([ev('arrived', 0), ev('certificate_checked', 1, { sampled_at: at(-20) })])
    expect(receiptBasis(withTime, new Date(at(2)))).toEqual({
      ok: true,
      basis: { test: 'certificate', sampledAt: new Date(at(-20)), expiresAt: new Date(at(28)) },
    })
    expect(
      receiptBasis(fold([ev('arrived', 0), ev('certificate_checked', 1)]), new Date(at(2))),
    ).toMatchObject({ ok: false, code: 'no_negative_result' })
  })

  it('gives nothing while a positive result stands, whatever came after it', () => {
    const loop = fold([
      ev('arrived', 0),
      ev('sampled', 1, { tube_code: 'T' }),
      ev('antigen_result', 2, { result: 'positive' }),
      ev('pcr_result', 5, { result: 'negative' }),
    ])
    expect(receiptBasis(loop, new Date(at(6)))).toMatchObject({
      ok: false,
      code: 'no_negative_result',
    })
  })
})

describe('GET /loops/{id}/receipt', () => {
  it('refuses a certificate stored with a sample time ahead (before device times were bounded)', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t)
    const loopId = (await scan(t, { token: pass.token })).json.loop.id
    t.sqlite
      .prepare(
        `INSERT INTO loop_events (id, loop_id, kind, at, checkpoint_code, data, recorded_by, received_at) VALUES (?, ?, 'certificate_checked', ?, 'HZ-G60-XS', ?, 'checkpoint:checkpoint', ?)`,
      )
      .run(
        crypto.randomUUID(),
        loopId,
        t.clock().toISOString(),
        JSON.stringify({ sampled_at: '2029-11-29T08:00:00.000Z' }),
        t.clock().toISOString(),
      )
    const res = await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'coordinator' })
    expect([res.status, res.json.error.code]).toEqual([409, 'sample_in_future'])
  })

  it('issues from a negative result recorded on the loop', async () => {
    const t = await buildTestApp()
    const pass = await issuePass(t)
    const loopId = (await scan(t, { token: pass.token })).json.loop.id
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'RB-1' }),
      event(t, loopId, 'pcr_result', { result: 'negative' }),
    ])
    const res = await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })
    expect(Date.parse(res.json.expires_at) - Date.parse(res.json.sampled_at)).toBe(48 * HOUR)
    expect(Date.parse(res.json.sampled_at)).toBeLessThanOrEqual(t.clock().getTime())
  })
})
