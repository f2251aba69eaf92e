-- Who saw personal data in full (issue 21): each reveal is an audit entry `personal.reveal`, and
-- the coordinators' list of them reads the newest first by action, not by walking the whole log.
CREATE INDEX audit_log_by_action ON audit_log (action, seq);
