-- Questions on a call (答疑): an applicant asks while the call is open; the officer answers
-- once, and the answer is published to every applicant and on the portal (without the asker).
-- Applicants' written requests that an expert of the pool recuse himself from their calls
-- (申请回避), decided by the officer: upheld, the tie is recorded (the expert is not drawn for
-- the applicant for three years) and a seat the expert holds on the call's panel is refilled.

CREATE TABLE call_questions (
    id {pk},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    question TEXT NOT NULL,
    answer TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL CHECK (state IN ('open', 'answered')),
    asked_at BIGINT NOT NULL,
    answered_at BIGINT,
    answered_by TEXT
);
CREATE INDEX call_questions_project_idx ON call_questions(project_id, id);

CREATE TABLE recusal_requests (
    id {pk},
    project_id BIGINT NOT NULL REFERENCES projects(id),
    expert_id BIGINT NOT NULL REFERENCES experts(id),
    org_id BIGINT NOT NULL REFERENCES organizations(id),
    reason TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'upheld', 'dismissed')),
    reply TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by TEXT
);
CREATE INDEX recusal_requests_project_idx ON recusal_requests(project_id, id);
