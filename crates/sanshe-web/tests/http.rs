//! The integration suite: in-process HTTP against a real database (SQLite by default,
//! PostgreSQL when SANSHE_TEST_DATABASE_URL is set).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod areas;
mod calendar;
mod common;
mod kernel;
mod needs;
mod purchase;
mod registries;
mod routes;
mod security;
mod web;
