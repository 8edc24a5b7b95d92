//! Sanshe storage: the only crate that speaks SQL.
//!
//! One portable SQL dialect runs on SQLite and PostgreSQL through sqlx's `Any` driver; the
//! backend is chosen at run time from the database URL. Repository functions take a
//! `&mut AnyConnection` so the application layer decides the transaction boundary (a change
//! and its audit entry commit together).

pub mod areas;
pub mod attachments;
pub mod audit;
pub mod award_lists;
pub mod calendar;
pub mod contracts;
mod db;
pub mod delivery;
pub mod evaluations;
pub mod facilities;
pub mod facts;
pub mod import_jobs;
pub mod inbox;
pub mod jobs;
mod migrate;
pub mod needs;
pub mod orgs;
pub mod panels;
pub mod pii_keys;
pub mod posts;
pub mod purchase;
pub mod questions;
pub mod ratings;
pub mod sessions;
pub mod tallies;
pub mod targets;
pub mod tokens;
pub mod users;
pub mod venture;
pub mod workers;
pub mod workflow;

pub use db::{redact_url as redact_db_url, Backend, Db, StoreError, TIME_STATEMENTS};
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

/// The placeholders `$first,…` of an `IN (…)` list of `n` values (a statement's binds are
/// numbered from 1; a list after other binds starts after them).
pub fn marks(first: usize, n: usize) -> String {
    let mut s = String::with_capacity(n * 5);
    for i in first..first + n {
        if i > first {
            s.push(',');
        }
        s.push('$');
        s.push_str(&i.to_string());
    }
    s
}

/// The rows of `sql` for every id in `ids`: `sql` holds `{ids}` where the `IN` list goes
/// (its placeholders are `$1…`), run once per few hundred ids.
pub(crate) async fn fetch_in<T, V>(
    conn: &mut Conn,
    sql: &str,
    ids: &[V],
    map: impl Fn(&sqlx::any::AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError>
where
    V: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Clone + Send + 'static,
{
    let mut out = Vec::new();
    for chunk in ids.chunks(500) {
        let sql = sql.replace("{ids}", &marks(1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.clone());
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(map(&r)?);
        }
    }
    Ok(out)
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

/// A WHERE clause under construction: clauses with `?` placeholders become `$n` in order.
#[derive(Debug, Default)]
pub(crate) struct Where {
    pub clauses: Vec<String>,
    pub binds: Vec<audit::Bind>,
}

impl Where {
    pub fn new() -> Self {
        Where {
            clauses: vec!["1=1".into()],
            binds: Vec::new(),
        }
    }

    /// Adds a clause; each `?` in it takes the next of `vals`.
    pub fn push(&mut self, clause: &str, vals: Vec<audit::Bind>) {
        let mut out = String::new();
        let mut it = vals.into_iter();
        for ch in clause.chars() {
            if ch == '?' {
                if let Some(v) = it.next() {
                    self.binds.push(v);
                    out.push_str(&format!("${}", self.binds.len()));
                }
            } else {
                out.push(ch);
            }
        }
        self.clauses.push(out);
    }

    /// Restricts `col` to the subtree of an area code.
    pub fn subtree(&mut self, col: &str, root: &str) {
        let (lo, hi) = areas::subtree_range(root);
        self.push(
            &format!("{col} >= ? AND {col} <= ?"),
            vec![audit::Bind::S(lo), audit::Bind::S(hi)],
        );
    }

    pub fn sql(&self) -> String {
        self.clauses.join(" AND ")
    }

    pub fn next(&self) -> usize {
        self.binds.len() + 1
    }

    /// Like [`Where::page`], for a `select` whose columns are costly (correlated sub-queries):
    /// the page's keys are chosen first from `{from}` alone (`order` may use only its columns),
    /// and the costly columns are computed for those rows only, so a page costs what the page
    /// holds, not what the filter matches.
    #[allow(clippy::too_many_arguments)]
    pub async fn page_keyed<T>(
        &self,
        conn: &mut Conn,
        from: &str,
        key: &str,
        select: &str,
        order: &str,
        page: PageReq,
        map: fn(&sqlx::any::AnyRow) -> Result<T, sqlx::Error>,
    ) -> Result<Paged<T>, StoreError> {
        let n = self.next();
        let rows = format!(
            "{select} WHERE {key} IN (SELECT {key} {from} WHERE {} ORDER BY {order} \
             LIMIT ${n} OFFSET ${}) ORDER BY {order}",
            self.sql(),
            n + 1
        );
        self.run_page(conn, from, &rows, page, map).await
    }

    /// One page of a list under this clause: the total from `SELECT COUNT(*) {from}` and the
    /// rows from `{select}` (a `SELECT … FROM …` without WHERE) in `order`.
    pub async fn page<T>(
        &self,
        conn: &mut Conn,
        from: &str,
        select: &str,
        order: &str,
        page: PageReq,
        map: fn(&sqlx::any::AnyRow) -> Result<T, sqlx::Error>,
    ) -> Result<Paged<T>, StoreError> {
        let n = self.next();
        let rows = format!(
            "{select} WHERE {} ORDER BY {order} LIMIT ${n} OFFSET ${}",
            self.sql(),
            n + 1
        );
        self.run_page(conn, from, &rows, page, map).await
    }

    /// The count over `{from}` under this clause, and the rows of `rows_sql` (whose last two
    /// placeholders are the page's limit and offset).
    async fn run_page<T>(
        &self,
        conn: &mut Conn,
        from: &str,
        rows_sql: &str,
        page: PageReq,
        map: fn(&sqlx::any::AnyRow) -> Result<T, sqlx::Error>,
    ) -> Result<Paged<T>, StoreError> {
        use sqlx::Row;
        let total: i64 = audit::bind_all(
            sqlx::query(&format!("SELECT COUNT(*) AS n {from} WHERE {}", self.sql())),
            &self.binds,
        )
        .fetch_one(&mut *conn)
        .await?
        .try_get("n")?;
        let rows = audit::bind_all(sqlx::query(rows_sql), &self.binds)
            .bind(page.per_page)
            .bind(page.offset())
            .fetch_all(&mut *conn)
            .await?;
        Ok(Paged {
            items: rows.iter().map(map).collect::<Result<_, _>>()?,
            total,
            page: page.page,
            per_page: page.per_page,
        })
    }
}

pub(crate) fn s(v: impl Into<String>) -> audit::Bind {
    audit::Bind::S(v.into())
}

pub(crate) fn i(v: i64) -> audit::Bind {
    audit::Bind::I(v)
}

pub(crate) fn b(v: bool) -> audit::Bind {
    audit::Bind::I(v as i64)
}

pub(crate) fn os(v: &Option<String>) -> audit::Bind {
    audit::Bind::OS(v.clone())
}

pub(crate) fn oi(v: Option<i64>) -> audit::Bind {
    audit::Bind::OI(v)
}

/// Tables whose records are unique by area and a name (`{area}/{name}` keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaNamed {
    Facilities,
    Posts,
}

/// The records holding these `{area}/{name}` keys, as `(key, id)` pairs: a single save's
/// duplicate check, one index probe per key.
pub async fn area_name_keys(
    conn: &mut Conn,
    table: AreaNamed,
    keys: &[String],
) -> Result<Vec<(String, i64)>, StoreError> {
    use sqlx::Row;
    use std::collections::{HashMap, HashSet};
    // Keys are `area/name key`: the areas' records are read by index, a few hundred areas
    // per statement, and their names compared by key (look-alikes are one name).
    let sql = match table {
        AreaNamed::Facilities => "SELECT id, area_code, name AS n FROM facilities",
        AreaNamed::Posts => "SELECT id, area_code, title AS n FROM posts",
    };
    let mut wanted: HashMap<&str, HashSet<&str>> = HashMap::new();
    for k in keys {
        if let Some((area, key)) = k.split_once('/') {
            wanted.entry(area).or_default().insert(key);
        }
    }
    let areas: Vec<&str> = wanted.keys().copied().collect();
    let mut out = Vec::new();
    for chunk in areas.chunks(300) {
        let sql = format!("{sql} WHERE area_code IN ({})", marks(1, chunk.len()));
        let mut q = sqlx::query(&sql);
        for a in chunk {
            q = q.bind(*a);
        }
        for r in q.fetch_all(&mut *conn).await? {
            let area: String = r.try_get("area_code")?;
            let key = sanshe_domain::text::name_key(&r.try_get::<String, _>("n")?);
            if wanted
                .get(area.as_str())
                .is_some_and(|w| w.contains(key.as_str()))
            {
                out.push((format!("{area}/{key}"), r.try_get("id")?));
            }
        }
    }
    Ok(out)
}
