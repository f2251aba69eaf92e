import type { AlertKind } from '../alerts/alerts.table.ts'
import type { LoopFacts } from './fold.ts'

export interface AlertLimits {
  resultOverdueHours: number
}

const HOUR = 3_600_000

/** An alert a loop calls for: its kind and the round it belongs to (one alert per kind and round). */
export interface DueAlert {
  kind: AlertKind
  round: number
}

/**
 * The alerts a loop's facts call for at `now`. Alerts only ever open here: once open, only a
 * coordinator resolves one (nothing closes silently), even if the missing result turns up.
 *  - pcr_positive / antigen_positive: at once, for each round a positive result fell in (a retest
 *    the coordinator ordered is a new round: a positive retest alerts again);
 *  - result_overdue: no PCR result `resultOverdueHours` after this round's sample;
 *  - destination_overdue: released, not arrived (nor departed) by the deadline; each deadline a
 *    coordinator sets is a new round.
 * Neither overdue alert opens on a closed loop; positives do.
 */
export function alertsDue(facts: LoopFacts, now: Date, limits: AlertLimits): DueAlert[] {
  const due: DueAlert[] = []
  const t = now.getTime()
  const positives = [...facts.positives]
  // Facts built without the fold (tests, the bench loader) may carry only the current round's.
  if (facts.pcr === 'positive' || facts.everPositive.pcr)
    positives.push({ test: 'pcr', round: facts.round })
  if (facts.antigen === 'positive' || facts.everPositive.antigen)
    positives.push({ test: 'antigen', round: facts.round })
  for (const test of ['pcr', 'antigen'] as const) {
    for (const round of new Set(positives.filter((p) => p.test === test).map((p) => p.round))) {
      due.push({ kind: test === 'pcr' ? 'pcr_positive' : 'antigen_positive', round })
    }
  }
  const resultDue = resultDueAt(facts, limits)
  if (resultDue && t > resultDue.getTime()) due.push({ kind: 'result_overdue', round: facts.round })
  const destinationDue = destinationDueAt(facts)
  if (destinationDue && t > destinationDue.getTime())
    due.push({ kind: 'destination_overdue', round: facts.deadlineRound })
  return due
}

/**
 * The positive alerts a withdrawn positive result opened (or would have) and no positive result
 * still standing keeps due: resolved by the officer's correction (see result-correction.ts). The
 * only way an alert closes without a coordinator — the result it raised was never one.
 */
export function alertsWithdrawn(
  facts: LoopFacts,
  due: readonly DueAlert[],
): (DueAlert & { correctionId: string })[] {
  const out: (DueAlert & { correctionId: string })[] = []
  for (const w of facts.withdrawn) {
    if (w.result !== 'positive') continue
    const kind = w.test === 'pcr' ? 'pcr_positive' : 'antigen_positive'
    if (due.some((d) => d.kind === kind && d.round === w.round)) continue
    if (out.some((o) => o.kind === kind && o.round === w.round)) continue
    out.push({ kind, round: w.round, correctionId: w.correctionId })
  }
  return out
}

/** The kinds of `alertsDue`, each once. */
export function dueAlerts(facts: LoopFacts, now: Date, limits: AlertLimits): AlertKind[] {
  return [...new Set(alertsDue(facts, now, limits).map((a) => a.kind))]
}

// A closed loop is overdue for nothing (a coordinator may close one still waiting): only a
// positive result still alerts on it.
export function resultDueAt(facts: LoopFacts, limits: AlertLimits): Date | null {
  if (!facts.sampledAt || facts.pcr || facts.closedAt) return null
  return new Date(Date.parse(facts.sampledAt) + limits.resultOverdueHours * HOUR)
}

export function destinationDueAt(facts: LoopFacts): Date | null {
  if (!facts.releaseDeadline || facts.destinationArrivedAt || facts.departedAt || facts.closedAt)
    return null
  return new Date(facts.releaseDeadline)
}
