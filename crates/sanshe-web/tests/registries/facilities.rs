//! Facilities: photos through pages and API; plans of subtree queries on PostgreSQL.

use super::*;

#[tokio::test]
async fn facility_photos_through_pages_and_api() {
    let mut settings = sanshe_app::config::Settings {
        database_url: sanshe_app::config::Secret::new(crate::common::database_url().await),
        data_dir: std::env::temp_dir().join("sanshe-tests").join(format!(
            "data_{}",
            sanshe_app::security::random_hex(4).unwrap()
        )),
        pii_key: Some(sanshe_app::config::Secret::new(crate::common::TEST_PII_KEY)),
        ..Default::default()
    };
    settings.upload_max_mb = 1;
    let photos_dir = settings.data_dir.join("attachments");
    let t = T::with(settings, true).await;
    let ctok = t.token_for("community").await;
    let list = t
        .api("GET", "/api/v1/facilities?per_page=1", Some(&ctok), None)
        .await
        .json();
    let id = list["items"][0]["id"].as_i64().unwrap();
    let base = format!("/api/v1/facilities/{id}/photos");
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n"
        .iter()
        .copied()
        .chain(std::iter::repeat_n(7u8, 500))
        .collect();
    let files = || {
        std::fs::read_dir(&photos_dir)
            .map(|d| d.count())
            .unwrap_or(0)
    };

    // API upload; the declared type does not matter, the bytes do.
    let r = t
        .api_raw(
            "POST",
            &format!("{base}?file_name=front.png"),
            &ctok,
            png.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pid = r.json()["id"].as_i64().unwrap();
    // Not an image, and too large: refused with the field named, nothing stored.
    let r = t
        .api_raw("POST", &base, &ctok, b"%PDF-1.4 not a photo".to_vec())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "photo");
    let mut big = png.clone();
    big.resize(1024 * 1024 + 1, 0);
    let r = t.api_raw("POST", &base, &ctok, big).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(files(), 1);
    // List and download.
    let l = t.api("GET", &base, Some(&ctok), None).await.json();
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    assert_eq!(l["items"][0]["file_name"], "front.png");
    assert_eq!(l["items"][0]["content_type"], "image/png");
    assert_eq!(l["items"][0]["size"], png.len() as i64);
    let req = axum::http::Request::get(format!("{base}/{pid}"))
        .header("authorization", format!("Bearer {ctok}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(t.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    let got = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    assert_eq!(got.as_ref(), png.as_slice());
    // Other roles: an organization account cannot see or add facility photos.
    let otok = t.token_for("org").await;
    let r = t.api("GET", &base, Some(&otok), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.api_raw("POST", &base, &otok, png.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Pages: upload, a delete link, a confirmation, then the delete.
    let mut s = t.login("community").await;
    let r = t
        .post_upload(
            &mut s,
            &format!("/facilities/{id}/photos"),
            "photo",
            "门口.png",
            &png,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&mut s, &format!("/facilities/{id}")).await;
    assert!(page.body.contains("门口.png"));
    let l = t.api("GET", &base, Some(&ctok), None).await.json();
    let pid2 = l["items"][1]["id"].as_i64().unwrap();
    let del = format!("/facilities/{id}/photos/{pid2}/delete");
    assert!(page.body.contains(&del), "delete link");
    let confirm = t.get(&mut s, &del).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("门口.png"));
    let r = t.post(&mut s, &del, &[]).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no confirmation"
    );
    assert_eq!(files(), 2);
    let r = t.post(&mut s, &del, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // API delete of the first; then nothing is left, on disk either.
    let r = t
        .api("DELETE", &format!("{base}/{pid}"), Some(&ctok), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = t
        .api("DELETE", &format!("{base}/{pid}"), Some(&ctok), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let l = t.api("GET", &base, Some(&ctok), None).await.json();
    assert!(l["items"].as_array().unwrap().is_empty());
    assert_eq!(files(), 0);
    // Every change is audited.
    let mut c = t.app.db.acquire().await.unwrap();
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('facility.photo.add', 'facility.photo.delete') \
         AND object_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .get(0);
    assert_eq!(n, 4);
    drop(c);
    // Staff of another community: refused at every door, by scope (not by role).
    let area = l_area(&t, id).await;
    let mut c = t.app.db.acquire().await.unwrap();
    let other: String = sqlx::query(
        "SELECT code FROM areas WHERE level = 'community' AND code <> $1 ORDER BY code LIMIT 1",
    )
    .bind(&area)
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .get(0);
    drop(c);
    t.add_user("neighbour", "community_staff", Some(other))
        .await;
    let ntok = t.token_for("neighbour").await;
    let r = t
        .api_raw(
            "POST",
            &format!("{base}?file_name=x.png"),
            &ctok,
            png.clone(),
        )
        .await;
    let pid3 = r.json()["id"].as_i64().unwrap();
    for (m, u) in [
        ("GET", base.clone()),
        ("GET", format!("{base}/{pid3}")),
        ("DELETE", format!("{base}/{pid3}")),
    ] {
        let r = t.api(m, &u, Some(&ntok), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{m} {u}");
    }
    let r = t.api_raw("POST", &base, &ntok, png.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let mut ns = t.login("neighbour").await;
    let del = format!("/facilities/{id}/photos/{pid3}/delete");
    assert_eq!(t.get(&mut ns, &del).await.status, StatusCode::NOT_FOUND);
    let r = t.post(&mut ns, &del, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(files(), 1);
    // Deleting the facility takes its photo files with it.
    let r = t
        .api(
            "DELETE",
            &format!("/api/v1/facilities/{id}"),
            Some(&ctok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(files(), 0);
}

pub(crate) async fn l_area(t: &T, facility: i64) -> String {
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query("SELECT area_code FROM facilities WHERE id = $1")
        .bind(facility)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn postgres_plans_subtree_queries_with_their_actual_ranges() {
    // On PostgreSQL every pooled connection plans each execution with its parameters: a
    // generic plan cached for a national range would be reused for one community.
    let t = T::new().await;
    if t.app.db.backend != sanshe_store::Backend::Postgres {
        return;
    }
    for _ in 0..3 {
        let mut c = t.app.db.acquire().await.unwrap();
        let mode: String = sqlx::query("SHOW plan_cache_mode")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get(0);
        assert_eq!(mode, "force_custom_plan");
    }
}
