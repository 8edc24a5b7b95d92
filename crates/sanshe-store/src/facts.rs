//! Pending changes of self-reported facts (`fact_changes`).

use crate::audit::now;
use crate::{Conn, PageReq, Paged, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Default)]
pub struct FactChange {
    pub id: i64,
    pub kind: String,
    pub record_id: i64,
    /// The record's area when the change was asked for (for the staff's lists).
    pub area_code: Option<String>,
    /// `[[field, old, new], …]` as JSON.
    pub changes: String,
    pub state: String,
    pub version: i64,
    pub requested_by: Option<i64>,
    pub requested_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The record's label (a worker's name).
    pub record_label: Option<String>,
    /// The worker's account, employer and community now (who reaches the record).
    pub record_user: Option<i64>,
    pub record_employer: Option<i64>,
    pub record_area: Option<String>,
}

const SELECT: &str = "SELECT f.*, w.name AS record_label, w.user_id AS record_user, \
    w.employer_org_id AS record_employer, w.area_code AS record_area FROM fact_changes f \
    LEFT JOIN social_workers w ON f.kind = 'social_worker' AND w.id = f.record_id";

fn from_row(r: &AnyRow) -> Result<FactChange, sqlx::Error> {
    Ok(FactChange {
        id: r.try_get("id")?,
        kind: r.try_get("kind")?,
        record_id: r.try_get("record_id")?,
        area_code: r.try_get("area_code")?,
        changes: r.try_get("changes")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        requested_by: r.try_get("requested_by")?,
        requested_name: r.try_get("requested_name")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        record_label: r.try_get("record_label")?,
        record_user: r.try_get("record_user")?,
        record_employer: r.try_get("record_employer")?,
        record_area: r.try_get("record_area")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut Conn,
    kind: &str,
    record_id: i64,
    area_code: Option<&str>,
    changes: &str,
    requested_by: Option<i64>,
    requested_name: &str,
) -> Result<i64, StoreError> {
    let t = now();
    let r = sqlx::query(
        "INSERT INTO fact_changes (kind, record_id, area_code, changes, state, version, \
         requested_by, requested_name, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,'pending',1,$5,$6,$7,$7) RETURNING id",
    )
    .bind(kind)
    .bind(record_id)
    .bind(area_code)
    .bind(changes)
    .bind(requested_by)
    .bind(requested_name)
    .bind(t)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

/// Takes the row lock of a change that is still pending, for the rest of the transaction
/// (a no-op update: PostgreSQL holds the row; SQLite writers are serialised already). False
/// when the change is no longer pending.
pub async fn lock_pending(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE fact_changes SET version = version WHERE id = $1 AND state = 'pending'",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<FactChange>, StoreError> {
    let r = sqlx::query(&format!("{SELECT} WHERE f.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| from_row(&r)).transpose()?)
}

/// Filter: a state, and who may see them (an area subtree, the requester, records of an
/// employer organization); None means unrestricted.
#[derive(Debug, Clone, Default)]
pub struct FactFilter {
    pub state: Option<String>,
    pub within: Option<String>,
    pub requested_by: Option<i64>,
    pub employer: Option<i64>,
}

pub async fn list(
    conn: &mut Conn,
    f: &FactFilter,
    page: PageReq,
) -> Result<Paged<FactChange>, StoreError> {
    let mut w = vec!["f.kind = 'social_worker'".to_owned()];
    let mut binds: Vec<String> = Vec::new();
    if let Some(s) = &f.state {
        binds.push(s.clone());
        w.push(format!("f.state = ${}", binds.len()));
    }
    if let Some(a) = &f.within {
        let (lo, hi) = crate::areas::subtree_range(a);
        binds.push(lo);
        w.push(format!("f.area_code >= ${}", binds.len()));
        binds.push(hi);
        w.push(format!("f.area_code <= ${}", binds.len()));
    }
    if let Some(u) = f.requested_by {
        w.push(format!("f.requested_by = {u}"));
    }
    if let Some(o) = f.employer {
        w.push(format!("w.employer_org_id = {o}"));
    }
    let cond = w.join(" AND ");
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM fact_changes f \
         LEFT JOIN social_workers w ON w.id = f.record_id WHERE {cond}"
    );
    let mut q = sqlx::query(&count_sql);
    for b in &binds {
        q = q.bind(b.as_str());
    }
    let total: i64 = q.fetch_one(&mut *conn).await?.try_get("n")?;
    let sql = format!(
        "{SELECT} WHERE {cond} ORDER BY f.id DESC LIMIT {} OFFSET {}",
        page.per_page,
        (page.page - 1).max(0) * page.per_page
    );
    let mut q = sqlx::query(&sql);
    for b in &binds {
        q = q.bind(b.as_str());
    }
    let items = q
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?;
    Ok(Paged {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}
