-- Attachments: files linked to any record (evidence, documents, photos). A file lives under
-- the data directory at `stored_name` (relative); `sm3` is its digest (NULL for files moved
-- from before, whose digest was not recorded). Facility photos move here.
CREATE TABLE attachments (
    id {pk},
    owner_kind TEXT NOT NULL,
    owner_id BIGINT NOT NULL,
    file_name TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sm3 TEXT,
    created_by BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_owner_idx ON attachments(owner_kind, owner_id, id);
INSERT INTO attachments (owner_kind, owner_id, file_name, stored_name, content_type, size, created_at)
    SELECT 'facility', facility_id, file_name, 'photos/' || stored_name, content_type, size, created_at
    FROM facility_photos ORDER BY id;
DROP TABLE facility_photos;

-- Long imports started from a page run as jobs whose progress and report live here, so
-- behind a load balancer any server shows any job.
CREATE TABLE import_jobs (
    id TEXT PRIMARY KEY,
    owner BIGINT,
    kind TEXT NOT NULL,
    stage TEXT NOT NULL,
    done BIGINT NOT NULL DEFAULT 0,
    total BIGINT NOT NULL DEFAULT 0,
    started BIGINT NOT NULL,
    finished BIGINT,
    report TEXT,
    error TEXT
);
CREATE INDEX import_jobs_started_idx ON import_jobs(started);

-- How many files a need holds, moved atomically (`… WHERE files < limit`): concurrent
-- uploads cannot pass the limit.
ALTER TABLE needs ADD COLUMN files BIGINT NOT NULL DEFAULT 0;

-- Where the audit chain starts: the first entry that carries a hash. Every later entry must
-- carry one, so blanking hashes cannot pass for entries older than the chain. One row,
-- written once; the database refuses to change or remove it.
CREATE TABLE audit_chain (
    id BIGINT PRIMARY KEY,
    first_id BIGINT NOT NULL
);
