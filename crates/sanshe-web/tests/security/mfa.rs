//! Two-factor sign-in for administrators: enrolment with a QR code, the code after the
//! password, no code twice, recovery codes once, reset by the security administrator, API
//! tokens unaffected.

use crate::common::{csrf_in, Session, T};
use axum::http::StatusCode;
use sanshe_app::accounts::mfa;

fn code_now(secret: &str) -> String {
    let key = mfa::base32_decode(secret).unwrap();
    mfa::code_at(&key, sanshe_store::audit::now() / mfa::STEP)
}

/// Signs in with the password and returns the half-signed-in session, its CSRF token set.
async fn password_step(t: &T, who: &str) -> Session {
    let (mut s, r) = t.try_login(who, sanshe_app::demo::DEMO_PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let form = t.get(&mut s, "/login/mfa").await;
    s.csrf = csrf_in(&form.body);
    s
}

#[tokio::test]
async fn administrators_sign_in_with_a_second_factor() {
    let t = T::configured(|s| s.admin_mfa_required = Some(true)).await;
    // API tokens are not affected.
    let token = t.token_for("sysadmin").await;
    let r = t.api("GET", "/api/v1/users", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    // Not yet enrolled: the enrolment page is all there is.
    let (mut s, _) = t
        .try_login("sysadmin", sanshe_app::demo::DEMO_PASSWORD)
        .await;
    let r = t.get(&mut s, "/users").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account/mfa");
    let page = t.get(&mut s, "/account/mfa").await;
    assert!(page.body.contains("<svg"), "a QR code drawn on the server");
    s.csrf = csrf_in(&page.body);
    let secret = page
        .body
        .split("id=\"mfa-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let r = t
        .post(
            &mut s,
            "/account/mfa",
            &[("secret", &secret), ("code", "000000")],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a wrong code enrols nothing"
    );
    let code = code_now(&secret);
    let r = t
        .post(
            &mut s,
            "/account/mfa",
            &[("secret", &secret), ("code", &code)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let recovery: Vec<String> = r
        .body
        .split("<li><code>")
        .skip(1)
        .map(|x| x.split('<').next().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), mfa::RECOVERY_CODES);
    assert_eq!(t.get(&mut s, "/users").await.status, StatusCode::OK);
    assert_eq!(t.audit_count("user.mfa_enrol").await, 1);
    // Next sign-in: the password alone reaches nothing.
    let mut s = password_step(&t, "sysadmin").await;
    let r = t.get(&mut s, "/users").await;
    assert_eq!(r.location(), "/login/mfa");
    let r = t.post(&mut s, "/login/mfa", &[("code", "123456")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The code used at enrolment is spent; wait for none: use a recovery code instead.
    let half = s.clone();
    let r = t
        .post(&mut s, "/login/mfa", &[("code", &recovery[0])])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.get(&mut s, "/users").await.status, StatusCode::OK);
    // The half-signed-in cookie did not become the full one.
    let mut old = half;
    assert_ne!(old.session_token(), s.session_token());
    assert_eq!(
        t.get(&mut old, "/users").await.status,
        StatusCode::SEE_OTHER
    );
    // A recovery code works once.
    let mut s2 = password_step(&t, "sysadmin").await;
    let r = t
        .post(&mut s2, "/login/mfa", &[("code", &recovery[0])])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The security administrator resets it (audited); the holder enrols again.
    let sec = t.token_for("secadmin").await;
    let id = t.user_id("sysadmin").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/users/{id}/mfa/reset"),
            Some(&sec),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(t.audit_count("user.mfa_reset").await, 1);
    assert_eq!(
        t.get(&mut s, "/users").await.status,
        StatusCode::SEE_OTHER,
        "sessions ended"
    );
    let district = t.token_for("district").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/users/{id}/mfa/reset"),
            Some(&district),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// A code from the app signs in once; the same code again is refused.
#[tokio::test]
async fn an_app_code_signs_in_once() {
    let t = T::configured(|s| s.admin_mfa_required = Some(true)).await;
    let (mut s, _) = t
        .try_login("auditadmin", sanshe_app::demo::DEMO_PASSWORD)
        .await;
    let page = t.get(&mut s, "/account/mfa").await;
    s.csrf = csrf_in(&page.body);
    let secret = page
        .body
        .split("id=\"mfa-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    // Enrol with the previous step's code, keeping the current one for the sign-in.
    let key = mfa::base32_decode(&secret).unwrap();
    let step = sanshe_store::audit::now() / mfa::STEP;
    let r = t
        .post(
            &mut s,
            "/account/mfa",
            &[("secret", &secret), ("code", &mfa::code_at(&key, step - 1))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let now_code = mfa::code_at(&key, step);
    let mut a = password_step(&t, "auditadmin").await;
    let r = t.post(&mut a, "/login/mfa", &[("code", &now_code)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut b = password_step(&t, "auditadmin").await;
    let r = t.post(&mut b, "/login/mfa", &[("code", &now_code)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "replayed");
}

/// Parallel guesses of the second factor get no more tries than guesses one after another,
/// and signing in again with the password does not reset the count.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn second_factor_guesses_are_throttled_even_in_parallel() {
    let t = T::configured(|s| s.admin_mfa_required = Some(true)).await;
    let (mut s, _) = t
        .try_login("secadmin", sanshe_app::demo::DEMO_PASSWORD)
        .await;
    let page = t.get(&mut s, "/account/mfa").await;
    s.csrf = csrf_in(&page.body);
    let secret = page
        .body
        .split("id=\"mfa-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let r = t
        .post(
            &mut s,
            "/account/mfa",
            &[("secret", &secret), ("code", &code_now(&secret))],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let half = password_step(&t, "secadmin").await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (t, mut s) = (t.clone(), half.clone());
        tasks.push(tokio::spawn(async move {
            let wrong = format!("{:06}", 100_000 + i);
            t.post(&mut s, "/login/mfa", &[("code", &wrong)])
                .await
                .status
        }));
    }
    let mut wrong = 0;
    let mut throttled = 0;
    for h in tasks {
        match h.await.unwrap() {
            StatusCode::UNPROCESSABLE_ENTITY => wrong += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("unexpected {other}"),
        }
    }
    let limit = t.app.settings.lockout_threshold;
    assert!(wrong <= limit, "{wrong} guesses checked, at most {limit}");
    assert_eq!(wrong + throttled, 12);
    assert!(
        t.audit_count("throttle").await >= throttled,
        "refusals audited"
    );
    // The password again does not buy more guesses: the name itself is throttled. Checked at
    // the moment of the last failure, not on the wall clock: on a loaded machine the minute's
    // wait may have passed before the next request arrives.
    let counts = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::users::login_failures_since(&mut c, "secadmin", None, 0)
            .await
            .unwrap()
    };
    assert!(counts.name_failures >= limit, "{counts:?}");
    let last = counts.name_last.unwrap();
    assert!(
        sanshe_app::accounts::throttle::until(&counts, &t.app.settings, last).is_some(),
        "{counts:?}"
    );
    let (_, r) = t
        .try_login("secadmin", sanshe_app::demo::DEMO_PASSWORD)
        .await;
    if sanshe_store::audit::now() < last + 60 {
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    }
}
