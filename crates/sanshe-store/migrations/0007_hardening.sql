-- Sign-in throttling by client address as well as by user name.
CREATE INDEX login_failures_client_at_idx ON login_failures(client, at);
-- A lockout no longer writes to the account (the holder's sessions and tokens live on);
-- lockouts set by earlier versions end now.
UPDATE users SET locked_until = NULL WHERE locked_until IS NOT NULL;
