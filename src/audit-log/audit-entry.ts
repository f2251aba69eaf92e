import { insertRow } from '../db/precompiled.ts'

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
export function auditEntry(at: Date, fact: AuditFact) {
  return insertRow('audit_log', {
    at: at.toISOString(),
    actor: fact.actor,
    action: fact.action,
    subject: fact.subject,
    before: fact.before === undefined ? null : JSON.stringify(fact.before),
    after: fact.after === undefined ? null : JSON.stringify(fact.after),
  })
}
