//! Credentials do not outlive a compromise: a password change ends every other session and
//! every API token; an administrator's reset ends them all; the holder is told.

use crate::common::T;
use axum::http::StatusCode;

#[tokio::test]
async fn changing_ones_password_ends_every_other_sign_in_and_token() {
    let t = T::new().await;
    let mut here = t.login("worker").await;
    let mut elsewhere = t.login("worker").await;
    let token = t.token_for("worker").await;
    let new = "Fresh#Start2026x";
    let r = t
        .post(
            &mut here,
            "/account/password",
            &[
                ("current_password", sanshe_app::demo::DEMO_PASSWORD),
                ("new_password", new),
                ("new_password_again", new),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        t.get(&mut here, "/account").await.status,
        StatusCode::OK,
        "this session stays"
    );
    let r = t.get(&mut elsewhere, "/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the other session ended");
    assert!(r.location().starts_with("/login"), "{}", r.location());
    let r = t.api("GET", "/api/v1/inbox", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the token was revoked");
    let inbox = t.get(&mut here, "/inbox").await;
    assert!(inbox.body.contains("其他设备上的登录"), "told in the inbox");
}

#[tokio::test]
async fn an_administrators_reset_ends_every_sign_in_and_token() {
    let t = T::new().await;
    let mut holder = t.login("resident").await;
    let token = t.token_for("resident").await;
    let id = t.user_id("resident").await;
    let mut admin = t.login("sysadmin").await;
    let r = t
        .post(
            &mut admin,
            &format!("/users/{id}/password"),
            &[("password", "Reset#Pass2026x"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        t.get(&mut holder, "/account").await.status,
        StatusCode::SEE_OTHER
    );
    let r = t.api("GET", "/api/v1/inbox", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "the token was revoked");
    let (mut again, r) = t.try_login("resident", "Reset#Pass2026x").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The reset password is one-time: nothing but choosing one's own until then.
    let r = t.get(&mut again, "/inbox").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account");
    let own = "Mine#Only2026x";
    let r = t
        .post(
            &mut again,
            "/account/password",
            &[
                ("current_password", "Reset#Pass2026x"),
                ("new_password", own),
                ("new_password_again", own),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let inbox = t.get(&mut again, "/inbox").await;
    assert!(
        inbox.body.contains("管理员重置了您的密码"),
        "told in the inbox"
    );
}

#[tokio::test]
async fn a_token_serves_only_while_it_is_valid_and_its_holder_unlocked() {
    let t = T::new().await;
    let token = t.token_for("worker").await;
    let id = t.user_id("worker").await;
    let ok = t.api("GET", "/api/v1/inbox", Some(&token), None).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let unknown = t
        .api("GET", "/api/v1/inbox", Some("sst_not-a-token"), None)
        .await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    // Locked holder: refused; unlocked again: served.
    let mut c = t.app.db.acquire().await.unwrap();
    sanshe_store::users::set_locked(&mut c, id, true)
        .await
        .unwrap();
    let r = t.api("GET", "/api/v1/inbox", Some(&token), None).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a locked account's token"
    );
    sanshe_store::users::set_locked(&mut c, id, false)
        .await
        .unwrap();
    let r = t.api("GET", "/api/v1/inbox", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);

    // Expired: refused.
    sqlx::query("UPDATE api_tokens SET expires_at = $1 WHERE user_id = $2")
        .bind(sanshe_store::audit::now() - 1)
        .bind(id)
        .execute(&mut *c)
        .await
        .unwrap();
    let r = t.api("GET", "/api/v1/inbox", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "an expired token");
}
