//! `calendar_days`: public holidays and adjusted working days that override the weekday rule.

use crate::{Conn, StoreError};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// `holiday` or `workday`.
    pub kind: String,
    pub name: String,
    pub source: String,
}

fn map(r: &sqlx::any::AnyRow) -> Result<CalendarDay, sqlx::Error> {
    Ok(CalendarDay {
        day: r.try_get("day")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        source: r.try_get("source")?,
    })
}

/// Every listed day from `from` to `to` inclusive (`YYYY-MM-DD` compare as text), in order.
pub async fn range(conn: &mut Conn, from: &str, to: &str) -> Result<Vec<CalendarDay>, StoreError> {
    let rows = sqlx::query(
        "SELECT day, kind, name, source FROM calendar_days WHERE day >= $1 AND day <= $2 \
         ORDER BY day",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(map).collect::<Result<_, _>>()?)
}

/// The years that have at least one listed day.
pub async fn years(conn: &mut Conn) -> Result<Vec<i32>, StoreError> {
    let rows = sqlx::query("SELECT DISTINCT SUBSTR(day, 1, 4) AS y FROM calendar_days ORDER BY y")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|r| r.try_get::<String, _>("y").ok()?.parse().ok())
        .collect())
}

pub async fn get(conn: &mut Conn, day: &str) -> Result<Option<CalendarDay>, StoreError> {
    let row = sqlx::query("SELECT day, kind, name, source FROM calendar_days WHERE day = $1")
        .bind(day)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(map).transpose()?)
}

/// Inserts or replaces one day.
pub async fn upsert(conn: &mut Conn, d: &CalendarDay) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO calendar_days (day, kind, name, source, updated_at) VALUES ($1,$2,$3,$4,$5) \
         ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, \
         source = excluded.source, updated_at = excluded.updated_at",
    )
    .bind(&d.day)
    .bind(&d.kind)
    .bind(&d.name)
    .bind(&d.source)
    .bind(crate::audit::now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes one day; true when it was listed.
pub async fn delete(conn: &mut Conn, day: &str) -> Result<bool, StoreError> {
    let r = sqlx::query("DELETE FROM calendar_days WHERE day = $1")
        .bind(day)
        .execute(&mut *conn)
        .await?;
    Ok(r.rows_affected() > 0)
}
