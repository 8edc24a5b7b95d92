-- The last of third-party evaluation's rules: ties between an evaluation agency (or a
-- venture reviewer's organization) and a provider — control, shared directors, founding —
-- that bar the agency like an assessor's own ties; the assessor's comment on each
-- indicator beside the points; and each applicant's record points (优胜劣汰) fixed when the
-- panel signs.
CREATE TABLE org_ties (
    id {pk},
    -- The agency (the organization whose independence is in question).
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    -- The organization it is tied to.
    other_org_id BIGINT NOT NULL REFERENCES organizations(id),
    relation TEXT NOT NULL,
    -- NULL while it lasts; a tie that ended less than three years ago still bars.
    ended_on TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX org_ties_org_idx ON org_ties(org_id);
CREATE INDEX org_ties_other_idx ON org_ties(other_org_id);

-- The assessor's comment per indicator: a JSON object from indicator code to text.
ALTER TABLE evaluations ADD COLUMN comments TEXT NOT NULL DEFAULT '';

-- The bonus or penalty from the applicant's record, as the panel signed it (NULL before).
ALTER TABLE applications ADD COLUMN history_points BIGINT;
