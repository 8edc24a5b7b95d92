-- Registries (issue: facilities, social organizations, social workers and posts) and the
-- policy profile with its year-end target snapshots. Portable SQL; `{pk}` as in 0001.

-- Social organizations: the foundation's minimal table grows into the registry.
ALTER TABLE organizations ADD COLUMN registered BIGINT NOT NULL DEFAULT 1;
ALTER TABLE organizations ADD COLUMN credit_code TEXT;
ALTER TABLE organizations ADD COLUMN filing_no TEXT;
ALTER TABLE organizations ADD COLUMN authority TEXT;
ALTER TABLE organizations ADD COLUMN head TEXT;
ALTER TABLE organizations ADD COLUMN founded TEXT;
ALTER TABLE organizations ADD COLUMN address TEXT;
ALTER TABLE organizations ADD COLUMN domains TEXT NOT NULL DEFAULT '';
ALTER TABLE organizations ADD COLUMN staff BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN members BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE organizations ADD COLUMN annual_result TEXT NOT NULL DEFAULT 'none';
ALTER TABLE organizations ADD COLUMN blacklisted_until TEXT;
ALTER TABLE organizations ADD COLUMN blacklist_reason TEXT;
ALTER TABLE organizations ADD COLUMN community_org BIGINT NOT NULL DEFAULT 0;
ALTER TABLE organizations ADD COLUMN updated_at BIGINT NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX organizations_credit_idx ON organizations(credit_code);
CREATE UNIQUE INDEX organizations_filing_idx ON organizations(filing_no);
CREATE INDEX organizations_area_idx ON organizations(area_code, community_org, status);
CREATE INDEX organizations_kind_idx ON organizations(kind);

CREATE TABLE org_communities (
    org_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    area_code TEXT NOT NULL REFERENCES areas(code),
    PRIMARY KEY (org_id, area_code)
);
CREATE INDEX org_communities_area_idx ON org_communities(area_code);

CREATE TABLE incubation_bases (
    id {pk},
    area_code TEXT NOT NULL REFERENCES areas(code),
    name TEXT NOT NULL,
    address TEXT,
    opened TEXT,
    area_m2 BIGINT NOT NULL DEFAULT 0,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX incubation_bases_area_idx ON incubation_bases(area_code);

CREATE TABLE incubations (
    id {pk},
    base_id BIGINT NOT NULL REFERENCES incubation_bases(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    entered TEXT NOT NULL,
    graduated TEXT,
    funds_fen BIGINT NOT NULL DEFAULT 0,
    venue BIGINT NOT NULL DEFAULT 0,
    training_hours BIGINT NOT NULL DEFAULT 0,
    notes TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (base_id, org_id)
);

CREATE TABLE federations (
    id {pk},
    area_code TEXT NOT NULL REFERENCES areas(code),
    name TEXT NOT NULL,
    founded TEXT,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX federations_area_idx ON federations(area_code);

CREATE TABLE federation_members (
    federation_id BIGINT NOT NULL REFERENCES federations(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    joined TEXT,
    PRIMARY KEY (federation_id, org_id)
);

-- Community foundations' fund ledger: append-only, each entry carries the running balance.
CREATE TABLE fund_entries (
    id {pk},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    entry_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    balance_fen BIGINT NOT NULL CHECK (balance_fen >= 0),
    counterparty TEXT,
    memo TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX fund_entries_org_idx ON fund_entries(org_id, id);

CREATE TABLE facilities (
    id {pk},
    area_code TEXT NOT NULL REFERENCES areas(code),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    area_m2_centi BIGINT NOT NULL CHECK (area_m2_centi >= 0),
    address TEXT,
    hours TEXT NOT NULL DEFAULT '',
    daily_minutes BIGINT NOT NULL DEFAULT 0,
    functions TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX facilities_area_idx ON facilities(area_code, status, kind);

CREATE TABLE facility_photos (
    id {pk},
    facility_id BIGINT NOT NULL REFERENCES facilities(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX facility_photos_facility_idx ON facility_photos(facility_id);

-- Social workers. ID and phone numbers are stored SM4-encrypted with an HMAC-SM3 blind
-- index for exact look-up and a masked form for display; the key is never in the database.
CREATE TABLE social_workers (
    id {pk},
    name TEXT NOT NULL,
    id_cipher TEXT NOT NULL,
    id_blind TEXT NOT NULL UNIQUE,
    id_masked TEXT NOT NULL,
    phone_cipher TEXT,
    phone_blind TEXT,
    phone_masked TEXT,
    gender TEXT NOT NULL,
    birth_date TEXT NOT NULL,
    area_code TEXT REFERENCES areas(code),
    employer_org_id BIGINT REFERENCES organizations(id),
    employer_kind TEXT NOT NULL,
    cert_level TEXT NOT NULL DEFAULT 'none',
    cert_no TEXT,
    cert_year BIGINT,
    committee_member BIGINT NOT NULL DEFAULT 0,
    fulltime BIGINT NOT NULL DEFAULT 0,
    project_staff BIGINT NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'active',
    user_id BIGINT REFERENCES users(id),
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX social_workers_area_idx ON social_workers(area_code);
CREATE INDEX social_workers_org_idx ON social_workers(employer_org_id);
CREATE INDEX social_workers_phone_idx ON social_workers(phone_blind);

CREATE TABLE worker_registrations (
    id {pk},
    worker_id BIGINT NOT NULL REFERENCES social_workers(id) ON DELETE CASCADE,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    number TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX worker_registrations_worker_idx ON worker_registrations(worker_id);

CREATE TABLE cpd_entries (
    id {pk},
    worker_id BIGINT NOT NULL REFERENCES social_workers(id) ON DELETE CASCADE,
    entry_date TEXT NOT NULL,
    hours_tenths BIGINT NOT NULL CHECK (hours_tenths > 0),
    topic TEXT NOT NULL,
    provider TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX cpd_entries_worker_idx ON cpd_entries(worker_id, entry_date);

CREATE TABLE worker_subsidies (
    id {pk},
    worker_id BIGINT NOT NULL REFERENCES social_workers(id) ON DELETE CASCADE,
    year BIGINT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    paid_on TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX worker_subsidies_worker_idx ON worker_subsidies(worker_id);

CREATE TABLE posts (
    id {pk},
    area_code TEXT NOT NULL REFERENCES areas(code),
    title TEXT NOT NULL,
    professional BIGINT NOT NULL DEFAULT 0,
    committee BIGINT NOT NULL DEFAULT 0,
    holder_id BIGINT REFERENCES social_workers(id),
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX posts_area_idx ON posts(area_code);
CREATE INDEX posts_holder_idx ON posts(holder_id);

CREATE TABLE policy_profiles (
    year BIGINT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE target_snapshots (
    year BIGINT NOT NULL,
    area_code TEXT NOT NULL REFERENCES areas(code),
    body TEXT NOT NULL,
    taken_at BIGINT NOT NULL,
    taken_by TEXT NOT NULL,
    PRIMARY KEY (year, area_code)
);
