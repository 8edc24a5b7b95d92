//! Community service facilities (社区服务设施) and their photos.

use crate::audit::bind_all;
use crate::{b, i, like_pattern, os, s, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityRow {
    pub id: i64,
    pub area_code: String,
    pub area_name: String,
    pub name: String,
    pub kind: String,
    /// m² × 100.
    pub area_m2_centi: i64,
    pub address: Option<String>,
    /// Seven `HH:MM-HH:MM` or empty entries, Monday first, comma-separated.
    pub hours: String,
    /// Shortest opening of the open days, in minutes.
    pub daily_minutes: i64,
    /// Comma-separated functions offered.
    pub functions: String,
    pub status: String,
    pub demo: bool,
    pub updated_at: i64,
    pub photos: i64,
}

#[derive(Debug, Clone, Default)]
pub struct FacilityData {
    pub area_code: String,
    pub name: String,
    pub kind: String,
    pub area_m2_centi: i64,
    pub address: Option<String>,
    pub hours: String,
    pub daily_minutes: i64,
    pub functions: String,
    pub status: String,
    pub demo: bool,
}

const SELECT: &str = "SELECT f.id, f.area_code, a.name AS area_name, f.name, f.kind, \
    f.area_m2_centi, f.address, f.hours, f.daily_minutes, f.functions, f.status, f.demo, \
    f.updated_at, (SELECT COUNT(*) FROM attachments p WHERE p.owner_kind = 'facility' AND p.owner_id = f.id) AS photos \
    FROM facilities f JOIN areas a ON a.code = f.area_code";

fn from_row(r: &AnyRow) -> Result<FacilityRow, sqlx::Error> {
    Ok(FacilityRow {
        id: r.try_get("id")?,
        area_code: r.try_get("area_code")?,
        area_name: r.try_get("area_name")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        area_m2_centi: r.try_get("area_m2_centi")?,
        address: r.try_get("address")?,
        hours: r.try_get("hours")?,
        daily_minutes: r.try_get("daily_minutes")?,
        functions: r.try_get("functions")?,
        status: r.try_get("status")?,
        demo: r.try_get::<i64, _>("demo")? != 0,
        updated_at: r.try_get("updated_at")?,
        photos: r.try_get("photos")?,
    })
}

#[derive(Debug, Clone, Default)]
pub struct FacilityFilter {
    pub within: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub q: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FacilitySort {
    #[default]
    Area,
    Name,
    Size,
    Updated,
}

impl FacilitySort {
    pub fn parse(s: Option<&str>) -> FacilitySort {
        match s {
            Some("name") => FacilitySort::Name,
            Some("size") => FacilitySort::Size,
            Some("updated") => FacilitySort::Updated,
            _ => FacilitySort::Area,
        }
    }
}

pub async fn list(
    conn: &mut Conn,
    f: &FacilityFilter,
    sort: FacilitySort,
    page: PageReq,
) -> Result<Paged<FacilityRow>, StoreError> {
    let mut w = Where::new();
    if let Some(root) = &f.within {
        w.subtree("f.area_code", root);
    }
    if let Some(k) = &f.kind {
        w.push("f.kind = ?", vec![s(k)]);
    }
    if let Some(st) = &f.status {
        w.push("f.status = ?", vec![s(st)]);
    }
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        w.push(
            "(f.name LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\' OR COALESCE(f.address,'') LIKE ? ESCAPE '\\')",
            vec![s(&p), s(&p), s(&p)],
        );
    }
    let order = match sort {
        FacilitySort::Area => "f.area_code, f.kind, f.name",
        FacilitySort::Name => "f.name, f.id",
        FacilitySort::Size => "f.area_m2_centi DESC, f.id",
        FacilitySort::Updated => "f.updated_at DESC, f.id",
    };
    w.page(
        conn,
        "FROM facilities f JOIN areas a ON a.code = f.area_code",
        SELECT,
        order,
        page,
        from_row,
    )
    .await
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<FacilityRow>, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE f.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The id of the facility with this name in this area, if any (import duplicate check).
pub async fn find(conn: &mut Conn, area_code: &str, name: &str) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT id FROM facilities WHERE area_code = $1 AND name = $2")
        .bind(area_code)
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("id")).transpose()?)
}

const INSERT_HEAD: &str = "INSERT INTO facilities (area_code, name, kind, area_m2_centi, \
    address, hours, daily_minutes, functions, status, demo, created_at, updated_at, \
    open_profile) VALUES ";
const INSERT_ROW: &str = "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$11,$12)";

fn insert_binds(d: &FacilityData, now: i64) -> Vec<crate::audit::Bind> {
    vec![
        s(&d.area_code),
        s(&d.name),
        s(&d.kind),
        i(d.area_m2_centi),
        os(&d.address),
        s(&d.hours),
        i(d.daily_minutes),
        s(&d.functions),
        s(&d.status),
        b(d.demo),
        i(now),
        s(open_profile(&d.hours)),
    ]
}

pub async fn insert(conn: &mut Conn, d: &FacilityData) -> Result<i64, StoreError> {
    let binds = insert_binds(d, crate::audit::now());
    let row = bind_all(
        sqlx::query(&format!("{INSERT_HEAD}{INSERT_ROW} RETURNING id")),
        &binds,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Inserts many facilities (an import), a few hundred per statement; the new ids.
pub async fn insert_many(conn: &mut Conn, ds: &[FacilityData]) -> Result<Vec<i64>, StoreError> {
    let now = crate::audit::now();
    let rows: Vec<_> = ds.iter().map(|d| insert_binds(d, now)).collect();
    crate::audit::insert_many(conn, INSERT_HEAD, INSERT_ROW, &rows).await
}

pub async fn update(conn: &mut Conn, id: i64, d: &FacilityData) -> Result<bool, StoreError> {
    let binds = vec![
        s(&d.area_code),
        s(&d.name),
        s(&d.kind),
        i(d.area_m2_centi),
        os(&d.address),
        s(&d.hours),
        i(d.daily_minutes),
        s(&d.functions),
        s(&d.status),
        i(crate::audit::now()),
        i(id),
        s(open_profile(&d.hours)),
    ];
    let r = bind_all(
        sqlx::query(
            "UPDATE facilities SET area_code=$1, name=$2, kind=$3, area_m2_centi=$4, address=$5, \
             hours=$6, daily_minutes=$7, functions=$8, status=$9, updated_at=$10, \
             open_profile=$12 WHERE id=$11",
        ),
        &binds,
    )
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    crate::attachments::delete_all(conn, "facility", id).await?;
    let r = sqlx::query("DELETE FROM facilities WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoRow {
    pub id: i64,
    pub facility_id: i64,
    pub file_name: String,
    /// Path relative to the data directory.
    pub stored_name: String,
    pub content_type: String,
    pub size: i64,
}

/// A facility's photos (attachments of kind `facility`).
pub async fn photos(conn: &mut Conn, facility_id: i64) -> Result<Vec<PhotoRow>, StoreError> {
    Ok(crate::attachments::list(conn, "facility", facility_id)
        .await?
        .into_iter()
        .map(|a| PhotoRow {
            id: a.id,
            facility_id,
            file_name: a.file_name,
            stored_name: a.stored_name,
            content_type: a.content_type,
            size: a.size,
        })
        .collect())
}

pub async fn add_photo(
    conn: &mut Conn,
    p: &PhotoRow,
    sm3: &str,
    by: Option<i64>,
) -> Result<i64, StoreError> {
    crate::attachments::insert(
        conn,
        &crate::attachments::AttachmentRow {
            owner_kind: "facility".into(),
            owner_id: p.facility_id,
            file_name: p.file_name.clone(),
            stored_name: p.stored_name.clone(),
            content_type: p.content_type.clone(),
            size: p.size,
            sm3: Some(sm3.to_owned()),
            created_by: by,
            ..Default::default()
        },
    )
    .await
}

pub async fn delete_photo(conn: &mut Conn, facility_id: i64, id: i64) -> Result<bool, StoreError> {
    crate::attachments::delete(conn, "facility", facility_id, id).await
}

/// The open profile kept beside `hours` (see
/// [`sanshe_domain::registry::WeekHours::open_profile`]); `-` when never open.
pub fn open_profile(hours: &str) -> String {
    let p = sanshe_domain::registry::WeekHours::parse(hours)
        .map(|w| w.open_profile())
        .unwrap_or_default();
    if p.is_empty() {
        "-".into()
    } else {
        p
    }
}

/// Facilities with opening hours but no open profile yet (written before profiles were
/// kept): (id, hours) after id `after`, at most `limit`.
pub async fn missing_open_profiles(
    conn: &mut Conn,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, hours FROM facilities WHERE open_profile = '' AND hours <> '' AND id > $2 \
         ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .bind(after)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("hours")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Sets computed open profiles.
pub async fn set_open_profiles(
    conn: &mut Conn,
    profiles: &[(i64, String)],
) -> Result<(), StoreError> {
    for (id, p) in profiles {
        sqlx::query("UPDATE facilities SET open_profile = $1 WHERE id = $2")
            .bind(p.as_str())
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
