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
