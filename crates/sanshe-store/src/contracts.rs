//! `contracts`, `contract_versions`, `tranches`, `payments`: contracts of confirmed awards,
//! their payment tranches and the payments ledger. What a contract has paid moves only by
//! [`pay`], one atomic update that refuses to exceed the amount or to go below zero.

use crate::{Conn, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Clauses {
    pub amount_fen: i64,
    pub start_date: String,
    pub end_date: String,
    pub term_justification: String,
    pub content: String,
    pub quantity: String,
    pub quality: String,
    pub price: String,
    pub settlement: String,
    pub rights: String,
    pub liability: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractRow {
    pub id: i64,
    pub project_id: i64,
    pub project_title: String,
    pub district: String,
    pub application_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub paid_fen: i64,
    pub state: String,
    pub version: i64,
    pub revision: i64,
    pub signed_on: Option<String>,
    pub created_at: i64,
    /// The day a failed mid-term evaluation halted the remaining payments.
    pub halted_on: Option<String>,
    /// The day a passed rectification resumed its payments after the halt.
    pub resumed_on: Option<String>,
    pub clauses: Clauses,
}

const CCOLS: &str = "k.id, k.project_id, p.title AS project_title, p.district, k.application_id, \
    k.org_id, o.name AS org_name, k.paid_fen, k.state, k.version, k.revision, k.signed_on, \
    k.created_at, k.halted_on, k.resumed_on, k.amount_fen, k.start_date, k.end_date, k.term_justification, k.content, \
    k.quantity, k.quality, k.price, k.settlement, k.rights, k.liability";
const CFROM: &str = "FROM contracts k JOIN projects p ON p.id = k.project_id \
    JOIN organizations o ON o.id = k.org_id";

fn cmap(r: &AnyRow) -> Result<ContractRow, sqlx::Error> {
    Ok(ContractRow {
        id: r.try_get("id")?,
        project_id: r.try_get("project_id")?,
        project_title: r.try_get("project_title")?,
        district: r.try_get("district")?,
        application_id: r.try_get("application_id")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        paid_fen: r.try_get("paid_fen")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        revision: r.try_get("revision")?,
        signed_on: r.try_get("signed_on")?,
        created_at: r.try_get("created_at")?,
        halted_on: r.try_get("halted_on")?,
        resumed_on: r.try_get("resumed_on")?,
        clauses: Clauses {
            amount_fen: r.try_get("amount_fen")?,
            start_date: r.try_get("start_date")?,
            end_date: r.try_get("end_date")?,
            term_justification: r.try_get("term_justification")?,
            content: r.try_get("content")?,
            quantity: r.try_get("quantity")?,
            quality: r.try_get("quality")?,
            price: r.try_get("price")?,
            settlement: r.try_get("settlement")?,
            rights: r.try_get("rights")?,
            liability: r.try_get("liability")?,
        },
    })
}

pub async fn insert(
    conn: &mut Conn,
    project: i64,
    application: i64,
    org: i64,
    c: &Clauses,
) -> Result<i64, StoreError> {
    let now = crate::audit::now();
    let r = sqlx::query(
        "INSERT INTO contracts (project_id, application_id, org_id, amount_fen, start_date, \
         end_date, term_justification, content, quantity, quality, price, settlement, rights, \
         liability, state, created_at, updated_at) VALUES \
         ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,'draft',$15,$15) RETURNING id",
    )
    .bind(project)
    .bind(application)
    .bind(org)
    .bind(c.amount_fen)
    .bind(&c.start_date)
    .bind(&c.end_date)
    .bind(&c.term_justification)
    .bind(&c.content)
    .bind(&c.quantity)
    .bind(&c.quality)
    .bind(&c.price)
    .bind(&c.settlement)
    .bind(&c.rights)
    .bind(&c.liability)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = r.try_get("id")?;
    // The contracted team is the winning application's (changed later only by amendment).
    crate::delivery::copy_team(conn, id, application).await?;
    Ok(id)
}

/// Writes the clauses of the contract at `version` (bumping it); false when the new amount is
/// below what is paid or what the tranches add up to, or someone changed it first (one
/// statement).
pub async fn update(
    conn: &mut Conn,
    id: i64,
    version: i64,
    c: &Clauses,
    revision: i64,
) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE contracts SET amount_fen = $1, start_date = $2, end_date = $3, \
         term_justification = $4, content = $5, quantity = $6, quality = $7, price = $8, \
         settlement = $9, rights = $10, liability = $11, revision = $12, updated_at = $13, \
         version = version + 1 \
         WHERE id = $14 AND version = $15 AND paid_fen <= $1 \
         AND (SELECT COALESCE(SUM(t.amount_fen), 0) FROM tranches t WHERE t.contract_id = $14) <= $1",
    )
    .bind(c.amount_fen)
    .bind(&c.start_date)
    .bind(&c.end_date)
    .bind(&c.term_justification)
    .bind(&c.content)
    .bind(&c.quantity)
    .bind(&c.quality)
    .bind(&c.price)
    .bind(&c.settlement)
    .bind(&c.rights)
    .bind(&c.liability)
    .bind(revision)
    .bind(crate::audit::now())
    .bind(id)
    .bind(version)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// What a contract's tranches add up to.
pub async fn tranches_total(conn: &mut Conn, id: i64) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "SELECT CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS n FROM tranches WHERE contract_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("n")?)
}

/// [`tranches_total`] of several contracts (a ledger); a contract without tranches is
/// absent.
pub async fn tranches_totals(
    conn: &mut Conn,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
    let sql = "SELECT contract_id, CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT) AS n \
               FROM tranches WHERE contract_id IN ({ids}) GROUP BY contract_id";
    let rows = crate::fetch_in(conn, sql, ids, |r| {
        Ok((r.try_get("contract_id")?, r.try_get("n")?))
    })
    .await?;
    Ok(rows.into_iter().collect())
}

/// The payments of several contracts, by contract then id.
pub async fn payments_of(conn: &mut Conn, ids: &[i64]) -> Result<Vec<PaymentRow>, StoreError> {
    let sql = format!(
        "SELECT {PAYCOLS} FROM payments WHERE contract_id IN ({{ids}}) ORDER BY contract_id, id"
    );
    crate::fetch_in(conn, &sql, ids, payment_row).await
}

/// The tranches of several contracts, by contract then sequence.
pub async fn tranches_of(conn: &mut Conn, ids: &[i64]) -> Result<Vec<TrancheRow>, StoreError> {
    let sql = format!(
        "SELECT {TCOLS} FROM tranches WHERE contract_id IN ({{ids}}) ORDER BY contract_id, seq"
    );
    crate::fetch_in(conn, &sql, ids, tmap).await
}

/// The contracts of several projects.
pub async fn of_projects(conn: &mut Conn, ids: &[i64]) -> Result<Vec<ContractRow>, StoreError> {
    let sql = format!("SELECT {CCOLS} {CFROM} WHERE k.project_id IN ({{ids}})");
    crate::fetch_in(conn, &sql, ids, cmap).await
}

pub async fn set_signed_on(conn: &mut Conn, id: i64, day: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE contracts SET signed_on = $1 WHERE id = $2")
        .bind(day)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut Conn, id: i64) -> Result<Option<ContractRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {CCOLS} {CFROM} WHERE k.id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| cmap(&r)).transpose()?)
}

pub async fn of_project(conn: &mut Conn, project: i64) -> Result<Option<ContractRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {CCOLS} {CFROM} WHERE k.project_id = $1"))
        .bind(project)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| cmap(&r)).transpose()?)
}

/// Every contract of a district (the contracts ledger), newest first.
pub async fn of_district(conn: &mut Conn, district: &str) -> Result<Vec<ContractRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {CCOLS} {CFROM} WHERE p.district = $1 ORDER BY k.id DESC"
    ))
    .bind(district)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(cmap).collect::<Result<_, _>>()?)
}

/// A signed contract's next amendment (one that is not a change of clauses: the team).
pub async fn bump_revision(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE contracts SET revision = revision + 1, version = version + 1, updated_at = $1 \
         WHERE id = $2",
    )
    .bind(crate::audit::now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn add_version(
    conn: &mut Conn,
    contract: i64,
    revision: i64,
    body: &str,
    reason: &str,
    by: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO contract_versions (contract_id, revision, body, reason, at, by_name) \
         VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(contract)
    .bind(revision)
    .bind(body)
    .bind(reason)
    .bind(crate::audit::now())
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRow {
    pub revision: i64,
    pub body: String,
    pub reason: String,
    pub at: i64,
    pub by_name: String,
}

pub async fn versions(conn: &mut Conn, contract: i64) -> Result<Vec<VersionRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT revision, body, reason, at, by_name FROM contract_versions WHERE contract_id = $1 \
         ORDER BY revision",
    )
    .bind(contract)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(VersionRow {
                revision: r.try_get("revision")?,
                body: r.try_get("body")?,
                reason: r.try_get("reason")?,
                at: r.try_get("at")?,
                by_name: r.try_get("by_name")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrancheRow {
    pub id: i64,
    pub contract_id: i64,
    pub seq: i64,
    pub label: String,
    pub amount_fen: i64,
    pub due_on: String,
    pub gate: String,
    pub state: String,
    pub version: i64,
    pub paid_on: Option<String>,
    pub voucher: Option<String>,
}

fn tmap(r: &AnyRow) -> Result<TrancheRow, sqlx::Error> {
    Ok(TrancheRow {
        id: r.try_get("id")?,
        contract_id: r.try_get("contract_id")?,
        seq: r.try_get("seq")?,
        label: r.try_get("label")?,
        amount_fen: r.try_get("amount_fen")?,
        due_on: r.try_get("due_on")?,
        gate: r.try_get("gate")?,
        state: r.try_get("state")?,
        version: r.try_get("version")?,
        paid_on: r.try_get("paid_on")?,
        voucher: r.try_get("voucher")?,
    })
}

const TCOLS: &str =
    "id, contract_id, seq, label, amount_fen, due_on, gate, state, version, paid_on, voucher";

pub async fn tranches(conn: &mut Conn, contract: i64) -> Result<Vec<TrancheRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {TCOLS} FROM tranches WHERE contract_id = $1 ORDER BY seq"
    ))
    .bind(contract)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(tmap).collect::<Result<_, _>>()?)
}

pub async fn tranche(conn: &mut Conn, id: i64) -> Result<Option<TrancheRow>, StoreError> {
    let r = sqlx::query(&format!("SELECT {TCOLS} FROM tranches WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(r.map(|r| tmap(&r)).transpose()?)
}

/// Adds a tranche if the tranches' total stays within the contract amount (checked in the
/// same statement); None when it would not.
pub async fn add_tranche(
    conn: &mut Conn,
    contract: i64,
    label: &str,
    amount_fen: i64,
    due_on: &str,
    gate: &str,
) -> Result<Option<i64>, StoreError> {
    let now = crate::audit::now();
    let r = sqlx::query(
        "INSERT INTO tranches (contract_id, seq, label, amount_fen, due_on, gate, state, \
         created_at, updated_at) \
         SELECT $1, COALESCE((SELECT MAX(seq) FROM tranches WHERE contract_id = $1), 0) + 1, \
         $2, $3, $4, $5, 'scheduled', $6, $6 \
         WHERE (SELECT COALESCE(SUM(amount_fen), 0) FROM tranches WHERE contract_id = $1) + $3 \
               <= (SELECT amount_fen FROM contracts WHERE id = $1) \
         RETURNING id",
    )
    .bind(contract)
    .bind(label)
    .bind(amount_fen)
    .bind(due_on)
    .bind(gate)
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(r.map(|r| r.try_get("id")).transpose()?)
}

/// Locks a contract row for the rest of the transaction.
pub async fn lock(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE contracts SET version = version WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_tranche_paid(
    conn: &mut Conn,
    id: i64,
    paid_on: &str,
    voucher: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tranches SET paid_on = $1, voucher = $2 WHERE id = $3")
        .bind(paid_on)
        .bind(voucher)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves what a contract has paid by `fen` (negative: a claw-back) if it stays within
/// 0..=amount: one statement, so parallel payments never overpay. False when it would not.
pub async fn pay(conn: &mut Conn, contract: i64, fen: i64) -> Result<bool, StoreError> {
    let r = sqlx::query(
        "UPDATE contracts SET paid_fen = paid_fen + $1, updated_at = $2 \
         WHERE id = $3 AND paid_fen + $1 <= amount_fen AND paid_fen + $1 >= 0",
    )
    .bind(fen)
    .bind(crate::audit::now())
    .bind(contract)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[allow(clippy::too_many_arguments)]
pub async fn record_payment(
    conn: &mut Conn,
    contract: i64,
    tranche: Option<i64>,
    fen: i64,
    paid_on: &str,
    voucher: &str,
    reason: &str,
    by: &str,
) -> Result<i64, StoreError> {
    let r = sqlx::query(
        "INSERT INTO payments (contract_id, tranche_id, amount_fen, paid_on, voucher, reason, \
         by_name, at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id",
    )
    .bind(contract)
    .bind(tranche)
    .bind(fen)
    .bind(paid_on)
    .bind(voucher)
    .bind(reason)
    .bind(by)
    .bind(crate::audit::now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(r.try_get("id")?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRow {
    pub id: i64,
    pub contract_id: i64,
    pub tranche_id: Option<i64>,
    pub amount_fen: i64,
    pub paid_on: String,
    pub voucher: String,
    pub reason: String,
    pub by_name: String,
}

const PAYCOLS: &str = "id, contract_id, tranche_id, amount_fen, paid_on, voucher, reason, by_name";

fn payment_row(r: &sqlx::any::AnyRow) -> Result<PaymentRow, sqlx::Error> {
    Ok(PaymentRow {
        id: r.try_get("id")?,
        contract_id: r.try_get("contract_id")?,
        tranche_id: r.try_get("tranche_id")?,
        amount_fen: r.try_get("amount_fen")?,
        paid_on: r.try_get("paid_on")?,
        voucher: r.try_get("voucher")?,
        reason: r.try_get("reason")?,
        by_name: r.try_get("by_name")?,
    })
}

pub async fn payments(conn: &mut Conn, contract: i64) -> Result<Vec<PaymentRow>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {PAYCOLS} FROM payments WHERE contract_id = $1 ORDER BY id"
    ))
    .bind(contract)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(payment_row).collect::<Result<_, _>>()?)
}

/// What the open-data feed depends on, in one reading: the latest purchase workflow step
/// (every state change of a catalog, call, application, objection, contract, tranche or
/// report; a resident's need does not count), payment and contract
/// version, and the latest edit of a project, contract or tranche. When it is unchanged the
/// feed is unchanged.
pub async fn feed_version(conn: &mut Conn) -> Result<String, StoreError> {
    let r = sqlx::query(
        "SELECT (SELECT MAX(id) FROM workflow_history WHERE kind IN ('catalog', 'project', \
         'application', 'objection', 'contract', 'tranche', 'milestone_report', 'evaluation')) AS h, (SELECT MAX(id) FROM payments) AS p, \
         (SELECT COUNT(*) FROM contract_versions) AS v, \
         (SELECT MAX(updated_at) FROM projects) AS pu, (SELECT MAX(updated_at) FROM contracts) AS ku, \
         (SELECT MAX(updated_at) FROM tranches) AS tu, (SELECT COUNT(*) FROM projects) AS pn",
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut out = String::new();
    for c in ["h", "p", "v", "pu", "ku", "tu", "pn"] {
        let n: Option<i64> = r.try_get(c)?;
        out.push_str(&format!("{}/", n.unwrap_or(-1)));
    }
    Ok(out)
}
