/**
 * A loop's state follows from its events by one pure fold, so it can always be rebuilt from them.
 * Events are applied in device-time order (ties by arrival order), whatever order they came in.
 * An event that makes no sense where it falls is kept and flagged, and changes nothing.
 */
export const EVENT_KINDS = [
  'arrived',
  'certificate_checked',
  'sampled',
  'antigen_result',
  'released',
  'pcr_result',
  'destination_arrived',
  'handed_over',
  'departed',
] as const
export type EventKind = (typeof EVENT_KINDS)[number]

export const LOOP_STATES = ['arrived', 'sampled', 'released', 'at_destination', 'closed'] as const
export type LoopState = (typeof LOOP_STATES)[number]

export type TestResult = 'negative' | 'positive'

export interface LoopEvent {
  id: string
  kind: EventKind
  at: string
  checkpoint_code: string
  data: Record<string, unknown> | null
  /** Arrival order, to break ties between events with the same device time. */
  seq: number
}

export interface LoopFacts {
  state: LoopState
  arrivedAt: string | null
  certificateCheckedAt: string | null
  sampledAt: string | null
  tubeCode: string | null
  antigen: TestResult | null
  pcr: TestResult | null
  pcrAt: string | null
  releasedAt: string | null
  releaseDeadline: string | null
  destinationCode: string | null
  destinationArrivedAt: string | null
  handedOverAt: string | null
  departedAt: string | null
  closedAt: string | null
  lastCheckpointCode: string | null
  /** When a negative result or checked certificate was obtained (the sample time for a test). */
  negativeSince: string | null
  /**
   * A positive result was ever recorded, even one later retested negative or one that came where
   * it made no sense: each must raise its alert whatever order the events arrive in.
   */
  everPositive: { pcr: boolean; antigen: boolean }
  flags: { eventId: string; reason: string }[]
}

const HOUR = 3_600_000

export function initialFacts(): LoopFacts {
  return {
    state: 'arrived',
    arrivedAt: null,
    certificateCheckedAt: null,
    sampledAt: null,
    tubeCode: null,
    antigen: null,
    pcr: null,
    pcrAt: null,
    releasedAt: null,
    releaseDeadline: null,
    destinationCode: null,
    destinationArrivedAt: null,
    handedOverAt: null,
    departedAt: null,
    closedAt: null,
    lastCheckpointCode: null,
    negativeSince: null,
    everPositive: { pcr: false, antigen: false },
    flags: [],
  }
}

export function orderEvents<T extends Pick<LoopEvent, 'at' | 'seq'>>(events: T[]): T[] {
  return [...events].sort((a, b) => a.at.localeCompare(b.at) || a.seq - b.seq)
}

const result = (data: LoopEvent['data']): TestResult | null =>
  data?.result === 'negative' || data?.result === 'positive' ? data.result : null

/** Applies one event; returns the reason it makes no sense here, or null if it was applied. */
export function applyEvent(facts: LoopFacts, event: LoopEvent, releaseHours: number): string | null {
  if (facts.closedAt && event.kind !== 'pcr_result' && event.kind !== 'antigen_result') return 'loop_closed'
  const opened = facts.arrivedAt !== null
  if (!opened && event.kind !== 'arrived') return 'before_arrival'
  switch (event.kind) {
    case 'arrived':
      if (opened) return 'already_arrived'
      facts.arrivedAt = event.at
      break
    case 'certificate_checked':
      if (facts.releasedAt) return 'after_release'
      if (facts.antigen === 'positive' || facts.pcr === 'positive') return 'positive_result'
      facts.certificateCheckedAt = event.at
      facts.negativeSince ??= typeof event.data?.sampled_at === 'string' ? event.data.sampled_at : event.at
      break
    case 'sampled':
      if (facts.sampledAt) return 'already_sampled'
      if (facts.releasedAt) return 'after_release'
      facts.sampledAt = event.at
      facts.tubeCode = typeof event.data?.tube_code === 'string' ? event.data.tube_code : null
      facts.state = 'sampled'
      break
    case 'antigen_result':
    case 'pcr_result': {
      if (!facts.sampledAt) return 'not_sampled'
      const value = result(event.data)
      if (!value) return 'no_result'
      if (event.kind === 'antigen_result') facts.antigen = value
      else {
        facts.pcr = value
        facts.pcrAt = event.at
      }
      // Any positive result withdraws the negative one: no receipt, no release on its strength.
      const positive = facts.antigen === 'positive' || facts.pcr === 'positive'
      facts.negativeSince = positive ? null : (facts.negativeSince ?? (value === 'negative' ? facts.sampledAt : null))
      break
    }
    case 'released':
      if (facts.releasedAt) return 'already_released'
      if (!facts.sampledAt && !facts.certificateCheckedAt) return 'not_sampled'
      if (facts.antigen === 'positive' || facts.pcr === 'positive') return 'positive_result'
      facts.releasedAt = event.at
      facts.releaseDeadline =
        typeof event.data?.deadline === 'string' && !Number.isNaN(Date.parse(event.data.deadline))
          ? new Date(event.data.deadline).toISOString()
          : new Date(Date.parse(event.at) + releaseHours * HOUR).toISOString()
      facts.destinationCode = typeof event.data?.destination_code === 'string' ? event.data.destination_code : null
      facts.state = 'released'
      break
    case 'destination_arrived':
      if (!facts.releasedAt) return 'not_released'
      if (facts.destinationArrivedAt) return 'already_at_destination'
      facts.destinationArrivedAt = event.at
      facts.state = 'at_destination'
      break
    case 'handed_over':
      if (!facts.destinationArrivedAt) return 'not_at_destination'
      if (facts.handedOverAt) return 'already_handed_over'
      facts.handedOverAt = event.at
      break
    case 'departed':
      if (!facts.releasedAt) return 'not_released'
      if (facts.departedAt) return 'already_departed'
      facts.departedAt = event.at
      break
  }
  facts.lastCheckpointCode = event.checkpoint_code
  return null
}

/**
 * A loop closes when its PCR result is negative (or a certificate was checked) and the vehicle
 * departed or its cargo was handed over. A positive result never closes it.
 */
function closeIfDone(facts: LoopFacts) {
  if (facts.closedAt) return
  const cleared = (facts.pcr === 'negative' || (facts.certificateCheckedAt !== null && facts.pcr === null)) && facts.antigen !== 'positive'
  const gone = facts.departedAt ?? facts.handedOverAt
  if (cleared && gone) {
    facts.closedAt = [gone, facts.pcrAt ?? gone].sort().at(-1)!
    facts.state = 'closed'
  }
}

export function foldLoop(events: LoopEvent[], releaseHours: number): LoopFacts {
  const facts = initialFacts()
  for (const event of orderEvents(events)) {
    if (result(event.data) === 'positive') {
      if (event.kind === 'pcr_result') facts.everPositive.pcr = true
      if (event.kind === 'antigen_result') facts.everPositive.antigen = true
    }
    const problem = applyEvent(facts, event, releaseHours)
    if (problem) facts.flags.push({ eventId: event.id, reason: problem })
    else closeIfDone(facts)
  }
  return facts
}
