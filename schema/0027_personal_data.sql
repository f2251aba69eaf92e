-- Personal data lifecycle (issue 21). Crew names are sealed like ID numbers and phones: the crew
-- JSON changes shape in place (privacy/upgrade-personal-data.ts, run on start and by the cron;
-- SQL cannot encrypt). A row whose personal data was erased (retention, a subject's request,
-- decommission) keeps its plate and pass number for the audit and says when it lost the rest.
ALTER TABLE applications ADD COLUMN personal_erased_at TEXT;
ALTER TABLE arrival_reports ADD COLUMN personal_erased_at TEXT;
ALTER TABLE scans ADD COLUMN personal_erased_at TEXT;

-- The end of the service (npm run decommission, or the admin endpoint): one row, once, with
-- the report of what was done.
CREATE TABLE decommissions (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  report TEXT NOT NULL
);
