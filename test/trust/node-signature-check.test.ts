import { describe, expect, it } from 'vitest'
import { importJWK } from 'jose'
import { nodeEd25519Check } from '../../src/trust/node-signature-check.ts'
import {
  signCompact,
  verifyCompact,
  webCryptoCheck,
  type KeyResolver,
} from '../../src/trust/jws.ts'
import { generateSigningKey } from '../../src/keys/generate.ts'
import { loadSigningKeys } from '../../src/trust/signing-keys.ts'

const b64url = (text: string) => Buffer.from(text).toString('base64url')
const issuerOfPayload = () => '330100'

describe('the signature check on Node (node:crypto on libuv’s pool)', () => {
  it('gives WebCrypto’s answer for valid, edited, truncated and foreign signatures', async () => {
    const keys = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
    const resolve: KeyResolver = async (issuer, kid) =>
      issuer === '330100' && keys.byKid.has(kid)
        ? importJWK(keys.byKid.get(kid)!.publicJwk, 'EdDSA')
        : undefined
    const stranger = await loadSigningKeys(JSON.stringify([await generateSigningKey()]))
    const token = await signCompact('P1|330100000042|沪A12345D', keys.current)
    const [header, payload, signature] = token.split('.')
    const edited = `${header}.${b64url('P1|330100000042|沪B99999')}.${signature}`
    const truncated = `${header}.${payload}.${signature.slice(0, 40)}`
    const foreign = `${header}.${payload}.${(await signCompact('P1|330100000042|沪A12345D', stranger.current)).split('.')[2]}`
    const answers = async (check: typeof webCryptoCheck) =>
      Promise.all(
        [token, edited, truncated, foreign].map(
          async (t) => (await verifyCompact(t, resolve, issuerOfPayload, check)).ok,
        ),
      )
    expect(await answers(nodeEd25519Check)).toEqual([true, false, false, false])
    expect(await answers(nodeEd25519Check)).toEqual(await answers(webCryptoCheck))
    // The same key object serves again (cached per CryptoKey).
    expect(await verifyCompact(token, resolve, issuerOfPayload, nodeEd25519Check)).toMatchObject({
      ok: true,
      payload: 'P1|330100000042|沪A12345D',
    })
  })

  it('refuses, by itself, any key but an Ed25519 public key', async () => {
    const signed = new TextEncoder().encode('signing input')
    const ed = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    const signature = new Uint8Array(await crypto.subtle.sign('Ed25519', ed.privateKey, signed))
    expect(await nodeEd25519Check(ed.publicKey, signature, signed)).toBe(true)
    // The private half of the very key that signed it.
    expect(await nodeEd25519Check(ed.privateKey, signature, signed)).toBe(false)
    const ecdsa = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
      'sign',
      'verify',
    ])) as CryptoKeyPair
    expect(await nodeEd25519Check(ecdsa.publicKey, signature, signed)).toBe(false)
  })
})
