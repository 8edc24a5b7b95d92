//! Separation of the three administrators (三权分立): none of them reaches business data
//! or another account's sign-in, and none locks, demotes or resets another.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;

/// An account the system administrator creates has a one-time password: signing in with
/// it gives nothing but the form to choose one's own (pages and API alike).
#[tokio::test]
async fn a_password_an_administrator_chose_works_once() {
    let t = T::new().await;
    let mut admin = t.login("sysadmin").await;
    let r = t
        .post(
            &mut admin,
            "/users/new",
            &[
                ("username", "district.two"),
                ("display_name", "区民政局二"),
                ("role", "district_admin"),
                ("scope", "320412"),
                ("password", "Chosen#ByAdmin26"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (mut s, r) = t.try_login("district.two", "Chosen#ByAdmin26").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for path in ["/targets", "/orgs", "/workers", "/needs", "/"] {
        let r = t.get(&mut s, path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.location(), "/account", "{path}");
    }
    let page = t.get(&mut s, "/account").await;
    assert!(page.body.contains("只能使用一次"), "says why");
    // Not even an API token can be made with it.
    let r = t
        .post(
            &mut s,
            "/account/tokens",
            &[("name", "x"), ("expires_days", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account");
    let own = "District#Own2026";
    let r = t
        .post(
            &mut s,
            "/account/password",
            &[
                ("current_password", "Chosen#ByAdmin26"),
                ("new_password", own),
                ("new_password_again", own),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.get(&mut s, "/targets").await.status, StatusCode::OK);
}

/// No administrator locks, demotes or resets another; the audit administrator cannot be
/// removed by the security administrator; nobody changes their own role.
#[tokio::test]
async fn administrators_cannot_touch_one_another() {
    let t = T::new().await;
    let sys = t.token_for("sysadmin").await;
    let sec = t.token_for("secadmin").await;
    for victim in ["secadmin", "auditadmin"] {
        let id = t.user_id(victim).await;
        let r = t
            .api(
                "POST",
                &format!("/api/v1/users/{id}/lock"),
                Some(&sys),
                None,
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{victim}: {}",
            r.body
        );
        assert!(r.body.contains("err-admin-protected"), "{}", r.body);
    }
    let audit_id = t.user_id("auditadmin").await;
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/users/{audit_id}/role"),
            Some(&sec),
            Some(json!({"role": "resident"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("err-admin-protected"), "{}", r.body);
    let sys_id = t.user_id("sysadmin").await;
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/users/{sys_id}/role"),
            Some(&sec),
            Some(json!({"role": "district_admin", "scope": "320412"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let sec_id = t.user_id("secadmin").await;
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/users/{sec_id}/role"),
            Some(&sec),
            Some(json!({"role": "district_admin", "scope": "320412"})),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no business role for oneself"
    );
    // Even the operator at the command line keeps the last audit administrator.
    let cli = sanshe_app::Ctx::cli();
    let e = sanshe_app::accounts::set_locked(&t.app, &cli, audit_id, true)
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("err-last-admin"), "{e:?}");
    // The business accounts stay the system administrator's to lock.
    let resident = t.user_id("resident").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/users/{resident}/lock"),
            Some(&sys),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}
