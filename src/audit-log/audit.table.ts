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
  /** Chain hash, filled by the sealer; null until then. */
  hash: string | null
}

export interface AuditSealsTable {
  seq: number
  hash: string
  at: string
  kid: string
  /** Compact JWS over `{seq, hash, at}`. */
  token: string
}
export type AuditLogRow = Selectable<AuditLogTable>
