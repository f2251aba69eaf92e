import type { Selectable } from 'kysely'
import type { EventKind, LoopState } from './fold.ts'
import type { AlertKind } from '../alerts/due-alerts.ts'

export interface LoopsTable {
  id: string
  plate: string
  pass_number: string | null
  enterprise_id: string | null
  entry_checkpoint_code: string
  opened_at: string
  opened_by: string
  manual: number
  state: LoopState
  alerting: number
  sampled_at: string | null
  pcr_result: string | null
  released_at: string | null
  release_deadline: string | null
  destination_code: string | null
  destination_arrived_at: string | null
  last_checkpoint_code: string | null
  negative_since: string | null
  result_due_at: string | null
  destination_due_at: string | null
  flagged_events: number
  closed_at: string | null
  closed_note: string | null
  closed_by: string | null
  dirty: number
  updated_at: string
}
export type LoopRow = Selectable<LoopsTable>

export interface LoopEventsTable {
  id: string
  loop_id: string
  kind: EventKind
  at: string
  checkpoint_code: string
  data: string | null
  recorded_by: string
  received_at: string
  flag: string | null
}
export type LoopEventRow = Selectable<LoopEventsTable>

export interface ScansTable {
  id: string
  checkpoint_code: string
  account_id: string
  scanned_at: string
  received_at: string
  pass_number: string | null
  plate: string | null
  observed_plate: string | null
  enterprise_id: string | null
  verdict: 'valid' | 'invalid'
  reasons: string
  action: string
  loop_id: string | null
  raw: string
  response: string
}

export interface AlertsTable {
  id: string
  loop_id: string
  /** The loop's enterprise, copied for the firm's audit report. */
  enterprise_id: string | null
  kind: AlertKind
  status: 'open' | 'acknowledged' | 'resolved'
  opened_at: string
  details: string
  acknowledged_by: string | null
  acknowledged_at: string | null
  resolved_by: string | null
  resolved_at: string | null
  note: string | null
}
export type AlertRow = Selectable<AlertsTable>
