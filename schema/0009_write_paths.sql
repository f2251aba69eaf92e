-- Every index is paid for on every insert, and each scan writes a scans row and opens or moves a
-- loop. These indexes served no query: failed scans are read through scans_failed_by_enterprise,
-- nothing looks scans up by pass or checkpoint, loops are not looked up by pass, and a loop state
-- other than `closed` is found through the open-loop index (closed_at IS NULL), `closed` by time.
DROP INDEX scans_by_pass;
DROP INDEX scans_by_checkpoint;
DROP INDEX scans_by_enterprise;
DROP INDEX loops_by_pass;
DROP INDEX loops_by_state;

-- The coordinators' "alerting" list: few loops alert, so this costs an insert only when one does.
CREATE INDEX loops_alerting ON loops (opened_at) WHERE alerting = 1;

-- The alerts list of one status, most urgent first (alerts/urgency.ts), read straight off an
-- index instead of sorting every open alert: the expression must match alertKindOrder exactly.
CREATE INDEX alerts_by_status_urgency ON alerts (status, (CASE kind WHEN 'pcr_positive' THEN 0 WHEN 'antigen_positive' THEN 1 WHEN 'destination_overdue' THEN 2 ELSE 3 END), opened_at DESC);
