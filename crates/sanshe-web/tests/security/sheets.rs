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
