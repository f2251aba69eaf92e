-- Scans: a scan whose device time is more than 24 h before it reached the server is kept and
-- marked late; and a repeated scan id is answered from the stored scan only when its request is
-- the same, which the hash of the normalised, masked request decides (NULL for older scans).
ALTER TABLE scans ADD COLUMN late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE scans ADD COLUMN request_hash TEXT;
