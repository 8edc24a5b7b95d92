-- Panel review of purchase projects: the district's expert pool with the ties that bar an
-- expert from an applicant, panels drawn at random per project, their members'
-- declarations, and score sheets.

CREATE TABLE experts (
    id {pk},
    district TEXT NOT NULL REFERENCES areas(code),
    name TEXT NOT NULL,
    affiliation TEXT NOT NULL DEFAULT '',
    specialty TEXT NOT NULL DEFAULT '',
    -- An evaluator account that serves as this expert (scores and declares itself).
    user_id BIGINT UNIQUE REFERENCES users(id),
    active BIGINT NOT NULL DEFAULT 1,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    UNIQUE (district, name, affiliation)
);

-- Employment, directorship, control or close kinship with an organization; ended_on NULL
-- while it lasts. A tie that ended less than three years ago still bars the expert.
CREATE TABLE expert_ties (
    id {pk},
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    relation TEXT NOT NULL,
    ended_on TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX expert_ties_expert_idx ON expert_ties(expert_id);

CREATE TABLE panels (
    project_id BIGINT PRIMARY KEY REFERENCES projects(id),
    size BIGINT NOT NULL,
    -- The random draw's seed (hex), kept so the draw can be explained.
    seed TEXT NOT NULL,
    signed_at BIGINT,
    signed_by TEXT,
    created_at BIGINT NOT NULL
);

-- A drawn expert: drawn → cleared (declared no conflict) | recused (declared or upheld
-- conflict; a replacement is drawn). `seat` orders the draw; the chair is marked.
CREATE TABLE panel_members (
    id {pk},
    project_id BIGINT NOT NULL REFERENCES panels(project_id),
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    seat BIGINT NOT NULL,
    chair BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    declaration TEXT NOT NULL DEFAULT '',
    declared_at BIGINT,
    UNIQUE (project_id, expert_id)
);

CREATE TABLE panel_scores (
    member_id BIGINT NOT NULL REFERENCES panel_members(id),
    application_id BIGINT NOT NULL REFERENCES applications(id),
    criterion TEXT NOT NULL,
    score BIGINT NOT NULL CHECK (score >= 0),
    comment TEXT NOT NULL DEFAULT '',
    entered_by TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (member_id, application_id, criterion)
);
