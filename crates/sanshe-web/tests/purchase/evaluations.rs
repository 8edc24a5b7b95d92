//! Third-party evaluation: conflicts of interest refused on assignment, the assessor's
//! declaration and scores, the provider's answer period, the final grade that opens a gated
//! tranche (once, under parallel finalizing) or halts the contract after a failed mid-term,
//! the final stage's opening, versioned schemes, and calls that read the record (优胜劣汰).

use super::codes;
use crate::common::T;
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
use std::sync::Arc;

/// The demo organization's signed contract and its mid-term evaluation (assigned to the demo
/// assessor).
async fn demo_midterm(t: &T) -> (i64, i64) {
    let mut c = t.app.db.acquire().await.unwrap();
    let k = sanshe_store::contracts::of_district(&mut c, "320412")
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.state == "signed" && k.halted_on.is_none())
        .unwrap();
    let e = sanshe_store::evaluations::of_contract(&mut c, k.id)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.state == "assigned" && e.stage == "midterm")
        .unwrap();
    (k.id, e.id)
}

async fn run(c: &mut sanshe_store::Conn, sql: &str, id: i64) {
    sqlx::query(sql).bind(id).execute(&mut *c).await.unwrap();
}

fn scores(total_each: [f64; 4]) -> Value {
    json!({"decision": total_each[0], "process": total_each[1], "output": total_each[2], "outcome": total_each[3]})
}

#[tokio::test]
async fn conflicts_of_interest_are_refused_on_assignment() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let (k, _) = demo_midterm(&t).await;
    let provider = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let agency = t.org_id(sanshe_app::demo::DEMO_EVALUATOR_ORG).await;
    // An evaluator account of the provider itself.
    t.add_user("own-agency", "evaluator", Some(provider.to_string()))
        .await;
    // An evaluator of the agency who is also a social worker employed by the provider.
    t.add_user("employed", "evaluator", Some(agency.to_string()))
        .await;
    // An evaluator of the agency with a tie declared as an expert, ended a year ago.
    t.add_user("tied", "evaluator", Some(agency.to_string()))
        .await;
    // An evaluator whose tie ended four years ago: no longer a conflict.
    t.add_user("long-ago", "evaluator", Some(agency.to_string()))
        .await;
    let (own, employed, tied, long_ago) = (
        t.user_id("own-agency").await,
        t.user_id("employed").await,
        t.user_id("tied").await,
        t.user_id("long-ago").await,
    );
    {
        super::evaluation_rules::employ(&t, provider, employed).await;
        let mut c = t.app.db.acquire().await.unwrap();
        let today = sanshe_app::calendar::today();
        for (u, ended) in [
            (tied, today.plus_days(-365)),
            (long_ago, today.plus_days(-4 * 365)),
        ] {
            let x = sanshe_store::panels::insert_expert(
                &mut c,
                "320412",
                &format!("专家{u}"),
                "某单位",
                "",
                Some(u),
                "expert",
                false,
            )
            .await
            .unwrap();
            sanshe_store::panels::insert_tie(
                &mut c,
                x,
                provider,
                "director",
                Some(&ended.to_string()),
            )
            .await
            .unwrap();
        }
    }
    let assign = |stage: &str, who: i64| json!({"stage": stage, "assessor": who});
    let path = format!("/api/v1/purchase/contracts/{k}/evaluations");
    for (who, code) in [
        (own, "err-eval-conflict-agency"),
        (employed, "err-eval-conflict-employee"),
        (tied, "err-eval-conflict-employee"),
        (t.user_id("district").await, "err-eval-not-assessor"),
    ] {
        let r = t
            .api("POST", &path, Some(&d), Some(assign("spot", who)))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(codes(&r.json()), [code], "{}", r.body);
    }
    let r = t
        .api("POST", &path, Some(&d), Some(assign("spot", long_ago)))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The mid-term is assigned already; a stage once only.
    let r = t
        .api("POST", &path, Some(&d), Some(assign("midterm", long_ago)))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-eval-stage-taken"]);
    // Eight officers assign the pre-evaluation at once: it is assigned once.
    let t = Arc::new(t);
    let out = parallel(8, |_| {
        let (t, d, path) = (t.clone(), d.clone(), path.clone());
        async move {
            t.api("POST", &path, Some(&d), Some(assign("pre", long_ago)))
                .await
                .status
        }
    })
    .await;
    assert_eq!(out.get(&201), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&7), "{out:?}");
    // Only officers assign.
    let o = t.token_for("org").await;
    let r = t
        .api("POST", &path, Some(&o), Some(assign("final", long_ago)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn a_passed_midterm_releases_its_tranche_once() {
    let t = Arc::new(T::new().await);
    let d = t.token_for("district").await;
    let ev = t.token_for("evaluator").await;
    let o = t.token_for("org").await;
    let (k, e) = demo_midterm(&t).await;
    // The contract's last tenth waits for the mid-term evaluation.
    let tranche = {
        let mut c = t.app.db.acquire().await.unwrap();
        let ts = sanshe_store::contracts::tranches(&mut c, k).await.unwrap();
        let tr = ts
            .iter()
            .find(|x| x.gate == "on_midterm_evaluation")
            .unwrap();
        assert_eq!(tr.state, "scheduled");
        tr.id
    };
    let pay = json!({"paid_on": sanshe_app::calendar::today().to_string(), "voucher": "EV-1"});
    let pay_path = format!("/api/v1/purchase/tranches/{tranche}/pay");
    let r = t.api("POST", &pay_path, Some(&d), Some(pay.clone())).await;
    assert_eq!(codes(&r.json()), ["err-gate-closed"], "{}", r.body);
    let path = format!("/api/v1/purchase/evaluations/{e}");
    // The assessor must declare no conflict, and score within each indicator's points.
    let r = t
        .api(
            "PUT",
            &format!("{path}/scores"),
            Some(&ev),
            Some(json!({"scores": scores([16.0, 20.0, 25.0, 25.25]), "findings": "按计划推进", "no_conflict": false})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let mut c = codes(&r.json());
    c.sort();
    assert_eq!(
        c,
        [
            "err-eval-declaration",
            "err-eval-score-range",
            "err-eval-score-range"
        ],
        "{}",
        r.body
    );
    // Nobody but the assessor scores.
    let r = t
        .api(
            "PUT",
            &format!("{path}/scores"),
            Some(&d),
            Some(json!({"scores": scores([14.0, 22.5, 25.0, 26.0]), "findings": "x", "no_conflict": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = t
        .api(
            "PUT",
            &format!("{path}/scores"),
            Some(&ev),
            Some(json!({"scores": scores([14.0, 22.5, 25.0, 26.0]), "findings": "按计划推进，台账完整", "no_conflict": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = t.api("GET", &path, Some(&o), None).await.json();
    assert_eq!(v["evaluation"]["total"], "87.5");
    assert_eq!(v["evaluation"]["grade"], "good");
    assert_eq!(v["may_answer"], true);
    // The provider's answer period holds the grade back.
    let fin = json!({"event": "finalize"});
    let r = t
        .api(
            "POST",
            &format!("{path}/transitions"),
            Some(&ev),
            Some(fin.clone()),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-eval-answer-pending"], "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("{path}/answer"),
            Some(&o),
            Some(json!({"answer": "无异议"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Four finalize at once: one lands, and the tranche opens once.
    let out = parallel(4, |_| {
        let (t, ev, path, fin) = (t.clone(), ev.clone(), path.clone(), fin.clone());
        async move {
            t.api("POST", &format!("{path}/transitions"), Some(&ev), Some(fin))
                .await
                .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&3), "{out:?}");
    let r = t.api("POST", &pay_path, Some(&d), Some(pay)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // A late answer is refused; publishing is the officer's, and puts it on the contract's
    // public record.
    let r = t
        .api(
            "POST",
            &format!("{path}/answer"),
            Some(&o),
            Some(json!({"answer": "补充"})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-eval-answer-closed"], "{}", r.body);
    let publish = json!({"event": "publish"});
    let r = t
        .api(
            "POST",
            &format!("{path}/transitions"),
            Some(&ev),
            Some(publish.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("{path}/transitions"),
            Some(&d),
            Some(publish),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(t.audit_count("evaluation.publish").await == 1);
    let s = t.token_for("street").await;
    let r = t.api("GET", &path, Some(&s), None).await;
    assert_eq!(r.status, StatusCode::OK, "published: {}", r.body);
}

#[tokio::test]
async fn a_failed_midterm_halts_the_remaining_payments() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let ev = t.token_for("evaluator").await;
    let (k, e) = demo_midterm(&t).await;
    let path = format!("/api/v1/purchase/evaluations/{e}");
    let r = t
        .api(
            "PUT",
            &format!("{path}/scores"),
            Some(&ev),
            Some(json!({"scores": scores([8.0, 12.0, 15.0, 14.5]), "findings": "服务量严重不足", "no_conflict": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // The answer period passes without an answer.
    {
        let mut c = t.app.db.acquire().await.unwrap();
        run(
            &mut c,
            "UPDATE evaluations SET answer_by = '2000-01-01' WHERE id = $1",
            e,
        )
        .await;
    }
    let r = t
        .api(
            "POST",
            &format!("{path}/transitions"),
            Some(&ev),
            Some(json!({"event": "finalize"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = t
        .api(
            "GET",
            &format!("/api/v1/purchase/contracts/{k}"),
            Some(&d),
            None,
        )
        .await
        .json();
    // The tranche due at the end of the term (gated on its date).
    let last = v["tranches"].as_array().unwrap()[2]["id"].as_i64().unwrap();
    {
        // Its date has come: only the halt stands in the way.
        let mut c = t.app.db.acquire().await.unwrap();
        run(
            &mut c,
            "UPDATE tranches SET due_on = '2000-01-01' WHERE id = $1",
            last,
        )
        .await;
    }
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/tranches/{last}/pay"),
            Some(&d),
            Some(json!({"paid_on": sanshe_app::calendar::today().to_string(), "voucher": "EV-2"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-contract-halted"], "{}", r.body);
    // The provider and the officers hear of it.
    let o = t.token_for("org").await;
    let inbox = t.api("GET", "/api/v1/inbox", Some(&o), None).await.body;
    assert!(inbox.contains("evaluation.halted"), "{inbox}");
}

#[tokio::test]
async fn the_final_stage_opens_a_month_before_the_contract_ends() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let ev = t.token_for("evaluator").await;
    let (k, _) = demo_midterm(&t).await;
    let assessor = t.user_id("evaluator").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/evaluations"),
            Some(&d),
            Some(json!({"stage": "final", "assessor": assessor})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let body = json!({"scores": scores([14.0, 22.0, 25.0, 26.0]), "findings": "末期", "no_conflict": true});
    let path = format!("/api/v1/purchase/evaluations/{id}/scores");
    let r = t.api("PUT", &path, Some(&ev), Some(body.clone())).await;
    assert_eq!(codes(&r.json()), ["err-eval-final-not-open"], "{}", r.body);
    {
        let mut c = t.app.db.acquire().await.unwrap();
        let end = sanshe_app::calendar::today().plus_days(20).to_string();
        sqlx::query("UPDATE contracts SET end_date = $1 WHERE id = $2")
            .bind(end)
            .bind(k)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let r = t.api("PUT", &path, Some(&ev), Some(body)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

#[tokio::test]
async fn a_scheme_is_versioned_and_evaluations_keep_theirs() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let v1 = t
        .api("GET", "/api/v1/purchase/evaluation-scheme", Some(&d), None)
        .await
        .json();
    assert_eq!(v1["version"], 1);
    let mut s = v1["scheme"].clone();
    s["indicators"][0]["weight"] = json!(20);
    let r = t
        .api(
            "PUT",
            "/api/v1/purchase/evaluation-scheme",
            Some(&d),
            Some(s.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-weights-sum"], "{}", r.body);
    s["indicators"][1]["weight"] = json!(20);
    let r = t
        .api(
            "PUT",
            "/api/v1/purchase/evaluation-scheme",
            Some(&d),
            Some(s),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v2 = t
        .api("GET", "/api/v1/purchase/evaluation-scheme", Some(&d), None)
        .await
        .json();
    assert_eq!(v2["version"], 2);
    assert_eq!(v2["versions"].as_array().unwrap().len(), 2);
    // The evaluation assigned before keeps version 1; one assigned now takes version 2.
    let (k, e) = demo_midterm(&t).await;
    let old = t
        .api(
            "GET",
            &format!("/api/v1/purchase/evaluations/{e}"),
            Some(&d),
            None,
        )
        .await
        .json();
    assert_eq!(old["evaluation"]["scheme_version"], 1);
    assert_eq!(old["scores"][1]["weight"], 25);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/evaluations"),
            Some(&d),
            Some(json!({"stage": "spot", "assessor": t.user_id("evaluator").await})),
        )
        .await;
    let new = t
        .api(
            "GET",
            &format!("/api/v1/purchase/evaluations/{}", r.json()["id"]),
            Some(&d),
            None,
        )
        .await
        .json();
    assert_eq!(new["evaluation"]["scheme_version"], 2);
    assert_eq!(new["scores"][1]["weight"], 20);
    // Other roles read the scheme but do not edit it.
    let o = t.token_for("org").await;
    let r = t
        .api(
            "PUT",
            "/api/v1/purchase/evaluation-scheme",
            Some(&o),
            Some(v1["scheme"].clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn the_next_call_reads_the_record() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    // The demo year: 丁堰惠民 delivered with a final 良; 戚墅堰阳光 was halted after a 差.
    let good = t.org_id("丁堰惠民社会工作服务中心").await;
    let poor = t.org_id("戚墅堰阳光社会工作服务中心").await;
    let home = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let p = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=draft",
            Some(&d),
            None,
        )
        .await
        .json()["items"][0]
        .clone();
    let id = p["id"].as_i64().unwrap();
    // The officer asks for at least 优 and bars a recent 差.
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query("UPDATE projects SET history_min_grade = 'excellent', history_exclude_poor = 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *c)
        .await
        .unwrap();
    let project = sanshe_store::purchase::get_project(&mut c, id)
        .await
        .unwrap()
        .unwrap();
    let finding = |f: &[sanshe_domain::purchase::Finding], code: &str| {
        f.iter().find(|x| x.code == code).map(|x| x.level).unwrap()
    };
    use sanshe_domain::purchase::Level;
    let (f, _) = sanshe_app::purchase::applications::screen(&mut c, &project, good, &[])
        .await
        .unwrap();
    assert_eq!(finding(&f, "elig-history-grade"), Level::Fail, "良 < 优");
    let (f, _) = sanshe_app::purchase::applications::screen(&mut c, &project, poor, &[])
        .await
        .unwrap();
    assert_eq!(finding(&f, "elig-history-poor"), Level::Fail, "halted");
    let (f, _) = sanshe_app::purchase::applications::screen(&mut c, &project, home, &[])
        .await
        .unwrap();
    assert_eq!(
        finding(&f, "elig-history-grade"),
        Level::Pass,
        "no final yet"
    );
    assert_eq!(finding(&f, "elig-history-poor"), Level::Pass);
    drop(c);
    // The rules travel with the call through the API and are explained in words.
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{id}"),
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
    assert_eq!(r["history_min_grade"], "excellent", "{r}");
    assert_eq!(r["history_exclude_poor"], true);
    for code in ["elig-history-grade", "elig-history-poor"] {
        assert!(sanshe_app::i18n::has_key(code));
    }
}

#[tokio::test]
async fn published_results_reach_the_portal_and_the_open_data() {
    let t = T::new().await;
    let done = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::contracts::of_district(&mut c, "320412")
            .await
            .unwrap()
            .into_iter()
            .find(|k| k.state == "completed")
            .unwrap()
    };
    let mut s = crate::common::Session::default();
    let page = t
        .get(&mut s, &format!("/public/calls/{}", done.project_id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("第三方评估"), "{}", page.body);
    assert!(page.body.contains("86.5"), "{}", page.body);
    let r = t
        .api(
            "GET",
            &format!("/api/ocds/records/ocds-sanshe-{}", done.project_id),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let docs =
        &r.json()["records"][0]["compiledRelease"]["contracts"][0]["implementation"]["documents"];
    assert_eq!(docs[0]["documentType"], "finalAudit", "{}", r.body);
    // A result not yet published stays off the portal.
    let (_, e) = demo_midterm(&t).await;
    let mut s = crate::common::Session::default();
    let r = t.get(&mut s, &format!("/purchase/evaluations/{e}")).await;
    assert_ne!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_assessor_scores_through_the_pages_in_both_languages() {
    let t = T::new().await;
    let (_, e) = demo_midterm(&t).await;
    let mut s = t.login("evaluator").await;
    let home = t.get(&mut s, "/").await;
    assert!(
        home.body.contains("/purchase/evaluations"),
        "a task on the home page"
    );
    let list = t.get(&mut s, "/purchase/evaluations?state=assigned").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains(&format!("/purchase/evaluations/{e}")),
        "{}",
        list.body
    );
    let page = t.get(&mut s, &format!("/purchase/evaluations/{e}")).await;
    assert!(page.body.contains("score_decision"), "the score sheet");
    assert!(page.body.contains("效益"), "{}", page.body);
    // A sheet with a score over its points and no declaration is shown again, explained.
    let bad = t
        .post(
            &mut s,
            &format!("/purchase/evaluations/{e}/scores"),
            &[
                ("score_decision", "16"),
                ("score_process", "20"),
                ("score_output", "25"),
                ("score_outcome", "25"),
                ("findings", "现场走访"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("决策的得分应在 0 到 15 之间"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("无利害关系声明"), "{}", bad.body);
    assert!(bad.body.contains("现场走访"), "what was typed is kept");
    let ok = t
        .post(
            &mut s,
            &format!("/purchase/evaluations/{e}/scores"),
            &[
                ("score_decision", "14"),
                ("score_process", "20"),
                ("score_output", "25"),
                ("score_outcome", "25"),
                ("findings", "现场走访"),
                ("no_conflict", "1"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = t.get(&mut s, &format!("/purchase/evaluations/{e}")).await;
    assert!(page.body.contains("84"), "{}", page.body);
    // English is complete.
    let mut en = t.login("org").await;
    t.post(&mut en, "/lang/en", &[("next", "/")]).await;
    let page = t.get(&mut en, &format!("/purchase/evaluations/{e}")).await;
    assert!(page.body.contains("Send answer"), "{}", page.body);
    let scheme = t.get(&mut en, "/purchase/evaluation-scheme").await;
    assert!(scheme.body.contains("Outcome"), "{}", scheme.body);
    let csv = t.get(&mut en, "/purchase/evaluations/export/csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("Mid-term evaluation"), "{}", csv.body);
}

#[tokio::test]
async fn the_assessor_attaches_evidence_until_the_grade_is_final() {
    let t = T::new().await;
    let ev = t.token_for("evaluator").await;
    let o = t.token_for("org").await;
    let (_, e) = demo_midterm(&t).await;
    let png = {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
        b.extend_from_slice(&[0; 64]);
        b
    };
    let path = format!("/api/v1/purchase/evaluations/{e}/attachments?file_name=site.png");
    let r = t.api_raw("POST", &path, &ev, png.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // The provider reads it; it cannot add to the assessor's evidence.
    let list = t
        .api(
            "GET",
            &format!("/api/v1/purchase/evaluations/{e}/attachments"),
            Some(&o),
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert!(list.body.contains("site.png"), "{}", list.body);
    let r = t.api_raw("POST", &path, &o, png.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(t.audit_count("evaluation.attach").await, 1);
}

#[tokio::test]
async fn reminders_go_once_before_the_answer_period_ends_and_after() {
    let t = T::new().await;
    let ev = t.token_for("evaluator").await;
    let (_, e) = demo_midterm(&t).await;
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/evaluations/{e}/scores"),
            Some(&ev),
            Some(json!({"scores": scores([14.0, 22.0, 25.0, 26.0]), "findings": "良好", "no_conflict": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let count = |kind: &'static str, user: &'static str| {
        let t = &t;
        async move {
            let uid = t.user_id(user).await;
            let mut c = t.app.db.acquire().await.unwrap();
            sqlx::query("SELECT COUNT(*) AS n FROM inbox WHERE user_id = $1 AND kind = $2")
                .bind(uid)
                .bind(kind)
                .fetch_one(&mut *c)
                .await
                .unwrap()
                .try_get::<i64, _>("n")
                .unwrap()
        }
    };
    let set_by = |day: String| {
        let t = &t;
        async move {
            let mut c = t.app.db.acquire().await.unwrap();
            sqlx::query("UPDATE evaluations SET answer_by = $1 WHERE id = $2")
                .bind(day)
                .bind(e)
                .execute(&mut *c)
                .await
                .unwrap();
        }
    };
    let today = sanshe_app::calendar::today();
    // The answer period ends today: the provider is reminded, once however often the job runs.
    set_by(today.to_string()).await;
    for _ in 0..2 {
        sanshe_app::purchase::dashboard::remind(&t.app)
            .await
            .unwrap();
    }
    assert_eq!(count("reminder.evaluation_answer", "org").await, 1);
    assert_eq!(count("reminder.evaluation_finalize", "evaluator").await, 0);
    // It ended yesterday: the assessor may finalize, and is told so once.
    set_by(today.plus_days(-1).to_string()).await;
    for _ in 0..2 {
        sanshe_app::purchase::dashboard::remind(&t.app)
            .await
            .unwrap();
    }
    assert_eq!(count("reminder.evaluation_finalize", "evaluator").await, 1);
}

#[tokio::test]
async fn a_districts_first_scheme_is_stored_once_under_parallel_first_reads() {
    let t = Arc::new(T::new().await);
    // A district with no scheme yet: eight requests need it at once.
    let out = parallel(8, |_| {
        let t = t.clone();
        async move {
            let r = async {
                let mut tx = sanshe_app::uow::Uow::begin(&t.app).await?;
                let s = sanshe_app::purchase::evaluations::scheme_in(&mut tx, "320411").await?;
                tx.commit(sanshe_app::Ctx::cli().audit_entry(
                    sanshe_domain::audit::Action::Purchase {
                        object: "evaluation",
                        verb: "scheme.create",
                    },
                    Some(s.id.to_string()),
                    "test".into(),
                    sanshe_domain::audit::Outcome::Success,
                ))
                .await?;
                Ok::<i64, sanshe_app::AppError>(s.version)
            }
            .await;
            match r {
                Ok(1) => StatusCode::OK,
                Ok(_) => StatusCode::CONFLICT,
                Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
            }
        }
    })
    .await;
    assert_eq!(out.get(&200), Some(&8), "{out:?}");
    let mut c = t.app.db.acquire().await.unwrap();
    assert_eq!(
        sanshe_store::evaluations::schemes(&mut c, "320411")
            .await
            .unwrap()
            .len(),
        1
    );
}
