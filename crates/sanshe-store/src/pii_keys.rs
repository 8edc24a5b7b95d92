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

/// The key id named by one stored ciphertext (`k<id>:…`) in any column that holds personal
/// data, if any exists: how a database written before key ids were recorded tells which key
/// it holds.
pub async fn key_in_use(conn: &mut Conn) -> Result<Option<String>, StoreError> {
    for sql in [
        "SELECT id_cipher AS c FROM social_workers WHERE id_cipher IS NOT NULL LIMIT 1",
        "SELECT phone_cipher AS c FROM social_workers WHERE phone_cipher IS NOT NULL LIMIT 1",
        "SELECT contact_name_enc AS c FROM needs WHERE contact_name_enc IS NOT NULL LIMIT 1",
        "SELECT phone_enc AS c FROM needs WHERE phone_enc IS NOT NULL LIMIT 1",
        "SELECT totp_secret_enc AS c FROM users WHERE totp_secret_enc IS NOT NULL LIMIT 1",
    ] {
        let r = sqlx::query(sql).fetch_optional(&mut *conn).await?;
        let id = r
            .and_then(|r| r.try_get::<String, _>("c").ok())
            .and_then(|c| {
                c.strip_prefix('k')
                    .and_then(|s| s.split_once(':'))
                    .map(|(id, _)| id.to_owned())
            });
        if id.is_some() {
            return Ok(id);
        }
    }
    Ok(None)
}
