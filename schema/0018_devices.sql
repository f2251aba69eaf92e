-- Scanner devices (issue 18): a checkpoint phone enrolled to checkpoints, with its own key pair.
-- A coordinator's enrolment makes the device row at once (`enrolled_at` NULL until a phone
-- registers with the one-time code), so a device never connected can be listed and revoked too.
CREATE TABLE devices (
  id TEXT PRIMARY KEY,
  label TEXT NOT NULL,
  -- JSON array of the checkpoint codes it may record at.
  checkpoint_codes TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  -- SHA-256 (hex) of the one-time enrolment code; kept once used (a second use is told apart:
-- 409), NULL once the enrolment is cancelled.
  code_hash TEXT UNIQUE,
  code_expires_at TEXT NOT NULL,
  -- The phone's public key (JWK: EC P-256 or OKP Ed25519), set when it registers.
  public_key_jwk TEXT,
  -- SHA-256 (hex) of the device token sent as X-Tongxing-Device.
  token_hash TEXT UNIQUE,
  enrolled_at TEXT,
  last_seen_at TEXT,
  revoked_at TEXT,
  revoked_by TEXT,
  revoke_reason TEXT
);
CREATE INDEX devices_by_created ON devices (created_at);

-- Which device recorded a scan or an event (NULL: sent without a device, e.g. by the API), and
-- `device_review`: why an upload is kept but needs a coordinator's look (signed before its device
-- was revoked and received after).
ALTER TABLE scans ADD COLUMN device_id TEXT;
ALTER TABLE scans ADD COLUMN device_review TEXT;
ALTER TABLE loop_events ADD COLUMN device_id TEXT;
ALTER TABLE loop_events ADD COLUMN device_review TEXT;
CREATE INDEX scans_by_device ON scans (device_id, received_at) WHERE device_id IS NOT NULL;
CREATE INDEX loop_events_by_device ON loop_events (device_id, received_at) WHERE device_id IS NOT NULL;
