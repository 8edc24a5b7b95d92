//! The rest of third-party evaluation's rules: the provider's self-evaluation before the
//! assessor scores (and a missing one counted as a fail), rectification with a re-check
//! (a pass resumes a halted contract, a failure or a lapse enters the record), batch
//! assignment all or nothing, hand-over within an agency, and the record's bonus and
//! penalty in the panel ranking (优胜劣汰).

use super::codes;
use crate::common::T;
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
use std::sync::Arc;

fn scores(each: [f64; 4]) -> Value {
    json!({"decision": each[0], "process": each[1], "output": each[2], "outcome": each[3]})
}

/// Signed contracts of the demo district that are not halted, newest first.
async fn open_contracts(t: &T) -> Vec<sanshe_store::contracts::ContractRow> {
    let mut c = t.app.db.acquire().await.unwrap();
    sanshe_store::contracts::of_district(&mut c, "320412")
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.state != "draft" && k.halted_on.is_none())
        .collect()
}

/// The demo organization's signed contract and its assigned mid-term.
pub(super) async fn demo_midterm(t: &T) -> (i64, i64) {
    let org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let k = open_contracts(t)
        .await
        .into_iter()
        .find(|k| k.org_id == org && k.state == "signed")
        .unwrap();
    let mut c = t.app.db.acquire().await.unwrap();
    let e = sanshe_store::evaluations::of_contract(&mut c, k.id)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.state == "assigned" && e.stage == "midterm")
        .unwrap();
    (k.id, e.id)
}

/// Makes an account one of the provider's social workers (a conflict of interest).
pub(super) async fn employ(t: &T, provider: i64, user: i64) {
    let mut c = t.app.db.acquire().await.unwrap();
    let w: i64 = sqlx::query(
        "SELECT id FROM social_workers WHERE employer_org_id = $1 AND user_id IS NULL LIMIT 1",
    )
    .bind(provider)
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .try_get("id")
    .unwrap();
    sanshe_store::workers::link_user(&mut c, w, Some(user))
        .await
        .unwrap();
}

pub(super) async fn halted(t: &T, k: i64) -> i64 {
    count(
        t,
        "SELECT COUNT(*) AS n FROM contracts WHERE id = $1 AND halted_on IS NOT NULL \
         AND resumed_on IS NULL",
        k,
    )
    .await
}

async fn total(t: &T) -> i64 {
    count(t, "SELECT COUNT(*) AS n FROM evaluations WHERE id > $1", 0).await
}

async fn panel(t: &T, d: &str, p: i64) -> Vec<Value> {
    t.api(
        "GET",
        &format!("/api/v1/purchase/projects/{p}/panel"),
        Some(d),
        None,
    )
    .await
    .json()["results"]
        .as_array()
        .unwrap()
        .clone()
}

pub(super) async fn sql(t: &T, q: &str, id: i64) {
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query(q).bind(id).execute(&mut *c).await.unwrap();
}

async fn count(t: &T, q: &str, id: i64) -> i64 {
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query(q)
        .bind(id)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

#[tokio::test]
async fn the_provider_evaluates_itself_first_and_a_missing_one_fails() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let ev = t.token_for("evaluator").await;
    let o = t.token_for("org").await;
    // The district asks for a self-evaluation within five working days; a late one fails.
    let mut s = t
        .api("GET", "/api/v1/purchase/evaluation-scheme", Some(&d), None)
        .await
        .json()["scheme"]
        .clone();
    assert_eq!(s["self_evaluation"], false, "the default asks for none");
    s["self_evaluation"] = json!(true);
    s["self_days"] = json!(61);
    let r = t
        .api(
            "PUT",
            "/api/v1/purchase/evaluation-scheme",
            Some(&d),
            Some(s.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    s["self_days"] = json!(5);
    let r = t
        .api(
            "PUT",
            "/api/v1/purchase/evaluation-scheme",
            Some(&d),
            Some(s),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (k, old) = demo_midterm(&t).await;
    let assessor = t.user_id("evaluator").await;
    let assign = |stage: &str| json!({"stage": stage, "assessor": assessor});
    let path = format!("/api/v1/purchase/contracts/{k}/evaluations");
    let e = t
        .api("POST", &path, Some(&d), Some(assign("spot")))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let ep = format!("/api/v1/purchase/evaluations/{e}");
    let v = t.api("GET", &ep, Some(&o), None).await.json();
    assert!(v["evaluation"]["self_due"].is_string(), "{v}");
    assert_eq!(v["may_self_evaluate"], true);
    // The assessor waits for the provider.
    let score = json!({"scores": scores([14.0, 22.0, 25.0, 26.0]), "findings": "良好", "no_conflict": true});
    let r = t
        .api(
            "PUT",
            &format!("{ep}/scores"),
            Some(&ev),
            Some(score.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-self-pending"]);
    // A wrong self-evaluation names the indicator and saves nothing.
    let bad = json!({"scores": scores([16.0, 20.0, 20.0, 20.0]), "report": "自评"});
    let r = t
        .api("PUT", &format!("{ep}/self-evaluation"), Some(&o), Some(bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-score-range"]);
    let v = t.api("GET", &ep, Some(&d), None).await.json();
    assert!(v["evaluation"]["self_given_on"].is_null(), "{v}");
    // Only the provider evaluates itself.
    let good = json!({"scores": scores([15.0, 24.0, 28.0, 28.0]), "report": "按合同完成全部服务"});
    let r = t
        .api(
            "PUT",
            &format!("{ep}/self-evaluation"),
            Some(&ev),
            Some(good.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = t
        .api(
            "PUT",
            &format!("{ep}/self-evaluation"),
            Some(&o),
            Some(good),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = t.api("GET", &ep, Some(&ev), None).await.json();
    assert_eq!(v["self_total"], "95");
    assert_eq!(v["scores"][0]["self_points"], "15");
    let r = t
        .api(
            "PUT",
            &format!("{ep}/scores"),
            Some(&ev),
            Some(score.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = t.api("GET", &ep, Some(&o), None).await.json();
    assert_eq!(v["evaluation"]["grade"], "good");
    assert_eq!(v["evaluation"]["late_report"], false);
    // Scored: the self-evaluation is closed.
    let again = json!({"scores": scores([15.0, 25.0, 30.0, 30.0]), "report": "补充"});
    let r = t
        .api(
            "PUT",
            &format!("{ep}/self-evaluation"),
            Some(&o),
            Some(again.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-self-closed"]);
    // The evaluation assigned under the earlier scheme asks for none.
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/evaluations/{old}/self-evaluation"),
            Some(&o),
            Some(again.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-self-not-asked"]);
    // A pre-evaluation whose self-evaluation was due yesterday: closed to the provider, and
    // a high score from the assessor still makes it 差.
    let pre = t
        .api("POST", &path, Some(&d), Some(assign("pre")))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let day = sanshe_app::calendar::today().plus_days(-1).to_string();
    sql(
        &t,
        &format!("UPDATE evaluations SET self_due = '{day}' WHERE id = $1"),
        pre,
    )
    .await;
    let pp = format!("/api/v1/purchase/evaluations/{pre}");
    let r = t
        .api(
            "PUT",
            &format!("{pp}/self-evaluation"),
            Some(&o),
            Some(again),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let high = json!({"scores": scores([15.0, 25.0, 28.0, 29.0]), "findings": "材料齐全", "no_conflict": true});
    let r = t
        .api("PUT", &format!("{pp}/scores"), Some(&ev), Some(high))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = t.api("GET", &pp, Some(&d), None).await.json();
    assert_eq!(v["evaluation"]["total"], "97");
    assert_eq!(v["evaluation"]["grade"], "poor");
    assert_eq!(v["evaluation"]["late_report"], true);
    // The page says why, in both languages.
    let mut s = t.login("district").await;
    let page = t.get(&mut s, &format!("/purchase/evaluations/{pre}")).await;
    assert!(
        page.body.contains("未在截止日前提交自评报告"),
        "{}",
        page.body
    );
    t.post(&mut s, "/lang/en", &[("next", "/")]).await;
    let page = t.get(&mut s, &format!("/purchase/evaluations/{pre}")).await;
    assert!(
        page.body.contains("did not give its self-evaluation"),
        "{}",
        page.body
    );
    // The provider gives its self-evaluation on the page of a fresh spot check.
    let spot = t
        .api("POST", &path, Some(&d), Some(assign("spot")))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let mut os = t.login("org").await;
    let page = t
        .get(&mut os, &format!("/purchase/evaluations/{spot}"))
        .await;
    assert!(page.body.contains("self_decision"), "{}", page.body);
    let form = |decision: &'static str| {
        [
            ("self_decision", decision),
            ("self_process", "20"),
            ("self_output", "25"),
            ("self_outcome", "25"),
            ("report", "自评报告正文"),
        ]
    };
    let bad = t
        .post(
            &mut os,
            &format!("/purchase/evaluations/{spot}/self-evaluation"),
            &form("16"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("决策的得分应在 0 到 15 之间"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("自评报告正文"), "what was typed is kept");
    let ok = t
        .post(
            &mut os,
            &format!("/purchase/evaluations/{spot}/self-evaluation"),
            &form("14"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/evaluations/{spot}"),
            Some(&d),
            None,
        )
        .await
        .json();
    assert_eq!(v["self_total"], "84", "{v}");
}

/// Scores the demo mid-term 差 and makes it final: the contract halts.
pub(super) async fn fail_midterm(t: &T, e: i64) {
    let ev = t.token_for("evaluator").await;
    let ep = format!("/api/v1/purchase/evaluations/{e}");
    let r = t
        .api(
            "PUT",
            &format!("{ep}/scores"),
            Some(&ev),
            Some(json!({"scores": scores([8.0, 12.0, 15.0, 14.5]), "findings": "服务量严重不足", "no_conflict": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    sql(
        t,
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
}

#[tokio::test]
async fn a_passed_recheck_resumes_a_halted_contract_once() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let ev = t.token_for("evaluator").await;
    let o = t.token_for("org").await;
    let (k, e) = demo_midterm(&t).await;
    let ep = format!("/api/v1/purchase/evaluations/{e}");
    // Not decided yet: no rectification.
    let order = |due: String| json!({"demand": "恢复驻点服务，补齐台账", "due": due});
    let soon = sanshe_app::calendar::today().plus_days(20).to_string();
    let r = t
        .api(
            "POST",
            &format!("{ep}/rectification"),
            Some(&d),
            Some(order(soon.clone())),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-rect-not-allowed"]);
    fail_midterm(&t, e).await;
    assert_eq!(halted(&t, k).await, 1);
    // The deadline must lie ahead, within a year; only the officer orders.
    for due in ["2000-01-01", "2999-01-01"] {
        let r = t
            .api(
                "POST",
                &format!("{ep}/rectification"),
                Some(&d),
                Some(order(due.into())),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(codes(&r.json()), ["err-rect-due"]);
    }
    let r = t
        .api(
            "POST",
            &format!("{ep}/rectification"),
            Some(&o),
            Some(order(soon.clone())),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("{ep}/rectification"),
            Some(&d),
            Some(order(soon.clone())),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("{ep}/rectification"),
            Some(&d),
            Some(order(soon)),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-rect-exists"]);
    let tr = format!("{ep}/rectification/transitions");
    // The assessor re-checks only after the provider's report.
    let r = t
        .api(
            "POST",
            &tr,
            Some(&ev),
            Some(json!({"event": "pass", "text": "已整改"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = t
        .api(
            "POST",
            &tr,
            Some(&o),
            Some(json!({"event": "report", "text": "已补齐两名驻点社工，服务频次恢复至每周三次"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Four re-checks at once: one wins, the contract resumes once.
    let t = Arc::new(t);
    let out = parallel(4, |_| {
        let (t, ev, tr) = (t.clone(), ev.clone(), tr.clone());
        async move {
            t.api(
                "POST",
                &tr,
                Some(&ev),
                Some(json!({"event": "pass", "text": "现场复核：整改到位"})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&3), "{out:?}");
    assert_eq!(halted(&t, k).await, 0);
    let v = t.api("GET", &ep, Some(&o), None).await.json();
    let rect = &v["rectification"];
    assert_eq!(rect["state"], "passed", "{v}");
    assert_eq!(rect["lifted"], true);
    assert_eq!(rect["timeline"].as_array().unwrap().len(), 3, "{rect}");
    let inbox = t.api("GET", "/api/v1/inbox", Some(&o), None).await.body;
    assert!(inbox.contains("rectification.resumed"), "{inbox}");
    // The tranche that waited on the mid-term is payable now.
    let d2 = t.token_for("district").await;
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/contracts/{k}"),
            Some(&d2),
            None,
        )
        .await
        .json();
    let gated: Vec<&Value> = v["tranches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["gate"] == "on_midterm_evaluation")
        .collect();
    assert!(!gated.is_empty(), "{v}");
    assert!(gated.iter().all(|x| x["state"] == "ready"), "{v}");
    // A passed rectification does not enter the record as a failure; the halt stays in it.
    let org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let mut c = t.app.db.acquire().await.unwrap();
    let rec = sanshe_store::evaluations::record_of(&mut c, org)
        .await
        .unwrap();
    assert!(!rec.iter().any(|r| r.0 == "rectification"), "{rec:?}");
    assert!(rec.iter().any(|r| r.0 == "halted"), "{rec:?}");
}

#[tokio::test]
async fn a_failed_or_lapsed_rectification_enters_the_record() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let ev = t.token_for("evaluator").await;
    let o = t.token_for("org").await;
    // The demo's ordered rectification (the halted contract of another provider) lapses
    // once its deadline has passed, however often the job runs.
    let (rid, provider) = {
        let mut c = t.app.db.acquire().await.unwrap();
        let r = sqlx::query(
            "SELECT r.id, k.org_id FROM rectifications r JOIN evaluations e ON e.id = r.evaluation_id \
             JOIN contracts k ON k.id = e.contract_id WHERE r.state = 'ordered'",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap();
        (
            r.try_get::<i64, _>("id").unwrap(),
            r.try_get::<i64, _>("org_id").unwrap(),
        )
    };
    sql(
        &t,
        "UPDATE rectifications SET due = '2000-01-01' WHERE id = $1",
        rid,
    )
    .await;
    for _ in 0..2 {
        sanshe_app::purchase::dashboard::remind(&t.app)
            .await
            .unwrap();
    }
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) AS n FROM workflow_history WHERE kind = 'rectification' AND record_id = $1 AND event = 'lapse'",
            rid
        )
        .await,
        1
    );
    let today = sanshe_app::calendar::today().to_string();
    {
        let mut c = t.app.db.acquire().await.unwrap();
        let rec = sanshe_store::evaluations::record_of(&mut c, provider)
            .await
            .unwrap();
        assert!(
            rec.contains(&("rectification".into(), "poor".into(), today.clone())),
            "{rec:?}"
        );
    }
    // The demo organization's mid-term fails, is sent to rectification, and the re-check
    // fails: the record holds it, and a call barring recent failures bars it.
    let (_, e) = demo_midterm(&t).await;
    fail_midterm(&t, e).await;
    let ep = format!("/api/v1/purchase/evaluations/{e}");
    let due = sanshe_app::calendar::today().plus_days(10).to_string();
    let r = t
        .api(
            "POST",
            &format!("{ep}/rectification"),
            Some(&d),
            Some(json!({"demand": "补齐服务台账", "due": due})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The deadline is today: the provider is reminded, once however often the job runs.
    let today_due = format!("UPDATE rectifications SET due = '{today}' WHERE evaluation_id = $1");
    sql(&t, &today_due, e).await;
    for _ in 0..2 {
        sanshe_app::purchase::dashboard::remind(&t.app)
            .await
            .unwrap();
    }
    let org_user = t.user_id("org").await;
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) AS n FROM inbox WHERE user_id = $1 AND kind = 'reminder.rectification_due'",
            org_user
        )
        .await,
        1
    );
    let tr = format!("{ep}/rectification/transitions");
    // The provider reports; the provider cannot pass its own re-check.
    let r = t
        .api(
            "POST",
            &tr,
            Some(&o),
            Some(json!({"event": "report", "text": "已补齐"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api(
            "POST",
            &tr,
            Some(&o),
            Some(json!({"event": "pass", "text": "自行通过"})),
        )
        .await;
    assert!(
        r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
        "{}",
        r.body
    );
    let r = t
        .api(
            "POST",
            &tr,
            Some(&ev),
            Some(json!({"event": "fail", "text": "台账与现场不符"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let org = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let mut c = t.app.db.acquire().await.unwrap();
    let past = sanshe_app::purchase::evaluations::record(&mut c, org)
        .await
        .unwrap();
    assert!(
        past.iter()
            .any(|p| p.stage == "rectification" && p.grade == "poor" && p.on == today),
        "{past:?}"
    );
    let rules = sanshe_domain::evaluation::history_rules(&today, "", true, 2, &past);
    assert!(!rules[0].1, "a recent failed rectification bars");
    // Still halted: a failed re-check resumes nothing.
    drop(c);
    let v = t.api("GET", &ep, Some(&d), None).await.json();
    assert_eq!(v["rectification"]["lifted"], false);
}

#[tokio::test]
async fn a_batch_is_assigned_all_or_nothing() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let assessor = t.user_id("evaluator").await;
    let ks: Vec<i64> = open_contracts(&t).await.iter().map(|k| k.id).collect();
    assert!(ks.len() >= 2, "{ks:?}");
    let (k1, k2) = (ks[0], ks[1]);
    let before = total(&t).await;
    // Every wrong contract is named; nothing is assigned.
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/evaluation-batches",
            Some(&d),
            Some(json!({"stage": "spot", "assessor": assessor, "contracts": [k1, 999999, k2, k1]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let j = r.json();
    assert_eq!(
        codes(&j),
        ["err-eval-batch-unknown", "err-eval-batch-twice"],
        "{j}"
    );
    assert_eq!(j["error"]["fields"][0]["field"], "contracts[1]");
    assert_eq!(total(&t).await, before);
    // A stage already assigned on one contract stops the whole batch.
    let taken = demo_midterm(&t).await.0;
    let other = *ks.iter().find(|k| **k != taken).unwrap();
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/evaluation-batches",
            Some(&d),
            Some(json!({"stage": "midterm", "assessor": assessor, "contracts": [other, taken]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(
        codes(&r.json()).contains(&"err-eval-stage-taken".to_owned()),
        "{}",
        r.body
    );
    assert_eq!(total(&t).await, before);
    // Only officers assign.
    let o = t.token_for("org").await;
    let r = t
        .api(
            "POST",
            "/api/v1/purchase/evaluation-batches",
            Some(&o),
            Some(json!({"stage": "spot", "assessor": assessor, "contracts": [k1]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // Six officers send the same pre-evaluation batch at once: it is assigned once.
    let t = Arc::new(t);
    let out = parallel(6, |_| {
        let (t, d) = (t.clone(), d.clone());
        async move {
            t.api(
                "POST",
                "/api/v1/purchase/evaluation-batches",
                Some(&d),
                Some(json!({"stage": "pre", "assessor": assessor, "contracts": [k1, k2]})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&201), Some(&1), "{out:?}");
    assert_eq!(out.get(&422), Some(&5), "{out:?}");
    for k in [k1, k2] {
        assert_eq!(
            count(
                &t,
                "SELECT COUNT(*) AS n FROM evaluations WHERE contract_id = $1 AND stage = 'pre'",
                k
            )
            .await,
            1
        );
    }
    assert_eq!(total(&t).await, before + 2);
    // The page lists the contracts and names each refused one by its project.
    let mut s = t.login("district").await;
    let page = t.get(&mut s, "/purchase/evaluation-batches").await;
    assert!(page.body.contains("name=\"contract\""), "{}", page.body);
    let title = open_contracts(&t)
        .await
        .into_iter()
        .find(|k| k.id == k1)
        .unwrap()
        .project_title;
    let a = assessor.to_string();
    let k = k1.to_string();
    let r = t
        .post(
            &mut s,
            "/purchase/evaluation-batches",
            &[("stage", "pre"), ("assessor", &a), ("contract", &k)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains(&title), "{}", r.body);
    assert!(r.body.contains("本次未指派任何合同"), "{}", r.body);
}

#[tokio::test]
async fn an_agency_hands_its_work_to_a_colleague_without_a_conflict() {
    let t = T::new().await;
    let ev = t.token_for("evaluator").await;
    let (_, e) = demo_midterm(&t).await;
    let agency = t.org_id(sanshe_app::demo::DEMO_EVALUATOR_ORG).await;
    let provider = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let elsewhere = t.org_id("丁堰惠民社会工作服务中心").await;
    t.add_user("colleague", "evaluator", Some(agency.to_string()))
        .await;
    t.add_user("outsider", "evaluator", Some(elsewhere.to_string()))
        .await;
    t.add_user("employed", "evaluator", Some(agency.to_string()))
        .await;
    let (colleague, outsider, employed) = (
        t.user_id("colleague").await,
        t.user_id("outsider").await,
        t.user_id("employed").await,
    );
    employ(&t, provider, employed).await;
    let path = format!("/api/v1/purchase/evaluations/{e}/assessor");
    for (who, code) in [
        (outsider, "err-eval-other-agency"),
        (employed, "err-eval-conflict-employee"),
        (provider, "err-eval-not-assessor"),
    ] {
        let r = t
            .api("PUT", &path, Some(&ev), Some(json!({"assessor": who})))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(codes(&r.json()), [code], "{}", r.body);
    }
    let o = t.token_for("org").await;
    let r = t
        .api("PUT", &path, Some(&o), Some(json!({"assessor": colleague})))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = t
        .api(
            "PUT",
            &path,
            Some(&ev),
            Some(json!({"assessor": colleague})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // The work is the colleague's now: the first assessor no longer sees it.
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/evaluations/{e}"),
            Some(&ev),
            None,
        )
        .await;
    assert!(
        r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
        "{}",
        r.body
    );
    let c = t.token_for("colleague").await;
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/evaluations/{e}"),
            Some(&c),
            None,
        )
        .await
        .json();
    assert_eq!(v["evaluation"]["assessor"], colleague, "{v}");
    assert!(v["timeline"].to_string().contains("handover"), "{v}");
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/evaluations/{e}/scores"),
            Some(&c),
            Some(json!({"scores": scores([14.0, 22.0, 25.0, 26.0]), "findings": "良好", "no_conflict": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Scored: it can no longer be handed over.
    let r = t
        .api(
            "PUT",
            &path,
            Some(&c),
            Some(json!({"assessor": assessor_of(&t).await})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
}

async fn assessor_of(t: &T) -> i64 {
    t.user_id("evaluator").await
}

#[tokio::test]
async fn the_record_moves_the_panel_ranking() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let p = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=reviewing",
            Some(&d),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let before = panel(&t, &d, p).await;
    assert!(before.len() >= 2, "{before:?}");
    assert!(before.iter().all(|l| l["history_points"] == 0));
    // The last-placed applicant's latest final is 优; the first-placed was halted this year.
    let last = &before[before.len() - 1];
    let first = &before[0];
    let org_of = |app: &Value| {
        let t = &t;
        let id = app["application"].as_i64().unwrap();
        async move { count(t, "SELECT org_id AS n FROM applications WHERE id = $1", id).await }
    };
    let (top, bottom) = (org_of(first).await, org_of(last).await);
    {
        let mut c = t.app.db.acquire().await.unwrap();
        let ks = sanshe_store::contracts::of_district(&mut c, "320412")
            .await
            .unwrap();
        let done = ks.iter().find(|k| k.state == "completed").unwrap().id;
        let halted = ks.iter().find(|k| k.halted_on.is_some()).unwrap().id;
        for (org, k) in [(bottom, done), (top, halted)] {
            sqlx::query("UPDATE contracts SET org_id = $1 WHERE id = $2")
                .bind(org)
                .bind(k)
                .execute(&mut *c)
                .await
                .unwrap();
        }
        sqlx::query(
            "UPDATE evaluations SET grade = 'excellent' WHERE contract_id = $1 AND stage = 'final'",
        )
        .bind(done)
        .execute(&mut *c)
        .await
        .unwrap();
        sqlx::query("UPDATE contracts SET halted_on = $1 WHERE id = $2")
            .bind(sanshe_app::calendar::today().plus_days(-30).to_string())
            .bind(halted)
            .execute(&mut *c)
            .await
            .unwrap();
        sqlx::query("UPDATE projects SET history_bonus = 10, history_penalty = 10 WHERE id = $1")
            .bind(p)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let after = panel(&t, &d, p).await;
    let line = |app: &Value| {
        after
            .iter()
            .find(|l| l["application"] == app["application"])
            .unwrap()
            .clone()
    };
    let (f, l) = (line(first), line(last));
    assert_eq!(f["history_points"], -10, "{f}");
    assert_eq!(l["history_points"], 10, "{l}");
    for x in [&f, &l] {
        let s = x["score"].as_f64().unwrap();
        let panel_score = x["panel_score"].as_f64().unwrap();
        let h = x["history_points"].as_f64().unwrap();
        assert!((s - panel_score - h).abs() < 1e-9, "{x}");
    }
    // Ranked by the adjusted score, highest first.
    let s: Vec<f64> = after.iter().map(|l| l["score"].as_f64().unwrap()).collect();
    assert!(s.windows(2).all(|w| w[0] >= w[1]), "{s:?}");
    // The call's bonus and penalty are validated and travel through the API.
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}"),
            Some(&d),
            None,
        )
        .await
        .json();
    let r = if r.get("project").is_some() {
        r["project"].clone()
    } else {
        r
    };
    assert_eq!(r["history_bonus"], 10, "{r}");
    assert_eq!(r["history_penalty"], 10);
}

#[tokio::test]
async fn the_assessor_checks_a_sample_of_the_delivery_logs() {
    let t = T::new().await;
    let ev = t.token_for("evaluator").await;
    let o = t.token_for("org").await;
    let (k, e) = demo_midterm(&t).await;
    let ep = format!("/api/v1/purchase/evaluations/{e}");
    let v = t.api("GET", &ep, Some(&ev), None).await.json();
    let suggested = v["suggested_samples"].as_array().unwrap().clone();
    assert!(!suggested.is_empty(), "{v}");
    assert!(suggested.len() <= 10);
    // The same sample every time for the same evaluation.
    let again = t.api("GET", &ep, Some(&ev), None).await.json();
    assert_eq!(again["suggested_samples"], v["suggested_samples"]);
    let first = suggested[0]["log"].as_i64().unwrap();
    let post = |body: Value, tok: &str| {
        let (t, ep, tok) = (&t, ep.clone(), tok.to_owned());
        async move {
            t.api("POST", &format!("{ep}/samples"), Some(&tok), Some(body))
                .await
        }
    };
    // A mismatch needs its findings.
    let r = post(json!({"log": first, "result": "inconsistent"}), &ev).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-required"]);
    // An entry of another contract is refused; so is the provider.
    let other = {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("SELECT id AS n FROM delivery_logs WHERE contract_id <> $1 LIMIT 1")
            .bind(k)
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .try_get::<i64, _>("n")
            .unwrap()
    };
    let r = post(json!({"log": other, "result": "consistent"}), &ev).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-sample-log"]);
    let r = post(json!({"log": first, "result": "consistent"}), &o).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = post(
        json!({"log": first, "result": "inconsistent", "note": "签到表人数与记录不符"}),
        &ev,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // A second check of the same entry replaces the first.
    let r = post(
        json!({"log": first, "result": "consistent", "note": "补充签到表后一致"}),
        &ev,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = t.api("GET", &ep, Some(&o), None).await.json();
    let samples = v["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 1, "{v}");
    assert_eq!(samples[0]["result"], "consistent");
    assert!(
        v["suggested_samples"].as_array().unwrap().is_empty(),
        "only the assessor draws"
    );
    let v = t.api("GET", &ep, Some(&ev), None).await.json();
    assert!(
        !v["suggested_samples"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["log"] == first),
        "a checked entry is not suggested again"
    );
    // Once the grade is final, checks are closed.
    fail_midterm(&t, e).await;
    let r = post(json!({"log": first, "result": "consistent"}), &ev).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-sample-closed"]);
    // The page shows the checks in both languages.
    let mut s = t.login("district").await;
    let page = t.get(&mut s, &format!("/purchase/evaluations/{e}")).await;
    assert!(page.body.contains("与佐证一致"), "{}", page.body);
    t.post(&mut s, "/lang/en", &[("next", "/")]).await;
    let page = t.get(&mut s, &format!("/purchase/evaluations/{e}")).await;
    assert!(page.body.contains("Matches the evidence"), "{}", page.body);
}

#[tokio::test]
async fn an_indicator_asking_for_evidence_waits_for_it() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let ev = t.token_for("evaluator").await;
    let mut s = t
        .api("GET", "/api/v1/purchase/evaluation-scheme", Some(&d), None)
        .await
        .json()["scheme"]
        .clone();
    s["indicators"][2]["evidence"] = json!(true);
    let r = t
        .api(
            "PUT",
            "/api/v1/purchase/evaluation-scheme",
            Some(&d),
            Some(s),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = t
        .api("GET", "/api/v1/purchase/evaluation-scheme", Some(&d), None)
        .await
        .json();
    assert_eq!(v["scheme"]["indicators"][2]["evidence"], true, "{v}");
    let (k, _) = demo_midterm(&t).await;
    let e = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/evaluations"),
            Some(&d),
            Some(json!({"stage": "spot", "assessor": t.user_id("evaluator").await})),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let ep = format!("/api/v1/purchase/evaluations/{e}");
    let score = json!({"scores": scores([14.0, 22.0, 25.0, 26.0]), "findings": "抽查", "no_conflict": true});
    let r = t
        .api(
            "PUT",
            &format!("{ep}/scores"),
            Some(&ev),
            Some(score.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-evidence-required"]);
    let log = t.api("GET", &ep, Some(&ev), None).await.json()["suggested_samples"][0]["log"]
        .as_i64()
        .unwrap();
    let r = t
        .api(
            "POST",
            &format!("{ep}/samples"),
            Some(&ev),
            Some(json!({"log": log, "result": "consistent"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api("PUT", &format!("{ep}/scores"), Some(&ev), Some(score))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}
