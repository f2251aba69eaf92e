-- Foundation: accounts, reference data, enterprises with their whitelist decisions, audit log.
-- Plain SQL without BEGIN/COMMIT so the same file serves better-sqlite3 and `wrangler d1 migrations`.
-- Times are ISO 8601 strings in UTC. Personal data columns end in _enc (AES-GCM) or _masked.

CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE COLLATE NOCASE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'enterprise', 'checkpoint')),
  enterprise_id TEXT REFERENCES enterprises (id),
  checkpoint_codes TEXT NOT NULL DEFAULT '[]',
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  created_by TEXT,
  CHECK ((role = 'enterprise') = (enterprise_id IS NOT NULL))
);

CREATE TABLE regions (
  code TEXT PRIMARY KEY CHECK (length(code) = 6),
  name TEXT NOT NULL,
  city_name TEXT NOT NULL,
  province_name TEXT NOT NULL,
  risk_level TEXT NOT NULL DEFAULT 'low' CHECK (risk_level IN ('low', 'medium', 'high')),
  risk_reason TEXT,
  risk_changed_at TEXT,
  risk_changed_by TEXT
);
CREATE INDEX regions_by_risk ON regions (risk_level, code);

-- Every risk change is kept: the current value lives on regions, the story lives here.
CREATE TABLE region_risk_changes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  region_code TEXT NOT NULL REFERENCES regions (code),
  previous_level TEXT NOT NULL,
  level TEXT NOT NULL,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX region_risk_changes_by_region ON region_risk_changes (region_code, id);

CREATE TABLE stations (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  region_code TEXT NOT NULL REFERENCES regions (code),
  address TEXT NOT NULL,
  capacity_per_day INTEGER NOT NULL CHECK (capacity_per_day >= 0),
  opening_hours TEXT NOT NULL DEFAULT '00:00-24:00',
  is_open INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL
);

CREATE TABLE checkpoints (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  region_code TEXT NOT NULL REFERENCES regions (code),
  kind TEXT NOT NULL CHECK (kind IN ('highway_exit', 'road', 'transfer_station', 'destination')),
  station_code TEXT REFERENCES stations (code),
  created_at TEXT NOT NULL
);

CREATE TABLE enterprises (
  id TEXT PRIMARY KEY,
  uscc TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  contact_name TEXT NOT NULL,
  contact_phone_enc TEXT NOT NULL,
  contact_phone_masked TEXT NOT NULL,
  region_code TEXT NOT NULL REFERENCES regions (code),
  whitelist_status TEXT NOT NULL DEFAULT 'pending'
    CHECK (whitelist_status IN ('pending', 'active', 'suspended', 'removed')),
  whitelist_level TEXT CHECK (whitelist_level IN ('national', 'provincial', 'municipal')),
  created_at TEXT NOT NULL
);
CREATE INDEX enterprises_by_whitelist ON enterprises (whitelist_status, name);

-- Whitelist decisions are kept forever: who decided what, when and why.
CREATE TABLE whitelist_decisions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
  previous_status TEXT,
  previous_level TEXT,
  status TEXT NOT NULL,
  level TEXT,
  reason TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX whitelist_decisions_by_enterprise ON whitelist_decisions (enterprise_id, id);

-- Append-only record of every write. The hash chain over it is sealed separately (audit/).
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  before TEXT,
  after TEXT
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);

-- Small key/value store for settings the service manages itself (serial counters, seals).
CREATE TABLE service_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- Never holds a row: `abortUnless` inserts here only when a condition fails, which the CHECK
-- refuses, rolling back the whole atomic write (D1 batches cannot branch).
CREATE TABLE write_guards (
  ok INTEGER NOT NULL,
  CONSTRAINT write_guard_failed CHECK (ok = 1)
);
