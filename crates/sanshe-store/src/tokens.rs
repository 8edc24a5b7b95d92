//! API tokens: stored as a hash with a short visible prefix for recognition.

use crate::audit::now;
use crate::{Conn, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

fn from_row(r: &AnyRow) -> Result<TokenRow, sqlx::Error> {
    Ok(TokenRow {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        name: r.try_get("name")?,
        prefix: r.try_get("prefix")?,
        created_at: r.try_get("created_at")?,
        expires_at: r.try_get("expires_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

const COLS: &str = "id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked_at";

pub async fn insert(
    conn: &mut Conn,
    user_id: i64,
    name: &str,
    prefix: &str,
    hash: &str,
    expires_at: Option<i64>,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at) \
         VALUES ($1,$2,$3,$4,$5,$6) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(prefix)
    .bind(hash)
    .bind(now())
    .bind(expires_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

/// A token's validity and its holder, in one statement (every API request asks this).
#[derive(Debug, Clone)]
pub struct TokenHolder {
    pub token_id: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub user: crate::users::UserRow,
}

pub async fn holder_by_hash(
    conn: &mut Conn,
    hash: &str,
) -> Result<Option<TokenHolder>, StoreError> {
    use crate::users::{COLS as USER_COLS, FROM as USERS};
    let r = sqlx::query(&format!(
        "SELECT {USER_COLS}, t.id AS t_id, t.expires_at AS t_expires_at, \
         t.last_used_at AS t_last_used_at, t.revoked_at AS t_revoked_at \
         {USERS} JOIN api_tokens t ON t.user_id = u.id WHERE t.token_hash = $1"
    ))
    .bind(hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(TokenHolder {
        token_id: r.try_get("t_id")?,
        expires_at: r.try_get("t_expires_at")?,
        last_used_at: r.try_get("t_last_used_at")?,
        revoked_at: r.try_get("t_revoked_at")?,
        user: crate::users::from_row(&r)?,
    }))
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<TokenRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {COLS} FROM api_tokens WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(from_row).transpose()?)
}

pub async fn for_user(conn: &mut Conn, user_id: i64) -> Result<Vec<TokenRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"
    ))
    .bind(user_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

pub async fn revoke(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Revokes every live token of a user; returns how many.
pub async fn revoke_all(conn: &mut Conn, user_id: i64) -> Result<u64, StoreError> {
    let r = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected())
}

pub async fn touch(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
