-- Foundation: areas, organizations (minimal), accounts, sessions, API tokens, audit log.
-- Portable SQL; `{pk}` becomes the backend's auto-increment primary key.
CREATE TABLE areas (
    code TEXT PRIMARY KEY,
    parent_code TEXT REFERENCES areas(code),
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    urban BIGINT NOT NULL,
    urban_overridden BIGINT NOT NULL DEFAULT 0,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX areas_parent_idx ON areas(parent_code);
CREATE INDEX areas_level_idx ON areas(level);

CREATE TABLE area_populations (
    area_code TEXT NOT NULL REFERENCES areas(code),
    year BIGINT NOT NULL,
    residents BIGINT NOT NULL,
    households BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (area_code, year)
);

CREATE TABLE organizations (
    id {pk},
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    area_code TEXT REFERENCES areas(code),
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id {pk},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    scope_area TEXT REFERENCES areas(code),
    scope_org BIGINT REFERENCES organizations(id),
    password_hash TEXT NOT NULL,
    locale TEXT,
    locked BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    password_changed_at BIGINT NOT NULL,
    last_login_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_role_idx ON users(role);

CREATE TABLE login_failures (
    id {pk},
    username TEXT NOT NULL,
    at BIGINT NOT NULL,
    client TEXT
);
CREATE INDEX login_failures_user_at_idx ON login_failures(username, at);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    client TEXT
);
CREATE INDEX sessions_user_idx ON sessions(user_id);

CREATE TABLE api_tokens (
    id {pk},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user_idx ON api_tokens(user_id);

CREATE TABLE audit_log (
    id {pk},
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT,
    summary TEXT NOT NULL,
    outcome TEXT NOT NULL,
    client TEXT,
    request_id TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log(at);
CREATE INDEX audit_log_actor_idx ON audit_log(actor_name, at);
CREATE INDEX audit_log_object_idx ON audit_log(object_type, object_id);
