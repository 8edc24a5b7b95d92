//! Goal 6 of the performance work: the statements a district's or a street's reads run carry
//! the distribution key (a condition on an area code), so that on a database distributed by
//! province they would be routed to one province's node. Statements are captured as the
//! PostgreSQL driver reports them (on SQLite the driver runs statements on its own thread,
//! out of a test's reach, and a distributed engine is PostgreSQL anyway).
//!
//! The same capture checks that no read runs one statement per row of what it shows (a
//! list's figures, a page's attachments): a request runs a statement more than twice only
//! when the repetition is bounded by something other than the data (`BOUNDED`).

use super::{concrete, expected, victims};
use crate::common::T;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

/// Tables that would be distributed by province (docs/deployment.md, "Distributing by
/// province"). `areas` is a reference table there: a copy on every node.
const DISTRIBUTED: &[&str] = &[
    "area_populations",
    "facilities",
    "facility_photos",
    "organizations",
    "org_communities",
    "social_workers",
    "posts",
    "worker_subsidies",
    "worker_registrations",
    "cpd_entries",
    "federations",
    "federation_members",
    "incubation_bases",
    "incubations",
    "needs",
    "proposals",
    "proposal_communities",
    "projects",
    "project_communities",
    "applications",
    "application_team",
    "contracts",
    "contract_versions",
    "contract_team",
    "tranches",
    "payments",
    "delivery_logs",
    "delivery_hours",
    "milestone_reports",
    "evaluations",
    "target_snapshots",
    "target_tallies",
    "tally_units",
    "tally_stale",
];

/// Columns that hold an area code (the province is their first two digits).
/// (`grp` is a tally row's street path, `tkey` its kind.)
const PLACE: &[&str] = &[
    "grp",
    "area_code",
    "parent_code",
    "code",
    "district",
    "unit",
    "community",
];

/// Statements that read the whole country on purpose (docs/deployment.md names them): the
/// default year (the latest year with population figures anywhere: one index probe per node)
/// and the register of evaluation agencies' assessors (an agency may evaluate in any district).
/// A signed-in API client's account is found by its token's hash on the coordinator
/// (`users` and `api_tokens` live there); the join names the one organization it acts for.
const NATIONAL: &[&str] = &[
    "SELECT u.*, o.name AS scope_org_name, a.name AS scope_area_name, t.id AS t_id,",
    "SELECT MAX(year) AS y FROM area_populations WHERE year <= $1",
    "SELECT u.id, u.display_name, o.id AS org_id, o.name AS org_name FROM users u JOIN organizations o ON o.id = u.scope_org WHERE u.role = 'evaluator'",
];

/// Statements a request may run more than twice, each bounded by something other than the
/// data: an area and its ancestors (at most the five levels of the division tree), the
/// policy-target snapshot of each level shown, and a project read again by each part of its
/// page that checks access to it.
/// Each is the statement's start and end.
const BOUNDED: &[(&str, &str)] = &[
    (
        "SELECT a.code, a.parent_code, a.level, a.name,",
        " WHERE a.code = $2",
    ),
    (
        "SELECT body, taken_at, taken_by FROM target_snapshots",
        " WHERE year = $1 AND area_code = $2",
    ),
    (
        "SELECT p.id, p.district, p.year, ci.code AS item_code,",
        " WHERE p.id = $1",
    ),
];

#[derive(Debug, PartialEq, Eq)]
enum Routing {
    /// Touches no distributed table.
    Local,
    /// Compares an area-code column: routed to the province(s) of that range.
    ByPlace,
    /// Looks up one record, or the rows of one record, by id: routed by that record's
    /// province, which the request has from the record it loaded in scope.
    ByRecord,
    Unrouted,
}

/// SQL split into identifiers (with their qualifier), `$n`, string literals and operators.
fn tokens(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut it = sql.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let mut end = i + c.len_utf8();
        if c.is_whitespace() {
            continue;
        } else if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
            while let Some(&(j, d)) = it.peek() {
                if d.is_ascii_alphanumeric() || d == '_' || d == '.' {
                    end = j + 1;
                    it.next();
                } else {
                    break;
                }
            }
        } else if c == '\'' {
            for (j, d) in it.by_ref() {
                end = j + 1;
                if d == '\'' {
                    break;
                }
            }
        } else if let Some(&(j, d)) = it.peek() {
            if matches!((c, d), ('>', '=') | ('<', '=') | ('<', '>') | ('|', '|')) {
                end = j + 1;
                it.next();
            }
        }
        out.push(sql[i..end].to_lowercase());
    }
    out
}

fn routing(sql: &str) -> Routing {
    let t = tokens(sql);
    let reads_distributed = t
        .windows(2)
        .any(|w| matches!(w[0].as_str(), "from" | "join") && DISTRIBUTED.contains(&w[1].as_str()));
    if !reads_distributed {
        return Routing::Local;
    }
    let column = |s: &str| s.rsplit('.').next().unwrap_or("").to_owned();
    // The column at `i` compared with a value (`$n`, a literal, or an `IN` list of them),
    // not with another column (a join): `area_code || ''` (a range kept off the index)
    // compares the column too.
    let value = |j: usize| {
        t.get(j).is_some_and(|v| {
            v.starts_with('$') || v.starts_with('\'') || v.chars().all(|c| c.is_ascii_digit())
        })
    };
    let compared = |i: usize| {
        let j = if t.get(i + 1).map(String::as_str) == Some("||") {
            i + 3
        } else {
            i + 1
        };
        match t.get(j).map(String::as_str) {
            Some("=" | ">=" | "<=" | "<" | ">" | "like" | "between") => value(j + 1),
            Some("in") => t.get(j + 1).is_some_and(|p| p == "(") && value(j + 2),
            _ => false,
        }
    };
    if (0..t.len()).any(|i| PLACE.contains(&column(&t[i]).as_str()) && compared(i)) {
        return Routing::ByPlace;
    }
    // A condition after WHERE (the statement's or a subquery's) names one record's id or a
    // parent's id by value (`x.org_id = $3`, `log_id IN ($1, $2)`).
    if let Some(w) = t.iter().position(|s| s == "where") {
        for (i, s) in t.iter().enumerate().skip(w + 1) {
            let c = column(s);
            if (c == "id" || c.ends_with("_id")) && compared(i) {
                return Routing::ByRecord;
            }
        }
    }
    Routing::Unrouted
}

/// The classification itself, on statements of each kind (so the check can fail).
#[test]
fn statements_are_classified_by_what_routes_them() {
    use Routing::*;
    let cases = [
        ("SELECT COUNT(*) AS n FROM users WHERE role = $1", Local),
        ("SELECT * FROM facilities f WHERE f.area_code >= $1 AND f.area_code < $2", ByPlace),
        ("SELECT area_code FROM organizations WHERE status = 'active' AND area_code || '' >= $2", ByPlace),
        ("SELECT * FROM projects p WHERE p.district = $1 ORDER BY id", ByPlace),
        ("SELECT * FROM tranches WHERE contract_id = $1", ByRecord),
        ("SELECT * FROM applications a JOIN projects p ON p.id = a.project_id WHERE 1=1 AND a.org_id = $1", ByRecord),
        ("SELECT h.log_id FROM delivery_hours h WHERE h.log_id IN ($1,$2)", ByRecord),
        ("SELECT * FROM social_workers WHERE status = 'active' ORDER BY name", Unrouted),
        ("SELECT p.district, o.name FROM contracts k JOIN organizations o ON o.id = k.org_id WHERE k.state = $1", Unrouted),
        ("SELECT COUNT(*) AS n FROM needs", Unrouted),
        // Compared with another column (a join), not with a value: not routed.
        ("SELECT * FROM areas a LEFT JOIN area_populations p ON p.area_code = a.code WHERE a.parent_code IS NULL", Unrouted),
        // An id compared with a column (a join) does not route the statement.
        ("SELECT * FROM needs n JOIN posts p ON p.id = n.post_id WHERE n.status = 'open'", Unrouted),
        ("SELECT * FROM projects p WHERE EXISTS (SELECT 1 FROM project_communities pc WHERE pc.project_id = p.id AND pc.area_code >= $1)", ByPlace),
        ("SELECT COUNT(*) AS n FROM social_workers w WHERE 1=1 AND $1 = $2 AND w.employer_org_id = $3", ByRecord),
        ("SELECT * FROM needs n WHERE (SELECT COUNT(*) FROM posts p WHERE p.need_id = n.id) > 0", Unrouted),
        ("SELECT 'from needs' AS x FROM users", Local),
    ];
    for (sql, want) in cases {
        assert_eq!(routing(sql), want, "{sql}");
    }
}

#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        #[derive(Default)]
        struct Sql {
            summary: String,
            statement: String,
        }
        impl tracing::field::Visit for Sql {
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                match f.name() {
                    "summary" => self.summary = v.to_owned(),
                    "db.statement" => self.statement = v.to_owned(),
                    _ => {}
                }
            }
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                match f.name() {
                    "summary" => self.summary = format!("{v:?}"),
                    "db.statement" => self.statement = format!("{v:?}"),
                    _ => {}
                }
            }
        }
        let mut sql = Sql::default();
        event.record(&mut sql);
        let s = if sql.statement.trim().is_empty() {
            sql.summary
        } else {
            sql.statement
        };
        self.0
            .lock()
            .unwrap()
            .push(s.split_whitespace().collect::<Vec<_>>().join(" "));
    }
}

#[tokio::test]
async fn a_scoped_accounts_reads_carry_the_distribution_key_and_run_no_statement_per_row() {
    sanshe_store::TIME_STATEMENTS.store(true, std::sync::atomic::Ordering::Relaxed);
    let t = T::new().await;
    if t.app.db.backend != sanshe_store::Backend::Postgres {
        eprintln!("statements are captured on PostgreSQL only");
        return;
    }
    let records = victims(&t).await;
    let captured = Statements::default();
    use tracing_subscriber::layer::SubscriberExt;
    let sub = tracing_subscriber::registry().with(captured.clone());
    let _guard = tracing::subscriber::set_default(sub);
    let mut by_route: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut repeated = Vec::new();
    // SANSHE_STATEMENT_COUNTS=FILE writes how many statements each request ran (the figures
    // in docs/benchmarks.md, "Statements per request").
    let counts = std::env::var("SANSHE_STATEMENT_COUNTS").ok();
    let mut counts_out = String::new();
    for who in ["district", "street", "community", "org"] {
        let tok = t.token_for(who).await;
        let mut s = t.login(who).await;
        for ((method, path), allowed) in expected() {
            if method != "get" || !(allowed.contains(&who) || allowed.contains(&"auth")) {
                continue;
            }
            let url = concrete(path, 0, &records);
            captured.0.lock().unwrap().clear();
            let r = if path.starts_with("/api/v1") {
                t.api("GET", &url, Some(&tok), None).await
            } else {
                t.get(&mut s, &url).await
            };
            assert!(!r.status.is_server_error(), "{url}: {}", r.status);
            let got: Vec<String> = captured.0.lock().unwrap().drain(..).collect();
            if let Some(f) = &counts {
                counts_out.push_str(&format!("{who}\t{url}\t{}\n", got.len()));
                std::fs::write(f, &counts_out).unwrap();
            }
            let mut times: BTreeMap<&str, usize> = BTreeMap::new();
            for st in &got {
                *times.entry(st.as_str()).or_default() += 1;
            }
            for (st, n) in times {
                if n > 2
                    && !BOUNDED
                        .iter()
                        .any(|(a, z)| st.starts_with(a) && st.ends_with(z))
                {
                    repeated.push(format!("{who} GET {url}: {n} times {st}"));
                }
            }
            for st in got {
                by_route
                    .entry(st)
                    .or_default()
                    .insert(format!("{who} {path}"));
            }
        }
    }
    let mut unrouted = Vec::new();
    for (st, routes) in &by_route {
        if routing(st) == Routing::Unrouted && !NATIONAL.iter().any(|n| st.starts_with(n)) {
            unrouted.push(format!(
                "{st}\n    run by {}",
                routes
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    assert!(
        by_route.len() > 100,
        "statements were captured: {}",
        by_route.len()
    );
    assert!(
        repeated.is_empty(),
        "statements run once per row of a list (read them for all rows at once):\n{}",
        repeated.join("\n")
    );
    assert!(
        unrouted.is_empty(),
        "{} statements read a distributed table without an area-code condition or a record's id:\n{}",
        unrouted.len(),
        unrouted.join("\n")
    );
}
