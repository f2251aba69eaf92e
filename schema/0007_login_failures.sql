-- Failed sign-ins, to slow and then refuse password guessing per account and per address.
CREATE TABLE login_failures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- HMAC of the lower-cased user name: people sign in with phone numbers too.
  account_key TEXT NOT NULL,
  address TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX login_failures_by_account ON login_failures (account_key, at);
CREATE INDEX login_failures_by_address ON login_failures (address, at);
