//! Award and public notice: the award opens a notice counted in working days; applicants hear
//! their scores; objections during the notice are answered, an upheld one reopens the award;
//! the notice ends in confirmation only with no objection pending.

use super::codes;
use crate::common::{Session, T};
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

/// The demo call under review, with the evaluator's seat declared and scored and the report
/// signed: returns (project, applications ranked best first).
pub(super) async fn reviewed(t: &T, tok: &str) -> (i64, Vec<Value>) {
    let etok = t.token_for("evaluator").await;
    let p = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=reviewing",
            Some(tok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}/panel"),
            Some(&etok),
            None,
        )
        .await
        .json();
    let me = v["me"].as_i64().unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/panel-members/{me}/declaration"),
            Some(&etok),
            Some(json!({"declaration": "none"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let apps = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications?project={p}&state=submitted"),
            Some(tok),
            None,
        )
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .clone();
    for a in &apps {
        let r = t
            .api(
                "PUT",
                &format!("/api/v1/purchase/panel-members/{me}/scores/{}", a["id"]),
                Some(&etok),
                Some(json!({"need": 20, "acceptance": 12, "innovation": 12, "effectiveness": 24, "replicability": 12})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/panel/sign"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let results = r.json()["results"].as_array().unwrap().clone();
    (p, results)
}

async fn org_token(t: &T, org: i64, name: &str) -> String {
    t.add_user(name, "social_org", Some(org.to_string())).await;
    t.token_for(name).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_award_is_noticed_objected_reopened_and_confirmed() {
    let t = Arc::new(T::new().await);
    let tok = t.token_for("district").await;
    let (p, ranked) = reviewed(&t, &tok).await;
    let first = ranked[0]["application"].as_i64().unwrap();
    let second = ranked[1]["application"].as_i64().unwrap();
    // An account for the second-ranked applicant (the demo has none for it).
    let loser_org = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications/{second}"),
            Some(&tok),
            None,
        )
        .await
        .json()["organization"]
        .as_i64()
        .unwrap();
    let ltok = org_token(&t, loser_org, "loser").await;
    // Only a submitted application of this project can be awarded.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/award"),
            Some(&tok),
            Some(json!({"application": 999999})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-award-application"]);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/award"),
            Some(&tok),
            Some(json!({"application": first})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["state"], "awarded");
    // The notice lasts the profile's five working days.
    let today = sanshe_app::calendar::today();
    let want = sanshe_app::calendar::deadline(&t.app, today, 5)
        .await
        .unwrap();
    let award = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}/award"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(award["notice_until"], want.to_string());
    assert_eq!(award["application"], first);
    // Every applicant hears its own score; the portal shows the notice with the panel.
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&ltok), None)
        .await
        .json();
    assert!(inbox.to_string().contains("award.result"), "{inbox}");
    let mut anon = Session::default();
    let page = t.get(&mut anon, &format!("/public/calls/{p}")).await;
    assert!(
        page.body.contains("立项公示") && page.body.contains("沈立群"),
        "{}",
        page.body
    );
    // An organization that did not apply cannot object; an applicant can.
    let otok = t.token_for("org").await;
    let demo_org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let applied = ranked
        .iter()
        .any(|r| r["organization_name"].as_str() == Some(sanshe_app::demo::DEMO_ORG));
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/objections"),
            Some(&otok),
            Some(json!({"text": "评分有误"})),
        )
        .await;
    let mut other = None;
    if applied {
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        other = r.json()["id"].as_i64();
    } else {
        assert_eq!(codes(&r.json()), ["err-not-applicant"], "{demo_org}");
    }
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/objections"),
            Some(&ltok),
            Some(json!({"text": "我方团队资质优于第一名，评分未体现。"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let objection = r.json()["id"].as_i64().unwrap();
    // The notice has not ended: no confirmation.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/transitions"),
            Some(&tok),
            Some(json!({"event": "confirm"})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-notice-open"]);
    // Two officers answer at once: one answer lands; upholding reopens the award.
    let out = parallel(4, |_| {
        let (t, tok) = (t.clone(), tok.clone());
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/objections/{objection}/answer"),
                Some(&tok),
                Some(json!({"event": "uphold", "reply": "经复核，质疑成立，重新确定。"})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&3), "{out:?}");
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(v["state"], "reviewed");
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&ltok), None)
        .await
        .json();
    assert!(inbox.to_string().contains("objection.upheld"));
    // Awarded again; the notice passes with nothing pending: the job confirms it once.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/award"),
            Some(&tok),
            Some(json!({"application": second})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::purchase::set_award(
            &mut c,
            p,
            Some(second),
            Some(&today.plus_days(-10).to_string()),
            Some(&today.plus_days(-1).to_string()),
        )
        .await
        .unwrap();
    }
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/objections"),
            Some(&ltok),
            Some(json!({"text": "过期质疑"})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-notice-closed"]);
    // A pending objection holds the confirmation until it is answered.
    if let Some(o) = other {
        assert_eq!(
            sanshe_app::purchase::awards::confirm_due(&t.app)
                .await
                .unwrap(),
            0
        );
        let r = t
            .api(
                "POST",
                &format!("/api/v1/purchase/objections/{o}/answer"),
                Some(&tok),
                Some(json!({"event": "dismiss", "reply": "评分经复核无误。"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    assert_eq!(
        sanshe_app::purchase::awards::confirm_due(&t.app)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        sanshe_app::purchase::awards::confirm_due(&t.app)
            .await
            .unwrap(),
        0
    );
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(v["state"], "confirmed");
    assert_eq!(t.audit_count("project.confirm").await, 1);
    assert_eq!(t.audit_count("objection.uphold").await, 1);
}
