import type { Kysely } from 'kysely'
import type { Database } from '../db/database.ts'
import { insertRow } from '../db/precompiled.ts'
import type { Principal } from '../auth/principal.ts'

export interface AuditFact {
  actor: string
  action: string
  subject: string
  before?: unknown
  after?: unknown
}

/**
 * The audit row for one write, to put in the same `atomic` call as the write itself so neither
 * exists without the other. Callers pass masked views: personal data never reaches the log.
 */
export function auditEntry(_db: Kysely<Database>, at: Date, fact: AuditFact) {
  return insertRow('audit_log', {
    at: at.toISOString(),
    actor: fact.actor,
    action: fact.action,
    subject: fact.subject,
    before: fact.before === undefined ? null : JSON.stringify(fact.before),
    after: fact.after === undefined ? null : JSON.stringify(fact.after),
  })
}

export const actorOf = (principal: Principal | null) =>
  principal ? `${principal.role}:${principal.username}` : 'system'
