//! Which personal-data keys this database holds data under (their short ids, never keys).

use crate::audit::now;
use crate::{Conn, StoreError};
use sqlx::Row;

pub async fn recorded(conn: &mut Conn) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT key_id FROM pii_keys ORDER BY recorded_at")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| r.try_get("key_id"))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

pub async fn record(conn: &mut Conn, key_id: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO pii_keys (key_id, recorded_at) VALUES ($1, $2) ON CONFLICT (key_id) DO NOTHING")
        .bind(key_id)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The key id named by one stored ciphertext (`k<id>:…`), if any personal data exists: how a
/// database written before key ids were recorded tells which key it holds.
pub async fn key_in_use(conn: &mut Conn) -> Result<Option<String>, StoreError> {
    let r = sqlx::query("SELECT id_cipher FROM social_workers LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.and_then(|r| r.try_get::<String, _>("id_cipher").ok())
        .and_then(|c| {
            c.strip_prefix('k')
                .and_then(|s| s.split_once(':'))
                .map(|(id, _)| id.to_owned())
        }))
}
