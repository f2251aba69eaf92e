import type { Deps } from '../http/env.ts'
import type { Compilable } from '../db/store.ts'
import { insertRow } from '../db/precompiled.ts'
import type { CoordinatorEventKind } from './fold.ts'
import { findLoop, loopEvents } from './loops.repository.ts'
import type { LoopEventRow, LoopRow } from './loops.table.ts'
import { projectLoop, settleDirtyLoops } from './refresh-loop.ts'

/**
 * Records a coordinator's decision on a loop as a loop event (fold.ts, COORDINATOR_EVENT_KINDS),
 * at the server's time and with no checkpoint, so the loop still follows from its events alone.
 * `before` runs first in the same atomic write (guards, the alert it resolves, the audit entry);
 * the loop's projection follows, so lists show the decision at once. Returns the loop as stored.
 */
export async function recordCoordinatorEvent(
  deps: Deps,
  loop: LoopRow,
  event: { kind: CoordinatorEventKind; data: Record<string, unknown>; actor: string },
  before: Compilable[],
): Promise<LoopRow> {
  const db = deps.store.db
  const now = deps.clock().toISOString()
  const stored = await loopEvents(db, loop.id)
  const row: LoopEventRow = {
    id: crypto.randomUUID(),
    loop_id: loop.id,
    kind: event.kind,
    at: now,
    checkpoint_code: '',
    data: JSON.stringify(event.data),
    recorded_by: event.actor,
    received_at: now,
    flag: null,
    late: 0,
  }
  const nextSeq = Math.max(0, ...stored.map((e) => e.seq)) + 1
  const events = [...stored, { ...row, seq: nextSeq }]
  const projected = projectLoop(deps, loop, events, events.length)
  const writes = [...before, insertRow('loop_events', row)]
  const from = writes.length
  writes.push(...projected.writes)
  const results = await deps.store.atomic(writes)
  if (projected.leftDirty(results.slice(from))) await settleDirtyLoops(deps, [loop.id])
  return (await findLoop(db, loop.id))!
}
