import { z } from '@hono/zod-openapi'
import type { Kysely } from 'kysely'
import { CompiledQuery, sql } from 'kysely'
import type { Deps } from '../app-env.ts'
import type { Database } from '../database.ts'
import { ApiError, notFound } from '../http/errors.ts'
import { abortUnless, GuardFailed } from '../db/guard.ts'
import { auditEntry } from '../audit-log/audit-entry.ts'
import { auditedReason, dataKeyRing } from '../privacy/personal-data.ts'
import { openCrew, type CrewMember } from '../vehicles/crew.ts'
import { ERASED_CREW } from './erase.ts'

// A coordinator's explicit look at a record's personal data in full (issue 21, "who saw what"):
// a separate action with a stated reason, written to the audit log before anything is shown.
// Every other answer and page shows the crew masked (vehicles/crew.ts maskedCrew).

export const REVEAL_ACTION = 'personal.reveal'

/** The records whose crew can be revealed; a pass's crew is its application's. */
export const REVEAL_KINDS = ['pass', 'application', 'arrival_report'] as const
export type RevealKind = (typeof REVEAL_KINDS)[number]

export const REVEAL_PURPOSES = [
  'contact_tracing',
  'identity_check',
  'subject_request',
  'other',
] as const
export type RevealPurpose = (typeof REVEAL_PURPOSES)[number]

export const RevealRecord = z
  .object({
    kind: z.enum(REVEAL_KINDS),
    id: z
      .string()
      .trim()
      .min(1)
      .max(64)
      .openapi({ description: 'the pass number, or the application or pre-arrival report id' }),
  })
  .openapi('PersonalDataRecord')
export type RevealRecord = z.infer<typeof RevealRecord>

export const RevealBody = z
  .object({
    record: RevealRecord,
    reason: z
      .string()
      .trim()
      .min(10)
      .max(500)
      .openapi({ description: 'why the full data is needed (10 to 500 characters), audited' }),
    purpose: z.enum(REVEAL_PURPOSES).default('other'),
  })
  .openapi('PersonalDataRevealRequest')

export const RevealAnswer = z
  .object({
    id: z.number().openapi({ description: 'the audit entry (seq) that records this reveal' }),
    record: RevealRecord,
    purpose: z.enum(REVEAL_PURPOSES),
    crew: z.array(z.object({ name: z.string(), id_number: z.string(), phone: z.string() })),
    revealed_at: z.string(),
  })
  .openapi('PersonalDataReveal')

/** How the audit log names the record (`pass:330100000001`), as the other entries do. */
export const revealSubject = (record: RevealRecord) => `${record.kind}:${record.id}`

/** The record an audit subject names, or null for a subject that is not a revealable record. */
export function recordOfSubject(subject: string): RevealRecord | null {
  const colon = subject.indexOf(':')
  const kind = subject.slice(0, colon) as RevealKind
  if (colon < 0 || !REVEAL_KINDS.includes(kind)) return null
  return { kind, id: subject.slice(colon + 1) }
}

/** Where a record's crew is stored: the table and row id holding it. */
interface CrewHolder {
  table: 'applications' | 'arrival_reports'
  id: string
  crew: string
  personal_erased_at: string | null
}

/** The row holding the record's crew, undefined for an unknown record. */
export async function findCrewHolder(
  db: Kysely<Database>,
  record: RevealRecord,
): Promise<CrewHolder | undefined> {
  if (record.kind === 'arrival_report') {
    const row = await db
      .selectFrom('arrival_reports')
      .select(['id', 'crew', 'personal_erased_at'])
      .where('id', '=', record.id)
      .executeTakeFirst()
    return row && { table: 'arrival_reports', ...row }
  }
  const row =
    record.kind === 'pass'
      ? await db
          .selectFrom('passes')
          .innerJoin('applications', 'applications.id', 'passes.application_id')
          .select(['applications.id', 'applications.crew', 'applications.personal_erased_at'])
          .where('passes.number', '=', record.id)
          .executeTakeFirst()
      : await db
          .selectFrom('applications')
          .select(['id', 'crew', 'personal_erased_at'])
          .where('id', '=', record.id)
          .executeTakeFirst()
  return row && { table: 'applications', ...row }
}

/** Erased by retention, a subject's request or decommission: nothing left to show. */
export const crewErased = (holder: Pick<CrewHolder, 'crew' | 'personal_erased_at'>) =>
  holder.personal_erased_at !== null || holder.crew === ERASED_CREW

const erasedError = () =>
  new ApiError(
    410,
    'personal_data_erased',
    'the personal data of this record was deleted under the retention rule',
  )

/**
 * Reveals a record's crew in full: found (404), not erased (410), opened, and the audit entry
 * written — with a guard that the data was not erased meanwhile — before the answer is made, so
 * nothing is shown that the log does not record. The entry holds the reason (ID and phone
 * numbers typed into it masked), the purpose and how many people, never the values.
 */
export async function revealCrew(
  deps: Pick<Deps, 'store' | 'config' | 'clock'>,
  actor: string,
  request: { record: RevealRecord; reason: string; purpose: RevealPurpose },
): Promise<z.infer<typeof RevealAnswer>> {
  const { store } = deps
  const { record, purpose } = request
  const holder = await findCrewHolder(store.db, record)
  if (!holder) throw notFound(record.kind === 'arrival_report' ? 'arrival report' : record.kind)
  if (crewErased(holder)) throw erasedError()
  const crew: CrewMember[] = await openCrew(dataKeyRing(deps.config), holder.crew)
  const now = deps.clock()
  const entry = auditEntry(now, {
    actor,
    action: REVEAL_ACTION,
    subject: revealSubject(record),
    after: { reason: auditedReason(request.reason), purpose, members: crew.length },
  })
  let written
  try {
    written = await store.atomic([
      abortUnless(
        sql`(SELECT personal_erased_at IS NULL FROM ${sql.table(holder.table)} WHERE id = ${holder.id}) = 1`,
        'personal_data_erased',
        'the personal data of this record was deleted under the retention rule',
      ),
      CompiledQuery.raw(`${entry.sql} returning "seq"`, [...entry.parameters]),
    ])
  } catch (error) {
    if (error instanceof GuardFailed) throw erasedError()
    throw error
  }
  const seq = Number(written[1]?.rows[0]?.seq)
  return { id: seq, record, purpose, crew, revealed_at: now.toISOString() }
}
