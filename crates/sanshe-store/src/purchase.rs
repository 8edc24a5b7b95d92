//! `budget_lines`, `catalogs`, `catalog_items`, `projects`, `applications`: government
//! purchase of services. Money reserved on a budget line moves only by [`reserve`] and
//! [`release`], single atomic updates that refuse to overdraw. State changes go through
//! `workflow::compare_and_set`; the functions here write the other fields inside the same
//! transaction.

use crate::{i, like_pattern, s, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

// ---- budget lines ------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRow {
    pub id: i64,
    pub district: String,
    pub year: i64,
    pub code: String,
    pub name: String,
    pub amount_fen: i64,
    pub committed_fen: i64,
}

impl LineRow {
    pub fn available_fen(&self) -> i64 {
        self.amount_fen - self.committed_fen
    }
}

const LCOLS: &str = "id, district, year, code, name, amount_fen, committed_fen";

fn lmap(r: &AnyRow) -> Result<LineRow, sqlx::Error> {
    Ok(LineRow {
        id: r.try_get("id")?,
        district: r.try_get("district")?,
        year: r.try_get("year")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        amount_fen: r.try_get("amount_fen")?,
        committed_fen: r.try_get("committed_fen")?,
    })
}

pub async fn lines(conn: &mut Conn, district: &str, year: i64) -> Result<Vec<LineRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {LCOLS} FROM budget_lines WHERE district = $1 AND year = $2 ORDER BY code"
    ))
    .bind(district)
    .bind(year)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(lmap).collect::<Result<_, _>>()?)
}

pub async fn get_line(conn: &mut Conn, id: i64) -> Result<Option<LineRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {LCOLS} FROM budget_lines WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| lmap(&r)).transpose()?)
}

pub async fn insert_line(
    conn: &mut Conn,
    district: &str,
    year: i64,
    code: &str,
    name: &str,
    amount_fen: i64,
    demo: bool,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let r = sqlx::query(
        "INSERT INTO budget_lines (district, year, code, name, amount_fen, demo, created_at, \
         updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
    )
    .bind(district)
    .bind(year)
    .bind(code)
    .bind(name)
    .bind(amount_fen)
    .bind(demo as i64)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

/// Renames a line or changes its amount; false when the new amount is below what is
/// already reserved on it (checked in the same statement).
pub async fn update_line(
    conn: &mut Conn,
    id: i64,
    name: &str,
    amount_fen: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE budget_lines SET name = $1, amount_fen = $2, updated_at = $3 \
         WHERE id = $4 AND committed_fen <= $2",
    )
    .bind(name)
    .bind(amount_fen)
    .bind(crate::audit::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Reserves `fen` on a line if it fits: one statement, so parallel reservations can never
/// together exceed the amount. False when it does not fit.
pub async fn reserve(conn: &mut Conn, line: i64, fen: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE budget_lines SET committed_fen = committed_fen + $1, updated_at = $2 \
         WHERE id = $3 AND committed_fen + $1 <= amount_fen",
    )
    .bind(fen)
    .bind(crate::audit::now())
    .bind(line)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Gives back what a cancelled project held.
pub async fn release(conn: &mut Conn, line: i64, fen: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE budget_lines SET committed_fen = committed_fen - $1, updated_at = $2 \
         WHERE id = $3 AND committed_fen >= $1",
    )
    .bind(fen)
    .bind(crate::audit::now())
    .bind(line)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---- catalogs ------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRow {
    pub id: i64,
    pub district: String,
    pub year: i64,
    pub state: String,
    pub version: i64,
    pub published_at: Option<i64>,
}

fn cmap(r: &AnyRow) -> Result<CatalogRow, sqlx::Error> {
    Ok(CatalogRow {
        id: r.try_get("id")?,
        district: r.try_get("district")?,
        year: r.try_get("year")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        published_at: r.try_get("published_at")?,
    })
}

pub async fn catalog(
    conn: &mut Conn,
    district: &str,
    year: i64,
) -> Result<Option<CatalogRow>, StoreError> {
    let r = sqlx::query(
        "SELECT id, district, year, state, version, published_at FROM catalogs \
         WHERE district = $1 AND year = $2",
    )
    .bind(district)
    .bind(year)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.map(|r| cmap(&r)).transpose()?)
}

/// The years that have a catalog in a district, newest first.
pub async fn catalog_years(conn: &mut Conn, district: &str) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query("SELECT year FROM catalogs WHERE district = $1 ORDER BY year DESC")
        .bind(district)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("year"))
        .collect::<Result<_, _>>()?)
}

/// The district's catalog of a year, created as a draft when missing.
pub async fn ensure_catalog(
    conn: &mut Conn,
    district: &str,
    year: i64,
) -> Result<CatalogRow, StoreError> {
    let now = crate::audit::now();
    sqlx::query(
        "INSERT INTO catalogs (district, year, state, created_at, updated_at) \
         VALUES ($1, $2, 'draft', $3, $3) ON CONFLICT (district, year) DO NOTHING",
    )
    .bind(district)
    .bind(year)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    catalog(conn, district, year)
        .await?
        .ok_or(StoreError::Sql(sqlx::Error::RowNotFound))
}

pub async fn set_published_at(conn: &mut Conn, id: i64, at: Option<i64>) -> Result<(), StoreError> {
    sqlx::query("UPDATE catalogs SET published_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Locks a catalog row for the rest of the transaction (publishing, revising and editing
/// its items queue behind each other).
pub async fn lock_catalog(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE catalogs SET version = version WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---- catalog items ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemData {
    pub code: String,
    pub category: String,
    pub name: String,
    pub content: String,
    pub standards: String,
    pub provider_kinds: String,
    pub min_rating: i64,
    pub price_ceiling_fen: i64,
    pub budget_line_id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    pub id: i64,
    pub catalog_id: i64,
    pub district: String,
    pub year: i64,
    pub catalog_state: String,
    pub line_code: String,
    pub line_name: String,
    pub data: ItemData,
}

const ICOLS: &str = "ci.id, ci.catalog_id, c.district, c.year, c.state AS catalog_state, \
    b.code AS line_code, b.name AS line_name, ci.code, ci.category, ci.name, ci.content, \
    ci.standards, ci.provider_kinds, ci.min_rating, ci.price_ceiling_fen, ci.budget_line_id";
const IFROM: &str = "FROM catalog_items ci JOIN catalogs c ON c.id = ci.catalog_id \
    JOIN budget_lines b ON b.id = ci.budget_line_id";

fn imap(r: &AnyRow) -> Result<ItemRow, sqlx::Error> {
    Ok(ItemRow {
        id: r.try_get("id")?,
        catalog_id: r.try_get("catalog_id")?,
        district: r.try_get("district")?,
        year: r.try_get("year")?,
        catalog_state: r.try_get("catalog_state")?,
        line_code: r.try_get("line_code")?,
        line_name: r.try_get("line_name")?,
        data: ItemData {
            code: r.try_get("code")?,
            category: r.try_get("category")?,
            name: r.try_get("name")?,
            content: r.try_get("content")?,
            standards: r.try_get("standards")?,
            provider_kinds: r.try_get("provider_kinds")?,
            min_rating: r.try_get("min_rating")?,
            price_ceiling_fen: r.try_get("price_ceiling_fen")?,
            budget_line_id: r.try_get("budget_line_id")?,
        },
    })
}

#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub catalog_id: i64,
    pub category: Option<String>,
    pub q: Option<String>,
}

pub async fn items(
    conn: &mut Conn,
    f: &ItemFilter,
    page: PageReq,
) -> Result<Paged<ItemRow>, StoreError> {
    let mut w = Where::new();
    w.push("ci.catalog_id = ?", vec![i(f.catalog_id)]);
    if let Some(c) = &f.category {
        w.push("ci.category = ?", vec![s(c.clone())]);
    }
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        w.push(
            "(ci.name LIKE ? ESCAPE '\\' OR ci.content LIKE ? ESCAPE '\\' OR ci.code LIKE ? ESCAPE '\\')",
            vec![s(p.clone()), s(p.clone()), s(p)],
        );
    }
    w.page(
        conn,
        IFROM,
        &format!("SELECT {ICOLS} {IFROM}"),
        "ci.code, ci.id",
        page,
        imap,
    )
    .await
}

pub async fn get_item(conn: &mut Conn, id: i64) -> Result<Option<ItemRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {ICOLS} {IFROM} WHERE ci.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| imap(&r)).transpose()?)
}

/// Item ids of a catalog by their codes (imports match rows to items by code).
pub async fn item_codes(
    conn: &mut Conn,
    catalog_id: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    let rows = sqlx::query("SELECT code, id FROM catalog_items WHERE catalog_id = $1")
        .bind(catalog_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("code")?, r.try_get("id")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

pub async fn insert_item(
    conn: &mut Conn,
    catalog_id: i64,
    d: &ItemData,
    demo: bool,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let r = sqlx::query(
        "INSERT INTO catalog_items (catalog_id, code, category, name, content, standards, \
         provider_kinds, min_rating, price_ceiling_fen, budget_line_id, nature, demo, \
         created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'service',$11,$12,$12) \
         RETURNING id",
    )
    .bind(catalog_id)
    .bind(&d.code)
    .bind(&d.category)
    .bind(&d.name)
    .bind(&d.content)
    .bind(&d.standards)
    .bind(&d.provider_kinds)
    .bind(d.min_rating)
    .bind(d.price_ceiling_fen)
    .bind(d.budget_line_id)
    .bind(demo as i64)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

pub async fn update_item(conn: &mut Conn, id: i64, d: &ItemData) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE catalog_items SET code = $1, category = $2, name = $3, content = $4, \
         standards = $5, provider_kinds = $6, min_rating = $7, price_ceiling_fen = $8, \
         budget_line_id = $9, updated_at = $10 WHERE id = $11",
    )
    .bind(&d.code)
    .bind(&d.category)
    .bind(&d.name)
    .bind(&d.content)
    .bind(&d.standards)
    .bind(&d.provider_kinds)
    .bind(d.min_rating)
    .bind(d.price_ceiling_fen)
    .bind(d.budget_line_id)
    .bind(crate::audit::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes an item no project uses; false when one does.
pub async fn delete_item(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "DELETE FROM catalog_items WHERE id = $1 \
         AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.item_id = $1)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---- projects ------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectData {
    pub item_id: i64,
    pub proposal_id: Option<i64>,
    pub title: String,
    pub description: String,
    pub amount_fen: i64,
    pub beneficiaries: i64,
    pub service_hours: i64,
    pub activities: i64,
    pub outcomes: String,
    pub method: String,
    pub justification: String,
    pub single_source_org: Option<i64>,
    pub min_team: i64,
    pub min_intermediate: i64,
    pub one_per_org: bool,
    pub start_date: String,
    pub end_date: String,
    pub apply_days: i64,
    /// The rubric's weights, `need,acceptance,innovation,effectiveness,replicability` (blank:
    /// the defaults).
    pub rubric: String,
    /// The call's guidance per criterion, one line each in the rubric's order (blank: the
    /// default guidance).
    pub rubric_guide: String,
    /// 优胜劣汰: the least grade of an applicant's latest final evaluations ('' for none).
    pub history_min_grade: String,
    /// 优胜劣汰: a 差 or a halted contract within the policy's years bars an applicant.
    pub history_exclude_poor: bool,
    /// 优胜劣汰 in the ranking: points added when the latest final evaluation is 优.
    pub history_bonus: i64,
    /// 优胜劣汰 in the ranking: points taken after a 差, a halted contract or a failed
    /// rectification within the policy's years.
    pub history_penalty: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    pub id: i64,
    pub district: String,
    pub year: i64,
    pub item_code: String,
    pub item_name: String,
    pub category: String,
    pub budget_line_id: i64,
    pub price_ceiling_fen: i64,
    pub provider_kinds: String,
    pub min_rating: i64,
    pub catalog_state: String,
    pub single_source_name: Option<String>,
    pub reserved_fen: i64,
    pub reserved_line: Option<i64>,
    pub published_on: Option<String>,
    pub deadline: Option<String>,
    pub awarded_application: Option<i64>,
    pub awarded_on: Option<String>,
    pub notice_until: Option<String>,
    pub reviewed_on: Option<String>,
    pub state: String,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    /// Applications submitted (not drafts or withdrawn).
    pub submitted: i64,
    pub data: ProjectData,
}

const PCOLS: &str = "p.id, p.district, p.year, ci.code AS item_code, ci.name AS item_name, \
    ci.category, ci.budget_line_id, ci.price_ceiling_fen, ci.provider_kinds, ci.min_rating, \
    c.state AS catalog_state, o.name AS single_source_name, p.reserved_fen, p.reserved_line, p.published_on, \
    p.deadline, p.awarded_application, p.awarded_on, p.notice_until, p.reviewed_on, p.state, p.version, p.created_by, p.created_at, \
    (SELECT COUNT(*) FROM applications a WHERE a.project_id = p.id AND a.state = 'submitted') AS submitted, \
    p.item_id, p.proposal_id, p.title, p.description, p.amount_fen, p.beneficiaries, \
    p.service_hours, p.activities, p.outcomes, p.method, p.justification, p.single_source_org, \
    p.min_team, p.min_intermediate, p.one_per_org, p.start_date, p.end_date, p.apply_days, p.rubric, \
    p.rubric_guide, p.history_min_grade, p.history_exclude_poor, p.history_bonus, \
    p.history_penalty";
const PFROM: &str = "FROM projects p JOIN catalog_items ci ON ci.id = p.item_id \
    JOIN catalogs c ON c.id = ci.catalog_id LEFT JOIN organizations o ON o.id = p.single_source_org";

fn pmap(r: &AnyRow) -> Result<ProjectRow, sqlx::Error> {
    Ok(ProjectRow {
        id: r.try_get("id")?,
        district: r.try_get("district")?,
        year: r.try_get("year")?,
        item_code: r.try_get("item_code")?,
        item_name: r.try_get("item_name")?,
        category: r.try_get("category")?,
        budget_line_id: r.try_get("budget_line_id")?,
        price_ceiling_fen: r.try_get("price_ceiling_fen")?,
        provider_kinds: r.try_get("provider_kinds")?,
        min_rating: r.try_get("min_rating")?,
        catalog_state: r.try_get("catalog_state")?,
        single_source_name: r.try_get("single_source_name")?,
        reserved_fen: r.try_get("reserved_fen")?,
        reserved_line: r.try_get("reserved_line")?,
        published_on: r.try_get("published_on")?,
        deadline: r.try_get("deadline")?,
        awarded_application: r.try_get("awarded_application")?,
        awarded_on: r.try_get("awarded_on")?,
        notice_until: r.try_get("notice_until")?,
        reviewed_on: r.try_get("reviewed_on")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        submitted: r.try_get("submitted")?,
        data: ProjectData {
            item_id: r.try_get("item_id")?,
            proposal_id: r.try_get("proposal_id")?,
            title: r.try_get("title")?,
            description: r.try_get("description")?,
            amount_fen: r.try_get("amount_fen")?,
            beneficiaries: r.try_get("beneficiaries")?,
            service_hours: r.try_get("service_hours")?,
            activities: r.try_get("activities")?,
            outcomes: r.try_get("outcomes")?,
            method: r.try_get("method")?,
            justification: r.try_get("justification")?,
            single_source_org: r.try_get("single_source_org")?,
            min_team: r.try_get("min_team")?,
            min_intermediate: r.try_get("min_intermediate")?,
            one_per_org: r.try_get::<i64, _>("one_per_org")? != 0,
            start_date: r.try_get("start_date")?,
            end_date: r.try_get("end_date")?,
            apply_days: r.try_get("apply_days")?,
            rubric: r.try_get("rubric")?,
            rubric_guide: r.try_get("rubric_guide")?,
            history_min_grade: r.try_get("history_min_grade")?,
            history_exclude_poor: r.try_get::<i64, _>("history_exclude_poor")? != 0,
            history_bonus: r.try_get("history_bonus")?,
            history_penalty: r.try_get("history_penalty")?,
        },
    })
}

pub async fn insert_project(
    conn: &mut Conn,
    district: &str,
    year: i64,
    d: &ProjectData,
    created_by: Option<i64>,
    demo: bool,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let r = sqlx::query(
        "INSERT INTO projects (district, year, item_id, proposal_id, title, description, \
         amount_fen, beneficiaries, service_hours, activities, outcomes, method, justification, \
         single_source_org, min_team, min_intermediate, one_per_org, start_date, end_date, \
         apply_days, state, created_by, demo, created_at, updated_at, rubric, rubric_guide, \
         history_min_grade, history_exclude_poor, history_bonus, history_penalty) VALUES \
         ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,'draft',$21,$22,$23,$23,$24,$25,$26,$27,$28,$29) \
         RETURNING id",
    )
    .bind(district)
    .bind(year)
    .bind(d.item_id)
    .bind(d.proposal_id)
    .bind(&d.title)
    .bind(&d.description)
    .bind(d.amount_fen)
    .bind(d.beneficiaries)
    .bind(d.service_hours)
    .bind(d.activities)
    .bind(&d.outcomes)
    .bind(&d.method)
    .bind(&d.justification)
    .bind(d.single_source_org)
    .bind(d.min_team)
    .bind(d.min_intermediate)
    .bind(d.one_per_org as i64)
    .bind(&d.start_date)
    .bind(&d.end_date)
    .bind(d.apply_days)
    .bind(created_by)
    .bind(demo as i64)
    .bind(now)
    .bind(&d.rubric)
    .bind(&d.rubric_guide)
    .bind(&d.history_min_grade)
    .bind(d.history_exclude_poor as i64)
    .bind(d.history_bonus)
    .bind(d.history_penalty)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

pub async fn get_project(conn: &mut Conn, id: i64) -> Result<Option<ProjectRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {PCOLS} {PFROM} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| pmap(&r)).transpose()?)
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    /// Projects of this district (6 digits) or targeting communities under this area.
    pub root: Option<String>,
    pub year: Option<i64>,
    pub state: Option<String>,
    /// Any of these states (the public sees open and closed calls only).
    pub states: Vec<String>,
    pub category: Option<String>,
    pub q: Option<String>,
    /// Only these projects (an evaluator's panels).
    pub ids: Option<Vec<i64>>,
}

pub async fn list_projects(
    conn: &mut Conn,
    f: &ProjectFilter,
    page: PageReq,
) -> Result<Paged<ProjectRow>, StoreError> {
    let mut w = Where::new();
    if let Some(r) = &f.root {
        if r.len() <= 6 {
            w.subtree("p.district", r);
        } else {
            let (lo, hi) = crate::areas::subtree_range(r);
            w.push(
                "EXISTS (SELECT 1 FROM project_communities pc WHERE pc.project_id = p.id \
                 AND pc.area_code >= ? AND pc.area_code <= ?)",
                vec![s(lo), s(hi)],
            );
        }
    }
    if let Some(y) = f.year {
        w.push("p.year = ?", vec![i(y)]);
    }
    if let Some(v) = &f.state {
        w.push("p.state = ?", vec![s(v.clone())]);
    }
    if !f.states.is_empty() {
        let marks = vec!["?"; f.states.len()].join(", ");
        w.push(
            &format!("p.state IN ({marks})"),
            f.states.iter().map(|x| s(x.clone())).collect(),
        );
    }
    if let Some(v) = &f.category {
        w.push("ci.category = ?", vec![s(v.clone())]);
    }
    if let Some(ids) = &f.ids {
        if ids.is_empty() {
            w.push("1 = 0", vec![]);
        } else {
            let marks = vec!["?"; ids.len()].join(", ");
            w.push(
                &format!("p.id IN ({marks})"),
                ids.iter().map(|x| i(*x)).collect(),
            );
        }
    }
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        w.push(
            "(p.title LIKE ? ESCAPE '\\' OR p.description LIKE ? ESCAPE '\\')",
            vec![s(p.clone()), s(p)],
        );
    }
    w.page(
        conn,
        "FROM projects p JOIN catalog_items ci ON ci.id = p.item_id",
        &format!("SELECT {PCOLS} {PFROM}"),
        "p.id DESC",
        page,
        pmap,
    )
    .await
}

/// Writes a draft's fields if it is still the draft at `version` (bumping it); false when
/// someone changed or moved it first.
pub async fn update_project(
    conn: &mut Conn,
    id: i64,
    version: i64,
    d: &ProjectData,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE projects SET item_id = $1, title = $2, description = $3, amount_fen = $4, \
         beneficiaries = $5, service_hours = $6, activities = $7, outcomes = $8, method = $9, \
         justification = $10, single_source_org = $11, min_team = $12, min_intermediate = $13, \
         one_per_org = $14, start_date = $15, end_date = $16, apply_days = $17, updated_at = $18, version = version + 1, \
         rubric = $21, rubric_guide = $22, history_min_grade = $23, history_exclude_poor = $24, \
         history_bonus = $25, history_penalty = $26 \
         WHERE id = $19 AND state = 'draft' AND version = $20",
    )
    .bind(d.item_id)
    .bind(&d.title)
    .bind(&d.description)
    .bind(d.amount_fen)
    .bind(d.beneficiaries)
    .bind(d.service_hours)
    .bind(d.activities)
    .bind(&d.outcomes)
    .bind(&d.method)
    .bind(&d.justification)
    .bind(d.single_source_org)
    .bind(d.min_team)
    .bind(d.min_intermediate)
    .bind(d.one_per_org as i64)
    .bind(&d.start_date)
    .bind(&d.end_date)
    .bind(d.apply_days)
    .bind(crate::audit::now())
    .bind(id)
    .bind(version)
    .bind(&d.rubric)
    .bind(&d.rubric_guide)
    .bind(&d.history_min_grade)
    .bind(d.history_exclude_poor as i64)
    .bind(d.history_bonus)
    .bind(d.history_penalty)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Records what a project holds and on which line (None, 0: released).
pub async fn set_reserved(
    conn: &mut Conn,
    id: i64,
    fen: i64,
    line: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE projects SET reserved_fen = $1, reserved_line = $2 WHERE id = $3")
        .bind(fen)
        .bind(line)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Whether any project uses a catalog item.
pub async fn item_in_use(conn: &mut Conn, item: i64) -> Result<bool, StoreError> {
    let r = sqlx::query("SELECT COUNT(*) AS n FROM projects WHERE item_id = $1")
        .bind(item)
        .fetch_one(&mut *conn)
        .await?;
    Ok(r.try_get::<i64, _>("n")? > 0)
}

pub async fn set_call_dates(
    conn: &mut Conn,
    id: i64,
    published_on: &str,
    deadline: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE projects SET published_on = $1, deadline = $2 WHERE id = $3")
        .bind(published_on)
        .bind(deadline)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Open calls whose deadline has passed (`deadline < today`).
pub async fn past_deadline(
    conn: &mut Conn,
    today: &str,
) -> Result<Vec<(i64, i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, version, title FROM projects WHERE state = 'open' AND deadline < $1 ORDER BY id",
    )
    .bind(today)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("version")?, r.try_get("title")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

pub async fn set_communities(
    conn: &mut Conn,
    project: i64,
    areas: &[String],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM project_communities WHERE project_id = $1")
        .bind(project)
        .execute(&mut *conn)
        .await?;
    for a in areas {
        sqlx::query(
            "INSERT INTO project_communities (project_id, area_code) VALUES ($1, $2) \
             ON CONFLICT (project_id, area_code) DO NOTHING",
        )
        .bind(project)
        .bind(a)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn communities(
    conn: &mut Conn,
    project: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.area_code, a.name FROM project_communities c JOIN areas a ON a.code = c.area_code \
         WHERE c.project_id = $1 ORDER BY c.area_code",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("area_code")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

// ---- applications --------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationData {
    pub amount_fen: i64,
    pub needs_analysis: String,
    pub plan: String,
    pub outputs: String,
    pub outcomes: String,
    pub budget_breakdown: String,
    pub direct_beneficiaries: i64,
    pub indirect_beneficiaries: i64,
    pub declared: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRow {
    pub id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub district: String,
    pub org_id: i64,
    pub org_name: String,
    pub state: String,
    pub version: i64,
    pub submitted_at: Option<i64>,
    pub created_at: i64,
    pub team_size: i64,
    pub data: ApplicationData,
}

const ACOLS: &str = "a.id, a.project_id, p.title AS project_title, p.district, a.org_id, \
    o.name AS org_name, a.state, a.version, a.submitted_at, a.created_at, \
    (SELECT COUNT(*) FROM application_team t WHERE t.application_id = a.id) AS team_size, \
    a.amount_fen, a.needs_analysis, a.plan, a.outputs, a.outcomes, a.budget_breakdown, \
    a.direct_beneficiaries, a.indirect_beneficiaries, a.declared";
const AFROM: &str = "FROM applications a JOIN projects p ON p.id = a.project_id \
    JOIN organizations o ON o.id = a.org_id";

fn amap(r: &AnyRow) -> Result<ApplicationRow, sqlx::Error> {
    Ok(ApplicationRow {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("project_title")?,
        district: r.try_get("district")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        submitted_at: r.try_get("submitted_at")?,
        created_at: r.try_get("created_at")?,
        team_size: r.try_get("team_size")?,
        data: ApplicationData {
            amount_fen: r.try_get("amount_fen")?,
            needs_analysis: r.try_get("needs_analysis")?,
            plan: r.try_get("plan")?,
            outputs: r.try_get("outputs")?,
            outcomes: r.try_get("outcomes")?,
            budget_breakdown: r.try_get("budget_breakdown")?,
            direct_beneficiaries: r.try_get("direct_beneficiaries")?,
            indirect_beneficiaries: r.try_get("indirect_beneficiaries")?,
            declared: r.try_get::<i64, _>("declared")? != 0,
        },
    })
}

/// Inserts a draft; `one_key` set when the call allows one application per organization
/// (a second one then fails on the unique index).
pub async fn insert_application(
    conn: &mut Conn,
    project: i64,
    org: i64,
    one_key: Option<String>,
    d: &ApplicationData,
    created_by: Option<i64>,
    demo: bool,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let r = sqlx::query(
        "INSERT INTO applications (project_id, org_id, one_key, amount_fen, needs_analysis, plan, \
         outputs, outcomes, budget_breakdown, direct_beneficiaries, indirect_beneficiaries, \
         declared, state, created_by, demo, created_at, updated_at) VALUES \
         ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,'draft',$13,$14,$15,$15) RETURNING id",
    )
    .bind(project)
    .bind(org)
    .bind(one_key)
    .bind(d.amount_fen)
    .bind(&d.needs_analysis)
    .bind(&d.plan)
    .bind(&d.outputs)
    .bind(&d.outcomes)
    .bind(&d.budget_breakdown)
    .bind(d.direct_beneficiaries)
    .bind(d.indirect_beneficiaries)
    .bind(d.declared as i64)
    .bind(created_by)
    .bind(demo as i64)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

/// Writes a draft's fields if it is still the draft at `version` (bumping it); false when
/// it was submitted or changed first.
pub async fn update_application(
    conn: &mut Conn,
    id: i64,
    version: i64,
    d: &ApplicationData,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE applications SET amount_fen = $1, needs_analysis = $2, plan = $3, outputs = $4, \
         outcomes = $5, budget_breakdown = $6, direct_beneficiaries = $7, \
         indirect_beneficiaries = $8, declared = $9, updated_at = $10, version = version + 1 \
         WHERE id = $11 AND state = 'draft' AND version = $12",
    )
    .bind(d.amount_fen)
    .bind(&d.needs_analysis)
    .bind(&d.plan)
    .bind(&d.outputs)
    .bind(&d.outcomes)
    .bind(&d.budget_breakdown)
    .bind(d.direct_beneficiaries)
    .bind(d.indirect_beneficiaries)
    .bind(d.declared as i64)
    .bind(crate::audit::now())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// After a withdrawal the organization may apply again.
pub async fn clear_one_key(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE applications SET one_key = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_submitted_at(conn: &mut Conn, id: i64, at: Option<i64>) -> Result<(), StoreError> {
    sqlx::query("UPDATE applications SET submitted_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get_application(
    conn: &mut Conn,
    id: i64,
) -> Result<Option<ApplicationRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {ACOLS} {AFROM} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| amap(&r)).transpose()?)
}

#[derive(Debug, Clone, Default)]
pub struct ApplicationFilter {
    pub project: Option<i64>,
    pub org: Option<i64>,
    /// Applications to projects of this district.
    pub district: Option<String>,
    pub state: Option<String>,
    /// Drafts are the organization's own: officers see submitted and withdrawn ones.
    pub hide_drafts: bool,
    pub q: Option<String>,
}

pub async fn list_applications(
    conn: &mut Conn,
    f: &ApplicationFilter,
    page: PageReq,
) -> Result<Paged<ApplicationRow>, StoreError> {
    let mut w = Where::new();
    if let Some(p) = f.project {
        w.push("a.project_id = ?", vec![i(p)]);
    }
    if let Some(o) = f.org {
        w.push("a.org_id = ?", vec![i(o)]);
    }
    if let Some(d) = &f.district {
        w.push("p.district = ?", vec![s(d.clone())]);
    }
    if let Some(v) = &f.state {
        w.push("a.state = ?", vec![s(v.clone())]);
    }
    if f.hide_drafts {
        w.push("a.state <> 'draft'", vec![]);
    }
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        w.push(
            "(o.name LIKE ? ESCAPE '\\' OR p.title LIKE ? ESCAPE '\\')",
            vec![s(p.clone()), s(p)],
        );
    }
    w.page(
        conn,
        AFROM,
        &format!("SELECT {ACOLS} {AFROM}"),
        "a.id DESC",
        page,
        amap,
    )
    .await
}

pub async fn set_team(conn: &mut Conn, app: i64, workers: &[i64]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM application_team WHERE application_id = $1")
        .bind(app)
        .execute(&mut *conn)
        .await?;
    for (n, w) in workers.iter().enumerate() {
        sqlx::query(
            "INSERT INTO application_team (application_id, worker_id, position) VALUES ($1,$2,$3)",
        )
        .bind(app)
        .bind(w)
        .bind(n as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn team(conn: &mut Conn, app: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT worker_id FROM application_team WHERE application_id = $1 ORDER BY position",
    )
    .bind(app)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("worker_id"))
        .collect::<Result<_, _>>()?)
}

// ---- what eligibility reads ------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub area_code: Option<String>,
    pub status: String,
    pub annual_result: String,
    pub blacklisted_until: Option<String>,
    pub rating: i64,
}

pub async fn org(conn: &mut Conn, id: i64) -> Result<Option<OrgRow>, StoreError> {
    let r = sqlx::query(
        "SELECT id, name, kind, area_code, status, annual_result, blacklisted_until, rating \
         FROM organizations WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(OrgRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        area_code: r.try_get("area_code")?,
        status: r.try_get("status")?,
        annual_result: r.try_get("annual_result")?,
        blacklisted_until: r.try_get("blacklisted_until")?,
        rating: r.try_get("rating")?,
    }))
}

#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    pub worker_id: i64,
    pub name: String,
    pub cert_level: String,
    pub status: String,
    pub employer_org_id: Option<i64>,
    pub registrations: Vec<(String, String)>,
    /// CPD hours (tenths) recorded within the latest registration period.
    pub cpd_tenths: i64,
}

/// Social workers by id with their registrations and CPD hours in their latest period, in
/// the order of `ids` (a team: each id once; an unknown id is left out).
pub async fn members(conn: &mut Conn, ids: &[i64]) -> Result<Vec<MemberRow>, StoreError> {
    use std::collections::HashMap;
    // Three statements for the whole team, however large: the workers, their
    // registrations, and their CPD entries since the earliest current registration.
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let list = crate::marks(1, chunk.len());
        let sql = "SELECT id, name, cert_level, status, employer_org_id FROM social_workers \
                   WHERE id IN ({ids})";
        let mut found: HashMap<i64, MemberRow> = crate::fetch_in(conn, sql, chunk, |r| {
            let id: i64 = r.try_get("id")?;
            Ok((
                id,
                MemberRow {
                    worker_id: id,
                    name: r.try_get("name")?,
                    cert_level: r.try_get("cert_level")?,
                    status: r.try_get("status")?,
                    employer_org_id: r.try_get("employer_org_id")?,
                    registrations: Vec::new(),
                    cpd_tenths: 0,
                },
            ))
        })
        .await?
        .into_iter()
        .collect();
        let sql = "SELECT worker_id, start_date, end_date FROM worker_registrations \
                   WHERE worker_id IN ({ids}) ORDER BY worker_id, end_date";
        let regs = crate::fetch_in(conn, sql, chunk, |r| {
            Ok((
                r.try_get::<i64, _>("worker_id")?,
                r.try_get::<String, _>("start_date")?,
                r.try_get::<String, _>("end_date")?,
            ))
        })
        .await?;
        for (w, s0, e0) in regs {
            if let Some(m) = found.get_mut(&w) {
                m.registrations.push((s0, e0));
            }
        }
        // CPD counts within each member's latest registration.
        let since = found
            .values()
            .filter_map(|m| m.registrations.last().map(|r| r.0.clone()))
            .min();
        if let Some(since) = since {
            let sql = format!(
                "SELECT worker_id, entry_date, hours_tenths FROM cpd_entries \
                 WHERE worker_id IN ({list}) AND entry_date >= ${}",
                chunk.len() + 1
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.bind(since).fetch_all(&mut *conn).await? {
                let Some(m) = found.get_mut(&r.try_get::<i64, _>("worker_id")?) else {
                    continue;
                };
                let day: String = r.try_get("entry_date")?;
                if let Some((s0, e0)) = m.registrations.last() {
                    if day.as_str() >= s0.as_str() && day.as_str() <= e0.as_str() {
                        m.cpd_tenths += r.try_get::<i64, _>("hours_tenths")?;
                    }
                }
            }
        }
        out.extend(chunk.iter().filter_map(|id| found.remove(id)));
    }
    Ok(out)
}

/// An organization's active social workers (the team an application may choose from).
pub async fn staff(conn: &mut Conn, org: i64) -> Result<Vec<(i64, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, cert_level FROM social_workers WHERE employer_org_id = $1 \
         AND status = 'active' ORDER BY name, id LIMIT 500",
    )
    .bind(org)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("name")?,
                r.try_get("cert_level")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()?)
}

// ---- who is told ---------------------------------------------------------------------------

/// The unlocked organization accounts of organizations in a district (or of one of them).
pub async fn org_accounts(
    conn: &mut Conn,
    district: &str,
    only: Option<i64>,
) -> Result<Vec<i64>, StoreError> {
    let (lo, hi) = crate::areas::subtree_range(district);
    let rows = sqlx::query(
        "SELECT u.id FROM users u JOIN organizations o ON o.id = u.scope_org \
         WHERE u.role = 'social_org' AND u.locked = 0 AND o.area_code >= $1 AND o.area_code <= $2 \
         AND ($3 < 0 OR o.id = $3) ORDER BY u.id",
    )
    .bind(lo)
    .bind(hi)
    .bind(only.unwrap_or(-1))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?)
}

/// The accounts of organizations with a live (draft or submitted) application to a project.
pub async fn applicant_accounts(conn: &mut Conn, project: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT DISTINCT u.id FROM users u JOIN applications a ON a.org_id = u.scope_org \
         WHERE a.project_id = $1 AND a.state <> 'withdrawn' AND u.role = 'social_org' \
         AND u.locked = 0 ORDER BY u.id",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?)
}

/// Demo data: active organizations of a district with their certified social workers
/// registered on `day` (at most `limit` organizations, those with most such staff first).
pub async fn demo_teams(
    conn: &mut Conn,
    district: &str,
    day: &str,
    limit: i64,
) -> Result<Vec<(i64, Vec<i64>)>, StoreError> {
    let (lo, hi) = crate::areas::subtree_range(district);
    let rows = sqlx::query(
        "SELECT w.employer_org_id AS org, w.id, \
         CASE WHEN w.cert_level IN ('intermediate', 'senior') THEN 1 ELSE 0 END AS senior \
         FROM social_workers w \
         JOIN organizations o ON o.id = w.employer_org_id \
         WHERE o.area_code >= $1 AND o.area_code <= $2 AND o.status = 'active' \
         AND w.status = 'active' AND w.cert_level <> 'none' \
         AND EXISTS (SELECT 1 FROM worker_registrations r WHERE r.worker_id = w.id \
                     AND r.start_date <= $3 AND r.end_date >= $3) \
         ORDER BY w.employer_org_id, senior DESC, w.id",
    )
    .bind(lo)
    .bind(hi)
    .bind(day)
    .fetch_all(&mut *conn)
    .await?;
    // Organizations with a team a call can accept: two or more members, the first of them
    // at intermediate level or above.
    let mut out: Vec<(i64, Vec<i64>)> = Vec::new();
    let mut senior_first: Vec<i64> = Vec::new();
    for r in &rows {
        let org: i64 = r.try_get("org")?;
        let id: i64 = r.try_get("id")?;
        let senior: i64 = r.try_get("senior")?;
        match out.last_mut() {
            Some((o, v)) if *o == org => v.push(id),
            _ => {
                if senior == 1 {
                    senior_first.push(org);
                }
                out.push((org, vec![id]))
            }
        }
    }
    out.retain(|(o, v)| v.len() >= 2 && senior_first.contains(o));
    out.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));
    out.truncate(limit.max(0) as usize);
    Ok(out)
}

/// Demo data: a record's state, version and times set directly (its history is written
/// beside it with past times).
pub async fn demo_settle(
    conn: &mut Conn,
    table: crate::workflow::Table,
    id: i64,
    state: &str,
    version: i64,
    at: i64,
) -> Result<(), StoreError> {
    let t = match table {
        crate::workflow::Table::Projects => "projects",
        crate::workflow::Table::Applications => "applications",
        crate::workflow::Table::Catalogs => "catalogs",
        crate::workflow::Table::Contracts => "contracts",
        crate::workflow::Table::Tranches => "tranches",
        crate::workflow::Table::Reports => "milestone_reports",
        crate::workflow::Table::Evaluations => "evaluations",
        crate::workflow::Table::VentureRounds => "venture_rounds",
        crate::workflow::Table::VentureProjects => "venture_projects",
        crate::workflow::Table::Ratings => "ratings",
        crate::workflow::Table::AwardLists => "award_lists",
        _ => return Ok(()),
    };
    sqlx::query(&format!(
        "UPDATE {t} SET state = $1, version = $2, updated_at = $3 WHERE id = $4"
    ))
    .bind(state)
    .bind(version)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Demo data: backdates a record's creation.
pub async fn demo_created(
    conn: &mut Conn,
    table: crate::workflow::Table,
    id: i64,
    at: i64,
) -> Result<(), StoreError> {
    let t = match table {
        crate::workflow::Table::Projects => "projects",
        crate::workflow::Table::Applications => "applications",
        _ => return Ok(()),
    };
    sqlx::query(&format!(
        "UPDATE {t} SET created_at = $1, demo = 1 WHERE id = $2"
    ))
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Demo data: an organization's rating.
pub async fn demo_rating(conn: &mut Conn, org: i64, rating: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE organizations SET rating = $1 WHERE id = $2")
        .bind(rating)
        .bind(org)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Demo data: gives up to `orgs` active social-work agencies of a district (other than
/// `except`) a team of `per_org` certified social workers registered on `day` who have no
/// employer yet and sit on no committee, and marks the agencies' annual reports passed.
pub async fn demo_staff_orgs(
    conn: &mut Conn,
    district: &str,
    day: &str,
    orgs: i64,
    per_org: i64,
    except: Option<i64>,
) -> Result<(), StoreError> {
    let (lo, hi) = crate::areas::subtree_range(district);
    let org_rows = sqlx::query(
        "SELECT id FROM organizations WHERE kind = 'social_service_agency' AND status = 'active' \
         AND area_code >= $1 AND area_code <= $2 AND id <> $3 ORDER BY id LIMIT $4",
    )
    .bind(&lo)
    .bind(&hi)
    .bind(except.unwrap_or(-1))
    .bind(orgs)
    .fetch_all(&mut *conn)
    .await?;
    let org_ids: Vec<i64> = org_rows
        .iter()
        .map(|r| r.try_get("id"))
        .collect::<Result<_, _>>()?;
    let workers = sqlx::query(
        "SELECT w.id FROM social_workers w WHERE w.cert_level <> 'none' AND w.status = 'active' \
         AND w.employer_org_id IS NULL AND w.committee_member = 0 \
         AND w.area_code >= $1 AND w.area_code <= $2 \
         AND EXISTS (SELECT 1 FROM worker_registrations r WHERE r.worker_id = w.id \
                     AND r.start_date <= $3 AND r.end_date >= $3) \
         ORDER BY w.id LIMIT $4",
    )
    .bind(&lo)
    .bind(&hi)
    .bind(day)
    .bind(orgs * per_org)
    .fetch_all(&mut *conn)
    .await?;
    for (n, w) in workers.iter().enumerate() {
        let w: i64 = w.try_get("id")?;
        let Some(org) = org_ids.get(n / per_org.max(1) as usize) else {
            break;
        };
        sqlx::query(
            "UPDATE social_workers SET employer_org_id = $1, employer_kind = 'social_work_org' \
             WHERE id = $2",
        )
        .bind(org)
        .bind(w)
        .execute(&mut *conn)
        .await?;
    }
    for o in &org_ids {
        sqlx::query("UPDATE organizations SET annual_result = 'pass' WHERE id = $1")
            .bind(o)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Demo data: the home organization's annual report passed and its certified staff
/// registered from `start` to `end` where they have no registration covering `day`.
pub async fn demo_home_org(
    conn: &mut Conn,
    org: i64,
    day: &str,
    start: &str,
    end: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE organizations SET annual_result = 'pass' WHERE id = $1")
        .bind(org)
        .execute(&mut *conn)
        .await?;
    let rows = sqlx::query(
        "SELECT w.id FROM social_workers w WHERE w.employer_org_id = $1 AND w.cert_level <> 'none' \
         AND NOT EXISTS (SELECT 1 FROM worker_registrations r WHERE r.worker_id = w.id \
                         AND r.start_date <= $2 AND r.end_date >= $2)",
    )
    .bind(org)
    .bind(day)
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        let w: i64 = r.try_get("id")?;
        sqlx::query(
            "INSERT INTO worker_registrations (worker_id, start_date, end_date, number, created_at) \
             VALUES ($1, $2, $3, NULL, $4)",
        )
        .bind(w)
        .bind(start)
        .bind(end)
        .bind(crate::audit::now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

// ---- awards and objections -----------------------------------------------------------------

/// Records (or, with None, clears) a project's award and its notice period.
pub async fn set_award(
    conn: &mut Conn,
    project: i64,
    application: Option<i64>,
    awarded_on: Option<&str>,
    notice_until: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE projects SET awarded_application = $1, awarded_on = $2, notice_until = $3 \
         WHERE id = $4",
    )
    .bind(application)
    .bind(awarded_on)
    .bind(notice_until)
    .bind(project)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_reviewed_on(conn: &mut Conn, project: i64, day: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE projects SET reviewed_on = $1 WHERE id = $2")
        .bind(day)
        .bind(project)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Fixes an application's record points (优胜劣汰) as the panel signs them.
pub async fn set_history_points(conn: &mut Conn, app: i64, points: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE applications SET history_points = $1 WHERE id = $2")
        .bind(points)
        .bind(app)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The record points fixed when a project's panel signed: application → points (empty
/// before signing, or when the call set no bonus or penalty).
pub async fn history_points(
    conn: &mut Conn,
    project: i64,
) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, history_points FROM applications WHERE project_id = $1 \
         AND history_points IS NOT NULL",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("history_points")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectionRow {
    pub id: i64,
    pub project_id: i64,
    pub application_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub text: String,
    pub state: String,
    pub version: i64,
    pub due_on: String,
    pub reply: String,
    pub answered_by: Option<String>,
    pub created_at: i64,
}

const OCOLS: &str = "x.id, x.project_id, x.application_id, x.org_id, o.name AS org_name, x.text, \
    x.state, x.version, x.due_on, x.reply, x.answered_by, x.created_at";

fn omap(r: &AnyRow) -> Result<ObjectionRow, sqlx::Error> {
    Ok(ObjectionRow {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        application_id: r.try_get("application_id")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        text: r.try_get("text")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        due_on: r.try_get("due_on")?,
        reply: r.try_get("reply")?,
        answered_by: r.try_get("answered_by")?,
        created_at: r.try_get("created_at")?,
    })
}

pub async fn insert_objection(
    conn: &mut Conn,
    project: i64,
    application: i64,
    org: i64,
    text: &str,
    due_on: &str,
    raised_by: Option<i64>,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let r = sqlx::query(
        "INSERT INTO objections (project_id, application_id, org_id, text, state, due_on, \
         raised_by, created_at, updated_at) VALUES ($1,$2,$3,$4,'pending',$5,$6,$7,$7) RETURNING id",
    )
    .bind(project)
    .bind(application)
    .bind(org)
    .bind(text)
    .bind(due_on)
    .bind(raised_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

pub async fn objections(conn: &mut Conn, project: i64) -> Result<Vec<ObjectionRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {OCOLS} FROM objections x JOIN organizations o ON o.id = x.org_id \
         WHERE x.project_id = $1 ORDER BY x.id"
    ))
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(omap).collect::<Result<_, _>>()?)
}

pub async fn objection(conn: &mut Conn, id: i64) -> Result<Option<ObjectionRow>, StoreError> {
    let r = sqlx::query(&format!(
        "SELECT {OCOLS} FROM objections x JOIN organizations o ON o.id = x.org_id WHERE x.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.map(|r| omap(&r)).transpose()?)
}

pub async fn answer_objection(
    conn: &mut Conn,
    id: i64,
    reply: &str,
    by: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE objections SET reply = $1, answered_by = $2 WHERE id = $3")
        .bind(reply)
        .bind(by)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Awards whose notice has ended (`notice_until < today`): (id, version, title).
pub async fn notice_ended(
    conn: &mut Conn,
    today: &str,
) -> Result<Vec<(i64, i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, version, title FROM projects WHERE state = 'awarded' AND notice_until < $1 \
         ORDER BY id",
    )
    .bind(today)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("version")?, r.try_get("title")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

// ---- the purchase dashboard ------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreetCoverage {
    pub code: String,
    pub name: String,
    pub communities: i64,
    /// Communities targeted by a published call.
    pub covered: i64,
    /// Published calls targeting the street's communities.
    pub projects: i64,
    /// Signed contracts of those calls (a call serving several streets counts in each).
    pub contracted_fen: i64,
    pub paid_fen: i64,
}

const PUBLISHED: &str = "('open','closed','reviewing','reviewed','awarded','confirmed')";

/// Purchase of services per street of a district: communities covered by published calls,
/// the calls, and the money contracted and paid.
pub async fn street_coverage(
    conn: &mut Conn,
    district: &str,
) -> Result<Vec<StreetCoverage>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT s.code, s.name, \
         (SELECT COUNT(*) FROM areas c WHERE c.parent_code = s.code AND c.level = 'community') AS total, \
         (SELECT COUNT(DISTINCT pc.area_code) FROM project_communities pc \
            JOIN projects p ON p.id = pc.project_id JOIN areas c ON c.code = pc.area_code \
            WHERE c.parent_code = s.code AND p.state IN {PUBLISHED}) AS covered, \
         (SELECT COUNT(DISTINCT pc.project_id) FROM project_communities pc \
            JOIN projects p ON p.id = pc.project_id JOIN areas c ON c.code = pc.area_code \
            WHERE c.parent_code = s.code AND p.state IN {PUBLISHED}) AS projects, \
         (SELECT CAST(COALESCE(SUM(k.amount_fen), 0) AS BIGINT) FROM contracts k \
            WHERE k.state <> 'draft' AND k.project_id IN (SELECT pc.project_id FROM project_communities pc \
            JOIN areas c ON c.code = pc.area_code WHERE c.parent_code = s.code)) AS contracted, \
         (SELECT CAST(COALESCE(SUM(k.paid_fen), 0) AS BIGINT) FROM contracts k \
            WHERE k.state <> 'draft' AND k.project_id IN (SELECT pc.project_id FROM project_communities pc \
            JOIN areas c ON c.code = pc.area_code WHERE c.parent_code = s.code)) AS paid \
         FROM areas s WHERE s.parent_code = $1 AND s.level = 'street' ORDER BY s.code"
    ))
    .bind(district)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(StreetCoverage {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                communities: r.try_get("total")?,
                covered: r.try_get("covered")?,
                projects: r.try_get("projects")?,
                contracted_fen: r.try_get("contracted")?,
                paid_fen: r.try_get("paid")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Objections waiting for an answer in a district's projects.
pub async fn pending_objections(
    conn: &mut Conn,
    district: &str,
) -> Result<Vec<ObjectionRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {OCOLS} FROM objections x JOIN organizations o ON o.id = x.org_id \
         JOIN projects p ON p.id = x.project_id WHERE p.district = $1 AND x.state = 'pending' \
         ORDER BY x.due_on"
    ))
    .bind(district)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(omap).collect::<Result<_, _>>()?)
}

/// Locks an application for a change of its files; false unless it is a draft.
pub async fn lock_draft(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE applications SET updated_at = updated_at WHERE id = $1 AND state = 'draft'",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityCoverage {
    pub code: String,
    pub name: String,
    pub street: String,
    /// Published calls serving the community.
    pub projects: i64,
    /// Signed contracts of those calls (a call serving several communities counts in each).
    pub contracted_fen: i64,
    pub paid_fen: i64,
}

/// The communities of a district that published calls serve, with the money contracted.
pub async fn community_coverage(
    conn: &mut Conn,
    district: &str,
) -> Result<Vec<CommunityCoverage>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT c.code, c.name, s.name AS street, COUNT(DISTINCT p.id) AS projects, \
         CAST(COALESCE(SUM(k.amount_fen), 0) AS BIGINT) AS contracted, \
         CAST(COALESCE(SUM(k.paid_fen), 0) AS BIGINT) AS paid \
         FROM project_communities pc JOIN projects p ON p.id = pc.project_id \
         JOIN areas c ON c.code = pc.area_code JOIN areas s ON s.code = c.parent_code \
         LEFT JOIN contracts k ON k.project_id = p.id AND k.state <> 'draft' \
         WHERE p.district = $1 AND p.state IN {PUBLISHED} \
         GROUP BY c.code, c.name, s.name ORDER BY c.code"
    ))
    .bind(district)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(CommunityCoverage {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                street: r.try_get("street")?,
                projects: r.try_get("projects")?,
                contracted_fen: r.try_get("contracted")?,
                paid_fen: r.try_get("paid")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
