/**
 * What an enrolled scan page signs with its device key, and how the server checks it. One module
 * for both sides (the page bundles it), so the signed text cannot drift apart.
 *
 * Headers of a signed request, beside the staff member's own sign-in:
 *   X-Tongxing-Device: <device token>           which device (its id is looked up by the token's hash)
 *   X-Tongxing-Device-Time: <ms since epoch>     when the device signed it (its own clock)
 *   X-Tongxing-Device-Signature: <base64url>     over deviceSigningInput(...)
 * The signature covers the method, the path, the time and the SHA-256 of the body, so a captured
 * signature cannot be moved to another request; scans and events carry their own ids, so a replay
 * is a duplicate. A queued upload is signed when it is queued (the time it was made), which is
 * how the server tells uploads signed before a device was revoked from those signed after.
 */
export const DEVICE_HEADER = 'x-tongxing-device'
export const DEVICE_TIME_HEADER = 'x-tongxing-device-time'
export const DEVICE_SIGNATURE_HEADER = 'x-tongxing-device-signature'

const PREFIX = 'tongxing-device-v1'

/** The exact text signed: the prefix, method, path (with query), time and body hash, one per line. */
export function deviceSigningInput(
  method: string,
  pathWithQuery: string,
  time: number,
  bodySha256Hex: string,
): string {
  return [PREFIX, method.toUpperCase(), pathWithQuery, String(time), bodySha256Hex].join('\n')
}

export async function sha256Hex(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
}

/** The WebCrypto algorithm of a device public key: ECDSA P-256 (every browser) or Ed25519. */
export function deviceKeyAlgorithm(jwk: JsonWebKey): { name: string; namedCurve?: string } | null {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x && jwk.y && !jwk.d)
    return { name: 'ECDSA', namedCurve: 'P-256' }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x && !jwk.d) return { name: 'Ed25519' }
  return null
}

/** The parameters of a signature with that key (ECDSA needs its hash named). */
export function deviceSignParams(algorithm: { name: string }): { name: string; hash?: string } {
  return algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: algorithm.name }
}

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = ''
  for (const b of bytes) binary += String.fromCharCode(b)
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

export function base64UrlDecode(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return null
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'))
    const bytes = new Uint8Array(binary.length)
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
    return bytes
  } catch {
    return null
  }
}

/** Checks a device signature over the signing input with the device's public JWK. */
export async function verifyDeviceSignature(
  publicJwk: JsonWebKey,
  signingInput: string,
  signatureBase64Url: string,
): Promise<boolean> {
  const key = await importDeviceKey(publicJwk)
  return key !== null && verifyWithDeviceKey(key, signingInput, signatureBase64Url)
}

/** The device's public key as WebCrypto uses it, or null for a key that is not one. */
export async function importDeviceKey(publicJwk: JsonWebKey): Promise<CryptoKey | null> {
  const algorithm = deviceKeyAlgorithm(publicJwk)
  if (!algorithm) return null
  try {
    return await crypto.subtle.importKey('jwk', publicJwk, algorithm, false, ['verify'])
  } catch {
    return null
  }
}

/** Checks a device signature with a key from `importDeviceKey` (the server keeps those). */
export async function verifyWithDeviceKey(
  key: CryptoKey,
  signingInput: string,
  signatureBase64Url: string,
): Promise<boolean> {
  const signature = base64UrlDecode(signatureBase64Url)
  if (!signature) return false
  try {
    return await crypto.subtle.verify(
      deviceSignParams(key.algorithm),
      key,
      signature,
      new TextEncoder().encode(signingInput),
    )
  } catch {
    return false
  }
}
