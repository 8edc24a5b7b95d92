//! Contracts and tranches: the clauses of 102号令 Art. 23 and the term limits of Art. 24 before
//! signing, versioned amendments, tranches paid once and only when their gate holds, and a
//! contract's paid total that parallel payments and claw-backs can never push past its amount
//! or below zero.

use super::codes;
use crate::common::T;
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

async fn contract_of(t: &T, tok: &str, project: i64) -> Value {
    let id = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::contracts::of_project(&mut c, project)
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/contracts/{id}"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()
}

#[tokio::test]
async fn a_contract_is_signed_only_with_its_clauses_and_a_lawful_term() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    // The demo call under review, awarded and confirmed.
    let (p, ranked) = super::awards::reviewed(&t, &tok).await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/contract"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(
        codes(&r.json()),
        ["err-contract-not-confirmed"],
        "before the award"
    );
    let first = ranked[0]["application"].as_i64().unwrap();
    t.api(
        "POST",
        &format!("/api/v1/purchase/projects/{p}/award"),
        Some(&tok),
        Some(json!({"application": first})),
    )
    .await;
    let today = sanshe_app::calendar::today();
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::purchase::set_award(
            &mut c,
            p,
            Some(first),
            Some(&today.plus_days(-9).to_string()),
            Some(&today.plus_days(-1).to_string()),
        )
        .await
        .unwrap();
    }
    assert_eq!(
        sanshe_app::purchase::awards::confirm_due(&t.app)
            .await
            .unwrap(),
        1
    );
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/contract"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let k = r.json()["id"].as_i64().unwrap();
    let again = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/contract"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // Signing needs every clause: the settlement, rights and liability are still empty.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/sign"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut missing = codes(&r.json());
    missing.dedup();
    assert_eq!(missing, ["err-clause-required"]);
    let fields: Vec<String> = r.json()["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(fields.contains(&"settlement".to_owned()) && fields.contains(&"liability".to_owned()));
    let v = contract_of(&t, &tok, p).await;
    let body = |start: &str, end: &str, why: &str| {
        json!({"amount": v["amount"], "start_date": start, "end_date": end, "term_justification": why,
            "content": "困境老人关爱服务", "quantity": "探访 1000 人次", "quality": "满意度不低于 90%",
            "price": "包干", "settlement": "40/30/30 分三期", "rights": "甲方监督，乙方服务",
            "liability": "未履约的暂停支付并追回"})
    };
    for (start, end, why, code) in [
        ("2027-01-01", "2028-06-30", "", "err-term-one-year"),
        (
            "2027-01-01",
            "2030-06-30",
            "服务稳定、每年重复",
            "err-term-three-years",
        ),
    ] {
        let r = t
            .api(
                "PUT",
                &format!("/api/v1/purchase/contracts/{k}"),
                Some(&tok),
                Some(body(start, end, why)),
            )
            .await;
        assert_eq!(codes(&r.json()), [code]);
    }
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/contracts/{k}"),
            Some(&tok),
            Some(body("2027-01-01", "2028-12-31", "服务稳定、每年重复")),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/sign"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // A signed contract changes only by an amendment with its reason, as a new version.
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/contracts/{k}"),
            Some(&tok),
            Some(body("2027-01-01", "2027-12-31", "")),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-amend-reason"]);
    let mut amended = body("2027-01-01", "2027-12-31", "");
    amended["reason"] = json!("服务期调整为一年");
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/contracts/{k}"),
            Some(&tok),
            Some(amended),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let v = contract_of(&t, &tok, p).await;
    assert_eq!(v["revision"], 1);
    assert_eq!(v["state"], "signed");
    let mut c = t.app.db.acquire().await.unwrap();
    let versions = sanshe_store::contracts::versions(&mut c, k).await.unwrap();
    assert_eq!(
        versions.len(),
        2,
        "the signed text and the amendment are both kept"
    );
    assert!(versions[0].body.contains("2028-12-31") && versions[1].body.contains("2027-12-31"));
    drop(c);
    // The signed contract is on the portal.
    let mut anon = crate::common::Session::default();
    let page = t.get(&mut anon, &format!("/public/calls/{p}")).await;
    assert!(page.body.contains("40/30/30"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tranches_pay_once_and_parallel_payments_never_pass_the_contract() {
    let t = Arc::new(T::new().await);
    let tok = t.token_for("district").await;
    let p = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=confirmed&q=%E5%AD%B5%E5%8C%96%E5%9F%B9%E8%82%B2",
            Some(&tok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let v = contract_of(&t, &tok, p).await;
    let k = v["id"].as_i64().unwrap();
    assert_eq!(v["paid"], "94400.00");
    let tranches = v["tranches"].as_array().unwrap().clone();
    let mid = tranches[1]["id"].as_i64().unwrap();
    let end = tranches[2]["id"].as_i64().unwrap();
    let pay =
        json!({"paid_on": sanshe_app::calendar::today().to_string(), "voucher": "WJ-PAY-0002"});
    // The mid-term tranche waits for its report to be accepted; the last for its date.
    for id in [mid, end] {
        let r = t
            .api(
                "POST",
                &format!("/api/v1/purchase/tranches/{id}/pay"),
                Some(&tok),
                Some(pay.clone()),
            )
            .await;
        assert_eq!(codes(&r.json()), ["err-gate-closed"], "{id}");
    }
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/tranches/{mid}/accept"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Eight officers pay it at once: it is paid once.
    let out = parallel(8, |_| {
        let (t, tok, pay) = (t.clone(), tok.clone(), pay.clone());
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/tranches/{mid}/pay"),
                Some(&tok),
                Some(pay),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&7), "{out:?}");
    let v = contract_of(&t, &tok, p).await;
    assert_eq!(v["paid"], "165200.00");
    assert_eq!(v["payments"].as_array().unwrap().len(), 2);
    // Tranches never add up past the contract; nor do claw-backs go below zero.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/tranches"),
            Some(&tok),
            Some(json!({"label": "追加", "amount": "1", "due_on": "2027-01-01", "gate": "on_signing"})),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-tranches-over-amount"]);
    let claw = |amount: &str| json!({"amount": amount, "reason": "中期评估未通过，追回部分资金", "paid_on": sanshe_app::calendar::today().to_string(), "voucher": "WJ-BACK"});
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/contracts/{k}/clawbacks"),
            Some(&tok),
            Some(claw("165200.01")),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-clawback-over-paid"]);
    // Eight claw-backs of ¥40,000 at once against ¥165,200 paid: exactly four land.
    let out = parallel(8, |_| {
        let (t, tok, body) = (t.clone(), tok.clone(), claw("40000"));
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/contracts/{k}/clawbacks"),
                Some(&tok),
                Some(body),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&4), "{out:?}");
    assert_eq!(out.get(&422), Some(&4), "{out:?}");
    let v = contract_of(&t, &tok, p).await;
    assert_eq!(v["paid"], "5200.00");
    let ledger: i64 = v["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["amount"].as_str().unwrap().parse::<f64>().unwrap() * 100.0).round() as i64)
        .sum();
    assert_eq!(ledger, 520_000, "the ledger adds up to what is paid");
    // The amount cannot drop below what its tranches (and so what is paid) add up to.
    let mut body = json!({"amount": "5000", "start_date": v["start_date"], "end_date": v["end_date"],
        "content": v["content"], "quantity": v["quantity"], "quality": v["quality"], "price": v["price"],
        "settlement": v["settlement"], "rights": v["rights"], "liability": v["liability"]});
    body["reason"] = json!("调减");
    let r = t
        .api(
            "PUT",
            &format!("/api/v1/purchase/contracts/{k}"),
            Some(&tok),
            Some(body),
        )
        .await;
    assert_eq!(codes(&r.json()), ["err-contract-below-tranches"]);
    // The organization sees its contract and ledger; another organization does too once
    // signed (it is public), but cannot pay.
    let otok = t.token_for("org").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/tranches/{end}/pay"),
            Some(&otok),
            Some(pay),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
