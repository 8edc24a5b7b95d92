//! Self-reported facts feed official figures only once verified: a worker's own change of
//! certificate or committee seat waits for the staff; an organization cannot move a worker
//! into another town by itself.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_workers_own_facts_wait_for_verification() {
    let t = T::new().await;
    let wtok = t.token_for("worker").await;
    let wid = t.worker_of_user(t.user_id("worker").await).await;
    let before = t
        .api(
            "GET",
            &format!("/api/v1/social-workers/{wid}"),
            Some(&wtok),
            None,
        )
        .await
        .json();
    let r = t
        .api(
            "PATCH",
            &format!("/api/v1/social-workers/{wid}"),
            Some(&wtok),
            Some(
                json!({"cert_level": "senior", "cert_year": 2024, "committee_member": true,
                        "phone": "13900139000"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let after = t
        .api(
            "GET",
            &format!("/api/v1/social-workers/{wid}"),
            Some(&wtok),
            None,
        )
        .await
        .json();
    assert_eq!(
        after["cert_level"], before["cert_level"],
        "the certificate waits"
    );
    assert_eq!(after["committee_member"], before["committee_member"]);
    assert_ne!(
        after["phone"], before["phone"],
        "other fields change at once"
    );
    // The worker sees the change waiting; cannot verify it.
    let mine = t
        .api(
            "GET",
            "/api/v1/social-worker-changes?state=pending",
            Some(&wtok),
            None,
        )
        .await
        .json();
    let change = mine["items"][0].clone();
    assert_eq!(change["worker"], wid, "{mine}");
    let fields: Vec<&str> = change["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"cert_level") && fields.contains(&"committee_member"),
        "{fields:?}"
    );
    let id = change["id"].as_i64().unwrap();
    let path = format!("/api/v1/social-worker-changes/{id}/transitions");
    let r = t
        .api(
            "POST",
            &path,
            Some(&wtok),
            Some(json!({"event": "approve"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Another town's staff do not even see it.
    t.add_user("far.staff", "community_staff", Some("320412102001".into()))
        .await;
    let far = t.token_for("far.staff").await;
    let r = t
        .api("POST", &path, Some(&far), Some(json!({"event": "approve"})))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The worker attaches evidence; the staff who verify see it.
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[7u8; 64]].concat();
    let r = t
        .api_raw(
            "POST",
            &format!("/api/v1/social-worker-changes/{id}/attachments?file_name=cert.png"),
            &wtok,
            png.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let aid = r.json()["id"].as_i64().unwrap();
    let ctok = t.token_for("community").await;
    let files = t
        .api(
            "GET",
            &format!("/api/v1/social-worker-changes/{id}/attachments"),
            Some(&ctok),
            None,
        )
        .await
        .json();
    assert_eq!(files[0]["file_name"], "cert.png", "{files}");
    let r = t
        .api(
            "GET",
            &format!("/api/v1/social-worker-changes/{id}/attachments/{aid}"),
            Some(&ctok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = t
        .api(
            "GET",
            &format!("/api/v1/social-worker-changes/{id}/attachments/{aid}"),
            Some(&far),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "out of reach");
    // The staff's page shows the change as people read it, never stored keys.
    let mut cs = t.login("community").await;
    let page = t.get(&mut cs, "/workers/changes").await;
    assert!(page.body.contains("高级社会工作师"), "labelled");
    assert!(!page.body.contains("→ <strong>senior"), "no raw key");
    // The community's staff verify it (on the version they saw): the record changes.
    let r = t
        .api(
            "POST",
            &path,
            Some(&ctok),
            Some(json!({"event": "approve", "version": change["version"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let done = t
        .api(
            "GET",
            &format!("/api/v1/social-workers/{wid}"),
            Some(&wtok),
            None,
        )
        .await
        .json();
    assert_eq!(done["cert_level"], "senior", "{done}");
    assert_eq!(done["committee_member"], true);
    // The community's staff were told it waited; the worker is told it was verified.
    let kinds = |tok: String| {
        let t = &t;
        async move {
            let j = t.api("GET", "/api/v1/inbox", Some(&tok), None).await.json();
            j["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["kind"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(kinds(ctok.clone())
        .await
        .contains(&"fact_change.pending".to_owned()));
    assert!(kinds(wtok.clone())
        .await
        .contains(&"fact_change.approved".to_owned()));
    // A second decision on the same change is refused.
    let r = t
        .api("POST", &path, Some(&ctok), Some(json!({"event": "reject"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // The staff's page lists what waits.
    let r = t
        .api(
            "PATCH",
            &format!("/api/v1/social-workers/{wid}"),
            Some(&wtok),
            Some(json!({"cert_no": "Z9999"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut s = t.login("community").await;
    let page = t.get(&mut s, "/workers/changes").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Z9999"), "listed for verification");
    // The worker withdraws it.
    let pending = t
        .api(
            "GET",
            "/api/v1/social-worker-changes?state=pending",
            Some(&wtok),
            None,
        )
        .await
        .json();
    let id2 = pending["items"][0]["id"].as_i64().unwrap();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/social-worker-changes/{id2}/transitions"),
            Some(&wtok),
            Some(json!({"event": "withdraw"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(t.audit_count("fact_change.withdraw").await >= 1);
}

#[tokio::test]
async fn an_organization_cannot_place_a_worker_in_another_town_by_itself() {
    let t = T::new().await;
    let otok = t.token_for("org").await;
    let idn = sanshe_app::generate::citizen_id("320412", (1992, 8, 9), 611, true);
    let r = t
        .api(
            "POST",
            "/api/v1/social-workers",
            Some(&otok),
            Some(json!({"name": "外镇社工", "id_number": idn, "area": "320412102001"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let got = t
        .api(
            "GET",
            &format!("/api/v1/social-workers/{id}"),
            Some(&otok),
            None,
        )
        .await
        .json();
    assert!(
        got["area"].is_null() || got["area"] == "",
        "not placed yet: {got}"
    );
    let dtok = t.token_for("district").await;
    let list = t
        .api(
            "GET",
            "/api/v1/social-worker-changes?state=pending",
            Some(&dtok),
            None,
        )
        .await
        .json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["worker"] == id),
        "the district sees it waiting: {list}"
    );
    let change = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["worker"] == id)
        .unwrap()
        .clone();
    let r = t
        .api(
            "POST",
            &format!("/api/v1/social-worker-changes/{}/transitions", change["id"]),
            Some(&dtok),
            Some(json!({"event": "approve"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let got = t
        .api(
            "GET",
            &format!("/api/v1/social-workers/{id}"),
            Some(&dtok),
            None,
        )
        .await
        .json();
    assert_eq!(got["area"], "320412102001", "placed once verified: {got}");
}

/// CPD hours a worker reports about themself count only once verified.
#[tokio::test]
async fn self_reported_cpd_hours_wait_for_verification() {
    let t = T::new().await;
    let wtok = t.token_for("worker").await;
    let wid = t.worker_of_user(t.user_id("worker").await).await;
    let entries = || async {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM cpd_entries WHERE worker_id = $1")
            .bind(wid)
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    let before = entries().await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/social-workers/{wid}/cpd"),
            Some(&wtok),
            Some(json!({"date": "2025-10-10", "hours": "999", "topic": "自学", "provider": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["pending"], true);
    assert_eq!(entries().await, before, "nothing counts yet");
    let change = r.json()["id"].as_i64().unwrap();
    let ctok = t.token_for("community").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/social-worker-changes/{change}/transitions"),
            Some(&ctok),
            Some(json!({"event": "reject"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(entries().await, before, "a refused report never counts");
    // Staff record hours directly.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/social-workers/{wid}/cpd"),
            Some(&ctok),
            Some(json!({"date": "2025-10-11", "hours": "6", "topic": "督导", "provider": "区社工协会"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.json()["pending"], false);
    assert_eq!(entries().await, before + 1);
}

/// An organization's attendance sheet waits for verification like a single entry.
#[tokio::test]
async fn an_organizations_cpd_sheet_waits_for_verification() {
    let t = T::new().await;
    let otok = t.token_for("org").await;
    // One of the demo organization's project staff, by the ID number the demo gave them.
    let idn = sanshe_app::generate::citizen_id("320412", (1991, 4, 11), 901, false);
    let count = || async {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM cpd_entries")
            .fetch_one(&mut *c)
            .await
            .unwrap()
    };
    let before = count().await;
    let sheet =
        format!("身份证号,培训日期,学时,培训内容,培训机构\n{idn},2025-09-12,300,自报学时,\n");
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/cpd/import",
            &otok,
            sheet.into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(count().await, before, "nothing counts before verification");
    let list = t
        .api(
            "GET",
            "/api/v1/social-worker-changes?state=pending",
            Some(&otok),
            None,
        )
        .await
        .json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["changes"][0]["field"] == "cpd_entry"),
        "{list}"
    );
}

/// Staff deciding one pending change at the same moment: exactly one decision lands, the rest
/// are told it was already decided; the worker's record changes once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_decisions_on_one_change_land_once() {
    let t = std::sync::Arc::new(T::new().await);
    let wtok = t.token_for("worker").await;
    let wid = t.worker_of_user(t.user_id("worker").await).await;
    let r = t
        .api(
            "PATCH",
            &format!("/api/v1/social-workers/{wid}"),
            Some(&wtok),
            Some(json!({"cert_level": "senior", "cert_year": 2024})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = t
        .api(
            "GET",
            "/api/v1/social-worker-changes?state=pending",
            Some(&wtok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let ctok = t.token_for("community").await;
    let dtok = t.token_for("district").await;
    let out = crate::kernel::parallel(8, |i| {
        let t = t.clone();
        let tok = if i % 2 == 0 {
            ctok.clone()
        } else {
            dtok.clone()
        };
        let event = if i % 3 == 0 { "reject" } else { "approve" };
        async move {
            t.api(
                "POST",
                &format!("/api/v1/social-worker-changes/{id}/transitions"),
                Some(&tok),
                Some(json!({"event": event})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&7), "{out:?}");
    let decided =
        t.audit_count("fact_change.approve").await + t.audit_count("fact_change.reject").await;
    assert_eq!(decided, 1, "one decision audited");
}

/// Parallel uploads of evidence to one change never pass the per-record limit together.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_evidence_uploads_stop_at_the_limit() {
    let t = std::sync::Arc::new(T::new().await);
    let wtok = t.token_for("worker").await;
    let wid = t.worker_of_user(t.user_id("worker").await).await;
    let r = t
        .api(
            "PATCH",
            &format!("/api/v1/social-workers/{wid}"),
            Some(&wtok),
            Some(json!({"cert_level": "senior", "cert_year": 2024})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let id = t
        .api(
            "GET",
            "/api/v1/social-worker-changes?state=pending",
            Some(&wtok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let max = sanshe_app::attachments::MAX_PER_RECORD as usize;
    let out = crate::kernel::parallel(max + 6, |i| {
        let (t, tok) = (t.clone(), wtok.clone());
        async move {
            let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[i as u8; 64]].concat();
            t.api_raw(
                "POST",
                &format!("/api/v1/social-worker-changes/{id}/attachments?file_name=e{i}.png"),
                &tok,
                png,
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&201), Some(&max), "{out:?}");
    assert_eq!(out.get(&422), Some(&6), "{out:?}");
    let files = t
        .api(
            "GET",
            &format!("/api/v1/social-worker-changes/{id}/attachments"),
            Some(&wtok),
            None,
        )
        .await
        .json();
    assert_eq!(files.as_array().unwrap().len(), max);
}
