import { EVENT_KINDS, foldLoop, positiveStands, type LoopEvent, type LoopFacts } from './fold.ts'

/**
 * Which events a checkpoint may record next on a loop, by the loop's facts: the buttons the scan
 * page shows. The same rules as the fold (fold.ts), read forwards — a step offered here is one the
 * fold applies without a flag:
 *  - arrived: a certificate under 48 h, or a sample (after a retest was ordered, only a sample);
 *  - sampled: the antigen and PCR results not yet given; the release unless a positive stands;
 *  - a certificate checked: the release;
 *  - released: the PCR result still due, arrival at the destination, hand-over after it, leaving
 *    the city (never before the release); after a retest a new sample where the vehicle is;
 *  - closed: nothing.
 */
export const NEXT_STEPS = [
  'certificate_checked',
  'sampled',
  'antigen_negative',
  'antigen_positive',
  'released',
  'pcr_negative',
  'pcr_positive',
  'destination_arrived',
  'handed_over',
  'departed',
] as const
export type NextStep = (typeof NEXT_STEPS)[number]

/** The event each step records: its kind and, for a result, the value. */
export function stepEvent(step: NextStep): { kind: string; result?: 'negative' | 'positive' } {
  const [test, value] = step.split('_') as [string, string]
  if ((test === 'antigen' || test === 'pcr') && (value === 'negative' || value === 'positive'))
    return { kind: `${test}_result`, result: value }
  return { kind: step }
}

type Facts = Pick<
  LoopFacts,
  | 'arrivedAt'
  | 'closedAt'
  | 'certificateCheckedAt'
  | 'sampledAt'
  | 'antigen'
  | 'pcr'
  | 'positives'
  | 'round'
  | 'releasedAt'
  | 'destinationArrivedAt'
  | 'handedOverAt'
  | 'departedAt'
>

export function nextSteps(facts: Facts): NextStep[] {
  if (!facts.arrivedAt || facts.closedAt) return []
  const steps: NextStep[] = []
  const positive = positiveStands(facts)
  const pcrDue = facts.sampledAt !== null && facts.pcr === null
  if (!facts.releasedAt) {
    if (!facts.sampledAt && !facts.certificateCheckedAt) {
      if (facts.round === 0 && !positive) steps.push('certificate_checked')
      steps.push('sampled')
    }
    if (facts.sampledAt && facts.antigen === null)
      steps.push('antigen_negative', 'antigen_positive')
    if (pcrDue) steps.push('pcr_negative', 'pcr_positive')
    if ((facts.sampledAt || facts.certificateCheckedAt) && !positive) steps.push('released')
    return steps
  }
  if (!facts.sampledAt && facts.round > 0) steps.push('sampled')
  if (pcrDue) steps.push('pcr_negative', 'pcr_positive')
  if (!facts.destinationArrivedAt) steps.push('destination_arrived')
  else if (!facts.handedOverAt) steps.push('handed_over')
  if (!facts.departedAt) steps.push('departed')
  return steps
}

/** The steps after the loop's events as the API lists them (in any order; withdrawn ones too). */
export function nextStepsOfEvents(
  events: readonly (Pick<LoopEvent, 'id' | 'at' | 'checkpoint_code' | 'data'> & { kind: string })[],
): NextStep[] {
  // The fold takes its own kinds only (a page may hold others); the release deadline plays no
  // part in the steps: any hours will do.
  const known = events.filter((e): e is typeof e & Pick<LoopEvent, 'kind'> =>
    (EVENT_KINDS as readonly string[]).includes(e.kind),
  )
  return nextSteps(
    foldLoop(
      known.map((e, seq) => ({
        id: e.id,
        kind: e.kind,
        at: e.at,
        checkpoint_code: e.checkpoint_code,
        data: e.data,
        seq,
      })),
      6,
    ),
  )
}
