-- A pre-arrival report may name the firm's slot booking at a transfer station (issue 20).
ALTER TABLE arrival_reports ADD COLUMN booking_id TEXT;
