import type { Generated, Selectable } from 'kysely'

export const WHITELIST_STATUSES = ['pending', 'active', 'suspended', 'removed'] as const
export type WhitelistStatus = (typeof WHITELIST_STATUSES)[number]
export const WHITELIST_LEVELS = ['national', 'provincial', 'municipal'] as const
export type WhitelistLevel = (typeof WHITELIST_LEVELS)[number]

export interface EnterprisesTable {
  id: string
  uscc: string
  name: string
  contact_name: string
  contact_phone_enc: string
  contact_phone_masked: string
  region_code: string
  whitelist_status: WhitelistStatus
  whitelist_level: WhitelistLevel | null
  created_at: string
}
export type EnterpriseRow = Selectable<EnterprisesTable>

export interface WhitelistDecisionsTable {
  id: Generated<number>
  enterprise_id: string
  previous_status: WhitelistStatus | null
  previous_level: WhitelistLevel | null
  status: WhitelistStatus
  level: WhitelistLevel | null
  reason: string
  actor: string
  at: string
}
export type WhitelistDecisionRow = Selectable<WhitelistDecisionsTable>
