import { z } from '@hono/zod-openapi'
import type { Kysely } from 'kysely'
import { sql } from 'kysely'
import type { Database } from '../database.ts'
import type { AuditLogRow } from '../audit-log/audit.table.ts'
import { readPage, type Page } from '../http/paging.ts'
import {
  REVEAL_ACTION,
  REVEAL_PURPOSES,
  RevealRecord,
  recordOfSubject,
  type RevealPurpose,
} from './reveal.ts'

// Who saw what: the reveals as the audit log holds them (action `personal.reveal`), newest first.
// Read by the API list and by the coordinators' page alike.

export const RevealLogEntry = z
  .object({
    id: z.number().openapi({ description: 'the audit entry (seq)' }),
    at: z.string(),
    actor: z.string().openapi({ description: '`coordinator:li`: who saw the data' }),
    record: RevealRecord,
    reason: z.string(),
    purpose: z.enum(REVEAL_PURPOSES),
    members: z.number().openapi({ description: 'how many people’s data were shown' }),
  })
  .openapi('PersonalDataRevealEntry')
export type RevealLogEntry = z.infer<typeof RevealLogEntry>

export interface RevealFilter {
  /** Reveals at or after this instant (ISO). */
  since?: string
  /** `coordinator:li`, or the username alone (`li`). */
  actor?: string
}

export function revealsQuery(db: Kysely<Database>, filter: RevealFilter) {
  let query = db.selectFrom('audit_log').selectAll().where('action', '=', REVEAL_ACTION)
  if (filter.since) query = query.where('at', '>=', filter.since)
  const actor = filter.actor
  if (actor)
    query = query.where((eb) =>
      eb.or([
        eb('actor', '=', actor),
        eb(sql<string>`substr(actor, instr(actor, ':') + 1)`, '=', actor),
      ]),
    )
  return query.orderBy('seq', 'desc')
}

/** One page of reveals, the newest first, with the count of all that match. */
export async function listReveals(db: Kysely<Database>, filter: RevealFilter, page: Page) {
  const { rows, total } = await readPage(revealsQuery(db, filter), page)
  return { rows: rows.map(revealLogEntry), total }
}

/** An audit row as a reveal entry (what a reveal writes: see revealCrew). */
export function revealLogEntry(row: AuditLogRow): RevealLogEntry {
  const after = (row.after ? JSON.parse(row.after) : {}) as {
    reason?: string
    purpose?: RevealPurpose
    members?: number
  }
  return {
    id: row.seq,
    at: row.at,
    actor: row.actor,
    record: recordOfSubject(row.subject) ?? { kind: 'pass', id: row.subject },
    reason: after.reason ?? '',
    purpose: after.purpose ?? 'other',
    members: after.members ?? 0,
  }
}
