//! Social organizations (社会组织): registered and filed, with the communities they serve,
//! incubation bases, federations and community foundations' fund ledgers.

use crate::audit::bind_all;
use crate::{b, i, like_pattern, os, s, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

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
    demo: bool,
) -> Result<i64, StoreError> {
    insert(
        conn,
        &OrgData {
            name: name.into(),
            kind: kind.into(),
            area_code: area_code.map(str::to_owned),
            registered: kind != "community_org",
            status: "active".into(),
            annual_result: "none".into(),
            demo,
            ..Default::default()
        },
    )
    .await
}

pub async fn insert(conn: &mut Conn, d: &OrgData) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let binds = vec![
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
        b(d.demo),
        i(now),
    ];
    let row = bind_all(
        sqlx::query(
            "INSERT INTO organizations (name, kind, area_code, registered, credit_code, filing_no, \
             authority, head, founded, address, domains, staff, members, status, annual_result, \
             blacklisted_until, blacklist_reason, community_org, demo, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$20) \
             RETURNING id",
        ),
        &binds,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn update(conn: &mut Conn, id: i64, d: &OrgData) -> Result<bool, StoreError> {
    let binds = vec![
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
        i(crate::audit::now()),
        i(id),
    ];
    let r = bind_all(
        sqlx::query(
            "UPDATE organizations SET name=$1, kind=$2, area_code=$3, registered=$4, \
             credit_code=$5, filing_no=$6, authority=$7, head=$8, founded=$9, address=$10, \
             domains=$11, staff=$12, members=$13, status=$14, annual_result=$15, \
             blacklisted_until=$16, blacklist_reason=$17, community_org=$18, updated_at=$19 \
             WHERE id=$20",
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
    w.page(conn, "FROM organizations o", SELECT, order, page, from_row)
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

// ---- incubation bases -------------------------------------------------------------------

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
        "SELECT n.id, n.base_id, n.org_id, o.name AS org_name, n.entered, n.graduated, n.funds_fen, \
         n.venue, n.training_hours, n.notes FROM incubations n JOIN organizations o ON o.id = n.org_id \
         WHERE {} ORDER BY n.entered DESC, n.id",
        w.sql()
    );
    let rows = bind_all(sqlx::query(&sql), &w.binds)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
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
        })
        .collect()
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

// ---- federations ------------------------------------------------------------------------

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

// ---- fund ledger ------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundEntry {
    pub id: i64,
    pub org_id: i64,
    pub entry_date: String,
    /// `income` or `grant`.
    pub kind: String,
    pub amount_fen: i64,
    pub balance_fen: i64,
    pub counterparty: Option<String>,
    pub memo: Option<String>,
}

pub async fn fund_entries(conn: &mut Conn, org_id: i64) -> Result<Vec<FundEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, org_id, entry_date, kind, amount_fen, balance_fen, counterparty, memo \
         FROM fund_entries WHERE org_id = $1 ORDER BY id",
    )
    .bind(org_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FundEntry {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                entry_date: r.try_get("entry_date")?,
                kind: r.try_get("kind")?,
                amount_fen: r.try_get("amount_fen")?,
                balance_fen: r.try_get("balance_fen")?,
                counterparty: r.try_get("counterparty")?,
                memo: r.try_get("memo")?,
            })
        })
        .collect()
}

/// The foundation's current balance (0 for none).
pub async fn fund_balance(conn: &mut Conn, org_id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT fund_balance_fen FROM organizations WHERE id = $1")
        .bind(org_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row
        .map(|r| r.try_get("fund_balance_fen"))
        .transpose()?
        .unwrap_or(0))
}

/// Moves a foundation's balance by `delta` in one atomic statement that refuses to go
/// below zero: the new balance, or None when the money is not there. On PostgreSQL the
/// updated row stays locked until the transaction ends, so concurrent entries of one
/// ledger are ordered and each running balance is the balance after its own entry.
pub async fn move_fund_balance(
    conn: &mut Conn,
    org_id: i64,
    delta: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "UPDATE organizations SET fund_balance_fen = fund_balance_fen + $1 \
         WHERE id = $2 AND fund_balance_fen + $1 >= 0 RETURNING fund_balance_fen",
    )
    .bind(delta)
    .bind(org_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| r.try_get("fund_balance_fen")).transpose()?)
}

/// Appends an entry with its running balance. The caller holds a transaction; the
/// database's CHECK refuses a negative balance.
pub async fn append_fund_entry(conn: &mut Conn, e: &FundEntry) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO fund_entries (org_id, entry_date, kind, amount_fen, balance_fen, counterparty, \
         memo, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(e.org_id)
    .bind(&e.entry_date)
    .bind(&e.kind)
    .bind(e.amount_fen)
    .bind(e.balance_fen)
    .bind(&e.counterparty)
    .bind(&e.memo)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// Sum of incomes minus grants, recomputed from the entries (a consistency check).
pub async fn fund_recomputed(conn: &mut Conn, org_id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT CAST(COALESCE(SUM(CASE WHEN kind = 'income' THEN amount_fen ELSE -amount_fen END), 0) AS BIGINT) AS n \
         FROM fund_entries WHERE org_id = $1",
    )
    .bind(org_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("n")?)
}

/// Every organization's keys (credit code, filing number, name) with its id, for import
/// look-ups and duplicate checks: `("credit:…", id)`, `("filing:…", id)`, `("name:…", id)`.
pub async fn keys(conn: &mut Conn) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query("SELECT id, name, credit_code, filing_no FROM organizations")
        .fetch_all(&mut *conn)
        .await?;
    key_rows(&rows)
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
    if vals.is_empty() {
        return Ok(Vec::new());
    }
    // Input is normalised (half-width brackets); names kept from spreadsheets or generated
    // may hold full-width ones. Ask for both spellings so a single save finds what an
    // import (which compares normalised keys) finds.
    let mut vals: Vec<String> = vals.to_vec();
    let wide: Vec<String> = vals
        .iter()
        .filter(|v| v.contains('(') || v.contains(')'))
        .map(|v| v.replace('(', "（").replace(')', "）"))
        .collect();
    vals.extend(wide);
    let vals = &vals;
    let n = vals.len();
    let names: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
    let ups: Vec<String> = (n + 1..=2 * n).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT id, name, credit_code, filing_no FROM organizations WHERE name IN ({0}) \
         OR credit_code IN ({1}) OR filing_no IN ({0})",
        names.join(","),
        ups.join(",")
    );
    let mut q = sqlx::query(&sql);
    for v in vals {
        q = q.bind(v.as_str());
    }
    for v in vals {
        q = q.bind(v.to_uppercase());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    key_rows(&rows)
}

/// `(name:…, id)`, `(credit:…, id)`, `(filing:…, id)` of rows with those columns.
fn key_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<(String, i64)>, StoreError> {
    let mut out = Vec::with_capacity(rows.len() * 2);
    for r in rows {
        let id: i64 = r.try_get("id")?;
        out.push((format!("name:{}", r.try_get::<String, _>("name")?), id));
        if let Some(c) = r.try_get::<Option<String>, _>("credit_code")? {
            out.push((format!("credit:{c}"), id));
        }
        if let Some(f) = r.try_get::<Option<String>, _>("filing_no")? {
            out.push((format!("filing:{f}"), id));
        }
    }
    Ok(out)
}
