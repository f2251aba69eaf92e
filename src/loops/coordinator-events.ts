import type { Deps } from '../app-env.ts'
import type { Compilable } from '../db/store.ts'
import { conflict } from '../http/errors.ts'
import type { CoordinatorEventKind } from './fold.ts'
import { findLoop, loopEvents } from './loops.repository.ts'
import type { LoopEventRow, LoopRow } from './loops.table.ts'
import { planLoopChange, settleLeftDirty } from './loop-change.ts'
import { writePlan } from './write-plan.ts'

/**
 * When a decision takes effect in the loop's device-time order: after everything the coordinator
 * saw. Device times may run up to 5 minutes ahead of the server, so the server's time alone could
 * sort the decision before the very result it settles (and flag it). A millisecond after the
 * latest event, or the server's time if that is later.
 */
export function decisionTime(now: Date, events: readonly Pick<LoopEventRow, 'at'>[]): string {
  const times = events.map((e) => Date.parse(e.at) + 1).filter(Number.isFinite)
  return new Date(Math.max(now.getTime(), ...times)).toISOString()
}

/**
 * Records a coordinator's decision on a loop as a loop event (fold.ts, COORDINATOR_EVENT_KINDS),
 * dated by `decisionTime` and with no checkpoint, so the loop still follows from its events alone.
 * The loop is folded with the decision first: a decision its events would flag (a retest with no
 * positive result standing, a deadline for a loop not released) is refused, 409 with the flag as
 * code, and nothing is written. `before` runs first in the same atomic write (guards, the alert
 * it resolves, the audit entry); the loop's projection follows, so lists show the decision at
 * once. Returns the loop as stored.
 */
export async function recordCoordinatorEvent(
  deps: Deps,
  loop: LoopRow,
  event: { kind: CoordinatorEventKind; data: Record<string, unknown>; actor: string },
  before: Compilable[],
): Promise<LoopRow> {
  const db = deps.store.db
  const now = deps.clock()
  const stored = await loopEvents(db, loop.id)
  const row: LoopEventRow = {
    id: crypto.randomUUID(),
    loop_id: loop.id,
    kind: event.kind,
    at: decisionTime(now, stored),
    checkpoint_code: '',
    data: JSON.stringify(event.data),
    recorded_by: event.actor,
    received_at: now.toISOString(),
    flag: null,
    late: 0,
  }
  const plan = writePlan().add('decision', before)
  const { facts } = planLoopChange(deps, plan, { loop, stored, added: [row] })
  const flag = facts.flags.find((f) => f.eventId === row.id)
  if (flag)
    throw conflict(
      flag.reason,
      `the loop’s events do not allow ${event.kind} now (${flag.reason}); read the loop again`,
    )
  await settleLeftDirty(deps, await plan.run(deps.store))
  return (await findLoop(db, loop.id))!
}
