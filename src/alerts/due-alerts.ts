import type { LoopFacts } from '../loops/fold.ts'

export const ALERT_KINDS = ['pcr_positive', 'antigen_positive', 'result_overdue', 'destination_overdue'] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

export interface AlertLimits {
  resultOverdueHours: number
}

const HOUR = 3_600_000

/**
 * The alerts a loop's facts call for at `now`. Alerts only ever open here: once open, only a
 * coordinator resolves one (nothing closes silently), even if the missing result turns up.
 *  - pcr_positive / antigen_positive: at once;
 *  - result_overdue: no PCR result `resultOverdueHours` after sampling;
 *  - destination_overdue: released, not arrived (nor departed) by the deadline.
 */
export function dueAlerts(facts: LoopFacts, now: Date, limits: AlertLimits): AlertKind[] {
  const due: AlertKind[] = []
  const t = now.getTime()
  if (facts.pcr === 'positive' || facts.everPositive.pcr) due.push('pcr_positive')
  if (facts.antigen === 'positive' || facts.everPositive.antigen) due.push('antigen_positive')
  const resultDue = resultDueAt(facts, limits)
  if (resultDue && t > resultDue.getTime()) due.push('result_overdue')
  const destinationDue = destinationDueAt(facts)
  if (destinationDue && t > destinationDue.getTime()) due.push('destination_overdue')
  return due
}

export function resultDueAt(facts: LoopFacts, limits: AlertLimits): Date | null {
  if (!facts.sampledAt || facts.pcr) return null
  return new Date(Date.parse(facts.sampledAt) + limits.resultOverdueHours * HOUR)
}

export function destinationDueAt(facts: LoopFacts): Date | null {
  if (!facts.releaseDeadline || facts.destinationArrivedAt || facts.departedAt) return null
  return new Date(facts.releaseDeadline)
}
