-- `service_state` was meant for settings the service keeps itself; nothing ever read or wrote it
-- (pass serials come from `passes`, seals from `audit_seals`).
DROP TABLE service_state;
