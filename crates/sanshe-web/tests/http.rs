//! The integration suite: in-process HTTP against a real database (SQLite by default,
//! PostgreSQL when SANSHE_TEST_DATABASE_URL is set).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod calendar;
mod common;
mod kernel;
mod needs;
mod registries;

use axum::http::StatusCode;
use common::{Session, T};
use sanshe_app::config::{Secret, Settings};
use serde_json::json;
use std::collections::{BTreeMap, HashMap, HashSet};

const ROLES: [&str; 10] = [
    "district",
    "street",
    "community",
    "org",
    "worker",
    "evaluator",
    "resident",
    "sysadmin",
    "secadmin",
    "auditadmin",
];
const COMMUNITY: &str = "320412100002"; // in the demo street 湖塘镇

/// Who may use each route. "public": everyone including anonymous; "auth": every signed-in
/// role. Written by hand on purpose: it is the specification the code is checked against.
fn expected() -> BTreeMap<(&'static str, &'static str), Vec<&'static str>> {
    let public = vec!["public"];
    let auth = vec!["auth"];
    let area_read = vec!["district", "street", "community", "sysadmin", "secadmin"];
    let area_write = vec!["district", "street", "community"];
    let area_import = vec!["district", "sysadmin"];
    let user_read = vec!["sysadmin", "secadmin"];
    let sys = vec!["sysadmin"];
    let sec = vec!["secadmin"];
    let audit = vec!["auditadmin"];
    let calendar_read = vec![
        "district",
        "street",
        "community",
        "org",
        "worker",
        "evaluator",
        "sysadmin",
    ];
    let calendar_write = vec!["district"];
    let needs_any = vec!["district", "street", "community", "resident"];
    let needs_staff = vec!["district", "street", "community"];
    let proposal_write = vec!["district", "street"];
    let district = vec!["district"];
    let mut m = BTreeMap::new();
    for (k, v) in [
        (("get", "/healthz"), &public),
        (("get", "/readyz"), &public),
        (("get", "/metrics"), &public),
        (("get", "/static/app.css"), &public),
        (("get", "/static/favicon.svg"), &public),
        (("get", "/api/openapi.json"), &public),
        (("get", "/api/docs"), &public),
        (("get", "/login"), &public),
        (("post", "/login"), &public),
        (("get", "/lang/{code}"), &public),
        (("post", "/logout"), &public),
        // Anonymous visitors are sent to the public portal, not refused.
        (("get", "/"), &public),
        (("get", "/areas"), &area_read),
        (("get", "/areas/export/{format}"), &area_read),
        (("get", "/areas/import"), &area_import),
        (("post", "/areas/import"), &area_import),
        (("get", "/areas/import/template.csv"), &area_import),
        (("get", "/areas/{code}"), &area_read),
        (("get", "/areas/{code}/edit"), &area_write),
        (("post", "/areas/{code}/edit"), &area_write),
        (("post", "/areas/{code}/population"), &area_write),
        (("get", "/users"), &user_read),
        (("get", "/users/new"), &sys),
        (("post", "/users/new"), &sys),
        (("get", "/users/{id}"), &user_read),
        (("post", "/users/{id}/lock"), &sys),
        (("post", "/users/{id}/unlock"), &sys),
        (("post", "/users/{id}/password"), &sys),
        (("post", "/users/{id}/role"), &sec),
        (("get", "/account"), &auth),
        (("post", "/account/password"), &auth),
        (("post", "/account/tokens"), &auth),
        (("post", "/account/tokens/{id}/revoke"), &auth),
        (("get", "/audit"), &audit),
        (("get", "/audit/export/{format}"), &audit),
        (("post", "/audit/verify"), &audit),
        (("get", "/public"), &public),
        (("get", "/needs"), &needs_any),
        (("get", "/needs/new"), &needs_any),
        (("post", "/needs/new"), &needs_any),
        (("get", "/needs/stats"), &needs_staff),
        (("get", "/needs/export/{format}"), &needs_staff),
        (("get", "/needs/{id}"), &needs_any),
        (("post", "/needs/{id}/transition"), &needs_any),
        (("post", "/needs/{id}/reveal"), &needs_any),
        (("post", "/needs/{id}/attachments"), &needs_any),
        (("get", "/needs/{id}/attachments/{aid}"), &needs_any),
        (("post", "/needs/{id}/attachments/{aid}/delete"), &needs_any),
        (("get", "/proposals"), &needs_staff),
        (("get", "/proposals/new"), &proposal_write),
        (("post", "/proposals/new"), &proposal_write),
        (("get", "/proposals/{id}"), &needs_staff),
        (("post", "/proposals/{id}/transition"), &needs_staff),
        (("get", "/inbox"), &auth),
        (("post", "/inbox/read-all"), &auth),
        (("post", "/inbox/{id}/open"), &auth),
        (("get", "/calendar"), &calendar_read),
        (("post", "/calendar"), &calendar_write),
        (("post", "/calendar/import"), &calendar_write),
        (("post", "/calendar/{day}/delete"), &calendar_write),
        (("get", "/api/v1/me"), &auth),
        (("get", "/api/v1/areas"), &area_read),
        (("post", "/api/v1/areas/import"), &area_import),
        (("get", "/api/v1/areas/{code}"), &area_read),
        (("patch", "/api/v1/areas/{code}"), &area_write),
        (
            ("put", "/api/v1/areas/{code}/populations/{year}"),
            &area_write,
        ),
        (("get", "/api/v1/users"), &user_read),
        (("post", "/api/v1/users"), &sys),
        (("get", "/api/v1/users/{id}"), &user_read),
        (("post", "/api/v1/users/{id}/lock"), &sys),
        (("post", "/api/v1/users/{id}/unlock"), &sys),
        (("put", "/api/v1/users/{id}/role"), &sec),
        (("get", "/api/v1/tokens"), &auth),
        (("post", "/api/v1/tokens"), &auth),
        (("delete", "/api/v1/tokens/{id}"), &auth),
        (("get", "/api/v1/audit"), &audit),
        (("post", "/api/v1/audit/verify"), &audit),
        (("get", "/api/v1/needs"), &needs_any),
        (("post", "/api/v1/needs"), &needs_any),
        (("get", "/api/v1/needs/categories"), &auth),
        (("get", "/api/v1/needs/stats"), &needs_staff),
        (("get", "/api/v1/needs/{id}"), &needs_any),
        (("post", "/api/v1/needs/{id}/transitions"), &needs_staff),
        (("post", "/api/v1/needs/{id}/contact"), &needs_any),
        (("get", "/api/v1/needs/{id}/attachments"), &needs_any),
        (("post", "/api/v1/needs/{id}/attachments"), &needs_any),
        (("get", "/api/v1/needs/{id}/attachments/{aid}"), &needs_any),
        (
            ("delete", "/api/v1/needs/{id}/attachments/{aid}"),
            &needs_any,
        ),
        (("get", "/api/v1/proposals"), &needs_staff),
        (("post", "/api/v1/proposals"), &proposal_write),
        (("get", "/api/v1/proposals/{id}"), &needs_staff),
        (("post", "/api/v1/proposals/{id}/transitions"), &district),
        (("get", "/api/v1/inbox"), &auth),
        (("post", "/api/v1/inbox/{id}/read"), &auth),
        (("get", "/api/v1/calendar"), &calendar_read),
        (("get", "/api/v1/calendar/deadline"), &calendar_read),
        (("post", "/api/v1/calendar/import"), &calendar_write),
        (("put", "/api/v1/calendar/{day}"), &calendar_write),
        (("delete", "/api/v1/calendar/{day}"), &calendar_write),
    ] {
        m.insert(k, v.clone());
    }
    let staff = vec!["district", "street", "community"];
    let district = vec!["district"];
    let supervise = vec!["district", "street"];
    let org_list = vec!["district", "street", "community", "org"];
    // The organization record used is the demo organization, registered at street level:
    // the community account does not reach it, the organization account does.
    let org_one = vec!["district", "street", "org"];
    let worker_all = vec!["district", "street", "community", "org", "worker"];
    let worker_new = vec!["district", "street", "community", "org"];
    for (k, v) in [
        (("get", "/imports/{job}"), &auth),
        (("get", "/networks"), &staff),
        (("post", "/networks"), &supervise),
        (("get", "/networks/export/{format}"), &staff),
        (("get", "/api/v1/networks"), &staff),
        (("post", "/api/v1/networks"), &supervise),
        (("get", "/targets"), &staff),
        (("get", "/targets/export.xlsx"), &staff),
        (("post", "/targets/snapshot"), &district),
        (("get", "/policy"), &staff),
        (("get", "/policy/{year}"), &staff),
        (("post", "/policy/{year}"), &district),
        (("post", "/facilities/{id}/photos"), &staff),
        (("get", "/facilities/{id}/photos/{pid}"), &staff),
        (("get", "/facilities/{id}/photos/{pid}/delete"), &staff),
        (("post", "/facilities/{id}/photos/{pid}/delete"), &staff),
        (("get", "/api/v1/facilities/{id}/photos"), &staff),
        (("post", "/api/v1/facilities/{id}/photos"), &staff),
        (("get", "/api/v1/facilities/{id}/photos/{pid}"), &staff),
        (("delete", "/api/v1/facilities/{id}/photos/{pid}"), &staff),
        (("post", "/workers/{id}/cpd"), &worker_all),
        (("get", "/workers/cpd/import"), &worker_all),
        (("post", "/workers/cpd/import"), &worker_all),
        (("get", "/workers/cpd/template.xlsx"), &worker_all),
        (("post", "/api/v1/social-workers/cpd/import"), &worker_all),
        (("post", "/workers/{id}/subsidies"), &supervise),
        (("post", "/api/v1/social-workers/{id}/cpd"), &worker_all),
        (
            ("post", "/api/v1/social-workers/{id}/subsidies"),
            &supervise,
        ),
        (
            ("post", "/api/v1/organizations/{id}/fund-entries"),
            &org_one,
        ),
        (("post", "/orgs/{id}/fund"), &org_one),
        (("get", "/orgs/{id}/fund/export/{format}"), &org_one),
        (("get", "/api/v1/targets"), &staff),
        (("post", "/api/v1/targets/snapshot"), &district),
        (("get", "/api/v1/policy/{year}"), &staff),
        (("put", "/api/v1/policy/{year}"), &district),
    ] {
        m.insert(k, v.clone());
    }
    // Every registry's pages and API: (page prefix, API prefix, list, create, one record).
    for (page, api, list, create, one) in [
        ("/facilities", "/api/v1/facilities", &staff, &staff, &staff),
        ("/posts", "/api/v1/posts", &staff, &staff, &staff),
        (
            "/orgs",
            "/api/v1/organizations",
            &org_list,
            &staff,
            &org_one,
        ),
        (
            "/workers",
            "/api/v1/social-workers",
            &worker_all,
            &worker_new,
            &worker_all,
        ),
    ] {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        for (method, suffix, who) in [
            ("get", "", list),
            ("get", "/export/{format}", list),
            ("get", "/new", create),
            ("post", "/new", create),
            ("get", "/import", create),
            ("post", "/import", create),
            ("get", "/template.xlsx", create),
            ("get", "/{id}", one),
            ("get", "/{id}/edit", one),
            ("post", "/{id}/edit", one),
            ("get", "/{id}/delete", one),
            ("post", "/{id}/delete", one),
        ] {
            m.insert((method, leak(format!("{page}{suffix}"))), who.clone());
        }
        for (method, suffix, who) in [
            ("get", "", list),
            ("post", "", create),
            ("post", "/import", create),
            ("get", "/{id}", one),
            ("patch", "/{id}", one),
            ("delete", "/{id}", one),
        ] {
            m.insert((method, leak(format!("{api}{suffix}"))), who.clone());
        }
    }
    m
}

/// Records the matrix acts on: ids per registry (facility and post in the community
/// account's community, the demo organization, the demo social worker's own record).
async fn victims(t: &T) -> HashMap<&'static str, i64> {
    use sanshe_app::registry::{self as reg};
    let cli = sanshe_app::Ctx::cli();
    let fac = reg::create::<sanshe_app::facilities::Facilities>(
        &t.app,
        &cli,
        &[COMMUNITY, "矩阵测试服务点", "point", "80", "", "", "", ""].map(String::from),
    )
    .await
    .unwrap();
    let post = reg::create::<sanshe_app::posts::Posts>(
        &t.app,
        &cli,
        &[COMMUNITY, "矩阵测试岗位", "false", "false", ""].map(String::from),
    )
    .await
    .unwrap();
    // A need raised by the demo resident in COMMUNITY, and a proposal of the demo street
    // grouping another need of COMMUNITY (so every staff level and the resident reach them).
    let rtok = t.token_for("resident").await;
    let need = t
        .api(
            "POST",
            "/api/v1/needs",
            Some(&rtok),
            Some(json!({"area": COMMUNITY, "category": "other", "title": "矩阵需求", "description": "矩阵测试", "people": 2})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let ctok = t.token_for("community").await;
    let other = t
        .api(
            "POST",
            "/api/v1/needs",
            Some(&ctok),
            Some(json!({"area": COMMUNITY, "category": "other", "title": "矩阵需求二", "description": "矩阵测试", "people": 3, "channel": "phone"})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/needs/{other}/transitions"),
            Some(&ctok),
            Some(json!({"event": "accept"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let stok = t.token_for("street").await;
    let r = t
        .api(
            "POST",
            "/api/v1/proposals",
            Some(&stok),
            Some(json!({"title": "矩阵建议", "category": "other", "needs": [other]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let proposal = r.json()["id"].as_i64().unwrap();
    let org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let uid = t.user_id("worker").await;
    let worker = t.worker_of_user(uid).await;
    HashMap::from([
        ("/facilities", fac),
        ("/api/v1/facilities", fac),
        ("/posts", post),
        ("/api/v1/posts", post),
        ("/orgs", org),
        ("/api/v1/organizations", org),
        ("/workers", worker),
        ("/api/v1/social-workers", worker),
        ("/needs", need),
        ("/api/v1/needs", need),
        ("/proposals", proposal),
        ("/api/v1/proposals", proposal),
    ])
}

fn concrete(path: &str, victim: i64, records: &HashMap<&'static str, i64>) -> String {
    let victim = records
        .iter()
        .find(|(p, _)| path.starts_with(&format!("{p}/")))
        .map(|(_, id)| *id)
        .unwrap_or(victim);
    path.replace("{pid}", "1")
        .replace("{aid}", "1")
        .replace(
            "{code}",
            if path.starts_with("/lang") {
                "en"
            } else {
                COMMUNITY
            },
        )
        .replace("{format}", "csv")
        .replace("{day}", "2025-10-01")
        .replace("/deadline", "/deadline?from=2025-01-27&days=5")
        .replace("{year}", "2025")
        .replace("/tokens/{id}", "/tokens/999999")
        .replace("{id}", &victim.to_string())
}

fn api_body(method: &str, path: &str) -> Option<serde_json::Value> {
    match (method, path) {
        ("patch", p) if p.starts_with("/api/v1/areas/") => Some(json!({"name": "测试社区居委会"})),
        ("put", p) if p.contains("/populations/") => {
            Some(json!({"residents": 5000, "households": 2000}))
        }
        ("post", "/api/v1/users") => Some(
            json!({"username": "newbie", "display_name": "新人", "role": "resident", "password": "short"}),
        ),
        ("put", p) if p.ends_with("/role") => Some(json!({"role": "resident"})),
        ("post", "/api/v1/tokens") => Some(json!({"name": ""})),
        ("post", "/api/v1/targets/snapshot") => Some(json!({"area": COMMUNITY, "year": 2025})),
        ("put", p) if p.starts_with("/api/v1/policy/") => Some(json!({})),
        ("patch", _) => Some(json!({})),
        ("post", "/api/v1/networks") => Some(json!({"action": "none"})),
        ("post", "/api/v1/needs") => Some(
            json!({"area": COMMUNITY, "category": "other", "title": "矩阵", "description": "矩阵测试", "people": 1}),
        ),
        ("post", p) if p.starts_with("/api/v1/needs/") && p.ends_with("/transitions") => {
            Some(json!({"event": "accept"}))
        }
        ("post", p) if p.starts_with("/api/v1/proposals/") && p.ends_with("/transitions") => {
            Some(json!({"event": "adopt"}))
        }
        ("post", "/api/v1/proposals") => Some(json!({"title": "", "category": "", "needs": []})),
        ("put", p) if p.starts_with("/api/v1/calendar/") => {
            Some(json!({"kind": "holiday", "name": "国庆节"}))
        }
        ("post", p)
            if p.ends_with("/cpd") || p.ends_with("/subsidies") || p.ends_with("/fund-entries") =>
        {
            Some(json!({}))
        }
        _ => None,
    }
}

#[tokio::test]
async fn every_route_for_every_role_is_decided() {
    let t = T::new().await;
    // A victim account for lock/unlock/role routes.
    sanshe_app::accounts::create_user(
        &t.app,
        &sanshe_app::Ctx::cli(),
        &sanshe_app::accounts::NewUserInput {
            username: "victim".into(),
            display_name: "V".into(),
            role: "resident".into(),
            scope: None,
            password: "Strong#2026x".into(),
        },
    )
    .await
    .unwrap();
    let victim = t.user_id("victim").await;
    let records = victims(&t).await;
    let matrix = expected();
    let routes: HashSet<(&str, &str)> = sanshe_web::route_list()
        .iter()
        .map(|r| (r.method, r.path))
        .collect();
    let specified: HashSet<(&str, &str)> = matrix.keys().copied().collect();
    let unspecified: Vec<_> = routes.difference(&specified).collect();
    assert!(
        unspecified.is_empty(),
        "routes without an expected decision: {unspecified:?}"
    );
    let stale: Vec<_> = specified.difference(&routes).collect();
    assert!(
        stale.is_empty(),
        "decisions for routes that do not exist: {stale:?}"
    );

    let mut sessions: HashMap<&str, Session> = HashMap::new();
    let mut tokens: HashMap<&str, String> = HashMap::new();
    for r in ROLES {
        sessions.insert(r, t.login(r).await);
        tokens.insert(r, t.token_for(r).await);
    }
    let mut failures = Vec::new();
    for ((method, path), allowed) in &matrix {
        let url = concrete(path, victim, &records);
        for who in ROLES.iter().copied().chain(["anonymous"]) {
            let may = allowed.contains(&"public")
                || (allowed.contains(&"auth") && who != "anonymous")
                || allowed.contains(&who);
            let r = if path.starts_with("/api/v1") {
                let tok = tokens.get(who).map(String::as_str);
                t.api(&method.to_uppercase(), &url, tok, api_body(method, path))
                    .await
            } else {
                let mut s = sessions.get(who).cloned().unwrap_or_default();
                if who == "anonymous" {
                    let page = t.get(&mut s, "/login").await;
                    s.csrf = common::csrf_in(&page.body);
                }
                match *method {
                    "get" => t.get(&mut s, &url).await,
                    _ if path.ends_with("/import") || path.ends_with("/photos") => {
                        t.post_multipart(&mut s, &url, None, "all").await
                    }
                    // logging out would end the shared session; a fresh one is used instead
                    _ if *path == "/logout" && who != "anonymous" => {
                        let mut fresh = t.login(who).await;
                        t.post(&mut fresh, &url, &[]).await
                    }
                    _ => t.post(&mut s, &url, &[]).await,
                }
            };
            let denied = matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                || (r.status == StatusCode::SEE_OTHER
                    && r.location().starts_with("/login")
                    && *path != "/logout");
            // A server error is never a decision: it fails the test whoever asked.
            if r.status.is_server_error() {
                failures.push(format!(
                    "{method} {url} as {who}: server error {}",
                    r.status
                ));
            } else if may == denied {
                failures.push(format!(
                    "{method} {url} as {who}: expected {}, got {}",
                    if may { "allow" } else { "deny" },
                    r.status
                ));
            }
        }
        // Unlock the victim again so later routes see the same state.
        sanshe_app::accounts::set_locked(&t.app, &sanshe_app::Ctx::cli(), victim, false)
            .await
            .unwrap();
    }
    assert!(
        failures.is_empty(),
        "{} wrong decisions:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn the_demo_district_is_wujin_with_its_real_divisions() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let r = t
        .api(
            "GET",
            "/api/v1/areas?level=street&per_page=200",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["page"]["total"], 18);
    let r = t
        .api(
            "GET",
            "/api/v1/areas?level=community&per_page=1",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.json()["page"]["total"], 297);
    let r = t.api("GET", "/api/v1/areas/320412", Some(&tok), None).await;
    let j = r.json();
    assert_eq!(j["area"]["name"], "武进区");
    assert_eq!(j["area"]["demo"], true);
    let district_residents = j["area"]["residents"].as_i64().unwrap();
    // District population is the sum of its communities.
    let all = t
        .api(
            "GET",
            "/api/v1/areas?level=community&per_page=200",
            Some(&tok),
            None,
        )
        .await
        .json();
    let all2 = t
        .api(
            "GET",
            "/api/v1/areas?level=community&per_page=200&page=2",
            Some(&tok),
            None,
        )
        .await
        .json();
    let sum: i64 = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(all2["items"].as_array().unwrap())
        .map(|a| a["residents"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, district_residents);
    // Chinese substring search
    let r = t
        .api(
            "GET",
            "/api/v1/areas?q=%E6%B9%96%E5%A1%98",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert!(r["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "湖塘镇"));
}

#[tokio::test]
async fn each_role_sees_only_its_scope() {
    let t = T::new().await;
    let street = t.token_for("street").await;
    let r = t
        .api("GET", "/api/v1/areas?per_page=200", Some(&street), None)
        .await
        .json();
    let items = r["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items
        .iter()
        .all(|a| a["code"].as_str().unwrap().starts_with("320412100")));
    // another town's community is forbidden
    assert_eq!(
        t.api("GET", "/api/v1/areas/320412102001", Some(&street), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // asking for a subtree outside the scope yields nothing
    let r = t
        .api("GET", "/api/v1/areas?within=320412102", Some(&street), None)
        .await
        .json();
    assert_eq!(r["page"]["total"], 0);
    let community = t.token_for("community").await;
    let r = t
        .api("GET", "/api/v1/areas?per_page=200", Some(&community), None)
        .await
        .json();
    assert_eq!(r["page"]["total"], 1);
    // and pages agree
    let mut s = t.login("community").await;
    assert_eq!(
        t.get(&mut s, "/areas/320412100").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get(&mut s, &format!("/areas/{COMMUNITY}")).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_audit_log_is_append_only_and_records_changes() {
    let t = T::new().await;
    let mut s = t.login("district").await;
    let before = t.audit_count("area.update").await;
    let r = t
        .post(
            &mut s,
            &format!("/areas/{COMMUNITY}/edit"),
            &[("name", "改名社区居委会"), ("urban", "rural")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.audit_count("area.update").await, before + 1);
    // Only the audit administrator reads it.
    let mut a = t.login("auditadmin").await;
    let page = t.get(&mut a, "/audit?action=area.update").await;
    assert!(page.body.contains("改名社区居委会"), "{}", page.body);
    let csv = t.get(&mut a, "/audit/export/csv?action=area.update").await;
    assert!(csv.body.contains("area.update"));
    let xlsx = t.get(&mut a, "/audit/export/xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(t.get(&mut s, "/audit").await.status, StatusCode::FORBIDDEN);
    // The database refuses updates and deletes.
    let mut c = t.app.db.acquire().await.unwrap();
    let upd = sqlx::query("UPDATE audit_log SET summary = 'tampered'")
        .execute(&mut *c)
        .await;
    assert!(upd.is_err(), "update of the audit log must fail");
    let del = sqlx::query("DELETE FROM audit_log").execute(&mut *c).await;
    assert!(del.is_err(), "delete from the audit log must fail");
    drop(c);
    assert!(t.audit_count("area.update").await >= 1);
    // Every entry has actor, action, object, outcome and request id.
    let tok = t.token_for("auditadmin").await;
    let j = t
        .api("GET", "/api/v1/audit?action=area.update", Some(&tok), None)
        .await
        .json();
    let e = &j["items"][0];
    assert_eq!(e["actor_name"], "district");
    assert_eq!(e["object_id"], COMMUNITY);
    assert_eq!(e["outcome"], "success");
    assert!(!e["request_id"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_an_admin_unlocks_it() {
    let t = T::new().await;
    for i in 0..4 {
        let (_, r) = t.try_login("resident", "wrong-password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (_, r) = t.try_login("resident", "wrong-password").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "fifth failure locks");
    assert!(r.body.contains("锁定"), "{}", r.body);
    // Even the right password is refused now.
    let (_, r) = t
        .try_login("resident", sanshe_app::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.audit_count("lockout").await, 1);
    // The system administrator unlocks.
    let mut admin = t.login("sysadmin").await;
    let id = t.user_id("resident").await;
    let r = t
        .post(&mut admin, &format!("/users/{id}/unlock"), &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    t.login("resident").await;
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_rejected_and_change_nothing() {
    let t = T::new().await;
    let mut s = t.login("district").await;
    let good = s.csrf.clone();
    s.csrf = "0".repeat(64);
    let r = t
        .post(
            &mut s,
            &format!("/areas/{COMMUNITY}/edit"),
            &[("name", "被篡改"), ("urban", "urban")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    s.csrf = String::new();
    let r = t
        .post(
            &mut s,
            &format!("/areas/{COMMUNITY}/edit"),
            &[("name", "被篡改"), ("urban", "urban")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    s.csrf = good;
    let page = t.get(&mut s, &format!("/areas/{COMMUNITY}")).await;
    assert!(!page.body.contains("被篡改"));
    // Login too needs the double-submit token.
    let mut anon = Session::default();
    let r = t
        .post(
            &mut anon,
            "/login",
            &[
                ("username", "district"),
                ("password", sanshe_app::demo::DEMO_PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn idle_sessions_expire() {
    let t = T::new().await;
    let mut s = t.login("district").await;
    assert_eq!(t.get(&mut s, "/").await.status, StatusCode::OK);
    let hash = sanshe_app::security::sm3_hex(&s.session_token().unwrap());
    let mut c = t.app.db.acquire().await.unwrap();
    let idle = t.app.settings.session_idle_minutes * 60;
    sanshe_store::sessions::set_last_seen(&mut c, &hash, sanshe_store::audit::now() - idle - 5)
        .await
        .unwrap();
    drop(c);
    // The session is gone: a page that needs one sends the browser to sign in, and the
    // home page to the public portal.
    let r = t.get(&mut s, "/targets").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login"), "{}", r.location());
    let r = t.get(&mut s, "/").await;
    assert_eq!(r.location(), "/public");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let t = T::new().await;
    let mut s = t.login("street").await;
    let r = t.post(&mut s, "/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let old = s.clone();
    let mut again = old;
    let r = t.get(&mut again, "/areas").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn division_import_validates_every_row_and_writes_nothing_on_error() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let count = |t: &T| {
        let app = t.app.clone();
        async move { sanshe_app::areas::count(&app).await.unwrap() }
    };
    let before = count(&t).await;
    let bad = "code,name,streetCode,provinceCode,cityCode,areaCode\n\
        320412100901,坏代码,320412100,32,3204,320412\n\
        320412100301,新村村委会,320412100,32,3204,320412\n\
        320412100301,重复村,320412100,32,3204,320412\n\
        320412199001,无上级社区,320412199,32,3204,320412\n\
        320411001001,外区社区,320411001,32,3204,320411\n\
        320412100302,,320412100,32,3204,320412\n\
        320412100303,错上级,320412102,32,3204,320412\n";
    let req = axum::http::Request::post("/api/v1/areas/import")
        .header("authorization", format!("Bearer {tok}"))
        .header("accept-language", "en")
        .header("content-type", "text/csv")
        .body(axum::body::Body::from(bad))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let j = r.json();
    assert_eq!(j["committed"], false);
    let rows: Vec<i64> = j["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, vec![2, 4, 5, 6, 7, 8], "{j}");
    let codes: Vec<&str> = j["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec![
            "err-area-code-committee",
            "err-import-duplicate",
            "err-import-parent-missing",
            "err-import-out-of-scope",
            "err-required",
            "err-import-parent-mismatch"
        ]
    );
    assert!(j["issues"][1]["message"]
        .as_str()
        .unwrap()
        .contains("row 3"));
    assert_eq!(count(&t).await, before, "nothing written");
    // Only the valid rows, on request.
    let req = axum::http::Request::post("/api/v1/areas/import?only_valid=true")
        .header("authorization", format!("Bearer {tok}"))
        .body(axum::body::Body::from(bad))
        .unwrap();
    let j = t.send(req).await.json();
    assert_eq!(j["inserted"], 1);
    assert_eq!(count(&t).await, before + 1);
    // The same through the page, by upload.
    let mut s = t.login("district").await;
    let r = t
        .post_multipart(
            &mut s,
            "/areas/import",
            Some(b"code,name,areaCode\n320412121,new town,320412\n320412121,dup,320412\n"),
            "all",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("重复"), "{}", r.body);
    let r = t
        .post_multipart(
            &mut s,
            "/areas/import",
            Some(b"code,name,areaCode\n320412121,new town,320412\n"),
            "dry_run",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(count(&t).await, before + 1, "dry run writes nothing");
    let r = t
        .post_multipart(
            &mut s,
            "/areas/import",
            Some("code,name,areaCode\n320412121,新镇,320412\n".as_bytes()),
            "all",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(count(&t).await, before + 2);
    assert!(t.audit_count("area.import").await >= 2);
    // Not UTF-8
    let r = t
        .post_multipart(
            &mut s,
            "/areas/import",
            Some(b"code,name,areaCode\n320412122,\xb3\xa3,320412\n"),
            "all",
        )
        .await;
    assert!(r.body.contains("UTF-8"));
}

#[tokio::test]
async fn forms_show_localised_errors_beside_fields() {
    let t = T::new().await;
    let mut s = t.login("sysadmin").await;
    let r = t
        .post(
            &mut s,
            "/users/new",
            &[
                ("username", "a"),
                ("display_name", ""),
                ("role", "district_admin"),
                ("scope", "320412100"),
                ("password", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "用户名为 3–64 位",
        "此项必填",
        "区划层级与角色不符",
        "密码至少 10 位",
    ] {
        assert!(r.body.contains(msg), "missing {msg}");
    }
    assert!(r.body.contains("aria-invalid=\"true\""));
    // Admin roles are not the system administrator's to hand out.
    let r = t
        .post(
            &mut s,
            "/users/new",
            &[
                ("username", "boss"),
                ("display_name", "B"),
                ("role", "audit_admin"),
                ("scope", ""),
                ("password", "Good#Pass2026"),
            ],
        )
        .await;
    assert!(r.body.contains("只能由安全管理员分配"));
    let r = t
        .post(
            &mut s,
            "/users/new",
            &[
                ("username", "zhang.san"),
                ("display_name", "张三"),
                ("role", "street_staff"),
                ("scope", "320412102"),
                ("password", "Good#Pass2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    t.try_login("zhang.san", "Good#Pass2026")
        .await
        .1
        .status
        .eq(&StatusCode::SEE_OTHER)
        .then_some(())
        .unwrap();
    // English
    let mut e = t.login("sysadmin").await;
    t.get(&mut e, "/lang/en?next=/").await;
    let r = t
        .post(
            &mut e,
            "/users/new",
            &[
                ("username", "zhang.san"),
                ("display_name", "x"),
                ("role", "resident"),
                ("scope", ""),
                ("password", "Good#Pass2026"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("This user name is taken"), "{}", r.body);
    assert!(r.body.contains("lang=\"en\""));
}

#[tokio::test]
async fn the_api_speaks_one_error_shape_in_the_request_language() {
    let t = T::new().await;
    let r = t.api("GET", "/api/v1/areas", None, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["error"]["code"], "unauthenticated");
    let tok = t.token_for("district").await;
    let r = t
        .api("GET", "/api/v1/areas?per_page=0", Some(&tok), None)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "per_page");
    let r = t
        .api("GET", "/api/v1/areas?page=abc", Some(&tok), None)
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["code"], "bad_request");
    let req = axum::http::Request::get("/api/v1/users")
        .header("authorization", format!("Bearer {tok}"))
        .header("accept-language", "en-US,en;q=0.9")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        r.json()["error"]["message"],
        "You are not allowed to do or see this."
    );
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/areas/{COMMUNITY}/populations/2025"),
            Some(&tok),
            Some(json!({"residents": 10, "households": 20})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json()["error"]["fields"][0]["code"],
        "err-households-exceed"
    );
    let r = t
        .api(
            "PATCH",
            "/api/v1/areas/999999",
            Some(&tok),
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Revoked tokens stop working.
    let id = t
        .api("GET", "/api/v1/tokens", Some(&tok), None)
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        t.api("DELETE", &format!("/api/v1/tokens/{id}"), Some(&tok), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.api("GET", "/api/v1/me", Some(&tok), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn language_follows_profile_then_accept_language() {
    let t = T::new().await;
    let mut s = Session::default();
    let req = axum::http::Request::get("/login")
        .header("accept-language", "en")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = t.send(req).await;
    assert!(r.body.contains("<html lang=\"en\">"));
    let r = t.get(&mut s, "/login").await;
    assert!(r.body.contains("<html lang=\"zh-CN\">"));
    let mut d = t.login("district").await;
    t.get(&mut d, "/lang/en?next=/").await;
    // The choice is stored in the profile: a fresh login without cookies is English.
    let mut fresh = t.login("district").await;
    fresh.cookies.retain(|(k, _)| k == "sanshe_session");
    let r = t.get(&mut fresh, "/").await;
    assert!(r.body.contains("<html lang=\"en\">"), "{}", &r.body[..200]);
}

#[tokio::test]
async fn operations_endpoints_answer() {
    let t = T::new().await;
    let mut s = Session::default();
    assert_eq!(t.get(&mut s, "/healthz").await.status, StatusCode::OK);
    assert_eq!(t.get(&mut s, "/readyz").await.status, StatusCode::OK);
    let m = t.get(&mut s, "/metrics").await;
    assert!(m.body.contains("sanshe_http_requests_total"));
    assert!(m.body.contains("sanshe_database_up 1"));
    let r = t.get(&mut s, "/no/such/page").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.headers.get("x-request-id").is_some());
}

#[tokio::test]
async fn openapi_document_matches_the_snapshot() {
    let doc = sanshe_web::openapi_json();
    let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
    assert!(v["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = v["paths"].as_object().unwrap();
    for r in sanshe_web::route_list()
        .iter()
        .filter(|r| r.path.starts_with("/api/v1"))
    {
        let op = paths.get(r.path).and_then(|p| p.get(r.method));
        assert!(
            op.is_some(),
            "{} {} missing from the OpenAPI document",
            r.method,
            r.path
        );
    }
    let snap = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(&snap, &doc).unwrap();
    }
    let old = std::fs::read_to_string(&snap).unwrap_or_default();
    assert!(old == doc, "the OpenAPI document changed (docs/openapi.json); review the change and run with UPDATE_SNAPSHOTS=1");
}

#[tokio::test]
async fn bad_database_urls_are_clear_errors() {
    for url in [
        "mysql://x/y",
        "sqlite::memory:",
        "sqlite:///no/such/dir/x.db",
    ] {
        let e = sanshe_store::Db::connect(url)
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(!e.is_empty(), "{url} accepted");
    }
    let e = sanshe_store::Db::connect("postgres://postgres@127.0.0.1:1/none").await;
    assert!(matches!(e, Err(sanshe_store::StoreError::Connect { .. })));
    let _ = Settings {
        database_url: Secret::new("x"),
        ..Settings::default()
    };
}
