-- Nationwide trust (issue 17): another issuer may be registered with the addresses of its JWKS and
-- its IETF Token Status List; trust/refresh-issuers.ts fetches both every TRUST_REFRESH_SECONDS,
-- verifies the list with that issuer's keys and keeps the last good copy here.
ALTER TABLE trusted_issuers ADD COLUMN jwks_url TEXT;
ALTER TABLE trusted_issuers ADD COLUMN status_list_url TEXT;
-- The issuer's own signed status list JWT, unchanged (the trust bundle hands it to scanners as is).
ALTER TABLE trusted_issuers ADD COLUMN status_list TEXT;
-- The list's `version` claim (or its `iat` where the issuer sends no version): a list older than
-- the one held is never accepted.
ALTER TABLE trusted_issuers ADD COLUMN status_list_version INTEGER;
ALTER TABLE trusted_issuers ADD COLUMN status_list_iat INTEGER;
-- The HTTP validators the issuer answered with, sent back as If-None-Match on the next fetch.
ALTER TABLE trusted_issuers ADD COLUMN status_list_etag TEXT;
ALTER TABLE trusted_issuers ADD COLUMN jwks_etag TEXT;
-- When the held copy was last obtained or confirmed current (a 304 confirms it).
ALTER TABLE trusted_issuers ADD COLUMN fetched_at TEXT;
ALTER TABLE trusted_issuers ADD COLUMN last_error TEXT;
ALTER TABLE trusted_issuers ADD COLUMN last_error_at TEXT;
-- Consecutive failed refreshes, the first of them, and when coordinators were alerted about it.
ALTER TABLE trusted_issuers ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE trusted_issuers ADD COLUMN failing_since TEXT;
ALTER TABLE trusted_issuers ADD COLUMN alert_opened_at TEXT;
