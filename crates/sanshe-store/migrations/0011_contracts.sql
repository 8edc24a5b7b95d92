-- Contracts of confirmed awards with the clauses 102号令 Art. 23 requires, their versions
-- (amendments never overwrite), payment tranches and the payments ledger. What is paid on a
-- contract never exceeds its amount and never goes below zero: `paid_fen` moves by one
-- atomic UPDATE per payment or claw-back.

CREATE TABLE contracts (
    id {pk},
    project_id BIGINT NOT NULL UNIQUE REFERENCES projects(id),
    application_id BIGINT NOT NULL REFERENCES applications(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    paid_fen BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0 AND paid_fen <= amount_fen),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    term_justification TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    quantity TEXT NOT NULL DEFAULT '',
    quality TEXT NOT NULL DEFAULT '',
    price TEXT NOT NULL DEFAULT '',
    settlement TEXT NOT NULL DEFAULT '',
    rights TEXT NOT NULL DEFAULT '',
    liability TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    -- The amendment number (0 until the signed contract is first amended).
    revision BIGINT NOT NULL DEFAULT 0,
    signed_on TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Every signed version of a contract (the first at signing, one per amendment), as JSON.
CREATE TABLE contract_versions (
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    revision BIGINT NOT NULL,
    body TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL,
    by_name TEXT NOT NULL,
    PRIMARY KEY (contract_id, revision)
);

CREATE TABLE tranches (
    id {pk},
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    seq BIGINT NOT NULL,
    label TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen > 0),
    due_on TEXT NOT NULL,
    gate TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    paid_on TEXT,
    voucher TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (contract_id, seq)
);

-- The ledger: a payment of a tranche (positive) or a claw-back (negative, with a reason).
CREATE TABLE payments (
    id {pk},
    contract_id BIGINT NOT NULL REFERENCES contracts(id),
    tranche_id BIGINT REFERENCES tranches(id),
    amount_fen BIGINT NOT NULL CHECK (amount_fen <> 0),
    paid_on TEXT NOT NULL,
    voucher TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX payments_contract_idx ON payments(contract_id, id);

-- The budget line a project's reservation was taken from (released from the same line, even
-- if its catalog item later moves to another).
ALTER TABLE projects ADD COLUMN reserved_line BIGINT REFERENCES budget_lines(id);
