//! Awards instead of subsidies (以奖代补): lists and their entries.

use crate::{audit::Bind, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRow {
    pub id: i64,
    pub district: String,
    pub year: i64,
    pub subject: String,
    pub title: String,
    pub scheme: String,
    pub scheme_version: i64,
    pub notice_days: i64,
    pub notice_until: Option<String>,
    pub published_on: Option<String>,
    pub budget_line_id: Option<i64>,
    pub state: String,
    pub version: i64,
    pub entries: i64,
    pub total_fen: i64,
    pub paid_fen: i64,
    pub created_at: i64,
}

fn lmap(r: &AnyRow) -> Result<ListRow, sqlx::Error> {
    Ok(ListRow {
        id: r.try_get("id")?,
        district: r.try_get("district")?,
        year: r.try_get("year")?,
        subject: r.try_get("subject")?,
        title: r.try_get("title")?,
        scheme: r.try_get("scheme")?,
        scheme_version: r.try_get("scheme_version")?,
        notice_days: r.try_get("notice_days")?,
        notice_until: r.try_get("notice_until")?,
        published_on: r.try_get("published_on")?,
        budget_line_id: r.try_get("budget_line_id")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        entries: r.try_get("entries")?,
        total_fen: r.try_get("total_fen")?,
        paid_fen: r.try_get("paid_fen")?,
        created_at: r.try_get("created_at")?,
    })
}

const LSEL: &str = "SELECT l.id, l.district, l.year, l.subject, l.title, l.scheme, \
    l.scheme_version, l.notice_days, l.notice_until, l.published_on, l.budget_line_id, l.state, \
    l.version, l.created_at, \
    (SELECT COUNT(*) FROM award_entries e WHERE e.list_id = l.id) AS entries, \
    (SELECT CAST(COALESCE(SUM(e.award_fen), 0) AS BIGINT) FROM award_entries e WHERE e.list_id = l.id) AS total_fen, \
    (SELECT CAST(COALESCE(SUM(e.award_fen), 0) AS BIGINT) FROM award_entries e \
     WHERE e.list_id = l.id AND e.paid_on IS NOT NULL) AS paid_fen \
    FROM award_lists l";
const LFROM: &str = "FROM award_lists l";

/// A new list (a draft); `None` when the district already has one for the year and subject.
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut Conn,
    district: &str,
    year: i64,
    subject: &str,
    title: &str,
    scheme: &str,
    notice_days: i64,
    budget_line: Option<i64>,
    demo: bool,
) -> Result<Option<i64>, StoreError> {
    let taken = sqlx::query(
        "SELECT id FROM award_lists WHERE district = $1 AND year = $2 AND subject = $3",
    )
    .bind(district)
    .bind(year)
    .bind(subject)
    .fetch_optional(&mut *conn)
    .await?;
    if taken.is_some() {
        return Ok(None);
    }
    let now = crate::audit::now();
    Ok(Some(
        sqlx::query(
            "INSERT INTO award_lists (district, year, subject, title, scheme, notice_days, \
             budget_line_id, state, demo, created_at, updated_at) \
             VALUES ($1,$2,$3,$4,$5,$6,$7,'draft',$8,$9,$9) RETURNING id",
        )
        .bind(district)
        .bind(year)
        .bind(subject)
        .bind(title)
        .bind(scheme)
        .bind(notice_days)
        .bind(budget_line)
        .bind(i64::from(demo))
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?,
    ))
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<ListRow>, StoreError> {
    let r = sqlx::query(&format!("{LSEL} WHERE l.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(lmap).transpose()?)
}

pub async fn lock(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE award_lists SET version = version WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub district: Option<String>,
    pub public_only: bool,
    /// With `public_only`: also community lists being scored (a community's staff assess
    /// themselves).
    pub community_scoring: bool,
    pub year: Option<i64>,
}

pub async fn list(
    conn: &mut Conn,
    f: &Filter,
    page: PageReq,
) -> Result<Paged<ListRow>, StoreError> {
    let mut w = Where::new();
    if let Some(d) = &f.district {
        w.push("l.district = ?", vec![Bind::S(d.clone())]);
    }
    if f.public_only && f.community_scoring {
        w.push(
            "(l.state IN ('notice', 'published') OR (l.state = 'scoring' AND l.subject = 'community'))",
            vec![],
        );
    } else if f.public_only {
        w.push("l.state IN ('notice', 'published')", vec![]);
    }
    if let Some(y) = f.year {
        w.push("l.year = ?", vec![Bind::I(y)]);
    }
    w.page(conn, LFROM, LSEL, "l.year DESC, l.id DESC", page, lmap)
        .await
}

/// Lists of a district on notice whose notice ended before `today` (ready to publish).
pub async fn notice_over(
    conn: &mut Conn,
    district: &str,
    today: &str,
) -> Result<Vec<ListRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "{LSEL} WHERE l.district = $1 AND l.state = 'notice' \
         AND l.notice_until IS NOT NULL AND l.notice_until < $2 ORDER BY l.id"
    ))
    .bind(district)
    .bind(today)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(lmap).collect::<Result<_, _>>()?)
}

/// Replaces the scheme of a draft at `version` (its version number rises).
pub async fn set_scheme(
    conn: &mut Conn,
    id: i64,
    version: i64,
    scheme: &str,
    notice_days: i64,
    budget_line: Option<i64>,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE award_lists SET scheme = $1, notice_days = $2, budget_line_id = $3, \
         scheme_version = scheme_version + 1, version = version + 1, updated_at = $4 \
         WHERE id = $5 AND version = $6 AND state = 'draft'",
    )
    .bind(scheme)
    .bind(notice_days)
    .bind(budget_line)
    .bind(crate::audit::now())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_dates(
    conn: &mut Conn,
    id: i64,
    notice_until: Option<&str>,
    published_on: Option<&str>,
) -> Result<(), StoreError> {
    if let Some(n) = notice_until {
        sqlx::query("UPDATE award_lists SET notice_until = $1 WHERE id = $2")
            .bind(n)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(p) = published_on {
        sqlx::query("UPDATE award_lists SET published_on = $1 WHERE id = $2")
            .bind(p)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRow {
    pub id: i64,
    pub list_id: i64,
    pub subject_key: String,
    pub subject_name: String,
    pub scores: String,
    pub total: i64,
    pub grade: String,
    pub award_fen: i64,
    pub team_fen: i64,
    pub formula: String,
    pub paid_on: Option<String>,
    pub voucher: Option<String>,
    pub by_name: String,
    pub at: i64,
    pub self_scores: String,
    pub appeal: String,
    pub appeal_answer: String,
    pub hand_by_district: bool,
}

fn emap(r: &AnyRow) -> Result<EntryRow, sqlx::Error> {
    Ok(EntryRow {
        id: r.try_get("id")?,
        list_id: r.try_get("list_id")?,
        subject_key: r.try_get("subject_key")?,
        subject_name: r.try_get("subject_name")?,
        scores: r.try_get("scores")?,
        total: r.try_get("total")?,
        grade: r.try_get("grade")?,
        award_fen: r.try_get("award_fen")?,
        team_fen: r.try_get("team_fen")?,
        formula: r.try_get("formula")?,
        paid_on: r.try_get("paid_on")?,
        voucher: r.try_get("voucher")?,
        by_name: r.try_get("by_name")?,
        at: r.try_get("at")?,
        self_scores: r.try_get("self_scores")?,
        appeal: r.try_get("appeal")?,
        appeal_answer: r.try_get("appeal_answer")?,
        hand_by_district: r.try_get::<i64, _>("hand_by_district")? != 0,
    })
}

const ESEL: &str = "SELECT id, list_id, subject_key, subject_name, scores, total, grade, \
    award_fen, team_fen, formula, paid_on, voucher, by_name, at, self_scores, appeal, \
    appeal_answer, hand_by_district FROM award_entries";

/// A list's entries, highest total first.
pub async fn entries(conn: &mut Conn, list: i64) -> Result<Vec<EntryRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "{ESEL} WHERE list_id = $1 ORDER BY total DESC, subject_key"
    ))
    .bind(list)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(emap).collect::<Result<_, _>>()?)
}

pub async fn entry(conn: &mut Conn, id: i64) -> Result<Option<EntryRow>, StoreError> {
    let r = sqlx::query(&format!("{ESEL} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(emap).transpose()?)
}

/// What an entry records.
#[derive(Debug, Clone)]
pub struct EntryFields<'a> {
    pub subject_key: &'a str,
    pub subject_name: &'a str,
    pub scores: &'a str,
    pub total: i64,
    pub grade: &'a str,
    pub award_fen: i64,
    pub team_fen: i64,
    pub formula: &'a str,
    pub by: &'a str,
}

/// Records a subject's scores (again: replaces them, keeping its self-assessment and appeal).
pub async fn put_entry(conn: &mut Conn, list: i64, f: &EntryFields<'_>) -> Result<(), StoreError> {
    let r = sqlx::query(
        "UPDATE award_entries SET subject_name = $1, scores = $2, total = $3, grade = $4, \
         award_fen = $5, team_fen = $6, formula = $7, by_name = $8, at = $9 \
         WHERE list_id = $10 AND subject_key = $11",
    )
    .bind(f.subject_name)
    .bind(f.scores)
    .bind(f.total)
    .bind(f.grade)
    .bind(f.award_fen)
    .bind(f.team_fen)
    .bind(f.formula)
    .bind(f.by)
    .bind(crate::audit::now())
    .bind(list)
    .bind(f.subject_key)
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 1 {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO award_entries (list_id, subject_key, subject_name, scores, total, grade, \
         award_fen, team_fen, formula, by_name, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)",
    )
    .bind(list)
    .bind(f.subject_key)
    .bind(f.subject_name)
    .bind(f.scores)
    .bind(f.total)
    .bind(f.grade)
    .bind(f.award_fen)
    .bind(f.team_fen)
    .bind(f.formula)
    .bind(f.by)
    .bind(crate::audit::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The entry of a subject in a list.
pub async fn entry_of(
    conn: &mut Conn,
    list: i64,
    subject: &str,
) -> Result<Option<EntryRow>, StoreError> {
    let r = sqlx::query(&format!("{ESEL} WHERE list_id = $1 AND subject_key = $2"))
        .bind(list)
        .bind(subject)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(emap).transpose()?)
}

/// A community's self-assessment (points per indicator code, as `code=points` pairs).
pub async fn set_self(conn: &mut Conn, id: i64, scores: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE award_entries SET self_scores = $1 WHERE id = $2")
        .bind(scores)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A community's appeal, once (false: it appealed already).
pub async fn set_appeal(conn: &mut Conn, id: i64, text: &str) -> Result<bool, StoreError> {
    let r = sqlx::query("UPDATE award_entries SET appeal = $1 WHERE id = $2 AND appeal = ''")
        .bind(text)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_appeal_answer(conn: &mut Conn, id: i64, text: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE award_entries SET appeal_answer = $1 WHERE id = $2")
        .bind(text)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The grades of the evaluations decided in `year` (mid-term, final and spot checks) of
/// purchased services for each community below `district`: (evaluation, community, grade) —
/// an evaluation of a project serving several communities once for each.
pub async fn evaluations_of(
    conn: &mut Conn,
    district: &str,
    year: i64,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let (lo, hi) = crate::areas::subtree_range(district);
    let rows = sqlx::query(
        "SELECT e.id, pc.area_code, e.grade FROM evaluations e \
         JOIN contracts k ON k.id = e.contract_id \
         JOIN project_communities pc ON pc.project_id = k.project_id \
         WHERE pc.area_code >= $1 AND pc.area_code <= $2 AND e.state IN ('final', 'published') \
         AND e.stage <> 'pre' AND e.grade IS NOT NULL AND e.decided_on >= $3 AND e.decided_on < $4",
    )
    .bind(lo)
    .bind(hi)
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{:04}-01-01", year + 1))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("area_code")?,
                r.try_get("grade")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Needs raised in a district between two instants: (community, due day, responded at).
pub async fn needs_of(
    conn: &mut Conn,
    district: &str,
    from: i64,
    to: i64,
) -> Result<Vec<(String, String, Option<i64>)>, StoreError> {
    let (lo, hi) = crate::areas::subtree_range(district);
    let rows = sqlx::query(
        "SELECT area_code, due_on, responded_at FROM needs WHERE area_code >= $1 \
         AND area_code <= $2 AND created_at >= $3 AND created_at < $4",
    )
    .bind(lo)
    .bind(hi)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("area_code")?,
                r.try_get("due_on")?,
                r.try_get("responded_at")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Marks an entry paid once (false: it was paid already).
pub async fn set_paid(
    conn: &mut Conn,
    id: i64,
    on: &str,
    voucher: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE award_entries SET paid_on = $1, voucher = $2 WHERE id = $3 AND paid_on IS NULL",
    )
    .bind(on)
    .bind(voucher)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The active organizations registered in a district (id, name), by name.
pub async fn orgs_in(conn: &mut Conn, district: &str) -> Result<Vec<(i64, String)>, StoreError> {
    let (lo, hi) = crate::areas::subtree_range(district);
    let rows = sqlx::query(
        "SELECT id, name FROM organizations WHERE area_code >= $1 AND area_code <= $2 \
         AND status = 'active' ORDER BY name",
    )
    .bind(lo)
    .bind(hi)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("name")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// The district has scored a subject's hand-scored indicators.
pub async fn mark_district(conn: &mut Conn, list: i64, subject: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE award_entries SET hand_by_district = 1 WHERE list_id = $1 AND subject_key = $2",
    )
    .bind(list)
    .bind(subject)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
