//! `posts`: community posts (professional social-work posts, committee posts) and their
//! holders.

use crate::{b, like_pattern, s, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostRow {
    pub id: i64,
    pub area_code: String,
    pub area_name: String,
    pub title: String,
    pub professional: bool,
    pub committee: bool,
    pub holder_id: Option<i64>,
    pub holder_name: Option<String>,
    pub holder_cert_level: Option<String>,
    /// The holder's masked ID number.
    pub holder_masked: Option<String>,
    /// The holder's encrypted ID number (revealed only through an audited use case).
    pub holder_cipher: Option<String>,
    pub demo: bool,
}

#[derive(Debug, Clone, Default)]
pub struct PostFilter {
    pub within: Option<String>,
    pub professional: Option<bool>,
    pub committee: Option<bool>,
    pub vacant: Option<bool>,
    pub q: Option<String>,
}

const POST_SELECT: &str = "SELECT p.id, p.area_code, a.name AS area_name, p.title, \
    p.professional, p.committee, p.holder_id, h.name AS holder_name, \
    h.cert_level AS holder_cert_level, h.id_masked AS holder_masked, \
    h.id_cipher AS holder_cipher, p.demo";
const POST_FROM: &str = "FROM posts p JOIN areas a ON a.code = p.area_code \
    LEFT JOIN social_workers h ON h.id = p.holder_id";

fn post_from_row(r: &AnyRow) -> Result<PostRow, sqlx::Error> {
    Ok(PostRow {
        id: r.try_get("id")?,
        area_code: r.try_get("area_code")?,
        area_name: r.try_get("area_name")?,
        title: r.try_get("title")?,
        professional: r.try_get::<i64, _>("professional")? != 0,
        committee: r.try_get::<i64, _>("committee")? != 0,
        holder_id: r.try_get("holder_id")?,
        holder_name: r.try_get("holder_name")?,
        holder_cert_level: r.try_get("holder_cert_level")?,
        holder_masked: r.try_get("holder_masked")?,
        holder_cipher: r.try_get("holder_cipher")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
    })
}

pub async fn posts(
    conn: &mut Conn,
    f: &PostFilter,
    page: PageReq,
) -> Result<Paged<PostRow>, StoreError> {
    let mut w = Where::new();
    if let Some(r) = &f.within {
        w.subtree("p.area_code", r);
    }
    if let Some(v) = f.professional {
        w.push("p.professional = ?", vec![b(v)]);
    }
    if let Some(v) = f.committee {
        w.push("p.committee = ?", vec![b(v)]);
    }
    match f.vacant {
        Some(true) => w.push("p.holder_id IS NULL", vec![]),
        Some(false) => w.push("p.holder_id IS NOT NULL", vec![]),
        None => {}
    }
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        w.push(
            "(p.title LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\' OR COALESCE(h.name,'') LIKE ? ESCAPE '\\')",
            vec![s(&p), s(&p), s(&p)],
        );
    }
    w.page(
        conn,
        POST_FROM,
        &format!("{POST_SELECT} {POST_FROM}"),
        "p.area_code, p.committee DESC, p.title, p.id",
        page,
        post_from_row,
    )
    .await
}

pub async fn insert_post(conn: &mut Conn, p: &PostRow) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let row = sqlx::query(
        "INSERT INTO posts (area_code, title, professional, committee, holder_id, demo, created_at, \
         updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
    )
    .bind(&p.area_code)
    .bind(&p.title)
    .bind(p.professional as i64)
    .bind(p.committee as i64)
    .bind(p.holder_id)
    .bind(p.demo as i64)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get_post(conn: &mut Conn, id: i64) -> Result<Option<PostRow>, StoreError> {
    let row = sqlx::query(&format!("{POST_SELECT} {POST_FROM} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(post_from_row).transpose()?)
}

pub async fn update_post(conn: &mut Conn, p: &PostRow) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE posts SET title=$1, professional=$2, committee=$3, holder_id=$4, updated_at=$5, \
         area_code=$7 WHERE id=$6",
    )
    .bind(&p.title)
    .bind(p.professional as i64)
    .bind(p.committee as i64)
    .bind(p.holder_id)
    .bind(crate::audit::now())
    .bind(p.id)
    .bind(&p.area_code)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn delete_post(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let r = sqlx::query("DELETE FROM posts WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() > 0)
}
