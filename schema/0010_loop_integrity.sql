-- Integrity of the loop (issue 14): late events, who a loop involves, alert rounds.

-- An event whose device time was more than 24 h before it reached the server: accepted, marked.
ALTER TABLE loop_events ADD COLUMN late INTEGER NOT NULL DEFAULT 0;

-- The checkpoints a loop involves (loops/involvement.ts): its entry, every checkpoint that recorded
-- an event on it, its release destination. Checkpoint staff see and write only these loops; the
-- list walks one checkpoint's rows newest first and stops at the page size. Rows are only added
-- (by the loop's projection); `open` follows the loop's closed_at so open lists skip closed history.
CREATE TABLE loop_checkpoints (
  loop_id TEXT NOT NULL,
  checkpoint_code TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  open INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (loop_id, checkpoint_code)
) WITHOUT ROWID;
CREATE INDEX loop_checkpoints_by_code ON loop_checkpoints (checkpoint_code, opened_at, loop_id);
CREATE INDEX loop_checkpoints_open_by_code ON loop_checkpoints (checkpoint_code, opened_at, loop_id) WHERE open = 1;

INSERT OR IGNORE INTO loop_checkpoints (loop_id, checkpoint_code, opened_at, open)
  SELECT id, entry_checkpoint_code, opened_at, closed_at IS NULL FROM loops;
INSERT OR IGNORE INTO loop_checkpoints (loop_id, checkpoint_code, opened_at, open)
  SELECT id, destination_code, opened_at, closed_at IS NULL FROM loops WHERE destination_code IS NOT NULL;
INSERT OR IGNORE INTO loop_checkpoints (loop_id, checkpoint_code, opened_at, open)
  SELECT DISTINCT loops.id, loop_events.checkpoint_code, loops.opened_at, loops.closed_at IS NULL
  FROM loop_events JOIN loops ON loops.id = loop_events.loop_id WHERE loop_events.checkpoint_code != '';

-- Alerts per round: after a coordinator orders a retest, a positive retest (or an overdue result
-- of the new sample) must open a new alert, and a missed deadline a coordinator moved likewise.
-- SQLite cannot drop the old UNIQUE (loop_id, kind), so the table is rebuilt (nothing refers to it).
-- `outcome`: what the resolution of a positive result allowed (alerts/resolve-outcome.ts).
CREATE TABLE alerts_next (
  id TEXT PRIMARY KEY,
  loop_id TEXT NOT NULL REFERENCES loops (id),
  kind TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
  opened_at TEXT NOT NULL,
  details TEXT NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at TEXT,
  resolved_by TEXT,
  resolved_at TEXT,
  note TEXT,
  enterprise_id TEXT,
  round INTEGER NOT NULL DEFAULT 0,
  outcome TEXT,
  UNIQUE (loop_id, kind, round)
);
INSERT INTO alerts_next (id, loop_id, kind, status, opened_at, details, acknowledged_by, acknowledged_at, resolved_by, resolved_at, note, enterprise_id)
  SELECT id, loop_id, kind, status, opened_at, details, acknowledged_by, acknowledged_at, resolved_by, resolved_at, note, enterprise_id FROM alerts;
DROP TABLE alerts;
ALTER TABLE alerts_next RENAME TO alerts;
CREATE INDEX alerts_by_status ON alerts (status, opened_at);
CREATE INDEX alerts_by_loop ON alerts (loop_id, opened_at);
CREATE INDEX alerts_by_enterprise ON alerts (enterprise_id, opened_at);
CREATE INDEX alerts_by_status_urgency ON alerts (status, (CASE kind WHEN 'pcr_positive' THEN 0 WHEN 'antigen_positive' THEN 1 WHEN 'destination_overdue' THEN 2 ELSE 3 END), opened_at DESC);
