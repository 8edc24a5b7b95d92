//! Organizations, as far as account scoping needs them (the full registry builds on this).

use crate::{Conn, StoreError};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub area_code: Option<String>,
}

pub async fn create(
    conn: &mut Conn,
    name: &str,
    kind: &str,
    area_code: Option<&str>,
    demo: bool,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO organizations (name, kind, area_code, demo, created_at) \
         VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(name)
    .bind(kind)
    .bind(area_code)
    .bind(demo as i64)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<OrgRow>, StoreError> {
    let row = sqlx::query("SELECT id, name, kind, area_code FROM organizations WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|r| {
        Ok(OrgRow {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            kind: r.try_get("kind")?,
            area_code: r.try_get("area_code")?,
        })
    })
    .transpose()
}

pub async fn find_by_name(conn: &mut Conn, name: &str) -> Result<Option<OrgRow>, StoreError> {
    let row = sqlx::query("SELECT id FROM organizations WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(r) => get(conn, r.try_get("id")?).await,
        None => Ok(None),
    }
}

pub async fn list(conn: &mut Conn) -> Result<Vec<OrgRow>, StoreError> {
    let rows = sqlx::query("SELECT id, name, kind, area_code FROM organizations ORDER BY id")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(OrgRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                area_code: r.try_get("area_code")?,
            })
        })
        .collect()
}
