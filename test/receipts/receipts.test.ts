import { beforeEach, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../support/test-app.ts'
import { event, issuePass, scan, sendEvents } from '../support/flow.ts'
import {
  decodeReceiptPayload,
  encodeReceiptPayload,
  signReceipt,
} from '../../src/receipts/receipt-token.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'
import { qrVersion } from '../../src/passes/qr.ts'

let t: TestApp
beforeEach(async () => {
  t = await buildTestApp()
})

const HOUR = 3_600_000

/** A loop with a negative PCR result; returns its id and the vehicle's pass. */
async function clearedLoop(
  plate = '沪A12345D',
  result: Record<string, unknown> = { result: 'negative' },
  kind = 'pcr_result',
) {
  const pass = await issuePass(t, { plate })
  const loopId = (await scan(t, { token: pass.token })).json.loop.id
  await sendEvents(t, [
    event(t, loopId, 'sampled', { tube_code: 'RC-1', tests: ['pcr', 'antigen'] }),
    event(t, loopId, kind, result),
  ])
  return { loopId, pass }
}

describe('issuing a receipt', () => {
  it('signs plate, pass, test, sample time and a 48 h expiry — no personal data', async () => {
    const { loopId, pass } = await clearedLoop()
    const loop = (await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'checkpoint' })).json
    const res = await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })
    expect(res.status).toBe(200)
    expect(res.json).toMatchObject({
      test: 'pcr',
      sampled_at: loop.sampled_at,
      plate: pass.plate,
      pass_number: pass.number,
    })
    expect(Date.parse(res.json.expires_at) - Date.parse(res.json.sampled_at)).toBe(48 * HOUR)
    const payload = Buffer.from(res.json.token.split('.')[1], 'base64url').toString()
    expect(decodeReceiptPayload(payload)).toMatchObject({
      issuer: '330100',
      plate: pass.plate,
      passNumber: pass.number,
      test: 'pcr',
      result: 'negative',
    })
    expect(payload.split('|')).toHaveLength(8)
    expect(payload).not.toMatch(/\d{17}[\dX]|1[3-9]\d{9}|张三/)
    expect(qrVersion(res.json.token)).toBeLessThanOrEqual(10)
    const svg = await t.call('GET', `/api/v1/loops/${loopId}/receipt/qr.svg`, { as: 'coordinator' })
    expect(svg.text).toMatch(/^<svg/)
  })

  it('certifies a negative antigen result while the PCR result is pending', async () => {
    const { loopId } = await clearedLoop('沪A12345D', { result: 'negative' }, 'antigen_result')
    expect(
      (await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })).json.test,
    ).toBe('antigen')
  })

  it('answers 409 while there is no negative result, or once a positive one stands', async () => {
    const pass = await issuePass(t)
    const loopId = (await scan(t, { token: pass.token })).json.loop.id
    const none = await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })
    expect([none.status, none.json.error.code]).toEqual([409, 'no_negative_result'])
    await sendEvents(t, [
      event(t, loopId, 'sampled', { tube_code: 'RC-2', tests: ['pcr', 'antigen'] }),
      event(t, loopId, 'antigen_result', { result: 'negative' }),
      event(t, loopId, 'pcr_result', { result: 'positive' }),
    ])
    expect(
      (await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })).json.error
        .code,
    ).toBe('no_negative_result')
  })

  it('answers 409 receipt_expired 48 h after sampling', async () => {
    const { loopId } = await clearedLoop()
    t.clock.advance(49 * HOUR)
    t.forgetTokens()
    expect(
      (await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' })).json.error
        .code,
    ).toBe('receipt_expired')
  })

  it('is for checkpoint staff and coordinators', async () => {
    const { loopId } = await clearedLoop()
    expect(
      (await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'enterprise' })).status,
    ).toBe(403)
    expect((await t.call('GET', '/api/v1/loops/nope/receipt', { as: 'coordinator' })).status).toBe(
      404,
    )
  })
})

describe('showing a receipt at the next checkpoint', () => {
  /** The vehicle left the city (loop closed) and comes back with its receipt and pass. */
  async function returning() {
    const { loopId, pass } = await clearedLoop()
    const receipt = (await t.call('GET', `/api/v1/loops/${loopId}/receipt`, { as: 'checkpoint' }))
      .json.token as string
    await sendEvents(t, [
      event(t, loopId, 'released', { destination_code: 'HZ-DEST-BJ' }),
      event(t, loopId, 'departed'),
    ])
    expect((await t.call('GET', `/api/v1/loops/${loopId}`, { as: 'checkpoint' })).json.state).toBe(
      'closed',
    )
    t.clock.advance(HOUR)
    return { pass, receipt }
  }

  it('releases without a new test and records certificate_checked on the new loop', async () => {
    const { pass, receipt } = await returning()
    const res = await scan(t, { token: pass.token, receipt })
    expect(res.json).toMatchObject({
      verdict: 'valid',
      action: 'release',
      receipt: { status: 'valid', test: 'pcr', issuer_code: '330100' },
    })
    const loop = (await t.call('GET', `/api/v1/loops/${res.json.loop.id}`, { as: 'checkpoint' }))
      .json
    expect(loop.events.map((e: { kind: string }) => e.kind)).toEqual([
      'arrived',
      'certificate_checked',
    ])
    expect(loop.events[1].data).toMatchObject({ receipt: true, test: 'pcr' })
  })

  it('reports receipt_expired after 48 h and asks for a test, the pass still valid', async () => {
    const { pass, receipt } = await returning()
    t.clock.advance(48 * HOUR)
    t.forgetTokens()
    const res = await scan(t, { token: pass.token, receipt })
    expect(res.json).toMatchObject({
      verdict: 'valid',
      reasons: [],
      action: 'sample_then_release',
      receipt: { status: 'receipt_expired' },
    })
  })

  it('reports receipt_mismatch for another vehicle’s receipt', async () => {
    const { receipt } = await returning()
    const other = await issuePass(t, { plate: '浙A90909' })
    const res = await scan(t, { token: other.token, receipt })
    expect(res.json).toMatchObject({
      verdict: 'valid',
      action: 'sample_then_release',
      receipt: { status: 'receipt_mismatch' },
    })
  })

  it('reports receipt_invalid for a forged or edited receipt, without blocking the pass', async () => {
    const { pass, receipt } = await returning()
    const [h, p, s] = receipt.split('.')
    const edited = `${h}.${Buffer.from(Buffer.from(p, 'base64url').toString().replace('|pcr|', '|antigen|')).toString('base64url')}.${s}`
    for (const bad of [edited, 'not-a-receipt', pass.token]) {
      const res = await scan(t, { token: pass.token, receipt: bad, checkpoint_code: 'HZ-DEST-BJ' })
      expect(res.json).toMatchObject({
        verdict: 'valid',
        action: 'sample_then_release',
        receipt: { status: 'receipt_invalid' },
      })
    }
  })

  it('never turns an invalid pass valid', async () => {
    const { pass, receipt } = await returning()
    await t.call('POST', `/api/v1/passes/${pass.number}/revoke`, {
      as: 'coordinator',
      body: { reason: '撤销' },
    })
    const res = await scan(t, { token: pass.token, receipt })
    expect(res.json).toMatchObject({
      verdict: 'invalid',
      reasons: ['revoked'],
      action: 'control_on_site',
      receipt: { status: 'valid' },
    })
  })

  it('accepts a receipt from a trusted foreign issuer, and not before it is trusted', async () => {
    const pass = await issuePass(t, { plate: '沪C66666' })
    const foreign = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
    const sampledAt = new Date(t.clock().getTime() - 10 * HOUR)
    const receipt = await signReceipt(
      {
        issuer: '310100',
        plate: '沪C66666',
        passNumber: null,
        test: 'pcr',
        sampledAt,
        result: 'negative',
        expiresAt: new Date(sampledAt.getTime() + 48 * HOUR),
      },
      foreign.current,
    )
    expect(
      (await scan(t, { token: pass.token, receipt, checkpoint_code: 'HZ-DEST-BJ' })).json.receipt
        .status,
    ).toBe('receipt_invalid')
    await t.call('POST', '/api/v1/trust/issuers', {
      as: 'admin',
      body: { issuer_code: '310100', name: '上海市', jwks: { keys: [foreign.current.publicJwk] } },
    })
    const res = await scan(t, { token: pass.token, receipt })
    expect(res.json).toMatchObject({
      verdict: 'valid',
      action: 'release',
      receipt: { status: 'valid', issuer_code: '310100' },
    })
  })
})

describe('the receipt payload', () => {
  it('round-trips and refuses anything else', () => {
    const claims = {
      issuer: '330100',
      plate: '浙A12345',
      passNumber: null,
      test: 'certificate' as const,
      sampledAt: new Date('2026-11-29T00:00:00Z'),
      result: 'negative' as const,
      expiresAt: new Date('2026-12-01T00:00:00Z'),
    }
    expect(decodeReceiptPayload(encodeReceiptPayload(claims))).toEqual(claims)
    expect(
      decodeReceiptPayload(encodeReceiptPayload(claims).replace('negative', 'positive')),
    ).toBeNull()
    expect(decodeReceiptPayload('P1|330100000001|浙A12345|1|2|310115|X')).toBeNull()
  })
})
