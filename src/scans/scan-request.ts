import { decodeBase64 } from '../config.ts'
import { maskPersonalText } from '../privacy/personal-data.ts'
import { normalisePlate } from '../vehicles/plate.ts'

/** What a scan request says, whatever the order of its keys or the form of its times. */
export interface ScanRequestFields {
  token?: string
  pass_number?: string
  checkpoint_code: string
  observed_plate?: string | null
  scanned_at?: string | null
  receipt?: string | null
}

/**
 * The request in one canonical form (fixed key order, absent = null, the observed plate and the
 * device time as the server reads them), without the scan id (the key it is stored under). Two
 * requests are "the same" for a repeated scan id exactly when this text is the same.
 */
export function normaliseScanRequest(input: ScanRequestFields): string {
  return JSON.stringify({
    token: input.token ?? null,
    pass_number: input.pass_number ?? null,
    checkpoint_code: input.checkpoint_code,
    observed_plate: input.observed_plate ? normalisePlate(input.observed_plate) : null,
    scanned_at: input.scanned_at ? new Date(input.scanned_at).toISOString() : null,
    receipt: input.receipt ?? null,
  })
}

/** Kept with every scan for auditors: normalised, anything like an ID or phone number masked, capped. */
export function storedRawRequest(normalised: string, limit: number): string {
  return maskPersonalText(normalised).slice(0, limit)
}

const hmacKeys = new Map<string, Promise<CryptoKey>>()

/**
 * A keyed digest (HMAC-SHA-256) of the normalised request. Keyed, because a mistyped ID number
 * can sit in the request: a plain hash could be tested against guessed numbers. The key is
 * derived from DATA_KEY (it lives as long as the stored personal data, so a hash stays
 * comparable), separated from its use for encryption by a label.
 */
export async function scanRequestHash(dataKey: string, normalised: string): Promise<string> {
  let key = hmacKeys.get(dataKey)
  if (!key) {
    key = deriveHmacKey(dataKey)
    hmacKeys.set(dataKey, key)
  }
  const mac = await crypto.subtle.sign('HMAC', await key, new TextEncoder().encode(normalised))
  return Array.from(new Uint8Array(mac), (b) => b.toString(16).padStart(2, '0')).join('')
}

async function deriveHmacKey(dataKey: string): Promise<CryptoKey> {
  const label = new TextEncoder().encode('tongxing scan request hash v1\0')
  const secret = decodeBase64(dataKey) ?? new TextEncoder().encode(dataKey)
  const material = new Uint8Array(label.length + secret.length)
  material.set(label)
  material.set(secret, label.length)
  const derived = await crypto.subtle.digest('SHA-256', material)
  return crypto.subtle.importKey('raw', derived, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
}
