import type { Generated, Selectable } from 'kysely'

export const ROLES = ['admin', 'coordinator', 'enterprise', 'checkpoint'] as const
export type Role = (typeof ROLES)[number]

export interface AccountsTable {
  id: string
  username: string
  password_hash: string
  role: Role
  enterprise_id: string | null
  /** JSON array of checkpoint codes. */
  checkpoint_codes: string
  disabled: number
  created_at: string
  created_by: string | null
  /** Raised by sign-out and password changes; login tokens of an older version are refused. */
  token_version: Generated<number>
}
export type AccountRow = Selectable<AccountsTable>
