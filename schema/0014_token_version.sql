-- Sign-out and password changes revoke the login tokens issued before them: every login token
-- carries the account's token version, and the auth middleware (which reads the account on every
-- request anyway) refuses a token whose version is older than the account's.
ALTER TABLE accounts ADD COLUMN token_version INTEGER NOT NULL DEFAULT 0;
