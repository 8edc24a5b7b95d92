-- Awards and their public notice, and applicants' objections (质疑) during the notice.

ALTER TABLE projects ADD COLUMN awarded_application BIGINT REFERENCES applications(id);
ALTER TABLE projects ADD COLUMN awarded_on TEXT;
-- The last day of the award's public notice (YYYY-MM-DD, working days counted).
ALTER TABLE projects ADD COLUMN notice_until TEXT;
ALTER TABLE projects ADD COLUMN reviewed_on TEXT;

CREATE TABLE objections (
    id {pk},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    application_id BIGINT NOT NULL REFERENCES applications(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    text TEXT NOT NULL,
    state TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 0,
    -- Answered by this day (working days counted from the day it was raised).
    due_on TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    raised_by BIGINT REFERENCES users(id),
    answered_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX objections_project_idx ON objections(project_id, state);
