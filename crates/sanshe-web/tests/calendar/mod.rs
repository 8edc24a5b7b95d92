//! The working-day calendar through the API and pages: the shipped 2025/2026 schedules,
//! deadlines across 春节 and 调休, edits by the district administrator only, imports that
//! write nothing when a row is bad.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn deadlines_follow_the_shipped_schedule_and_edits() {
    let t = T::new().await;
    let tok = t.token_for("street").await;
    let y = t
        .api("GET", "/api/v1/calendar?year=2025", Some(&tok), None)
        .await
        .json();
    let days = y["days"].as_array().unwrap();
    assert!(days.len() > 25, "{y}");
    assert!(days
        .iter()
        .any(|d| d["day"] == "2025-01-26" && d["kind"] == "workday"));
    assert!(y["years"].as_array().unwrap().contains(&json!(2026)));
    // Monday 27 January 2025 + 5 working days crosses the Spring Festival and a 调休 Saturday.
    let d = t
        .api(
            "GET",
            "/api/v1/calendar/deadline?from=2025-01-27&days=5",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(d["due"], "2025-02-10", "{d}");
    let d = t
        .api(
            "GET",
            "/api/v1/calendar/deadline?from=2026-02-13&days=6",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(d["due"], "2026-02-28", "调休 Saturday 2026-02-28: {d}");
    let bad = t
        .api(
            "GET",
            "/api/v1/calendar/deadline?from=2025-02-30&days=5",
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    // Street staff read but do not edit.
    let r = t
        .api(
            "PUT",
            "/api/v1/calendar/2027-02-08",
            Some(&tok),
            Some(json!({"kind": "holiday", "name": "春节"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The district administrator adds a day; the deadline moves; the change is audited.
    let dtok = t.token_for("district").await;
    let before = t.audit_count("calendar.set").await;
    let r = t
        .api(
            "PUT",
            "/api/v1/calendar/2027-02-08",
            Some(&dtok),
            Some(json!({"kind": "holiday", "name": "春节"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(t.audit_count("calendar.set").await, before + 1);
    let d = t
        .api(
            "GET",
            "/api/v1/calendar/deadline?from=2027-02-05&days=1",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(d["due"], "2027-02-09", "{d}");
    // A weekday cannot be an adjusted working day; the message names the rule.
    let r = t
        .api(
            "PUT",
            "/api/v1/calendar/2027-02-10",
            Some(&dtok),
            Some(json!({"kind": "workday", "name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("周六或周日"), "{}", r.body);
    let r = t
        .api("DELETE", "/api/v1/calendar/2027-02-08", Some(&dtok), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = t
        .api("DELETE", "/api/v1/calendar/2027-02-08", Some(&dtok), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_calendar_sheet_with_a_bad_row_writes_nothing() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let csv = "日期,类型,名称\n2027-01-01,休,元旦\n2027-02-30,休,春节\n2027-01-01,班,重复\n";
    let r = t
        .api_raw(
            "POST",
            "/api/v1/calendar/import",
            &tok,
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let rep = r.json();
    assert_eq!(rep["committed"], false);
    let issues = rep["issues"].as_array().unwrap();
    assert!(
        issues.iter().any(|i| i["row"] == 3 && i["column"] == "day"),
        "{rep}"
    );
    assert!(issues.iter().any(|i| i["row"] == 4), "{rep}");
    let y = t
        .api("GET", "/api/v1/calendar?year=2027", Some(&tok), None)
        .await
        .json();
    assert_eq!(y["days"].as_array().unwrap().len(), 0, "{y}");
    let good = "日期,类型,名称\n2027-01-01,休,元旦\n2027-02-06,班,春节调休上班\n";
    let r = t
        .api_raw(
            "POST",
            "/api/v1/calendar/import",
            &tok,
            good.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.json()["committed"], true, "{}", r.body);
    // The page shows the year and offers the calculator.
    let mut s = t.login("district").await;
    let page = t
        .get(&mut s, "/calendar?year=2027&from=2027-02-05&days=1")
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("春节调休上班"), "{}", page.body);
    assert!(page.body.contains("2027-02-06"), "Saturday 6th is worked");
    // A confirmed removal from the page.
    let r = t
        .post(&mut s, "/calendar/2027-01-01/delete", &[("confirm", "yes")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let unconfirmed = t.post(&mut s, "/calendar/2027-02-06/delete", &[]).await;
    assert_ne!(unconfirmed.status, StatusCode::SEE_OTHER);
}
