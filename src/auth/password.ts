// PBKDF2-SHA256 through WebCrypto, so the same hashes verify on Node and on Workers.
// 100,000 iterations is the most Workers' WebCrypto allows, and what OWASP's older guidance asks.
export const PBKDF2_ITERATIONS = 100_000
const encoder = new TextEncoder()

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, [
    'deriveBits',
  ])
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    material,
    256,
  )
  return new Uint8Array(bits)
}

const toHex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (h) => parseInt(h, 16))

/** `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>` with a fresh 16-byte salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16))
  const hash = await derive(password, salt, PBKDF2_ITERATIONS)
  return `pbkdf2-sha256$${PBKDF2_ITERATIONS}$${toHex(salt)}$${toHex(hash)}`
}

/** Compares in constant time; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, iterations, saltHex, hashHex] = stored.split('$')
  const rounds = Number(iterations)
  if (
    scheme !== 'pbkdf2-sha256' ||
    !Number.isInteger(rounds) ||
    rounds < 1 ||
    !saltHex ||
    !hashHex
  ) {
    return false
  }
  const expected = fromHex(hashHex)
  const actual = await derive(password, fromHex(saltHex), rounds)
  let difference = expected.length ^ actual.length
  for (let i = 0; i < actual.length; i++) difference |= actual[i] ^ (expected[i] ?? 0)
  return difference === 0
}

/**
 * Checked against when the username does not exist, so a login takes as long either way and the
 * timing does not tell which usernames are real.
 */
export const UNKNOWN_USER_HASH = `pbkdf2-sha256$${PBKDF2_ITERATIONS}$00000000000000000000000000000000$${'0'.repeat(64)}`
