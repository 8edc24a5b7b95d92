//! Questions on calls, answered once and published to every organization and on the
//! portal without the asker; recusal requests by applicants, upheld (the tie is recorded and
//! the expert's seat drawn again) or dismissed, once.

use super::codes;
use crate::common::{Session, T};
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;

async fn project_in(t: &T, tok: &str, state: &str) -> i64 {
    t.api(
        "GET",
        &format!("/api/v1/purchase/projects?state={state}"),
        Some(tok),
        None,
    )
    .await
    .json()["items"][0]["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn questions_are_answered_once_and_published_without_the_asker() {
    let t = Arc::new(T::new().await);
    let district = t.token_for("district").await;
    let org = t.token_for("org").await;
    let open = project_in(&t, &district, "open").await;
    let ask = |q: &str| {
        let (t, org, q) = (t.clone(), org.clone(), q.to_owned());
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/projects/{open}/questions"),
                Some(&org),
                Some(json!({ "question": q })),
            )
            .await
        }
    };
    let r = ask("服务对象是否包含外来务工人员家庭？").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let q = r.json()["id"].as_i64().unwrap();
    // Officers see who asked; a resident sees nothing until it is answered.
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{open}/questions"),
            Some(&district),
            None,
        )
        .await;
    assert!(!r.json()[0]["asked_by"].as_str().unwrap().is_empty());
    let resident = t.token_for("resident").await;
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{open}/questions"),
            Some(&resident),
            None,
        )
        .await;
    assert_eq!(r.json().as_array().unwrap().len(), 0, "{}", r.body);
    // Four officers answer at once: one answer lands.
    let out = parallel(4, |i| {
        let (t, tok) = (t.clone(), district.clone());
        async move {
            t.api(
                "POST",
                &format!("/api/v1/purchase/questions/{q}/answer"),
                Some(&tok),
                Some(json!({ "answer": format!("包含。答复{i}") })),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&3), "{out:?}");
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{open}/questions"),
            Some(&resident),
            None,
        )
        .await;
    let a = r.json();
    assert_eq!(a[0]["state"], "answered");
    assert_eq!(a[0]["asked_by"], "", "the asker is not named to others");
    // Every organization hears of it; the portal shows it.
    let inbox = t.api("GET", "/api/v1/inbox", Some(&org), None).await.json();
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "question.answered"));
    let mut anon = Session::default();
    let page = t.get(&mut anon, &format!("/public/calls/{open}")).await;
    assert!(page.body.contains("外来务工人员"), "{}", page.body);
    // A closed call takes no questions; a blank one is refused.
    let reviewing = project_in(&t, &district, "reviewing").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{reviewing}/questions"),
            Some(&org),
            Some(json!({"question": "还能提问吗？"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-question-closed"]);
    let r = ask("   ").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_applicants_recusal_request_upheld_records_the_tie_and_redraws_the_seat() {
    let t = T::new().await;
    let district = t.token_for("district").await;
    let org = t.token_for("org").await;
    let p = project_in(&t, &district, "reviewing").await;
    let members = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::panels::members(&mut c, p).await.unwrap()
    };
    let seated = members.iter().find(|m| m.state != "recused").unwrap();
    let before = members.iter().filter(|m| m.state != "recused").count();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/recusals"),
            Some(&org),
            Some(json!({"expert": seated.expert_id, "reason": "该专家为本机构理事长的配偶"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rid = r.json()["id"].as_i64().unwrap();
    // Upholding needs the tie found.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/recusals/{rid}/decision"),
            Some(&district),
            Some(json!({"event": "uphold", "reply": "经核实属实"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/recusals/{rid}/decision"),
            Some(&district),
            Some(json!({"event": "uphold", "relation": "relative", "reply": "经核实属实"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/recusals/{rid}/decision"),
            Some(&district),
            Some(json!({"event": "dismiss", "reply": "再次"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "decided once");
    let after = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::panels::members(&mut c, p).await.unwrap()
    };
    let m = after.iter().find(|m| m.id == seated.id).unwrap();
    assert_eq!(m.state, "recused");
    assert!(
        after.iter().filter(|m| m.state != "recused").count() >= before,
        "the seat is drawn again from the pool"
    );
    let ties = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::panels::ties(&mut c, "320412").await.unwrap()
    };
    assert!(ties
        .iter()
        .any(|x| x.expert_id == seated.expert_id && x.relation == "relative"));
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/projects/{p}/recusals"),
            Some(&org),
            None,
        )
        .await;
    assert_eq!(r.json()[0]["state"], "upheld", "{}", r.body);
    // Only an applicant may ask.
    let worker = t.token_for("worker").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{p}/recusals"),
            Some(&worker),
            Some(json!({"expert": seated.expert_id, "reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_application_carries_files_only_while_it_is_a_draft() {
    let t = T::new().await;
    let org = t.token_for("org").await;
    let district = t.token_for("district").await;
    let open = project_in(&t, &district, "open").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/purchase/projects/{open}/applications"),
            Some(&org),
            Some(json!({"amount": "1000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let a = r.json()["id"].as_i64().unwrap();
    let pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n".to_vec();
    let r = t
        .api_raw(
            "POST",
            &format!("/api/v1/purchase/applications/{a}/attachments?file_name=plan.pdf"),
            &org,
            pdf.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let f = r.json()["id"].as_i64().unwrap();
    // HTML is never taken, whatever it is called.
    let r = t
        .api_raw(
            "POST",
            &format!("/api/v1/purchase/applications/{a}/attachments?file_name=plan.pdf"),
            &org,
            b"<html><script>alert(1)</script>".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    // Officers do not see a draft, nor its files.
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications/{a}/attachments"),
            Some(&district),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications/{a}/attachments/{f}"),
            Some(&org),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/pdf");
    let r = t
        .api(
            "DELETE",
            &format!("/api/v1/purchase/applications/{a}/attachments/{f}"),
            Some(&org),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = t
        .api(
            "GET",
            &format!("/api/v1/purchase/applications/{a}/attachments"),
            Some(&org),
            None,
        )
        .await;
    assert_eq!(r.json().as_array().unwrap().len(), 0);
    // Once submitted (here: withdrawn, no longer a draft) the files are fixed.
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE applications SET state = 'withdrawn' WHERE id = $1")
            .bind(a)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let r = t
        .api_raw(
            "POST",
            &format!("/api/v1/purchase/applications/{a}/attachments?file_name=plan.pdf"),
            &org,
            pdf,
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-application-not-draft"]);
}
