//! Community foundations' fund ledgers (append-only) and their balances.

use crate::{Conn, StoreError};
use sqlx::Row;

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
