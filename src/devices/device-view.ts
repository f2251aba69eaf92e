import type { DeviceWithCounts } from './devices.repository.ts'
import type { DeviceRow } from './devices.table.ts'

export const DEVICE_STATUSES = ['pending', 'active', 'expired', 'revoked'] as const
/** pending: enrolled, code not used yet; expired: the code ran out unused; active: registered. */
export type DeviceStatus = (typeof DEVICE_STATUSES)[number]

export function deviceStatus(row: DeviceRow, now: Date): DeviceStatus {
  if (row.revoked_at) return 'revoked'
  if (row.enrolled_at) return 'active'
  return row.code_expires_at <= now.toISOString() ? 'expired' : 'pending'
}

/** A device as the API shows it: never its code or token hashes, nor its key. */
export function deviceView(row: DeviceWithCounts, now: Date) {
  return {
    id: row.id,
    label: row.label,
    checkpoint_codes: JSON.parse(row.checkpoint_codes) as string[],
    status: deviceStatus(row, now),
    created_by: row.created_by,
    created_at: row.created_at,
    expires_at: row.code_expires_at,
    enrolled_at: row.enrolled_at,
    last_seen_at: row.last_seen_at,
    revoked_at: row.revoked_at,
    revoked_by: row.revoked_by,
    revoke_reason: row.revoke_reason,
    uploads: Number(row.uploads),
    review: Number(row.review),
  }
}
