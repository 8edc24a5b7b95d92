//! The demo district and the division import.

use crate::common::T;
use axum::http::StatusCode;

#[tokio::test]
async fn the_demo_district_is_wujin_with_its_real_divisions() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let r = t
        .api(
            "GET",
            "/api/v1/areas?level=street&per_page=200",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["page"]["total"], 18);
    let r = t
        .api(
            "GET",
            "/api/v1/areas?level=community&per_page=1",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(r.json()["page"]["total"], 297);
    let r = t.api("GET", "/api/v1/areas/320412", Some(&tok), None).await;
    let j = r.json();
    assert_eq!(j["area"]["name"], "武进区");
    assert_eq!(j["area"]["demo"], true);
    let district_residents = j["area"]["residents"].as_i64().unwrap();
    // District population is the sum of its communities.
    let all = t
        .api(
            "GET",
            "/api/v1/areas?level=community&per_page=200",
            Some(&tok),
            None,
        )
        .await
        .json();
    let all2 = t
        .api(
            "GET",
            "/api/v1/areas?level=community&per_page=200&page=2",
            Some(&tok),
            None,
        )
        .await
        .json();
    let sum: i64 = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(all2["items"].as_array().unwrap())
        .map(|a| a["residents"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, district_residents);
    // Chinese substring search
    let r = t
        .api(
            "GET",
            "/api/v1/areas?q=%E6%B9%96%E5%A1%98",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert!(r["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["name"] == "湖塘镇"));
}

#[tokio::test]
async fn division_import_validates_every_row_and_writes_nothing_on_error() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let count = |t: &T| {
        let app = t.app.clone();
        async move { sanshe_app::areas::count(&app).await.unwrap() }
    };
    let before = count(&t).await;
    let bad = "code,name,streetCode,provinceCode,cityCode,areaCode\n\
        320412100901,坏代码,320412100,32,3204,320412\n\
        320412100301,新村村委会,320412100,32,3204,320412\n\
        320412100301,重复村,320412100,32,3204,320412\n\
        320412199001,无上级社区,320412199,32,3204,320412\n\
        320411001001,外区社区,320411001,32,3204,320411\n\
        320412100302,,320412100,32,3204,320412\n\
        320412100303,错上级,320412102,32,3204,320412\n";
    let req = axum::http::Request::post("/api/v1/areas/import")
        .header("authorization", format!("Bearer {tok}"))
        .header("accept-language", "en")
        .header("content-type", "text/csv")
        .body(axum::body::Body::from(bad))
        .unwrap();
    let r = t.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let j = r.json();
    assert_eq!(j["committed"], false);
    let rows: Vec<i64> = j["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["row"].as_i64().unwrap())
        .collect();
    assert_eq!(rows, vec![2, 4, 5, 6, 7, 8], "{j}");
    let codes: Vec<&str> = j["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec![
            "err-area-code-committee",
            "err-import-duplicate",
            "err-import-parent-missing",
            "err-import-out-of-scope",
            "err-required",
            "err-import-parent-mismatch"
        ]
    );
    assert!(j["issues"][1]["message"]
        .as_str()
        .unwrap()
        .contains("row 3"));
    assert_eq!(count(&t).await, before, "nothing written");
    // Only the valid rows, on request.
    let req = axum::http::Request::post("/api/v1/areas/import?only_valid=true")
        .header("authorization", format!("Bearer {tok}"))
        .body(axum::body::Body::from(bad))
        .unwrap();
    let j = t.send(req).await.json();
    assert_eq!(j["inserted"], 1);
    assert_eq!(count(&t).await, before + 1);
    // The same through the page, by upload.
    let mut s = t.login("district").await;
    let r = t
        .post_multipart(
            &mut s,
            "/areas/import",
            Some(b"code,name,areaCode\n320412121,new town,320412\n320412121,dup,320412\n"),
            "all",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("重复"), "{}", r.body);
    let r = t
        .post_multipart(
            &mut s,
            "/areas/import",
            Some(b"code,name,areaCode\n320412121,new town,320412\n"),
            "dry_run",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(count(&t).await, before + 1, "dry run writes nothing");
    let r = t
        .post_multipart(
            &mut s,
            "/areas/import",
            Some("code,name,areaCode\n320412121,新镇,320412\n".as_bytes()),
            "all",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(count(&t).await, before + 2);
    assert!(t.audit_count("area.import").await >= 2);
    // Not UTF-8
    let r = t
        .post_multipart(
            &mut s,
            "/areas/import",
            Some(b"code,name,areaCode\n320412122,\xb3\xa3,320412\n"),
            "all",
        )
        .await;
    assert!(r.body.contains("UTF-8"));
}
