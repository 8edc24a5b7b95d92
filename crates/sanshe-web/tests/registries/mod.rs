//! The registries and the target dashboard, through the API and pages, on the real
//! database: targets against an independent recomputation from raw rows, personal data
//! at rest and in every output, identifier validation, messy spreadsheets, snapshots and
//! the fund ledger.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

mod facilities;
mod orgs;
mod personal_data;
mod rollups;
mod spreadsheets;
mod targets;
mod workers;

#[allow(unused_imports)]
pub(crate) use {
    facilities::*, orgs::*, personal_data::*, spreadsheets::*, targets::*, workers::*,
};

/// The first `n` communities by code.
pub(crate) async fn first_communities(t: &T, n: i64) -> Vec<String> {
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query("SELECT code FROM areas WHERE level = 'community' ORDER BY code LIMIT $1")
        .bind(n)
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}
