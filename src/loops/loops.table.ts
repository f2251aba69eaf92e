import type { ColumnType, Selectable } from 'kysely'
import type { EventKind, LoopState } from './fold.ts'

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
  /** 1: its device time was more than 24 h before the server received it (accepted, marked). */
  late: ColumnType<number, number | undefined, number>
}
/** A stored event; `late` may be left out of a row about to be inserted (it defaults to 0). */
export type LoopEventRow = Omit<Selectable<LoopEventsTable>, 'late'> & { late?: number }

/** The checkpoints a loop involves (see involvement.ts), for the checkpoint staff's list. */
export interface LoopCheckpointsTable {
  loop_id: string
  checkpoint_code: string
  opened_at: string
  open: number
}
