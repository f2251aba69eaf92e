import type { Selectable } from 'kysely'

/** An enrolled (or about to be enrolled) scanner device: schema/0018_devices.sql. */
export interface DevicesTable {
  id: string
  label: string
  /** JSON array of checkpoint codes. */
  checkpoint_codes: string
  created_by: string
  created_at: string
  /** SHA-256 hex of the one-time enrolment code; kept once used, null once cancelled. */
  code_hash: string | null
  code_expires_at: string
  /** JSON public JWK (EC P-256 or OKP Ed25519), once the phone registered. */
  public_key_jwk: string | null
  /** SHA-256 hex of the device token. */
  token_hash: string | null
  enrolled_at: string | null
  last_seen_at: string | null
  revoked_at: string | null
  revoked_by: string | null
  revoke_reason: string | null
}
export type DeviceRow = Selectable<DevicesTable>
