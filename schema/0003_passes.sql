-- Applications, passes, their status changes, and the trust list of other issuers.

CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
  plate TEXT NOT NULL,
  -- JSON array of {name, id_number_enc, id_number_masked, phone_enc, phone_masked}.
  crew TEXT NOT NULL,
  cargo_category TEXT NOT NULL,
  origin_region_code TEXT NOT NULL REFERENCES regions (code),
  destination_station_code TEXT REFERENCES stations (code),
  destination_region_code TEXT NOT NULL REFERENCES regions (code),
  destination_address TEXT,
  route TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected', 'withdrawn')),
  decision_reason TEXT,
  decided_by TEXT,
  decided_at TEXT,
  pass_number TEXT,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX applications_by_status ON applications (status, created_at);
CREATE INDEX applications_by_enterprise ON applications (enterprise_id, created_at);

CREATE TABLE passes (
  number TEXT PRIMARY KEY CHECK (length(number) = 12),
  issuer_code TEXT NOT NULL,
  serial INTEGER NOT NULL CHECK (serial BETWEEN 1 AND 999999),
  application_id TEXT NOT NULL UNIQUE REFERENCES applications (id),
  enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
  plate TEXT NOT NULL,
  cargo_category TEXT NOT NULL,
  origin_region_code TEXT NOT NULL,
  destination_station_code TEXT,
  destination_region_code TEXT NOT NULL,
  destination_address TEXT,
  route TEXT NOT NULL,
  valid_from TEXT NOT NULL,
  valid_until TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked', 'superseded')),
  status_reason TEXT,
  status_changed_at TEXT,
  superseded_by TEXT,
  kid TEXT NOT NULL,
  -- The signed QR token; made right after the row (Ed25519 is deterministic, so remaking it
  -- from the row and the same key gives the same token).
  token TEXT,
  issued_by TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  UNIQUE (issuer_code, serial)
);
CREATE INDEX passes_by_plate ON passes (plate, status);
CREATE INDEX passes_by_enterprise ON passes (enterprise_id, status);
CREATE INDEX passes_by_kid ON passes (kid, valid_until);

-- One row per revocation or supersession: its id is the revocation list's version.
CREATE TABLE pass_status_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  pass_number TEXT NOT NULL REFERENCES passes (number),
  status TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);

-- Other deployments whose passes and receipts this one accepts (nationwide recognition).
CREATE TABLE trusted_issuers (
  issuer_code TEXT PRIMARY KEY CHECK (length(issuer_code) = 6),
  name TEXT NOT NULL,
  jwks TEXT NOT NULL,
  added_by TEXT NOT NULL,
  added_at TEXT NOT NULL
);
