-- A firm reads the alerts on its own trucks by status, most urgent first (issue 19, GET
-- /api/v1/alerts as an enterprise). With only alerts_by_enterprise, SQLite walks
-- alerts_by_status_urgency instead and tests every alert of that status ever raised for the firm
-- (for `resolved`: the whole history); this index seeks the firm's alerts of one status, already in
-- the list's order (the same terms as alerts_by_status_urgency). The firm's loops need nothing
-- new: loops_by_enterprise (0004) serves every filter of its list.
CREATE INDEX alerts_by_enterprise_status_urgency ON alerts (enterprise_id, status, (CASE kind WHEN 'pcr_positive' THEN 0 WHEN 'antigen_positive' THEN 1 WHEN 'destination_overdue' THEN 2 ELSE 3 END), opened_at DESC);
