//! `import_jobs`: the progress and report of imports started from a page, readable by every
//! server. Bookkeeping, not records: written with single autocommit statements.

use crate::{Conn, StoreError};
use sqlx::Row;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobRow {
    pub id: String,
    pub owner: Option<i64>,
    pub kind: String,
    pub stage: String,
    pub done: i64,
    pub total: i64,
    pub started: i64,
    pub finished: Option<i64>,
    /// The import report as JSON, once finished.
    pub report: Option<String>,
    pub error: Option<String>,
}

pub async fn insert(conn: &mut Conn, j: &JobRow) -> Result<(), StoreError> {
    // Finished jobs are kept a day.
    sqlx::query("DELETE FROM import_jobs WHERE finished IS NOT NULL AND finished < $1")
        .bind(j.started - 86_400)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO import_jobs (id, owner, kind, stage, done, total, started) \
         VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(&j.id)
    .bind(j.owner)
    .bind(&j.kind)
    .bind(&j.stage)
    .bind(j.done)
    .bind(j.total)
    .bind(j.started)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn progress(
    conn: &mut Conn,
    id: &str,
    stage: &str,
    done: i64,
    total: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE import_jobs SET stage = $1, done = $2, total = $3 WHERE id = $4 AND finished IS NULL",
    )
    .bind(stage)
    .bind(done)
    .bind(total)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn finish(
    conn: &mut Conn,
    id: &str,
    report: Option<&str>,
    error: Option<&str>,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE import_jobs SET finished = $1, report = $2, error = $3 WHERE id = $4")
        .bind(at)
        .bind(report)
        .bind(error)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: &str) -> Result<Option<JobRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, owner, kind, stage, done, total, started, finished, report, error \
         FROM import_jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok(JobRow {
            id: r.try_get("id")?,
            owner: r.try_get("owner")?,
            kind: r.try_get("kind")?,
            stage: r.try_get("stage")?,
            done: r.try_get("done")?,
            total: r.try_get("total")?,
            started: r.try_get("started")?,
            finished: r.try_get("finished")?,
            report: r.try_get("report")?,
            error: r.try_get("error")?,
        })
    })
    .transpose()
    .map_err(|e: sqlx::Error| StoreError::from(e))
}
