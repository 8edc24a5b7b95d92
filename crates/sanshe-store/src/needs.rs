//! `needs`, `need_categories`, `proposals`: resident needs and the project proposals that
//! group them. State changes go through `workflow::compare_and_set`; the functions here
//! write a record's other fields inside the same transaction.

use crate::{i, like_pattern, os, s, Conn, PageReq, Paged, StoreError, Where};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub active: bool,
}

pub async fn categories(conn: &mut Conn) -> Result<Vec<Category>, StoreError> {
    let rows = sqlx::query(
        "SELECT code, name_zh, name_en, active FROM need_categories ORDER BY position, code",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Category {
                code: r.try_get("code")?,
                name_zh: r.try_get("name_zh")?,
                name_en: r.try_get("name_en")?,
                active: r.try_get::<i64, _>("active")? != 0,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Adds a category at the end of the list, or renames / (de)activates an existing one.
pub async fn upsert_category(conn: &mut Conn, c: &Category) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO need_categories (code, name_zh, name_en, position, active) \
         VALUES ($1, $2, $3, (SELECT COALESCE(MAX(position), 0) + 1 FROM need_categories), $4) \
         ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, name_en = excluded.name_en, \
         active = excluded.active",
    )
    .bind(&c.code)
    .bind(&c.name_zh)
    .bind(&c.name_en)
    .bind(c.active as i64)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewNeed {
    pub area_code: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub people: i64,
    pub urgency: String,
    pub channel: String,
    pub resident_user_id: Option<i64>,
    pub contact_name_enc: Option<String>,
    pub contact_name_masked: String,
    pub phone_enc: Option<String>,
    pub phone_masked: String,
    pub due_on: String,
    pub created_by: Option<i64>,
    pub demo: bool,
    /// Set when generating demo data in a later state; normally `submitted`.
    pub state: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NeedRow {
    pub id: i64,
    pub area_code: String,
    pub area_name: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub people: i64,
    pub urgency: String,
    pub channel: String,
    pub resident_user_id: Option<i64>,
    pub contact_name_enc: Option<String>,
    pub contact_name_masked: String,
    pub phone_enc: Option<String>,
    pub phone_masked: String,
    pub state: String,
    pub version: i64,
    pub due_on: String,
    pub responded_at: Option<i64>,
    pub reply: String,
    pub reason: String,
    pub proposal_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "n.id, n.area_code, a.name AS area_name, n.category, n.title, n.description, \
    n.people, n.urgency, n.channel, n.resident_user_id, n.contact_name_enc, n.contact_name_masked, \
    n.phone_enc, n.phone_masked, n.state, n.version, n.due_on, n.responded_at, n.reply, n.reason, \
    n.proposal_id, n.created_by, n.created_at, n.updated_at";

fn map(r: &sqlx::any::AnyRow) -> Result<NeedRow, sqlx::Error> {
    Ok(NeedRow {
        id: r.try_get("id")?,
        area_code: r.try_get("area_code")?,
        area_name: r.try_get("area_name")?,
        category: r.try_get("category")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        people: r.try_get("people")?,
        urgency: r.try_get("urgency")?,
        channel: r.try_get("channel")?,
        resident_user_id: r.try_get("resident_user_id")?,
        contact_name_enc: r.try_get("contact_name_enc")?,
        contact_name_masked: r.try_get("contact_name_masked")?,
        phone_enc: r.try_get("phone_enc")?,
        phone_masked: r.try_get("phone_masked")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        due_on: r.try_get("due_on")?,
        responded_at: r.try_get("responded_at")?,
        reply: r.try_get("reply")?,
        reason: r.try_get("reason")?,
        proposal_id: r.try_get("proposal_id")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn insert(conn: &mut Conn, n: &NewNeed) -> Result<i64, StoreError> {
    let at = if n.created_at > 0 {
        n.created_at
    } else {
        crate::audit::now()
    };
    let row = sqlx::query(
        "INSERT INTO needs (area_code, category, title, description, people, urgency, channel, \
         resident_user_id, contact_name_enc, contact_name_masked, phone_enc, phone_masked, state, \
         due_on, created_by, demo, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$17) RETURNING id",
    )
    .bind(&n.area_code)
    .bind(&n.category)
    .bind(&n.title)
    .bind(&n.description)
    .bind(n.people)
    .bind(&n.urgency)
    .bind(&n.channel)
    .bind(n.resident_user_id)
    .bind(&n.contact_name_enc)
    .bind(&n.contact_name_masked)
    .bind(&n.phone_enc)
    .bind(&n.phone_masked)
    .bind(if n.state.is_empty() {
        "submitted"
    } else {
        n.state.as_str()
    })
    .bind(&n.due_on)
    .bind(n.created_by)
    .bind(n.demo as i64)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<NeedRow>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLS} FROM needs n JOIN areas a ON a.code = n.area_code WHERE n.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(map).transpose()?)
}

/// What a transition writes besides the state (each only when given).
#[derive(Debug, Clone, Default)]
pub struct NeedChange {
    pub category: Option<String>,
    pub people: Option<i64>,
    pub reply: Option<String>,
    pub reason: Option<String>,
    pub proposal_id: Option<i64>,
    /// The first response: set once.
    pub responded: bool,
}

pub async fn apply_change(conn: &mut Conn, id: i64, c: &NeedChange) -> Result<(), StoreError> {
    let now = crate::audit::now();
    sqlx::query(
        "UPDATE needs SET category = COALESCE($1, category), people = COALESCE($2, people), \
         reply = COALESCE($3, reply), reason = COALESCE($4, reason), \
         proposal_id = COALESCE($5, proposal_id), \
         responded_at = CASE WHEN $6 = 1 AND responded_at IS NULL THEN $7 ELSE responded_at END \
         WHERE id = $8",
    )
    .bind(&c.category)
    .bind(c.people)
    .bind(&c.reply)
    .bind(&c.reason)
    .bind(c.proposal_id)
    .bind(c.responded as i64)
    .bind(now)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct NeedFilter {
    /// Restrict to an area subtree.
    pub root: Option<String>,
    /// Only this resident's own needs.
    pub resident: Option<i64>,
    pub state: Option<String>,
    pub category: Option<String>,
    pub area: Option<String>,
    pub urgency: Option<String>,
    pub channel: Option<String>,
    pub q: Option<String>,
    /// Only needs still awaiting a first response after their due date (`today`).
    pub overdue_on: Option<String>,
    pub proposal: Option<i64>,
}

fn where_of(f: &NeedFilter) -> Where {
    let mut w = Where::new();
    if let Some(r) = &f.root {
        w.subtree("n.area_code", r);
    }
    if let Some(u) = f.resident {
        w.push("n.resident_user_id = ?", vec![i(u)]);
    }
    if let Some(v) = &f.state {
        w.push("n.state = ?", vec![s(v.clone())]);
    }
    if let Some(v) = &f.category {
        w.push("n.category = ?", vec![s(v.clone())]);
    }
    if let Some(v) = &f.area {
        w.subtree("n.area_code", v);
    }
    if let Some(v) = &f.urgency {
        w.push("n.urgency = ?", vec![s(v.clone())]);
    }
    if let Some(v) = &f.channel {
        w.push("n.channel = ?", vec![s(v.clone())]);
    }
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        w.push(
            "(n.title LIKE ? ESCAPE '\\' OR n.description LIKE ? ESCAPE '\\' OR a.name LIKE ? ESCAPE '\\')",
            vec![s(p.clone()), s(p.clone()), s(p)],
        );
    }
    if let Some(d) = &f.overdue_on {
        w.push(
            "n.state = 'submitted' AND n.due_on < ?",
            vec![os(&Some(d.clone()))],
        );
    }
    if let Some(p) = f.proposal {
        w.push("n.proposal_id = ?", vec![i(p)]);
    }
    w
}

/// Sort orders a list accepts (a closed list, mapped to SQL here).
pub const SORTS: [&str; 5] = ["newest", "oldest", "due", "people", "urgency"];

fn order_of(sort: &str) -> &'static str {
    match sort {
        "oldest" => "n.id ASC",
        "due" => "n.due_on ASC, n.id ASC",
        "people" => "n.people DESC, n.id DESC",
        "urgency" => {
            "CASE n.urgency WHEN 'critical' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END, n.id DESC"
        }
        _ => "n.id DESC",
    }
}

pub async fn list(
    conn: &mut Conn,
    f: &NeedFilter,
    sort: &str,
    page: PageReq,
) -> Result<Paged<NeedRow>, StoreError> {
    where_of(f)
        .page(
            conn,
            "FROM needs n JOIN areas a ON a.code = n.area_code",
            &format!("SELECT {COLS} FROM needs n JOIN areas a ON a.code = n.area_code"),
            order_of(sort),
            page,
            map,
        )
        .await
}

/// One cell of the picture of needs: a community × category with counts by state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatCell {
    pub area_code: String,
    pub area_name: String,
    pub category: String,
    pub state: String,
    pub count: i64,
    pub people: i64,
    pub overdue: i64,
}

/// Counts by community, category and state for a filter (one grouped query).
pub async fn stats(
    conn: &mut Conn,
    f: &NeedFilter,
    today: &str,
) -> Result<Vec<StatCell>, StoreError> {
    let w = where_of(f);
    let n = w.next();
    let sql = format!(
        "SELECT n.area_code, a.name AS area_name, n.category, n.state, COUNT(*) AS c, \
         CAST(SUM(n.people) AS BIGINT) AS p, \
         CAST(SUM(CASE WHEN n.state = 'submitted' AND n.due_on < ${n} THEN 1 ELSE 0 END) AS BIGINT) AS o \
         FROM needs n JOIN areas a ON a.code = n.area_code WHERE {} \
         GROUP BY n.area_code, a.name, n.category, n.state ORDER BY n.area_code, n.category, n.state",
        w.sql()
    );
    let rows = crate::audit::bind_all(sqlx::query(&sql), &w.binds)
        .bind(today)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StatCell {
                area_code: r.try_get("area_code")?,
                area_name: r.try_get("area_name")?,
                category: r.try_get("category")?,
                state: r.try_get("state")?,
                count: r.try_get("c")?,
                people: r.try_get::<Option<i64>, _>("p")?.unwrap_or(0),
                overdue: r.try_get::<Option<i64>, _>("o")?.unwrap_or(0),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Needs still awaiting a first response that fall due on or before `due_on` and have had
/// no reminder yet (a missed run catches up): (id, community, title).
pub async fn due_unreminded(
    conn: &mut Conn,
    due_on: &str,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, area_code, title FROM needs WHERE state = 'submitted' AND due_on <= $1 \
         AND reminded_at IS NULL ORDER BY id",
    )
    .bind(due_on)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("area_code")?,
                r.try_get("title")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Marks a reminder sent; false when another run already did or the need was answered
/// meanwhile.
pub async fn mark_reminded(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE needs SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL \
         AND state = 'submitted'",
    )
    .bind(crate::audit::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---- proposals ---------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewProposal {
    pub owner_area: String,
    pub title: String,
    pub category: String,
    pub description: String,
    pub beneficiaries: i64,
    pub budget_fen: i64,
    pub created_by: Option<i64>,
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRow {
    pub id: i64,
    pub owner_area: String,
    pub owner_name: String,
    pub title: String,
    pub category: String,
    pub description: String,
    pub beneficiaries: i64,
    pub budget_fen: i64,
    pub state: String,
    pub version: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub needs: i64,
}

const PCOLS: &str =
    "p.id, p.owner_area, a.name AS owner_name, p.title, p.category, p.description, \
    p.beneficiaries, p.budget_fen, p.state, p.version, p.created_by, p.created_at, \
    (SELECT COUNT(*) FROM needs x WHERE x.proposal_id = p.id) AS needs";

fn pmap(r: &sqlx::any::AnyRow) -> Result<ProposalRow, sqlx::Error> {
    Ok(ProposalRow {
        id: r.try_get("id")?,
        owner_area: r.try_get("owner_area")?,
        owner_name: r.try_get("owner_name")?,
        title: r.try_get("title")?,
        category: r.try_get("category")?,
        description: r.try_get("description")?,
        beneficiaries: r.try_get("beneficiaries")?,
        budget_fen: r.try_get("budget_fen")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        needs: r.try_get("needs")?,
    })
}

pub async fn insert_proposal(conn: &mut Conn, p: &NewProposal) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let row = sqlx::query(
        "INSERT INTO proposals (owner_area, title, category, description, beneficiaries, \
         budget_fen, state, created_by, demo, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,'draft',$7,$8,$9,$9) RETURNING id",
    )
    .bind(&p.owner_area)
    .bind(&p.title)
    .bind(&p.category)
    .bind(&p.description)
    .bind(p.beneficiaries)
    .bind(p.budget_fen)
    .bind(p.created_by)
    .bind(p.demo as i64)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

pub async fn add_community(conn: &mut Conn, proposal: i64, area: &str) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO proposal_communities (proposal_id, area_code) VALUES ($1, $2) \
         ON CONFLICT (proposal_id, area_code) DO NOTHING",
    )
    .bind(proposal)
    .bind(area)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn communities(
    conn: &mut Conn,
    proposal: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT c.area_code, a.name FROM proposal_communities c JOIN areas a ON a.code = c.area_code \
         WHERE c.proposal_id = $1 ORDER BY c.area_code",
    )
    .bind(proposal)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("area_code")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

pub async fn get_proposal(conn: &mut Conn, id: i64) -> Result<Option<ProposalRow>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {PCOLS} FROM proposals p JOIN areas a ON a.code = p.owner_area WHERE p.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.as_ref().map(pmap).transpose()?)
}

#[derive(Debug, Clone, Default)]
pub struct ProposalFilter {
    /// Proposals owned inside this subtree, or targeting a community inside it.
    pub root: Option<String>,
    pub state: Option<String>,
    pub category: Option<String>,
    pub q: Option<String>,
}

pub async fn list_proposals(
    conn: &mut Conn,
    f: &ProposalFilter,
    page: PageReq,
) -> Result<Paged<ProposalRow>, StoreError> {
    let mut w = Where::new();
    if let Some(r) = &f.root {
        let (lo, hi) = crate::areas::subtree_range(r);
        w.push(
            "((p.owner_area >= ? AND p.owner_area <= ?) OR EXISTS (SELECT 1 FROM proposal_communities c \
             WHERE c.proposal_id = p.id AND c.area_code >= ? AND c.area_code <= ?))",
            vec![s(lo.clone()), s(hi.clone()), s(lo), s(hi)],
        );
    }
    if let Some(v) = &f.state {
        w.push("p.state = ?", vec![s(v.clone())]);
    }
    if let Some(v) = &f.category {
        w.push("p.category = ?", vec![s(v.clone())]);
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
        "FROM proposals p",
        &format!("SELECT {PCOLS} FROM proposals p JOIN areas a ON a.code = p.owner_area"),
        "p.id DESC",
        page,
        pmap,
    )
    .await
}

/// Demo data: a generated need's later state with its own times (the normal path goes
/// through `workflow::compare_and_set` and `apply_change`).
#[allow(clippy::too_many_arguments)]
pub async fn demo_settle(
    conn: &mut Conn,
    id: i64,
    state: &str,
    version: i64,
    responded_at: Option<i64>,
    reply: &str,
    reason: &str,
    proposal_id: Option<i64>,
    updated_at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE needs SET state = $1, version = $2, responded_at = $3, reply = $4, reason = $5, \
         proposal_id = $6, updated_at = $7 WHERE id = $8",
    )
    .bind(state)
    .bind(version)
    .bind(responded_at)
    .bind(reply)
    .bind(reason)
    .bind(proposal_id)
    .bind(updated_at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Demo data: a proposal's state and times.
pub async fn demo_settle_proposal(
    conn: &mut Conn,
    id: i64,
    state: &str,
    version: i64,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE proposals SET state = $1, version = $2, created_at = $3, updated_at = $3, demo = 1 \
         WHERE id = $4",
    )
    .bind(state)
    .bind(version)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Takes one of a need's attachment slots; false when it already holds `max`.
pub async fn take_file_slot(conn: &mut Conn, id: i64, max: i64) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE needs SET files = files + 1 WHERE id = $1 AND files < $2")
        .bind(id)
        .bind(max)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Gives a slot back when a file is removed.
pub async fn free_file_slot(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE needs SET files = files - 1 WHERE id = $1 AND files > 0")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
