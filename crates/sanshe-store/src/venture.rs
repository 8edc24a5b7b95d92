//! Venture-philanthropy (公益创投) rounds, their projects, reviewers' scores, residents' votes
//! and debarments. `commit_pool` is the one move of a round's committed money.

use crate::{audit::Bind, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRow {
    pub id: i64,
    pub district: String,
    pub year: i64,
    pub title: String,
    pub description: String,
    pub topics: String,
    pub pool_fiscal_fen: i64,
    pub pool_charity_fen: i64,
    pub committed_fiscal_fen: i64,
    pub committed_charity_fen: i64,
    pub tiers: String,
    pub review_mode: String,
    pub apply_until: String,
    pub notice_days: i64,
    pub vote_until: Option<String>,
    pub vote_top_n: i64,
    pub vote_bonus: i64,
    pub matched_unit_fen: i64,
    pub matched_cap: i64,
    pub first_days: i64,
    pub first_share: i64,
    pub debar_years: i64,
    pub state: String,
    pub version: i64,
    pub projects: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

fn rmap(r: &AnyRow) -> Result<RoundRow, sqlx::Error> {
    Ok(RoundRow {
        id: r.try_get("id")?,
        district: r.try_get("district")?,
        year: r.try_get("year")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        topics: r.try_get("topics")?,
        pool_fiscal_fen: r.try_get("pool_fiscal_fen")?,
        pool_charity_fen: r.try_get("pool_charity_fen")?,
        committed_fiscal_fen: r.try_get("committed_fiscal_fen")?,
        committed_charity_fen: r.try_get("committed_charity_fen")?,
        tiers: r.try_get("tiers")?,
        review_mode: r.try_get("review_mode")?,
        apply_until: r.try_get("apply_until")?,
        notice_days: r.try_get("notice_days")?,
        vote_until: r.try_get("vote_until")?,
        vote_top_n: r.try_get("vote_top_n")?,
        vote_bonus: r.try_get("vote_bonus")?,
        matched_unit_fen: r.try_get("matched_unit_fen")?,
        matched_cap: r.try_get("matched_cap")?,
        first_days: r.try_get("first_days")?,
        first_share: r.try_get("first_share")?,
        debar_years: r.try_get("debar_years")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        projects: r.try_get("projects")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const RSEL: &str = "SELECT r.id, r.district, r.year, r.title, r.description, r.topics, \
    r.pool_fiscal_fen, r.pool_charity_fen, r.committed_fiscal_fen, r.committed_charity_fen, \
    r.tiers, r.review_mode, r.apply_until, r.notice_days, r.vote_until, r.vote_top_n, \
    r.vote_bonus, r.matched_unit_fen, r.matched_cap, r.first_days, r.first_share, \
    r.debar_years, r.state, r.version, r.created_at, r.updated_at, \
    (SELECT COUNT(*) FROM venture_projects x WHERE x.round_id = r.id \
     AND x.state NOT IN ('draft', 'withdrawn')) AS projects \
    FROM venture_rounds r";
const RFROM: &str = "FROM venture_rounds r";

/// A round's settings as stored (money in fen, tiers comma-separated, topics one per line).
#[derive(Debug, Clone)]
pub struct RoundFields<'a> {
    pub year: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub topics: &'a str,
    pub pool_fiscal_fen: i64,
    pub pool_charity_fen: i64,
    pub tiers: &'a str,
    pub review_mode: &'a str,
    pub apply_until: &'a str,
    pub notice_days: i64,
    pub vote_top_n: i64,
    pub vote_bonus: i64,
    pub matched_unit_fen: i64,
    pub matched_cap: i64,
    pub first_days: i64,
    pub first_share: i64,
    pub debar_years: i64,
}

pub async fn insert_round(
    conn: &mut Conn,
    district: &str,
    f: &RoundFields<'_>,
    by: Option<i64>,
    demo: bool,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    Ok(sqlx::query(
        "INSERT INTO venture_rounds (district, year, title, description, topics, \
         pool_fiscal_fen, pool_charity_fen, tiers, review_mode, apply_until, notice_days, \
         vote_top_n, vote_bonus, matched_unit_fen, matched_cap, first_days, first_share, \
         debar_years, state, created_by, demo, created_at, updated_at) VALUES \
         ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,'draft',$19,$20,$21,$21) \
         RETURNING id",
    )
    .bind(district)
    .bind(f.year)
    .bind(f.title)
    .bind(f.description)
    .bind(f.topics)
    .bind(f.pool_fiscal_fen)
    .bind(f.pool_charity_fen)
    .bind(f.tiers)
    .bind(f.review_mode)
    .bind(f.apply_until)
    .bind(f.notice_days)
    .bind(f.vote_top_n)
    .bind(f.vote_bonus)
    .bind(f.matched_unit_fen)
    .bind(f.matched_cap)
    .bind(f.first_days)
    .bind(f.first_share)
    .bind(f.debar_years)
    .bind(by)
    .bind(i64::from(demo))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?)
}

/// Edits a round's settings if it is still at `version` and not past the call (false: it
/// moved on, or a pool would fall below what is committed).
pub async fn update_round(
    conn: &mut Conn,
    id: i64,
    version: i64,
    f: &RoundFields<'_>,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE venture_rounds SET year = $1, title = $2, description = $3, topics = $4, \
         pool_fiscal_fen = $5, pool_charity_fen = $6, tiers = $7, review_mode = $8, \
         apply_until = $9, notice_days = $10, vote_top_n = $11, vote_bonus = $12, \
         matched_unit_fen = $13, matched_cap = $14, first_days = $15, first_share = $16, \
         debar_years = $17, version = version + 1, updated_at = $18 \
         WHERE id = $19 AND version = $20 AND state IN ('draft', 'open') \
         AND committed_fiscal_fen <= $5 AND committed_charity_fen <= $6",
    )
    .bind(f.year)
    .bind(f.title)
    .bind(f.description)
    .bind(f.topics)
    .bind(f.pool_fiscal_fen)
    .bind(f.pool_charity_fen)
    .bind(f.tiers)
    .bind(f.review_mode)
    .bind(f.apply_until)
    .bind(f.notice_days)
    .bind(f.vote_top_n)
    .bind(f.vote_bonus)
    .bind(f.matched_unit_fen)
    .bind(f.matched_cap)
    .bind(f.first_days)
    .bind(f.first_share)
    .bind(f.debar_years)
    .bind(crate::audit::now())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn round(conn: &mut Conn, id: i64) -> Result<Option<RoundRow>, StoreError> {
    let r = sqlx::query(&format!("{RSEL} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(rmap).transpose()?)
}

/// Takes the round's row lock for the rest of the transaction (every change to its projects'
/// awards, votes and ranking runs under it).
pub async fn lock_round(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE venture_rounds SET version = version WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct RoundFilter {
    pub district: Option<String>,
    /// Only rounds past the draft (what organizations, reviewers and the public see).
    pub published_only: bool,
    /// Only the rounds this account reviews.
    pub reviewer: Option<i64>,
    pub state: Option<String>,
    pub year: Option<i64>,
    pub q: Option<String>,
}

pub async fn rounds(
    conn: &mut Conn,
    f: &RoundFilter,
    page: PageReq,
) -> Result<Paged<RoundRow>, StoreError> {
    let mut w = Where::new();
    if let Some(d) = &f.district {
        w.push("r.district = ?", vec![Bind::S(d.clone())]);
    }
    if f.published_only {
        w.push("r.state NOT IN ('draft', 'cancelled')", vec![]);
    }
    if let Some(u) = f.reviewer {
        w.push(
            "r.id IN (SELECT round_id FROM venture_reviewers WHERE user_id = ?)",
            vec![Bind::I(u)],
        );
    }
    if let Some(s) = f.state.as_ref().filter(|s| !s.is_empty()) {
        w.push("r.state = ?", vec![Bind::S(s.clone())]);
    }
    if let Some(y) = f.year {
        w.push("r.year = ?", vec![Bind::I(y)]);
    }
    if let Some(q) = f.q.as_ref().filter(|s| !s.is_empty()) {
        w.push(
            "r.title LIKE ? ESCAPE '\\'",
            vec![Bind::S(crate::like_pattern(q))],
        );
    }
    w.page(conn, RFROM, RSEL, "r.year DESC, r.id DESC", page, rmap)
        .await
}

/// Sets the last day of the finalists' notice.
pub async fn set_vote_until(conn: &mut Conn, id: i64, day: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE venture_rounds SET vote_until = $1 WHERE id = $2")
        .bind(day)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Commits `fen` of a round's pool (`fiscal` or `charity`) — one UPDATE that refuses to go
/// over the pool; false when it would. A negative `fen` gives money back (never below 0).
pub async fn commit_pool(
    conn: &mut Conn,
    round: i64,
    source: &str,
    fen: i64,
) -> Result<bool, StoreError> {
    let (col, pool) = match source {
        "fiscal" => ("committed_fiscal_fen", "pool_fiscal_fen"),
        "charity" => ("committed_charity_fen", "pool_charity_fen"),
        _ => return Ok(false),
    };
    let r = sqlx::query(&format!(
        "UPDATE venture_rounds SET {col} = {col} + $1, updated_at = $2 \
         WHERE id = $3 AND {col} + $1 <= {pool} AND {col} + $1 >= 0"
    ))
    .bind(fen)
    .bind(crate::audit::now())
    .bind(round)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---- reviewers ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    pub user_id: i64,
    pub name: String,
    pub org_id: Option<i64>,
    pub org_name: String,
}

/// Names a reviewer (false: already named).
pub async fn add_reviewer(conn: &mut Conn, round: i64, user: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO venture_reviewers (round_id, user_id) VALUES ($1, $2) \
         ON CONFLICT (round_id, user_id) DO NOTHING",
    )
    .bind(round)
    .bind(user)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn reviewers(conn: &mut Conn, round: i64) -> Result<Vec<Reviewer>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, u.scope_org, COALESCE(o.name, '') AS org_name \
         FROM venture_reviewers v JOIN users u ON u.id = v.user_id \
         LEFT JOIN organizations o ON o.id = u.scope_org WHERE v.round_id = $1 ORDER BY u.id",
    )
    .bind(round)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Reviewer {
                user_id: r.try_get("id")?,
                name: r.try_get("display_name")?,
                org_id: r.try_get("scope_org")?,
                org_name: r.try_get("org_name")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

// ---- projects ----------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRow {
    pub id: i64,
    pub round_id: i64,
    pub round_title: String,
    pub round_state: String,
    pub district: String,
    pub org_id: i64,
    pub org_name: String,
    pub title: String,
    pub topic: String,
    pub summary: String,
    pub plan: String,
    pub beneficiaries: i64,
    pub tier_fen: i64,
    pub matched_fen: i64,
    pub not_funded_elsewhere: bool,
    pub score_tenths: Option<i64>,
    pub reviewers: i64,
    pub votes: i64,
    pub matched_tenths: i64,
    pub vote_tenths: i64,
    pub total_tenths: Option<i64>,
    pub award_fen: i64,
    pub source: Option<String>,
    pub paid_fen: i64,
    pub clawed_fen: i64,
    pub awarded_on: Option<String>,
    pub signed_on: Option<String>,
    pub first_due_on: Option<String>,
    pub first_paid_on: Option<String>,
    pub rest_paid_on: Option<String>,
    pub ended_on: Option<String>,
    pub finding: String,
    pub state: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

fn pmap(r: &AnyRow) -> Result<ProjectRow, sqlx::Error> {
    Ok(ProjectRow {
        id: r.try_get("id")?,
        round_id: r.try_get("round_id")?,
        round_title: r.try_get("round_title")?,
        round_state: r.try_get("round_state")?,
        district: r.try_get("district")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        title: r.try_get("title")?,
        topic: r.try_get("topic")?,
        summary: r.try_get("summary")?,
        plan: r.try_get("plan")?,
        beneficiaries: r.try_get("beneficiaries")?,
        tier_fen: r.try_get("tier_fen")?,
        matched_fen: r.try_get("matched_fen")?,
        not_funded_elsewhere: r.try_get::<i64, _>("not_funded_elsewhere")? != 0,
        score_tenths: r.try_get("score_tenths")?,
        reviewers: r.try_get("reviewers")?,
        votes: r.try_get("votes")?,
        matched_tenths: r.try_get("matched_tenths")?,
        vote_tenths: r.try_get("vote_tenths")?,
        total_tenths: r.try_get("total_tenths")?,
        award_fen: r.try_get("award_fen")?,
        source: r.try_get("source")?,
        paid_fen: r.try_get("paid_fen")?,
        clawed_fen: r.try_get("clawed_fen")?,
        awarded_on: r.try_get("awarded_on")?,
        signed_on: r.try_get("signed_on")?,
        first_due_on: r.try_get("first_due_on")?,
        first_paid_on: r.try_get("first_paid_on")?,
        rest_paid_on: r.try_get("rest_paid_on")?,
        ended_on: r.try_get("ended_on")?,
        finding: r.try_get("finding")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const PFROM: &str = "FROM venture_projects p JOIN venture_rounds r ON r.id = p.round_id \
    JOIN organizations o ON o.id = p.org_id";
const PSEL: &str = "SELECT p.id, p.round_id, r.title AS round_title, r.state AS round_state, \
    r.district, p.org_id, o.name AS org_name, p.title, p.topic, p.summary, p.plan, \
    p.beneficiaries, p.tier_fen, p.matched_fen, p.not_funded_elsewhere, p.score_tenths, \
    p.reviewers, p.votes, p.matched_tenths, p.vote_tenths, p.total_tenths, p.award_fen, \
    p.source, p.paid_fen, p.clawed_fen, p.awarded_on, p.signed_on, p.first_due_on, \
    p.first_paid_on, p.rest_paid_on, p.ended_on, p.finding, p.state, p.version, \
    p.created_at, p.updated_at \
    FROM venture_projects p JOIN venture_rounds r ON r.id = p.round_id \
    JOIN organizations o ON o.id = p.org_id";

/// What an organization writes in its application.
#[derive(Debug, Clone)]
pub struct ProjectFields<'a> {
    pub title: &'a str,
    pub topic: &'a str,
    pub summary: &'a str,
    pub plan: &'a str,
    pub beneficiaries: i64,
    pub tier_fen: i64,
    pub matched_fen: i64,
    pub not_funded_elsewhere: bool,
}

/// A new project (draft); `None` when the organization already has one in the round.
pub async fn insert_project(
    conn: &mut Conn,
    round: i64,
    org: i64,
    f: &ProjectFields<'_>,
    by: Option<i64>,
    demo: bool,
) -> Result<Option<i64>, StoreError> {
    let key = format!("{round}/{org}");
    // The unique column decides; the pre-check keeps PostgreSQL's transaction usable.
    let taken = sqlx::query("SELECT id FROM venture_projects WHERE one_key = $1")
        .bind(&key)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Ok(None);
    }
    let now = crate::audit::now();
    Ok(Some(
        sqlx::query(
            "INSERT INTO venture_projects (round_id, org_id, one_key, title, topic, summary, \
             plan, beneficiaries, tier_fen, matched_fen, not_funded_elsewhere, state, \
             created_by, demo, created_at, updated_at) VALUES \
             ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,'draft',$12,$13,$14,$14) RETURNING id",
        )
        .bind(round)
        .bind(org)
        .bind(&key)
        .bind(f.title)
        .bind(f.topic)
        .bind(f.summary)
        .bind(f.plan)
        .bind(f.beneficiaries)
        .bind(f.tier_fen)
        .bind(f.matched_fen)
        .bind(i64::from(f.not_funded_elsewhere))
        .bind(by)
        .bind(i64::from(demo))
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?,
    ))
}

/// Edits a draft at `version` (false: it moved on).
pub async fn update_project(
    conn: &mut Conn,
    id: i64,
    version: i64,
    f: &ProjectFields<'_>,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE venture_projects SET title = $1, topic = $2, summary = $3, plan = $4, \
         beneficiaries = $5, tier_fen = $6, matched_fen = $7, not_funded_elsewhere = $8, \
         version = version + 1, updated_at = $9 WHERE id = $10 AND version = $11 \
         AND state = 'draft'",
    )
    .bind(f.title)
    .bind(f.topic)
    .bind(f.summary)
    .bind(f.plan)
    .bind(f.beneficiaries)
    .bind(f.tier_fen)
    .bind(f.matched_fen)
    .bind(i64::from(f.not_funded_elsewhere))
    .bind(crate::audit::now())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn project(conn: &mut Conn, id: i64) -> Result<Option<ProjectRow>, StoreError> {
    let r = sqlx::query(&format!("{PSEL} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(pmap).transpose()?)
}

/// Every project of a round (drafts and withdrawn ones left out unless `all`), in ranking
/// order: total, then score, then the earlier application.
pub async fn projects_of_round(
    conn: &mut Conn,
    round: i64,
    all: bool,
) -> Result<Vec<ProjectRow>, StoreError> {
    let keep = if all {
        ""
    } else {
        " AND p.state NOT IN ('draft', 'withdrawn')"
    };
    let rows = sqlx::query(&format!(
        "{PSEL} WHERE p.round_id = $1{keep} ORDER BY \
         CASE WHEN p.total_tenths IS NULL THEN 1 ELSE 0 END, p.total_tenths DESC, \
         CASE WHEN p.score_tenths IS NULL THEN 1 ELSE 0 END, p.score_tenths DESC, p.id"
    ))
    .bind(round)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(pmap).collect::<Result<_, _>>()?)
}

#[derive(Debug, Clone, Default)]
pub struct ProjectFilter {
    pub district: Option<String>,
    pub org: Option<i64>,
    pub round: Option<i64>,
    pub state: Option<String>,
    pub q: Option<String>,
}

pub async fn projects(
    conn: &mut Conn,
    f: &ProjectFilter,
    page: PageReq,
) -> Result<Paged<ProjectRow>, StoreError> {
    let mut w = Where::new();
    if let Some(d) = &f.district {
        w.push("r.district = ?", vec![Bind::S(d.clone())]);
    }
    if let Some(o) = f.org {
        w.push("p.org_id = ?", vec![Bind::I(o)]);
    }
    if let Some(r) = f.round {
        w.push("p.round_id = ?", vec![Bind::I(r)]);
    }
    if let Some(s) = f.state.as_ref().filter(|s| !s.is_empty()) {
        w.push("p.state = ?", vec![Bind::S(s.clone())]);
    }
    if let Some(q) = f.q.as_ref().filter(|s| !s.is_empty()) {
        let pat = crate::like_pattern(q);
        w.push(
            "(p.title LIKE ? ESCAPE '\\' OR o.name LIKE ? ESCAPE '\\')",
            vec![Bind::S(pat.clone()), Bind::S(pat)],
        );
    }
    w.page(conn, PFROM, PSEL, "p.id DESC", page, pmap).await
}

/// Frees the organization's place in the round (a withdrawn project).
pub async fn clear_one_key(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE venture_projects SET one_key = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_submitted(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE venture_projects SET submitted_at = $1 WHERE id = $2")
        .bind(crate::audit::now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores one reviewer's scores (again: replaces them) and recomputes the project's mean
/// score from every reviewer's total, in tenths (rounded half up).
pub async fn set_score(
    conn: &mut Conn,
    project: i64,
    reviewer: i64,
    points: &str,
    total: i64,
    comment: &str,
) -> Result<(), StoreError> {
    let now = crate::audit::now();
    sqlx::query("DELETE FROM venture_scores WHERE project_id = $1 AND reviewer_id = $2")
        .bind(project)
        .bind(reviewer)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO venture_scores (project_id, reviewer_id, points, total, comment, at) \
         VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(project)
    .bind(reviewer)
    .bind(points)
    .bind(total)
    .bind(comment)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let totals: Vec<i64> = sqlx::query("SELECT total FROM venture_scores WHERE project_id = $1")
        .bind(project)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>("total"))
        .collect::<Result<_, _>>()?;
    let n = i64::try_from(totals.len()).unwrap_or(1).max(1);
    let sum: i64 = totals.iter().sum();
    let mean_tenths = (sum * 10 * 2 + n) / (2 * n);
    sqlx::query(
        "UPDATE venture_projects SET score_tenths = $1, reviewers = $2, \
         total_tenths = $1 + matched_tenths + vote_tenths, updated_at = $3 WHERE id = $4",
    )
    .bind(mean_tenths)
    .bind(n)
    .bind(now)
    .bind(project)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreRow {
    pub reviewer_id: i64,
    pub reviewer_name: String,
    pub points: String,
    pub total: i64,
    pub comment: String,
    pub at: i64,
}

pub async fn scores(conn: &mut Conn, project: i64) -> Result<Vec<ScoreRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.reviewer_id, u.display_name, s.points, s.total, s.comment, s.at \
         FROM venture_scores s JOIN users u ON u.id = s.reviewer_id WHERE s.project_id = $1 \
         ORDER BY s.reviewer_id",
    )
    .bind(project)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ScoreRow {
                reviewer_id: r.try_get("reviewer_id")?,
                reviewer_name: r.try_get("display_name")?,
                points: r.try_get("points")?,
                total: r.try_get("total")?,
                comment: r.try_get("comment")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// A resident's one vote in a round (false: they voted already). The project's count moves
/// in the same transaction.
pub async fn vote(
    conn: &mut Conn,
    round: i64,
    user: i64,
    project: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "INSERT INTO venture_votes (round_id, user_id, project_id, at) VALUES ($1,$2,$3,$4) \
         ON CONFLICT (round_id, user_id) DO NOTHING",
    )
    .bind(round)
    .bind(user)
    .bind(project)
    .bind(crate::audit::now())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("UPDATE venture_projects SET votes = votes + 1 WHERE id = $1")
        .bind(project)
        .execute(&mut *conn)
        .await?;
    Ok(true)
}

/// The project a resident voted for in a round.
pub async fn vote_of(conn: &mut Conn, round: i64, user: i64) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query("SELECT project_id FROM venture_votes WHERE round_id = $1 AND user_id = $2")
            .bind(round)
            .bind(user)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get("project_id"))
            .transpose()?,
    )
}

/// Counts a round's votes per project from the votes themselves.
pub async fn vote_counts(conn: &mut Conn, round: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT project_id, COUNT(*) AS n FROM venture_votes WHERE round_id = $1 \
         GROUP BY project_id",
    )
    .bind(round)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("project_id")?, r.try_get("n")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Fixes a project's bonuses and total.
pub async fn set_ranking(
    conn: &mut Conn,
    id: i64,
    matched_tenths: i64,
    vote_tenths: i64,
    total_tenths: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE venture_projects SET matched_tenths = $1, vote_tenths = $2, total_tenths = $3 \
         WHERE id = $4",
    )
    .bind(matched_tenths)
    .bind(vote_tenths)
    .bind(total_tenths)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The money side of a project's step: award, signature, payments, end.
#[derive(Debug, Clone, Default)]
pub struct Money<'a> {
    pub award: Option<(i64, &'a str, &'a str)>,
    pub signed: Option<(&'a str, &'a str)>,
    pub first_paid: Option<(i64, &'a str)>,
    pub rest_paid: Option<(i64, &'a str)>,
    pub ended: Option<(&'a str, &'a str, i64)>,
}

pub async fn set_money(conn: &mut Conn, id: i64, m: &Money<'_>) -> Result<(), StoreError> {
    if let Some((fen, source, on)) = m.award {
        sqlx::query(
            "UPDATE venture_projects SET award_fen = $1, source = $2, awarded_on = $3 \
             WHERE id = $4",
        )
        .bind(fen)
        .bind(source)
        .bind(on)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    if let Some((on, due)) = m.signed {
        sqlx::query("UPDATE venture_projects SET signed_on = $1, first_due_on = $2 WHERE id = $3")
            .bind(on)
            .bind(due)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    if let Some((fen, on)) = m.first_paid {
        sqlx::query(
            "UPDATE venture_projects SET paid_fen = paid_fen + $1, first_paid_on = $2 \
             WHERE id = $3",
        )
        .bind(fen)
        .bind(on)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    if let Some((fen, on)) = m.rest_paid {
        sqlx::query(
            "UPDATE venture_projects SET paid_fen = paid_fen + $1, rest_paid_on = $2 \
             WHERE id = $3",
        )
        .bind(fen)
        .bind(on)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    if let Some((on, finding, clawed)) = m.ended {
        sqlx::query(
            "UPDATE venture_projects SET ended_on = $1, finding = $2, clawed_fen = $3 \
             WHERE id = $4",
        )
        .bind(on)
        .bind(finding)
        .bind(clawed)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

// ---- debarment and the organization's record -------------------------------------------

pub async fn debar(
    conn: &mut Conn,
    org: i64,
    project: Option<i64>,
    until: &str,
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO venture_debarments (org_id, project_id, until_on, reason, at) \
         VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(org)
    .bind(project)
    .bind(until)
    .bind(reason)
    .bind(crate::audit::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The last day an organization is barred, if it is barred after `today`.
pub async fn barred_until(
    conn: &mut Conn,
    org: i64,
    today: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query(
        "SELECT MAX(until_on) AS u FROM venture_debarments WHERE org_id = $1 AND until_on >= $2",
    )
    .bind(org)
    .bind(today)
    .fetch_one(&mut *conn)
    .await?
    .try_get("u")?)
}

/// The latest day one of the organization's funded projects was stopped unfinished, on or
/// after `since`.
pub async fn stopped_since(
    conn: &mut Conn,
    org: i64,
    since: &str,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query(
        "SELECT MAX(ended_on) AS d FROM venture_projects WHERE org_id = $1 \
         AND state = 'stopped' AND ended_on >= $2",
    )
    .bind(org)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?
    .try_get("d")?)
}

/// Awarded projects whose first tranche is due by `day` and unpaid (reminders).
pub async fn first_due(conn: &mut Conn, day: &str) -> Result<Vec<ProjectRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "{PSEL} WHERE p.state = 'signed' AND p.first_due_on <= $1 ORDER BY p.id"
    ))
    .bind(day)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(pmap).collect::<Result<_, _>>()?)
}

/// Sets a demo project's vote count (the demo has no residents' votes behind it).
pub async fn demo_votes(conn: &mut Conn, id: i64, votes: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE venture_projects SET votes = $1 WHERE id = $2")
        .bind(votes)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
