import {
  DEVICE_HEADER,
  DEVICE_SIGNATURE_HEADER,
  DEVICE_TIME_HEADER,
  base64UrlEncode,
  deviceSigningInput,
  sha256Hex,
} from '../../../src/devices/device-signature.ts'
import type { TestApp } from '../../support/test-app.ts'

/** A phone's key pair as the scan page makes it (ECDSA P-256), and its public JWK. */
export async function phoneKeys() {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const publicJwk = (await crypto.subtle.exportKey('jwk', pair.publicKey)) as JsonWebKey
  return { privateKey: pair.privateKey, publicJwk }
}

/** Enrols a device at `checkpoints` as the coordinator: the enrolment answer. */
export async function enrol(
  t: TestApp,
  checkpoints: string[] = ['HZ-G60-XS'],
  label = '萧山卡口 1 号机',
) {
  const res = await t.call('POST', '/api/v1/devices/enrollments', {
    as: 'coordinator',
    body: { checkpoint_codes: checkpoints, label },
  })
  if (res.status !== 201) throw new Error(`enrolment failed: ${res.status} ${res.text}`)
  return res.json as { device_id: string; code: string; expires_at: string; qr_svg: string }
}

/** Registers a phone with `code` (no sign-in), with a fresh P-256 key unless one is given. */
export async function register(t: TestApp, code: string, publicJwk?: JsonWebKey) {
  return t.call('POST', '/api/v1/devices', {
    as: null,
    body: { code, public_key_jwk: publicJwk ?? (await phoneKeys()).publicJwk },
  })
}

/** The device headers of a request signed with `privateKey` at `time` (ms). */
export async function signedHeaders(
  privateKey: CryptoKey,
  token: string,
  method: string,
  path: string,
  body: string,
  time: number,
): Promise<Record<string, string>> {
  const input = deviceSigningInput(method, path, time, await sha256Hex(body))
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    privateKey,
    new TextEncoder().encode(input),
  )
  return {
    [DEVICE_HEADER]: token,
    [DEVICE_TIME_HEADER]: String(time),
    [DEVICE_SIGNATURE_HEADER]: base64UrlEncode(new Uint8Array(signature)),
  }
}
