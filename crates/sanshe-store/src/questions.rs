//! Questions on calls (答疑) and applicants' recusal requests (申请回避).

use crate::{Conn, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionRow {
    pub id: i64,
    pub project_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub question: String,
    pub answer: String,
    pub state: String,
    pub asked_at: i64,
    pub answered_at: Option<i64>,
    pub answered_by: Option<String>,
}

fn qmap(r: &AnyRow) -> Result<QuestionRow, sqlx::Error> {
    Ok(QuestionRow {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        question: r.try_get("question")?,
        answer: r.try_get("answer")?,
        state: r.try_get("state")?,
        asked_at: r.try_get("asked_at")?,
        answered_at: r.try_get("answered_at")?,
        answered_by: r.try_get("answered_by")?,
    })
}

const QSEL: &str =
    "SELECT q.id, q.project_id, q.org_id, o.name AS org_name, q.question, q.answer, \
    q.state, q.asked_at, q.answered_at, q.answered_by FROM call_questions q \
    JOIN organizations o ON o.id = q.org_id";

pub async fn insert_question(
    conn: &mut Conn,
    project: i64,
    org: i64,
    question: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "INSERT INTO call_questions (project_id, org_id, question, state, asked_at) \
         VALUES ($1,$2,$3,'open',$4) RETURNING id",
    )
    .bind(project)
    .bind(org)
    .bind(question)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?)
}

pub async fn questions(conn: &mut Conn, project: i64) -> Result<Vec<QuestionRow>, StoreError> {
    let rows = sqlx::query(&format!("{QSEL} WHERE q.project_id = $1 ORDER BY q.id"))
        .bind(project)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(qmap).collect::<Result<_, _>>()?)
}

pub async fn question(conn: &mut Conn, id: i64) -> Result<Option<QuestionRow>, StoreError> {
    let r = sqlx::query(&format!("{QSEL} WHERE q.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(qmap).transpose()?)
}

/// Answers an open question; false when it was answered already (one answer lands).
pub async fn answer(conn: &mut Conn, id: i64, answer: &str, by: &str) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE call_questions SET answer = $1, answered_by = $2, answered_at = $3, \
         state = 'answered' WHERE id = $4 AND state = 'open'",
    )
    .bind(answer)
    .bind(by)
    .bind(crate::audit::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecusalRow {
    pub id: i64,
    pub project_id: i64,
    pub expert_id: i64,
    pub expert_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub reason: String,
    pub state: String,
    pub reply: String,
    pub created_at: i64,
    pub decided_by: Option<String>,
}

fn rmap(r: &AnyRow) -> Result<RecusalRow, sqlx::Error> {
    Ok(RecusalRow {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        expert_id: r.try_get("expert_id")?,
        expert_name: r.try_get("expert_name")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        reason: r.try_get("reason")?,
        state: r.try_get("state")?,
        reply: r.try_get("reply")?,
        created_at: r.try_get("created_at")?,
        decided_by: r.try_get("decided_by")?,
    })
}

const RSEL: &str = "SELECT x.id, x.project_id, x.expert_id, e.name AS expert_name, x.org_id, \
    o.name AS org_name, x.reason, x.state, x.reply, x.created_at, x.decided_by \
    FROM recusal_requests x JOIN experts e ON e.id = x.expert_id \
    JOIN organizations o ON o.id = x.org_id";

pub async fn insert_recusal(
    conn: &mut Conn,
    project: i64,
    expert: i64,
    org: i64,
    reason: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "INSERT INTO recusal_requests (project_id, expert_id, org_id, reason, state, created_at) \
         VALUES ($1,$2,$3,$4,'pending',$5) RETURNING id",
    )
    .bind(project)
    .bind(expert)
    .bind(org)
    .bind(reason)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?)
}

pub async fn recusals(conn: &mut Conn, project: i64) -> Result<Vec<RecusalRow>, StoreError> {
    let rows = sqlx::query(&format!("{RSEL} WHERE x.project_id = $1 ORDER BY x.id"))
        .bind(project)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(rmap).collect::<Result<_, _>>()?)
}

pub async fn recusal(conn: &mut Conn, id: i64) -> Result<Option<RecusalRow>, StoreError> {
    let r = sqlx::query(&format!("{RSEL} WHERE x.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(rmap).transpose()?)
}

/// Decides a pending request; false when it was decided already.
pub async fn decide_recusal(
    conn: &mut Conn,
    id: i64,
    state: &str,
    reply: &str,
    by: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE recusal_requests SET state = $1, reply = $2, decided_by = $3, decided_at = $4 \
         WHERE id = $5 AND state = 'pending'",
    )
    .bind(state)
    .bind(reply)
    .bind(by)
    .bind(crate::audit::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}
