//! Delivery (执行): a contract's team, its activity logs with hours per member, and the
//! milestone reports compiled from them.

use crate::{Conn, PageReq, Paged, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

// ---- the team ------------------------------------------------------------------------------

pub async fn team(conn: &mut Conn, contract: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT worker_id FROM contract_team WHERE contract_id = $1 ORDER BY worker_id",
    )
    .bind(contract)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| r.try_get("worker_id"))
        .collect::<Result<_, _>>()?)
}

/// The team of a new contract: the winning application's.
pub async fn copy_team(conn: &mut Conn, contract: i64, application: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO contract_team (contract_id, worker_id) \
         SELECT $1, worker_id FROM application_team WHERE application_id = $2",
    )
    .bind(contract)
    .bind(application)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces one member by another; false if `from` was not on the team (or `to` already is).
pub async fn replace_member(
    conn: &mut Conn,
    contract: i64,
    from: i64,
    to: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE contract_team SET worker_id = $1 WHERE contract_id = $2 AND worker_id = $3 \
         AND NOT EXISTS (SELECT 1 FROM contract_team WHERE contract_id = $2 AND worker_id = $1)",
    )
    .bind(to)
    .bind(contract)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ---- logs ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogData {
    pub day: String,
    pub community: String,
    pub content: String,
    pub direct: i64,
    pub indirect: i64,
    /// (social worker, hours in tenths).
    pub hours: Vec<(i64, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub id: i64,
    pub contract_id: i64,
    pub community_name: String,
    pub by_name: String,
    pub created_at: i64,
    /// (social worker, name, hours in tenths).
    pub members: Vec<(i64, String, i64)>,
    pub evidence: i64,
    pub data: LogData,
}

/// Writes a log with its hours, each member's day total across every contract counted up in
/// the same statement that checks it stays within `max_tenths`. Returns the log's id, or the
/// members who would pass the cap (the caller rolls back: nothing of the log stays).
pub async fn insert_log(
    conn: &mut Conn,
    contract: i64,
    d: &LogData,
    by: Option<i64>,
    by_name: &str,
    max_tenths: i64,
) -> Result<Result<i64, Vec<i64>>, StoreError> {
    let id: i64 = sqlx::query(
        "INSERT INTO delivery_logs (contract_id, day, community, content, direct_beneficiaries, \
         indirect_beneficiaries, by_name, created_by, created_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id",
    )
    .bind(contract)
    .bind(&d.day)
    .bind(&d.community)
    .bind(&d.content)
    .bind(d.direct)
    .bind(d.indirect)
    .bind(by_name)
    .bind(by)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?;
    let mut over = Vec::new();
    // In worker order: two entries naming the same members lock their day rows in the same
    // order, so parallel writers wait for each other instead of deadlocking.
    let mut hours = d.hours.clone();
    hours.sort_by_key(|h| h.0);
    for (w, h) in &hours {
        // Insert the day's first hours, or add to them only while the sum stays within the
        // cap: the row lock orders parallel writers and each sees the others' hours.
        let r = sqlx::query(
            "INSERT INTO worker_day_hours (worker_id, day, hours_tenths) \
             SELECT $1, $2, $3 WHERE $3 <= $4 \
             ON CONFLICT (worker_id, day) DO UPDATE \
             SET hours_tenths = worker_day_hours.hours_tenths + excluded.hours_tenths \
             WHERE worker_day_hours.hours_tenths + excluded.hours_tenths <= $4",
        )
        .bind(w)
        .bind(&d.day)
        .bind(h)
        .bind(max_tenths)
        .execute(&mut *conn)
        .await?;
        if r.rows_affected() != 1 {
            over.push(*w);
            continue;
        }
        sqlx::query(
            "INSERT INTO delivery_hours (log_id, worker_id, hours_tenths) VALUES ($1,$2,$3)",
        )
        .bind(id)
        .bind(w)
        .bind(h)
        .execute(&mut *conn)
        .await?;
    }
    Ok(if over.is_empty() { Ok(id) } else { Err(over) })
}

/// Hours a member has logged on a day, across every contract.
pub async fn hours_on(conn: &mut Conn, worker: i64, day: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "SELECT CAST(COALESCE(SUM(h.hours_tenths), 0) AS BIGINT) AS t FROM delivery_hours h \
         JOIN delivery_logs l ON l.id = h.log_id WHERE h.worker_id = $1 AND l.day = $2",
    )
    .bind(worker)
    .bind(day)
    .fetch_one(&mut *conn)
    .await?
    .try_get("t")?)
}

fn lmap(r: &AnyRow) -> Result<LogRow, sqlx::Error> {
    Ok(LogRow {
        id: r.try_get("id")?,
        contract_id: r.try_get("contract_id")?,
        community_name: r.try_get("community_name")?,
        by_name: r.try_get("by_name")?,
        created_at: r.try_get("created_at")?,
        members: Vec::new(),
        evidence: r.try_get("evidence")?,
        data: LogData {
            day: r.try_get("day")?,
            community: r.try_get("community")?,
            content: r.try_get("content")?,
            direct: r.try_get("direct_beneficiaries")?,
            indirect: r.try_get("indirect_beneficiaries")?,
            hours: Vec::new(),
        },
    })
}

const LCOLS: &str = "l.id, l.contract_id, l.day, l.community, COALESCE(a.name, l.community) AS \
    community_name, l.content, l.direct_beneficiaries, l.indirect_beneficiaries, l.by_name, \
    l.created_at, (SELECT COUNT(*) FROM attachments f WHERE f.owner_kind = 'delivery_log' \
    AND f.owner_id = l.id) AS evidence";

async fn with_members(conn: &mut Conn, mut rows: Vec<LogRow>) -> Result<Vec<LogRow>, StoreError> {
    if rows.is_empty() {
        return Ok(rows);
    }
    // One statement for the page's hours, however many logs it shows.
    let sql = format!(
        "SELECT h.log_id, h.worker_id, w.name, h.hours_tenths FROM delivery_hours h \
         JOIN social_workers w ON w.id = h.worker_id WHERE h.log_id IN ({}) \
         ORDER BY h.log_id, w.name",
        crate::marks(1, rows.len())
    );
    let mut q = sqlx::query(&sql);
    for l in &rows {
        q = q.bind(l.id);
    }
    let hs = q.fetch_all(&mut *conn).await?;
    for h in hs {
        let log: i64 = h.try_get("log_id")?;
        let w: i64 = h.try_get("worker_id")?;
        let t: i64 = h.try_get("hours_tenths")?;
        if let Some(l) = rows.iter_mut().find(|l| l.id == log) {
            l.members.push((w, h.try_get("name")?, t));
            l.data.hours.push((w, t));
        }
    }
    Ok(rows)
}

/// A contract's logs, newest day first.
pub async fn logs(
    conn: &mut Conn,
    contract: i64,
    page: PageReq,
) -> Result<Paged<LogRow>, StoreError> {
    let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM delivery_logs WHERE contract_id = $1")
        .bind(contract)
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
    let rows = sqlx::query(&format!(
        "SELECT {LCOLS} FROM delivery_logs l LEFT JOIN areas a ON a.code = l.community \
         WHERE l.contract_id = $1 ORDER BY l.day DESC, l.id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(contract)
    .bind(page.per_page)
    .bind(page.offset())
    .fetch_all(&mut *conn)
    .await?;
    let rows = rows.iter().map(lmap).collect::<Result<Vec<_>, _>>()?;
    Ok(Paged {
        items: with_members(conn, rows).await?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

pub async fn log(conn: &mut Conn, id: i64) -> Result<Option<LogRow>, StoreError> {
    let r = sqlx::query(&format!(
        "SELECT {LCOLS} FROM delivery_logs l LEFT JOIN areas a ON a.code = l.community \
         WHERE l.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(with_members(conn, vec![lmap(&r)?]).await?.pop())
}

/// What a contract's logs add up to over a period (inclusive days; None: everything).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Totals {
    pub activities: i64,
    pub direct: i64,
    pub indirect: i64,
    pub hours_tenths: i64,
}

pub async fn totals(
    conn: &mut Conn,
    contract: i64,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Totals, StoreError> {
    let from = from.unwrap_or("0000-00-00");
    let to = to.unwrap_or("9999-99-99");
    let r = sqlx::query(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(direct_beneficiaries), 0) AS BIGINT) AS d, \
         CAST(COALESCE(SUM(indirect_beneficiaries), 0) AS BIGINT) AS i, \
         CAST(COALESCE(SUM((SELECT SUM(h.hours_tenths) FROM delivery_hours h WHERE h.log_id = l.id)), 0) AS BIGINT) AS h \
         FROM delivery_logs l WHERE l.contract_id = $1 AND l.day >= $2 AND l.day <= $3",
    )
    .bind(contract)
    .bind(from)
    .bind(to)
    .fetch_one(&mut *conn)
    .await?;
    Ok(Totals {
        activities: r.try_get("n")?,
        direct: r.try_get("d")?,
        indirect: r.try_get("i")?,
        hours_tenths: r.try_get("h")?,
    })
}

/// [`totals`] of several contracts over their whole delivery (a ledger); a contract without
/// logs is absent (all zero).
pub async fn totals_of(
    conn: &mut Conn,
    contracts: &[i64],
) -> Result<std::collections::HashMap<i64, Totals>, StoreError> {
    let sql = "SELECT l.contract_id, COUNT(*) AS n, \
         CAST(COALESCE(SUM(direct_beneficiaries), 0) AS BIGINT) AS d, \
         CAST(COALESCE(SUM(indirect_beneficiaries), 0) AS BIGINT) AS i, \
         CAST(COALESCE(SUM((SELECT SUM(h.hours_tenths) FROM delivery_hours h WHERE h.log_id = l.id)), 0) AS BIGINT) AS h \
         FROM delivery_logs l WHERE l.contract_id IN ({ids}) GROUP BY l.contract_id";
    let rows = crate::fetch_in(conn, sql, contracts, |r| {
        Ok((
            r.try_get("contract_id")?,
            Totals {
                activities: r.try_get("n")?,
                direct: r.try_get("d")?,
                indirect: r.try_get("i")?,
                hours_tenths: r.try_get("h")?,
            },
        ))
    })
    .await?;
    Ok(rows.into_iter().collect())
}

// ---- milestone reports -----------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    pub id: i64,
    pub contract_id: i64,
    pub tranche_id: Option<i64>,
    pub kind: String,
    pub period_from: String,
    pub period_to: String,
    pub summary: String,
    pub totals: Totals,
    pub answer: String,
    pub state: String,
    pub version: i64,
    pub created_at: i64,
}

const RCOLS: &str = "id, contract_id, tranche_id, kind, period_from, period_to, summary, \
    activities, direct_beneficiaries, indirect_beneficiaries, hours_tenths, answer, state, \
    version, created_at";

fn rmap(r: &AnyRow) -> Result<ReportRow, sqlx::Error> {
    Ok(ReportRow {
        id: r.try_get("id")?,
        contract_id: r.try_get("contract_id")?,
        tranche_id: r.try_get("tranche_id")?,
        kind: r.try_get("kind")?,
        period_from: r.try_get("period_from")?,
        period_to: r.try_get("period_to")?,
        summary: r.try_get("summary")?,
        totals: Totals {
            activities: r.try_get("activities")?,
            direct: r.try_get("direct_beneficiaries")?,
            indirect: r.try_get("indirect_beneficiaries")?,
            hours_tenths: r.try_get("hours_tenths")?,
        },
        answer: r.try_get("answer")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
    })
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_report(
    conn: &mut Conn,
    contract: i64,
    tranche: Option<i64>,
    kind: &str,
    from: &str,
    to: &str,
    summary: &str,
    t: &Totals,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    Ok(sqlx::query(
        "INSERT INTO milestone_reports (contract_id, tranche_id, kind, period_from, period_to, \
         summary, activities, direct_beneficiaries, indirect_beneficiaries, hours_tenths, state, \
         version, created_at, updated_at) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,'submitted',0,$11,$11) RETURNING id",
    )
    .bind(contract)
    .bind(tranche)
    .bind(kind)
    .bind(from)
    .bind(to)
    .bind(summary)
    .bind(t.activities)
    .bind(t.direct)
    .bind(t.indirect)
    .bind(t.hours_tenths)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?
    .try_get("id")?)
}

/// A resubmitted report's new text and figures (its state moves by the kernel).
pub async fn refresh_report(
    conn: &mut Conn,
    id: i64,
    summary: &str,
    t: &Totals,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE milestone_reports SET summary = $1, activities = $2, direct_beneficiaries = $3, \
         indirect_beneficiaries = $4, hours_tenths = $5 WHERE id = $6",
    )
    .bind(summary)
    .bind(t.activities)
    .bind(t.direct)
    .bind(t.indirect)
    .bind(t.hours_tenths)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_answer(conn: &mut Conn, id: i64, answer: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE milestone_reports SET answer = $1 WHERE id = $2")
        .bind(answer)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn reports(conn: &mut Conn, contract: i64) -> Result<Vec<ReportRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {RCOLS} FROM milestone_reports WHERE contract_id = $1 ORDER BY id"
    ))
    .bind(contract)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(rmap).collect::<Result<_, _>>()?)
}

/// The reports of several contracts, by contract then id.
pub async fn reports_of(conn: &mut Conn, ids: &[i64]) -> Result<Vec<ReportRow>, StoreError> {
    let sql = format!(
        "SELECT {RCOLS} FROM milestone_reports WHERE contract_id IN ({{ids}}) \
         ORDER BY contract_id, id"
    );
    crate::fetch_in(conn, &sql, ids, rmap).await
}

pub async fn report(conn: &mut Conn, id: i64) -> Result<Option<ReportRow>, StoreError> {
    let r = sqlx::query(&format!(
        "SELECT {RCOLS} FROM milestone_reports WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.as_ref().map(rmap).transpose()?)
}

/// A report for the tranche that is not returned (one at a time per tranche).
pub async fn open_report_for(conn: &mut Conn, tranche: i64) -> Result<bool, StoreError> {
    Ok(sqlx::query(
        "SELECT 1 AS x FROM milestone_reports WHERE tranche_id = $1 AND state <> 'returned'",
    )
    .bind(tranche)
    .fetch_optional(&mut *conn)
    .await?
    .is_some())
}

/// A team member's share of one contract: hours (tenths), activities and the latest day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberShare {
    pub contract_id: i64,
    pub hours_tenths: i64,
    pub activities: i64,
    pub last_day: Option<String>,
}

/// The signed or completed contracts whose team a social worker is on, with what they logged
/// on each (one statement).
pub async fn shares_of_worker(
    conn: &mut Conn,
    worker: i64,
) -> Result<Vec<MemberShare>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.contract_id, \
         (SELECT CAST(COALESCE(SUM(h.hours_tenths), 0) AS BIGINT) FROM delivery_hours h \
          JOIN delivery_logs l ON l.id = h.log_id \
          WHERE l.contract_id = t.contract_id AND h.worker_id = t.worker_id) AS hours, \
         (SELECT COUNT(*) FROM delivery_hours h JOIN delivery_logs l ON l.id = h.log_id \
          WHERE l.contract_id = t.contract_id AND h.worker_id = t.worker_id) AS activities, \
         (SELECT MAX(l.day) FROM delivery_hours h JOIN delivery_logs l ON l.id = h.log_id \
          WHERE l.contract_id = t.contract_id AND h.worker_id = t.worker_id) AS last_day \
         FROM contract_team t JOIN contracts k ON k.id = t.contract_id \
         WHERE t.worker_id = $1 AND k.state IN ('signed', 'completed') \
         ORDER BY t.contract_id DESC",
    )
    .bind(worker)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MemberShare {
                contract_id: r.try_get("contract_id")?,
                hours_tenths: r.try_get("hours")?,
                activities: r.try_get("activities")?,
                last_day: r.try_get("last_day")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

/// Social workers with an account on a signed contract whose latest registration ends
/// between `from` and `to` and before the contract does: (user, registration end, project
/// title), one per worker (the contract ending last).
pub async fn renewals_due(
    conn: &mut Conn,
    from: &str,
    to: &str,
) -> Result<Vec<(i64, String, String)>, StoreError> {
    let rows = sqlx::query(
        "SELECT w.user_id, r.last_end, p.title, k.end_date FROM contract_team t \
         JOIN contracts k ON k.id = t.contract_id \
         JOIN projects p ON p.id = k.project_id \
         JOIN social_workers w ON w.id = t.worker_id \
         JOIN (SELECT worker_id, MAX(end_date) AS last_end FROM worker_registrations \
               GROUP BY worker_id) r ON r.worker_id = t.worker_id \
         WHERE k.state = 'signed' AND w.user_id IS NOT NULL \
         AND r.last_end >= $1 AND r.last_end <= $2 AND r.last_end < k.end_date \
         ORDER BY w.user_id, k.end_date DESC",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<(i64, String, String)> = Vec::new();
    for r in &rows {
        let user: i64 = r.try_get("user_id")?;
        if out.last().is_some_and(|x| x.0 == user) {
            continue;
        }
        out.push((user, r.try_get("last_end")?, r.try_get("title")?));
    }
    Ok(out)
}
