import type { ColumnType, Selectable } from 'kysely'

/** Every scan, failed ones too (see record-scan.ts). */
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
  /** The request, normalised and with anything like an ID or phone number masked (capped). */
  raw: string
  /** The answer given, replayed as it was if the same scan id comes again with the same request. */
  response: string
  /** 1: its device time was more than 24 h before the server received it (accepted, marked). */
  late: ColumnType<number, number | undefined, number>
  /** SHA-256 of the full normalised, masked request; NULL for scans stored before it was kept. */
  request_hash: string | null
  /** The enrolled device that signed it (schema/0018_devices.sql); null when sent without one. */
  device_id: ColumnType<string | null, string | null | undefined, string | null>
  /** Why it is kept but needs review: `signed_before_revocation` (devices/device-check.ts). */
  device_review: ColumnType<string | null, string | null | undefined, string | null>
  /** When retention or decommission erased its input (raw, the crew in the answer); null: held. */
  personal_erased_at: ColumnType<string | null, string | null | undefined, string | null>
}
export type ScanRow = Selectable<ScansTable>
