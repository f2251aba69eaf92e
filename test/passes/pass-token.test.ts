import { describe, expect, it } from 'vitest'
import { createPublicKey, createHmac, verify as nodeVerify } from 'node:crypto'
import { createLocalJWKSet, compactVerify, exportJWK, generateKeyPair, importJWK } from 'jose'
import { signPassToken, verifyPassToken } from '../../src/passes/pass-token.ts'
import {
  decodePassPayload,
  encodePassPayload,
  type PassClaims,
} from '../../src/passes/pass-payload.ts'
import { signCompact, type KeyResolver } from '../../src/trust/jws.ts'
import { qrVersion } from '../../src/passes/qr.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'

const claims: PassClaims = {
  number: '330100000042',
  plate: '沪A12345D',
  validFrom: new Date('2026-11-29T08:00:00Z'),
  validUntil: new Date('2026-12-29T08:00:00Z'),
  origin: '310115',
  destination: 'HZ-XS-01',
}

async function ownKeys() {
  const keys = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
  const resolve: KeyResolver = async (issuer, kid) =>
    issuer === '330100' && keys.byKid.has(kid)
      ? importJWK(keys.byKid.get(kid)!.publicJwk, 'EdDSA')
      : undefined
  return { keys, resolve }
}

const b64url = (text: string | Buffer) => Buffer.from(text).toString('base64url')
const now = new Date('2026-12-01T00:00:00Z')
const SKEW = 300_000

describe('the pass payload', () => {
  it('round-trips the claims at minute precision and names the issuer by the number’s prefix', () => {
    const decoded = decodePassPayload(encodePassPayload(claims))
    expect(decoded).toEqual(claims)
    expect(encodePassPayload(claims)).toBe(
      'P1|330100000042|沪A12345D|29932320|29975520|310115|HZ-XS-01',
    )
  })
  it('is not a pass for any other text', () => {
    for (const text of [
      '',
      'P1|1|2',
      'R1|330100000042|沪A12345D|1|2|310115|X',
      '{"n":1}',
      'P1|33010000004x|沪A1|1|2|310115|X',
    ]) {
      expect(decodePassPayload(text)).toBeNull()
    }
  })
})

describe('a signed pass token', () => {
  it('fits a version-10 QR code at level M for an 8-character plate and a 30-day window', async () => {
    const { keys } = await ownKeys()
    const token = await signPassToken(claims, keys.current)
    expect(token.length).toBeLessThanOrEqual(213)
    expect(qrVersion(token)).toBeLessThanOrEqual(10)
  })

  it('carries no personal data: only number, plate, window, origin and destination', async () => {
    const { keys } = await ownKeys()
    const token = await signPassToken(claims, keys.current)
    const [header, payload] = token
      .split('.')
      .slice(0, 2)
      .map((p) => Buffer.from(p, 'base64url').toString('utf8'))
    expect(JSON.parse(header)).toEqual({ alg: 'EdDSA', kid: keys.current.kid })
    expect(payload.split('|')).toHaveLength(7)
    expect(payload).not.toMatch(/\d{17}[\dX]|1[3-9]\d{9}/)
  })

  it('verifies, and places now inside, before or after its window with the skew allowed', async () => {
    const { keys, resolve } = await ownKeys()
    const token = await signPassToken(claims, keys.current)
    const at = async (iso: string) => {
      const r = await verifyPassToken(token, resolve, new Date(iso), SKEW)
      return r.ok ? r.window : r.problem
    }
    expect(await at('2026-12-01T00:00:00Z')).toBe('valid')
    expect(await at('2026-11-29T07:56:00Z')).toBe('valid') // 4 minutes early: within skew
    expect(await at('2026-11-29T07:50:00Z')).toBe('not_yet_valid')
    expect(await at('2026-12-29T08:04:00Z')).toBe('valid')
    expect(await at('2026-12-29T08:10:00Z')).toBe('expired')
  })

  it('verifies with jose against the published JWKS', async () => {
    const { keys } = await ownKeys()
    const token = await signPassToken(claims, keys.current)
    const jwks = createLocalJWKSet({ keys: keys.all.map((k) => k.publicJwk) })
    const { payload } = await compactVerify(token, jwks)
    expect(new TextDecoder().decode(payload)).toBe(encodePassPayload(claims))
  })

  it('verifies with Node’s own crypto (OpenSSL), no JOSE library involved', async () => {
    const { keys } = await ownKeys()
    const token = await signPassToken(claims, keys.current)
    const [header, payload, signature] = token.split('.')
    const publicKey = createPublicKey({ key: { ...keys.current.publicJwk }, format: 'jwk' })
    expect(
      nodeVerify(
        null,
        Buffer.from(`${header}.${payload}`),
        publicKey,
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true)
  })

  it('is refused when the payload is edited', async () => {
    const { keys, resolve } = await ownKeys()
    const [header, , signature] = (await signPassToken(claims, keys.current)).split('.')
    const forged = `${header}.${b64url(encodePassPayload({ ...claims, plate: '沪B99999' }))}.${signature}`
    expect(await verifyPassToken(forged, resolve, now, SKEW)).toEqual({
      ok: false,
      problem: 'bad_signature',
    })
  })

  it('is refused with alg none, or HMAC keyed with the public key', async () => {
    const { keys, resolve } = await ownKeys()
    const payload = b64url(encodePassPayload(claims))
    const none = `${b64url(JSON.stringify({ alg: 'none', kid: keys.current.kid }))}.${payload}.`
    expect(await verifyPassToken(none, resolve, now, SKEW)).toEqual({
      ok: false,
      problem: 'bad_signature',
    })
    const hsHeader = b64url(JSON.stringify({ alg: 'HS256', kid: keys.current.kid }))
    const mac = createHmac('sha256', keys.current.publicJwk.x)
      .update(`${hsHeader}.${payload}`)
      .digest('base64url')
    expect(await verifyPassToken(`${hsHeader}.${payload}.${mac}`, resolve, now, SKEW)).toEqual({
      ok: false,
      problem: 'bad_signature',
    })
    // An EdDSA header over an HMAC signature does not verify either.
    const edHeader = b64url(JSON.stringify({ alg: 'EdDSA', kid: keys.current.kid }))
    expect(await verifyPassToken(`${edHeader}.${payload}.${mac}`, resolve, now, SKEW)).toEqual({
      ok: false,
      problem: 'bad_signature',
    })
  })

  it('is refused as unknown_key when signed by a key nobody trusts, or its kid is missing or injected', async () => {
    const { resolve } = await ownKeys()
    const stranger = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
    const token = await signPassToken(claims, stranger.current)
    expect(await verifyPassToken(token, resolve, now, SKEW)).toEqual({
      ok: false,
      problem: 'unknown_key',
    })
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const jwk = await exportJWK(privateKey)
    const injected = await signPassToken(claims, {
      kid: '../../etc/passwd',
      privateKey: (await importJWK(jwk, 'EdDSA')) as CryptoKey,
    })
    expect(await verifyPassToken(injected, resolve, now, SKEW)).toEqual({
      ok: false,
      problem: 'unknown_key',
    })
    const payload = b64url(encodePassPayload(claims))
    const noKid = `${b64url(JSON.stringify({ alg: 'EdDSA' }))}.${payload}.${'A'.repeat(86)}`
    expect(await verifyPassToken(noKid, resolve, now, SKEW)).toEqual({
      ok: false,
      problem: 'unknown_key',
    })
  })

  it('is malformed when it is not a pass token at all', async () => {
    const { keys, resolve } = await ownKeys()
    for (const junk of [
      '',
      'hello',
      'a.b',
      'a.b.c.d',
      '!!!.???.***',
      `${b64url('{')}.${b64url('P1')}.x`,
    ]) {
      expect(await verifyPassToken(junk, resolve, now, SKEW)).toEqual({
        ok: false,
        problem: 'malformed',
      })
    }
    // A correctly signed document that is not a pass (e.g. a revocation list) is not a pass either.
    const other = await signCompact(JSON.stringify({ typ: 'revocations' }), keys.current)
    expect(await verifyPassToken(other, resolve, now, SKEW)).toEqual({
      ok: false,
      problem: 'malformed',
    })
  })
})
