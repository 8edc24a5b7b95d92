//! Project proposals: streets group needs, the district decides, one need in one proposal.

use super::need_body;
use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;

#[tokio::test]
async fn streets_group_needs_into_proposals_the_district_decides() {
    let t = T::new().await;
    let ctok = t.token_for("community").await;
    let stok = t.token_for("street").await;
    let dtok = t.token_for("district").await;
    let mut ids = Vec::new();
    for title in ["助餐一", "助餐二"] {
        let mut b = need_body(title);
        b["channel"] = json!("counter");
        let r = t.api("POST", "/api/v1/needs", Some(&ctok), Some(b)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.json()["id"].as_i64().unwrap());
    }
    // A need not yet accepted cannot be grouped; the message names it.
    let r = t
        .api(
            "POST",
            "/api/v1/proposals",
            Some(&stok),
            Some(json!({"title": "助餐项目", "category": "elderly_disabled", "needs": ids, "budget": "80000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("助餐一"), "{}", r.body);
    for id in &ids {
        let r = t
            .api(
                "POST",
                &format!("/api/v1/needs/{id}/transitions"),
                Some(&ctok),
                Some(json!({"event": "accept"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // Community staff cannot make proposals.
    let r = t
        .api(
            "POST",
            "/api/v1/proposals",
            Some(&ctok),
            Some(json!({"title": "x", "category": "other", "needs": ids})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .api(
            "POST",
            "/api/v1/proposals",
            Some(&stok),
            Some(json!({"title": "助餐项目", "category": "elderly_disabled", "needs": ids, "budget": "80000.50"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pid = r.json()["id"].as_i64().unwrap();
    let p = t
        .api(
            "GET",
            &format!("/api/v1/proposals/{pid}"),
            Some(&stok),
            None,
        )
        .await
        .json();
    assert_eq!(p["state"], "draft");
    assert_eq!(p["beneficiaries"], 24, "the people of its needs");
    assert_eq!(p["budget_yuan"], "80000.50");
    assert_eq!(p["events"], json!(["propose"]));
    for id in &ids {
        let n = t
            .api("GET", &format!("/api/v1/needs/{id}"), Some(&ctok), None)
            .await
            .json();
        assert_eq!(n["state"], "merged");
        assert_eq!(n["proposal_id"], pid);
    }
    // A need cannot be grouped twice.
    let r = t
        .api(
            "POST",
            "/api/v1/proposals",
            Some(&stok),
            Some(json!({"title": "重复", "category": "other", "needs": [ids[0]]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Street proposes; the district adopts (the street cannot).
    let r = t
        .api(
            "POST",
            &format!("/api/v1/proposals/{pid}/transitions"),
            Some(&stok),
            Some(json!({"event": "propose"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/proposals/{pid}/transitions"),
            Some(&stok),
            Some(json!({"event": "adopt"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&dtok), None)
        .await
        .json();
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "proposal.proposed"));
    // Declining needs a reason.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/proposals/{pid}/transitions"),
            Some(&dtok),
            Some(json!({"event": "decline"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/proposals/{pid}/transitions"),
            Some(&dtok),
            Some(json!({"event": "adopt", "text": "纳入明年目录"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["state"], "adopted");
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&ctok), None)
        .await
        .json();
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "proposal.adopted"));
    // The pages show it.
    let mut s = t.login("street").await;
    let page = t.get(&mut s, &format!("/proposals/{pid}")).await;
    assert!(
        page.body.contains("已采纳") && page.body.contains("助餐一"),
        "{}",
        page.body
    );
    let list = t.get(&mut s, "/proposals").await;
    assert!(list.body.contains("助餐项目"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_need_goes_into_one_proposal_however_many_try_at_once() {
    let t = Arc::new(T::new().await);
    let ctok = t.token_for("community").await;
    let mut b = need_body("并发纳入");
    b["channel"] = json!("counter");
    let id = t
        .api("POST", "/api/v1/needs", Some(&ctok), Some(b))
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/needs/{id}/transitions"),
            Some(&ctok),
            Some(json!({"event": "accept"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let tokens = [t.token_for("street").await, t.token_for("district").await];
    let hs: Vec<_> = (0..8)
        .map(|i| {
            let (t, tok) = (t.clone(), tokens[i % 2].clone());
            tokio::spawn(async move {
                t.api(
                    "POST",
                    "/api/v1/proposals",
                    Some(&tok),
                    Some(json!({"title": format!("并发建议{i}"), "category": "elderly_disabled", "needs": [id]})),
                )
                .await
            })
        })
        .collect();
    let mut created = 0;
    for h in hs {
        let r = h.await.unwrap();
        match r.status.as_u16() {
            201 => created += 1,
            409 | 422 => {}
            s => panic!("{s}: {}", r.body),
        }
    }
    assert_eq!(created, 1, "the need is merged into exactly one proposal");
    let n = t
        .api("GET", &format!("/api/v1/needs/{id}"), Some(&ctok), None)
        .await
        .json();
    assert_eq!(n["state"], "merged");
    let steps = n["timeline"].as_array().unwrap();
    assert_eq!(steps.iter().filter(|s| s["event"] == "merge").count(), 1);
}
