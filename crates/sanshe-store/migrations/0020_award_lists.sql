-- Awards instead of subsidies (以奖代补): a district's yearly list for one kind of subject
-- under its scheme (kept as JSON with a version number that rises with each edit before
-- scoring), and one entry per subject with its scores and the award computed from them. An
-- entry is paid once (`paid_on` set by one conditional UPDATE) against the list's budget line,
-- whose ceiling holds as for purchased services.
CREATE TABLE award_lists (
    id {pk},
    district TEXT NOT NULL REFERENCES areas(code),
    year BIGINT NOT NULL,
    subject TEXT NOT NULL CHECK (subject IN ('community', 'street', 'org')),
    title TEXT NOT NULL,
    scheme TEXT NOT NULL,
    scheme_version BIGINT NOT NULL DEFAULT 1,
    notice_days BIGINT NOT NULL,
    notice_until TEXT,
    published_on TEXT,
    budget_line_id BIGINT REFERENCES budget_lines(id),
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    demo BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (district, year, subject)
);

CREATE TABLE award_entries (
    id {pk},
    list_id BIGINT NOT NULL REFERENCES award_lists(id),
    -- An area code (communities, streets) or an organization id.
    subject_key TEXT NOT NULL,
    subject_name TEXT NOT NULL,
    scores TEXT NOT NULL,
    total BIGINT NOT NULL,
    grade TEXT NOT NULL,
    award_fen BIGINT NOT NULL CHECK (award_fen >= 0),
    team_fen BIGINT NOT NULL CHECK (team_fen >= 0 AND team_fen <= award_fen),
    formula TEXT NOT NULL,
    paid_on TEXT,
    voucher TEXT,
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (list_id, subject_key)
);
