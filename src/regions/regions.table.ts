import type { Generated, Selectable } from 'kysely'

export const RISK_LEVELS = ['low', 'medium', 'high'] as const
export type RiskLevel = (typeof RISK_LEVELS)[number]

export interface RegionsTable {
  code: string
  name: string
  city_name: string
  province_name: string
  risk_level: RiskLevel
  risk_reason: string | null
  risk_changed_at: string | null
  risk_changed_by: string | null
}
export type RegionRow = Selectable<RegionsTable>

export interface RegionRiskChangesTable {
  id: Generated<number>
  region_code: string
  previous_level: RiskLevel
  level: RiskLevel
  reason: string
  actor: string
  at: string
}
