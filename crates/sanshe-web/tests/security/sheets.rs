//! Facts that cannot be true are refused, not stored: dates in the future where the past
//! is meant, in forms, the API and sheets alike.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_future_is_refused_where_the_past_is_meant() {
    let t = T::new().await;
    let tok = t.token_for("street").await;
    let code = sanshe_app::generate::credit_code('3', "320412", 4711);
    let r = t
        .api(
            "POST",
            "/api/v1/organizations",
            Some(&tok),
            Some(
                json!({"name": "未来社区基金会", "credit_code": code, "area": "320412100",
                        "founded": "2999-01-01"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["fields"][0]["code"], "err-date-future");
    let idn = sanshe_app::generate::citizen_id("320412", (1990, 1, 2), 611, false);
    let sheet = format!(
        "姓名,身份证号,所在社区,证书等级,取证年份,注册日期\n未来社工,{idn},320412100002,社会工作师,2020,2999年1月1日\n"
    );
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/import?dry_run=true",
            &tok,
            sheet.into_bytes(),
        )
        .await;
    let rep = r.json();
    assert_eq!(rep["issues"][0]["code"], "err-date-future", "{rep}");
    assert_eq!(rep["issues"][0]["row"], 2, "{rep}");
}

/// A template whose example row was left in is reported, never imported, for every
/// registry.
#[tokio::test]
async fn the_example_row_is_never_imported() {
    let t = T::new().await;
    let mut s = t.login("district").await;
    let tok = t.token_for("district").await;
    for (page, api) in [
        ("/facilities", "/api/v1/facilities"),
        ("/orgs", "/api/v1/organizations"),
        ("/workers", "/api/v1/social-workers"),
        ("/posts", "/api/v1/posts"),
    ] {
        let req = axum::http::Request::get(format!("{page}/template.xlsx"))
            .header("cookie", s.cookie_header())
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(t.router.clone(), req)
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
            .await
            .unwrap();
        let r = t
            .api_raw("POST", &format!("{api}/import"), &tok, bytes.to_vec())
            .await;
        let rep = r.json();
        assert_eq!(rep["committed"], false, "{page}: {rep}");
        assert_eq!(
            rep["issues"][0]["code"], "err-import-example-row",
            "{page}: {rep}"
        );
        assert_eq!(rep["issues"][0]["row"], 2, "{page}: {rep}");
    }
    let _ = t.get(&mut s, "/").await;
}

/// Opening hours as they are posted at the door are accepted and kept day by day.
#[tokio::test]
async fn opening_hours_as_people_write_them() {
    let t = T::new().await;
    let tok = t.token_for("community").await;
    for (name, hours) in [
        ("门口公示时间服务点", "周一至周五 8:30-17:30"),
        ("有午休的服务点", "8:30-11:30,13:30-17:30"),
        (
            "周末也开的服务点",
            "工作日 8:30-11:30、13:30-18:00；周六 9:00-12:00；周日休",
        ),
    ] {
        let r = t
            .api(
                "POST",
                "/api/v1/facilities",
                Some(&tok),
                Some(
                    json!({"area": "320412100002", "name": name, "kind": "point",
                            "area_m2": 60, "hours": hours}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{hours}: {}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        let got = t
            .api("GET", &format!("/api/v1/facilities/{id}"), Some(&tok), None)
            .await
            .json();
        assert!(got["hours"].as_str().unwrap().contains("08:30"), "{got}");
    }
}

/// One name, one record: names that differ only in full- or half-width forms, spaces or
/// invisible characters are the same name, in single saves and in sheets.
#[tokio::test]
async fn look_alike_names_are_one_name() {
    let t = T::new().await;
    let tok = t.token_for("community").await;
    let post = |title: &'static str| {
        let (t, tok) = (&t, tok.clone());
        async move {
            t.api(
                "POST",
                "/api/v1/posts",
                Some(&tok),
                Some(json!({"area": "320412100002", "title": title,
                            "professional": false, "committee": true})),
            )
            .await
        }
    };
    assert_eq!(post("两委委员(9)").await.status, StatusCode::CREATED);
    for same in ["两委委员（9）", "两委委员 (9)", "两委\u{200B}委员(9)"] {
        let r = post(same).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{same}: {}", r.body);
    }
    let dtok = t.token_for("district").await;
    let org = |name: &'static str, filing: &'static str| {
        let (t, dtok) = (&t, dtok.clone());
        async move {
            t.api(
                "POST",
                "/api/v1/organizations",
                Some(&dtok),
                Some(json!({"name": name, "filing_no": filing, "area": "320412100002"})),
            )
            .await
        }
    };
    assert_eq!(
        org("南街银龄互助队", "WJ-LA-1").await.status,
        StatusCode::CREATED
    );
    let r = org("南街银龄\u{FE0F}互助队", "WJ-LA-2").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // Within one sheet too.
    let sheet = "所在社区,岗位名称,是否专业社工岗位,是否两委岗位\n\
                 320412100002,网格员(7),否,否\n320412100002,网格员（7）,否,否\n";
    let r = t
        .api_raw(
            "POST",
            "/api/v1/posts/import?dry_run=true",
            &tok,
            sheet.as_bytes().to_vec(),
        )
        .await;
    let rep = r.json();
    assert_eq!(rep["issues"][0]["code"], "err-duplicate-in-file", "{rep}");
}

/// Every export re-imports as all duplicates: what the district exports (in full) and
/// imports again adds nothing.
#[tokio::test]
async fn exports_reimport_as_duplicates() {
    let t = T::new().await;
    let mut s = t.login("district").await;
    let tok = t.token_for("district").await;
    // A facility whose name holds full-width brackets.
    let r = t
        .api(
            "POST",
            "/api/v1/facilities",
            Some(&tok),
            Some(json!({"area": "320412100002", "name": "南街睦邻点（二）", "kind": "point", "area_m2": 30})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    for (page, api) in [
        ("/facilities", "/api/v1/facilities"),
        ("/orgs", "/api/v1/organizations"),
        ("/workers", "/api/v1/social-workers"),
        ("/posts", "/api/v1/posts"),
    ] {
        let export = t
            .post(&mut s, &format!("{page}/export/csv"), &[("query", "")])
            .await;
        assert_eq!(export.status, StatusCode::OK, "{page}");
        let r = t
            .api_raw(
                "POST",
                &format!("{api}/import?dry_run=true"),
                &tok,
                export.body.into_bytes(),
            )
            .await;
        let rep = r.json();
        let total = rep["total_rows"].as_i64().unwrap();
        let brief = format!(
            "{page}: total {total}, existing {}, valid {}, first issues {}",
            rep["existing_rows"],
            rep["valid_rows"],
            rep["issues"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter(|i| i["code"] != "err-duplicate-record")
                    .take(3)
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join("; "))
                .unwrap_or_default()
        );
        assert!(total > 0, "{brief}");
        assert_eq!(
            rep["existing_rows"], total,
            "every row is already there: {brief}"
        );
        assert_eq!(rep["valid_rows"], 0, "{brief}");
    }
}
