-- Third-party evaluation (第三方评估) of purchased services. A district's indicator scheme is
-- versioned (an edit adds a version; an evaluation keeps the one it was assigned with). An
-- evaluation is one stage of one contract: pre, mid-term and final at most once each, spot
-- checks any number of times. Its grade opens the tranches gated on its stage; a failed
-- mid-term halts the contract's remaining payments.
CREATE TABLE eval_schemes (
    id {pk},
    district TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL,
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (district, version)
);

CREATE TABLE evaluations (
    id {pk},
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    stage TEXT NOT NULL CHECK (stage IN ('pre', 'midterm', 'final', 'spot')),
    agency_org_id BIGINT NOT NULL REFERENCES organizations(id),
    assessor_id BIGINT NOT NULL REFERENCES users(id),
    scheme_id BIGINT NOT NULL REFERENCES eval_schemes(id),
    -- Points per indicator in tenths, in the scheme's order (comma-separated).
    scores TEXT NOT NULL DEFAULT '',
    total_tenths BIGINT,
    grade TEXT,
    findings TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL DEFAULT '',
    answer_by TEXT,
    decided_on TEXT,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- Pre, mid-term and final once per contract (a recused assignment frees its stage).
CREATE UNIQUE INDEX evaluations_stage_once ON evaluations(contract_id, stage)
    WHERE stage <> 'spot' AND state <> 'recused';
CREATE INDEX evaluations_assessor_idx ON evaluations(assessor_id, id);
CREATE INDEX evaluations_contract_idx ON evaluations(contract_id, id);

-- The day a failed mid-term halted the contract: no tranche is paid after it.
ALTER TABLE contracts ADD COLUMN halted_on TEXT;

-- 优胜劣汰: a call's rules on the applicant's record (least grade of the latest final
-- evaluations; exclusion after a 差 or a halted contract).
ALTER TABLE projects ADD COLUMN history_min_grade TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN history_exclude_poor BIGINT NOT NULL DEFAULT 0;
