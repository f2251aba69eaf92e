-- Tamper evidence for the audit log, and indexes for the firm compliance report.

-- hash = SHA-256(previous hash || canonical entry), filled in order by the sealer (audit/chain.ts).
ALTER TABLE audit_log ADD COLUMN hash TEXT;

-- The chain head, signed with the service key from time to time: rewriting history after a seal
-- would need the private key.
CREATE TABLE audit_seals (
  seq INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  at TEXT NOT NULL,
  kid TEXT NOT NULL,
  token TEXT NOT NULL
);

CREATE INDEX passes_by_enterprise_issued ON passes (enterprise_id, issued_at);
CREATE INDEX alerts_by_loop ON alerts (loop_id, opened_at);
CREATE INDEX scans_failed_by_enterprise ON scans (enterprise_id, received_at) WHERE verdict = 'invalid';
