//! The interface in general: localised errors in forms and the API, language choice,
//! operations endpoints, the OpenAPI snapshot, database URLs.

use crate::common::{Session, T};
use crate::routes::COMMUNITY;
use axum::http::StatusCode;
use sanshe_app::config::{Secret, Settings};
use serde_json::json;

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
    t.post(&mut e, "/lang/en", &[("next", "/")]).await;
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
    assert_eq!(r.status, StatusCode::NOT_FOUND);
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
    t.post(&mut d, "/lang/en", &[("next", "/")]).await;
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

/// A read-only server on the same database (as on a replica): the public portal and the
/// OCDS feed answer, every other door says 503 before a handler runs, sessions are not
/// resolved, and the database itself refuses a write from it.
#[tokio::test]
async fn a_read_only_server_serves_the_portal_and_writes_nothing() {
    let primary = T::new().await;
    let mut settings = (*primary.app.settings).clone();
    settings.read_only = true;
    let ro = T::with(settings, false).await;
    let mut anon = Session::default();
    let call = primary
        .api("GET", "/api/ocds/releases", None, None)
        .await
        .json();
    assert!(call["releases"].as_array().is_some_and(|r| !r.is_empty()));
    for path in [
        "/public",
        "/public/calls",
        "/public/catalog",
        "/public/awards",
        "/public/ratings",
        "/public/venture",
        "/api/ocds/releases",
        "/api/ocds/records",
        "/api/openapi.json",
        "/healthz",
        "/readyz",
        "/metrics",
        "/static/app.css",
    ] {
        let r = ro.get(&mut anon, path).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        // No way in from here: signing in happens on the main server.
        assert!(!r.body.contains("href=\"/login\""), "{path}");
    }
    let r = ro.get(&mut anon, "/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/public");
    // Signing in, pages behind it, the API: all refused here, with the reason.
    let r = ro.get(&mut anon, "/login").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("只读副本"), "{}", r.body);
    let r = ro
        .post(&mut anon, "/login", &[("username", "district")])
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    let tok = primary.token_for("district").await;
    let r = ro
        .api("GET", "/api/v1/organizations", Some(&tok), None)
        .await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.json()["error"]["code"], "read_only");
    // A signed-in browser's session is not looked at (that would write its last use).
    let mut signed_in = primary.login("district").await;
    let r = ro.get(&mut signed_in, "/public").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("/logout"), "shown as anonymous");
    // The database refuses a write from the read-only server's connections.
    let mut c = ro.app.db.acquire().await.unwrap();
    let w = sqlx::query("UPDATE areas SET name = name WHERE code = $1")
        .bind("320412")
        .execute(&mut *c)
        .await;
    assert!(w.is_err(), "a read-only connection wrote");
}

#[tokio::test]
async fn a_read_only_server_refuses_a_schema_it_does_not_match() {
    let primary = T::new().await;
    {
        let mut c = primary.app.db.acquire().await.unwrap();
        sqlx::query("DELETE FROM schema_migrations WHERE version = $1")
            .bind(primary.app.db.schema_version().await.unwrap())
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let mut settings = (*primary.app.settings).clone();
    settings.read_only = true;
    let e = sanshe_app::App::open(settings)
        .await
        .err()
        .expect("refused");
    assert!(
        e.to_string().contains("read-only server never migrates"),
        "{e}"
    );
}

/// The status, headers and raw bytes of a GET with the given headers.
async fn raw_get(
    t: &T,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use tower::ServiceExt;
    let mut req = axum::http::Request::get(path);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = t
        .router
        .clone()
        .oneshot(req.body(axum::body::Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let h = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 50 << 20)
        .await
        .unwrap();
    (status, h, bytes.to_vec())
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .expect("a gzip stream");
    out
}

#[tokio::test]
async fn large_answers_are_compressed_for_clients_that_accept_gzip_and_pages_with_secrets_never() {
    let t = T::new().await;
    let token = t.token_for("district").await;
    let bearer = format!("Bearer {token}");
    let list = "/api/v1/organizations?page=1";

    // The API's JSON: compressed when asked for, the same document once unpacked.
    let (st, plain_h, plain) = raw_get(&t, list, &[("authorization", &bearer)]).await;
    assert_eq!(st, StatusCode::OK);
    assert!(plain_h.get("content-encoding").is_none());
    let (st, h, packed) = raw_get(
        &t,
        list,
        &[
            ("authorization", &bearer),
            ("accept-encoding", "br, gzip;q=0.8"),
        ],
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-encoding"], "gzip");
    assert_eq!(h["vary"], "accept-encoding");
    assert!(
        packed.len() * 3 < plain.len(),
        "{} of {}",
        packed.len(),
        plain.len()
    );
    let a: serde_json::Value = serde_json::from_slice(&plain).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&gunzip(&packed)).unwrap();
    assert_eq!(a, b);

    // Refused or absent: sent as it is.
    for refuse in ["gzip;q=0", "identity", "br"] {
        let (_, h, body) = raw_get(
            &t,
            list,
            &[("authorization", &bearer), ("accept-encoding", refuse)],
        )
        .await;
        assert!(h.get("content-encoding").is_none(), "{refuse}");
        serde_json::from_slice::<serde_json::Value>(&body).unwrap();
    }

    // The public portal, read without signing in: compressed HTML.
    let (st, h, packed) = raw_get(&t, "/public", &[("accept-encoding", "gzip")]).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(h["content-encoding"], "gzip");
    assert!(String::from_utf8(gunzip(&packed))
        .unwrap()
        .contains("</html>"));

    // A signed-in page with a form carries a CSRF token: never compressed.
    let s = t.login("district").await;
    let (st, h, body) = raw_get(
        &t,
        "/account",
        &[("cookie", &s.cookie_header()), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert!(h.get("content-encoding").is_none());
    assert!(String::from_utf8(body).unwrap().contains("name=\"csrf\""));

    // Small answers are not worth it.
    let (_, h, _) = raw_get(&t, "/healthz", &[("accept-encoding", "gzip")]).await;
    assert!(h.get("content-encoding").is_none());
}
