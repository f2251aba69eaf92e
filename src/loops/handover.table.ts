import type { Selectable } from 'kysely'

/** One receiving local vehicle of a `handed_over` event (schema/0023_station_slots.sql). */
export interface HandoverReceiversTable {
  /** `<event id>:<position in the manifest>`: a replayed event writes the same ids, so no copies. */
  id: string
  loop_id: string
  event_id: string
  receiving_plate: string
  pieces: number
  seal_number: string | null
  /** `receiver_open_loop`: the receiving plate had an open loop from a risk area. */
  flag: string | null
  created_at: string
}
export type HandoverReceiverRow = Selectable<HandoverReceiversTable>
