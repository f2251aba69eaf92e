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
  /** The enrolled device that signed it; null when sent without one. */
  device_id: ColumnType<string | null, string | null | undefined, string | null>
  /** Why it is kept but needs review: `signed_before_revocation`. */
  device_review: ColumnType<string | null, string | null | undefined, string | null>
}
/** A stored event; `late` and the device columns may be left out of a row about to be inserted (it defaults to 0). */
export type LoopEventRow = Omit<
  Selectable<LoopEventsTable>,
  'late' | 'device_id' | 'device_review'
> & { late?: number; device_id?: string | null; device_review?: string | null }

/** The checkpoints a loop involves (see involvement.ts), for the checkpoint staff's list. */
export interface LoopCheckpointsTable {
  loop_id: string
  checkpoint_code: string
  opened_at: string
  open: number
}

/** Every column of `loops`, in table order (for code that picks or inserts them one by one). */
export const LOOP_COLUMNS = [
  'id',
  'plate',
  'pass_number',
  'enterprise_id',
  'entry_checkpoint_code',
  'opened_at',
  'opened_by',
  'manual',
  'state',
  'alerting',
  'sampled_at',
  'pcr_result',
  'released_at',
  'release_deadline',
  'destination_code',
  'destination_arrived_at',
  'last_checkpoint_code',
  'negative_since',
  'result_due_at',
  'destination_due_at',
  'flagged_events',
  'closed_at',
  'closed_note',
  'closed_by',
  'dirty',
  'updated_at',
] as const satisfies readonly (keyof LoopRow)[]
// Every column of the loop, or the compiler says which is missing.
const allColumns: Record<Exclude<keyof LoopRow, (typeof LOOP_COLUMNS)[number]>, never> = {}
void allColumns
