-- The rest of third-party evaluation's rules: the provider's self-evaluation before the
-- assessor scores (where the scheme asks), a late or missing self-evaluation counted as a fail
-- (where the scheme says so), rectification (整改) with a deadline and a re-check, and the
-- panel ranking's bonus and penalty from the applicant's record (优胜劣汰).
ALTER TABLE evaluations ADD COLUMN self_due TEXT;
ALTER TABLE evaluations ADD COLUMN self_scores TEXT NOT NULL DEFAULT '';
ALTER TABLE evaluations ADD COLUMN self_total BIGINT;
ALTER TABLE evaluations ADD COLUMN self_report TEXT NOT NULL DEFAULT '';
ALTER TABLE evaluations ADD COLUMN self_on TEXT;
-- 1 when the grade was set to 差 because the self-evaluation was missing at its due day.
ALTER TABLE evaluations ADD COLUMN late_report BIGINT NOT NULL DEFAULT 0;

-- One rectification per decided evaluation: the officer's demand and deadline, the
-- provider's report, the assessor's re-check.
CREATE TABLE rectifications (
    id {pk},
    evaluation_id BIGINT NOT NULL UNIQUE REFERENCES evaluations(id),
    demand TEXT NOT NULL,
    due TEXT NOT NULL,
    report TEXT NOT NULL DEFAULT '',
    reported_on TEXT,
    result TEXT NOT NULL DEFAULT '',
    checked_on TEXT,
    -- 1 when a passed re-check lifted the contract's halt.
    lifted BIGINT NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX rectifications_due_idx ON rectifications(state, due);

-- Points a call adds to an applicant whose latest final evaluation is 优, and takes from one
-- with a 差, a halted contract or a failed rectification within the exclusion years.
ALTER TABLE projects ADD COLUMN history_bonus BIGINT NOT NULL DEFAULT 0;
ALTER TABLE projects ADD COLUMN history_penalty BIGINT NOT NULL DEFAULT 0;

-- Delivery-log entries the assessor checked against the evidence and on site (抽查服务记录).
CREATE TABLE evaluation_samples (
    id {pk},
    evaluation_id BIGINT NOT NULL REFERENCES evaluations(id),
    log_id BIGINT NOT NULL REFERENCES delivery_logs(id),
    result TEXT NOT NULL CHECK (result IN ('consistent', 'inconsistent', 'not_found')),
    note TEXT NOT NULL DEFAULT '',
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (evaluation_id, log_id)
);

-- The day a passed re-check of a rectification resumed a halted contract's payments (the
-- halt stays in the provider's record).
ALTER TABLE contracts ADD COLUMN resumed_on TEXT;
