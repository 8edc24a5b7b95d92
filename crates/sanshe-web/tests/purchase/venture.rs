//! Venture philanthropy (公益创投): a round from call to award and mid-term through the API,
//! eligibility (one project per organization, the declaration, debarment, a project left
//! unfinished), the pools never over-committed under parallel awards, one vote per resident
//! under parallel votes, the ranking recomputed from the published scores and the round's
//! rules, and the pages in both languages.

use super::codes;
use crate::common::T;
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
use std::sync::Arc;

fn today() -> String {
    sanshe_app::calendar::today().to_string()
}

fn round_body(fiscal_yuan: i64, charity_yuan: i64) -> Value {
    json!({
        "title": "测试创投", "year": 2031, "topics": ["为老服务", "社区融合"],
        "pool_fiscal_fen": fiscal_yuan * 100, "pool_charity_fen": charity_yuan * 100,
        "tiers": [500000, 1000000, 2000000, 3000000], "review_mode": "roadshow",
        "apply_until": today(), "notice_days": 0, "vote_top_n": 1, "vote_bonus": 5,
        "matched_unit_fen": 100000, "matched_cap": 50, "first_days": 15, "first_share": 50,
        "debar_years": 3
    })
}

async fn step(t: &T, tok: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = t.api("POST", path, Some(tok), Some(body)).await;
    r.outcome()
}

/// Active organizations of the district other than the demo ones, with an account each
/// (`org1`, `org2`, …).
async fn org_accounts(t: &T, n: usize) -> Vec<(i64, String)> {
    let home = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let agency = t.org_id(sanshe_app::demo::DEMO_EVALUATOR_ORG).await;
    let ids: Vec<i64> = {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query(
            "SELECT id FROM organizations WHERE status = 'active' AND area_code LIKE '320412%' \
             AND id <> $1 AND id <> $2 AND id NOT IN (SELECT org_id FROM venture_projects) \
             ORDER BY id LIMIT $3",
        )
        .bind(home)
        .bind(agency)
        .bind(n as i64)
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get("id").unwrap())
        .collect()
    };
    let mut out = Vec::new();
    for (i, id) in ids.into_iter().enumerate() {
        let name = format!("vorg{i}");
        t.add_user(&name, "social_org", Some(id.to_string())).await;
        out.push((id, t.token_for(&name).await));
    }
    out
}

fn apply_body(title: &str, tier: i64, matched: i64) -> Value {
    json!({"title": title, "topic": "为老服务", "tier_fen": tier, "matched_fen": matched,
           "summary": "测试", "not_funded_elsewhere": true, "submit": true})
}

#[tokio::test]
async fn a_round_runs_from_call_to_award_and_a_failed_midterm() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let org = t.token_for("org").await;
    let ev = t.token_for("evaluator").await;
    let res = t.token_for("resident").await;
    let others = org_accounts(&t, 1).await;
    let r = t
        .api(
            "POST",
            "/api/v1/venture/rounds",
            Some(&d),
            Some(round_body(30_000, 10_000)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let round = r.json()["id"].as_i64().unwrap();
    let base = format!("/api/v1/venture/rounds/{round}");
    // Drafts are the officers' only.
    assert_eq!(
        t.api("GET", &base, Some(&org), None).await.status,
        StatusCode::NOT_FOUND
    );
    let (s, _) = step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "publish"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let evaluator = t.user_id("evaluator").await;
    let (s, _) = step(
        &t,
        &d,
        &format!("{base}/reviewers"),
        json!({"reviewer": evaluator}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Two organizations apply; the demo organization raised ¥3,000 of matched funds.
    let (s, v) = step(
        &t,
        &org,
        &format!("{base}/projects"),
        apply_body("银龄陪伴", 3_000_000, 300_000),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let mine = v["id"].as_i64().unwrap();
    let (s, v) = step(
        &t,
        &others[0].1,
        &format!("{base}/projects"),
        apply_body("邻里客厅", 2_000_000, 0),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let theirs = v["id"].as_i64().unwrap();
    // A reviewer cannot score before screening; the officer screens both in.
    let (s, _) = step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "close_applications"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    for p in [mine, theirs] {
        let (s, v) = step(
            &t,
            &d,
            &format!("/api/v1/venture/projects/{p}/transitions"),
            json!({"event": "pass"}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    }
    let score = |p: i64, each: i64| {
        let ev = ev.clone();
        let t = &t;
        async move {
            t.api(
                "PUT",
                &format!("/api/v1/venture/projects/{p}/scores"),
                Some(&ev),
                Some(json!({"scores": {"need": each, "acceptance": each, "innovation": each, "effectiveness": each, "replicability": each}})),
            )
            .await
        }
    };
    let bad = score(mine, 21).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(codes(&bad.json()).contains(&"err-eval-score-range".to_owned()));
    // The message names the criterion (no placeholder left in it).
    assert!(
        bad.body.contains("需求度") && !bad.body.contains("{name}"),
        "{}",
        bad.body
    );
    assert_eq!(score(mine, 16).await.status, StatusCode::NO_CONTENT);
    assert_eq!(score(theirs, 17).await.status, StatusCode::NO_CONTENT);
    for p in [mine, theirs] {
        let (s, _) = step(
            &t,
            &d,
            &format!("/api/v1/venture/projects/{p}/transitions"),
            json!({"event": "shortlist"}),
        )
        .await;
        assert_eq!(s, StatusCode::NO_CONTENT);
    }
    let (s, _) = step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "announce"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Residents vote once each; the top one by votes gets 5 points.
    t.add_user("voter2", "resident", None).await;
    let res2 = t.token_for("voter2").await;
    for tok in [&res, &res2] {
        let (s, v) = step(&t, tok, &format!("{base}/votes"), json!({"project": mine})).await;
        assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    }
    let (s, v) = step(
        &t,
        &res,
        &format!("{base}/votes"),
        json!({"project": theirs}),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(codes(&v), ["err-venture-voted"]);
    let (s, _) = step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "close_vote"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let detail = t.api("GET", &base, Some(&d), None).await.json();
    let p0 = &detail["projects"][0];
    // 80 + 3 (¥3,000 at ¥1,000 a point) + 5 (most votes) = 88, ahead of 85.
    assert_eq!(
        (p0["id"].as_i64().unwrap(), p0["total"].as_str().unwrap()),
        (mine, "88")
    );
    assert_eq!(detail["projects"][1]["total"], "85");
    // The ranking, recomputed from the published scores and the round's rules.
    for p in detail["projects"].as_array().unwrap() {
        let score: f64 = p["score"].as_str().unwrap().parse().unwrap();
        let r = &detail["round"];
        let matched = (p["matched_fen"].as_i64().unwrap()
            / r["matched_unit_fen"].as_i64().unwrap())
        .min(r["matched_cap"].as_i64().unwrap());
        let top = detail["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["votes"].as_i64().unwrap())
            .max()
            .unwrap();
        let vote = if p["votes"].as_i64().unwrap() == top && top > 0 {
            r["vote_bonus"].as_i64().unwrap()
        } else {
            0
        };
        let total: f64 = p["total"].as_str().unwrap().parse().unwrap();
        assert_eq!(total, score + matched as f64 + vote as f64);
    }
    // Awards: ¥30,000 from the fiscal pool fills it; ¥20,000 more fits in neither pool.
    let (s, v) = step(
        &t,
        &d,
        &format!("/api/v1/venture/projects/{mine}/transitions"),
        json!({"event": "award", "source": "fiscal"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    for source in ["fiscal", "charity"] {
        let (s, v) = step(
            &t,
            &d,
            &format!("/api/v1/venture/projects/{theirs}/transitions"),
            json!({"event": "award", "source": source}),
        )
        .await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_eq!(codes(&v), ["err-venture-pool-exhausted"]);
    }
    let (s, _) = step(
        &t,
        &d,
        &format!("/api/v1/venture/projects/{theirs}/transitions"),
        json!({"event": "award", "source": "charity", "tier_fen": 1000000}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "conclude"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // Agreement, first tranche within 15 working days, half of the award.
    let pt = format!("/api/v1/venture/projects/{mine}/transitions");
    assert_eq!(
        step(&t, &d, &pt, json!({"event": "sign"})).await.0,
        StatusCode::NO_CONTENT
    );
    let (s, v) = step(&t, &d, &pt, json!({"event": "pay_first"})).await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-required".to_owned()]
        )
    );
    assert_eq!(
        step(
            &t,
            &d,
            &pt,
            json!({"event": "pay_first", "voucher": "PZ-1"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let p = t
        .api(
            "GET",
            &format!("/api/v1/venture/projects/{mine}"),
            Some(&org),
            None,
        )
        .await
        .json();
    assert_eq!(p["project"]["paid_fen"], 1_500_000);
    let due = p["project"]["first_due_on"].as_str().unwrap().to_owned();
    assert!(due > today());
    // A failed mid-term stops payment: the unpaid half goes back to the fiscal pool, part of
    // what was paid is recovered, and the finding is public.
    let (s, v) = step(
        &t,
        &d,
        &pt,
        json!({"event": "midterm_fail", "note": "台账缺失，服务未开展", "clawback_fen": 2_000_000}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-range".to_owned()]
        )
    );
    let (s, _) = step(
        &t,
        &d,
        &pt,
        json!({"event": "midterm_fail", "note": "台账缺失，服务未开展", "clawback_fen": 500000}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    // A stopped project cannot be stopped again (nothing moves back to the pool twice).
    let (s, v) = step(&t, &d, &pt, json!({"event": "stop", "note": "再次终止"})).await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::CONFLICT,
            vec!["err-transition-not-allowed".to_owned()]
        )
    );
    let r = t.api("GET", &base, Some(&d), None).await.json();
    assert_eq!(r["round"]["committed_fiscal_fen"], 1_500_000);
    assert_eq!(r["round"]["committed_charity_fen"], 1_000_000);
    let public = t
        .get(
            &mut crate::common::Session::default(),
            &format!("/public/venture/{round}"),
        )
        .await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.body.contains("台账缺失"));
    // Within a year of that, the organization may not bring a project to another round.
    let r2 = t
        .api(
            "POST",
            "/api/v1/venture/rounds",
            Some(&d),
            Some(round_body(10_000, 0)),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    step(
        &t,
        &d,
        &format!("/api/v1/venture/rounds/{r2}/transitions"),
        json!({"event": "publish"}),
    )
    .await;
    let (s, v) = step(
        &t,
        &org,
        &format!("/api/v1/venture/rounds/{r2}/projects"),
        apply_body("再申报", 500000, 0),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::CONFLICT,
            vec!["err-venture-unfinished".to_owned()]
        )
    );
    // Every step is audited and on the timeline.
    assert!(t.audit_count("venture_project.midterm_fail").await >= 1);
}

#[tokio::test]
async fn eligibility_is_checked_and_explained() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let others = org_accounts(&t, 2).await;
    let round = t
        .api(
            "POST",
            "/api/v1/venture/rounds",
            Some(&d),
            Some(round_body(50_000, 0)),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/venture/rounds/{round}");
    // Not yet published: no applications.
    let (s, _) = step(
        &t,
        &others[0].1,
        &format!("{base}/projects"),
        apply_body("草稿期", 500000, 0),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "publish"}),
    )
    .await;
    // The declaration is required to submit; a tier or topic outside the round's is refused.
    let mut b = apply_body("未声明", 500000, 0);
    b["not_funded_elsewhere"] = json!(false);
    b["tier_fen"] = json!(700000);
    b["topic"] = json!("不存在");
    let (s, v) = step(&t, &others[0].1, &format!("{base}/projects"), b).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let mut c = codes(&v);
    c.sort();
    assert_eq!(
        c,
        [
            "err-venture-funded-elsewhere",
            "err-venture-tier",
            "err-venture-topic"
        ]
    );
    // One project per organization, under eight parallel saves.
    let t = Arc::new(t);
    let tok = others[0].1.clone();
    let out = parallel(8, |i| {
        let t = t.clone();
        let tok = tok.clone();
        let base = base.clone();
        async move {
            t.api(
                "POST",
                &format!("{base}/projects"),
                Some(&tok),
                Some(apply_body(&format!("并发{i}"), 500000, 0)),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&201), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&7), "{out:?}");
    // A debarred organization is told why and until when.
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::venture::debar(&mut c, others[1].0, None, "2099-01-01", "违约")
            .await
            .unwrap();
    }
    let (s, v) = step(
        &t,
        &others[1].1,
        &format!("{base}/projects"),
        apply_body("禁入", 500000, 0),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::CONFLICT,
            vec!["err-venture-debarred".to_owned()]
        )
    );
    let r = t.api("GET", &base, Some(&others[1].1), None).await.json();
    assert_eq!(r["may_apply"], false);
    assert!(r["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "err-venture-debarred"));
    // Residents and evaluators not named cannot see or act on the round's projects.
    let res = t.token_for("resident").await;
    assert_eq!(
        t.api("GET", &base, Some(&res), None).await.status,
        StatusCode::FORBIDDEN
    );
}

/// A round in its awarding stage with `n` finalists of the district asking `tier` yuan each.
async fn awarding_round(t: &T, fiscal: i64, charity: i64, n: usize, tier: i64) -> (i64, Vec<i64>) {
    let orgs = org_accounts(t, n).await;
    let mut c = t.app.db.acquire().await.unwrap();
    let s = sanshe_domain::venture::Settings::new(2031, &today());
    let f = sanshe_store::venture::RoundFields {
        year: 2031,
        title: "并发资助",
        description: "",
        topics: "为老服务",
        pool_fiscal_fen: fiscal * 100,
        pool_charity_fen: charity * 100,
        tiers: &format!("{}", tier * 100),
        review_mode: "desk",
        apply_until: &s.apply_until,
        notice_days: 0,
        vote_top_n: 0,
        vote_bonus: 0,
        matched_unit_fen: 100000,
        matched_cap: 0,
        first_days: 15,
        first_share: 50,
        debar_years: 3,
    };
    let round = sanshe_store::venture::insert_round(&mut c, "320412", &f, None, false)
        .await
        .unwrap();
    sanshe_store::purchase::demo_settle(
        &mut c,
        sanshe_store::workflow::Table::VentureRounds,
        round,
        "awarding",
        1,
        0,
    )
    .await
    .unwrap();
    let mut ids = Vec::new();
    for (o, _) in &orgs {
        let p = sanshe_store::venture::ProjectFields {
            title: "并发项目",
            topic: "为老服务",
            summary: "",
            plan: "",
            beneficiaries: 0,
            tier_fen: tier * 100,
            matched_fen: 0,
            not_funded_elsewhere: true,
        };
        let id = sanshe_store::venture::insert_project(&mut c, round, *o, &p, None, false)
            .await
            .unwrap()
            .unwrap();
        sanshe_store::purchase::demo_settle(
            &mut c,
            sanshe_store::workflow::Table::VentureProjects,
            id,
            "finalist",
            1,
            0,
        )
        .await
        .unwrap();
        ids.push(id);
    }
    (round, ids)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_awards_never_overdraw_a_pool() {
    let t = Arc::new(T::new().await);
    let d = t.token_for("district").await;
    // ¥50,000 of fiscal money, eight finalists asking ¥10,000 each: five can be funded.
    let (round, ids) = awarding_round(&t, 50_000, 0, 8, 10_000).await;
    let ids = Arc::new(ids);
    let out = parallel(8, |i| {
        let t = t.clone();
        let d = d.clone();
        let ids = ids.clone();
        async move {
            t.api(
                "POST",
                &format!("/api/v1/venture/projects/{}/transitions", ids[i]),
                Some(&d),
                Some(json!({"event": "award", "source": "fiscal"})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&5), "{out:?}");
    assert_eq!(out.get(&409), Some(&3), "{out:?}");
    let r = t
        .api(
            "GET",
            &format!("/api/v1/venture/rounds/{round}"),
            Some(&d),
            None,
        )
        .await
        .json();
    assert_eq!(r["round"]["committed_fiscal_fen"], 5_000_000);
    let awarded: i64 = r["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["state"] == "awarded")
        .map(|p| p["award_fen"].as_i64().unwrap())
        .sum();
    assert_eq!(awarded, 5_000_000);
    // Award by ranking (twice at once): the charity pool is empty, so nothing more is funded
    // and nothing is over-committed.
    let out = parallel(2, |_| {
        let t = t.clone();
        let d = d.clone();
        async move {
            t.api(
                "POST",
                &format!("/api/v1/venture/rounds/{round}/award-by-ranking"),
                Some(&d),
                None,
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&200), Some(&2), "{out:?}");
    let r = t
        .api(
            "GET",
            &format!("/api/v1/venture/rounds/{round}"),
            Some(&d),
            None,
        )
        .await
        .json();
    assert_eq!(r["round"]["committed_fiscal_fen"], 5_000_000);
    assert_eq!(
        r["projects"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["state"] == "finalist")
            .count(),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn award_by_ranking_fills_fiscal_then_charity_once_under_parallel_requests() {
    let t = Arc::new(T::new().await);
    let d = t.token_for("district").await;
    let (round, _) = awarding_round(&t, 20_000, 10_000, 4, 10_000).await;
    let out = parallel(3, |_| {
        let t = t.clone();
        let d = d.clone();
        async move {
            t.api(
                "POST",
                &format!("/api/v1/venture/rounds/{round}/award-by-ranking"),
                Some(&d),
                None,
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&200), Some(&3), "{out:?}");
    let r = t
        .api(
            "GET",
            &format!("/api/v1/venture/rounds/{round}"),
            Some(&d),
            None,
        )
        .await
        .json();
    assert_eq!(r["round"]["committed_fiscal_fen"], 2_000_000);
    assert_eq!(r["round"]["committed_charity_fen"], 1_000_000);
    let sources: Vec<&str> = r["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["source"].as_str())
        .collect();
    assert_eq!(sources.iter().filter(|s| **s == "fiscal").count(), 2);
    assert_eq!(sources.iter().filter(|s| **s == "charity").count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_vote_per_resident_under_parallel_votes() {
    let t = Arc::new(T::new().await);
    let d = t.token_for("district").await;
    let res = t.token_for("resident").await;
    let (round, ids) = awarding_round(&t, 50_000, 0, 2, 10_000).await;
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::purchase::demo_settle(
            &mut c,
            sanshe_store::workflow::Table::VentureRounds,
            round,
            "notice",
            2,
            0,
        )
        .await
        .unwrap();
        sanshe_store::venture::set_vote_until(&mut c, round, "2099-12-31")
            .await
            .unwrap();
    }
    let ids = Arc::new(ids);
    let out = parallel(6, |i| {
        let t = t.clone();
        let res = res.clone();
        let ids = ids.clone();
        async move {
            t.api(
                "POST",
                &format!("/api/v1/venture/rounds/{round}/votes"),
                Some(&res),
                Some(json!({"project": ids[i % 2]})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&5), "{out:?}");
    let r = t
        .api(
            "GET",
            &format!("/api/v1/venture/rounds/{round}"),
            Some(&d),
            None,
        )
        .await
        .json();
    let votes: i64 = r["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["votes"].as_i64().unwrap())
        .sum();
    assert_eq!(votes, 1);
    // Closing the vote before the notice ends is refused.
    let (s, v) = step(
        &t,
        &d,
        &format!("/api/v1/venture/rounds/{round}/transitions"),
        json!({"event": "close_vote"}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::CONFLICT,
            vec!["err-venture-vote-open".to_owned()]
        )
    );
}

#[tokio::test]
async fn the_demo_round_and_its_pages_in_both_languages() {
    let t = T::new().await;
    let mut c = t.app.db.acquire().await.unwrap();
    let demo: i64 =
        sqlx::query("SELECT id FROM venture_rounds WHERE state = 'concluded' ORDER BY id LIMIT 1")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .try_get("id")
            .unwrap();
    let home = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let mine: i64 =
        sqlx::query("SELECT id FROM venture_projects WHERE org_id = $1 AND state = 'running'")
            .bind(home)
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .try_get("id")
            .unwrap();
    drop(c);
    for (user, paths) in [
        (
            "district",
            vec![
                "/venture".to_owned(),
                "/venture/new".to_owned(),
                format!("/venture/rounds/{demo}"),
                format!("/venture/projects/{mine}"),
            ],
        ),
        (
            "org",
            vec![
                "/venture".to_owned(),
                format!("/venture/rounds/{demo}"),
                format!("/venture/projects/{mine}"),
            ],
        ),
        (
            "evaluator",
            vec!["/venture".to_owned(), format!("/venture/rounds/{demo}")],
        ),
    ] {
        let mut s = t.login(user).await;
        for lang in ["zh-CN", "en"] {
            t.post(&mut s, &format!("/lang/{lang}"), &[("next", "/")])
                .await;
            for p in &paths {
                let r = t.get(&mut s, p).await;
                assert_eq!(r.status, StatusCode::OK, "{user} {lang} {p}");
                if let Some(i) = r.body.find(">venture-") {
                    let end = r.body[i..]
                        .char_indices()
                        .nth(40)
                        .map_or(r.body.len(), |(n, _)| i + n);
                    panic!(
                        "{user} {lang} {p}: an untranslated key: {}",
                        &r.body[i..end]
                    );
                }
            }
        }
    }
    let mut anon = crate::common::Session::default();
    for (p, shows) in [
        ("/public/venture".to_owned(), "公益创投大赛"),
        (format!("/public/venture/{demo}"), "银龄互助"),
    ] {
        let r = t.get(&mut anon, &p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        assert!(r.body.contains(shows), "{p}");
    }
    // A reviewer lists the rounds it reviews, and only those.
    let ev = t.token_for("evaluator").await;
    let reviewed = t
        .api("GET", "/api/v1/venture/rounds", Some(&ev), None)
        .await
        .json();
    let ids: Vec<i64> = reviewed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [demo], "{reviewed}");
    assert_eq!(reviewed["page"]["total"], 1);
    // The demo organization's project is in its mid-term: the officer can record it.
    let d = t.token_for("district").await;
    let v = t
        .api(
            "GET",
            &format!("/api/v1/venture/projects/{mine}"),
            Some(&d),
            None,
        )
        .await
        .json();
    let events: Vec<&str> = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect();
    assert!(
        events.contains(&"midterm_pass") && events.contains(&"midterm_fail"),
        "{events:?}"
    );
    // The ranking exports as a spreadsheet.
    let mut s = t.login("district").await;
    let r = t
        .get(&mut s, &format!("/venture/rounds/{demo}/export/csv"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("银龄互助"));
}

#[tokio::test]
async fn desk_scores_stay_hidden_finalists_of_a_cancelled_round_are_told_and_the_vote_runs_its_last_day(
) {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let org = t.token_for("org").await;
    let ev = t.token_for("evaluator").await;
    let mut b = round_body(30_000, 0);
    b["review_mode"] = json!("desk");
    let round = t
        .api("POST", "/api/v1/venture/rounds", Some(&d), Some(b))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/venture/rounds/{round}");
    step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "publish"}),
    )
    .await;
    let evaluator = t.user_id("evaluator").await;
    step(
        &t,
        &d,
        &format!("{base}/reviewers"),
        json!({"reviewer": evaluator}),
    )
    .await;
    let (_, v) = step(
        &t,
        &org,
        &format!("{base}/projects"),
        apply_body("书面评审项目", 500000, 0),
    )
    .await;
    let p = v["id"].as_i64().unwrap();
    step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "close_applications"}),
    )
    .await;
    step(
        &t,
        &d,
        &format!("/api/v1/venture/projects/{p}/transitions"),
        json!({"event": "pass"}),
    )
    .await;
    let r = t
        .api("PUT", &format!("/api/v1/venture/projects/{p}/scores"), Some(&ev), Some(json!({"scores": {"need": 18, "acceptance": 18, "innovation": 18, "effectiveness": 18, "replicability": 18}})))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    // A desk review's scores are not the applicant's to see before the notice, in any view.
    let list = t
        .api(
            "GET",
            &format!("/api/v1/venture/projects?round={round}"),
            Some(&org),
            None,
        )
        .await
        .json();
    assert!(list["items"][0]["score"].is_null(), "{list}");
    let one = t
        .api(
            "GET",
            &format!("/api/v1/venture/projects/{p}"),
            Some(&org),
            None,
        )
        .await
        .json();
    assert!(one["project"]["score"].is_null(), "{one}");
    // Shortlisted, then the round is cancelled: the finalist is not funded (and told).
    step(
        &t,
        &d,
        &format!("/api/v1/venture/projects/{p}/transitions"),
        json!({"event": "shortlist"}),
    )
    .await;
    let (s, _) = step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "cancel"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let one = t
        .api(
            "GET",
            &format!("/api/v1/venture/projects/{p}"),
            Some(&d),
            None,
        )
        .await
        .json();
    assert_eq!(one["project"]["state"], "not_funded");
    // With notice days, residents vote through the notice's last day: closing then is refused.
    let (round2, _) = awarding_round(&t, 50_000, 0, 1, 10_000).await;
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE venture_rounds SET state = 'notice', notice_days = 3, vote_until = $1 WHERE id = $2")
            .bind(today())
            .bind(round2)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let (s, v) = step(
        &t,
        &d,
        &format!("/api/v1/venture/rounds/{round2}/transitions"),
        json!({"event": "close_vote"}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::CONFLICT,
            vec!["err-venture-vote-open".to_owned()]
        )
    );
}

#[tokio::test]
async fn a_reviewer_tied_to_the_applicant_does_not_score_it() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let org = t.token_for("org").await;
    let ev = t.token_for("evaluator").await;
    let mut b = round_body(30_000, 0);
    b["review_mode"] = json!("desk");
    let round = t
        .api("POST", "/api/v1/venture/rounds", Some(&d), Some(b))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/venture/rounds/{round}");
    step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "publish"}),
    )
    .await;
    let evaluator = t.user_id("evaluator").await;
    step(
        &t,
        &d,
        &format!("{base}/reviewers"),
        json!({"reviewer": evaluator}),
    )
    .await;
    let (_, v) = step(
        &t,
        &org,
        &format!("{base}/projects"),
        apply_body("关联回避项目", 500000, 0),
    )
    .await;
    let p = v["id"].as_i64().unwrap();
    step(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "close_applications"}),
    )
    .await;
    step(
        &t,
        &d,
        &format!("/api/v1/venture/projects/{p}/transitions"),
        json!({"event": "pass"}),
    )
    .await;
    // The reviewer's agency founded the applicant (a tie that lasts).
    let provider = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let agency = t.org_id(sanshe_app::demo::DEMO_EVALUATOR_ORG).await;
    let (s, v) = step(
        &t,
        &d,
        &format!("/api/v1/purchase/agencies/{agency}/ties"),
        json!({"organization": provider, "relation": "founder"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let one = t
        .api(
            "GET",
            &format!("/api/v1/venture/projects/{p}"),
            Some(&ev),
            None,
        )
        .await
        .json();
    assert_eq!(one["may_score"], false, "{one}");
    let r = t
        .api("PUT", &format!("/api/v1/venture/projects/{p}/scores"), Some(&ev), Some(json!({"scores": {"need": 18, "acceptance": 18, "innovation": 18, "effectiveness": 18, "replicability": 18}})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(super::codes(&r.json()), ["err-venture-reviewer-tied"]);
}
