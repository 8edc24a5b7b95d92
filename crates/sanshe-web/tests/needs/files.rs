//! Evidence files on needs: reachable exactly as their need.

use super::need_body;
use crate::common::T;
use axum::http::StatusCode;

#[tokio::test]
async fn evidence_files_are_reachable_exactly_as_their_need() {
    let t = T::new().await;
    let rtok = t.token_for("resident").await;
    let id = t
        .api(
            "POST",
            "/api/v1/needs",
            Some(&rtok),
            Some(need_body("带照片的需求")),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 64]].concat();
    let up = |tok: String, name: &'static str, bytes: Vec<u8>| {
        let t = &t;
        async move {
            t.api_raw(
                "POST",
                &format!("/api/v1/needs/{id}/attachments?file_name={name}"),
                &tok,
                bytes,
            )
            .await
        }
    };
    let r = up(rtok.clone(), "door.png", png.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let aid = r.json()["id"].as_i64().unwrap();
    // HTML or SVG is never accepted, whatever its name.
    let r = up(
        rtok.clone(),
        "x.svg",
        b"<svg onload=alert(1)></svg>".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("只接受"), "{}", r.body);
    let r = up(rtok.clone(), "plan.pdf", b"%PDF-1.7 test".to_vec()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pdf = r.json()["id"].as_i64().unwrap();
    // The community's staff see both: the image inline, the PDF as a download.
    let ctok = t.token_for("community").await;
    let list = t
        .api(
            "GET",
            &format!("/api/v1/needs/{id}/attachments"),
            Some(&ctok),
            None,
        )
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert_eq!(
        list[0]["sm3"].as_str().unwrap(),
        sanshe_app::attachments::sm3_hex(&png)
    );
    let img = t
        .api(
            "GET",
            &format!("/api/v1/needs/{id}/attachments/{aid}"),
            Some(&ctok),
            None,
        )
        .await;
    assert_eq!(img.status, StatusCode::OK);
    assert_eq!(img.headers["content-type"], "image/png");
    assert!(img.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("inline"));
    let doc = t
        .api(
            "GET",
            &format!("/api/v1/needs/{id}/attachments/{pdf}"),
            Some(&ctok),
            None,
        )
        .await;
    assert!(doc.headers["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(doc.headers["x-content-type-options"], "nosniff");
    // Another resident: not found, like a missing file.
    t.add_user("neighbour", "resident", None).await;
    let ntok = t.token_for("neighbour").await;
    let r = t
        .api(
            "GET",
            &format!("/api/v1/needs/{id}/attachments/{aid}"),
            Some(&ntok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // An organization account has no part in needs.
    let otok = t.token_for("org").await;
    let r = t
        .api(
            "GET",
            &format!("/api/v1/needs/{id}/attachments"),
            Some(&otok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The page lists them; removal needs confirmation; all of it is audited.
    let mut s = t.login("community").await;
    let page = t.get(&mut s, &format!("/needs/{id}")).await;
    assert!(page.body.contains("door.png") && page.body.contains("plan.pdf"));
    let unconfirmed = t
        .post(
            &mut s,
            &format!("/needs/{id}/attachments/{pdf}/delete"),
            &[],
        )
        .await;
    assert_ne!(unconfirmed.status, StatusCode::SEE_OTHER);
    let r = t
        .post(
            &mut s,
            &format!("/needs/{id}/attachments/{pdf}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(t.audit_count("need.attach").await, 2);
    assert_eq!(t.audit_count("need.detach").await, 1);
    let list = t
        .api(
            "GET",
            &format!("/api/v1/needs/{id}/attachments"),
            Some(&rtok),
            None,
        )
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
}
