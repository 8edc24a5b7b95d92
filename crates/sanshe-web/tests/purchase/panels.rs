//! Panel review: random draws of odd panels without experts tied to an applicant,
//! declarations of conflict with replacement draws, independent scoring, trimmed means and
//! the chair's signature.

use super::{codes, open_call};
use crate::common::T;
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

async fn panel(t: &T, tok: &str, project: i64) -> Value {
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{project}/panel"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

/// A call of the test year with the demo organization's submitted application, closed.
async fn closed_call(t: &T, tok: &str) -> i64 {
    let start = sanshe_app::calendar::today().plus_days(45).to_string();
    let p = open_call(t, tok, &start).await;
    let otok = t.token_for("org").await;
    let team = super::demo_team(t).await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/applications"),
            Some(&otok),
            Some(
                json!({"amount": "150000", "needs_analysis": "需求", "plan": "方案",
                "declared": true, "team": team}),
            ),
        )
        .await;
    let a = r.json()["id"].as_i64().unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/applications/{a}/transitions"),
            Some(&otok),
            Some(json!({"event": "submit"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let today = sanshe_app::calendar::today();
    let mut c = t.app.db.acquire().await.unwrap();
    sanshe_store::purchase::set_call_dates(
        &mut c,
        p,
        &today.plus_days(-20).to_string(),
        &today.plus_days(-1).to_string(),
    )
    .await
    .unwrap();
    drop(c);
    assert_eq!(
        sanshe_app::purchase::closing::close_due(&t.app)
            .await
            .unwrap(),
        1
    );
    p
}

#[tokio::test]
async fn panels_are_odd_and_never_hold_an_expert_tied_to_an_applicant() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let p = closed_call(&t, &tok).await;
    let org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    // Every expert but six is tied to the applicant; a former employee whose tie ended four
    // years ago is not.
    let experts = t
        .api("GET", "/api/v1/purchase/experts", Some(&tok), None)
        .await
        .json();
    let ids: Vec<i64> = experts
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() >= 10);
    let four_years_ago = sanshe_app::calendar::today()
        .plus_days(-4 * 366)
        .to_string();
    for (n, e) in ids.iter().enumerate() {
        let body = if n == 0 {
            json!({"organization": org, "relation": "employee", "ended_on": four_years_ago})
        } else if n < 6 {
            continue;
        } else {
            json!({"organization": org, "relation": if n % 2 == 0 { "director" } else { "relative" }})
        };
        let r = t
            .api(
                "POST",
                &format!("/api/v1/purchase/experts/{e}/ties"),
                Some(&tok),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    // Even, too small or larger than the pool allows: refused.
    for (size, code, status) in [
        (6, "err-panel-size", StatusCode::UNPROCESSABLE_ENTITY),
        (3, "err-panel-size", StatusCode::UNPROCESSABLE_ENTITY),
        (7, "err-pool-too-small", StatusCode::CONFLICT),
    ] {
        let r = t
            .api(
                "POST",
                &format!("/api/v1/purchase/projects/{p}/panel"),
                Some(&tok),
                Some(json!({"size": size})),
            )
            .await;
        assert_eq!(r.status, status, "{size}: {}", r.body);
        assert_eq!(codes(&r.json()), [code], "{size}");
    }
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/panel"),
            Some(&tok),
            Some(json!({"size": 5})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert_eq!(v["members"].as_array().unwrap().len(), 5);
    // The office records paper declarations only for experts without an account.
    let drawn: Vec<i64> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["has_account"] == false)
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    if let Some(own) = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["has_account"] == true)
    {
        let r = t
            .api(
                "POST",
                &format!("/api/v1/purchase/panel-members/{}/declaration", own["id"]),
                Some(&tok),
                Some(json!({"declaration": "conflict", "note": "代为声明"})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::NOT_FOUND,
            "not for an expert with an account"
        );
    }
    let names: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    // Five of the six untied experts, none of the tied ones.
    for (n, e) in experts.as_array().unwrap().iter().enumerate() {
        let name = e["name"].as_str().unwrap();
        if n >= 6 {
            assert!(!names.contains(&name), "{name} is tied: {names:?}");
        }
    }
    assert_eq!(
        v["members"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["chair"] == true)
            .count(),
        1
    );
    let project = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(project["state"], "reviewing");
    // A member who declares a conflict steps aside and the last untied expert takes the
    // seat; a second conflict leaves the seat open (the pool is empty) until the pool grows.
    for (k, m) in drawn.iter().take(2).enumerate() {
        let r = t
            .api(
                "POST",
                &format!("/api/v1/purchase/panel-members/{m}/declaration"),
                Some(&tok),
                Some(json!({"declaration": "conflict", "note": "曾任该组织理事"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let v = panel(&t, &tok, p).await;
        let members = v["members"].as_array().unwrap();
        let recused = members.iter().filter(|m| m["state"] == "recused").count();
        assert_eq!(recused, k + 1);
        assert_eq!(
            members.len(),
            6,
            "one replacement only: the pool had one left"
        );
        assert_eq!(v["can_draw"], k == 1, "an empty seat can be filled");
        assert_eq!(
            members.iter().filter(|m| m["chair"] == true).count(),
            1,
            "the chair passes on"
        );
    }
    // A new expert joins the pool: the empty seat is filled by a draw.
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/experts",
            Some(&tok),
            Some(json!({"name": "新增专家", "affiliation": "常州大学"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/panel"),
            Some(&tok),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert!(v["members"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["name"] == "新增专家"));
    assert_eq!(t.audit_count("project.review").await, 1);
    assert_eq!(t.audit_count("panel.replace").await, 1);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/panel/sign"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(codes(&r.json()), ["err-panel-incomplete"]);
}

fn sheet(base: i64) -> Value {
    json!({"need": (base * 25 / 100), "acceptance": (base * 15 / 100), "innovation": (base * 15 / 100),
        "effectiveness": (base * 30 / 100), "replicability": (base * 15 / 100)})
}

#[tokio::test]
async fn members_declare_before_reading_score_alone_and_the_report_is_signed() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let etok = t.token_for("evaluator").await;
    // The demo call under review: the evaluator's seat still has to declare.
    let p = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=reviewing",
            Some(&etok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let v = panel(&t, &etok, p).await;
    let me = v["me"].as_i64().unwrap();
    assert!(
        v["results"].is_null(),
        "no report for a member before signing"
    );
    let apps = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications?project={p}&state=submitted"),
            Some(&tok),
            None,
        )
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect::<Vec<_>>();
    assert!(apps.len() >= 3);
    // Before declaring: no application, no scoring.
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications/{}", apps[0]),
            Some(&etok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/panel-members/{me}/scores/{}", apps[0]),
            Some(&etok),
            Some(sheet(80)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Another evaluator account cannot act for this seat.
    t.add_user(
        "evaluator2",
        "evaluator",
        Some(
            t.org_id(sanshe_app::demo::DEMO_EVALUATOR_ORG)
                .await
                .to_string(),
        ),
    )
    .await;
    let e2 = t.token_for("evaluator2").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/panel-members/{me}/declaration"),
            Some(&e2),
            Some(json!({"declaration": "none"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Two declarations at once: one lands.
    let t = Arc::new(t);
    let out = parallel(4, |_| {
        let (t, etok) = (t.clone(), etok.clone());
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/panel-members/{me}/declaration"),
                Some(&etok),
                Some(json!({"declaration": "none"})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&3), "{out:?}");
    // Now the evaluator reads and scores every application; a score above the criterion's
    // weight is refused.
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications/{}", apps[0]),
            Some(&etok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let mut too_high = sheet(80);
    too_high["need"] = json!(26);
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/panel-members/{me}/scores/{}", apps[0]),
            Some(&etok),
            Some(too_high),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-score-range"]);
    // The chair has no account; the officer cannot sign before the sheets are complete.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/panel/sign"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    for (n, a) in apps.iter().enumerate() {
        let r = t
            .api(
                "PUT",
                &format!("/api/v1/purchase/panel-members/{me}/scores/{a}"),
                Some(&etok),
                Some(sheet(100 - n as i64 * 5)),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    // The evaluator is not the chair: signing is the chair's (or the office's for the chair).
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/panel/sign"),
            Some(&etok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The call reads the applicants' record (优胜劣汰): the points are fixed when it signs.
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE projects SET history_bonus = 5, history_penalty = 5 WHERE id = $1")
            .bind(p)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/panel/sign"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    assert!(v["signed_at"].is_i64());
    {
        let mut c = t.app.db.acquire().await.unwrap();
        let fixed = sanshe_store::purchase::history_points(&mut c, p)
            .await
            .unwrap();
        assert_eq!(fixed.len(), apps.len(), "{fixed:?}");
        // What the panel signed is what every later view shows, whatever the record says now.
        sqlx::query("UPDATE applications SET history_points = 7 WHERE id = $1")
            .bind(apps[0])
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let later = panel(&t, &tok, p).await;
    let first = later["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["application"] == apps[0])
        .unwrap()
        .clone();
    assert_eq!(first["history_points"], 7, "{first}");
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE applications SET history_points = 0 WHERE id = $1")
            .bind(apps[0])
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), apps.len());
    // Five members: no trimming; the score is the mean of the five totals, ranks ascend.
    for r in results {
        let totals: Vec<i64> = r["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x[1].as_i64().unwrap())
            .collect();
        assert_eq!(totals.len(), 5);
        let mean = totals.iter().sum::<i64>() as f64 / 5.0;
        assert!(
            (r["panel_score"].as_f64().unwrap() - mean).abs() < 0.01,
            "{r}"
        );
        // The ranking score adds the record's points.
        let h = r["history_points"].as_f64().unwrap();
        assert!(
            (r["score"].as_f64().unwrap() - mean - h).abs() < 0.01,
            "{r}"
        );
        assert_eq!(r["trimmed"], false);
    }
    let ranks: Vec<u64> = results
        .iter()
        .map(|r| r["rank"].as_u64().unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
    let project = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(project["state"], "reviewed");
    // The member now sees the report; sheets are closed.
    let v = panel(&t, &etok, p).await;
    assert!(v["results"].is_array());
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/panel-members/{me}/scores/{}", apps[0]),
            Some(&etok),
            Some(sheet(50)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

/// Purchaser's representatives (采购人代表): named by the district, never drawn, at most a
/// third of the seats, barred by a tie like an expert; a representative with an officer's
/// account declares for their own seat; replacements are experts.
#[tokio::test]
async fn representatives_sit_at_most_a_third_and_are_never_drawn() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let p = closed_call(&t, &tok).await;
    let org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let add = |body: Value| {
        let t = &t;
        let tok = tok.clone();
        async move {
            t.api("POST", "/api/v1/purchase/experts", Some(&tok), Some(body))
                .await
        }
    };
    // A representative has no account of their own: the bureau enters their sheets (an
    // officer's account would see the other members' scores before the report is signed).
    for account in ["district", "evaluator"] {
        let r = add(json!({"name": "代表甲", "kind": "purchaser", "account": account})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(codes(&r.json()), ["err-representative-account"]);
    }
    let r = add(json!({"name": "代表甲", "kind": "purchaser"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let own = r.json()["id"].as_i64().unwrap();
    let r = add(json!({"name": "代表乙", "kind": "purchaser"})).await;
    let tied = r.json()["id"].as_i64().unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/experts/{tied}/ties"),
            Some(&tok),
            Some(json!({"organization": org, "relation": "relative"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pool = t
        .api("GET", "/api/v1/purchase/experts", Some(&tok), None)
        .await
        .json();
    let pool = pool.as_array().unwrap();
    let reps: Vec<i64> = pool
        .iter()
        .filter(|e| e["kind"] == "purchaser")
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(reps.len() >= 3 && reps.contains(&own) && reps.contains(&tied));
    let free = *reps.iter().find(|r| **r != own && **r != tied).unwrap();
    let expert = pool.iter().find(|e| e["kind"] == "expert").unwrap()["id"]
        .as_i64()
        .unwrap();
    let draw = |body: Value| {
        let t = &t;
        let tok = tok.clone();
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/projects/{p}/panel"),
                Some(&tok),
                Some(body),
            )
            .await
        }
    };
    // Two of five would leave experts under two thirds; an expert is not a representative;
    // a tied representative may not sit.
    for (body, code) in [
        (
            json!({"size": 5, "representatives": [own, free]}),
            "err-panel-experts",
        ),
        (
            json!({"size": 5, "representatives": [expert]}),
            "err-representative",
        ),
        (
            json!({"size": 5, "representatives": [tied]}),
            "err-representative",
        ),
    ] {
        let r = draw(body.clone()).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}: {}",
            r.body
        );
        assert_eq!(codes(&r.json()), [code], "{body}");
    }
    // Seven seats take two.
    let r = draw(json!({"size": 7, "representatives": [own, free, tied]})).await;
    assert_eq!(codes(&r.json()), ["err-representative"]);
    let r = draw(json!({"size": 5, "representatives": [own]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 5);
    let sitting: Vec<&Value> = members
        .iter()
        .filter(|m| m["kind"] == "purchaser")
        .collect();
    assert_eq!(sitting.len(), 1, "only the one named: {members:?}");
    assert_eq!(sitting[0]["name"], "代表甲");
    assert_eq!(sitting[0]["seat"], 5, "representatives take the last seats");
    let chair = members.iter().find(|m| m["chair"] == true).unwrap();
    assert_eq!(chair["kind"], "expert", "an expert chairs");
    // The office records the representative's declaration.
    assert_eq!(sitting[0]["has_account"], false);
    assert!(v["me"].is_null());
    let r = t
        .api(
            "POST",
            &format!(
                "/api/v1/purchase/panel-members/{}/declaration",
                sitting[0]["id"]
            ),
            Some(&tok),
            Some(json!({"declaration": "none"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // An expert steps aside: the replacement is an expert, never a representative.
    let paper = members
        .iter()
        .find(|m| m["kind"] == "expert" && m["has_account"] == false)
        .unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/panel-members/{}/declaration", paper["id"]),
            Some(&tok),
            Some(json!({"declaration": "conflict", "note": "曾任该组织理事"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = panel(&t, &tok, p).await;
    let members = v["members"].as_array().unwrap();
    assert_eq!(members.len(), 6);
    assert_eq!(
        members.iter().filter(|m| m["kind"] == "purchaser").count(),
        1
    );
    assert_eq!(members.last().unwrap()["kind"], "expert");
    // The page names the representative and offers the pool's representatives at the draw.
    let mut s = t.login("district").await;
    let page = t.get(&mut s, &format!("/purchase/projects/{p}")).await;
    assert!(page.body.contains("采购人代表"), "{}", page.body);
    let pool_page = t.get(&mut s, "/purchase/experts").await;
    assert!(pool_page.body.contains("代表乙"), "{}", pool_page.body);
}
