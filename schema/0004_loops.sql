-- Scans, loops (one vehicle's stay), their events, and alerts.

CREATE TABLE loops (
  id TEXT PRIMARY KEY,
  plate TEXT NOT NULL,
  pass_number TEXT,
  enterprise_id TEXT,
  entry_checkpoint_code TEXT NOT NULL REFERENCES checkpoints (code),
  opened_at TEXT NOT NULL,
  opened_by TEXT NOT NULL,
  manual INTEGER NOT NULL DEFAULT 0,
  -- The rest is a projection of loop_events (see loops/fold.ts), rebuilt after every change.
  state TEXT NOT NULL DEFAULT 'arrived',
  alerting INTEGER NOT NULL DEFAULT 0,
  sampled_at TEXT,
  pcr_result TEXT,
  released_at TEXT,
  release_deadline TEXT,
  destination_code TEXT,
  destination_arrived_at TEXT,
  last_checkpoint_code TEXT,
  negative_since TEXT,
  result_due_at TEXT,
  destination_due_at TEXT,
  flagged_events INTEGER NOT NULL DEFAULT 0,
  closed_at TEXT,
  closed_note TEXT,
  closed_by TEXT,
  -- 1 while events arrived that the projection has not taken in yet (the sweep finishes it).
  dirty INTEGER NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL
);
-- One open loop per vehicle: a second arrival scan cannot race past it.
CREATE UNIQUE INDEX loops_one_open_per_plate ON loops (plate) WHERE closed_at IS NULL;
CREATE INDEX loops_by_state ON loops (state, opened_at);
CREATE INDEX loops_by_opened ON loops (opened_at);
CREATE INDEX loops_by_plate ON loops (plate, opened_at);
CREATE INDEX loops_by_entry ON loops (entry_checkpoint_code, opened_at);
CREATE INDEX loops_by_last_checkpoint ON loops (last_checkpoint_code, opened_at);
CREATE INDEX loops_by_enterprise ON loops (enterprise_id, opened_at);
CREATE INDEX loops_by_pass ON loops (pass_number);
CREATE INDEX loops_result_due ON loops (result_due_at) WHERE closed_at IS NULL AND result_due_at IS NOT NULL;
CREATE INDEX loops_destination_due ON loops (destination_due_at) WHERE closed_at IS NULL AND destination_due_at IS NOT NULL;
CREATE INDEX loops_dirty ON loops (dirty) WHERE dirty = 1;

CREATE TABLE loop_events (
  id TEXT PRIMARY KEY,
  loop_id TEXT NOT NULL REFERENCES loops (id),
  kind TEXT NOT NULL,
  at TEXT NOT NULL,
  checkpoint_code TEXT NOT NULL,
  data TEXT,
  recorded_by TEXT NOT NULL,
  received_at TEXT NOT NULL,
  -- Why the event made no sense where it fell in the loop, if it did (kept, never dropped).
  flag TEXT
);
-- rowid is the arrival order, used to break ties between equal device times.
CREATE INDEX loop_events_by_loop ON loop_events (loop_id, at);

CREATE TABLE scans (
  id TEXT PRIMARY KEY,
  checkpoint_code TEXT NOT NULL,
  account_id TEXT NOT NULL,
  scanned_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  pass_number TEXT,
  plate TEXT,
  observed_plate TEXT,
  enterprise_id TEXT,
  verdict TEXT NOT NULL,
  reasons TEXT NOT NULL,
  action TEXT NOT NULL,
  loop_id TEXT,
  -- The raw request as sent (capped), so an auditor sees every attempt, failed ones too.
  raw TEXT NOT NULL,
  -- The answer given, replayed as it was if the same scan id comes again.
  response TEXT NOT NULL
);
CREATE INDEX scans_by_pass ON scans (pass_number, received_at);
CREATE INDEX scans_by_enterprise ON scans (enterprise_id, verdict, received_at);
CREATE INDEX scans_by_checkpoint ON scans (checkpoint_code, received_at);

CREATE TABLE alerts (
  id TEXT PRIMARY KEY,
  loop_id TEXT NOT NULL REFERENCES loops (id),
  kind TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  opened_at TEXT NOT NULL,
  -- JSON: plate, pass, who to tell (destination, last checkpoint), the due time passed.
  details TEXT NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at TEXT,
  resolved_by TEXT,
  resolved_at TEXT,
  note TEXT,
  UNIQUE (loop_id, kind)
);
CREATE INDEX alerts_by_status ON alerts (status, opened_at);
