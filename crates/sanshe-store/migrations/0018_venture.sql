-- Venture philanthropy (公益创投): a district's rounds, the projects organizations bring to
-- them, reviewers' scores, residents' votes and debarments. What a round's awards commit never
-- exceeds its pools: `committed_*_fen` moves by one atomic UPDATE that refuses to overdraw,
-- and the CHECKs hold it in the database whatever the code does.
CREATE TABLE venture_rounds (
    id {pk},
    district TEXT NOT NULL REFERENCES areas(code),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- One topic per line.
    topics TEXT NOT NULL,
    pool_fiscal_fen BIGINT NOT NULL CHECK (pool_fiscal_fen >= 0),
    pool_charity_fen BIGINT NOT NULL CHECK (pool_charity_fen >= 0),
    committed_fiscal_fen BIGINT NOT NULL DEFAULT 0
        CHECK (committed_fiscal_fen >= 0 AND committed_fiscal_fen <= pool_fiscal_fen),
    committed_charity_fen BIGINT NOT NULL DEFAULT 0
        CHECK (committed_charity_fen >= 0 AND committed_charity_fen <= pool_charity_fen),
    -- Award tiers in fen, ascending, comma-separated.
    tiers TEXT NOT NULL,
    review_mode TEXT NOT NULL CHECK (review_mode IN ('roadshow', 'desk')),
    apply_until TEXT NOT NULL,
    notice_days BIGINT NOT NULL,
    -- The last day of the finalists' notice and its vote (set when announced).
    vote_until TEXT,
    vote_top_n BIGINT NOT NULL,
    vote_bonus BIGINT NOT NULL,
    matched_unit_fen BIGINT NOT NULL CHECK (matched_unit_fen > 0),
    matched_cap BIGINT NOT NULL,
    first_days BIGINT NOT NULL,
    first_share BIGINT NOT NULL CHECK (first_share > 0 AND first_share <= 100),
    debar_years BIGINT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_by BIGINT REFERENCES users(id),
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX venture_rounds_district_idx ON venture_rounds(district, year, id);

CREATE TABLE venture_projects (
    id {pk},
    round_id BIGINT NOT NULL REFERENCES venture_rounds(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    -- 'round/org' while the project counts against one-per-organization (cleared on
    -- withdrawal): the unique index is what holds the rule under parallel saves.
    one_key TEXT UNIQUE,
    title TEXT NOT NULL,
    topic TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    plan TEXT NOT NULL DEFAULT '',
    beneficiaries BIGINT NOT NULL DEFAULT 0,
    tier_fen BIGINT NOT NULL CHECK (tier_fen > 0),
    matched_fen BIGINT NOT NULL DEFAULT 0 CHECK (matched_fen >= 0),
    -- The organization declares the project is not funded elsewhere (or at a higher level).
    not_funded_elsewhere BIGINT NOT NULL DEFAULT 0,
    score_tenths BIGINT,
    reviewers BIGINT NOT NULL DEFAULT 0,
    votes BIGINT NOT NULL DEFAULT 0,
    matched_tenths BIGINT NOT NULL DEFAULT 0,
    vote_tenths BIGINT NOT NULL DEFAULT 0,
    total_tenths BIGINT,
    award_fen BIGINT NOT NULL DEFAULT 0 CHECK (award_fen >= 0),
    source TEXT CHECK (source IN ('fiscal', 'charity')),
    paid_fen BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0 AND paid_fen <= award_fen),
    clawed_fen BIGINT NOT NULL DEFAULT 0 CHECK (clawed_fen >= 0 AND clawed_fen <= paid_fen),
    awarded_on TEXT,
    signed_on TEXT,
    first_due_on TEXT,
    first_paid_on TEXT,
    rest_paid_on TEXT,
    ended_on TEXT,
    -- The mid-term or breach finding (published when the project is stopped).
    finding TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    submitted_at BIGINT,
    created_by BIGINT REFERENCES users(id),
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX venture_projects_round_idx ON venture_projects(round_id, state);
CREATE INDEX venture_projects_org_idx ON venture_projects(org_id, state);

-- The reviewers a round's officers name (evaluator accounts).
CREATE TABLE venture_reviewers (
    round_id BIGINT NOT NULL REFERENCES venture_rounds(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    PRIMARY KEY (round_id, user_id)
);

-- One reviewer's scores of one project: points per criterion, comma-separated.
CREATE TABLE venture_scores (
    project_id BIGINT NOT NULL REFERENCES venture_projects(id),
    reviewer_id BIGINT NOT NULL REFERENCES users(id),
    points TEXT NOT NULL,
    total BIGINT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    PRIMARY KEY (project_id, reviewer_id)
);

-- One vote per resident account and round: the primary key holds it under parallel votes.
CREATE TABLE venture_votes (
    round_id BIGINT NOT NULL REFERENCES venture_rounds(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    project_id BIGINT NOT NULL REFERENCES venture_projects(id),
    at BIGINT NOT NULL,
    PRIMARY KEY (round_id, user_id)
);
CREATE INDEX venture_votes_project_idx ON venture_votes(project_id);

-- An organization barred from rounds until a day, after a breach.
CREATE TABLE venture_debarments (
    id {pk},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    project_id BIGINT REFERENCES venture_projects(id),
    until_on TEXT NOT NULL,
    reason TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX venture_debarments_org_idx ON venture_debarments(org_id, until_on);
