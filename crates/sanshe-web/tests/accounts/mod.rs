//! Accounts and sessions: scopes, the audit log, CSRF, idle expiry, logout (sign-in
//! throttling is in `security/`).

use crate::common::{Session, T};
use crate::routes::COMMUNITY;
use axum::http::StatusCode;

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
    // another town's community answers as if it did not exist
    assert_eq!(
        t.api("GET", "/api/v1/areas/320412102001", Some(&street), None)
            .await
            .status,
        StatusCode::NOT_FOUND
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
        StatusCode::NOT_FOUND
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
