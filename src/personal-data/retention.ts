import type { ApplicationStatus } from '../applications/applications.table.ts'

// The retention rule (issue 21), pure: personal data of a trip — a pass's crew, its pre-arrival
// reports and the input of its scans — is erased RETENTION_DAYS after the trip ends. A trip ends
// when its pass has ended (expired, or revoked or superseded earlier) and every loop of it has
// closed, whichever is later; a loop still open or with an alert not yet resolved keeps it all.
// Which rows belong to which trip (repository rows → TripFacts, below):
// - an application: approved → its pass and that pass's loops; rejected or withdrawn → when it
//   was decided or its validity asked for ended, the later; submitted → held until decided.
// - a pre-arrival report: its pass's trip when the pass is ours (a pass of another issuer, or
//   none: its expected window), and the loop it arrived into.
// - a scan: its pass's trip when the pass is ours, and the loop it opened or moved.
// No row is due before RETENTION_DAYS after it was itself made (created, received, expected), so
// a scan of a pass that ended long ago is still kept its full time.

/** A pass as far as retention cares. */
export interface RetentionPass {
  valid_until: string
  /** When it was revoked or superseded (it ended then, if before its window did); null: active. */
  ended_early_at: string | null
}

/** One loop of a trip. */
export interface RetentionLoop {
  closed_at: string | null
  /** Its alerts not yet resolved (open or acknowledged). */
  unresolved_alerts: number
}

/** What decides when a trip's personal data is due. */
export interface TripFacts {
  /** Times the trip ends no earlier than (the row's own times; null ones are ignored). */
  times: readonly (string | null)[]
  /** Our pass of the trip, if any. */
  pass: RetentionPass | null
  /** Its loops: the pass's, and any the row names itself. */
  loops: readonly RetentionLoop[]
  /** A submitted application: nothing decided yet, so nothing ends. */
  awaiting_decision?: boolean
}

export type HeldReason = 'awaiting_decision' | 'loop_open' | 'alert_open'

export type RetentionVerdict =
  /** The trip ended at `ended_at`; its data is due at `due_at` (`due`: now or already). */
  | { due: boolean; reason: 'trip_ended'; ended_at: string; due_at: string }
  /** Kept for as long as the reason holds; no date yet. */
  | { due: false; reason: HeldReason; ended_at: null; due_at: null }

const DAY_MS = 86_400_000

/** Whether a trip's personal data is due for erasure at `now`, and when it is or will be. */
export function retentionVerdict(facts: TripFacts, now: Date, days: number): RetentionVerdict {
  if (facts.awaiting_decision) return held('awaiting_decision')
  if (facts.loops.some((loop) => loop.unresolved_alerts > 0)) return held('alert_open')
  if (facts.loops.some((loop) => loop.closed_at === null)) return held('loop_open')
  const ends = [
    ...facts.times,
    facts.pass && passEnd(facts.pass),
    ...facts.loops.map((loop) => loop.closed_at),
  ]
    .filter((time): time is string => time !== null)
    .map((time) => Date.parse(time))
    .filter((ms) => Number.isFinite(ms))
  // Nothing to date it by cannot happen for a stored row (each has its own time); hold it.
  if (ends.length === 0) return held('awaiting_decision')
  const ended = Math.max(...ends)
  const due = ended + days * DAY_MS
  return {
    due: due <= now.getTime(),
    reason: 'trip_ended',
    ended_at: new Date(ended).toISOString(),
    due_at: new Date(due).toISOString(),
  }
}

/** A pass ends when its window does, or when it was revoked or superseded, if that came first. */
export function passEnd(pass: RetentionPass): string {
  if (pass.ended_early_at === null) return pass.valid_until
  return Date.parse(pass.ended_early_at) < Date.parse(pass.valid_until)
    ? pass.ended_early_at
    : pass.valid_until
}

/** Rows made before this may be due (none made later is): the repositories' cheap filter. */
export function retentionCutoff(now: Date, days: number): string {
  return new Date(now.getTime() - days * DAY_MS).toISOString()
}

const held = (reason: HeldReason): RetentionVerdict => ({
  due: false,
  reason,
  ended_at: null,
  due_at: null,
})

// Rows of each table, as the repository reads them, to the trip they belong to.

export interface ApplicationTripRow {
  status: ApplicationStatus
  created_at: string
  decided_at: string | null
  valid_until: string
  /** Its pass (approved), with the pass's loops. */
  pass: RetentionPass | null
  loops: readonly RetentionLoop[]
}

export function applicationTrip(row: ApplicationTripRow): TripFacts {
  if (row.status === 'submitted')
    return { times: [], pass: null, loops: [], awaiting_decision: true }
  if (row.status === 'approved' && row.pass !== null)
    return { times: [row.created_at, row.decided_at], pass: row.pass, loops: row.loops }
  // Rejected or withdrawn (or, never expected, approved without a stored pass).
  return { times: [row.created_at, row.decided_at, row.valid_until], pass: null, loops: [] }
}

export interface ArrivalReportTripRow {
  created_at: string
  expected_until: string
  /** Its pass's facts when the pass is one of ours, with the pass's loops. */
  pass: RetentionPass | null
  /** The pass's loops and the loop it arrived into. */
  loops: readonly RetentionLoop[]
}

export function arrivalReportTrip(row: ArrivalReportTripRow): TripFacts {
  return { times: [row.created_at, row.expected_until], pass: row.pass, loops: row.loops }
}

export interface ScanTripRow {
  received_at: string
  pass: RetentionPass | null
  /** The pass's loops and the scan's own loop. */
  loops: readonly RetentionLoop[]
}

export function scanTrip(row: ScanTripRow): TripFacts {
  return { times: [row.received_at], pass: row.pass, loops: row.loops }
}
