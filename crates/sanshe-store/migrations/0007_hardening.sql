-- Sign-in throttling by client address as well as by user name.
CREATE INDEX login_failures_client_at_idx ON login_failures(client, at);
-- A lockout no longer writes to the account (the holder's sessions and tokens live on);
-- lockouts set by earlier versions end now.
UPDATE users SET locked_until = NULL WHERE locked_until IS NOT NULL;
-- A password set by an administrator is one-time: its holder must change it at first login.
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
-- Two-factor sign-in for administrators (TOTP, RFC 6238): the secret SM4-encrypted, the
-- last time step accepted (no code works twice), one-time recovery codes as SM3 digests.
ALTER TABLE users ADD COLUMN totp_secret_enc TEXT;
ALTER TABLE users ADD COLUMN totp_enabled BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
-- A session whose password was right but whose second factor is still to come.
ALTER TABLE sessions ADD COLUMN mfa_pending BIGINT NOT NULL DEFAULT 0;
CREATE TABLE mfa_recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
-- The personal-data keys this database was written with (their short ids): a process with
-- another key refuses to start instead of writing what nobody can read or match.
CREATE TABLE pii_keys (
    key_id TEXT PRIMARY KEY,
    recorded_at BIGINT NOT NULL
);
-- A facility's days by opening, longest first: seven 4-digit minute counts (the opening-hours
-- target asks for D days of at least H hours; D and H are in the policy profile). Filled
-- from `hours` by the application; '' = never open or not yet computed.
ALTER TABLE facilities ADD COLUMN open_profile TEXT NOT NULL DEFAULT '';
-- Year-end snapshots are versioned: a new one replaces the reported figures only with a
-- reason, and the one it replaces is kept.
ALTER TABLE target_snapshots ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE target_snapshots ADD COLUMN reason TEXT;
CREATE TABLE target_snapshot_history (
    year BIGINT NOT NULL,
    area_code TEXT NOT NULL REFERENCES areas(code),
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    taken_at BIGINT NOT NULL,
    taken_by TEXT NOT NULL,
    reason TEXT,
    superseded_at BIGINT NOT NULL,
    PRIMARY KEY (year, area_code, version)
);
-- An organization's name as compared (sanshe_domain::text::name_key), kept beside the name
-- so that look-alike names are found by index; filled by the application.
ALTER TABLE organizations ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
CREATE INDEX organizations_name_key_idx ON organizations(name_key);
-- Self-reported facts waiting for verification (a workflow: pending → approved | rejected |
-- withdrawn). `changes` is JSON: [[field, old value, new value], …] in import-cell form.
CREATE TABLE fact_changes (
    id {pk},
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    area_code TEXT,
    changes TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    requested_by BIGINT REFERENCES users(id),
    requested_name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX fact_changes_state_idx ON fact_changes(kind, state, area_code);
CREATE INDEX fact_changes_record_idx ON fact_changes(kind, record_id);
