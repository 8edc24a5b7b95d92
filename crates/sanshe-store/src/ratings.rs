//! Organization ratings: the districts' settings, rating committees and ratings.

use crate::{audit::Bind, Conn, PageReq, Paged, StoreError, Where};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A district's settings (JSON), if it has saved any.
pub async fn scheme(conn: &mut Conn, district: &str) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query("SELECT body FROM rating_schemes WHERE district = $1")
            .bind(district)
            .fetch_optional(&mut *conn)
            .await?
            .map(|r| r.try_get("body"))
            .transpose()?,
    )
}

pub async fn set_scheme(
    conn: &mut Conn,
    district: &str,
    body: &str,
    by: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rating_schemes (district, body, by_name, at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (district) DO UPDATE SET body = $2, by_name = $3, at = $4",
    )
    .bind(district)
    .bind(body)
    .bind(by)
    .bind(crate::audit::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub affiliation: String,
    pub tied_org_id: Option<i64>,
}

pub async fn committee(conn: &mut Conn, district: &str) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, name, affiliation, tied_org_id FROM rating_committee WHERE district = $1 \
         ORDER BY id",
    )
    .bind(district)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Member {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                affiliation: r.try_get("affiliation")?,
                tied_org_id: r.try_get("tied_org_id")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

pub async fn add_member(
    conn: &mut Conn,
    district: &str,
    name: &str,
    affiliation: &str,
    tied_org: Option<i64>,
) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "INSERT INTO rating_committee (district, name, affiliation, tied_org_id, created_at) \
         VALUES ($1,$2,$3,$4,$5) RETURNING id",
    )
    .bind(district)
    .bind(name)
    .bind(affiliation)
    .bind(tied_org)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub district: String,
    pub kind: String,
    pub scheme: String,
    pub report: String,
    pub assessor_id: Option<i64>,
    pub assessor_name: Option<String>,
    pub scores: String,
    pub total: Option<i64>,
    pub grade: Option<i64>,
    pub committee: String,
    pub recused: String,
    pub notice_until: Option<String>,
    pub review_text: String,
    pub review_due: Option<String>,
    pub review_answer: String,
    pub granted_on: Option<String>,
    pub valid_until: Option<String>,
    pub ended_on: Option<String>,
    pub wait_until: Option<String>,
    pub note: String,
    pub state: String,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

fn rmap(r: &AnyRow) -> Result<RatingRow, sqlx::Error> {
    Ok(RatingRow {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        district: r.try_get("district")?,
        kind: r.try_get("kind")?,
        scheme: r.try_get("scheme")?,
        report: r.try_get("report")?,
        assessor_id: r.try_get("assessor_id")?,
        assessor_name: r.try_get("assessor_name")?,
        scores: r.try_get("scores")?,
        total: r.try_get("total")?,
        grade: r.try_get("grade")?,
        committee: r.try_get("committee")?,
        recused: r.try_get("recused")?,
        notice_until: r.try_get("notice_until")?,
        review_text: r.try_get("review_text")?,
        review_due: r.try_get("review_due")?,
        review_answer: r.try_get("review_answer")?,
        granted_on: r.try_get("granted_on")?,
        valid_until: r.try_get("valid_until")?,
        ended_on: r.try_get("ended_on")?,
        wait_until: r.try_get("wait_until")?,
        note: r.try_get("note")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

const FROM: &str = "FROM ratings r JOIN organizations o ON o.id = r.org_id \
    LEFT JOIN users u ON u.id = r.assessor_id";
const SEL: &str = "SELECT r.id, r.org_id, o.name AS org_name, r.district, r.kind, r.scheme, \
    r.report, r.assessor_id, u.display_name AS assessor_name, r.scores, r.total, r.grade, \
    r.committee, r.recused, r.notice_until, r.review_text, r.review_due, r.review_answer, \
    r.granted_on, r.valid_until, r.ended_on, r.wait_until, r.note, r.state, r.version, \
    r.created_at, r.updated_at \
    FROM ratings r JOIN organizations o ON o.id = r.org_id \
    LEFT JOIN users u ON u.id = r.assessor_id";

/// A new application; `None` when the organization has a live one.
pub async fn insert(
    conn: &mut Conn,
    org: i64,
    district: &str,
    kind: &str,
    scheme: &str,
    report: &str,
    demo: bool,
) -> Result<Option<i64>, StoreError> {
    let key = org.to_string();
    let taken = sqlx::query("SELECT id FROM ratings WHERE one_key = $1")
        .bind(&key)
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Ok(None);
    }
    let now = crate::audit::now();
    Ok(Some(
        sqlx::query(
            "INSERT INTO ratings (org_id, district, kind, one_key, scheme, report, state, demo, \
             created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,'applied',$7,$8,$8) RETURNING id",
        )
        .bind(org)
        .bind(district)
        .bind(kind)
        .bind(&key)
        .bind(scheme)
        .bind(report)
        .bind(i64::from(demo))
        .bind(now)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?,
    ))
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<RatingRow>, StoreError> {
    let r = sqlx::query(&format!("{SEL} WHERE r.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.as_ref().map(rmap).transpose()?)
}

/// Takes the rating's row lock for the rest of the transaction.
pub async fn lock(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE ratings SET version = version WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub district: Option<String>,
    pub org: Option<i64>,
    pub assessor: Option<i64>,
    /// Only what the public sees: on notice, and grades in effect.
    pub public_only: bool,
    pub state: Option<String>,
    pub q: Option<String>,
}

pub async fn list(
    conn: &mut Conn,
    f: &Filter,
    page: PageReq,
) -> Result<Paged<RatingRow>, StoreError> {
    let mut w = Where::new();
    if let Some(d) = &f.district {
        w.push("r.district = ?", vec![Bind::S(d.clone())]);
    }
    if let Some(o) = f.org {
        w.push("r.org_id = ?", vec![Bind::I(o)]);
    }
    if let Some(a) = f.assessor {
        w.push("r.assessor_id = ?", vec![Bind::I(a)]);
    }
    if f.public_only {
        w.push(
            "r.state IN ('notice', 'review', 'granted', 'downgraded')",
            vec![],
        );
    }
    if let Some(s) = f.state.as_ref().filter(|s| !s.is_empty()) {
        w.push("r.state = ?", vec![Bind::S(s.clone())]);
    }
    if let Some(q) = f.q.as_ref().filter(|s| !s.is_empty()) {
        w.push(
            "o.name LIKE ? ESCAPE '\\'",
            vec![Bind::S(crate::like_pattern(q))],
        );
    }
    w.page(conn, FROM, SEL, "r.id DESC", page, rmap).await
}

/// What a step writes besides the state (each `Some` is set).
#[derive(Debug, Clone, Default)]
pub struct Change<'a> {
    pub assessor: Option<i64>,
    pub scores: Option<(&'a str, i64, i64)>,
    pub committee: Option<(&'a str, &'a str, &'a str)>,
    pub review: Option<(&'a str, &'a str)>,
    pub answer: Option<&'a str>,
    pub granted: Option<(&'a str, &'a str)>,
    pub grade: Option<i64>,
    pub ended: Option<(&'a str, Option<&'a str>)>,
    pub note: Option<&'a str>,
    /// The application is no longer live (frees the organization's place).
    pub close: bool,
}

pub async fn change(conn: &mut Conn, id: i64, c: &Change<'_>) -> Result<(), StoreError> {
    let mut set: Vec<String> = vec!["updated_at = ?".into()];
    let mut vals = vec![Bind::I(crate::audit::now())];
    let mut put = |col: &str, v: Bind| {
        set.push(format!("{col} = ?"));
        vals.push(v);
    };
    if let Some(a) = c.assessor {
        put("assessor_id", Bind::I(a));
    }
    if let Some((s, total, grade)) = c.scores {
        put("scores", Bind::S(s.into()));
        put("total", Bind::I(total));
        put("grade", Bind::I(grade));
    }
    if let Some((present, recused, until)) = c.committee {
        put("committee", Bind::S(present.into()));
        put("recused", Bind::S(recused.into()));
        put("notice_until", Bind::S(until.into()));
    }
    if let Some((text, due)) = c.review {
        put("review_text", Bind::S(text.into()));
        put("review_due", Bind::S(due.into()));
    }
    if let Some(a) = c.answer {
        put("review_answer", Bind::S(a.into()));
    }
    if let Some((on, until)) = c.granted {
        put("granted_on", Bind::S(on.into()));
        put("valid_until", Bind::S(until.into()));
    }
    if let Some(g) = c.grade {
        put("grade", Bind::I(g));
    }
    if let Some((on, wait)) = c.ended {
        put("ended_on", Bind::S(on.into()));
        // An expiry keeps a waiting period already running.
        if let Some(w) = wait {
            put("wait_until", Bind::S(w.into()));
        }
    }
    if let Some(n) = c.note {
        put("note", Bind::S(n.into()));
    }
    let mut sql = String::from("UPDATE ratings SET ");
    let mut w = Where::new();
    // Reuse the placeholder numbering of `Where`.
    let mut parts = Vec::new();
    for (col, v) in set.iter().zip(vals) {
        w.push(col, vec![v]);
    }
    for p in w.clauses.iter().skip(1) {
        parts.push(p.clone());
    }
    if c.close {
        parts.push("one_key = NULL".into());
    }
    sql.push_str(&parts.join(", "));
    let n = w.binds.len() + 1;
    sql.push_str(&format!(" WHERE id = ${n}"));
    let q = sqlx::query(&sql);
    let q = crate::audit::bind_all(q, &w.binds).bind(id);
    q.execute(&mut *conn).await?;
    Ok(())
}

/// The latest waiting period's end and the grade in effect's last day for an organization.
pub async fn standing(
    conn: &mut Conn,
    org: i64,
) -> Result<(Option<String>, Option<String>), StoreError> {
    let r = sqlx::query(
        "SELECT MAX(wait_until) AS w, MAX(CASE WHEN state IN ('granted', 'downgraded') \
         THEN valid_until END) AS v FROM ratings WHERE org_id = $1",
    )
    .bind(org)
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.try_get("w")?, r.try_get("v")?))
}

/// Sets the grade an organization holds (0: none), which calls for applications read.
pub async fn set_org_rating(conn: &mut Conn, org: i64, grade: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE organizations SET rating = $1 WHERE id = $2")
        .bind(grade)
        .bind(org)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Review requests of a district not yet answered and due by `until` (for reminders).
pub async fn reviews_due(
    conn: &mut Conn,
    district: &str,
    until: &str,
) -> Result<Vec<RatingRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "{SEL} WHERE r.district = $1 AND r.review_due IS NOT NULL AND r.review_due <= $2 \
         AND r.review_answer = '' AND r.review_text <> '' ORDER BY r.id"
    ))
    .bind(district)
    .bind(until)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(rmap).collect::<Result<_, _>>()?)
}

/// Grades in effect whose last day is before `today` (to expire).
pub async fn lapsed(conn: &mut Conn, today: &str) -> Result<Vec<RatingRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "{SEL} WHERE r.state IN ('granted', 'downgraded') AND r.valid_until < $1 ORDER BY r.id"
    ))
    .bind(today)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(rmap).collect::<Result<_, _>>()?)
}

/// What eligibility reads of an organization's registry record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgFacts {
    pub kind: String,
    pub status: String,
    pub registered: bool,
    pub founded: Option<String>,
    pub annual_result: String,
    pub blacklisted_until: Option<String>,
    pub area_code: String,
}

pub async fn org_facts(conn: &mut Conn, org: i64) -> Result<Option<OrgFacts>, StoreError> {
    let r = sqlx::query(
        "SELECT kind, registered, founded, status, blacklisted_until, annual_result, \
         area_code FROM organizations WHERE id = $1",
    )
    .bind(org)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    let area: Option<String> = r.try_get("area_code")?;
    Ok(Some(OrgFacts {
        kind: r.try_get("kind")?,
        status: r.try_get("status")?,
        registered: r.try_get::<i64, _>("registered")? != 0,
        founded: r.try_get("founded")?,
        annual_result: r.try_get("annual_result")?,
        blacklisted_until: r.try_get("blacklisted_until")?,
        area_code: area.unwrap_or_default(),
    }))
}

/// An organization's grades in effect other than `except` (replaced by a renewal).
pub async fn in_effect_of(
    conn: &mut Conn,
    org: i64,
    except: i64,
) -> Result<Vec<RatingRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "{SEL} WHERE r.org_id = $1 AND r.id <> $2 AND r.state IN ('granted', 'downgraded') \
         ORDER BY r.id"
    ))
    .bind(org)
    .bind(except)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(rmap).collect::<Result<_, _>>()?)
}

/// Gives a demo organization a registration date if it has none.
pub async fn demo_founded(conn: &mut Conn, org: i64, day: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE organizations SET founded = COALESCE(founded, $1) WHERE id = $2")
        .bind(day)
        .bind(org)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
