import type { LoopFacts } from '../loops/fold.ts'
import { RECEIPT_VALID_HOURS, type ReceiptClaims } from './receipt-token.ts'

const HOUR = 3_600_000

/**
 * What a receipt for this loop would certify: a negative PCR, else a negative antigen test, else
 * a checked certificate — never anything while a positive result stands. Valid 48 h from sampling.
 */
export function receiptBasis(facts: LoopFacts): Pick<ReceiptClaims, 'test' | 'sampledAt' | 'expiresAt'> | null {
  if (facts.pcr === 'positive' || facts.antigen === 'positive' || !facts.negativeSince) return null
  const test = facts.pcr === 'negative' ? 'pcr' : facts.antigen === 'negative' ? 'antigen' : facts.certificateCheckedAt ? 'certificate' : null
  if (!test) return null
  const sampledAt = new Date(test === 'certificate' ? facts.negativeSince : (facts.sampledAt ?? facts.negativeSince))
  return { test, sampledAt, expiresAt: new Date(sampledAt.getTime() + RECEIPT_VALID_HOURS * HOUR) }
}
