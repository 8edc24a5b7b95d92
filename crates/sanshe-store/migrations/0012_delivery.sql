-- Delivery (执行): the contracted team, the activities it logs with beneficiaries and hours per
-- member, and the milestone reports compiled from those logs. A member's hours are one row
-- per activity and member (never twice), within a day's 24 hours.

CREATE TABLE contract_team (
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    worker_id BIGINT NOT NULL REFERENCES social_workers(id),
    PRIMARY KEY (contract_id, worker_id)
);
INSERT INTO contract_team (contract_id, worker_id)
    SELECT k.id, t.worker_id FROM contracts k JOIN application_team t ON t.application_id = k.application_id;

CREATE TABLE delivery_logs (
    id {pk},
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    day TEXT NOT NULL,
    community TEXT NOT NULL,
    content TEXT NOT NULL,
    direct_beneficiaries BIGINT NOT NULL CHECK (direct_beneficiaries >= 0),
    indirect_beneficiaries BIGINT NOT NULL CHECK (indirect_beneficiaries >= 0),
    by_name TEXT NOT NULL,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX delivery_logs_contract_idx ON delivery_logs(contract_id, day);

CREATE TABLE delivery_hours (
    log_id BIGINT NOT NULL REFERENCES delivery_logs(id),
    worker_id BIGINT NOT NULL REFERENCES social_workers(id),
    hours_tenths BIGINT NOT NULL CHECK (hours_tenths > 0 AND hours_tenths <= 240),
    PRIMARY KEY (log_id, worker_id)
);

-- Figures are compiled from the logs of the period when the report is submitted (again on
-- resubmission), so what was accepted is what the logs said then.
CREATE TABLE milestone_reports (
    id {pk},
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    tranche_id BIGINT REFERENCES tranches(id),
    kind TEXT NOT NULL CHECK (kind IN ('midterm', 'final')),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    summary TEXT NOT NULL,
    activities BIGINT NOT NULL,
    direct_beneficiaries BIGINT NOT NULL,
    indirect_beneficiaries BIGINT NOT NULL,
    hours_tenths BIGINT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX milestone_reports_contract_idx ON milestone_reports(contract_id, id);
