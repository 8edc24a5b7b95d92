//! Figures count only what they should: blacklisted community organizations and committee
//! posts held by workers who have left do not count toward the targets.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;

const COMMUNITY: &str = "320412100002";

async fn figure(t: &T, tok: &str, key: &str) -> (i64, i64) {
    let r = t
        .api(
            "GET",
            &format!("/api/v1/targets?area={COMMUNITY}"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    let x = j["area"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == key)
        .unwrap_or_else(|| panic!("{key} in {j}"))
        .clone();
    (
        x["numerator"].as_i64().unwrap(),
        x["denominator"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn blacklisted_organizations_and_departed_holders_do_not_count() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let (orgs, _) = figure(&t, &tok, "orgs_per_community").await;
    // A community organization in good standing counts…
    let r = t
        .api(
            "POST",
            "/api/v1/organizations",
            Some(&tok),
            Some(
                json!({"name": "南街邻里互助队", "filing_no": "WJ-BA-2026-901", "area": COMMUNITY}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(figure(&t, &tok, "orgs_per_community").await.0, orgs + 1);
    // …a blacklisted one does not.
    let r = t
        .api(
            "POST",
            "/api/v1/organizations",
            Some(&tok),
            Some(
                json!({"name": "南街失信服务队", "filing_no": "WJ-BA-2026-902", "area": COMMUNITY,
                        "blacklisted_until": "2099-12-31", "blacklist_reason": "虚报服务数据"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(figure(&t, &tok, "orgs_per_community").await.0, orgs + 1);
    // A committee post held by a certified worker counts; once the worker has left, not.
    let (certified, committee) = figure(&t, &tok, "committee_certified_share").await;
    let idn = sanshe_app::generate::citizen_id("320412", (1985, 3, 4), 433, true);
    let r = t
        .api(
            "POST",
            "/api/v1/social-workers",
            Some(&tok),
            Some(
                json!({"name": "委员社工", "id_number": idn, "area": COMMUNITY,
                        "cert_level": "intermediate", "cert_year": 2020}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let worker = r.json()["id"].as_i64().unwrap();
    let r = t
        .api(
            "POST",
            "/api/v1/posts",
            Some(&tok),
            Some(
                json!({"area": COMMUNITY, "title": "两委委员（测试）", "professional": false,
                        "committee": true, "holder_id_number": idn}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        figure(&t, &tok, "committee_certified_share").await,
        (certified + 1, committee + 1)
    );
    let r = t
        .api(
            "PATCH",
            &format!("/api/v1/social-workers/{worker}"),
            Some(&tok),
            Some(json!({"status": "left"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        figure(&t, &tok, "committee_certified_share").await,
        (certified, committee),
        "a departed holder is no committee member"
    );
}

/// A comprehensive facility meets the hours target when it opens at least 5 days a week
/// and at least 8 hours on each (both in the policy profile): Mondays only is not enough.
#[tokio::test]
async fn opening_one_day_a_week_does_not_meet_the_hours_target() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let (met, all) = figure(&t, &tok, "facility_opening_hours").await;
    let add = |name: &'static str, hours: &'static str| {
        let (t, tok) = (&t, tok.clone());
        async move {
            let r = t
                .api(
                    "POST",
                    "/api/v1/facilities",
                    Some(&tok),
                    Some(json!({"area": COMMUNITY, "name": name, "kind": "station",
                                "area_m2": 120, "hours": hours})),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
    };
    add("周一服务站", "周一 9:00-18:00").await;
    assert_eq!(
        figure(&t, &tok, "facility_opening_hours").await,
        (met, all + 1)
    );
    add("全周服务站", "周一至周五 8:30-17:30；周六 9:00-12:00").await;
    assert_eq!(
        figure(&t, &tok, "facility_opening_hours").await,
        (met + 1, all + 2)
    );
}

/// The dashboard says why urban and rural facility area need not add up to the total.
#[tokio::test]
async fn the_dashboard_explains_the_urban_rural_split() {
    let t = T::new().await;
    let mut s = t.login("district").await;
    let page = t.get(&mut s, "/targets?area=320412").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"split-note\"") && page.body.contains("街道（乡镇）一级的设施")
    );
}

/// A year-end snapshot is never replaced silently and never taken for a year to come.
#[tokio::test]
async fn snapshots_are_versioned_with_a_reason() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let snap = |year: i64, reason: Option<&'static str>| {
        let (t, tok) = (&t, tok.clone());
        async move {
            let mut body = json!({"area": "320412100", "year": year});
            if let Some(r) = reason {
                body["reason"] = json!(r);
            }
            t.api("POST", "/api/v1/targets/snapshot", Some(&tok), Some(body))
                .await
        }
    };
    let r = snap(2099, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("err-snapshot-future"), "{}", r.body);
    // The demo district reported 2024 already.
    let r = snap(2024, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("err-snapshot-reason"), "{}", r.body);
    let r = snap(2024, Some("补录两个社区的服务站面积")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut c = t.app.db.acquire().await.unwrap();
    let kept: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM target_snapshot_history WHERE year = 2024 AND area_code = '320412100'",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(kept, 1, "the first version is kept");
    let version: i64 = sqlx::query_scalar(
        "SELECT version FROM target_snapshots WHERE year = 2024 AND area_code = '320412100'",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap();
    assert_eq!(version, 2);
}

/// Subsidies are readable through the API by whoever may read the worker.
#[tokio::test]
async fn subsidies_can_be_read_through_the_api() {
    let t = T::new().await;
    let stok = t.token_for("street").await;
    let wid = t.worker_of_user(t.user_id("worker").await).await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/social-workers/{wid}/subsidies"),
            Some(&stok),
            Some(json!({"year": "2025", "amount": "1500", "paid_on": "2025-12-01"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let wtok = t.token_for("worker").await;
    let r = t
        .api(
            "GET",
            &format!("/api/v1/social-workers/{wid}/subsidies"),
            Some(&wtok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let list = r.json();
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|s| s["amount"] == "1500.00" && s["year"] == 2025),
        "{list}"
    );
}
