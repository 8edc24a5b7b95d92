//! `attachments`: files linked to any record by (owner kind, owner id). Who may reach a file
//! is decided by its owner's module; this table only stores and finds them.

use crate::{Conn, StoreError};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttachmentRow {
    pub id: i64,
    pub owner_kind: String,
    pub owner_id: i64,
    pub file_name: String,
    /// Path relative to the data directory.
    pub stored_name: String,
    pub content_type: String,
    pub size: i64,
    pub sm3: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
}

const COLS: &str = "id, owner_kind, owner_id, file_name, stored_name, content_type, size, sm3, \
    created_by, created_at";

fn map(r: &sqlx::any::AnyRow) -> Result<AttachmentRow, sqlx::Error> {
    Ok(AttachmentRow {
        id: r.try_get("id")?,
        owner_kind: r.try_get("owner_kind")?,
        owner_id: r.try_get("owner_id")?,
        file_name: r.try_get("file_name")?,
        stored_name: r.try_get("stored_name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        sm3: r.try_get("sm3")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert(conn: &mut Conn, a: &AttachmentRow) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO attachments (owner_kind, owner_id, file_name, stored_name, content_type, \
         size, sm3, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(&a.owner_kind)
    .bind(a.owner_id)
    .bind(&a.file_name)
    .bind(&a.stored_name)
    .bind(&a.content_type)
    .bind(a.size)
    .bind(&a.sm3)
    .bind(a.created_by)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn list(
    conn: &mut Conn,
    kind: &str,
    owner: i64,
) -> Result<Vec<AttachmentRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLS} FROM attachments WHERE owner_kind = $1 AND owner_id = $2 ORDER BY id"
    ))
    .bind(kind)
    .bind(owner)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(map).collect::<Result<_, _>>()?)
}

/// The attachments of several records of one kind (a page of them) in one statement per
/// few hundred records, by record then id.
pub async fn list_for(
    conn: &mut Conn,
    kind: &str,
    owners: &[i64],
) -> Result<Vec<AttachmentRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in owners.chunks(500) {
        let sql = format!(
            "SELECT {COLS} FROM attachments WHERE owner_kind = $1 AND owner_id IN ({}) \
             ORDER BY owner_id, id",
            crate::marks(2, chunk.len())
        );
        let mut q = sqlx::query(&sql).bind(kind);
        for o in chunk {
            q = q.bind(*o);
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(map(&r)?);
        }
    }
    Ok(out)
}

pub async fn get(
    conn: &mut Conn,
    kind: &str,
    owner: i64,
    id: i64,
) -> Result<Option<AttachmentRow>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM attachments WHERE owner_kind = $1 AND owner_id = $2 AND id = $3"
    ))
    .bind(kind)
    .bind(owner)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(map).transpose()?)
}

/// Removes one; false when it was already gone.
pub async fn delete(conn: &mut Conn, kind: &str, owner: i64, id: i64) -> Result<bool, StoreError> {
    let r =
        sqlx::query("DELETE FROM attachments WHERE owner_kind = $1 AND owner_id = $2 AND id = $3")
            .bind(kind)
            .bind(owner)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    Ok(r.rows_affected() > 0)
}

/// Removes every attachment of a record (when the record goes).
pub async fn delete_all(conn: &mut Conn, kind: &str, owner: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM attachments WHERE owner_kind = $1 AND owner_id = $2")
        .bind(kind)
        .bind(owner)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
