//! Sanshe storage: the only crate that speaks SQL.
//!
//! One portable SQL dialect runs on SQLite and PostgreSQL through sqlx's `Any` driver; the
//! backend is chosen at run time from the database URL. Repository functions take a
//! `&mut AnyConnection` so the application layer decides the transaction boundary (a change
//! and its audit entry commit together).

pub mod areas;
pub mod audit;
mod db;
mod migrate;
pub mod orgs;
pub mod sessions;
pub mod tokens;
pub mod users;

pub use db::{redact_url as redact_db_url, Backend, Db, StoreError};
pub use sqlx::AnyConnection as Conn;
pub use sqlx::{Any, Transaction};

/// A page request: 1-based page number and page size.
#[derive(Debug, Clone, Copy)]
pub struct PageReq {
    pub page: i64,
    pub per_page: i64,
}

impl PageReq {
    pub fn offset(&self) -> i64 {
        (self.page.max(1) - 1) * self.per_page
    }
}

/// One page of results and the total number of matching rows.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

impl<T> Paged<T> {
    pub fn pages(&self) -> i64 {
        if self.per_page <= 0 {
            1
        } else {
            ((self.total + self.per_page - 1) / self.per_page).max(1)
        }
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` substring pattern.
pub fn like_pattern(q: &str) -> String {
    let mut s = String::with_capacity(q.len() + 2);
    s.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}
