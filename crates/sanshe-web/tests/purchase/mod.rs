//! Government purchase of services: the catalog's negative list, the budget ceiling under
//! parallel approvals, calls with deadlines in working days, applications with live
//! eligibility and credential gating, one application per organization under parallel
//! saves, privacy of applications, the catalog spreadsheet and the public portal.

mod award_lists;
mod awards;
mod contracts;
mod delivery;
mod evaluation_extras;
mod evaluation_rules;
mod evaluations;
mod ocds;
mod panels;
mod questions;
mod ratings;
mod venture;

use crate::common::{Session, T};
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

/// A year no demo data touches.
const YEAR: i64 = 2031;

pub(super) fn codes(r: &Value) -> Vec<String> {
    r["error"]["fields"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["code"].as_str().unwrap_or("").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

async fn line(t: &T, tok: &str, code: &str, yuan: &str) -> i64 {
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/budget-lines",
            Some(tok),
            Some(json!({"year": YEAR, "code": code, "name": "测试科目", "amount": yuan})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn item(t: &T, tok: &str, code: &str, line: &str, ceiling: &str) -> i64 {
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/catalog-items",
            Some(tok),
            Some(json!({"year": YEAR, "code": code, "category": "elderly_disabled", "name": "测试事项",
                "content": "上门探访", "price_ceiling": ceiling, "budget_line": line, "nature": "service"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn publish_catalog(t: &T, tok: &str) {
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/catalog/transitions",
            Some(tok),
            Some(json!({"year": YEAR, "event": "publish"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn project(t: &T, tok: &str, item: i64, yuan: &str, start: &str) -> i64 {
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/projects",
            Some(tok),
            Some(
                json!({"item": item, "title": "测试项目", "amount": yuan, "method": "public_call",
                "min_team": 2, "min_intermediate": 1, "start_date": start, "end_date": "2031-12-31",
                "communities": ["320412100002"]}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

pub(super) async fn step(t: &T, tok: &str, id: i64, event: &str) -> (StatusCode, Value) {
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{id}/transitions"),
            Some(tok),
            Some(json!({"event": event, "text": "测试"})),
        )
        .await;
    let v = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    (r.status, v)
}

/// A published, open call of the test year whose service starts on `start`.
pub(super) async fn open_call(t: &T, tok: &str, start: &str) -> i64 {
    line(t, tok, "L1", "1000000").await;
    let i = item(t, tok, "A01", "L1", "300000").await;
    publish_catalog(t, tok).await;
    let p = project(t, tok, i, "200000", start).await;
    assert_eq!(step(t, tok, p, "approve").await.0, StatusCode::OK);
    assert_eq!(step(t, tok, p, "publish").await.0, StatusCode::OK);
    p
}

#[tokio::test]
async fn the_negative_list_is_refused_with_its_article() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    line(&t, &tok, "L1", "500000").await;
    for nature in [
        "not_duty",
        "government_own",
        "goods_works",
        "financing",
        "staffing",
        "excluded_by_law",
    ] {
        let r = t
            .api(
                "POST",
                "/api/v1/purchase/catalog-items",
                Some(&tok),
                Some(json!({"year": YEAR, "code": "X1", "category": "other", "name": "社区用房修缮",
                    "content": "维修", "price_ceiling": "1000", "budget_line": "L1", "nature": nature})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{nature}");
        assert!(
            codes(&r.json()).contains(&"err-negative-list".to_owned()),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("第十条"),
            "the article is cited: {}",
            r.body
        );
    }
    // A line of another year, or none, is refused too.
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/catalog-items",
            Some(&tok),
            Some(json!({"year": YEAR, "code": "X1", "category": "other", "name": "探访",
                "content": "探访", "price_ceiling": "1000", "budget_line": "NOPE", "nature": "service"})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-budget-line-missing"]);
    item(&t, &tok, "X1", "L1", "1000").await;
    // An empty catalog cannot be published; this one can, and then it cannot change.
    publish_catalog(&t, &tok).await;
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/catalog-items",
            Some(&tok),
            Some(json!({"year": YEAR, "code": "X2", "category": "other", "name": "探访",
                "content": "探访", "price_ceiling": "1000", "budget_line": "L1", "nature": "service"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(t.audit_count("catalog.publish").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_budget_line_is_never_overdrawn_by_parallel_approvals() {
    let t = Arc::new(T::new().await);
    let tok = t.token_for("district").await;
    let l = line(&t, &tok, "L1", "1000000").await;
    let i = item(&t, &tok, "A01", "L1", "300000").await;
    // Before the catalog is published no project may be approved.
    let early = project(&t, &tok, i, "200000", "2031-03-01").await;
    let (s, v) = step(&t, &tok, early, "approve").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(codes(&v), ["err-catalog-not-published"]);
    publish_catalog(&t, &tok).await;
    // Above the item's price ceiling is refused.
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/projects",
            Some(&tok),
            Some(
                json!({"item": i, "title": "超限", "amount": "300000.01", "method": "public_call",
                "start_date": "2031-03-01", "end_date": "2031-12-31"}),
            ),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-amount-over-ceiling"]);
    // Eight projects of ¥200,000 against ¥1,000,000 (one already drafted): five fit.
    let mut ids = vec![early];
    for _ in 0..7 {
        ids.push(project(&t, &tok, i, "200000", "2031-03-01").await);
    }
    let ids = Arc::new(ids);
    let out = parallel(8, |n| {
        let (t, tok, ids) = (t.clone(), tok.clone(), ids.clone());
        async move { step(&t, &tok, ids[n], "approve").await.0 }
    })
    .await;
    assert_eq!(out.get(&200), Some(&5), "{out:?}");
    assert_eq!(out.get(&409), Some(&3), "{out:?}");
    let lines = t
        .api(
            "GET",
            &format!("/api/v1/purchase/budget-lines?year={YEAR}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let me = lines
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == l)
        .unwrap()
        .clone();
    assert_eq!(me["committed"], "1000000.00");
    assert_eq!(me["available"], "0.00");
    assert_eq!(t.audit_count("project.approve").await, 5);
    // Cancelling an approved project gives its money back; a refused one can now fit.
    let approved: Vec<i64> = {
        let mut v = Vec::new();
        for id in ids.iter() {
            let p = t
                .api(
                    "GET",
                    &format!("/api/v1/purchase/projects/{id}"),
                    Some(&tok),
                    None,
                )
                .await
                .json();
            if p["state"] == "approved" {
                v.push(*id);
            }
        }
        v
    };
    let refused = ids.iter().find(|x| !approved.contains(x)).copied().unwrap();
    let (s, v) = step(&t, &tok, refused, "approve").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(codes(&v), ["err-budget-exceeded"]);
    assert_eq!(
        step(&t, &tok, approved[0], "cancel").await.0,
        StatusCode::OK
    );
    assert_eq!(step(&t, &tok, refused, "approve").await.0, StatusCode::OK);
    // The line's amount cannot drop below what is held on it.
    let r = t
        .api(
            "PATCH",
            &format!("/api/v1/purchase/budget-lines/{l}"),
            Some(&tok),
            Some(json!({"name": "测试科目", "amount": "999999"})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-budget-below-committed"]);
}

#[tokio::test]
async fn a_call_closes_after_its_deadline_in_working_days() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    // The three days after today are declared holidays: the deadline skips them and the
    // weekends.
    let today = sanshe_app::calendar::today();
    for n in 1..=3 {
        let d = today.plus_days(n);
        let r = t
            .api(
                "PUT",
                &format!("/api/v1/calendar/{d}"),
                Some(&tok),
                Some(json!({"kind": "holiday", "name": "测试假日"})),
            )
            .await;
        assert!(r.status.is_success(), "{}", r.body);
    }
    let p = open_call(&t, &tok, "2031-03-01").await;
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    let mut want = today.plus_days(3);
    let mut left = 5; // the default minimum of the policy profile
    while left > 0 {
        want = want.plus_days(1);
        if !want.is_weekend() {
            left -= 1;
        }
    }
    assert_eq!(v["deadline"], want.to_string(), "{v}");
    assert_eq!(v["published_on"], today.to_string());
    // Closing by hand before the deadline is refused; an application period shorter than
    // the profile's minimum too.
    let (s, body) = step(&t, &tok, p, "close").await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(codes(&body), ["err-call-still-open"]);
    let otok = t.token_for("org").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/applications"),
            Some(&otok),
            Some(json!({"amount": "150000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The deadline passes (moved into the past here): the job closes the call once, and
    // the applicant is told.
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::purchase::set_call_dates(
            &mut c,
            p,
            &today.plus_days(-20).to_string(),
            &today.plus_days(-1).to_string(),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        sanshe_app::purchase::closing::close_due(&t.app)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        sanshe_app::purchase::closing::close_due(&t.app)
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
    assert_eq!(v["state"], "closed");
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&otok), None)
        .await
        .json();
    assert!(
        inbox.to_string().contains("project.closed"),
        "the applicant is told: {inbox}"
    );
    // A closed call takes no application.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/applications"),
            Some(&otok),
            Some(json!({"amount": "1"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

/// The demo organization's certified staff (registered on the demo's service start date).
pub(super) async fn demo_team(t: &T) -> Vec<i64> {
    let org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let mut c = t.app.db.acquire().await.unwrap();
    sanshe_store::purchase::staff(&mut c, org)
        .await
        .unwrap()
        .into_iter()
        .filter(|(_, _, level)| level != "none")
        .map(|(id, _, _)| id)
        .collect()
}

#[tokio::test]
async fn eligibility_is_computed_live_and_gates_submission() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let otok = t.token_for("org").await;
    let team = demo_team(&t).await;
    assert!(team.len() >= 2, "{team:?}");
    // The service starts long after the team's registrations end.
    let p = open_call(&t, &tok, "2031-03-01").await;
    let body = json!({"amount": "180000", "needs_analysis": "走访发现独居老人需要陪伴",
        "plan": "每周探访", "direct_beneficiaries": 120, "indirect_beneficiaries": 300,
        "declared": true, "team": team});
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/applications"),
            Some(&otok),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = r.json()["id"].as_i64().unwrap();
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications/{a}"),
            Some(&otok),
            None,
        )
        .await
        .json();
    assert_eq!(v["eligible"], false, "{v}");
    let fails: Vec<&str> = v["eligibility"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "fail")
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(fails.contains(&"elig-team-size"), "{fails:?}");
    assert!(fails.contains(&"elig-member-registration"), "{fails:?}");
    assert!(
        v["eligibility"].to_string().contains("2031-03-01"),
        "the reason names the start date"
    );
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/applications/{a}/transitions"),
            Some(&otok),
            Some(json!({"event": "submit"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(codes(&r.json()).contains(&"elig-member-registration".to_owned()));
    // A call starting within the registrations: eligible (CPD shortfalls only warn).
    let start = sanshe_app::calendar::today().plus_days(45).to_string();
    let i2 = {
        let v = t
            .api(
                "GET",
                &format!("/api/v1/purchase/catalog?year={YEAR}"),
                Some(&tok),
                None,
            )
            .await
            .json();
        v["items"][0]["id"].as_i64().unwrap()
    };
    let p2 = project(&t, &tok, i2, "200000", &start).await;
    assert_eq!(step(&t, &tok, p2, "approve").await.0, StatusCode::OK);
    assert_eq!(step(&t, &tok, p2, "publish").await.0, StatusCode::OK);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p2}/applications"),
            Some(&otok),
            Some(body.clone()),
        )
        .await;
    let a2 = r.json()["id"].as_i64().unwrap();
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications/{a2}"),
            Some(&otok),
            None,
        )
        .await
        .json();
    assert_eq!(v["eligible"], true, "{v}");
    // Without the declaration it cannot be submitted.
    let mut undeclared = body.clone();
    undeclared["declared"] = json!(false);
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/applications/{a2}"),
            Some(&otok),
            Some(undeclared),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/applications/{a2}/transitions"),
            Some(&otok),
            Some(json!({"event": "submit"})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-declaration"]);
    t.api(
        "PUT",
        &format!("/api/v1/purchase/applications/{a2}"),
        Some(&otok),
        Some(body.clone()),
    )
    .await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/applications/{a2}/transitions"),
            Some(&otok),
            Some(json!({"event": "submit"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "submitted");
    // A blacklisted organization fails the screen, with the date it ends.
    let org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let r = t
        .api(
            "PATCH",
            &format!("/api/v1/organizations/{org}"),
            Some(&tok),
            Some(json!({"blacklisted_until": "2099-01-01", "blacklist_reason": "虚假材料"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications/{a2}"),
            Some(&otok),
            None,
        )
        .await
        .json();
    assert_eq!(v["eligible"], false);
    assert!(v["eligibility"].to_string().contains("2099-01-01"));
    // Someone else's social worker cannot be put on the team.
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/applications/{a}"),
            Some(&otok),
            Some(json!({"amount": "1000", "team": [1]})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-team-not-staff"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_application_per_organization_holds_under_parallel_saves() {
    let t = Arc::new(T::new().await);
    let tok = t.token_for("district").await;
    let otok = t.token_for("org").await;
    let p = open_call(&t, &tok, "2031-03-01").await;
    let out = parallel(8, |_| {
        let (t, otok) = (t.clone(), otok.clone());
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/projects/{p}/applications"),
                Some(&otok),
                Some(json!({"amount": "1000"})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&201), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&7), "{out:?}");
    let list = t
        .api("GET", "/api/v1/purchase/applications", Some(&otok), None)
        .await
        .json();
    let mine: Vec<&Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["project"] == p)
        .collect();
    assert_eq!(mine.len(), 1);
    // Withdrawing frees the slot: the organization may apply again.
    let a = mine[0]["id"].as_i64().unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/applications/{a}/transitions"),
            Some(&otok),
            Some(json!({"event": "withdraw"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/applications"),
            Some(&otok),
            Some(json!({"amount": "1000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}

#[tokio::test]
async fn an_application_is_seen_by_its_organization_and_once_submitted_by_officers() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let otok = t.token_for("org").await;
    let p = open_call(&t, &tok, "2031-03-01").await;
    let a = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/applications"),
            Some(&otok),
            Some(json!({"amount": "1000"})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    // Another organization's account.
    let other = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::purchase::demo_teams(&mut c, "320412", "2026-01-01", 50)
            .await
            .unwrap()
            .into_iter()
            .map(|x| x.0)
            .find(|o| *o != 0)
            .unwrap_or(2)
    };
    let demo_org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let other = if other == demo_org {
        demo_org + 1
    } else {
        other
    };
    t.add_user("rival", "social_org", Some(other.to_string()))
        .await;
    let rtok = t.token_for("rival").await;
    for (who, tk) in [("rival", &rtok), ("district", &tok)] {
        let r = t
            .api(
                "GET",
                &format!("/api/v1/purchase/applications/{a}"),
                Some(tk),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} sees a draft");
    }
    let list = t
        .api("GET", "/api/v1/purchase/applications", Some(&rtok), None)
        .await
        .json();
    assert!(list["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|x| x["organization"] == other));
    // The officer's list of the call shows no drafts.
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert!(v["applications"].as_array().unwrap().is_empty());
    // Staff of a street or community see nothing of applications.
    let stok = t.token_for("street").await;
    let r = t
        .api("GET", "/api/v1/purchase/applications", Some(&stok), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_catalog_imports_whole_or_not_at_all_and_exports_back() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    line(&t, &tok, "L1", "500000").await;
    let good =
        "编号,类别,名称,服务内容,服务标准,承接主体类型,最低评估等级,最高限价,预算科目,性质\n\
        A01,养老助残,居家探访,每周探访独居老人,,social_service_agency,3,\"120,000\",L1,service\n\
        A02,矛盾化解,邻里调解,调解邻里纠纷,,,,80000,L1,service\n";
    let bad = format!(
        "{good}A03,其他,修缮社区用房,维修,,,,50000,L1,goods_works\nA01,其他,重复,重复,,,,1,L1,service\n"
    );
    let r = t
        .api_raw(
            "POST",
            &format!("/api/v1/purchase/catalog-items/import?year={YEAR}"),
            &tok,
            bad.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let rep = r.json();
    assert_eq!(rep["committed"], false);
    let issue_codes: Vec<&str> = rep["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(
        issue_codes.contains(&"err-negative-list"),
        "{issue_codes:?}"
    );
    assert!(
        issue_codes.contains(&"err-duplicate-in-file"),
        "{issue_codes:?}"
    );
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/catalog?year={YEAR}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "nothing written");
    let r = t
        .api_raw(
            "POST",
            &format!("/api/v1/purchase/catalog-items/import?year={YEAR}"),
            &tok,
            good.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["inserted"], 2);
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/catalog?year={YEAR}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(v["items"][0]["price_ceiling"], "120000.00");
    assert_eq!(v["items"][0]["category"], "elderly_disabled");
    assert_eq!(v["items"][0]["min_rating"], 3);
    // The export has the import's columns, so it imports back unchanged.
    let mut s = t.login("district").await;
    let r = t
        .get(&mut s, &format!("/purchase/catalog/export/csv?year={YEAR}"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("编号") && r.body.contains("A02"),
        "{}",
        r.body
    );
    let r = t
        .api_raw(
            "POST",
            &format!("/api/v1/purchase/catalog-items/import?year={YEAR}"),
            &tok,
            r.body.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["existing_rows"], 2);
}

#[tokio::test]
async fn the_portal_shows_the_published_catalog_and_calls_only() {
    let t = T::new().await;
    let mut anon = Session::default();
    // The demo year: a published catalog and an open call.
    let r = t.get(&mut anon, "/public/catalog").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("困境老人关爱服务"), "{}", r.body);
    let r = t.get(&mut anon, "/public/calls").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("武进区社区心理疏导服务项目"));
    assert!(!r.body.contains("（2027年度）"), "a draft is not public");
    let tok = t.token_for("district").await;
    let all = t
        .api("GET", "/api/v1/purchase/projects", Some(&tok), None)
        .await
        .json();
    for p in all["items"].as_array().unwrap() {
        let r = t
            .get(&mut anon, &format!("/public/calls/{}", p["id"]))
            .await;
        let public = sanshe_app::purchase::policy::PUBLIC_STATES
            .iter()
            .any(|s| p["state"] == *s);
        assert_eq!(
            r.status,
            if public {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            },
            "{}",
            p["state"]
        );
    }
    // A year without a published catalog says so.
    let r = t.get(&mut anon, "/public/catalog?year=2031").await;
    assert!(r.body.contains("尚未发布"));
}

#[tokio::test]
async fn an_organization_applies_through_its_pages() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let open = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=open",
            Some(&tok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let team = demo_team(&t).await;
    let mut s = t.login("org").await;
    let r = t.get(&mut s, &format!("/purchase/projects/{open}")).await;
    assert!(r.body.contains(&format!("/purchase/projects/{open}/apply")));
    let r = t
        .get(&mut s, &format!("/purchase/projects/{open}/apply"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // A wrong amount is named; nothing is saved.
    let team_s: Vec<String> = team.iter().map(|x| x.to_string()).collect();
    let mut fields: Vec<(&str, &str)> = vec![
        ("amount", "9999999"),
        ("needs_analysis", "需求"),
        ("plan", "方案"),
        ("declared", "1"),
    ];
    for w in &team_s {
        fields.push(("team", w));
    }
    let r = t
        .post(&mut s, &format!("/purchase/projects/{open}/apply"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("不能超过项目金额"), "{}", r.body);
    fields[0] = ("amount", "150000");
    let r = t
        .post(&mut s, &format!("/purchase/projects/{open}/apply"), &fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let to = r.location();
    let r = t.get(&mut s, &to).await;
    assert!(r.body.contains("资格核验"), "{}", r.body);
    let id: i64 = to.rsplit('/').next().unwrap().parse().unwrap();
    let r = t
        .post(
            &mut s,
            &format!("/purchase/applications/{id}/transition"),
            &[("event", "submit")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The officer sees it on the call's page.
    let mut d = t.login("district").await;
    let r = t.get(&mut d, &format!("/purchase/projects/{open}")).await;
    assert!(r.body.contains(sanshe_app::demo::DEMO_ORG), "{}", r.body);
    let r = t.get(&mut d, "/purchase/catalog").await;
    assert!(r.body.contains("预算科目") && r.body.contains("2080208"));
}

#[tokio::test]
async fn a_call_scores_on_its_own_rubric_weights() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    line(&t, &tok, "L1", "1000000").await;
    let i = item(&t, &tok, "A01", "L1", "300000").await;
    let body = |w: [i64; 5]| {
        json!({"item": i, "title": "权重测试", "amount": "100000", "method": "public_call",
            "min_team": 2, "min_intermediate": 1, "start_date": "2031-03-01", "end_date": "2031-12-31",
            "rubric": {"need": w[0], "acceptance": w[1], "innovation": w[2], "effectiveness": w[3], "replicability": w[4]},
            "guidance": {"need": "重点看入户调研的样本与结论", "innovation": ""}})
    };
    // The weights add up to 100.
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/projects",
            Some(&tok),
            Some(body([40, 10, 10, 30, 0])),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-rubric-sum"]);
    assert!(r.body.contains("90"), "{}", r.body);
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/projects",
            Some(&tok),
            Some(body([40, 10, 10, 30, 10])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let p = r.json()["id"].as_i64().unwrap();
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(v["rubric"]["need"], 40, "{v}");
    // Its own guidance for need; the others keep the default.
    assert_eq!(v["guidance"]["need"], "重点看入户调研的样本与结论", "{v}");
    assert!(v["guidance"]["innovation"].is_null(), "{v}");
    let mut ds = t.login("district").await;
    let form = t
        .get(&mut ds, &format!("/purchase/projects/{p}/edit"))
        .await;
    assert!(
        form.body.contains("重点看入户调研的样本与结论"),
        "{}",
        form.body
    );
    // The demo call under review scores on weights of its own: 40 points of need are
    // taken, 15 of acceptance (its weight 10) are not.
    let etok = t.token_for("evaluator").await;
    let reviewing = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=reviewing",
            Some(&tok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query(
            "UPDATE projects SET rubric = '40,10,10,30,10', \
             rubric_guide = '看需求调研是否入户\n\n\n\n' WHERE id = $1",
        )
        .bind(reviewing)
        .execute(&mut *c)
        .await
        .unwrap();
    }
    let me = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{reviewing}/panel"),
            Some(&etok),
            None,
        )
        .await
        .json()["me"]
        .as_i64()
        .unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/panel-members/{me}/declaration"),
            Some(&etok),
            Some(json!({"declaration": "none"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // The score sheet shows the call's guidance, and the default where it has none.
    let mut es = t.login("evaluator").await;
    let page = t
        .get(&mut es, &format!("/purchase/projects/{reviewing}"))
        .await;
    assert!(page.body.contains("看需求调研是否入户"), "{}", page.body);
    assert!(
        page.body.contains("经验能否在其他社区推广复制"),
        "{}",
        page.body
    );
    let a = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications?project={reviewing}&state=submitted"),
            Some(&tok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let score = |acc: i64| json!({"need": 40, "acceptance": acc, "innovation": 5, "effectiveness": 20, "replicability": 5});
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/panel-members/{me}/scores/{a}"),
            Some(&etok),
            Some(score(15)),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-score-range"]);
    assert!(r.body.contains("10"), "{}", r.body);
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/panel-members/{me}/scores/{a}"),
            Some(&etok),
            Some(score(10)),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}
