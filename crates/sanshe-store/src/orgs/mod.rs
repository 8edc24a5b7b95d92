//! Social organizations (社会组织): registered and filed, with the communities they serve,
//! incubation bases, federations and community foundations' fund ledgers.

use crate::audit::bind_all;
use crate::{b, i, like_pattern, os, s, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

mod fund;
mod networks;

pub use fund::*;
pub use networks::*;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub area_code: Option<String>,
    pub area_name: Option<String>,
    pub registered: bool,
    pub credit_code: Option<String>,
    pub filing_no: Option<String>,
    pub authority: Option<String>,
    pub head: Option<String>,
    pub founded: Option<String>,
    pub address: Option<String>,
    /// Comma-separated service-domain keys.
    pub domains: String,
    pub staff: i64,
    pub members: i64,
    pub status: String,
    pub annual_result: String,
    pub blacklisted_until: Option<String>,
    pub blacklist_reason: Option<String>,
    /// Counted as a community social organization of its community.
    pub community_org: bool,
    pub demo: bool,
    pub updated_at: i64,
}

/// Everything a form or import row sets.
#[derive(Debug, Clone, Default)]
pub struct OrgData {
    pub name: String,
    pub kind: String,
    pub area_code: Option<String>,
    pub registered: bool,
    pub credit_code: Option<String>,
    pub filing_no: Option<String>,
    pub authority: Option<String>,
    pub head: Option<String>,
    pub founded: Option<String>,
    pub address: Option<String>,
    pub domains: String,
    pub staff: i64,
    pub members: i64,
    pub status: String,
    pub annual_result: String,
    pub blacklisted_until: Option<String>,
    pub blacklist_reason: Option<String>,
    pub community_org: bool,
    pub demo: bool,
}

const SELECT: &str = "SELECT o.id, o.name, o.kind, o.area_code, a.name AS area_name, \
    o.registered, o.credit_code, o.filing_no, o.authority, o.head, o.founded, o.address, \
    o.domains, o.staff, o.members, o.status, o.annual_result, o.blacklisted_until, \
    o.blacklist_reason, o.community_org, o.demo, o.updated_at \
    FROM organizations o LEFT JOIN areas a ON a.code = o.area_code";

fn from_row(r: &AnyRow) -> Result<OrgRow, sqlx::Error> {
    Ok(OrgRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        area_code: r.try_get("area_code")?,
        area_name: r.try_get("area_name")?,
        registered: r.try_get::<i64, _>("registered")? != 0,
        credit_code: r.try_get("credit_code")?,
        filing_no: r.try_get("filing_no")?,
        authority: r.try_get("authority")?,
        head: r.try_get("head")?,
        founded: r.try_get("founded")?,
        address: r.try_get("address")?,
        domains: r.try_get("domains")?,
        staff: r.try_get("staff")?,
        members: r.try_get("members")?,
        status: r.try_get("status")?,
        annual_result: r.try_get("annual_result")?,
        blacklisted_until: r.try_get("blacklisted_until")?,
        blacklist_reason: r.try_get("blacklist_reason")?,
        community_org: r.try_get::<i64, _>("community_org")? != 0,
        demo: r.try_get::<i64, _>("demo")? != 0,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Creates a minimal organization (accounts and demo set-up).
pub async fn create(
    conn: &mut Conn,
    name: &str,
    kind: &str,
    area_code: Option<&str>,
    credit_code: Option<&str>,
    demo: bool,
) -> Result<i64, StoreError> {
    insert(
        conn,
        &OrgData {
            name: name.into(),
            kind: kind.into(),
            area_code: area_code.map(str::to_owned),
            credit_code: credit_code.map(str::to_owned),
            registered: kind != "community_org",
            status: "active".into(),
            annual_result: "none".into(),
            demo,
            ..Default::default()
        },
    )
    .await
}

/// The record's own columns ($1–$18 of the insert and the update), in table order.
fn data_binds(d: &OrgData) -> Vec<crate::audit::Bind> {
    vec![
        s(&d.name),
        s(&d.kind),
        os(&d.area_code),
        b(d.registered),
        os(&d.credit_code),
        os(&d.filing_no),
        os(&d.authority),
        os(&d.head),
        os(&d.founded),
        os(&d.address),
        s(&d.domains),
        i(d.staff),
        i(d.members),
        s(&d.status),
        s(&d.annual_result),
        os(&d.blacklisted_until),
        os(&d.blacklist_reason),
        b(d.community_org),
    ]
}

const INSERT_HEAD: &str = "INSERT INTO organizations (name, kind, area_code, registered, \
    credit_code, filing_no, authority, head, founded, address, domains, staff, members, status, \
    annual_result, blacklisted_until, blacklist_reason, community_org, demo, created_at, \
    updated_at, name_key) VALUES ";
const INSERT_ROW: &str =
    "($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$20,$21)";

fn insert_binds(d: &OrgData, now: i64) -> Vec<crate::audit::Bind> {
    let mut binds = data_binds(d);
    binds.extend([b(d.demo), i(now), s(sanshe_domain::text::name_key(&d.name))]);
    binds
}

pub async fn insert(conn: &mut Conn, d: &OrgData) -> Result<i64, StoreError> {
    let binds = insert_binds(d, crate::audit::now());
    let row = bind_all(
        sqlx::query(&format!("{INSERT_HEAD}{INSERT_ROW} RETURNING id")),
        &binds,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Inserts many organizations (an import), a few hundred per statement; the new ids.
pub async fn insert_many(conn: &mut Conn, ds: &[&OrgData]) -> Result<Vec<i64>, StoreError> {
    let now = crate::audit::now();
    let rows: Vec<_> = ds.iter().map(|d| insert_binds(d, now)).collect();
    crate::audit::insert_many(conn, INSERT_HEAD, INSERT_ROW, &rows).await
}

/// [`insert_many`] for rows that may name the communities they serve: the organizations a
/// few hundred per statement, then their communities the same way (matched to the new ids
/// by name key, which an import keeps unique); the new ids.
pub async fn insert_many_serving(
    conn: &mut Conn,
    ds: &[(&OrgData, &[String])],
) -> Result<Vec<i64>, StoreError> {
    use std::collections::HashMap;
    let now = crate::audit::now();
    let rows: Vec<_> = ds.iter().map(|(d, _)| insert_binds(d, now)).collect();
    let made =
        crate::audit::insert_many_returning(conn, INSERT_HEAD, INSERT_ROW, &rows, "id, name_key")
            .await?;
    // Served communities by name key, in file order for keys that repeat.
    let mut served: HashMap<String, Vec<&[String]>> = HashMap::new();
    for (d, codes) in ds.iter().rev() {
        if !codes.is_empty() {
            served
                .entry(sanshe_domain::text::name_key(&d.name))
                .or_default()
                .push(codes);
        }
    }
    let mut ids = Vec::with_capacity(made.len());
    let mut pairs = Vec::new();
    for r in &made {
        let id: i64 = r.try_get(0)?;
        ids.push(id);
        let key: String = r.try_get(1)?;
        if let Some(codes) = served.get_mut(&key).and_then(Vec::pop) {
            let mut seen = std::collections::HashSet::new();
            for c in codes.iter().filter(|c| seen.insert(c.as_str())) {
                pairs.push(vec![i(id), s(c)]);
            }
        }
    }
    crate::audit::insert_many_returning(
        conn,
        "INSERT INTO org_communities (org_id, area_code) VALUES ",
        "($1,$2)",
        &pairs,
        "org_id",
    )
    .await?;
    Ok(ids)
}

pub async fn update(conn: &mut Conn, id: i64, d: &OrgData) -> Result<bool, StoreError> {
    let mut binds = data_binds(d);
    binds.extend([
        i(crate::audit::now()),
        i(id),
        s(sanshe_domain::text::name_key(&d.name)),
    ]);
    let r = bind_all(
        sqlx::query(
            "UPDATE organizations SET name=$1, kind=$2, area_code=$3, registered=$4, \
             credit_code=$5, filing_no=$6, authority=$7, head=$8, founded=$9, address=$10, \
             domains=$11, staff=$12, members=$13, status=$14, annual_result=$15, \
             blacklisted_until=$16, blacklist_reason=$17, community_org=$18, updated_at=$19, \
             name_key=$21 WHERE id=$20",
        ),
        &binds,
    )
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<OrgRow>, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE o.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

pub async fn find_by_name(conn: &mut Conn, name: &str) -> Result<Option<OrgRow>, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE o.name = $1"))
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// The organization holding a credit code or filing number, if any.
pub async fn find_by_key(
    conn: &mut Conn,
    credit_code: Option<&str>,
    filing_no: Option<&str>,
) -> Result<Option<OrgRow>, StoreError> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE o.credit_code = $1 OR o.filing_no = $2"
    ))
    .bind(credit_code)
    .bind(filing_no)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// Area subtree (the actor's scope or a chosen area).
    pub within: Option<String>,
    /// Only this organization (organization-scoped accounts).
    pub only_id: Option<i64>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub domain: Option<String>,
    pub registered: Option<bool>,
    pub community_org: Option<bool>,
    pub blacklisted: Option<bool>,
    /// Substring of the name, head, credit code or filing number.
    pub q: Option<String>,
    /// Today (YYYY-MM-DD), to tell current blacklistings.
    pub today: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OrgSort {
    #[default]
    Name,
    Area,
    Founded,
    Staff,
    Updated,
}

impl OrgSort {
    pub fn parse(s: Option<&str>) -> OrgSort {
        match s {
            Some("area") => OrgSort::Area,
            Some("founded") => OrgSort::Founded,
            Some("staff") => OrgSort::Staff,
            Some("updated") => OrgSort::Updated,
            _ => OrgSort::Name,
        }
    }
}

fn filter_where(f: &OrgFilter) -> Where {
    let mut w = Where::new();
    if let Some(root) = &f.within {
        w.subtree("o.area_code", root);
    }
    if let Some(id) = f.only_id {
        w.push("o.id = ?", vec![i(id)]);
    }
    if let Some(k) = &f.kind {
        w.push("o.kind = ?", vec![s(k)]);
    }
    if let Some(st) = &f.status {
        w.push("o.status = ?", vec![s(st)]);
    }
    if let Some(d) = &f.domain {
        w.push(
            "(',' || o.domains || ',') LIKE ?",
            vec![s(format!("%,{d},%"))],
        );
    }
    if let Some(r) = f.registered {
        w.push("o.registered = ?", vec![b(r)]);
    }
    if let Some(c) = f.community_org {
        w.push("o.community_org = ?", vec![b(c)]);
    }
    match f.blacklisted {
        Some(true) => w.push(
            "o.blacklisted_until IS NOT NULL AND o.blacklisted_until >= ?",
            vec![s(&f.today)],
        ),
        Some(false) => w.push(
            "(o.blacklisted_until IS NULL OR o.blacklisted_until < ?)",
            vec![s(&f.today)],
        ),
        None => {}
    }
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        w.push(
            "(o.name LIKE ? ESCAPE '\\' OR COALESCE(o.head,'') LIKE ? ESCAPE '\\' \
             OR COALESCE(o.credit_code,'') LIKE ? ESCAPE '\\' OR COALESCE(o.filing_no,'') LIKE ? ESCAPE '\\')",
            vec![s(&p), s(&p), s(&p), s(&p)],
        );
    }
    w
}

pub async fn list(
    conn: &mut Conn,
    f: &OrgFilter,
    sort: OrgSort,
    page: PageReq,
) -> Result<Paged<OrgRow>, StoreError> {
    let w = filter_where(f);
    let order = match sort {
        OrgSort::Name => "o.name, o.id",
        OrgSort::Area => "o.area_code, o.name",
        OrgSort::Founded => "o.founded DESC, o.id",
        OrgSort::Staff => "o.staff DESC, o.id",
        OrgSort::Updated => "o.updated_at DESC, o.id",
    };
    // The page's keys from the narrow table first; names and areas for those rows only.
    w.page_keyed(
        conn,
        "FROM organizations o",
        "o.id",
        SELECT,
        order,
        page,
        from_row,
    )
    .await
}

/// Communities an organization serves.
pub async fn communities(
    conn: &mut Conn,
    org_id: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.area_code, a.name FROM org_communities c JOIN areas a ON a.code = c.area_code \
         WHERE c.org_id = $1 ORDER BY c.area_code",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("area_code")?, r.try_get("name")?)))
        .collect()
}

pub async fn set_communities(
    conn: &mut Conn,
    org_id: i64,
    codes: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM org_communities WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *conn)
        .await?;
    for c in codes {
        sqlx::query("INSERT INTO org_communities (org_id, area_code) VALUES ($1, $2)")
            .bind(org_id)
            .bind(c.as_str())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The organizations holding any of `keys` (`name:<name key>`, `credit:…`, `filing:…`, as
/// an import makes them): each kind looked up in its own column, a few hundred per
/// statement, so an import checks its rows against the registry without reading all of it.
pub async fn keys_for(conn: &mut Conn, keys: &[String]) -> Result<Vec<(String, i64)>, StoreError> {
    let mut by_col: [(&str, Vec<&str>); 3] = [
        ("name_key", Vec::new()),
        ("credit_code", Vec::new()),
        ("filing_no", Vec::new()),
    ];
    for k in keys {
        let (kind, v) = k.split_once(':').unwrap_or(("", ""));
        let slot = match kind {
            "name" => 0,
            "credit" => 1,
            "filing" => 2,
            _ => continue,
        };
        by_col[slot].1.push(v);
    }
    let mut out = Vec::new();
    for (col, vals) in &by_col {
        for chunk in vals.chunks(300) {
            let sql = format!(
                "SELECT id, name_key, credit_code, filing_no FROM organizations WHERE {col} IN ({})",
                crate::marks(1, chunk.len())
            );
            let mut q = sqlx::query(&sql);
            for v in chunk {
                q = q.bind(*v);
            }
            out.extend(key_rows(&q.fetch_all(&mut *conn).await?)?);
        }
    }
    Ok(out)
}

pub async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    sqlx::query("DELETE FROM org_communities WHERE org_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let n = sqlx::query("DELETE FROM organizations WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// The keys (`name:`, `credit:`, `filing:`) of organizations whose name, credit code or
/// filing number is one of `vals` (credit codes compared upper-case): a single record's
/// look-ups and duplicate checks without loading every organization.
pub async fn keys_matching(
    conn: &mut Conn,
    vals: &[String],
) -> Result<Vec<(String, i64)>, StoreError> {
    // Names are compared by their key (look-alikes are one name), filing numbers as
    // written, credit codes upper-case; a few hundred values per statement.
    let mut out = Vec::new();
    for chunk in vals.chunks(300) {
        let n = chunk.len();
        let sql = format!(
            "SELECT id, name_key, credit_code, filing_no FROM organizations WHERE name_key IN \
             ({}) OR credit_code IN ({}) OR filing_no IN ({})",
            crate::marks(1, n),
            crate::marks(n + 1, n),
            crate::marks(2 * n + 1, n)
        );
        let mut q = sqlx::query(&sql);
        for v in chunk {
            q = q.bind(sanshe_domain::text::name_key(v));
        }
        for v in chunk {
            q = q.bind(v.to_uppercase());
        }
        for v in chunk {
            q = q.bind(v.as_str());
        }
        out.extend(key_rows(&q.fetch_all(&mut *conn).await?)?);
    }
    Ok(out)
}

/// `(name:…, id)`, `(credit:…, id)`, `(filing:…, id)` of rows with those columns.
fn key_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(String, i64)>, StoreError> {
    let mut out = Vec::with_capacity(rows.len() * 2);
    for r in rows {
        let id: i64 = r.try_get("id")?;
        out.push((format!("name:{}", r.try_get::<String, _>("name_key")?), id));
        if let Some(c) = r.try_get::<Option<String>, _>("credit_code")? {
            out.push((format!("credit:{c}"), id));
        }
        if let Some(f) = r.try_get::<Option<String>, _>("filing_no")? {
            out.push((format!("filing:{f}"), id));
        }
    }
    Ok(out)
}

/// Organizations written before name keys were kept: (id, name), after id `after`, at most
/// `limit` (a cursor, so a row whose key comes out empty is never asked again).
pub async fn missing_name_keys(
    conn: &mut Conn,
    after: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name FROM organizations WHERE name_key = '' AND id > $2 ORDER BY id LIMIT $1",
    )
    .bind(limit)
    .bind(after)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

pub async fn set_name_keys(conn: &mut Conn, rows: &[(i64, String)]) -> Result<(), StoreError> {
    for (id, name) in rows {
        sqlx::query("UPDATE organizations SET name_key = $1 WHERE id = $2")
            .bind(sanshe_domain::text::name_key(name))
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
