import type { Generated, Selectable } from 'kysely'

export interface AuditLogTable {
  seq: Generated<number>
  at: string
  actor: string
  action: string
  subject: string
  /** JSON, personal data masked. */
  before: string | null
  after: string | null
}
export type AuditLogRow = Selectable<AuditLogTable>
