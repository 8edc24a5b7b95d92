-- Resident needs and project proposals (the first workflows), the workflow history every
-- workflow appends to, the in-app inbox, and scheduled jobs kept in the database.

-- Every transition of every workflow: who, when, from, to, event, note. Append-only.
CREATE TABLE workflow_history (
    id {pk},
    kind TEXT NOT NULL,
    record_id BIGINT NOT NULL,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor_name TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    event TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX workflow_history_record_idx ON workflow_history(kind, record_id, id);

-- The configurable list of need categories (defaults: the policy's ten priority categories).
CREATE TABLE need_categories (
    code TEXT PRIMARY KEY,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('community_affairs', '社区事务', 'Community affairs', 1);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('elderly_disabled', '养老助残', 'Elderly and disability care', 2);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('social_work', '社工服务', 'Social-work services', 3);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('public_welfare', '公益服务', 'Public-welfare services', 4);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('counselling', '心理疏导', 'Psychological counselling', 5);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('community_correction', '社区矫正', 'Community correction', 6);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('charity_relief', '慈善救济', 'Charitable relief', 7);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('social_assistance', '社会救助', 'Social assistance', 8);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('legal_aid', '法律援助', 'Legal aid', 9);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('mediation', '矛盾化解', 'Dispute mediation', 10);
INSERT INTO need_categories (code, name_zh, name_en, position) VALUES ('other', '其他', 'Other', 99);

CREATE TABLE proposals (
    id {pk},
    -- The street or district whose staff keep the proposal.
    owner_area TEXT NOT NULL REFERENCES areas(code),
    title TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES need_categories(code),
    description TEXT NOT NULL DEFAULT '',
    beneficiaries BIGINT NOT NULL DEFAULT 0 CHECK (beneficiaries >= 0),
    budget_fen BIGINT NOT NULL DEFAULT 0 CHECK (budget_fen >= 0),
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX proposals_owner_idx ON proposals(owner_area, state);

CREATE TABLE proposal_communities (
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    area_code TEXT NOT NULL REFERENCES areas(code),
    PRIMARY KEY (proposal_id, area_code)
);
CREATE INDEX proposal_communities_area_idx ON proposal_communities(area_code);

CREATE TABLE needs (
    id {pk},
    area_code TEXT NOT NULL REFERENCES areas(code),
    category TEXT NOT NULL REFERENCES need_categories(code),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    people BIGINT NOT NULL CHECK (people >= 1),
    urgency TEXT NOT NULL,
    channel TEXT NOT NULL,
    -- The resident's account when raised online; staff record others on a resident's behalf.
    resident_user_id BIGINT REFERENCES users(id),
    contact_name_enc TEXT,
    contact_name_masked TEXT NOT NULL DEFAULT '',
    phone_enc TEXT,
    phone_masked TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    -- The first response (acceptance or rejection) is due by this date (YYYY-MM-DD).
    due_on TEXT NOT NULL,
    responded_at BIGINT,
    reminded_at BIGINT,
    reply TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    proposal_id BIGINT REFERENCES proposals(id),
    created_by BIGINT,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX needs_area_idx ON needs(area_code, state);
CREATE INDEX needs_state_due_idx ON needs(state, due_on);
CREATE INDEX needs_resident_idx ON needs(resident_user_id);
CREATE INDEX needs_proposal_idx ON needs(proposal_id);

-- Every user's in-app notices.
CREATE TABLE inbox (
    id {pk},
    user_id BIGINT NOT NULL REFERENCES users(id),
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    read_at BIGINT
);
CREATE INDEX inbox_user_idx ON inbox(user_id, read_at, id);

-- Scheduled work kept in the database: a server runs a job only after taking its lease by
-- compare-and-set, so with several servers on one database each run happens once.
CREATE TABLE jobs (
    name TEXT PRIMARY KEY,
    next_run_at BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until BIGINT,
    last_run_at BIGINT,
    last_result TEXT NOT NULL DEFAULT '',
    runs BIGINT NOT NULL DEFAULT 0
);
INSERT INTO jobs (name, next_run_at) VALUES ('needs.deadlines', 0);
