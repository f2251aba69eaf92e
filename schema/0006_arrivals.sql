-- Pre-arrival reports (报备): a receiving enterprise tells the entry checkpoint what is coming.

CREATE TABLE arrival_reports (
  id TEXT PRIMARY KEY,
  enterprise_id TEXT NOT NULL REFERENCES enterprises (id),
  plate TEXT NOT NULL,
  pass_number TEXT,
  checkpoint_code TEXT NOT NULL REFERENCES checkpoints (code),
  expected_from TEXT NOT NULL,
  expected_until TEXT NOT NULL,
  -- JSON array like applications.crew: ID numbers and phones encrypted, masked copies beside them.
  crew TEXT NOT NULL,
  reported_late INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  arrived_at TEXT,
  arrived_loop_id TEXT REFERENCES loops (id),
  arrived_scan_id TEXT
);
CREATE INDEX arrival_reports_by_checkpoint ON arrival_reports (checkpoint_code, expected_from);
CREATE INDEX arrival_reports_by_plate ON arrival_reports (plate, expected_from);
CREATE INDEX arrival_reports_by_enterprise ON arrival_reports (enterprise_id, expected_from);
CREATE INDEX arrival_reports_by_loop ON arrival_reports (arrived_loop_id);
