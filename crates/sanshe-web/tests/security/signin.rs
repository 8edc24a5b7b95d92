//! Sign-in: throttles instead of lockouts, the same answer for known and unknown names,
//! bounded input, client addresses behind trusted proxies only.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;

/// Five failures typed by someone else make the next attempt for that name wait, for a
/// known administrator exactly as for a name nobody has; the holder's live session and API
/// token keep working; the security administrator sees the throttle and lifts it.
#[tokio::test]
async fn failures_throttle_the_name_but_lock_nobody_out() {
    let t = T::new().await;
    let mut live = t.login("sysadmin").await;
    let token = t.token_for("sysadmin").await;
    let mut answers = Vec::new();
    for name in ["sysadmin", "nobody.here"] {
        let mut seen = Vec::new();
        for _ in 0..5 {
            let (_, r) = t.try_login(name, "wrong-password").await;
            seen.push(r.status);
        }
        // Now even the right password waits.
        let (_, r) = t.try_login(name, sanshe_app::demo::DEMO_PASSWORD).await;
        seen.push(r.status);
        assert!(
            r.body.contains("请于"),
            "says when to try again: {}",
            r.body
        );
        answers.push(seen);
    }
    let mut expected = vec![StatusCode::UNAUTHORIZED; 5];
    expected.push(StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(answers[0], expected, "known name");
    assert_eq!(answers[1], expected, "unknown name: the same answers");
    assert!(t.audit_count("throttle").await >= 2, "refusals are audited");
    // The holder was not thrown out.
    assert_eq!(t.get(&mut live, "/users").await.status, StatusCode::OK);
    let r = t.api("GET", "/api/v1/users", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK, "API token still works");
    // The security administrator sees both and lifts the administrator's.
    let sec = t.token_for("secadmin").await;
    let r = t
        .api("GET", "/api/v1/login-throttles", Some(&sec), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    let throttled: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["until"].is_i64())
        .map(|x| x["key"].as_str().unwrap())
        .collect();
    assert!(
        throttled.contains(&"sysadmin") && throttled.contains(&"nobody.here"),
        "{list}"
    );
    for who in ["district", "sysadmin", "auditadmin"] {
        let tok = t.token_for(who).await;
        let r = t
            .api("GET", "/api/v1/login-throttles", Some(&tok), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    let mut s = t.login("secadmin").await;
    let page = t.get(&mut s, "/security/throttles").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("nobody.here"), "{}", page.body);
    let r = t
        .post(
            &mut s,
            "/security/throttles/lift",
            &[("kind", "name"), ("key", "sysadmin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.audit_count("throttle.lift").await, 1);
    t.login("sysadmin").await;
    let r = t
        .api(
            "POST",
            "/api/v1/login-throttles/lift",
            Some(&sec),
            Some(json!({"kind": "name", "key": "nobody.here"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

/// One address trying many names waits too; another address does not.
#[tokio::test]
async fn an_address_trying_many_names_waits() {
    let t = T::new().await;
    let limit = t.app.settings.lockout_threshold * sanshe_app::accounts::throttle::CLIENT_FACTOR;
    for i in 0..limit {
        let r = t
            .login_from("10.0.0.9", None, &format!("guess{i}"), "x-wrong")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let r = t
        .login_from("10.0.0.9", None, "fresh.name", "x-wrong")
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = t
        .login_from(
            "10.0.0.10",
            None,
            "district",
            sanshe_app::demo::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "another address signs in");
    assert_eq!(
        t.last_audit("login").await.client.as_deref(),
        Some("10.0.0.10")
    );
}

/// What an anonymous visitor types is bounded before it is stored, and NUL bytes are an
/// ordinary failed sign-in (audited), not a server error, on both backends.
#[tokio::test]
async fn hostile_user_names_are_bounded_and_audited() {
    let t = T::new().await;
    let huge = "a".repeat(2 * 1024 * 1024);
    let (_, r) = t.try_login(&huge, "whatever").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let e = t.last_audit("login").await;
    assert!(e.object_id.as_deref().unwrap().chars().count() <= 65);
    assert!(e.summary.chars().count() <= 2_001);
    let (_, r) = t.try_login("dis\u{0}trict", "whatever").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
    let e = t.last_audit("login").await;
    assert_eq!(e.object_id.as_deref(), Some("dis\u{FFFD}trict"));
    let (_, r) = t.try_login("district", "pass\u{0}word").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let mut c = t.app.db.acquire().await.unwrap();
    let longest: i64 = sqlx::query_scalar("SELECT MAX(LENGTH(username)) FROM login_failures")
        .fetch_one(&mut *c)
        .await
        .unwrap();
    assert!(longest <= 65, "{longest}");
}

/// Behind a trusted proxy the client is the nearest untrusted address it forwarded; from
/// anywhere else `X-Forwarded-For` is ignored.
#[tokio::test]
async fn forwarded_addresses_count_only_from_trusted_proxies() {
    let t = T::configured(|s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    let pw = sanshe_app::demo::DEMO_PASSWORD;
    let r = t
        .login_from("127.0.0.1", Some("6.6.6.6, 10.1.2.3"), "district", pw)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.last_audit("login").await.client.as_deref(),
        Some("10.1.2.3")
    );
    let r = t
        .login_from("10.9.9.9", Some("1.2.3.4"), "district", pw)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.last_audit("login").await.client.as_deref(),
        Some("10.9.9.9")
    );
    let r = t
        .login_from("127.0.0.1", Some("junk"), "district", pw)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.last_audit("login").await.client.as_deref(),
        Some("127.0.0.1")
    );
    // Junk the client wrote left of the proxy's entry changes nothing; ports are understood.
    let r = t
        .login_from("127.0.0.1", Some("junk, 10.2.3.4"), "district", pw)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.last_audit("login").await.client.as_deref(),
        Some("10.2.3.4")
    );
    let r = t
        .login_from("127.0.0.1", Some("[2001:db8::7]:443"), "district", pw)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.last_audit("login").await.client.as_deref(),
        Some("2001:db8::7")
    );
}
