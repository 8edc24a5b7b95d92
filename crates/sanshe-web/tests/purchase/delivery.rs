//! Delivery: the contracted team logs activities with hours per member; a member whose
//! registration has lapsed on the day cannot be logged (nothing is written, the district is
//! told) until an amendment replaces them; a member's hours on one day never pass 24 however
//! many entries arrive at once; milestone reports are compiled from the logs, returned and
//! resubmitted, and accepting one opens its tranche for payment.

use super::codes;
use crate::common::T;
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

/// The demo's signed contract (last year's call) and its delivery as the organization sees it.
async fn demo_contract(t: &T, org: &str) -> (i64, Value) {
    let id = {
        let mut c = t.app.db.acquire().await.unwrap();
        let ks = sanshe_store::contracts::of_district(&mut c, "320412")
            .await
            .unwrap();
        // The demo organization's contract (the other signed one was halted by its mid-term).
        ks.into_iter()
            .find(|k| k.state == "signed" && k.halted_on.is_none())
            .unwrap()
            .id
    };
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/contracts/{id}/delivery"),
            Some(org),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (id, r.json())
}

async fn set_registration_end(t: &T, worker: i64, end: &str) {
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query("UPDATE worker_registrations SET end_date = $1 WHERE worker_id = $2")
        .bind(end)
        .bind(worker)
        .execute(&mut *c)
        .await
        .unwrap();
}

fn entry(day: &str, community: &str, workers: &[(i64, &str)]) -> Value {
    json!({
        "day": day, "community": community, "content": "社区社会组织能力建设培训",
        "direct": 20, "indirect": 60,
        "hours": workers.iter().map(|(w, h)| json!({"worker": w, "hours": h})).collect::<Vec<_>>(),
    })
}

#[tokio::test]
async fn the_team_logs_delivery_and_a_lapsed_member_is_blocked_until_replaced() {
    let t = T::new().await;
    let org = t.token_for("org").await;
    let district = t.token_for("district").await;
    let (k, v) = demo_contract(&t, &org).await;
    // The demo: logs since signing and a mid-term report waiting for the officer.
    let logged = v["totals"]["activities"].as_i64().unwrap();
    assert!(logged >= 8, "{v}");
    assert_eq!(v["reports"][0]["state"], "submitted");
    let team: Vec<i64> = v["team"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["worker_id"].as_i64().unwrap())
        .collect();
    assert!(team.len() >= 2);
    let community = v["logs"][0]["community"].as_str().unwrap().to_owned();
    let today = sanshe_app::calendar::today();
    let day = today.plus_days(-1).to_string();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/delivery-logs"),
            Some(&org),
            Some(entry(&day, &community, &[(team[0], "2"), (team[1], "1.5")])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let log = r.json()["id"].as_i64().unwrap();
    let v2 = demo_contract(&t, &org).await.1;
    assert_eq!(v2["totals"]["activities"].as_i64().unwrap(), logged + 1);
    assert_eq!(v2["logs"][0]["members"].as_array().unwrap().len(), 2);

    // Every problem at once, and nothing written.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/delivery-logs"),
            Some(&org),
            Some(json!({"day": today.plus_days(1).to_string(), "community": "320412999999",
                "content": "x", "direct": 1, "indirect": 0,
                "hours": [{"worker": 1, "hours": "1"}, {"worker": team[0], "hours": "1"}, {"worker": team[0], "hours": "2"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let mut got = codes(&r.json());
    got.sort();
    assert_eq!(
        got,
        [
            "err-delivery-community",
            "err-delivery-day",
            "err-delivery-not-team",
            "err-delivery-twice"
        ],
        "{}",
        r.body
    );

    // A member whose registration lapsed before the day: the entry is refused whole, the
    // district is told.
    let lapsed = team[1];
    set_registration_end(&t, lapsed, &today.plus_days(-30).to_string()).await;
    let before = demo_contract(&t, &org).await.1["totals"]["activities"].clone();
    let inbox_before = t
        .api("GET", "/api/v1/inbox", Some(&district), None)
        .await
        .json()["page"]["total"]
        .as_i64()
        .unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/delivery-logs"),
            Some(&org),
            Some(entry(&day, &community, &[(team[0], "1"), (lapsed, "1")])),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-member-lapsed"]);
    assert!(r.body.contains("失效"), "{}", r.body);
    assert_eq!(
        demo_contract(&t, &org).await.1["totals"]["activities"],
        before
    );
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&district), None)
        .await
        .json();
    assert_eq!(
        inbox["page"]["total"].as_i64().unwrap(),
        inbox_before + 1,
        "{inbox}"
    );
    assert_eq!(inbox["items"][0]["kind"], "delivery.lapsed");
    // A second try the same day is refused and audited again, but the officer is told once.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/delivery-logs"),
            Some(&org),
            Some(entry(&day, &community, &[(lapsed, "2")])),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-member-lapsed"]);
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&district), None)
        .await
        .json();
    assert_eq!(inbox["page"]["total"].as_i64().unwrap(), inbox_before + 1);
    assert_eq!(t.audit_count("delivery_log.refuse").await, 2);

    // The officer replaces the member by an amendment; the organization cannot.
    let staff = {
        let mut c = t.app.db.acquire().await.unwrap();
        let k = sanshe_store::contracts::get(&mut c, k)
            .await
            .unwrap()
            .unwrap();
        sanshe_store::purchase::staff(&mut c, k.org_id)
            .await
            .unwrap()
    };
    // A colleague outside the team, registered over the day and today.
    let new = staff
        .iter()
        .map(|(w, _, _)| *w)
        .find(|w| !team.contains(w))
        .expect("a colleague outside the team");
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query(
            "INSERT INTO worker_registrations (worker_id, start_date, end_date, number, created_at) \
             VALUES ($1, $2, $3, NULL, 0)",
        )
        .bind(new)
        .bind(today.plus_days(-365).to_string())
        .bind(today.plus_days(365).to_string())
        .execute(&mut *c)
        .await
        .unwrap();
    }
    let body = json!({"from": lapsed, "to": new, "reason": "原成员登记失效"});
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/team"),
            Some(&org),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/team"),
            Some(&district),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let versions = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::contracts::versions(&mut c, k).await.unwrap()
    };
    assert!(
        versions
            .iter()
            .any(|x| x.reason == "原成员登记失效" && x.revision == 1),
        "{versions:?}"
    );
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/delivery-logs"),
            Some(&org),
            Some(entry(&day, &community, &[(new, "1")])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // The portal shows the delivery's totals (no names).
    let project = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::contracts::get(&mut c, k)
            .await
            .unwrap()
            .unwrap()
            .project_id
    };
    let mut anon = crate::common::Session::default();
    let page = t.get(&mut anon, &format!("/public/calls/{project}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("服务执行情况"), "{}", page.body);
    let lapsed_name = v["team"][1]["name"].as_str().unwrap();
    assert!(
        !page.body.contains(lapsed_name),
        "no team names on the portal"
    );
    // Evidence: a photo on the first entry, readable by the officer, not by a resident.
    let png = b"\x89PNG\r\n\x1a\n0000000000000000".to_vec();
    let r = t
        .api_raw(
            "POST",
            &format!("/api/v1/purchase/delivery-logs/{log}/attachments?file_name=sign-in.png"),
            &org,
            png,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/delivery-logs/{log}/attachments"),
            Some(&district),
            None,
        )
        .await;
    assert_eq!(r.json().as_array().unwrap().len(), 1, "{}", r.body);
    let resident = t.token_for("resident").await;
    for path in [
        format!("/api/v1/purchase/delivery-logs/{log}/attachments"),
        format!("/api/v1/purchase/contracts/{k}/delivery"),
    ] {
        let r = t.api("GET", &path, Some(&resident), None).await;
        assert!(
            matches!(r.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
            "{path}: {}",
            r.status
        );
    }
}

#[tokio::test]
async fn a_members_hours_on_a_day_never_pass_24_under_parallel_entries() {
    let t = Arc::new(T::new().await);
    let org = t.token_for("org").await;
    let (k, v) = demo_contract(&t, &org).await;
    let member = v["team"][0]["worker_id"].as_i64().unwrap();
    let community = v["logs"][0]["community"].as_str().unwrap().to_owned();
    // A day the demo has not logged, within the member's registration.
    let day = sanshe_app::calendar::today().plus_days(-2).to_string();
    let out = parallel(8, |_| {
        let (t, org, body) = (
            t.clone(),
            org.clone(),
            entry(&day, &community, &[(member, "4")]),
        );
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/contracts/{k}/delivery-logs"),
                Some(&org),
                Some(body),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&201), Some(&6), "{out:?}");
    assert_eq!(out.get(&422), Some(&2), "{out:?}");
    let mut c = t.app.db.acquire().await.unwrap();
    assert_eq!(
        sanshe_store::delivery::hours_on(&mut c, member, &day)
            .await
            .unwrap(),
        240
    );
}

/// The cap counts every contract: a member on two teams, entries on both at once.
#[tokio::test]
async fn the_day_cap_holds_across_contracts_under_parallel_entries() {
    let t = Arc::new(T::new().await);
    let org = t.token_for("org").await;
    let (k, v) = demo_contract(&t, &org).await;
    let member = v["team"][0]["worker_id"].as_i64().unwrap();
    let day = sanshe_app::calendar::today().plus_days(-2).to_string();
    // The demo's completed contract, running again for the same organization with the member
    // on its team too.
    let other = {
        let mut c = t.app.db.acquire().await.unwrap();
        let ks = sanshe_store::contracts::of_district(&mut c, "320412")
            .await
            .unwrap();
        let mine = ks.iter().find(|x| x.id == k).unwrap().clone();
        let other = ks.iter().find(|x| x.state == "completed").unwrap().id;
        sqlx::query(
            "UPDATE contracts SET state = 'signed', org_id = $1, end_date = $2 WHERE id = $3",
        )
        .bind(mine.org_id)
        .bind(&mine.clauses.end_date)
        .bind(other)
        .execute(&mut *c)
        .await
        .unwrap();
        sqlx::query("INSERT INTO contract_team (contract_id, worker_id) VALUES ($1, $2)")
            .bind(other)
            .bind(member)
            .execute(&mut *c)
            .await
            .unwrap();
        other
    };
    let mut communities = Vec::new();
    for id in [k, other] {
        let r = t
            .api(
                "GET",
                &format!("/api/v1/purchase/contracts/{id}/delivery"),
                Some(&org),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        communities.push(
            r.json()["logs"][0]["community"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let out = parallel(8, |n| {
        let (id, community) = if n % 2 == 0 {
            (k, &communities[0])
        } else {
            (other, &communities[1])
        };
        let (t, org, body) = (
            t.clone(),
            org.clone(),
            entry(&day, community, &[(member, "4")]),
        );
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/contracts/{id}/delivery-logs"),
                Some(&org),
                Some(body),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&201), Some(&6), "{out:?}");
    assert_eq!(out.get(&422), Some(&2), "{out:?}");
    let mut c = t.app.db.acquire().await.unwrap();
    assert_eq!(
        sanshe_store::delivery::hours_on(&mut c, member, &day)
            .await
            .unwrap(),
        240
    );
}

#[tokio::test]
async fn reports_are_compiled_returned_resubmitted_and_accepting_opens_the_tranche() {
    let t = T::new().await;
    let org = t.token_for("org").await;
    let district = t.token_for("district").await;
    let (k, v) = demo_contract(&t, &org).await;
    let midterm = &v["reports"][0];
    let rid = midterm["id"].as_i64().unwrap();
    let tranche = midterm["tranche_id"].as_i64().unwrap();
    // The figures are the logs of its period.
    let from = midterm["period_from"].as_str().unwrap();
    let to = midterm["period_to"].as_str().unwrap();
    let in_period = v["logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| {
            let d = l["day"].as_str().unwrap();
            d >= from && d <= to
        })
        .count() as i64;
    assert_eq!(midterm["totals"]["activities"].as_i64().unwrap(), in_period);
    // The organization cannot accept its own report; returning needs reasons.
    let step = |tok: &str, body: Value| {
        let tok = tok.to_owned();
        let t = &t;
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/reports/{rid}/transitions"),
                Some(&tok),
                Some(body),
            )
            .await
        }
    };
    let r = step(&org, json!({"event": "accept"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let r = step(&district, json!({"event": "return"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = step(
        &district,
        json!({"event": "return", "text": "请补充受益人签到表"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = step(
        &org,
        json!({"event": "resubmit", "text": "已补充签到表，修订报告如下。"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // A tranche waiting for a report cannot be paid before it is accepted.
    let pay =
        json!({"paid_on": sanshe_app::calendar::today().to_string(), "voucher": "WJ-PAY-0002"});
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/tranches/{tranche}/pay"),
            Some(&district),
            Some(pay.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // A stale version loses; the current one accepts and opens the tranche.
    let r = step(&district, json!({"event": "accept", "version": 0})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = step(&district, json!({"event": "accept", "text": "同意"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = step(&district, json!({"event": "return", "text": "x"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "accepted stays accepted");
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/tranches/{tranche}/pay"),
            Some(&district),
            Some(pay),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Another report for a paid tranche is refused; a final report without one is fine.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/reports"),
            Some(&org),
            Some(json!({"kind": "midterm", "tranche": tranche, "period_from": from, "period_to": to, "summary": "重复"})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-report-tranche"], "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/reports"),
            Some(&org),
            Some(json!({"kind": "final", "period_from": to, "period_to": from, "summary": "结项"})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-report-period"], "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/reports"),
            Some(&org),
            Some(json!({"kind": "final", "period_from": from, "period_to": sanshe_app::calendar::today().to_string(), "summary": "结项报告"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v = demo_contract(&t, &org).await.1;
    assert_eq!(v["reports"].as_array().unwrap().len(), 2);
    assert_eq!(v["reports"][0]["state"], "accepted");
    assert_eq!(
        v["reports"][1]["totals"]["activities"],
        v["totals"]["activities"]
    );
}

#[tokio::test]
async fn the_contracts_ledger_and_payments_export_as_spreadsheets() {
    let t = T::new().await;
    let district = t.token_for("district").await;
    let r = t
        .api("GET", "/api/v1/purchase/contracts", Some(&district), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ledger = r.json();
    let signed = ledger
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["state"] == "signed" && k.to_string().contains("孵化培育"))
        .unwrap()
        .clone();
    assert_eq!(signed["paid"], "94400.00");
    assert_eq!(signed["unpaid"], "141600.00");
    assert!(signed["delivery"]["activities"].as_i64().unwrap() > 0);
    // Organizations keep their own contracts, not the district's ledger.
    let org = t.token_for("org").await;
    let r = t
        .api("GET", "/api/v1/purchase/contracts", Some(&org), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut s = t.login("district").await;
    let csv = t.get(&mut s, "/purchase/contracts/export/csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.body.contains("合同编号"), "{}", csv.body);
    assert!(csv.body.contains("141600.00"), "{}", csv.body);
    let pay = t.get(&mut s, "/purchase/payments/export/csv").await;
    assert!(pay.body.contains("WJ-PAY-0001"), "{}", pay.body);
    let xlsx = t.get(&mut s, "/purchase/payments/export/xlsx").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let page = t.get(&mut s, "/purchase/contracts").await;
    assert!(page.body.contains("合同台账"), "{}", page.body);
    // The organization's page and API carry its performance history.
    let org_id = signed["organization"].as_i64().unwrap();
    let r = t
        .api(
            "GET",
            &format!("/api/v1/organizations/{org_id}/purchase-history"),
            Some(&district),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let h = r.json();
    let won = h
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["contract"] == signed["id"])
        .unwrap()
        .clone();
    assert_eq!(won["awarded"], true);
    assert_eq!(won["paid"], "94400.00");
    assert!(won["delivery"]["activities"].as_i64().unwrap() > 0);
    let page = t.get(&mut s, &format!("/orgs/{org_id}")).await;
    assert!(page.body.contains("承接政府购买服务记录"), "{}", page.body);
    assert!(page.body.contains("中标承接"), "{}", page.body);
}

#[tokio::test]
async fn the_dashboard_lists_each_officers_steps_and_reminders_go_once() {
    let t = T::new().await;
    let district = t.token_for("district").await;
    // The demo call under review gets its signed report ten days ago: the award is overdue.
    let (p, _) = super::awards::reviewed(&t, &district).await;
    let ten_ago = sanshe_app::calendar::today().plus_days(-10).to_string();
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::purchase::set_reviewed_on(&mut c, p, &ten_ago)
            .await
            .unwrap();
    }
    let r = t
        .api("GET", "/api/v1/purchase/dashboard", Some(&district), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let d = r.json();
    assert_eq!(d["catalog_state"], "published");
    assert!(d["catalog_items"].as_i64().unwrap() >= 30);
    assert!(d["contracts"].as_i64().unwrap() >= 1);
    // The demo's delivered call (final, 良) and halted call (mid-term, 差) were evaluated; the
    // running one's mid-term is only assigned.
    assert_eq!(d["evaluated"], 2, "{d}");
    let streets = d["streets"].as_array().unwrap();
    assert!(streets
        .iter()
        .any(|s| s["covered"].as_i64().unwrap() > 0 && s["contracted"] != "0.00"));
    let communities = d["communities"].as_array().unwrap();
    assert!(
        communities
            .iter()
            .any(|c| c["projects"].as_i64().unwrap() >= 1 && c["paid"] != "0.00"),
        "{communities:?}"
    );
    let steps = d["steps"].as_array().unwrap();
    assert_eq!(steps[0]["kind"], "award", "overdue first: {steps:?}");
    assert_eq!(steps[0]["overdue"], true);
    assert_eq!(steps[0]["project"], p);
    assert!(steps.iter().any(|s| s["kind"] == "review_report"));
    // The organization with a draft on a call closing within two working days is reminded.
    let org = t.token_for("org").await;
    let open = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=open",
            Some(&district),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{open}/applications"),
            Some(&org),
            Some(json!({"amount": "1000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE projects SET deadline = $1 WHERE id = $2")
            .bind(sanshe_app::calendar::today().to_string())
            .bind(open)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    // The responsible officer is reminded once, however often the job runs.
    let sent = sanshe_app::purchase::dashboard::remind(&t.app)
        .await
        .unwrap();
    assert!(sent >= 1, "{sent}");
    assert_eq!(
        sanshe_app::purchase::dashboard::remind(&t.app)
            .await
            .unwrap(),
        0
    );
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&district), None)
        .await
        .json();
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "reminder.award.overdue"),
        "{inbox}"
    );
    let inbox = t.api("GET", "/api/v1/inbox", Some(&org), None).await.json();
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "reminder.apply"),
        "{inbox}"
    );
    // The page says the same.
    let mut s = t.login("district").await;
    let page = t.get(&mut s, "/purchase/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("决定中标结果"), "{}", page.body);
    assert!(page.body.contains("已逾期"), "{}", page.body);
    // Organizations have no dashboard of the district.
    let org = t.token_for("org").await;
    let r = t
        .api("GET", "/api/v1/purchase/dashboard", Some(&org), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_contract_completes_only_when_every_tranche_is_paid() {
    let t = T::new().await;
    let org = t.token_for("org").await;
    let district = t.token_for("district").await;
    let (k, v) = demo_contract(&t, &org).await;
    let rid = v["reports"][0]["id"].as_i64().unwrap();
    let complete = || async {
        t.api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/complete"),
            Some(&district),
            None,
        )
        .await
    };
    let r = complete().await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-contract-unpaid"]);
    // The mid-term report opens tranche 2; the last one's date is brought forward.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/reports/{rid}/transitions"),
            Some(&district),
            Some(json!({"event": "accept"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // The mid-term evaluation passes, which opens the last tenth.
    let ev = t.token_for("evaluator").await;
    let e = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::evaluations::of_contract(&mut c, k)
            .await
            .unwrap()[0]
            .id
    };
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/evaluations/{e}/scores"),
            Some(&ev),
            Some(
                json!({"scores": {"decision": 14, "process": 22, "output": 26, "outcome": 26},
                "findings": "良好", "no_conflict": true}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/evaluations/{e}/answer"),
            Some(&org),
            Some(json!({"answer": "无异议"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/evaluations/{e}/transitions"),
            Some(&ev),
            Some(json!({"event": "finalize"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let today = sanshe_app::calendar::today();
    let tranches = {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE tranches SET due_on = $1 WHERE contract_id = $2 AND gate = 'on_date'")
            .bind(today.plus_days(-1).to_string())
            .bind(k)
            .execute(&mut *c)
            .await
            .unwrap();
        sanshe_store::contracts::tranches(&mut c, k).await.unwrap()
    };
    for tr in tranches.iter().filter(|x| x.state != "paid") {
        let r = t
            .api(
                "POST",
                &format!("/api/v1/purchase/tranches/{}/pay", tr.id),
                Some(&district),
                Some(json!({"paid_on": today.to_string(), "voucher": format!("V-{}", tr.id)})),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
    let r = complete().await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(complete().await.status, StatusCode::CONFLICT, "once");
    // A completed contract takes no more delivery logs; the feed calls it terminated.
    let community = v["logs"][0]["community"].as_str().unwrap().to_owned();
    let member = v["team"][0]["worker_id"].as_i64().unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/delivery-logs"),
            Some(&org),
            Some(entry(&today.to_string(), &community, &[(member, "1")])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let feed = t
        .api("GET", "/api/ocds/bulk/records.json", None, None)
        .await
        .json();
    assert!(feed["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["compiledRelease"]["contracts"][0]["status"] == "terminated"));
}

/// A social worker sees the contracts whose team they are on with their own hours, and is
/// told (on the page and once in the inbox) to renew a registration that ends before a
/// running contract does.
#[tokio::test]
async fn a_social_worker_sees_their_service_and_is_told_to_renew() {
    let t = T::new().await;
    let w = t.token_for("worker").await;
    let r = t
        .api("GET", "/api/v1/purchase/my-service", Some(&w), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v = r.json();
    let until = sanshe_app::calendar::today().plus_days(60).to_string();
    assert_eq!(v["registered_until"], until.as_str(), "{v}");
    assert_eq!(v["renew_by"], until.as_str(), "{v}");
    let running: Vec<&Value> = v["contracts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["state"] == "signed")
        .collect();
    assert_eq!(running.len(), 1, "{v}");
    assert_eq!(running[0]["lapses_first"], true);
    assert!(running[0]["activities"].as_i64().unwrap() > 0, "{v}");
    assert_ne!(running[0]["hours"], "0");
    // Told once in the inbox when the demo loaded; the job does not repeat it.
    let inbox = t.api("GET", "/api/v1/inbox", Some(&w), None).await.json();
    let told = |inbox: &Value| {
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "reminder.registration")
            .count()
    };
    assert_eq!(told(&inbox), 1, "{inbox}");
    assert_eq!(
        sanshe_app::purchase::delivery::remind_renewals(&t.app)
            .await
            .unwrap(),
        0
    );
    let mut s = t.login("worker").await;
    let page = t.get(&mut s, "/purchase/my-service").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&until), "{}", page.body);
    assert!(page.body.contains("续期"), "{}", page.body);
    let home = t.get(&mut s, "/").await;
    assert!(home.body.contains("/purchase/my-service"), "{}", home.body);
    // Renewed past the contract's end: nothing left to do.
    let worker = v["worker"].as_i64().unwrap();
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE worker_registrations SET end_date = $1 WHERE worker_id = $2")
            .bind(running[0]["end_date"].as_str().unwrap())
            .bind(worker)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let v = t
        .api("GET", "/api/v1/purchase/my-service", Some(&w), None)
        .await
        .json();
    assert!(v["renew_by"].is_null(), "{v}");
    // Only social workers have a service of their own.
    let org = t.token_for("org").await;
    let r = t
        .api("GET", "/api/v1/purchase/my-service", Some(&org), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
