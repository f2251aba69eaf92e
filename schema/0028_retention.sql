-- Retention (issue 21): the daily purge reads, per table, the rows still holding personal data
-- in the order they were made, up to the cutoff. Erased rows leave these indexes, so each stays
-- about one retention period (plus trips kept by an open loop or alert) large, and the purge
-- never walks the years of erased rows. One index entry more per insert; scans had no index on
-- received_at at all (0009 dropped those that served no query).
CREATE INDEX applications_held ON applications (created_at, id) WHERE personal_erased_at IS NULL;
CREATE INDEX arrival_reports_held ON arrival_reports (created_at, id) WHERE personal_erased_at IS NULL;
CREATE INDEX scans_held ON scans (received_at, id) WHERE personal_erased_at IS NULL;
