//! Out of reach is indistinguishable from missing: records, areas, references by ID number
//! and duplicates never confirm that something exists outside one's area.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;

/// A community in another town (湖塘镇 is the community account's town).
const OTHER_TOWN: &str = "320412102001";

#[tokio::test]
async fn nothing_out_of_reach_shows_through_a_side_door() {
    let t = T::new().await;
    let dtok = t.token_for("district").await;
    let ctok = t.token_for("community").await;
    // A social worker of another town, registered by the district.
    let id_number = sanshe_app::generate::citizen_id("320412", (1988, 5, 6), 321, true);
    let r = t
        .api(
            "POST",
            "/api/v1/social-workers",
            Some(&dtok),
            Some(json!({"name": "远方社工", "id_number": id_number, "area": OTHER_TOWN})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let far = r.json()["id"].as_i64().unwrap();
    // Community staff name that worker as a post holder: "not found", as for nobody.
    let nobody = sanshe_app::generate::citizen_id("320412", (1977, 7, 7), 77, false);
    let mut codes = Vec::new();
    for holder in [&id_number, &nobody] {
        let r = t
            .api(
                "POST",
                "/api/v1/posts",
                Some(&ctok),
                Some(
                    json!({"area": "320412100002", "title": format!("试探岗位{holder}"),
                            "professional": false, "committee": false, "holder_id_number": holder}),
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        codes.push(r.json()["error"]["fields"][0]["code"].clone());
    }
    assert_eq!(
        codes[0], codes[1],
        "an out-of-reach holder answers as a missing one"
    );
    assert!(!format!("{codes:?}").contains("远方社工"));
    // Reading it, or a record that does not exist: the same answer.
    let a = t
        .api(
            "GET",
            &format!("/api/v1/social-workers/{far}"),
            Some(&ctok),
            None,
        )
        .await;
    let b = t
        .api("GET", "/api/v1/social-workers/99999999", Some(&ctok), None)
        .await;
    assert_eq!(
        (a.status, b.status),
        (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND)
    );
    assert_eq!(a.json()["error"]["code"], b.json()["error"]["code"]);
    // Registering the same person again in one's own community: a conflict that names no
    // record and no place.
    let r = t
        .api(
            "POST",
            "/api/v1/social-workers",
            Some(&ctok),
            Some(json!({"name": "远方社工", "id_number": id_number, "area": "320412100002"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let field = &r.json()["error"]["fields"][0];
    assert_eq!(field["code"], "err-duplicate-elsewhere", "{}", r.body);
    assert!(
        !r.body.contains(&far.to_string()),
        "no record id: {}",
        r.body
    );
    // The same through an import.
    let sheet = format!("姓名,身份证号,所在社区\n远方社工,{id_number},320412100002\n");
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/import?dry_run=true",
            &ctok,
            sheet.into_bytes(),
        )
        .await;
    let rep = r.json();
    assert_eq!(rep["issues"][0]["code"], "err-duplicate-elsewhere", "{rep}");
    assert!(!r.body.contains(&format!("{far}")), "{}", r.body);
    // The district, who can see it, is told which record it is.
    let r = t
        .api(
            "POST",
            "/api/v1/social-workers",
            Some(&dtok),
            Some(json!({"name": "远方社工", "id_number": id_number, "area": OTHER_TOWN})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(
        r.json()["error"]["fields"][0]["code"],
        "err-duplicate-record"
    );
}
