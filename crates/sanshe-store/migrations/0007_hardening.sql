-- Sign-in throttling by client address as well as by user name.
CREATE INDEX login_failures_client_at_idx ON login_failures(client, at);
-- A lockout no longer writes to the account (the holder's sessions and tokens live on);
-- lockouts set by earlier versions end now.
UPDATE users SET locked_until = NULL WHERE locked_until IS NOT NULL;
-- A password set by an administrator is one-time: its holder must change it at first login.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
