-- Organization ratings (社会组织评估, 民政部令第39号): a district's rating settings, its rating
-- committee, and the ratings themselves from application to a grade in effect, lowered,
-- cancelled or expired. An organization has one live application at a time: `one_key` holds
-- it under parallel saves. The grade in effect is copied to organizations.rating, which calls
-- for applications read.
CREATE TABLE rating_schemes (
    district TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL
);

CREATE TABLE rating_committee (
    id {pk},
    district TEXT NOT NULL,
    name TEXT NOT NULL,
    affiliation TEXT NOT NULL DEFAULT '',
    -- An organization the member is tied to (recused from its ratings).
    tied_org_id BIGINT REFERENCES organizations(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX rating_committee_district_idx ON rating_committee(district, id);

CREATE TABLE ratings (
    id {pk},
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    district TEXT NOT NULL,
    kind TEXT NOT NULL,
    one_key TEXT UNIQUE,
    -- The settings it was applied under (JSON), kept whatever the district changes later.
    scheme TEXT NOT NULL,
    report TEXT NOT NULL DEFAULT '',
    assessor_id BIGINT REFERENCES users(id),
    -- Points per first-level indicator, comma-separated.
    scores TEXT NOT NULL DEFAULT '',
    total BIGINT,
    grade BIGINT CHECK (grade IS NULL OR (grade >= 1 AND grade <= 5)),
    -- Committee members present and recused (names, comma-separated).
    committee TEXT NOT NULL DEFAULT '',
    recused TEXT NOT NULL DEFAULT '',
    notice_until TEXT,
    review_text TEXT NOT NULL DEFAULT '',
    review_due TEXT,
    review_answer TEXT NOT NULL DEFAULT '',
    granted_on TEXT,
    valid_until TEXT,
    ended_on TEXT,
    wait_until TEXT,
    note TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX ratings_org_idx ON ratings(org_id, id);
CREATE INDEX ratings_district_idx ON ratings(district, state, id);
