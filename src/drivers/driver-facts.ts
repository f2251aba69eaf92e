import type { Kysely } from 'kysely'
import type { Database } from '../database.ts'
import { findPass, shownStatus, type PassWithSuccessor } from '../passes/passes.repository.ts'
import { applicationCrew } from '../applications/applications.repository.ts'
import { maskedCrewNames as maskedCrewNamesOf } from '../vehicles/crew.ts'
import { testResultOf } from '../loops/loops.repository.ts'
import type { LoopRow } from '../loops/loops.table.ts'
import type { DriverFacts } from './next-step.ts'

/**
 * The newest loop of a pass (a pass may carry a truck into the city more than once in its
 * window: the driver follows the latest trip). Loops opened by hand for a plate are not the
 * pass's and never shown here. Through loops_by_pass (schema/0004).
 */
export function newestLoopOfPass(
  db: Kysely<Database>,
  passNumber: string,
): Promise<LoopRow | undefined> {
  return db
    .selectFrom('loops')
    .selectAll()
    .where('pass_number', '=', passNumber)
    .where('manual', '=', 0)
    .orderBy('opened_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst()
}

/** The crew's names, masked (王*国): never their ID numbers or phones, not even masked. */
export async function maskedCrewNames(db: Kysely<Database>, applicationId: string) {
  const crew = await applicationCrew(db, applicationId)
  if (!crew) return []
  return maskedCrewNamesOf(crew)
}

/** What the driver page shows: the pass, its newest loop and the facts the next step follows from. */
export async function readDriverFacts(db: Kysely<Database>, passNumber: string, now: Date) {
  const pass = await findPass(db, passNumber)
  if (!pass) return undefined
  const status = shownStatus(pass.status, pass.valid_until, now)
  const loop = status === 'active' ? await newestLoopOfPass(db, passNumber) : undefined
  const facts: DriverFacts = {
    pass: { status, validFrom: pass.valid_from },
    loop: loop
      ? {
          state: loop.state,
          result: testResultOf(loop),
          releaseDeadline: loop.release_deadline,
          destinationArrivedAt: loop.destination_arrived_at,
          negativeSince: loop.negative_since,
        }
      : null,
  }
  return { pass: pass as PassWithSuccessor, status, loop, facts }
}
