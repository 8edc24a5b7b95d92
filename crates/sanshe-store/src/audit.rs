//! The audit log. This module only ever INSERTs and SELECTs: there is no update or delete
//! path, and the database's triggers refuse them too.

use crate::{like_pattern, Conn, PageReq, Paged, StoreError};
use sqlx::any::AnyRow;
use sqlx::Row;

/// Current time in seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub summary: String,
    pub outcome: String,
    pub client: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct AuditRow {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub summary: String,
    pub outcome: String,
    pub client: Option<String>,
    pub request_id: Option<String>,
    pub hash: Option<String>,
}

impl AuditRow {
    fn from_row(r: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(AuditRow {
            id: r.try_get("id")?,
            at: r.try_get("at")?,
            actor_id: r.try_get("actor_id")?,
            actor_name: r.try_get("actor_name")?,
            action: r.try_get("action")?,
            object_type: r.try_get("object_type")?,
            object_id: r.try_get("object_id")?,
            summary: r.try_get("summary")?,
            outcome: r.try_get("outcome")?,
            client: r.try_get("client")?,
            request_id: r.try_get("request_id")?,
            hash: r.try_get("hash")?,
        })
    }
}

/// Serialises appends to the chain until the caller's transaction ends. On PostgreSQL an
/// advisory transaction lock; on SQLite every write transaction already holds the
/// database's write lock (`BEGIN IMMEDIATE`), so nothing more is needed.
pub async fn lock_chain(conn: &mut Conn) -> Result<(), StoreError> {
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        sqlx::query("SELECT pg_advisory_xact_lock(7262001)")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The newest entry's hash (the chain's head), if any entry carries one.
pub async fn head_hash(conn: &mut Conn) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(r) => r.try_get::<Option<String>, _>("hash")?,
        None => None,
    })
}

/// Records where the chain starts (once; later calls change nothing).
pub async fn mark_chain_start(conn: &mut Conn, first_id: i64) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_chain (id, first_id) VALUES (1, $1) ON CONFLICT (id) DO NOTHING",
    )
    .bind(first_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The first chained entry's id, if the chain has started.
pub async fn chain_start(conn: &mut Conn) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT first_id FROM audit_chain WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("first_id")).transpose()?)
}

/// Appends one entry with the time and chain hash the caller computed (see
/// `sanshe_app::uow`); call [`lock_chain`] first in the same transaction.
pub async fn append_chained(
    conn: &mut Conn,
    e: &NewAuditEntry,
    at: i64,
    hash: &str,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO audit_log (at, actor_id, actor_name, action, object_type, object_id, \
         summary, outcome, client, request_id, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) \
         RETURNING id",
    )
    .bind(at)
    .bind(e.actor_id)
    .bind(&e.actor_name)
    .bind(&e.action)
    .bind(&e.object_type)
    .bind(&e.object_id)
    .bind(&e.summary)
    .bind(&e.outcome)
    .bind(&e.client)
    .bind(&e.request_id)
    .bind(hash)
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// One stored entry as the chain sees it.
#[derive(Debug, Clone)]
pub struct ChainRow {
    pub id: i64,
    pub entry: NewAuditEntry,
    pub at: i64,
    pub hash: Option<String>,
}

/// Entries with `id > after`, oldest first, at most `limit` (the verifier walks the log
/// in batches so memory stays flat on a long log).
pub async fn chain_batch(
    conn: &mut Conn,
    after: i64,
    limit: i64,
) -> Result<Vec<ChainRow>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, at, actor_id, actor_name, action, object_type, object_id, summary, \
         outcome, client, request_id, hash FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ChainRow {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                hash: r.try_get("hash")?,
                entry: NewAuditEntry {
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    action: r.try_get("action")?,
                    object_type: r.try_get("object_type")?,
                    object_id: r.try_get("object_id")?,
                    summary: r.try_get("summary")?,
                    outcome: r.try_get("outcome")?,
                    client: r.try_get("client")?,
                    request_id: r.try_get("request_id")?,
                },
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(StoreError::from)
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub outcome: Option<String>,
    /// Free text matched against the summary and object id.
    pub q: Option<String>,
    pub from: Option<i64>,
    pub until: Option<i64>,
}

fn where_clause(f: &AuditFilter) -> (String, Vec<Bind>) {
    let mut w = vec!["1=1".to_owned()];
    let mut b = Vec::new();
    let push = |clause: &str, v: Bind, w: &mut Vec<String>, b: &mut Vec<Bind>| {
        b.push(v);
        w.push(clause.replace('?', &format!("${}", b.len())));
    };
    if let Some(a) = &f.actor {
        push("actor_name = ?", Bind::S(a.clone()), &mut w, &mut b);
    }
    if let Some(a) = &f.action {
        push("action = ?", Bind::S(a.clone()), &mut w, &mut b);
    }
    if let Some(a) = &f.object_type {
        push("object_type = ?", Bind::S(a.clone()), &mut w, &mut b);
    }
    if let Some(a) = &f.outcome {
        push("outcome = ?", Bind::S(a.clone()), &mut w, &mut b);
    }
    if let Some(q) = &f.q {
        let p = like_pattern(q);
        b.push(Bind::S(p));
        let n = b.len();
        w.push(format!(
            "(summary LIKE ${n} ESCAPE '\\' OR COALESCE(object_id, '') LIKE ${n} ESCAPE '\\')"
        ));
    }
    if let Some(t) = f.from {
        push("at >= ?", Bind::I(t), &mut w, &mut b);
    }
    if let Some(t) = f.until {
        push("at < ?", Bind::I(t), &mut w, &mut b);
    }
    (w.join(" AND "), b)
}

#[derive(Debug, Clone)]
pub(crate) enum Bind {
    S(String),
    I(i64),
    OS(Option<String>),
    OI(Option<i64>),
}

/// Inserts many rows with one statement per few hundred rows (the per-statement hand-off
/// to the database, not the rows, is what a one-row-at-a-time import spends its time on).
/// `head` is `INSERT INTO t (cols) VALUES `, `row` one row's tuple with `$1…$n` for that
/// row's binds (a number may repeat). Returns the new ids, in no particular order.
pub(crate) async fn insert_many(
    conn: &mut crate::Conn,
    head: &str,
    row: &str,
    rows: &[Vec<Bind>],
) -> Result<Vec<i64>, crate::StoreError> {
    use sqlx::Row;
    insert_many_returning(conn, head, row, rows, "id")
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0).map_err(crate::StoreError::from))
        .collect()
}

/// Values per statement of [`insert_many_returning`]: a few thousand (well under SQLite's
/// 32,766 and PostgreSQL's 65,535), so a 100,000-row import is a few hundred statements.
const VALUES_PER_STATEMENT: usize = 4000;

/// [`insert_many`] returning the columns `returning` of every new row.
pub(crate) async fn insert_many_returning(
    conn: &mut crate::Conn,
    head: &str,
    row: &str,
    rows: &[Vec<Bind>],
    returning: &str,
) -> Result<Vec<sqlx::any::AnyRow>, crate::StoreError> {
    // On SQLite the values are anonymous `?` in the order they appear (a row's repeated
    // `$k` bound again): its driver looks a named parameter up by walking the statement's
    // list of names, so binding `$1…$n` costs the square of n and held a statement to about
    // 250 values; anonymous ones cost nothing to look up.
    let sqlite = !conn.backend_name().eq_ignore_ascii_case("postgresql");
    let order = placeholders(row);
    // A row with more or fewer values than its template numbers is the caller's mistake:
    // an error on both databases (PostgreSQL would refuse the statement), never a panic or
    // values shifted into the next row.
    let width = order.iter().copied().max().unwrap_or(0);
    if let Some(bad) = rows.iter().find(|r| r.len() != width) {
        return Err(sqlx::Error::Protocol(format!(
            "a row of {} values for the template {row}",
            bad.len()
        ))
        .into());
    }
    if !sqlite {
        return insert_json(conn, head, row, rows, returning).await;
    }
    let n = order.len().max(1);
    let per = (VALUES_PER_STATEMENT / n).clamp(1, 1000);
    let anonymous = anonymise(row);
    let mut out = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(per) {
        let mut sql = String::from(head);
        for k in 0..chunk.len() {
            if k > 0 {
                sql.push(',');
            }
            sql.push_str(&anonymous);
        }
        sql.push_str(" RETURNING ");
        sql.push_str(returning);
        let flat: Vec<Bind> = chunk
            .iter()
            .flat_map(|r| order.iter().map(move |k| r[k - 1].clone()))
            .collect();
        out.extend(
            bind_all(sqlx::query(&sql), &flat)
                .fetch_all(&mut *conn)
                .await?,
        );
    }
    Ok(out)
}

/// The numbers k of a row template's `$k`, in the order they appear (repeats included).
fn placeholders(tpl: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut chars = tpl.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            let mut k = 0usize;
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                k = k * 10 + d as usize;
                chars.next();
            }
            out.push(k);
        }
    }
    out
}

/// A row template with every `$k` written as `?`.
fn anonymise(tpl: &str) -> String {
    let mut out = String::with_capacity(tpl.len());
    let mut chars = tpl.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// Rows per statement of [`insert_json`].
const JSON_ROWS_PER_STATEMENT: usize = 1000;

/// PostgreSQL's [`insert_many_returning`]: a thousand rows per statement, sent as one JSON
/// parameter and unpacked by the server, `INSERT INTO t (cols) SELECT … FROM
/// json_to_recordset($1::json) AS x(c1 text, c2 bigint, …)`. A `VALUES` list of thousands
/// of parameters was planned afresh for each execution (custom plans; a tenth of the
/// server's time in an import) and every value encoded as a parameter of its own; this
/// statement has one parameter, is prepared once and planned trivially. A column's type is
/// its binds' kind (text or bigint), as the parameters' types were, so the same assignment
/// casts apply.
async fn insert_json(
    conn: &mut crate::Conn,
    head: &str,
    row: &str,
    rows: &[Vec<Bind>],
    returning: &str,
) -> Result<Vec<sqlx::any::AnyRow>, crate::StoreError> {
    let Some(first) = rows.first() else {
        return Ok(Vec::new());
    };
    let target = head.trim_end();
    let target = target.strip_suffix("VALUES").unwrap_or(target).trim_end();
    let tuple = row.trim();
    let tuple = tuple
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(tuple);
    let columns: Vec<String> = first
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let ty = match b {
                Bind::S(_) | Bind::OS(_) => "text",
                Bind::I(_) | Bind::OI(_) => "bigint",
            };
            format!("c{} {ty}", k + 1)
        })
        .collect();
    let sql = format!(
        "{target} SELECT {} FROM json_to_recordset($1::json) AS x({}) RETURNING {returning}",
        columns_of(tuple),
        columns.join(", ")
    );
    use std::fmt::Write;
    let mut out = Vec::with_capacity(rows.len());
    let mut json = String::new();
    for chunk in rows.chunks(JSON_ROWS_PER_STATEMENT) {
        json.clear();
        json.push('[');
        for (r, values) in chunk.iter().enumerate() {
            if r > 0 {
                json.push(',');
            }
            json.push('{');
            for (k, v) in values.iter().enumerate() {
                if k > 0 {
                    json.push(',');
                }
                let _ = write!(json, "\"c{}\":", k + 1);
                match v {
                    Bind::S(s) | Bind::OS(Some(s)) => json_string(&mut json, s),
                    Bind::I(i) | Bind::OI(Some(i)) => {
                        let _ = write!(json, "{i}");
                    }
                    Bind::OS(None) | Bind::OI(None) => json.push_str("null"),
                }
            }
            json.push('}');
        }
        json.push(']');
        out.extend(
            sqlx::query(&sql)
                .bind(json.as_str())
                .fetch_all(&mut *conn)
                .await?,
        );
    }
    Ok(out)
}

/// A row template's tuple with every `$k` written as the record's column `x.ck`.
fn columns_of(tpl: &str) -> String {
    let mut out = String::with_capacity(tpl.len() * 2);
    let mut chars = tpl.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let mut k = 0usize;
        while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
            k = k * 10 + d as usize;
            chars.next();
        }
        out.push_str("x.c");
        out.push_str(&k.to_string());
    }
    out
}

/// Appends `s` as a JSON string.
fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                use std::fmt::Write;
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(crate) fn bind_all<'q>(
    mut q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    binds: &'q [Bind],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for b in binds {
        q = match b {
            Bind::S(s) => q.bind(s.as_str()),
            Bind::I(i) => q.bind(*i),
            Bind::OS(s) => q.bind(s.as_deref()),
            Bind::OI(i) => q.bind(*i),
        };
    }
    q
}

pub async fn list(
    conn: &mut Conn,
    f: &AuditFilter,
    page: PageReq,
) -> Result<Paged<AuditRow>, StoreError> {
    let (w, binds) = where_clause(f);
    let total: i64 = bind_all(
        sqlx::query(&format!("SELECT COUNT(*) AS n FROM audit_log WHERE {w}")),
        &binds,
    )
    .fetch_one(&mut *conn)
    .await?
    .try_get("n")?;
    let n = binds.len();
    let sql = format!(
        "SELECT * FROM audit_log WHERE {w} ORDER BY id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows = bind_all(sqlx::query(&sql), &binds)
        .bind(page.per_page)
        .bind(page.offset())
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .iter()
        .map(AuditRow::from_row)
        .collect::<Result<_, _>>()?;
    Ok(Paged {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Every matching row, newest first, up to `limit` rows (exports).
pub async fn export(
    conn: &mut Conn,
    f: &AuditFilter,
    limit: i64,
) -> Result<Vec<AuditRow>, StoreError> {
    let page = list(
        conn,
        f,
        PageReq {
            page: 1,
            per_page: limit,
        },
    )
    .await?;
    Ok(page.items)
}

/// The distinct action names present in the log (for the filter menu).
pub async fn actions(conn: &mut Conn) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query("SELECT DISTINCT action FROM audit_log ORDER BY action")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| r.try_get("action").map_err(StoreError::from))
        .collect()
}

#[cfg(test)]
mod insert_many_tests {
    #[test]
    fn a_row_template_reads_as_the_json_records_columns() {
        assert_eq!(
            super::columns_of("$1,$2,$11,$11,lower($12)"),
            "x.c1,x.c2,x.c11,x.c11,lower(x.c12)"
        );
    }

    #[test]
    fn text_is_escaped_as_json() {
        let mut s = String::new();
        super::json_string(&mut s, "a\"b\\c\nd\u{1}社");
        assert_eq!(s, r#""a\"b\\c\u000ad\u0001社""#);
    }

    #[test]
    fn a_row_template_reads_as_numbers_in_order_and_as_anonymous_values() {
        let row = "($1,$2,$10,$10,$3)";
        assert_eq!(super::placeholders(row), vec![1, 2, 10, 10, 3]);
        assert_eq!(super::anonymise(row), "(?,?,?,?,?)");
    }
}
