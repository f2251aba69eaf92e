import { exportJWK, generateKeyPair } from 'jose'

const KID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/** A new Ed25519 signing key as a private JWK with a short random `kid`. */
export async function generateSigningKey(now = new Date()) {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
  const jwk = await exportJWK(privateKey)
  // Four characters: every byte of the kid rides in each QR code. Keys are found by issuer code
  // (the pass number's prefix) and kid together, so kids need only be unique per issuer.
  const kid = Array.from(
    crypto.getRandomValues(new Uint8Array(4)),
    (b) => KID_ALPHABET[b % 36],
  ).join('')
  return { ...jwk, kid, alg: 'EdDSA', use: 'sig', iat: Math.floor(now.getTime() / 1000) }
}

const randomBase64 = (bytes: number) =>
  btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes))))

/** Fresh secrets for a new deployment: login-token secret, personal-data key, one signing key. */
export async function generateSecrets() {
  return {
    TOKEN_SECRET: randomBase64(48),
    DATA_KEY: randomBase64(32),
    SIGNING_KEYS: JSON.stringify([await generateSigningKey()]),
  }
}
