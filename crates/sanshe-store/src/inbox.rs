//! `inbox`: every user's in-app notices.

use crate::{i, Conn, PageReq, Paged, StoreError, Where};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub user_id: i64,
    /// A stable kind (`need.accepted`, `need.due`, …) for filtering and the locale.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// A same-site path to the record.
    pub link: String,
}

#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub id: i64,
    pub at: i64,
    pub notice: Notice,
    pub read_at: Option<i64>,
}

fn map(r: &sqlx::any::AnyRow) -> Result<NoticeRow, sqlx::Error> {
    Ok(NoticeRow {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        read_at: r.try_get("read_at")?,
        notice: Notice {
            user_id: r.try_get("user_id")?,
            kind: r.try_get("kind")?,
            title: r.try_get("title")?,
            body: r.try_get("body")?,
            link: r.try_get("link")?,
        },
    })
}

pub async fn insert(conn: &mut Conn, n: &Notice) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO inbox (user_id, at, kind, title, body, link) VALUES ($1,$2,$3,$4,$5,$6) \
         RETURNING id",
    )
    .bind(n.user_id)
    .bind(crate::audit::now())
    .bind(&n.kind)
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.link)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// A user's notices, newest first (unread only when asked).
pub async fn list(
    conn: &mut Conn,
    user_id: i64,
    unread_only: bool,
    page: PageReq,
) -> Result<Paged<NoticeRow>, StoreError> {
    let mut w = Where::new();
    w.push("user_id = ?", vec![i(user_id)]);
    if unread_only {
        w.push("read_at IS NULL", vec![]);
    }
    w.page(
        conn,
        "FROM inbox",
        "SELECT id, user_id, at, kind, title, body, link, read_at FROM inbox",
        "id DESC",
        page,
        map,
    )
    .await
}

pub async fn unread_count(conn: &mut Conn, user_id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM inbox WHERE user_id = $1 AND read_at IS NULL")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get("n")?)
}

/// Marks one notice (or, with None, all of them) read; only the owner's.
pub async fn mark_read(conn: &mut Conn, user_id: i64, id: Option<i64>) -> Result<u64, StoreError> {
    let r =
        match id {
            Some(id) => sqlx::query(
                "UPDATE inbox SET read_at = $1 WHERE user_id = $2 AND id = $3 AND read_at IS NULL",
            )
            .bind(crate::audit::now())
            .bind(user_id)
            .bind(id)
            .execute(&mut *conn)
            .await?,
            None => {
                sqlx::query("UPDATE inbox SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
                    .bind(crate::audit::now())
                    .bind(user_id)
                    .execute(&mut *conn)
                    .await?
            }
        };
    Ok(r.rows_affected())
}

pub async fn get(conn: &mut Conn, user_id: i64, id: i64) -> Result<Option<NoticeRow>, StoreError> {
    let row = sqlx::query(
        "SELECT id, user_id, at, kind, title, body, link, read_at FROM inbox \
         WHERE user_id = $1 AND id = $2",
    )
    .bind(user_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(map).transpose()?)
}

/// Accounts of the given roles whose area scope contains `area` (the staff concerned with a
/// record there): a community's own staff and the street's and district's above it.
pub async fn staff_covering(
    conn: &mut Conn,
    area: &str,
    roles: &[sanshe_domain::Role],
) -> Result<Vec<i64>, StoreError> {
    // Every ancestor prefix of the code: 6, 9 and 12 digits.
    let prefixes: Vec<String> = [6usize, 9, 12]
        .iter()
        .filter(|n| area.len() >= **n)
        .map(|n| area[..*n].to_owned())
        .collect();
    if prefixes.is_empty() || roles.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = String::from("SELECT id FROM users WHERE locked = 0 AND scope_area IN (");
    let mut n = 0;
    for (k, _) in prefixes.iter().enumerate() {
        n += 1;
        sql.push_str(&format!("{}${n}", if k > 0 { "," } else { "" }));
    }
    sql.push_str(") AND role IN (");
    for (k, _) in roles.iter().enumerate() {
        n += 1;
        sql.push_str(&format!("{}${n}", if k > 0 { "," } else { "" }));
    }
    sql.push_str(") ORDER BY id");
    let mut q = sqlx::query(&sql);
    for p in &prefixes {
        q = q.bind(p.as_str());
    }
    for r in roles {
        q = q.bind(r.as_str());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(StoreError::from))
        .collect()
}

/// Whether a user already has this notice (a reminder is sent once).
pub async fn exists(
    conn: &mut Conn,
    user_id: i64,
    kind: &str,
    link: &str,
    title: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "SELECT 1 AS x FROM inbox WHERE user_id = $1 AND kind = $2 AND link = $3 AND title = $4",
    )
    .bind(user_id)
    .bind(kind)
    .bind(link)
    .bind(title)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}
