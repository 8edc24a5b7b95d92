-- Government purchase of services: budget lines, the yearly catalog, purchase projects with
-- their calls for applications, and applications with their teams.

-- An organization's rating (社会组织评估等级, 1–5 A; 0 = not rated).
ALTER TABLE organizations ADD COLUMN rating BIGINT NOT NULL DEFAULT 0;

-- A budget line funds catalog items; what approved projects reserve (`committed_fen`) can
-- never exceed its amount. Reservations move by one atomic UPDATE that refuses to overdraw.
CREATE TABLE budget_lines (
    id {pk},
    district TEXT NOT NULL REFERENCES areas(code),
    year BIGINT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    committed_fen BIGINT NOT NULL DEFAULT 0 CHECK (committed_fen >= 0 AND committed_fen <= amount_fen),
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (district, year, code)
);

-- One catalog per district and year (a workflow: draft ⇄ published).
CREATE TABLE catalogs (
    id {pk},
    district TEXT NOT NULL REFERENCES areas(code),
    year BIGINT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (district, year)
);

CREATE TABLE catalog_items (
    id {pk},
    catalog_id BIGINT NOT NULL REFERENCES catalogs(id),
    code TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES need_categories(code),
    name TEXT NOT NULL,
    content TEXT NOT NULL,
    standards TEXT NOT NULL DEFAULT '',
    -- Allowed organization kinds, comma-separated; '' = any kind.
    provider_kinds TEXT NOT NULL DEFAULT '',
    min_rating BIGINT NOT NULL DEFAULT 0 CHECK (min_rating >= 0 AND min_rating <= 5),
    price_ceiling_fen BIGINT NOT NULL CHECK (price_ceiling_fen > 0),
    budget_line_id BIGINT NOT NULL REFERENCES budget_lines(id),
    -- The officer's classification against 102号令 Art. 10; only 'service' is stored.
    nature TEXT NOT NULL CHECK (nature = 'service'),
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (catalog_id, code)
);
CREATE INDEX catalog_items_line_idx ON catalog_items(budget_line_id);

-- A purchase project and its call for applications (one contracting process).
CREATE TABLE projects (
    id {pk},
    district TEXT NOT NULL REFERENCES areas(code),
    year BIGINT NOT NULL,
    item_id BIGINT NOT NULL REFERENCES catalog_items(id),
    proposal_id BIGINT REFERENCES proposals(id),
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    -- What this project holds on its item's budget line (the amount once approved, 0 after
    -- cancelling).
    reserved_fen BIGINT NOT NULL DEFAULT 0 CHECK (reserved_fen >= 0),
    beneficiaries BIGINT NOT NULL DEFAULT 0,
    service_hours BIGINT NOT NULL DEFAULT 0,
    activities BIGINT NOT NULL DEFAULT 0,
    outcomes TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL,
    justification TEXT NOT NULL DEFAULT '',
    single_source_org BIGINT REFERENCES organizations(id),
    min_team BIGINT NOT NULL DEFAULT 0,
    min_intermediate BIGINT NOT NULL DEFAULT 0,
    one_per_org BIGINT NOT NULL DEFAULT 1,
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    apply_days BIGINT NOT NULL,
    published_on TEXT,
    -- The last day applications are accepted (YYYY-MM-DD, China time), set on publishing.
    deadline TEXT,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX projects_district_idx ON projects(district, year, state);
CREATE INDEX projects_item_idx ON projects(item_id);

CREATE TABLE project_communities (
    project_id BIGINT NOT NULL REFERENCES projects(id),
    area_code TEXT NOT NULL REFERENCES areas(code),
    PRIMARY KEY (project_id, area_code)
);
CREATE INDEX project_communities_area_idx ON project_communities(area_code);

CREATE TABLE applications (
    id {pk},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    -- 'project/org' while the application counts against one-per-organization; cleared when
    -- withdrawn. The unique index is what makes the rule hold under parallel saves.
    one_key TEXT UNIQUE,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    needs_analysis TEXT NOT NULL DEFAULT '',
    plan TEXT NOT NULL DEFAULT '',
    outputs TEXT NOT NULL DEFAULT '',
    outcomes TEXT NOT NULL DEFAULT '',
    budget_breakdown TEXT NOT NULL DEFAULT '',
    direct_beneficiaries BIGINT NOT NULL DEFAULT 0,
    indirect_beneficiaries BIGINT NOT NULL DEFAULT 0,
    declared BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    submitted_at BIGINT,
    created_by BIGINT,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applications_project_idx ON applications(project_id, state);
CREATE INDEX applications_org_idx ON applications(org_id);

CREATE TABLE application_team (
    application_id BIGINT NOT NULL REFERENCES applications(id),
    worker_id BIGINT NOT NULL REFERENCES social_workers(id),
    position BIGINT NOT NULL,
    PRIMARY KEY (application_id, worker_id)
);
CREATE INDEX application_team_worker_idx ON application_team(worker_id);
