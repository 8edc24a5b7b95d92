//! Third-party evaluations of contracts and the districts' versioned indicator schemes.

use crate::{audit::Bind, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemeRow {
    pub id: i64,
    pub district: String,
    pub version: i64,
    pub body: String,
    pub by_name: String,
    pub at: i64,
}

fn smap(r: &AnyRow) -> Result<SchemeRow, sqlx::Error> {
    Ok(SchemeRow {
        id: r.try_get("id")?,
        district: r.try_get("district")?,
        version: r.try_get("version")?,
        body: r.try_get("body")?,
        by_name: r.try_get("by_name")?,
        at: r.try_get("at")?,
    })
}

const SSEL: &str = "SELECT id, district, version, body, by_name, at FROM eval_schemes";

/// A district's latest scheme version.
pub async fn latest_scheme(
    conn: &mut Conn,
    district: &str,
) -> Result<Option<SchemeRow>, StoreError> {
    let r = sqlx::query(&format!(
        "{SSEL} WHERE district = $1 ORDER BY version DESC LIMIT 1"
    ))
    .bind(district)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.as_ref().map(smap).transpose()?)
}

pub async fn scheme(conn: &mut Conn, id: i64) -> Result<Option<SchemeRow>, StoreError> {
    let r = sqlx::query(&format!("{SSEL} WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(smap).transpose()?)
}

/// Every version of a district's scheme, newest first.
pub async fn schemes(conn: &mut Conn, district: &str) -> Result<Vec<SchemeRow>, StoreError> {
    let rows = sqlx::query(&format!("{SSEL} WHERE district = $1 ORDER BY version DESC"))
        .bind(district)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(smap).collect::<Result<_, _>>()?)
}

/// Stores a district's first scheme version unless another request stored it first (no
/// unique violation: on PostgreSQL one would abort the caller's transaction).
pub async fn insert_first_scheme(
    conn: &mut Conn,
    district: &str,
    body: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO eval_schemes (district, version, body, by_name, at) \
         VALUES ($1, 1, $2, 'system', $3) ON CONFLICT (district, version) DO NOTHING",
    )
    .bind(district)
    .bind(body)
    .bind(crate::audit::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds the next version of a district's scheme (two editors at once: one gets the unique
/// violation and retries nothing: the caller answers 409).
pub async fn insert_scheme(
    conn: &mut Conn,
    district: &str,
    body: &str,
    by: &str,
) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "INSERT INTO eval_schemes (district, version, body, by_name, at) VALUES ($1, \
         (SELECT COALESCE(MAX(version), 0) + 1 FROM eval_schemes WHERE district = $1), $2, $3, $4) \
         RETURNING id",
    )
    .bind(district)
    .bind(body)
    .bind(by)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationRow {
    pub id: i64,
    pub contract_id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub district: String,
    /// The provider (the contract's organization).
    pub org_id: i64,
    pub org_name: String,
    pub stage: String,
    pub agency_org_id: i64,
    pub agency_name: String,
    pub assessor_id: i64,
    pub assessor_name: String,
    pub scheme_id: i64,
    pub scheme_version: i64,
    pub scores: String,
    pub total_tenths: Option<i64>,
    pub grade: Option<String>,
    pub findings: String,
    pub answer: String,
    pub answer_by: Option<String>,
    pub decided_on: Option<String>,
    pub state: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The provider's self-evaluation: its due day (where the scheme asks), points per
    /// indicator in tenths, total, report and the day it was given.
    pub self_due: Option<String>,
    pub self_scores: String,
    pub self_total: Option<i64>,
    pub self_report: String,
    pub self_on: Option<String>,
    /// The grade is 差 because the self-evaluation was missing at its due day.
    pub late_report: bool,
    /// The assessor's comment per indicator: a JSON object from code to text ('' when none).
    pub comments: String,
}

fn emap(r: &AnyRow) -> Result<EvaluationRow, sqlx::Error> {
    Ok(EvaluationRow {
        id: r.try_get("id")?,
        contract_id: r.try_get("contract_id")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("project_title")?,
        district: r.try_get("district")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        stage: r.try_get("stage")?,
        agency_org_id: r.try_get("agency_org_id")?,
        agency_name: r.try_get("agency_name")?,
        assessor_id: r.try_get("assessor_id")?,
        assessor_name: r.try_get("assessor_name")?,
        scheme_id: r.try_get("scheme_id")?,
        scheme_version: r.try_get("scheme_version")?,
        scores: r.try_get("scores")?,
        total_tenths: r.try_get("total_tenths")?,
        grade: r.try_get("grade")?,
        findings: r.try_get("findings")?,
        answer: r.try_get("answer")?,
        answer_by: r.try_get("answer_by")?,
        decided_on: r.try_get("decided_on")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        self_due: r.try_get("self_due")?,
        self_scores: r.try_get("self_scores")?,
        self_total: r.try_get("self_total")?,
        self_report: r.try_get("self_report")?,
        self_on: r.try_get("self_on")?,
        late_report: r.try_get::<i64, _>("late_report")? != 0,
        comments: r.try_get("comments")?,
    })
}

const EFROM: &str = "FROM evaluations e JOIN contracts k ON k.id = e.contract_id \
    JOIN projects p ON p.id = k.project_id JOIN organizations o ON o.id = k.org_id";
const ESEL: &str = "SELECT e.id, e.contract_id, k.project_id, p.title AS project_title, \
    p.district, k.org_id, o.name AS org_name, e.stage, e.agency_org_id, a.name AS agency_name, \
    e.assessor_id, u.display_name AS assessor_name, e.scheme_id, s.version AS scheme_version, \
    e.scores, e.total_tenths, e.grade, e.findings, e.answer, e.answer_by, e.decided_on, e.state, \
    e.version, e.created_at, e.updated_at, e.self_due, e.self_scores, e.self_total, \
    e.self_report, e.self_on, e.late_report, e.comments \
    FROM evaluations e JOIN contracts k ON k.id = e.contract_id \
    JOIN projects p ON p.id = k.project_id JOIN organizations o ON o.id = k.org_id \
    JOIN organizations a ON a.id = e.agency_org_id JOIN users u ON u.id = e.assessor_id \
    JOIN eval_schemes s ON s.id = e.scheme_id";

/// Assigns a stage; `None` when the stage (pre, mid-term or final) is already assigned.
pub async fn insert(
    conn: &mut Conn,
    contract: i64,
    stage: &str,
    agency: i64,
    assessor: i64,
    scheme: i64,
    self_due: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    let now = crate::audit::now();
    // The partial unique index decides; the pre-check keeps PostgreSQL's transaction usable.
    if stage != "spot" {
        let taken: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM evaluations WHERE contract_id = $1 AND stage = $2 \
             AND state <> 'recused'",
        )
        .bind(contract)
        .bind(stage)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        if taken > 0 {
            return Ok(None);
        }
    }
    let r = sqlx::query(
        "INSERT INTO evaluations (contract_id, stage, agency_org_id, assessor_id, scheme_id, \
         state, created_at, updated_at, self_due) \
         VALUES ($1,$2,$3,$4,$5,'assigned',$6,$6,$7) RETURNING id",
    )
    .bind(contract)
    .bind(stage)
    .bind(agency)
    .bind(assessor)
    .bind(scheme)
    .bind(now)
    .bind(self_due)
    .fetch_one(&mut *conn)
    .await;
    match r {
        Ok(r) => Ok(Some(r.try_get("id")?)),
        Err(e) => {
            let e = StoreError::from(e);
            if e.is_unique_violation() {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<EvaluationRow>, StoreError> {
    let r = sqlx::query(&format!("{ESEL} WHERE e.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(emap).transpose()?)
}

pub async fn of_contract(conn: &mut Conn, contract: i64) -> Result<Vec<EvaluationRow>, StoreError> {
    let rows = sqlx::query(&format!("{ESEL} WHERE e.contract_id = $1 ORDER BY e.id"))
        .bind(contract)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.iter().map(emap).collect::<Result<_, _>>()?)
}

/// Which evaluations a list shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Contracts of projects in this district subtree (officers).
    pub district: Option<String>,
    /// Assigned to this account (assessors).
    pub assessor: Option<i64>,
    /// Of this provider's contracts (organizations).
    pub org: Option<i64>,
    /// Published only (the portal and other readers).
    pub published_only: bool,
    pub state: Option<String>,
    pub stage: Option<String>,
    pub q: Option<String>,
}

pub async fn list(
    conn: &mut Conn,
    f: &Filter,
    page: PageReq,
) -> Result<Paged<EvaluationRow>, StoreError> {
    let mut w = Where::new();
    if let Some(d) = &f.district {
        w.subtree("p.district", d);
    }
    if let Some(a) = f.assessor {
        w.push("e.assessor_id = ?", vec![Bind::I(a)]);
    }
    if let Some(o) = f.org {
        w.push("k.org_id = ?", vec![Bind::I(o)]);
    }
    if f.published_only {
        w.push("e.state = 'published'", vec![]);
    }
    if let Some(s) = f.state.as_ref().filter(|s| !s.is_empty()) {
        w.push("e.state = ?", vec![Bind::S(s.clone())]);
    }
    if let Some(s) = f.stage.as_ref().filter(|s| !s.is_empty()) {
        w.push("e.stage = ?", vec![Bind::S(s.clone())]);
    }
    if let Some(q) = f.q.as_ref().filter(|s| !s.is_empty()) {
        let pat = crate::like_pattern(q);
        w.push(
            "(p.title LIKE ? ESCAPE '\\' OR o.name LIKE ? ESCAPE '\\')",
            vec![Bind::S(pat.clone()), Bind::S(pat)],
        );
    }
    w.page(conn, EFROM, ESEL, "e.id DESC", page, emap).await
}

/// The assessor's scores: points per indicator, the total and grade, and findings; the
/// answer period starts. False when the evaluation is no longer the assessor's to score.
#[allow(clippy::too_many_arguments)]
pub async fn set_scores(
    conn: &mut Conn,
    id: i64,
    scores: &str,
    total_tenths: i64,
    grade: &str,
    findings: &str,
    comments: &str,
    answer_by: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE evaluations SET scores = $1, total_tenths = $2, grade = $3, findings = $4, \
         answer_by = $5, updated_at = $6, comments = $8 WHERE id = $7",
    )
    .bind(scores)
    .bind(total_tenths)
    .bind(grade)
    .bind(findings)
    .bind(answer_by)
    .bind(crate::audit::now())
    .bind(id)
    .bind(comments)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The provider's self-evaluation (only while the stage is still assigned: false otherwise;
/// a later one replaces it).
pub async fn set_self(
    conn: &mut Conn,
    id: i64,
    scores: &str,
    total: i64,
    report: &str,
    day: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE evaluations SET self_scores = $1, self_total = $2, self_report = $3, \
         self_on = $4, updated_at = $5 WHERE id = $6 AND state = 'assigned'",
    )
    .bind(scores)
    .bind(total)
    .bind(report)
    .bind(day)
    .bind(crate::audit::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Marks a stage graded 差 for a missing self-evaluation.
pub async fn set_late(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE evaluations SET late_report = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Assigns the stage to another assessor of an agency (only while still assigned).
pub async fn set_assessor(
    conn: &mut Conn,
    id: i64,
    agency: i64,
    assessor: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE evaluations SET agency_org_id = $1, assessor_id = $2, version = version + 1, \
         updated_at = $3 WHERE id = $4 AND state = 'assigned'",
    )
    .bind(agency)
    .bind(assessor)
    .bind(crate::audit::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Assigned stages whose self-evaluation is due within `until` and not yet given, with
/// their contract's provider: (evaluation id, due day).
pub async fn self_due_by(conn: &mut Conn, until: &str) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, self_due FROM evaluations WHERE state = 'assigned' AND self_due IS NOT NULL \
         AND self_on IS NULL AND self_due <= $1 ORDER BY id",
    )
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("self_due")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// The provider's answer to a draft (only while it is a draft: false otherwise).
pub async fn set_answer(conn: &mut Conn, id: i64, answer: &str) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE evaluations SET answer = $1, updated_at = $2 WHERE id = $3 AND state = 'draft'",
    )
    .bind(answer)
    .bind(crate::audit::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_decided(conn: &mut Conn, id: i64, day: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE evaluations SET decided_on = $1 WHERE id = $2")
        .bind(day)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Halts a contract's remaining payments (a failed mid-term), once.
pub async fn halt(conn: &mut Conn, contract: i64, day: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE contracts SET halted_on = $1, updated_at = $2 WHERE id = $3 AND halted_on IS NULL",
    )
    .bind(day)
    .bind(crate::audit::now())
    .bind(contract)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An organization's record as a provider: (stage, grade, day) of each decided mid-term and
/// final evaluation, and ("halted", "", day) for each halted contract.
pub async fn record_of(
    conn: &mut Conn,
    org: i64,
) -> Result<Vec<(String, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.stage, e.grade, e.decided_on FROM evaluations e \
         JOIN contracts k ON k.id = e.contract_id \
         WHERE k.org_id = $1 AND e.state IN ('final', 'published') \
         AND e.stage IN ('midterm', 'final') AND e.grade IS NOT NULL AND e.decided_on IS NOT NULL \
         UNION ALL SELECT 'halted' AS stage, '' AS grade, halted_on AS decided_on FROM contracts \
         WHERE org_id = $1 AND halted_on IS NOT NULL \
         UNION ALL SELECT 'rectification' AS stage, 'poor' AS grade, r.checked_on AS decided_on \
         FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id \
         JOIN contracts k ON k.id = e.contract_id \
         WHERE k.org_id = $1 AND r.state = 'failed' AND r.checked_on IS NOT NULL",
    )
    .bind(org)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("stage")?,
                r.try_get::<Option<String>, _>("grade")?.unwrap_or_default(),
                r.try_get::<Option<String>, _>("decided_on")?
                    .unwrap_or_default(),
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Open assignments of an assessor (for the home page's task list).
pub async fn open_for(conn: &mut Conn, assessor: i64) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "SELECT COUNT(*) AS n FROM evaluations WHERE assessor_id = $1 AND state IN ('assigned', 'draft')",
    )
    .bind(assessor)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?)
}

/// Evaluator accounts acting for an agency, unlocked: (user, name, agency, agency name).
pub async fn assessors(conn: &mut Conn) -> Result<Vec<(i64, String, i64, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT u.id, u.display_name, o.id AS org_id, o.name AS org_name FROM users u \
         JOIN organizations o ON o.id = u.scope_org WHERE u.role = 'evaluator' AND u.locked = 0 \
         ORDER BY o.name, u.display_name",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("id")?,
                r.try_get("display_name")?,
                r.try_get("org_id")?,
                r.try_get("org_name")?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Whether an account is tied to an organization: a social worker it employs, or an expert
/// with a declared tie (employee, director, controller, relative) not ended before `since`.
pub async fn tied_to(
    conn: &mut Conn,
    user: i64,
    org: i64,
    since: &str,
) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM social_workers WHERE user_id = $1 AND employer_org_id = $2) \
         + (SELECT COUNT(*) FROM expert_ties t JOIN experts x ON x.id = t.expert_id \
            WHERE x.user_id = $1 AND t.org_id = $2 AND (t.ended_on IS NULL OR t.ended_on >= $3)) AS n",
    )
    .bind(user)
    .bind(org)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// Whether two organizations are tied (either way round): control, shared directors or
/// founding, not ended before `since`.
pub async fn orgs_tied(conn: &mut Conn, a: i64, b: i64, since: &str) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM org_ties WHERE ((org_id = $1 AND other_org_id = $2) \
         OR (org_id = $2 AND other_org_id = $1)) AND (ended_on IS NULL OR ended_on >= $3)",
    )
    .bind(a)
    .bind(b)
    .bind(since)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgTieRow {
    pub id: i64,
    pub org_id: i64,
    pub other_org_id: i64,
    pub other_name: String,
    pub relation: String,
    pub ended_on: Option<String>,
}

fn tie_map(r: &AnyRow) -> Result<OrgTieRow, sqlx::Error> {
    Ok(OrgTieRow {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        other_org_id: r.try_get("other_id")?,
        other_name: r.try_get("other_name")?,
        relation: r.try_get("relation")?,
        ended_on: r.try_get("ended_on")?,
    })
}

/// The ties an organization is part of (recorded either way round), oldest first, each with
/// the organization on the other side as `other_org_id`.
pub async fn org_ties(conn: &mut Conn, org: i64) -> Result<Vec<OrgTieRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.id, CAST($1 AS BIGINT) AS org_id, o.id AS other_id, o.name AS other_name, t.relation, \
         t.ended_on FROM org_ties t JOIN organizations o ON o.id = \
         (CASE WHEN t.org_id = $1 THEN t.other_org_id ELSE t.org_id END) \
         WHERE t.org_id = $1 OR t.other_org_id = $1 ORDER BY t.id",
    )
    .bind(org)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(tie_map)
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// One tie as recorded (`org_id` the agency it was recorded for).
pub async fn org_tie(conn: &mut Conn, id: i64) -> Result<Option<OrgTieRow>, StoreError> {
    let r = sqlx::query(
        "SELECT t.id, t.org_id, t.other_org_id AS other_id, o.name AS other_name, t.relation, \
         t.ended_on FROM org_ties t JOIN organizations o ON o.id = t.other_org_id WHERE t.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    r.as_ref()
        .map(tie_map)
        .transpose()
        .map_err(StoreError::from)
}

/// Removes a tie recorded by mistake; false when there was none.
pub async fn delete_org_tie(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let n = sqlx::query("DELETE FROM org_ties WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// Whether an organization has evaluator accounts (is an evaluation agency).
pub async fn is_agency(conn: &mut Conn, org: i64) -> Result<bool, StoreError> {
    let n: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = 'evaluator' AND scope_org = $1")
            .bind(org)
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
    Ok(n > 0)
}

/// Records a tie; `None` when the same lasting tie is recorded already (either way round:
/// a unique index decides between two officers saving it at once).
pub async fn insert_org_tie(
    conn: &mut Conn,
    org: i64,
    other: i64,
    relation: &str,
    ended_on: Option<&str>,
) -> Result<Option<i64>, StoreError> {
    let r = sqlx::query(
        "INSERT INTO org_ties (org_id, other_org_id, relation, ended_on, created_at) \
         VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(org)
    .bind(other)
    .bind(relation)
    .bind(ended_on)
    .bind(crate::audit::now())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.map(|r| r.try_get("id")).transpose()?)
}

/// Whether an account is assigned (not recused) to evaluate a contract.
pub async fn assigned_to(conn: &mut Conn, contract: i64, user: i64) -> Result<bool, StoreError> {
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM evaluations WHERE contract_id = $1 AND assessor_id = $2 \
         AND state <> 'recused'",
    )
    .bind(contract)
    .bind(user)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    Ok(n > 0)
}

/// Demo data: the provider's answer of a past evaluation (whatever its state).
pub async fn set_answer_demo(conn: &mut Conn, id: i64, answer: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE evaluations SET answer = $1 WHERE id = $2")
        .bind(answer)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Signed contracts of a district with at least one decided (final or published) evaluation.
pub async fn evaluated_contracts(conn: &mut Conn, district: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "SELECT COUNT(DISTINCT e.contract_id) AS n FROM evaluations e \
         JOIN contracts k ON k.id = e.contract_id JOIN projects p ON p.id = k.project_id \
         WHERE p.district = $1 AND k.state <> 'draft' AND e.state IN ('final', 'published')",
    )
    .bind(district)
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?)
}

// ---- rectification (整改) ----------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RectRow {
    pub id: i64,
    pub evaluation_id: i64,
    pub demand: String,
    pub due: String,
    pub report: String,
    pub reported_on: Option<String>,
    pub result: String,
    pub checked_on: Option<String>,
    pub lifted: bool,
    pub state: String,
    pub version: i64,
    pub created_at: i64,
}

fn rmap(r: &AnyRow) -> Result<RectRow, sqlx::Error> {
    Ok(RectRow {
        id: r.try_get("id")?,
        evaluation_id: r.try_get("evaluation_id")?,
        demand: r.try_get("demand")?,
        due: r.try_get("due")?,
        report: r.try_get("report")?,
        reported_on: r.try_get("reported_on")?,
        result: r.try_get("result")?,
        checked_on: r.try_get("checked_on")?,
        lifted: r.try_get::<i64, _>("lifted")? != 0,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
    })
}

const RSEL: &str = "SELECT id, evaluation_id, demand, due, report, reported_on, result, \
    checked_on, lifted, state, version, created_at FROM rectifications";

/// Orders a stage's rectification; `None` when one was already ordered.
pub async fn insert_rectification(
    conn: &mut Conn,
    evaluation: i64,
    demand: &str,
    due: &str,
) -> Result<Option<i64>, StoreError> {
    // The unique key decides; the pre-check keeps PostgreSQL's transaction usable.
    if rectification_of(conn, evaluation).await?.is_some() {
        return Ok(None);
    }
    let r = sqlx::query(
        "INSERT INTO rectifications (evaluation_id, demand, due, state, created_at, updated_at) \
         VALUES ($1, $2, $3, 'ordered', $4, $4) RETURNING id",
    )
    .bind(evaluation)
    .bind(demand)
    .bind(due)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await;
    match r {
        Ok(r) => Ok(Some(r.try_get("id")?)),
        Err(e) => {
            let e = StoreError::from(e);
            if e.is_unique_violation() {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

pub async fn rectification_of(
    conn: &mut Conn,
    evaluation: i64,
) -> Result<Option<RectRow>, StoreError> {
    let r = sqlx::query(&format!("{RSEL} WHERE evaluation_id = $1"))
        .bind(evaluation)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(rmap).transpose()?)
}

/// The provider's report on what it changed.
pub async fn set_rect_report(
    conn: &mut Conn,
    id: i64,
    report: &str,
    day: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE rectifications SET report = $1, reported_on = $2 WHERE id = $3")
        .bind(report)
        .bind(day)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The re-check's result (or the lapse), and whether it lifted the contract's halt.
pub async fn set_rect_result(
    conn: &mut Conn,
    id: i64,
    result: &str,
    day: &str,
    lifted: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE rectifications SET result = $1, checked_on = $2, lifted = $3 WHERE id = $4",
    )
    .bind(result)
    .bind(day)
    .bind(i64::from(lifted))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rectifications still ordered after their deadline (for the deadlines job).
pub async fn rectifications_lapsed(
    conn: &mut Conn,
    today: &str,
) -> Result<Vec<RectRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "{RSEL} WHERE state = 'ordered' AND due < $1 ORDER BY id"
    ))
    .bind(today)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(rmap).collect::<Result<_, _>>()?)
}

/// Rectifications of a district still waiting for the provider's report and due by `until`.
pub async fn rectifications_due_by(
    conn: &mut Conn,
    district: &str,
    until: &str,
) -> Result<Vec<RectRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.id, r.evaluation_id, r.demand, r.due, r.report, r.reported_on, r.result, \
         r.checked_on, r.lifted, r.state, r.version, r.created_at FROM rectifications r \
         JOIN evaluations e ON e.id = r.evaluation_id JOIN contracts k ON k.id = e.contract_id \
         JOIN projects p ON p.id = k.project_id \
         WHERE r.state = 'ordered' AND r.due <= $1 AND p.district = $2 ORDER BY r.id",
    )
    .bind(until)
    .bind(district)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(rmap).collect::<Result<_, _>>()?)
}

/// Resumes a halted contract's payments (a passed rectification of the stage that halted
/// it), once; the halt stays in the provider's record.
pub async fn resume(conn: &mut Conn, contract: i64, day: &str) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE contracts SET resumed_on = $1, updated_at = $2 \
         WHERE id = $3 AND halted_on IS NOT NULL AND resumed_on IS NULL",
    )
    .bind(day)
    .bind(crate::audit::now())
    .bind(contract)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---- sampled delivery logs (抽查服务记录) ---------------------------------------------------

/// Results of a sampled delivery-log entry.
pub const SAMPLE_RESULTS: [&str; 3] = ["consistent", "inconsistent", "not_found"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleRow {
    pub id: i64,
    pub log_id: i64,
    /// The entry's day and what it says was done.
    pub day: String,
    pub content: String,
    pub result: String,
    pub note: String,
    pub by_name: String,
    pub at: i64,
}

/// Records (or corrects) the check of one delivery-log entry.
pub async fn put_sample(
    conn: &mut Conn,
    evaluation: i64,
    log: i64,
    result: &str,
    note: &str,
    by: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO evaluation_samples (evaluation_id, log_id, result, note, by_name, at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (evaluation_id, log_id) \
         DO UPDATE SET result = excluded.result, note = excluded.note, \
         by_name = excluded.by_name, at = excluded.at",
    )
    .bind(evaluation)
    .bind(log)
    .bind(result)
    .bind(note)
    .bind(by)
    .bind(crate::audit::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An evaluation's checked entries, by day.
pub async fn samples(conn: &mut Conn, evaluation: i64) -> Result<Vec<SampleRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id, s.log_id, l.day, l.content, s.result, s.note, s.by_name, s.at \
         FROM evaluation_samples s JOIN delivery_logs l ON l.id = s.log_id \
         WHERE s.evaluation_id = $1 ORDER BY l.day, s.log_id",
    )
    .bind(evaluation)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(SampleRow {
                id: r.try_get("id")?,
                log_id: r.try_get("log_id")?,
                day: r.try_get("day")?,
                content: r.try_get("content")?,
                result: r.try_get("result")?,
                note: r.try_get("note")?,
                by_name: r.try_get("by_name")?,
                at: r.try_get("at")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// A contract's delivery-log ids with their day and content (for drawing a sample).
pub async fn log_ids(
    conn: &mut Conn,
    contract: i64,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, day, content FROM delivery_logs WHERE contract_id = $1 ORDER BY id",
    )
    .bind(contract)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("id")?, r.try_get("day")?, r.try_get("content")?)))
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
