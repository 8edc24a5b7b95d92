//! The district keeps the list of need categories.

use super::need_body;
use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_district_keeps_the_list_of_need_categories() {
    let t = T::new().await;
    let dtok = t.token_for("district").await;
    let r = t
        .api(
            "PUT",
            "/api/v1/needs/categories/housing_repair",
            Some(&dtok),
            Some(json!({"name_zh": "房屋修缮", "name_en": "Housing repair", "active": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let bad = t
        .api(
            "PUT",
            "/api/v1/needs/categories/Bad-Code",
            Some(&dtok),
            Some(json!({"name_zh": "x", "name_en": "x", "active": true})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let stok = t.token_for("street").await;
    let denied = t
        .api(
            "PUT",
            "/api/v1/needs/categories/other",
            Some(&stok),
            Some(json!({"name_zh": "其他", "name_en": "Other", "active": false})),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    // A resident can raise a need in the new category; a deactivated one is refused.
    let rtok = t.token_for("resident").await;
    let mut b = need_body("屋顶漏水");
    b["category"] = json!("housing_repair");
    let r = t
        .api("POST", "/api/v1/needs", Some(&rtok), Some(b.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    t.api(
        "PUT",
        "/api/v1/needs/categories/housing_repair",
        Some(&dtok),
        Some(json!({"name_zh": "房屋修缮", "name_en": "Housing repair", "active": false})),
    )
    .await;
    let r = t.api("POST", "/api/v1/needs", Some(&rtok), Some(b)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(t.audit_count("need.category_set").await, 2);
    let mut s = t.login("district").await;
    let page = t.get(&mut s, "/needs/categories").await;
    assert!(
        page.body.contains("房屋修缮") && page.body.contains("已停用"),
        "{}",
        page.body
    );
    let r = t
        .post(
            &mut s,
            "/needs/categories",
            &[
                ("code", "elder_meals"),
                ("name_zh", "老年助餐"),
                ("name_en", "Meals for the elderly"),
                ("active", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}
