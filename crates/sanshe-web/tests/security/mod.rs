//! Hardening to 等保 level 3: one regression test per finding of the security review, each
//! failing without its fix.

use crate::common::{Session, T};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use std::sync::{Arc, Mutex};

mod admins;
mod api_rules;
mod credentials;
mod facts;
mod figures;
mod keys;
mod mfa;
mod scope;
mod sheets;
mod signin;

/// `next` after login and after a language switch stays on this site, whatever a browser
/// would make of it (tabs and line breaks are dropped by browsers, `\` means `/`).
#[tokio::test]
async fn redirects_never_leave_the_site() {
    let t = T::new().await;
    let hostile = [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d%0a/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "/%5C%5Cevil.example",
        "https://evil.example/",
        "/%E2%80%8B/evil.example",
        "%2F%2Fevil.example",
    ];
    let mut s = Session::default();
    for n in hostile {
        let r = t.get(&mut s, &format!("/lang/en?next={n}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n}: {}", r.body);
        assert_eq!(r.location(), "/", "{n}");
    }
    // Login with a hostile next lands on the home page.
    for n in ["/\t/evil.example", "/\n/evil.example", "/\\evil.example"] {
        let mut s = Session::default();
        let page = t.get(&mut s, "/login").await;
        s.csrf = crate::common::csrf_in(&page.body);
        let r = t
            .post(
                &mut s,
                "/login",
                &[
                    ("username", "district"),
                    ("password", sanshe_app::demo::DEMO_PASSWORD),
                    ("next", n),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{n:?}: {}", r.body);
        assert_eq!(r.location(), "/", "{n:?}");
    }
    // A local path is kept.
    let r = t
        .get(&mut s, "/lang/zh-CN?next=%2Fneeds%3Fstate%3Dsubmitted")
        .await;
    assert_eq!(r.location(), "/needs?state=submitted");
}

/// Following a link changes nothing stored: GET /lang sets only this browser's cookie; a
/// signed-in user's choice is saved and audited by a CSRF-checked POST.
#[tokio::test]
async fn switching_language_by_link_changes_nothing_stored() {
    let t = T::new().await;
    let before = t.audit_count("user.set_locale").await;
    let mut d = t.login("district").await;
    let r = t.get(&mut d, "/lang/en?next=/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.audit_count("user.set_locale").await, before);
    let mut fresh = t.login("district").await;
    fresh.cookies.retain(|(k, _)| k == "sanshe_session");
    let home = t.get(&mut fresh, "/").await;
    assert!(
        home.body.contains("<html lang=\"zh-CN\">"),
        "not saved by GET"
    );
    // The header offers a form, not a link, to a signed-in user.
    assert!(
        home.body.contains("action=\"/lang/en\""),
        "POST form offered"
    );
    // POST without the CSRF token is refused; with it, saved and audited.
    let mut forged = d.clone();
    forged.csrf = "forged".into();
    let r = t.post(&mut forged, "/lang/en", &[("next", "/")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.post(&mut d, "/lang/en", &[("next", "/")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.audit_count("user.set_locale").await, before + 1);
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// Under concurrent requests every completion line names its own request and only it, so
/// log lines neither grow with load nor lie about which request they belong to.
#[tokio::test]
async fn each_log_line_carries_only_its_own_request() {
    let t = T::new().await;
    let token = t.token_for("district").await;
    let out = Captured::default();
    let sub = tracing_subscriber::fmt()
        .with_writer(out.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    let _guard = tracing::subscriber::set_default(sub);
    // Requests interleave on this one thread: each awaits the database while others run.
    let local = tokio::task::LocalSet::new();
    let statuses = local
        .run_until(async move {
            let mut set = tokio::task::JoinSet::new();
            for i in 0..16 {
                let (t, token) = (t.clone(), token.clone());
                set.spawn_local(async move {
                    let req = Request::get(format!("/api/v1/areas?page={}", i % 3 + 1))
                        .header("authorization", format!("Bearer {token}"))
                        .header("x-request-id", format!("req-{i}"))
                        .body(Body::empty())
                        .unwrap();
                    t.send(req).await.status
                });
            }
            let mut v = Vec::new();
            while let Some(r) = set.join_next().await {
                v.push(r.unwrap());
            }
            v
        })
        .await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let done: Vec<&str> = text.lines().filter(|l| l.contains(" done ")).collect();
    assert_eq!(done.len(), 16, "{text}");
    let mut ids = std::collections::BTreeSet::new();
    for l in &done {
        assert_eq!(l.matches("request{").count(), 1, "one span per line: {l}");
        let id = l.split("id=").nth(1).unwrap().split(' ').next().unwrap();
        ids.insert(id.to_owned());
    }
    assert_eq!(ids.len(), 16, "every request logs its own id once");
}

/// Every refusal, on pages and in the API, is in the audit log; so is every read and export
/// of the log itself.
#[tokio::test]
async fn refusals_and_reading_the_log_are_audited() {
    let t = T::new().await;
    let before = t.audit_count("access").await;
    let mut resident = t.login("resident").await;
    assert_eq!(
        t.get(&mut resident, "/audit").await.status,
        StatusCode::FORBIDDEN
    );
    let tok = t.token_for("resident").await;
    let r = t.api("GET", "/api/v1/users", Some(&tok), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.audit_count("access").await, before + 2);
    let e = t.last_audit("access").await;
    assert_eq!(e.outcome, "denied");
    assert!(e.summary.contains("GET /api/v1/users"), "{}", e.summary);
    assert_eq!(e.actor_name, "resident");
    // Out of reach answers 404, and is audited as a refusal all the same.
    let ctok = t.token_for("community").await;
    let before = t.audit_count("access").await;
    let r = t
        .api("GET", "/api/v1/areas/320412102001", Some(&ctok), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(t.audit_count("access").await, before + 1);
    let mut auditor = t.login("auditadmin").await;
    let reads = t.audit_count("audit.read").await;
    assert_eq!(
        t.get(&mut auditor, "/audit?action=access").await.status,
        StatusCode::OK
    );
    assert_eq!(t.audit_count("audit.read").await, reads + 1);
    assert!(t
        .last_audit("audit.read")
        .await
        .summary
        .contains("action=access"));
    let exports = t.audit_count("audit.export").await;
    let r = t.get(&mut auditor, "/audit/export/csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(t.audit_count("audit.export").await, exports + 1);
}

/// A link cannot reveal personal data: `?reveal=1` on an export or a record page shows it
/// masked and records nothing; the CSRF-checked POST reveals and is audited.
#[tokio::test]
async fn following_a_link_reveals_nothing() {
    let t = T::new().await;
    let mut s = t.login("district").await;
    let reveals = t.audit_count("social_worker.export").await;
    let r = t.get(&mut s, "/workers/export/csv?reveal=1").await;
    assert_eq!(r.status, StatusCode::OK);
    let masked = r.body.lines().nth(1).unwrap().to_owned();
    assert!(masked.contains('*'), "masked: {masked}");
    let mut forged = s.clone();
    forged.csrf = "forged".into();
    let r = t
        .post(&mut forged, "/workers/export/csv", &[("query", "")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "no CSRF token, no reveal");
    let r = t
        .post(&mut s, "/workers/export/csv", &[("query", "")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let full = r.body.lines().nth(1).unwrap().to_owned();
    assert!(!full.contains("****"), "in full: {full}");
    assert!(t.audit_count("social_worker.export").await >= reveals + 2);
    let id = t.worker_of_user(t.user_id("worker").await).await;
    let plain = t.get(&mut s, &format!("/workers/{id}")).await;
    let linked = t.get(&mut s, &format!("/workers/{id}?reveal=1")).await;
    assert_eq!(
        plain.body,
        linked.body.replace("?reveal=1", ""),
        "the query parameter changes nothing"
    );
    let shown = t.post(&mut s, &format!("/workers/{id}/reveal"), &[]).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert_ne!(shown.body, plain.body, "the POST reveals");
}
