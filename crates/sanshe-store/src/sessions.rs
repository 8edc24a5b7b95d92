//! Server-side sessions. Only a hash of the cookie value is stored, so a copy of the database
//! does not let anyone log in.

use crate::audit::now;
use crate::{Conn, StoreError};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id_hash: String,
    pub user_id: i64,
    pub csrf: String,
    pub last_seen: i64,
    pub expires_at: i64,
    /// The password was right; the second factor is still to come.
    pub mfa_pending: bool,
}

pub async fn create(
    conn: &mut Conn,
    id_hash: &str,
    user_id: i64,
    csrf: &str,
    expires_at: i64,
    client: Option<&str>,
    mfa_pending: bool,
) -> Result<(), StoreError> {
    let t = now();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen, expires_at, client, \
         mfa_pending) VALUES ($1,$2,$3,$4,$4,$5,$6,$7)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(csrf)
    .bind(t)
    .bind(expires_at)
    .bind(client)
    .bind(mfa_pending as i64)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
    let r = sqlx::query(
        "SELECT id_hash, user_id, csrf, last_seen, expires_at, mfa_pending FROM sessions \
         WHERE id_hash = $1",
    )
    .bind(id_hash)
    .fetch_optional(&mut *conn)
    .await?;
    r.map(|r| {
        Ok(SessionRow {
            id_hash: r.try_get("id_hash")?,
            user_id: r.try_get("user_id")?,
            csrf: r.try_get("csrf")?,
            last_seen: r.try_get("last_seen")?,
            expires_at: r.try_get("expires_at")?,
            mfa_pending: r.try_get::<i64, _>("mfa_pending")? != 0,
        })
    })
    .transpose()
}

pub async fn touch(conn: &mut Conn, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id_hash = $2")
        .bind(now())
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Test and operations hook: pretend the session was last used at `at`.
pub async fn set_last_seen(conn: &mut Conn, id_hash: &str, at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE sessions SET last_seen = $1 WHERE id_hash = $2")
        .bind(at)
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &mut Conn, id_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends every session of a user but the one whose hash is `keep` (the caller's own).
pub async fn delete_others(conn: &mut Conn, user_id: i64, keep: &str) -> Result<u64, StoreError> {
    let r = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id)
        .bind(keep)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected())
}

pub async fn delete_for_user(conn: &mut Conn, user_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Removes sessions idle for longer than `idle_secs` or past their absolute expiry.
pub async fn purge_expired(conn: &mut Conn, idle_secs: i64) -> Result<u64, StoreError> {
    let t = now();
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR last_seen < $2")
        .bind(t)
        .bind(t - idle_secs)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected())
}

pub async fn count_active(conn: &mut Conn) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM sessions WHERE expires_at >= $1")
        .bind(now())
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get("n")?)
}

/// The second factor was given: the session becomes a full one, under a new id (the id a
/// half-signed-in browser held is not the one that carries the full rights).
pub async fn complete_mfa(
    conn: &mut Conn,
    old_hash: &str,
    new_hash: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE sessions SET id_hash = $1, mfa_pending = 0, last_seen = $2 \
         WHERE id_hash = $3 AND mfa_pending = 1",
    )
    .bind(new_hash)
    .bind(now())
    .bind(old_hash)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}
