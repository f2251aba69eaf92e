import { expect } from 'vitest'
import type { TestApp } from '../../support/test-app.ts'
import {
  base64UrlEncode,
  DEVICE_HEADER,
  DEVICE_SIGNATURE_HEADER,
  DEVICE_TIME_HEADER,
  deviceSigningInput,
  sha256Hex,
} from '../../../src/devices/device-signature.ts'

/** A phone enrolled through the API as the scan page does it: its key pair and its token. */
export interface TestDevice {
  id: string
  token: string
  privateKey: CryptoKey
}

/**
 * A coordinator enrols a device for `checkpointCodes`; the "phone" makes an ECDSA P-256 key pair
 * with WebCrypto (the private half not extractable, as on the page) and registers its public half.
 */
export async function enrolDevice(
  t: TestApp,
  checkpointCodes: string[] = ['HZ-G60-XS'],
): Promise<TestDevice> {
  const enrolment = await t.call('POST', '/api/v1/devices/enrollments', {
    as: 'coordinator',
    body: { checkpoint_codes: checkpointCodes, label: '测试手机' },
  })
  expect(enrolment.status, enrolment.text).toBe(201)
  const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'sign',
    'verify',
  ])
  const registered = await t.call('POST', '/api/v1/devices', {
    body: {
      code: enrolment.json.code,
      public_key_jwk: await crypto.subtle.exportKey('jwk', keys.publicKey),
    },
  })
  expect(registered.status, registered.text).toBe(201)
  return {
    id: registered.json.device_id,
    token: registered.json.token,
    privateKey: keys.privateKey,
  }
}

export async function revokeDevice(t: TestApp, device: TestDevice) {
  const res = await t.call('POST', `/api/v1/devices/${device.id}/revoke`, {
    as: 'coordinator',
    body: { reason: '手机遗失' },
  })
  expect(res.status, res.text).toBe(200)
  return res.json as { revoked_at: string }
}

/** The signature headers of one request, as the page makes them when it queues an upload. */
export async function deviceHeaders(
  device: TestDevice,
  method: string,
  pathWithQuery: string,
  body: string,
  time: number,
): Promise<Record<string, string>> {
  const input = deviceSigningInput(method, pathWithQuery, time, await sha256Hex(body))
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    device.privateKey,
    new TextEncoder().encode(input),
  )
  return {
    [DEVICE_HEADER]: device.token,
    [DEVICE_TIME_HEADER]: String(time),
    [DEVICE_SIGNATURE_HEADER]: base64UrlEncode(new Uint8Array(signature)),
  }
}

export interface SignedCall {
  method?: string
  /** Signed at this device time (ms); default: the test clock's now. */
  time?: number
  /** Sign this instead of what is sent, to forge a mismatch. */
  signed?: { path?: string; body?: string; method?: string }
  /** Leave these headers out, or change them, after signing. */
  headers?: Record<string, string | undefined>
  as?: 'checkpoint' | 'coordinator' | null
}

/** Signs a request with `device` now and sends it at once; see `signLater` for a queued one. */
export async function signedCall(
  t: TestApp,
  device: TestDevice,
  path: string,
  body: unknown,
  options: SignedCall = {},
) {
  return (await signLater(t, device, path, body, options))()
}

/**
 * Signs a request the way the page queues an upload: the signature is made now (at the device's
 * time), the request is sent when the returned function is called, as that very request.
 */
export async function signLater(
  t: TestApp,
  device: TestDevice,
  path: string,
  body: unknown,
  options: SignedCall = {},
) {
  const method = options.method ?? 'POST'
  const text = body === undefined ? '' : JSON.stringify(body)
  const signed = await deviceHeaders(
    device,
    options.signed?.method ?? method,
    options.signed?.path ?? path,
    options.signed?.body ?? text,
    options.time ?? t.clock().getTime(),
  )
  const headers: Record<string, string> = { ...signed }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === undefined) delete headers[name]
    else headers[name] = value
  }
  return () =>
    t.call(method, path, {
      as: options.as === undefined ? 'checkpoint' : options.as,
      headers,
      ...(body === undefined ? {} : { body: text }),
    })
}
