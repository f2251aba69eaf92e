import { exportJWK, generateKeyPair } from 'jose'

/** A new Ed25519 signing key as a private JWK, named by a `kid` that sorts by creation time. */
export async function generateSigningKey(now = new Date()) {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const jwk = await exportJWK(privateKey)
  const stamp = now.toISOString().slice(0, 10).replaceAll('-', '')
  const suffix = Array.from(crypto.getRandomValues(new Uint8Array(3)), (b) => b.toString(16).padStart(2, '0')).join('')
  return { ...jwk, kid: `tx-${stamp}-${suffix}`, alg: 'EdDSA', use: 'sig' }
}

const randomBase64 = (bytes: number) => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))))

/** Fresh secrets for a new deployment: login-token secret, personal-data key, one signing key. */
export async function generateSecrets() {
  return {
    TOKEN_SECRET: randomBase64(48),
    DATA_KEY: randomBase64(32),
    SIGNING_KEYS: JSON.stringify([await generateSigningKey()]),
  }
}
