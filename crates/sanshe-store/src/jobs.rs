//! `jobs`: scheduled work in the database, run once per due time across every server by a
//! lease taken with compare-and-set.

use crate::{Conn, StoreError};
use sqlx::Row;

/// Takes the lease of a due job for `owner` until `until`. True for exactly one caller per
/// due run, however many servers ask at once.
pub async fn try_lease(
    conn: &mut Conn,
    name: &str,
    owner: &str,
    now: i64,
    until: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE jobs SET lease_owner = $1, lease_until = $2 WHERE name = $3 \
         AND next_run_at <= $4 AND (lease_until IS NULL OR lease_until < $4)",
    )
    .bind(owner)
    .bind(until)
    .bind(name)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records a finished run and releases the lease (only the holder's).
pub async fn finish(
    conn: &mut Conn,
    name: &str,
    owner: &str,
    next_run_at: i64,
    result: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, last_run_at = $1, \
         next_run_at = $2, last_result = $3, runs = runs + 1 WHERE name = $4 AND lease_owner = $5",
    )
    .bind(crate::audit::now())
    .bind(next_run_at)
    .bind(result)
    .bind(name)
    .bind(owner)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Debug, Clone)]
pub struct JobRow {
    pub name: String,
    pub next_run_at: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub last_run_at: Option<i64>,
    pub last_result: String,
    pub runs: i64,
}

pub async fn list(conn: &mut Conn) -> Result<Vec<JobRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT name, next_run_at, lease_owner, lease_until, last_run_at, last_result, runs \
         FROM jobs ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(JobRow {
                name: r.try_get("name")?,
                next_run_at: r.try_get("next_run_at")?,
                lease_owner: r.try_get("lease_owner")?,
                lease_until: r.try_get("lease_until")?,
                last_run_at: r.try_get("last_run_at")?,
                last_result: r.try_get("last_result")?,
                runs: r.try_get("runs")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
