import type { ColumnType, Selectable } from 'kysely'

/** What a loop can alert about; the loop's rules decide when (loops/ imports this list, not the reverse). */
export const ALERT_KINDS = [
  'pcr_positive',
  'antigen_positive',
  'result_overdue',
  'destination_overdue',
] as const
export type AlertKind = (typeof ALERT_KINDS)[number]

export const ALERT_STATUSES = ['open', 'acknowledged', 'resolved'] as const
export type AlertStatus = (typeof ALERT_STATUSES)[number]

export interface AlertsTable {
  id: string
  loop_id: string
  /** The loop's enterprise, copied for the firm's audit report. */
  enterprise_id: string | null
  kind: AlertKind
  status: AlertStatus
  opened_at: string
  details: string
  acknowledged_by: string | null
  acknowledged_at: string | null
  resolved_by: string | null
  resolved_at: string | null
  note: string | null
  /** Which round of the loop it belongs to: a retest (positives, results) or a new deadline. */
  round: ColumnType<number, number | undefined, number>
  /** For a positive result: what its resolution allowed (see alerts/resolve-outcome.ts). */
  outcome: ColumnType<string | null, string | null | undefined, string | null>
}
export type AlertRow = Selectable<AlertsTable>
