//! The workflow kernel's storage half: compare-and-set transitions and the append-only
//! history every workflow shares.

use crate::{Conn, StoreError};
use sqlx::Row;

/// The tables that hold workflow records (a closed list: the table name is never text from
/// outside).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Needs,
    Proposals,
    FactChanges,
    Catalogs,
    Projects,
    Applications,
    Objections,
    Contracts,
    Tranches,
    Reports,
    Evaluations,
    VentureRounds,
    VentureProjects,
    Ratings,
    AwardLists,
    Rectifications,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Needs => "needs",
            Table::Proposals => "proposals",
            Table::FactChanges => "fact_changes",
            Table::Catalogs => "catalogs",
            Table::Projects => "projects",
            Table::Applications => "applications",
            Table::Objections => "objections",
            Table::Contracts => "contracts",
            Table::Tranches => "tranches",
            Table::Reports => "milestone_reports",
            Table::Evaluations => "evaluations",
            Table::VentureRounds => "venture_rounds",
            Table::VentureProjects => "venture_projects",
            Table::Ratings => "ratings",
            Table::AwardLists => "award_lists",
            Table::Rectifications => "rectifications",
        }
    }
}

/// Moves a record from `from` at `version` to `to`. False when someone else changed it
/// first (a different version or state): nothing was written, and the caller answers 409.
pub async fn compare_and_set(
    conn: &mut Conn,
    table: Table,
    id: i64,
    version: i64,
    from: &str,
    to: &str,
) -> Result<bool, StoreError> {
    let r = sqlx::query(&format!(
        "UPDATE {} SET state = $1, version = version + 1, updated_at = $2 \
         WHERE id = $3 AND version = $4 AND state = $5",
        table.name()
    ))
    .bind(to)
    .bind(crate::audit::now())
    .bind(id)
    .bind(version)
    .bind(from)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub kind: String,
    pub record_id: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub event: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    pub id: i64,
    pub at: i64,
    pub entry: HistoryEntry,
}

pub async fn append_history(conn: &mut Conn, e: &HistoryEntry) -> Result<(), StoreError> {
    append_history_at(conn, e, crate::audit::now()).await
}

/// A history entry with a given time (demo data recreating a past timeline).
pub async fn append_history_at(
    conn: &mut Conn,
    e: &HistoryEntry,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO workflow_history (kind, record_id, at, actor_id, actor_name, from_state, \
         to_state, event, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)",
    )
    .bind(&e.kind)
    .bind(e.record_id)
    .bind(at)
    .bind(e.actor_id)
    .bind(&e.actor_name)
    .bind(&e.from_state)
    .bind(&e.to_state)
    .bind(&e.event)
    .bind(&e.note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A record's timeline, oldest first.
pub async fn history(conn: &mut Conn, kind: &str, id: i64) -> Result<Vec<HistoryRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, at, kind, record_id, actor_id, actor_name, from_state, to_state, event, note \
         FROM workflow_history WHERE kind = $1 AND record_id = $2 ORDER BY id",
    )
    .bind(kind)
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(HistoryRow {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                entry: HistoryEntry {
                    kind: r.try_get("kind")?,
                    record_id: r.try_get("record_id")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    from_state: r.try_get("from_state")?,
                    to_state: r.try_get("to_state")?,
                    event: r.try_get("event")?,
                    note: r.try_get("note")?,
                },
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}
