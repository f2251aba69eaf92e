import type { Deps } from '../app-env.ts'
import { insertRow, jsonList } from '../db/precompiled.ts'
import { alertsDue, alertsWithdrawn, destinationDueAt, resultDueAt } from './due-alerts.ts'
import { resolveAlertOfRound } from '../alerts/alert-writes.ts'
import { foldLoop, type LoopFacts, type LoopState } from './fold.ts'
import { findLoop, loopEvents, toFoldEvent } from './loops.repository.ts'
import type { LoopEventRow, LoopRow } from './loops.table.ts'
import { involvedCheckpoints } from './involvement.ts'
import { writePlan, type PlanResults, type WritePlan } from './write-plan.ts'
import {
  followOpen,
  openAlert,
  recordInvolvement,
  updateProjection,
  type Projection,
} from './loop-writes.ts'

/**
 * Every change to a loop — a scan, an upload of events, a coordinator's decision, the sweep — is
 * written the same way: the loop is folded with all its events (those stored and those the change
 * adds), and one plan writes the new events, their flags, the alerts now due, who the loop
 * involves and the loop row's projection, in the same atomic write as the caller's own statements.
 *
 *   const plan = writePlan().add('guard', [...])
 *   const loop = planLoopChange(deps, plan, { loop, stored, added })
 *   const results = await plan.run(deps.store)
 *   await settleLeftDirty(deps, results)
 *
 * The projection is stored only if nothing changed under it since it was read; else the loop is
 * marked dirty and `settleLeftDirty` rebuilds it from its events before the caller answers.
 */

/**
 * A stored event as the fold needs it; `seq` (its rowid) breaks device-time ties. `recorded_by`
 * (read with the rest of the row) names who withdrew a result, for the alert it resolves.
 */
export type StoredEvent = Pick<
  LoopEventRow,
  'id' | 'kind' | 'at' | 'checkpoint_code' | 'data' | 'flag'
> & { seq: number; recorded_by?: string }

export interface LoopChange {
  /** The loop as read; for a loop not stored yet (`fresh`), its new row. */
  loop: LoopRow
  /** Its events as stored. */
  stored: readonly StoredEvent[]
  /** The events this change adds, after the stored ones in arrival order. */
  added?: readonly LoopEventRow[]
  /** The loop is not stored yet: the plan inserts it, already projected. */
  fresh?: boolean
  /**
   * The caller has put `added` in the plan already (an upload stores a whole batch in one
   * statement), without flags: the plan then sets the flags the fold gives them.
   */
  addedInPlan?: boolean
}

export interface PlannedLoop {
  facts: LoopFacts
  /** The loop's state as the projection stores it (a coordinator's close stands). */
  state: LoopState
  /** Whether the loop alerts once the plan ran (open alerts before, or one opened now). */
  alerting: boolean
}

/** The plan step whose results say whether the loop's projection was stored or left dirty. */
const projectionStep = (loopId: string) => `projection:${loopId}`
const PROJECTION_STEP = /^projection:(.+)$/

/**
 * Adds to `plan` the writes that bring the loop up to date with its events and `change.added`:
 * the loop row if it is new, the added events (with their flags), the flags of stored events that
 * changed, the alerts now due, the checkpoints the loop involves, and the projection.
 */
export function planLoopChange(deps: Deps, plan: WritePlan, change: LoopChange): PlannedLoop {
  const { loop, stored, added = [], fresh = false } = change
  const db = deps.store.db
  const nextSeq = Math.max(0, ...stored.map((e) => e.seq)) + 1
  const events: StoredEvent[] = [
    ...stored,
    ...added.map((row, i) => ({
      ...row,
      flag: change.addedInPlan ? null : row.flag,
      seq: nextSeq + i,
    })),
  ]
  const facts = foldLoop(events.map(toFoldEvent), deps.config.RELEASE_DEADLINE_HOURS)
  const now = deps.clock()
  const limits = { resultOverdueHours: deps.config.RESULT_OVERDUE_HOURS }
  const flags = new Map(facts.flags.map((f) => [f.eventId, f.reason]))
  const projection = loopProjection(loop, facts, limits, now.toISOString())
  const due = alertsDue(facts, now, limits)
  const step = `loop:${loop.id}`

  if (fresh)
    plan.add(step, [
      insertRow('loops', { ...loop, ...projection, alerting: due.length > 0 ? 1 : 0, dirty: 0 }),
    ])
  // New events go in with their flag; stored ones are updated where the fold now says otherwise.
  if (!change.addedInPlan)
    plan.add(
      step,
      added.map((row) => insertRow('loop_events', { ...row, flag: flags.get(row.id) ?? null })),
    )
  const toFlag = change.addedInPlan ? events : stored
  plan.add(
    step,
    toFlag.flatMap((row) => {
      const flag = flags.get(row.id) ?? null
      return flag === row.flag
        ? []
        : [db.updateTable('loop_events').set({ flag }).where('id', '=', row.id)]
    }),
  )
  plan.add(
    step,
    due.flatMap((alert) => openAlert(deps, loop, facts, alert, now)),
  )
  // A positive withdrawn within the minute was never one: the alert it opened is resolved, by the
  // officer who withdrew it. Repeated on later changes, it finds the alert resolved and does nothing.
  plan.add(
    step,
    alertsWithdrawn(facts, due).flatMap(({ kind, round, correctionId }) => {
      const correction = events.find((e) => e.id === correctionId)
      const withdrawn = facts.withdrawn.find((w) => w.correctionId === correctionId)
      const reason = correction?.data ? (JSON.parse(correction.data).reason ?? null) : null
      return resolveAlertOfRound(db, {
        loopId: loop.id,
        kind,
        round,
        at: now.toISOString(),
        actor: correction?.recorded_by ?? 'system',
        // The outcome says what happened, in the reader's language (withdrawn_by_correction); the
        // note keeps only what the officer wrote, if anything.
        note: reason,
        outcome: 'withdrawn_by_correction',
        audit: { correction_id: correctionId, event_id: withdrawn?.eventId ?? null, reason },
      })
    }),
  )

  // Who the loop involves only grows: the entry, each checkpoint that recorded an event, the
  // destination. Written before the loop row, so `followOpen` after it can settle `open`.
  const involved = involvedCheckpoints(
    { entry_checkpoint_code: loop.entry_checkpoint_code, destination_code: facts.destinationCode },
    events.map((e) => e.checkpoint_code),
  )
  const open = projection.closed_at === null ? 1 : 0
  if (fresh) {
    // Nothing can have changed a loop not stored yet: its rows are written open or closed at once.
    plan.add(step, [
      recordInvolvement({
        loopId: loop.id,
        openedAt: loop.opened_at,
        codes: jsonList([...involved]),
        open,
      }),
    ])
    return { facts, state: projection.state, alerting: due.length > 0 }
  }
  // A clean loop row (no write left it dirty) has every checkpoint its stored events and row name
  // in loop_checkpoints already, with `open` as the row says: a change that adds none and leaves
  // `closed_at` as it was needs neither statement.
  const known =
    loop.dirty === 0
      ? involvedCheckpoints(
          loop,
          stored.map((e) => e.checkpoint_code),
        )
      : undefined
  const involvesMore = !known || [...involved].some((code) => !known.has(code))
  if (involvesMore)
    plan.add(step, [
      recordInvolvement({
        loopId: loop.id,
        openedAt: loop.opened_at,
        codes: jsonList([...involved]),
        open: 1,
      }),
    ])
  plan.add(
    projectionStep(loop.id),
    updateProjection(loop, { ...projection, id: loop.id, expected_count: events.length }),
  )
  if (involvesMore || projection.closed_at !== loop.closed_at)
    plan.add(step, [followOpen({ loopId: loop.id })])
  return { facts, state: projection.state, alerting: loop.alerting === 1 || due.length > 0 }
}

/**
 * Rebuilds a loop's projection from its events as stored now, flags the events that made no sense,
 * and opens the alerts now due, in one atomic write. For a loop left dirty (by a write that raced
 * another, or a crash), or whose alerts fell due since its last change. Returns the loop as stored.
 */
export async function settleLoop(
  deps: Deps,
  loopId: string,
): Promise<{ loop: LoopRow; facts: LoopFacts } | undefined> {
  const db = deps.store.db
  const loop = await findLoop(db, loopId)
  if (!loop) return undefined
  const plan = writePlan()
  const { facts } = planLoopChange(deps, plan, { loop, stored: await loopEvents(db, loopId) })
  await plan.run(deps.store)
  return { loop: (await findLoop(db, loopId))!, facts }
}

/** The loops of a plan whose projection the write left dirty: another write came in between. */
export function loopsLeftDirty(results: PlanResults): string[] {
  return results.names.flatMap((name) => {
    const loopId = PROJECTION_STEP.exec(name)?.[1]
    // The update RETURNs its `dirty`; the guard's fallback RETURNs a row only when it marked it.
    return loopId && results.get(name).some((r) => r.rows.some((row) => row.dirty === 1))
      ? [loopId]
      : []
  })
}

/**
 * Rebuilds the loops a write just left dirty (two devices at the same vehicle at once), after the
 * write and before answering, so lists show each loop as its events say at once. A failure is
 * logged: the events are stored, and the sweep retries.
 */
export async function settleLeftDirty(deps: Deps, results: PlanResults): Promise<void> {
  for (const id of loopsLeftDirty(results)) {
    await settleLoop(deps, id).catch((error) =>
      console.error(
        JSON.stringify({ level: 'error', job: 'settle-loop', loop_id: id, error: String(error) }),
      ),
    )
  }
}

/**
 * The loop row's columns that follow from its events (`facts`), as of `updatedAt`. A coordinator's
 * manual close stands; otherwise the fold decides. Pure: the bench's bulk loader builds its rows
 * with it too, so they are what the service would have written.
 */
export function loopProjection(
  loop: Pick<LoopRow, 'closed_by' | 'closed_at' | 'entry_checkpoint_code'>,
  facts: LoopFacts,
  limits: { resultOverdueHours: number },
  updatedAt: string,
): Projection {
  return {
    state: loop.closed_by ? 'closed' : facts.state,
    sampled_at: facts.sampledAt,
    pcr_result: facts.pcr,
    released_at: facts.releasedAt,
    release_deadline: facts.releaseDeadline,
    destination_code: facts.destinationCode,
    destination_arrived_at: facts.destinationArrivedAt,
    last_checkpoint_code: facts.lastCheckpointCode ?? loop.entry_checkpoint_code,
    negative_since: facts.negativeSince,
    result_due_at: resultDueAt(facts, limits)?.toISOString() ?? null,
    destination_due_at: destinationDueAt(facts)?.toISOString() ?? null,
    flagged_events: facts.flags.length,
    closed_at: loop.closed_by ? loop.closed_at : facts.closedAt,
    updated_at: updatedAt,
  }
}
