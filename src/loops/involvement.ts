import { isCoordinator, type Principal } from '../auth/principal.ts'
import type { Deps } from '../app-env.ts'
import { notFound } from '../http/errors.ts'
import { eventCheckpoints, findLoop } from './loops.repository.ts'
import type { LoopRow } from './loops.table.ts'

/**
 * Each checkpoint works on its own loops: those it opened (the entry), recorded an event on, or was
 * named the release destination of. Coordinators see all. This one rule decides every read and
 * write of a loop by checkpoint staff (the loop, its events, its receipt, the list); the list reads
 * it from `loop_checkpoints`, which each projection of the loop fills from `involvedCheckpoints`.
 * A checkpoint once involved stays involved (rows are only added): it keeps seeing what it did.
 */
export function involvedCheckpoints(
  loop: Pick<LoopRow, 'entry_checkpoint_code' | 'destination_code'>,
  eventCheckpoints: Iterable<string>,
): Set<string> {
  const codes = new Set<string>([loop.entry_checkpoint_code])
  if (loop.destination_code) codes.add(loop.destination_code)
  // A coordinator's decision is recorded with no checkpoint ('').
  for (const code of eventCheckpoints) if (code) codes.add(code)
  return codes
}

export function involves(
  principal: Principal,
  loop: Pick<LoopRow, 'entry_checkpoint_code' | 'destination_code'>,
  eventCheckpoints: Iterable<string>,
): boolean {
  if (isCoordinator(principal)) return true
  if (principal.role !== 'checkpoint') return false
  const involved = involvedCheckpoints(loop, eventCheckpoints)
  return principal.checkpointCodes.some((code) => involved.has(code))
}

/** A loop the caller may see: unknown and not involved answer alike (404), so ids cannot be probed. */
export async function findLoopFor(deps: Deps, principal: Principal, id: string): Promise<LoopRow> {
  const db = deps.store.db
  const loop = await findLoop(db, id)
  if (!loop) throw notFound('loop')
  if (
    !involves(
      principal,
      loop,
      principal.role === 'checkpoint' ? await eventCheckpoints(db, id) : [],
    )
  )
    throw notFound('loop')
  return loop
}
