import type { Selectable } from 'kysely'

/** booked → cancelled (the firm), arrived (the scan at the station), no_show (the slot ended). */
export const BOOKING_STATUSES = ['booked', 'cancelled', 'arrived', 'no_show'] as const
export type BookingStatus = (typeof BOOKING_STATUSES)[number]

/** One booked arrival hour at a transfer station for one pass (schema/0023_station_slots.sql). */
export interface StationBookingsTable {
  id: string
  station_code: string
  pass_number: string
  enterprise_id: string
  plate: string
  starts_at: string
  ends_at: string
  status: BookingStatus
  notice: string | null
  arrived_at: string | null
  loop_id: string | null
  created_by: string
  created_at: string
  updated_at: string
}
export type BookingRow = Selectable<StationBookingsTable>
