import { signCompact, verifyCompact, type KeyResolver, type SignatureCheck } from '../trust/jws.ts'

/**
 * A test receipt (检测结果凭证): proof of a negative result another checkpoint can trust offline,
 * so the driver is not tested again (不得重复检测). A compact JWS with the issuer's pass keys over
 *
 *   R1|<issuer>|<plate>|<pass number, or empty>|<pcr|antigen|certificate>|<sampled>|<result>|<expires>
 *
 * Times are whole minutes since the epoch; it expires 48 h after sampling. No personal data.
 */
export interface ReceiptClaims {
  issuer: string
  plate: string
  passNumber: string | null
  test: 'pcr' | 'antigen' | 'certificate'
  sampledAt: Date
  result: 'negative'
  expiresAt: Date
}

export const RECEIPT_VALID_HOURS = 48
const MINUTE = 60_000
const TESTS = ['pcr', 'antigen', 'certificate'] as const

export function encodeReceiptPayload(c: ReceiptClaims): string {
  const minutes = (d: Date) => Math.floor(d.getTime() / MINUTE)
  return [
    'R1',
    c.issuer,
    c.plate,
    c.passNumber ?? '',
    c.test,
    minutes(c.sampledAt),
    c.result,
    minutes(c.expiresAt),
  ].join('|')
}

export function decodeReceiptPayload(payload: string): ReceiptClaims | null {
  const parts = payload.split('|')
  if (parts.length !== 8 || parts[0] !== 'R1') return null
  const [, issuer, plate, passNumber, test, sampled, result, expires] = parts
  if (
    !/^\d{6}$/.test(issuer) ||
    !plate ||
    plate.length > 10 ||
    (passNumber && !/^\d{12}$/.test(passNumber))
  )
    return null
  if (
    !(TESTS as readonly string[]).includes(test) ||
    result !== 'negative' ||
    !/^\d{1,10}$/.test(sampled) ||
    !/^\d{1,10}$/.test(expires)
  )
    return null
  return {
    issuer,
    plate,
    passNumber: passNumber || null,
    test: test as ReceiptClaims['test'],
    sampledAt: new Date(Number(sampled) * MINUTE),
    result: 'negative',
    expiresAt: new Date(Number(expires) * MINUTE),
  }
}

export const signReceipt = (claims: ReceiptClaims, key: { kid: string; privateKey: CryptoKey }) =>
  signCompact(encodeReceiptPayload(claims), key)

export type ReceiptStatus = 'valid' | 'receipt_invalid' | 'receipt_expired' | 'receipt_mismatch'

/**
 * Checks a receipt shown beside a pass: it must verify (own key or a trusted issuer), be unexpired
 * at `now` and name the same vehicle. Whatever the answer, it never blocks a valid pass: it only
 * decides whether the driver must be tested again.
 */
export async function checkReceipt(
  token: string,
  resolveKey: KeyResolver,
  vehiclePlate: string,
  now: Date,
  check?: SignatureCheck,
): Promise<{ status: ReceiptStatus; claims?: ReceiptClaims }> {
  const verified = await verifyCompact(
    token,
    resolveKey,
    (payload) => decodeReceiptPayload(payload)?.issuer ?? null,
    check,
  )
  if (!verified.ok) return { status: 'receipt_invalid' }
  const claims = decodeReceiptPayload(verified.payload)!
  if (now.getTime() > claims.expiresAt.getTime()) return { status: 'receipt_expired', claims }
  if (claims.plate !== vehiclePlate) return { status: 'receipt_mismatch', claims }
  return { status: 'valid', claims }
}
