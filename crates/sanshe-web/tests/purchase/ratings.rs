//! Organization ratings (民政部令第39号): eligibility with every reason, one live application
//! under parallel saves, the assessor's scores within the kind's points, the committee's size
//! after recusal, the notice and the review request, the grade's validity and the waiting
//! periods after a lowered or cancelled grade, the grade calls read, and the pages.

use super::codes;
use crate::common::T;
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
use std::sync::Arc;

async fn step(t: &T, tok: &str, id: i64, body: Value) -> (StatusCode, Value) {
    let r = t
        .api(
            "POST",
            &format!("/api/v1/ratings/{id}/transitions"),
            Some(tok),
            Some(body),
        )
        .await;
    r.outcome()
}

/// An active registered organization of the district with no rating record, registered four
/// years ago with a passed annual report, and an account (`rorg`).
async fn fresh_org(t: &T, name: &str) -> (i64, String) {
    let id: i64 = {
        let mut c = t.app.db.acquire().await.unwrap();
        let id: i64 = sqlx::query(
            "SELECT id FROM organizations WHERE status = 'active' AND area_code LIKE '320412%' \
             AND kind = 'social_service_agency' AND id NOT IN (SELECT org_id FROM ratings) \
             AND id NOT IN (SELECT scope_org FROM users WHERE scope_org IS NOT NULL) \
             ORDER BY id LIMIT 1",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get("id");
        let founded =
            sanshe_domain::evaluation::years_before(&sanshe_app::calendar::today().to_string(), 4);
        sqlx::query(
            "UPDATE organizations SET registered = 1, founded = $1, annual_result = 'pass', \
             blacklisted_until = NULL, rating = 0 WHERE id = $2",
        )
        .bind(founded)
        .bind(id)
        .execute(&mut *c)
        .await
        .unwrap();
        id
    };
    t.add_user(name, "social_org", Some(id.to_string())).await;
    (id, t.token_for(name).await)
}

async fn members(t: &T, d: &str) -> Vec<(i64, Option<i64>)> {
    t.api("GET", "/api/v1/rating-committee", Some(d), None)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].as_i64().unwrap(), m["tied_org"].as_i64()))
        .collect()
}

fn scores(b: i64, g: i64, p: i64, r: i64) -> Value {
    json!({"basic": b, "governance": g, "performance": p, "reputation": r})
}

#[tokio::test]
async fn a_rating_from_application_to_grade_notice_review_and_lowering() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let ev = t.token_for("evaluator").await;
    let (org, otok) = fresh_org(&t, "rorg").await;
    let r = t
        .api(
            "POST",
            "/api/v1/ratings",
            Some(&otok),
            Some(json!({"report": "自评：治理规范。"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    // A second application while one is live is refused.
    let r = t
        .api(
            "POST",
            "/api/v1/ratings",
            Some(&otok),
            Some(json!({"report": "再次"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // An assessor of the organization itself cannot be assigned.
    t.add_user("own-assessor", "evaluator", Some(org.to_string()))
        .await;
    let own = t.user_id("own-assessor").await;
    let (s, v) = step(&t, &d, id, json!({"event": "accept", "assessor": own})).await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-eval-conflict-agency".to_owned()]
        )
    );
    let assessor = t.user_id("evaluator").await;
    assert_eq!(
        step(&t, &d, id, json!({"event": "accept", "assessor": assessor}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    // Scores are held within the kind's points (社会服务机构: 70/380/400/150).
    let (s, v) = step(
        &t,
        &ev,
        id,
        json!({"event": "score", "scores": scores(71, 300, 300, 100)}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-eval-score-range".to_owned()]
        )
    );
    assert_eq!(
        step(
            &t,
            &ev,
            id,
            json!({"event": "score", "scores": scores(60, 330, 350, 130)})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let v = t
        .api("GET", &format!("/api/v1/ratings/{id}"), Some(&d), None)
        .await
        .json();
    assert_eq!(
        (v["rating"]["total"].as_i64(), v["rating"]["grade"].as_i64()),
        (Some(870), Some(4))
    );
    // The committee: the demo has nine, one tied to another organization. Six present is too
    // few; a member tied to this organization is recused and does not count.
    let all = members(&t, &d).await;
    let untied: Vec<i64> = all.iter().filter(|m| m.1.is_none()).map(|m| m.0).collect();
    let (s, v) = step(
        &t,
        &d,
        id,
        json!({"event": "announce", "members": &untied[..6]}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-rating-committee-size".to_owned()]
        )
    );
    let r = t
        .api(
            "POST",
            "/api/v1/rating-committee",
            Some(&d),
            Some(json!({"name": "关联委员", "tied_org": org})),
        )
        .await;
    let tied = r.json()["id"].as_i64().unwrap();
    let mut six_and_tied = untied[..6].to_vec();
    six_and_tied.push(tied);
    let (s, v) = step(
        &t,
        &d,
        id,
        json!({"event": "announce", "members": six_and_tied}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-rating-committee-size".to_owned()]
        )
    );
    let mut seven_and_tied = untied[..7].to_vec();
    seven_and_tied.push(tied);
    assert_eq!(
        step(
            &t,
            &d,
            id,
            json!({"event": "announce", "members": seven_and_tied})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let v = t
        .api("GET", &format!("/api/v1/ratings/{id}"), Some(&otok), None)
        .await
        .json();
    assert_eq!(v["rating"]["recused"], "关联委员");
    // During the notice: granting is refused; the organization asks for a review, answered.
    let (s, v) = step(&t, &d, id, json!({"event": "grant"})).await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::CONFLICT,
            vec!["err-rating-notice-open".to_owned()]
        )
    );
    assert_eq!(
        step(
            &t,
            &otok,
            id,
            json!({"event": "request_review", "text": "工作绩效应加分"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let v = t
        .api("GET", &format!("/api/v1/ratings/{id}"), Some(&d), None)
        .await
        .json();
    let due = v["rating"]["review_due"].as_str().unwrap().to_owned();
    let today = sanshe_app::calendar::today();
    assert_eq!(due, today.plus_days(15).to_string());
    assert_eq!(
        step(
            &t,
            &d,
            id,
            json!({"event": "answer", "text": "经复核，维持原评分。"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    // The notice ends (moved back for the test): the grade takes effect for five years and
    // becomes the organization's rating.
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE ratings SET notice_until = $1 WHERE id = $2")
            .bind(today.plus_days(-1).to_string())
            .bind(id)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let (s, v) = step(
        &t,
        &otok,
        id,
        json!({"event": "request_review", "text": "晚了"}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{v}");
    assert_eq!(
        step(&t, &d, id, json!({"event": "grant"})).await.0,
        StatusCode::NO_CONTENT
    );
    let v = t
        .api("GET", &format!("/api/v1/ratings/{id}"), Some(&d), None)
        .await
        .json();
    let valid = sanshe_domain::evaluation::years_before(&today.to_string(), -5);
    assert_eq!(v["rating"]["valid_until"], valid.as_str());
    let rating_of = |org: i64| {
        let t = &t;
        async move {
            let mut c = t.app.db.acquire().await.unwrap();
            sanshe_store::purchase::org(&mut c, org)
                .await
                .unwrap()
                .unwrap()
                .rating
        }
    };
    assert_eq!(rating_of(org).await, 4);
    // Holding a grade beyond its last year, the organization may not apply again.
    let r = t
        .api(
            "POST",
            "/api/v1/ratings",
            Some(&otok),
            Some(json!({"report": "再评"})),
        )
        .await;
    assert_eq!(
        (r.status, codes(&r.json())),
        (StatusCode::CONFLICT, vec!["err-rating-valid".to_owned()])
    );
    // Lowered to 2A: two years' wait; then cancelled: three years' wait, no rating.
    let (s, v) = step(
        &t,
        &d,
        id,
        json!({"event": "downgrade", "grade": 4, "text": "降级"}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-rating-downgrade".to_owned()]
        )
    );
    assert_eq!(
        step(
            &t,
            &d,
            id,
            json!({"event": "downgrade", "grade": 2, "text": "年检基本合格"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(rating_of(org).await, 2);
    let v = t
        .api("GET", &format!("/api/v1/ratings/{id}"), Some(&d), None)
        .await
        .json();
    assert_eq!(
        v["rating"]["wait_until"],
        sanshe_domain::evaluation::years_before(&today.to_string(), -2).as_str()
    );
    assert_eq!(
        step(&t, &d, id, json!({"event": "cancel", "text": "弄虚作假"}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(rating_of(org).await, 0);
    let v = t
        .api("GET", &format!("/api/v1/ratings/{id}"), Some(&d), None)
        .await
        .json();
    let wait = sanshe_domain::evaluation::years_before(&today.to_string(), -3);
    assert_eq!(v["rating"]["wait_until"], wait.as_str());
    let r = t
        .api(
            "POST",
            "/api/v1/ratings",
            Some(&otok),
            Some(json!({"report": "再评"})),
        )
        .await;
    assert_eq!(
        (r.status, codes(&r.json())),
        (StatusCode::CONFLICT, vec!["err-rating-waiting".to_owned()])
    );
    assert!(t.audit_count("rating.cancel").await >= 1);
}

#[tokio::test]
async fn eligibility_names_every_reason_and_one_application_holds_under_parallel_saves() {
    let t = Arc::new(T::new().await);
    let (org, otok) = fresh_org(&t, "rorg2").await;
    // Registered a year ago, last annual report failed, under penalty: all three named.
    {
        let mut c = t.app.db.acquire().await.unwrap();
        let today = sanshe_app::calendar::today();
        sqlx::query(
            "UPDATE organizations SET founded = $1, annual_result = 'fail', blacklisted_until = $2 \
             WHERE id = $3",
        )
        .bind(today.plus_days(-365).to_string())
        .bind(today.plus_days(100).to_string())
        .bind(org)
        .execute(&mut *c)
        .await
        .unwrap();
    }
    let mut s = t.login("rorg2").await;
    let page = t.get(&mut s, "/ratings").await;
    assert_eq!(page.status, StatusCode::OK);
    for reason in ["满2年", "年报", "行政处罚"] {
        assert!(page.body.contains(reason), "{reason}");
    }
    let r = t
        .api(
            "POST",
            "/api/v1/ratings",
            Some(&otok),
            Some(json!({"report": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Eligible again: eight parallel applications make one.
    {
        let mut c = t.app.db.acquire().await.unwrap();
        let founded =
            sanshe_domain::evaluation::years_before(&sanshe_app::calendar::today().to_string(), 3);
        sqlx::query("UPDATE organizations SET founded = $1, annual_result = 'pass', blacklisted_until = NULL WHERE id = $2")
            .bind(founded)
            .bind(org)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let out = parallel(8, |i| {
        let t = t.clone();
        let otok = otok.clone();
        async move {
            t.api(
                "POST",
                "/api/v1/ratings",
                Some(&otok),
                Some(json!({"report": format!("并发{i}")})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&201), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&7), "{out:?}");
    // The settings are the district's: points must sum to 1,000 per kind.
    let d = t.token_for("district").await;
    let mut sc = t
        .api("GET", "/api/v1/rating-scheme", Some(&d), None)
        .await
        .json();
    sc["kinds"][0]["points"] = json!([60, 400, 390, 151]);
    let r = t
        .api("PUT", "/api/v1/rating-scheme", Some(&d), Some(sc.clone()))
        .await;
    assert_eq!(
        (r.status, codes(&r.json())),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-rating-points-sum".to_owned()]
        )
    );
    sc["kinds"][0]["points"] = json!([60, 400, 390, 150]);
    sc["bounds"] = json!([950, 850, 700, 600, 500]);
    assert_eq!(
        t.api("PUT", "/api/v1/rating-scheme", Some(&d), Some(sc))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let sc = t
        .api("GET", "/api/v1/rating-scheme", Some(&d), None)
        .await
        .json();
    assert_eq!(sc["bounds"][0], 950);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_grade_is_granted_once_under_parallel_requests() {
    let t = Arc::new(T::new().await);
    let d = t.token_for("district").await;
    // The demo rating on notice, its notice moved back.
    let id: i64 = {
        let mut c = t.app.db.acquire().await.unwrap();
        let id: i64 = sqlx::query("SELECT id FROM ratings WHERE state = 'notice' LIMIT 1")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get("id");
        sqlx::query("UPDATE ratings SET notice_until = '2000-01-01' WHERE id = $1")
            .bind(id)
            .execute(&mut *c)
            .await
            .unwrap();
        id
    };
    let out = parallel(6, |_| {
        let t = t.clone();
        let d = d.clone();
        async move {
            t.api(
                "POST",
                &format!("/api/v1/ratings/{id}/transitions"),
                Some(&d),
                Some(json!({"event": "grant"})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&5), "{out:?}");
    let c = t.audit_count("rating.grant").await;
    assert_eq!(c, 1);
}

#[tokio::test]
async fn a_lapsed_grade_expires_and_calls_read_the_grade() {
    let t = T::new().await;
    let home = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let id: i64 = {
        let mut c = t.app.db.acquire().await.unwrap();
        let id: i64 = sqlx::query("SELECT id FROM ratings WHERE org_id = $1 AND state = 'granted'")
            .bind(home)
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get("id");
        assert_eq!(
            sanshe_store::purchase::org(&mut c, home)
                .await
                .unwrap()
                .unwrap()
                .rating,
            4
        );
        sqlx::query("UPDATE ratings SET valid_until = '2001-01-01' WHERE id = $1")
            .bind(id)
            .execute(&mut *c)
            .await
            .unwrap();
        id
    };
    let n = sanshe_app::purchase::ratings::expire_lapsed(&t.app, &sanshe_app::Ctx::system())
        .await
        .unwrap();
    assert_eq!(n, 1);
    let mut c = t.app.db.acquire().await.unwrap();
    assert_eq!(
        sanshe_store::purchase::org(&mut c, home)
            .await
            .unwrap()
            .unwrap()
            .rating,
        0
    );
    assert_eq!(
        sanshe_store::ratings::get(&mut c, id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "expired"
    );
}

#[tokio::test]
async fn rating_pages_in_both_languages_and_the_portal() {
    let t = T::new().await;
    let ids: Vec<i64> = {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("SELECT id FROM ratings ORDER BY id")
            .fetch_all(&mut *c)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("id"))
            .collect()
    };
    assert_eq!(ids.len(), 4);
    for (user, paths) in [
        (
            "district",
            vec![
                "/ratings".to_owned(),
                "/ratings/scheme".into(),
                "/ratings/committee".into(),
                format!("/ratings/{}", ids[0]),
                format!("/ratings/{}", ids[1]),
                format!("/ratings/{}/certificate", ids[0]),
            ],
        ),
        (
            "org",
            vec!["/ratings".to_owned(), format!("/ratings/{}", ids[0])],
        ),
        (
            "evaluator",
            vec!["/ratings".to_owned(), format!("/ratings/{}", ids[2])],
        ),
    ] {
        let mut s = t.login(user).await;
        for lang in ["zh-CN", "en"] {
            t.post(&mut s, &format!("/lang/{lang}"), &[("next", "/")])
                .await;
            for p in &paths {
                let r = t.get(&mut s, p).await;
                assert_eq!(r.status, StatusCode::OK, "{user} {lang} {p}");
                if let Some(i) = r.body.find(">rating-") {
                    panic!("{user} {lang} {p}: an untranslated key at {i}");
                }
            }
        }
    }
    // The evaluator scores the rating assigned today on its page.
    let mut s = t.login("evaluator").await;
    let r = t.get(&mut s, &format!("/ratings/{}", ids[2])).await;
    assert!(r.body.contains("score_governance"));
    let mut anon = crate::common::Session::default();
    let r = t.get(&mut anon, "/public/ratings").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(sanshe_app::demo::DEMO_ORG));
    let mut d = t.login("district").await;
    let r = t.get(&mut d, "/ratings/export/csv").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains(sanshe_app::demo::DEMO_ORG));
}

#[tokio::test]
async fn a_renewal_replaces_the_grade_in_effect_and_expiry_keeps_a_waiting_period() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let home = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let today = sanshe_app::calendar::today();
    // The demo organization's 4A, in its last year: a renewal is allowed.
    let old: i64 = {
        let mut c = t.app.db.acquire().await.unwrap();
        let id: i64 = sqlx::query("SELECT id FROM ratings WHERE org_id = $1 AND state = 'granted'")
            .bind(home)
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get("id");
        sqlx::query("UPDATE ratings SET valid_until = $1 WHERE id = $2")
            .bind(today.plus_days(100).to_string())
            .bind(id)
            .execute(&mut *c)
            .await
            .unwrap();
        id
    };
    let otok = t.token_for("org").await;
    let r = t
        .api(
            "POST",
            "/api/v1/ratings",
            Some(&otok),
            Some(json!({"report": "续评"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let new = r.json()["id"].as_i64().unwrap();
    let ev = t.user_id("evaluator").await;
    let evt = t.token_for("evaluator").await;
    step(&t, &d, new, json!({"event": "accept", "assessor": ev})).await;
    step(
        &t,
        &evt,
        new,
        json!({"event": "score", "scores": scores(70, 370, 390, 140)}),
    )
    .await;
    let untied: Vec<i64> = members(&t, &d)
        .await
        .iter()
        .filter(|m| m.1.is_none())
        .map(|m| m.0)
        .collect();
    assert_eq!(
        step(&t, &d, new, json!({"event": "announce", "members": untied}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE ratings SET notice_until = '2000-01-01' WHERE id = $1")
            .bind(new)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    assert_eq!(
        step(&t, &d, new, json!({"event": "grant"})).await.0,
        StatusCode::NO_CONTENT
    );
    let mut c = t.app.db.acquire().await.unwrap();
    assert_eq!(
        sanshe_store::ratings::get(&mut c, old)
            .await
            .unwrap()
            .unwrap()
            .state,
        "expired"
    );
    assert_eq!(
        sanshe_store::purchase::org(&mut c, home)
            .await
            .unwrap()
            .unwrap()
            .rating,
        5
    );
    drop(c);
    // The old grade's lapse later changes nothing: it has ended already.
    assert_eq!(
        sanshe_app::purchase::ratings::expire_lapsed(&t.app, &sanshe_app::Ctx::system())
            .await
            .unwrap(),
        0
    );
    // A lowered grade that lapses keeps its waiting period.
    assert_eq!(
        step(
            &t,
            &d,
            new,
            json!({"event": "downgrade", "grade": 3, "text": "降级"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE ratings SET valid_until = '2001-01-01' WHERE id = $1")
            .bind(new)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    sanshe_app::purchase::ratings::expire_lapsed(&t.app, &sanshe_app::Ctx::system())
        .await
        .unwrap();
    let mut c = t.app.db.acquire().await.unwrap();
    let r = sanshe_store::ratings::get(&mut c, new)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.state, "expired");
    assert_eq!(
        r.wait_until.as_deref(),
        Some(sanshe_domain::evaluation::years_before(&today.to_string(), -2).as_str())
    );
}
