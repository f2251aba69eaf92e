import { positiveStands, type LoopFacts } from '../loops/fold.ts'
import { RECEIPT_VALID_HOURS, type ReceiptClaims } from './receipt-token.ts'

const HOUR = 3_600_000

export type ReceiptBasis = Pick<ReceiptClaims, 'test' | 'sampledAt' | 'expiresAt'>
export type ReceiptDecision =
  | { ok: true; basis: ReceiptBasis }
  | {
      ok: false
      code: 'no_negative_result' | 'sample_in_future' | 'receipt_expired'
      message: string
    }

/**
 * What a receipt for this loop would certify at `now`: a negative PCR, else a negative antigen
 * test, of the sample taken on this loop (after the last retest a coordinator ordered), else a
 * checked certificate that gave its own sample time — never anything while a positive result
 * stands (it is final until a coordinator settles it). The sample lies at most 48 h before `now`
 * and not after it, and the receipt expires 48 h after sampling: never later.
 */
export function receiptBasis(facts: LoopFacts, now: Date): ReceiptDecision {
  const none = {
    ok: false,
    code: 'no_negative_result',
    message: 'the loop has no negative result or checked certificate to certify',
  } as const
  if (positiveStands(facts)) return none
  const negativeTest =
    facts.pcr === 'negative' ? 'pcr' : facts.antigen === 'negative' ? 'antigen' : null
  let basis: { test: ReceiptBasis['test']; sampled: string | null }
  if (negativeTest) basis = { test: negativeTest, sampled: facts.sampledAt }
  else if (facts.certificateCheckedAt && facts.certificateSampledAt)
    basis = { test: 'certificate', sampled: facts.certificateSampledAt }
  else return none
  if (!basis.sampled) return none
  const sampledAt = new Date(basis.sampled)
  if (sampledAt.getTime() > now.getTime())
    return {
      ok: false,
      code: 'sample_in_future',
      message:
        'the sample time lies ahead of the server clock (the phone’s clock runs ahead); a receipt can be issued once that time has passed',
    }
  const expiresAt = new Date(sampledAt.getTime() + RECEIPT_VALID_HOURS * HOUR)
  if (expiresAt.getTime() <= now.getTime())
    return {
      ok: false,
      code: 'receipt_expired',
      message: 'the negative result is more than 48 hours old; the driver must be tested again',
    }
  return { ok: true, basis: { test: basis.test, sampledAt, expiresAt } }
}
