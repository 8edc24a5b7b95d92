//! The last of third-party evaluation's rules: an agency tied to the provider is refused like
//! a tied assessor; the assessor comments on each indicator; the officer settles a re-check
//! whose assessor has gone; evidence behind an award list's hand-scored points; a street
//! list's indicators drawn from the platform.

use super::codes;
use super::evaluation_rules::{demo_midterm, halted, sql};
use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_agency_tied_to_the_provider_is_refused() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let (k, _) = demo_midterm(&t).await;
    let provider = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let agency = t.org_id(sanshe_app::demo::DEMO_EVALUATOR_ORG).await;
    t.add_user("fresh-assessor", "evaluator", Some(agency.to_string()))
        .await;
    let fresh = t.user_id("fresh-assessor").await;
    let assign = format!("/api/v1/purchase/contracts/{k}/evaluations");
    let ties = format!("/api/v1/purchase/agencies/{agency}/ties");
    let year_ago = sanshe_app::calendar::today().plus_days(-365).to_string();
    // Only officers record ties; an agency is not tied to itself; the relation is a choice.
    let o = t.token_for("org").await;
    let body = json!({"organization": provider, "relation": "director", "ended_on": year_ago});
    let r = t.api("POST", &ties, Some(&o), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = t
        .api(
            "POST",
            &ties,
            Some(&d),
            Some(json!({"organization": agency, "relation": "director"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-agency-tie-self"]);
    // Before the tie the fresh assessor may be assigned a spot check.
    let before = t
        .api(
            "POST",
            &assign,
            Some(&d),
            Some(json!({"stage": "spot", "assessor": fresh})),
        )
        .await;
    assert_eq!(before.status, StatusCode::CREATED, "{}", before.body);
    // Only an organization with evaluator accounts is an agency.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/agencies/{provider}/ties"),
            Some(&d),
            Some(json!({"organization": agency, "relation": "founder"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-agency-not-agency"]);
    let audits = t.audit_count("evaluation.tie").await;
    let r = t.api("POST", &ties, Some(&d), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(t.audit_count("evaluation.tie").await, audits + 1);
    // The demo mid-term, assigned to the same agency before the tie, can no longer be scored.
    let (_, midterm) = demo_midterm(&t).await;
    let ev = t.token_for("evaluator").await;
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/evaluations/{midterm}/scores"),
            Some(&ev),
            Some(
                json!({"scores": {"decision": 15, "process": 20, "output": 25, "outcome": 25},
                "findings": "良好", "no_conflict": true}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-conflict-agency-tie"]);
    // A tie that ended a year ago still bars the agency: a hand-over within it is refused too.
    let spot = before.json()["id"].as_i64().unwrap();
    sql(
        &t,
        "UPDATE evaluations SET state = 'recused' WHERE id = $1",
        spot,
    )
    .await;
    let r = t
        .api(
            "POST",
            &assign,
            Some(&d),
            Some(json!({"stage": "final", "assessor": fresh})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-conflict-agency-tie"]);
    // The officers see the agency with its tie, in the API and on the page.
    let all = t
        .api("GET", "/api/v1/purchase/agencies", Some(&d), None)
        .await
        .json();
    let a = all
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == agency)
        .unwrap();
    assert_eq!(a["ties"][0]["organization"], provider, "{a}");
    assert_eq!(a["ties"][0]["relation"], "director");
    let listed = t.api("GET", &ties, Some(&d), None).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    // Seen from the other side too.
    let other_side = t
        .api(
            "GET",
            &format!("/api/v1/purchase/agencies/{provider}/ties"),
            Some(&d),
            None,
        )
        .await
        .json();
    assert_eq!(other_side[0]["organization"], agency, "{other_side}");
    // A lasting tie is recorded once; a mistaken one is removed (audited).
    // Six officers record the same lasting tie at once: one lands, five are told it exists.
    let lasting = json!({"organization": provider, "relation": "controller"});
    let t = std::sync::Arc::new(t);
    let out = crate::kernel::parallel(6, |_| {
        let (t, d, ties, body) = (t.clone(), d.clone(), ties.clone(), lasting.clone());
        async move { t.api("POST", &ties, Some(&d), Some(body)).await.status }
    })
    .await;
    assert_eq!(
        out.get(&(StatusCode::CREATED.as_u16())),
        Some(&1),
        "{out:?}"
    );
    assert_eq!(
        out.get(&(StatusCode::CONFLICT.as_u16())),
        Some(&5),
        "{out:?}"
    );
    let mine = t.api("GET", &ties, Some(&d), None).await.json();
    let controls: Vec<i64> = mine
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["relation"] == "controller")
        .map(|x| x["id"].as_i64().unwrap())
        .collect();
    assert_eq!(controls.len(), 1, "{mine}");
    let mistaken = controls[0];
    let r = t.api("POST", &ties, Some(&d), Some(lasting)).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-agency-tie-exists"]);
    let gone = format!("/api/v1/purchase/agency-ties/{mistaken}");
    let r = t.api("DELETE", &gone, Some(&o), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = t.api("DELETE", &gone, Some(&d), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t.api("DELETE", &gone, Some(&d), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(t.audit_count("evaluation.untie").await, 1);
    let mut s = t.login("district").await;
    let page = t.get(&mut s, "/purchase/agencies").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(sanshe_app::demo::DEMO_ORG),
        "{}",
        page.body
    );
    let csrf = crate::common::csrf_in(&page.body);
    let r = t
        .post(
            &mut s,
            &format!("/purchase/agencies/{agency}/ties"),
            &[("csrf", &csrf), ("org", "x"), ("relation", "founder")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("请填写已登记的社会组织编号"), "{}", r.body);
}

#[tokio::test]
async fn comments_stand_beside_each_indicator_and_an_officer_settles_a_recheck_left_behind() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let ev = t.token_for("evaluator").await;
    let o = t.token_for("org").await;
    let (k, e) = demo_midterm(&t).await;
    let ep = format!("/api/v1/purchase/evaluations/{e}");
    let body = |comments: serde_json::Value| {
        json!({"scores": {"decision": 8, "process": 12, "output": 15, "outcome": 14.5},
            "findings": "服务量严重不足", "comments": comments, "no_conflict": true})
    };
    // A comment on an indicator the scheme lacks, or too long, is refused; nothing is stored.
    let long = "长".repeat(1001);
    let r = t
        .api(
            "PUT",
            &format!("{ep}/scores"),
            Some(&ev),
            Some(body(json!({"nosuch": "x", "process": long}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let mut got = codes(&r.json());
    got.sort();
    assert_eq!(
        got,
        ["err-eval-indicator-unknown", "err-too-long"],
        "{}",
        r.body
    );
    let r = t
        .api(
            "PUT",
            &format!("{ep}/scores"),
            Some(&ev),
            Some(body(
                json!({"process": "驻点社工每周仅到岗一次", "outcome": "  "}),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = t.api("GET", &ep, Some(&o), None).await.json();
    let comment = |code: &str| {
        v["scores"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["code"] == code)
            .unwrap()["comment"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(comment("process"), "驻点社工每周仅到岗一次");
    assert_eq!(comment("outcome"), "");
    let mut s = t.login("org").await;
    let page = t.get(&mut s, &format!("/purchase/evaluations/{e}")).await;
    assert!(page.body.contains("驻点社工每周仅到岗一次"));
    // Decided 差: the contract halts; the officer orders a rectification, the provider reports.
    sql(
        &t,
        "UPDATE evaluations SET answer_by = '2000-01-01' WHERE id = $1",
        e,
    )
    .await;
    let r = t
        .api(
            "POST",
            &format!("{ep}/transitions"),
            Some(&ev),
            Some(json!({"event": "finalize"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(halted(&t, k).await, 1);
    let soon = sanshe_app::calendar::today().plus_days(20).to_string();
    let r = t
        .api(
            "POST",
            &format!("{ep}/rectification"),
            Some(&d),
            Some(json!({"demand": "恢复驻点服务", "due": soon})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let tr = format!("{ep}/rectification/transitions");
    let r = t
        .api(
            "POST",
            &tr,
            Some(&o),
            Some(json!({"event": "report", "text": "驻点社工已恢复每周三次"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // While the assessor is there, the re-check is theirs, not the officer's.
    let pass = json!({"event": "pass", "text": "区民政局现场复核：整改到位"});
    let r = t.api("POST", &tr, Some(&d), Some(pass.clone())).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-rect-assessor-active"]);
    let v = t.api("GET", &ep, Some(&d), None).await.json();
    assert_eq!(v["rectification_events"], json!([]), "{v}");
    // The assessor's account is locked (they left the agency): the officer settles it.
    let assessor = t.user_id("evaluator").await;
    sanshe_app::accounts::set_locked(&t.app, &sanshe_app::Ctx::cli(), assessor, true)
        .await
        .unwrap();
    let v = t.api("GET", &ep, Some(&d), None).await.json();
    assert_eq!(v["rectification_events"], json!(["pass", "fail"]), "{v}");
    let r = t.api("POST", &tr, Some(&o), Some(pass.clone())).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = t.api("POST", &tr, Some(&d), Some(pass)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        halted(&t, k).await,
        0,
        "the passed re-check resumes the contract"
    );
}
