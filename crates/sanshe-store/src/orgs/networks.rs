//! Incubation bases, the organizations they incubate, federations and their members.

use crate::audit::bind_all;
use crate::{b, i, os, s, Conn, StoreError, Where};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseRow {
    pub id: i64,
    pub area_code: String,
    pub area_name: String,
    pub name: String,
    pub address: Option<String>,
    pub opened: Option<String>,
    pub area_m2: i64,
    pub incubating: i64,
    pub graduated: i64,
}

pub async fn bases(conn: &mut Conn, within: Option<&str>) -> Result<Vec<BaseRow>, StoreError> {
    let mut w = Where::new();
    if let Some(r) = within {
        w.subtree("b.area_code", r);
    }
    let sql = format!(
        "SELECT b.id, b.area_code, a.name AS area_name, b.name, b.address, b.opened, b.area_m2, \
         (SELECT COUNT(*) FROM incubations n WHERE n.base_id = b.id AND n.graduated IS NULL) AS incubating, \
         (SELECT COUNT(*) FROM incubations n WHERE n.base_id = b.id AND n.graduated IS NOT NULL) AS graduated \
         FROM incubation_bases b JOIN areas a ON a.code = b.area_code WHERE {} ORDER BY b.area_code, b.id",
        w.sql()
    );
    let rows = bind_all(sqlx::query(&sql), &w.binds)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(BaseRow {
                id: r.try_get("id")?,
                area_code: r.try_get("area_code")?,
                area_name: r.try_get("area_name")?,
                name: r.try_get("name")?,
                address: r.try_get("address")?,
                opened: r.try_get("opened")?,
                area_m2: r.try_get("area_m2")?,
                incubating: r.try_get("incubating")?,
                graduated: r.try_get("graduated")?,
            })
        })
        .collect()
}

pub async fn insert_base(
    conn: &mut Conn,
    area_code: &str,
    name: &str,
    address: Option<&str>,
    opened: Option<&str>,
    area_m2: i64,
    demo: bool,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let row = sqlx::query(
        "INSERT INTO incubation_bases (area_code, name, address, opened, area_m2, demo, created_at, \
         updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
    )
    .bind(area_code)
    .bind(name)
    .bind(address)
    .bind(opened)
    .bind(area_m2)
    .bind(demo as i64)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncubationRow {
    pub id: i64,
    pub base_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub entered: String,
    pub graduated: Option<String>,
    pub funds_fen: i64,
    pub venue: bool,
    pub training_hours: i64,
    pub notes: Option<String>,
}

pub async fn incubations(
    conn: &mut Conn,
    base_id: Option<i64>,
    org_id: Option<i64>,
) -> Result<Vec<IncubationRow>, StoreError> {
    let mut w = Where::new();
    if let Some(b) = base_id {
        w.push("n.base_id = ?", vec![i(b)]);
    }
    if let Some(o) = org_id {
        w.push("n.org_id = ?", vec![i(o)]);
    }
    let sql = format!(
        "{INC_SELECT} WHERE {} ORDER BY n.entered DESC, n.id",
        w.sql()
    );
    let rows = bind_all(sqlx::query(&sql), &w.binds)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(incubation_row).collect::<Result<_, _>>()?)
}

const INC_SELECT: &str = "SELECT n.id, n.base_id, n.org_id, o.name AS org_name, n.entered, \
     n.graduated, n.funds_fen, n.venue, n.training_hours, n.notes FROM incubations n \
     JOIN organizations o ON o.id = n.org_id";

fn incubation_row(r: &sqlx::any::AnyRow) -> Result<IncubationRow, sqlx::Error> {
    Ok(IncubationRow {
        id: r.try_get("id")?,
        base_id: r.try_get("base_id")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        entered: r.try_get("entered")?,
        graduated: r.try_get("graduated")?,
        funds_fen: r.try_get("funds_fen")?,
        venue: r.try_get::<i64, _>("venue")? != 0,
        training_hours: r.try_get("training_hours")?,
        notes: r.try_get("notes")?,
    })
}

/// The incubations of several bases, by base, newest first within each.
pub async fn incubations_of(
    conn: &mut Conn,
    bases: &[i64],
) -> Result<Vec<IncubationRow>, StoreError> {
    let sql = format!(
        "{INC_SELECT} WHERE n.base_id IN ({{ids}}) ORDER BY n.base_id, n.entered DESC, n.id"
    );
    crate::fetch_in(conn, &sql, bases, incubation_row).await
}

pub async fn insert_incubation(conn: &mut Conn, n: &IncubationRow) -> Result<i64, StoreError> {
    let binds = vec![
        i(n.base_id),
        i(n.org_id),
        s(&n.entered),
        os(&n.graduated),
        i(n.funds_fen),
        b(n.venue),
        i(n.training_hours),
        os(&n.notes),
        i(crate::audit::now()),
    ];
    let row = bind_all(
        sqlx::query(
            "INSERT INTO incubations (base_id, org_id, entered, graduated, funds_fen, venue, \
             training_hours, notes, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
        ),
        &binds,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn graduate(conn: &mut Conn, id: i64, date: &str) -> Result<bool, StoreError> {
    let r =
        sqlx::query("UPDATE incubations SET graduated = $1 WHERE id = $2 AND graduated IS NULL")
            .bind(date)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    Ok(r.rows_affected() > 0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationRow {
    pub id: i64,
    pub area_code: String,
    pub area_name: String,
    pub name: String,
    pub founded: Option<String>,
    pub members: i64,
}

pub async fn federations(
    conn: &mut Conn,
    within: Option<&str>,
) -> Result<Vec<FederationRow>, StoreError> {
    let mut w = Where::new();
    if let Some(r) = within {
        w.subtree("f.area_code", r);
    }
    let sql = format!(
        "SELECT f.id, f.area_code, a.name AS area_name, f.name, f.founded, \
         (SELECT COUNT(*) FROM federation_members m WHERE m.federation_id = f.id) AS members \
         FROM federations f JOIN areas a ON a.code = f.area_code WHERE {} ORDER BY f.area_code, f.id",
        w.sql()
    );
    let rows = bind_all(sqlx::query(&sql), &w.binds)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(FederationRow {
                id: r.try_get("id")?,
                area_code: r.try_get("area_code")?,
                area_name: r.try_get("area_name")?,
                name: r.try_get("name")?,
                founded: r.try_get("founded")?,
                members: r.try_get("members")?,
            })
        })
        .collect()
}

pub async fn insert_federation(
    conn: &mut Conn,
    area_code: &str,
    name: &str,
    founded: Option<&str>,
    demo: bool,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let row = sqlx::query(
        "INSERT INTO federations (area_code, name, founded, demo, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$5) RETURNING id",
    )
    .bind(area_code)
    .bind(name)
    .bind(founded)
    .bind(demo as i64)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn add_federation_member(
    conn: &mut Conn,
    federation_id: i64,
    org_id: i64,
    joined: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO federation_members (federation_id, org_id, joined) VALUES ($1,$2,$3)")
        .bind(federation_id)
        .bind(org_id)
        .bind(joined)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn federation_members(
    conn: &mut Conn,
    federation_id: i64,
) -> Result<Vec<(i64, String, Option<String>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.org_id, o.name, m.joined FROM federation_members m \
         JOIN organizations o ON o.id = m.org_id WHERE m.federation_id = $1 ORDER BY o.name",
    )
    .bind(federation_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("org_id")?,
                r.try_get("name")?,
                r.try_get("joined")?,
            ))
        })
        .collect()
}

/// The members of several federations, as (federation, org, name, joined), by federation
/// then name.
pub async fn members_of(
    conn: &mut Conn,
    federations: &[i64],
) -> Result<Vec<(i64, i64, String, Option<String>)>, StoreError> {
    let sql = "SELECT m.federation_id, m.org_id, o.name, m.joined FROM federation_members m \
               JOIN organizations o ON o.id = m.org_id WHERE m.federation_id IN ({ids}) \
               ORDER BY m.federation_id, o.name";
    crate::fetch_in(conn, sql, federations, |r| {
        Ok((
            r.try_get("federation_id")?,
            r.try_get("org_id")?,
            r.try_get("name")?,
            r.try_get("joined")?,
        ))
    })
    .await
}

// ---- fund ledger ------------------------------------------------------------------------
