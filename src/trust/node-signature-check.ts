import { KeyObject, verify } from 'node:crypto'
import type { SignatureCheck } from './jws.ts'

// Node only (imported by node.ts, never by the Worker). WebCrypto's verify prepares its job on the
// main thread (about 25 µs a call here); node:crypto's verify with a callback hands the same
// OpenSSL check to libuv's pool after a few µs. Measured in npm run bench (README, Performance).
const keyObjects = new WeakMap<CryptoKey, KeyObject>()

export const nodeEd25519Check: SignatureCheck = (key, signature, signed) => {
  let keyObject = keyObjects.get(key)
  if (!keyObject) keyObjects.set(key, (keyObject = KeyObject.from(key)))
  // As WebCrypto's verify with the Ed25519 algorithm would: no other kind of key can pass.
  if (keyObject.type !== 'public' || keyObject.asymmetricKeyType !== 'ed25519')
    return Promise.resolve(false)
  const publicKey = keyObject
  return new Promise((resolve, reject) =>
    verify(null, signed, publicKey, signature, (error, valid) =>
      error ? reject(error) : resolve(valid),
    ),
  )
}
