//! Areas (行政区划) and their populations per year.

use crate::audit::{bind_all, Bind};
use crate::{like_pattern, Conn, PageReq, Paged, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaRow {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: String,
    pub name: String,
    pub urban: bool,
    pub urban_overridden: bool,
    pub demo: bool,
    pub updated_at: i64,
    /// Residents and households in the requested year: the area's own figure for a
    /// community, the sum over its communities otherwise. None when nothing is recorded.
    pub residents: Option<i64>,
    pub households: Option<i64>,
    /// Number of direct children.
    pub children: i64,
}

/// Inclusive code range of a subtree: all codes are digit strings that nest by prefix.
pub fn subtree_range(prefix: &str) -> (String, String) {
    let mut hi = prefix.to_owned();
    while hi.len() < 12 {
        hi.push('9');
    }
    (prefix.to_owned(), hi)
}

const SELECT: &str = "SELECT a.code, a.parent_code, a.level, a.name, a.urban, a.urban_overridden, \
    a.demo, a.updated_at, \
    (SELECT COUNT(*) FROM areas c WHERE c.parent_code = a.code) AS children, \
    CASE WHEN a.level = 'community' THEN p.residents ELSE \
      (SELECT CAST(SUM(q.residents) AS BIGINT) FROM area_populations q \
        WHERE q.year = $1 AND q.area_code > a.code AND q.area_code <= a.code || '999999' \
        AND LENGTH(q.area_code) = 12) END AS residents, \
    CASE WHEN a.level = 'community' THEN p.households ELSE \
      (SELECT CAST(SUM(q.households) AS BIGINT) FROM area_populations q \
        WHERE q.year = $1 AND q.area_code > a.code AND q.area_code <= a.code || '999999' \
        AND LENGTH(q.area_code) = 12) END AS households \
    FROM areas a LEFT JOIN area_populations p ON p.area_code = a.code AND p.year = $1";

fn from_row(r: &AnyRow) -> Result<AreaRow, sqlx::Error> {
    Ok(AreaRow {
        code: r.try_get("code")?,
        parent_code: r.try_get("parent_code")?,
        level: r.try_get("level")?,
        name: r.try_get("name")?,
        urban: r.try_get::<i64, _>("urban")? != 0,
        urban_overridden: r.try_get::<i64, _>("urban_overridden")? != 0,
        demo: r.try_get::<i64, _>("demo")? != 0,
        updated_at: r.try_get("updated_at")?,
        residents: r.try_get("residents")?,
        households: r.try_get("households")?,
        children: r.try_get("children")?,
    })
}

pub async fn get(conn: &mut Conn, code: &str, year: i64) -> Result<Option<AreaRow>, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE a.code = $2"))
        .bind(year)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn exists(conn: &mut Conn, code: &str) -> Result<bool, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM areas WHERE code = $1")
        .bind(code)
        .fetch_one(&mut *conn)
        .await?;
    Ok(row.try_get::<i64, _>("n")? > 0)
}

/// Codes (among `codes`) that already exist.
pub async fn existing_codes(
    conn: &mut Conn,
    codes: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    Ok(names(conn, codes).await?.into_keys().collect())
}

/// Names of the areas among `codes` that exist (code → name), in chunks of 500.
pub async fn names(
    conn: &mut Conn,
    codes: &[String],
) -> Result<std::collections::HashMap<String, String>, StoreError> {
    let mut out = std::collections::HashMap::new();
    for chunk in codes.chunks(500) {
        let sql = format!(
            "SELECT code, name FROM areas WHERE code IN ({})",
            crate::marks(1, chunk.len())
        );
        let mut q = sqlx::query(&sql);
        for c in chunk {
            q = q.bind(c.as_str());
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.insert(r.try_get("code")?, r.try_get("name")?);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Default)]
pub struct AreaFilter {
    /// Restrict to this subtree (the actor's scope, or a chosen parent subtree).
    pub within: Option<String>,
    pub parent: Option<String>,
    pub level: Option<String>,
    pub urban: Option<bool>,
    /// Substring of the name or prefix of the code.
    pub q: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AreaSort {
    #[default]
    Code,
    Name,
    Residents,
}

pub async fn list(
    conn: &mut Conn,
    f: &AreaFilter,
    sort: AreaSort,
    year: i64,
    page: PageReq,
) -> Result<Paged<AreaRow>, StoreError> {
    let mut w = vec!["1=1".to_owned()];
    // $1 is the year.
    let mut b: Vec<Bind> = vec![Bind::I(year)];
    if let Some(p) = &f.within {
        let (lo, hi) = subtree_range(p);
        b.push(Bind::S(lo));
        b.push(Bind::S(hi));
        w.push(format!(
            "a.code >= ${} AND a.code <= ${}",
            b.len() - 1,
            b.len()
        ));
    }
    if let Some(p) = &f.parent {
        b.push(Bind::S(p.clone()));
        w.push(format!("a.parent_code = ${}", b.len()));
    }
    if let Some(l) = &f.level {
        b.push(Bind::S(l.clone()));
        w.push(format!("a.level = ${}", b.len()));
    }
    if let Some(u) = f.urban {
        b.push(Bind::I(u as i64));
        w.push(format!("a.urban = ${}", b.len()));
    }
    if let Some(q) = &f.q {
        b.push(Bind::S(like_pattern(q)));
        let n = b.len();
        b.push(Bind::S(format!("{}%", q.replace(['%', '_', '\\'], ""))));
        w.push(format!(
            "(a.name LIKE ${n} ESCAPE '\\' OR a.code LIKE ${})",
            n + 1
        ));
    }
    let w = w.join(" AND ");
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM areas a WHERE {}",
        // the count query has no $1 (year): renumber by binding year anyway as a no-op clause
        w
    );
    let total: i64 = bind_all(sqlx::query(&format!("{count_sql} AND $1 = $1")), &b)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let order = match sort {
        AreaSort::Code => "a.code",
        AreaSort::Name => "a.name, a.code",
        AreaSort::Residents => "residents DESC, a.code",
    };
    let n = b.len();
    let sql = format!(
        "{SELECT} WHERE {w} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows = bind_all(sqlx::query(&sql), &b)
        .bind(page.per_page)
        .bind(page.offset())
        .fetch_all(&mut *conn)
        .await?;
    let items = rows.iter().map(from_row).collect::<Result<_, _>>()?;
    Ok(Paged {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Direct children of an area, ordered by code.
pub async fn children(conn: &mut Conn, code: &str, year: i64) -> Result<Vec<AreaRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE a.parent_code = $2 ORDER BY a.code"
    ))
    .bind(year)
    .bind(code)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// The children of several areas, light: (parent, code, name) by parent then code, one
/// statement per few hundred parents (a district's communities street by street).
pub async fn children_of(
    conn: &mut Conn,
    parents: &[String],
) -> Result<Vec<(String, String, String)>, StoreError> {
    let sql = "SELECT parent_code, code, name FROM areas WHERE parent_code IN ({ids}) \
               ORDER BY parent_code, code";
    crate::fetch_in(conn, sql, parents, |r| {
        Ok((
            r.try_get("parent_code")?,
            r.try_get("code")?,
            r.try_get("name")?,
        ))
    })
    .await
}

/// Areas with no parent as (code, name, level), ordered by code: names only, without the
/// figures [`roots`] adds up under each.
pub async fn root_names(conn: &mut Conn) -> Result<Vec<(String, String, String)>, StoreError> {
    let rows =
        sqlx::query("SELECT code, name, level FROM areas WHERE parent_code IS NULL ORDER BY code")
            .fetch_all(&mut *conn)
            .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("name")?, r.try_get("level")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Areas with no parent (districts), ordered by code.
pub async fn roots(conn: &mut Conn, year: i64) -> Result<Vec<AreaRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE a.parent_code IS NULL AND $1 = $1 ORDER BY a.code"
    ))
    .bind(year)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(from_row).collect::<Result<_, _>>()?)
}

/// Number of areas per level inside a subtree (None: everywhere).
pub async fn count_by_level(
    conn: &mut Conn,
    within: Option<&str>,
) -> Result<Vec<(String, i64)>, StoreError> {
    let (lo, hi) = within
        .map(subtree_range)
        .unwrap_or_else(|| ("0".into(), "999999999999".into()));
    let rows = sqlx::query(
        "SELECT level, COUNT(*) AS n FROM areas WHERE code >= $1 AND code <= $2 GROUP BY level",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("level")?, r.try_get("n")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

pub struct NewArea<'a> {
    pub code: &'a str,
    pub parent_code: Option<&'a str>,
    pub level: &'a str,
    pub name: &'a str,
    pub urban: bool,
    pub demo: bool,
}

pub async fn insert(conn: &mut Conn, a: &NewArea<'_>) -> Result<(), StoreError> {
    let now = crate::audit::now();
    sqlx::query(
        "INSERT INTO areas (code, parent_code, level, name, urban, urban_overridden, demo, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,0,$6,$7,$7)",
    )
    .bind(a.code)
    .bind(a.parent_code)
    .bind(a.level)
    .bind(a.name)
    .bind(a.urban as i64)
    .bind(a.demo as i64)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn update(
    conn: &mut Conn,
    code: &str,
    name: &str,
    urban: bool,
    urban_overridden: bool,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE areas SET name = $1, urban = $2, urban_overridden = $3, updated_at = $4 WHERE code = $5",
    )
    .bind(name)
    .bind(urban as i64)
    .bind(urban_overridden as i64)
    .bind(crate::audit::now())
    .bind(code)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationRow {
    pub year: i64,
    pub residents: i64,
    pub households: i64,
}

pub async fn populations(conn: &mut Conn, code: &str) -> Result<Vec<PopulationRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT year, residents, households FROM area_populations WHERE area_code = $1 ORDER BY year DESC",
    )
    .bind(code)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(PopulationRow {
                year: r.try_get("year")?,
                residents: r.try_get("residents")?,
                households: r.try_get("households")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

pub async fn set_population(
    conn: &mut Conn,
    code: &str,
    p: &PopulationRow,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO area_populations (area_code, year, residents, households, updated_at) \
         VALUES ($1,$2,$3,$4,$5) ON CONFLICT (area_code, year) DO UPDATE SET \
         residents = excluded.residents, households = excluded.households, updated_at = excluded.updated_at",
    )
    .bind(code)
    .bind(p.year)
    .bind(p.residents)
    .bind(p.households)
    .bind(crate::audit::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The most recent year with any population figure (None on an empty database).
/// The latest year with population figures, not after `max_year` (figures entered ahead
/// for a future year do not move every page's default year into the future).
pub async fn latest_year(conn: &mut Conn, max_year: i64) -> Result<Option<i64>, StoreError> {
    let r = sqlx::query("SELECT MAX(year) AS y FROM area_populations WHERE year <= $1")
        .bind(max_year)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get("y")?)
}

pub async fn count(conn: &mut Conn) -> Result<i64, StoreError> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM areas")
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get("n")?)
}

/// True when the database holds the demo district.
pub async fn has_demo(conn: &mut Conn) -> Result<bool, StoreError> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM areas WHERE demo = 1")
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get::<i64, _>("n")? > 0)
}

/// A light reference to an area, for resolving import cells.
#[derive(Debug, Clone)]
pub struct AreaRef {
    pub code: String,
    pub name: String,
    pub level: String,
    pub urban: bool,
}

/// Every area of a subtree (None: all) as light references, in one query.
pub async fn refs_within(conn: &mut Conn, root: Option<&str>) -> Result<Vec<AreaRef>, StoreError> {
    let (lo, hi) = subtree_range(root.unwrap_or(""));
    let rows = sqlx::query(
        "SELECT code, name, level, urban FROM areas WHERE code >= $1 AND code <= $2 ORDER BY code",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *conn)
    .await?;
    area_refs(&rows)
}

/// Communities of a subtree (None: all) with their street's name, for a picker: at most
/// `limit`, in code order (one index range on `(level, code)`).
pub async fn communities_within(
    conn: &mut Conn,
    root: Option<&str>,
    find: Option<&str>,
    limit: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let (lo, hi) = subtree_range(root.unwrap_or(""));
    // `find`: a part of the community's or its street's name (a resident looking for theirs
    // in a province-sized list).
    let pattern = crate::like_pattern(find.unwrap_or(""));
    let rows = sqlx::query(
        "SELECT c.code, COALESCE(p.name || ' ', '') || c.name AS label FROM areas c \
         LEFT JOIN areas p ON p.code = c.parent_code \
         WHERE c.level = 'community' AND c.code >= $1 AND c.code <= $2 \
         AND (c.name LIKE $4 ESCAPE '\\' OR COALESCE(p.name, '') LIKE $4 ESCAPE '\\') \
         ORDER BY c.code LIMIT $3",
    )
    .bind(lo)
    .bind(hi)
    .bind(limit)
    .bind(pattern)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("label")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// The areas of a subtree (None: all) whose code or name is one of `vals`: what a single
/// record's cells can refer to, found with index look-ups instead of loading the subtree.
pub async fn refs_matching(
    conn: &mut Conn,
    root: Option<&str>,
    vals: &[String],
) -> Result<Vec<AreaRef>, StoreError> {
    if vals.is_empty() {
        return Ok(Vec::new());
    }
    let (lo, hi) = subtree_range(root.unwrap_or(""));
    let list = crate::marks(3, vals.len());
    let sql = format!(
        "SELECT code, name, level, urban FROM areas WHERE code >= $1 AND code <= $2 \
         AND (code IN ({list}) OR name IN ({list})) ORDER BY code"
    );
    let mut q = sqlx::query(&sql).bind(lo).bind(hi);
    for v in vals {
        q = q.bind(v.as_str());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    area_refs(&rows)
}

fn area_refs(rows: &[sqlx::any::AnyRow]) -> Result<Vec<AreaRef>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(AreaRef {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                level: r.try_get("level")?,
                urban: r.try_get::<i64, _>("urban")? != 0,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
