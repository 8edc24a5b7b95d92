//! `experts`, `expert_ties`, `panels`, `panel_members`, `panel_scores`: the district's expert
//! pool and the review panels of purchase projects.

use crate::{Conn, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertRow {
    pub id: i64,
    pub district: String,
    pub name: String,
    pub affiliation: String,
    pub specialty: String,
    pub user_id: Option<i64>,
    pub username: Option<String>,
    /// The organization the expert's account acts for (an evaluation agency).
    pub user_org: Option<i64>,
    pub active: bool,
    /// `expert`, or `purchaser` for a representative of the purchasing department.
    pub kind: String,
}

const ECOLS: &str = "e.id, e.district, e.name, e.affiliation, e.specialty, e.user_id, \
    u.username, u.scope_org AS user_org, e.active, e.kind";

fn emap(r: &AnyRow) -> Result<ExpertRow, sqlx::Error> {
    Ok(ExpertRow {
        id: r.try_get("id")?,
        district: r.try_get("district")?,
        name: r.try_get("name")?,
        affiliation: r.try_get("affiliation")?,
        specialty: r.try_get("specialty")?,
        user_id: r.try_get("user_id")?,
        username: r.try_get("username")?,
        user_org: r.try_get("user_org")?,
        active: r.try_get::<i64, _>("active")? != 0,
        kind: r.try_get("kind")?,
    })
}

pub async fn experts(conn: &mut Conn, district: &str) -> Result<Vec<ExpertRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {ECOLS} FROM experts e LEFT JOIN users u ON u.id = e.user_id \
         WHERE e.district = $1 ORDER BY e.id"
    ))
    .bind(district)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(emap).collect::<Result<_, _>>()?)
}

pub async fn expert(conn: &mut Conn, id: i64) -> Result<Option<ExpertRow>, StoreError> {
    let r = sqlx::query(&format!(
        "SELECT {ECOLS} FROM experts e LEFT JOIN users u ON u.id = e.user_id WHERE e.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.map(|r| emap(&r)).transpose()?)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_expert(
    conn: &mut Conn,
    district: &str,
    name: &str,
    affiliation: &str,
    specialty: &str,
    user_id: Option<i64>,
    kind: &str,
    demo: bool,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO experts (district, name, affiliation, specialty, user_id, demo, created_at, \
         kind) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(district)
    .bind(name)
    .bind(affiliation)
    .bind(specialty)
    .bind(user_id)
    .bind(demo as i64)
    .bind(crate::audit::now())
    .bind(kind)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

pub async fn set_expert_active(conn: &mut Conn, id: i64, active: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE experts SET active = $1 WHERE id = $2")
        .bind(active as i64)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TieRow {
    pub id: i64,
    pub expert_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub relation: String,
    pub ended_on: Option<String>,
}

/// Every tie of the district's experts.
pub async fn ties(conn: &mut Conn, district: &str) -> Result<Vec<TieRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id, t.expert_id, t.org_id, o.name AS org_name, t.relation, t.ended_on \
         FROM expert_ties t JOIN experts e ON e.id = t.expert_id \
         JOIN organizations o ON o.id = t.org_id WHERE e.district = $1 ORDER BY t.id",
    )
    .bind(district)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(TieRow {
                id: r.try_get("id")?,
                expert_id: r.try_get("expert_id")?,
                org_id: r.try_get("org_id")?,
                org_name: r.try_get("org_name")?,
                relation: r.try_get("relation")?,
                ended_on: r.try_get("ended_on")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

pub async fn insert_tie(
    conn: &mut Conn,
    expert: i64,
    org: i64,
    relation: &str,
    ended_on: Option<&str>,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO expert_ties (expert_id, org_id, relation, ended_on, created_at) \
         VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(expert)
    .bind(org)
    .bind(relation)
    .bind(ended_on)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanelRow {
    pub project_id: i64,
    pub size: i64,
    pub seed: String,
    pub signed_at: Option<i64>,
    pub signed_by: Option<String>,
}

pub async fn panel(conn: &mut Conn, project: i64) -> Result<Option<PanelRow>, StoreError> {
    let r = sqlx::query(
        "SELECT project_id, size, seed, signed_at, signed_by FROM panels WHERE project_id = $1",
    )
    .bind(project)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(Some(PanelRow {
        project_id: r.try_get("project_id")?,
        size: r.try_get("size")?,
        seed: r.try_get("seed")?,
        signed_at: r.try_get("signed_at")?,
        signed_by: r.try_get("signed_by")?,
    }))
}

pub async fn insert_panel(
    conn: &mut Conn,
    project: i64,
    size: i64,
    seed: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO panels (project_id, size, seed, created_at) VALUES ($1,$2,$3,$4)")
        .bind(project)
        .bind(size)
        .bind(seed)
        .bind(crate::audit::now())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn sign(conn: &mut Conn, project: i64, by: &str, at: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE panels SET signed_at = $1, signed_by = $2 WHERE project_id = $3")
        .bind(at)
        .bind(by)
        .bind(project)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub id: i64,
    pub project_id: i64,
    pub expert_id: i64,
    pub name: String,
    pub affiliation: String,
    pub user_id: Option<i64>,
    /// The pool entry's kind: `expert` or `purchaser`.
    pub kind: String,
    pub seat: i64,
    pub chair: bool,
    pub state: String,
    pub declaration: String,
    pub declared_at: Option<i64>,
}

const MCOLS: &str = "m.id, m.project_id, m.expert_id, e.name, e.affiliation, e.user_id, e.kind, \
    m.seat, m.chair, m.state, m.declaration, m.declared_at";

fn mmap(r: &AnyRow) -> Result<MemberRow, sqlx::Error> {
    Ok(MemberRow {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        expert_id: r.try_get("expert_id")?,
        name: r.try_get("name")?,
        affiliation: r.try_get("affiliation")?,
        user_id: r.try_get("user_id")?,
        kind: r.try_get("kind")?,
        seat: r.try_get("seat")?,
        chair: r.try_get::<i64, _>("chair")? != 0,
        state: r.try_get("state")?,
        declaration: r.try_get("declaration")?,
        declared_at: r.try_get("declared_at")?,
    })
}

pub async fn members(conn: &mut Conn, project: i64) -> Result<Vec<MemberRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {MCOLS} FROM panel_members m JOIN experts e ON e.id = m.expert_id \
         WHERE m.project_id = $1 ORDER BY m.seat"
    ))
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(mmap).collect::<Result<_, _>>()?)
}

pub async fn member(conn: &mut Conn, id: i64) -> Result<Option<MemberRow>, StoreError> {
    let r = sqlx::query(&format!(
        "SELECT {MCOLS} FROM panel_members m JOIN experts e ON e.id = m.expert_id WHERE m.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.map(|r| mmap(&r)).transpose()?)
}

pub async fn insert_member(
    conn: &mut Conn,
    project: i64,
    expert: i64,
    seat: i64,
    chair: bool,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO panel_members (project_id, expert_id, seat, chair, state) \
         VALUES ($1,$2,$3,$4,'drawn') RETURNING id",
    )
    .bind(project)
    .bind(expert)
    .bind(seat)
    .bind(chair as i64)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

/// Moves a member from `from` to `to` with its declaration; false when it was no longer in
/// `from` (someone declared first).
pub async fn declare(
    conn: &mut Conn,
    id: i64,
    from: &str,
    to: &str,
    declaration: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE panel_members SET state = $1, declaration = $2, declared_at = $3 \
         WHERE id = $4 AND state = $5",
    )
    .bind(to)
    .bind(declaration)
    .bind(crate::audit::now())
    .bind(id)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Hands the chair to another member (when the chair steps aside).
pub async fn set_chair(conn: &mut Conn, project: i64, member: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE panel_members SET chair = CASE WHEN id = $1 THEN 1 ELSE 0 END WHERE project_id = $2")
        .bind(member)
        .bind(project)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Locks the panel for the rest of the transaction (draws and declarations queue).
pub async fn lock_panel(conn: &mut Conn, project: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE panels SET size = size WHERE project_id = $1")
        .bind(project)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn upsert_score(
    conn: &mut Conn,
    member: i64,
    application: i64,
    criterion: &str,
    score: i64,
    comment: &str,
    entered_by: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO panel_scores (member_id, application_id, criterion, score, comment, \
         entered_by, at) VALUES ($1,$2,$3,$4,$5,$6,$7) \
         ON CONFLICT (member_id, application_id, criterion) DO UPDATE SET score = excluded.score, \
         comment = excluded.comment, entered_by = excluded.entered_by, at = excluded.at",
    )
    .bind(member)
    .bind(application)
    .bind(criterion)
    .bind(score)
    .bind(comment)
    .bind(entered_by)
    .bind(crate::audit::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreRow {
    pub member_id: i64,
    pub application_id: i64,
    pub criterion: String,
    pub score: i64,
    pub comment: String,
}

pub async fn scores(conn: &mut Conn, project: i64) -> Result<Vec<ScoreRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.member_id, s.application_id, s.criterion, s.score, s.comment \
         FROM panel_scores s JOIN panel_members m ON m.id = s.member_id \
         WHERE m.project_id = $1 ORDER BY s.member_id, s.application_id, s.criterion",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ScoreRow {
                member_id: r.try_get("member_id")?,
                application_id: r.try_get("application_id")?,
                criterion: r.try_get("criterion")?,
                score: r.try_get("score")?,
                comment: r.try_get("comment")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// The projects on whose panel an account sits (drawn or cleared).
pub async fn projects_of_user(conn: &mut Conn, user: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT m.project_id FROM panel_members m JOIN experts e ON e.id = m.expert_id \
         WHERE e.user_id = $1 AND m.state <> 'recused' ORDER BY m.project_id DESC",
    )
    .bind(user)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("project_id"))
        .collect::<Result<_, _>>()?)
}
