//! Personal data at rest and in every output; identifier validation.

use super::*;

pub(crate) const ID: &str = "110105194912310029";

pub(crate) fn valid_id() -> String {
    // The sample above with its check digit recomputed, so the test does not depend on it.
    let first = &ID[..17];
    let c = sanshe_domain::ident::id_check_char(first).unwrap();
    format!("{first}{c}")
}

#[tokio::test]
async fn personal_data_is_unreadable_at_rest_and_masked_in_every_output() {
    let t = T::new().await;
    let tok = t.token_for("community").await;
    let id = valid_id();
    let phone = "13912345678";
    let r = t
        .api(
            "POST",
            "/api/v1/social-workers",
            Some(&tok),
            Some(
                json!({"name": "测试社工", "id_number": id, "phone": phone, "area": "320412100002",
                        "cert_level": "assistant", "cert_year": 2020, "committee_member": true}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let w = r.json();
    let wid = w["id"].as_i64().unwrap();
    assert_eq!(w["id_number"], format!("{}********{}", &id[..6], &id[14..]));
    assert_eq!(w["phone"], "139****5678");
    // Derived from the ID.
    let mut c = t.app.db.acquire().await.unwrap();
    let row = sqlx::query("SELECT * FROM social_workers WHERE id = $1")
        .bind(wid)
        .fetch_one(&mut *c)
        .await
        .unwrap();
    let gender: String = row.get("gender");
    let birth: String = row.get("birth_date");
    assert_eq!((gender.as_str(), birth.as_str()), ("female", "1949-12-31"));
    // No column holds the plaintext.
    for col in [
        "id_cipher",
        "id_blind",
        "id_masked",
        "phone_cipher",
        "phone_blind",
        "phone_masked",
    ] {
        let v: Option<String> = row.get(col);
        let v = v.unwrap_or_default();
        assert!(
            !v.contains(&id) && !v.contains(phone),
            "{col} holds plaintext"
        );
    }
    drop(c);
    // Nor does the database file (SQLite): search the raw bytes of the file and its WAL.
    if let Some(path) = t
        .app
        .settings
        .database_url
        .expose()
        .strip_prefix("sqlite://")
    {
        for f in [path.to_owned(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&f) {
                let hay = String::from_utf8_lossy(&bytes);
                assert!(!hay.contains(&id), "{f} contains the ID number");
                assert!(!hay.contains(phone), "{f} contains the phone number");
            }
        }
    }
    // Masked in lists, pages and exports.
    let list = t
        .api(
            "GET",
            "/api/v1/social-workers?per_page=200",
            Some(&tok),
            None,
        )
        .await;
    assert!(!list.body.contains(&id) && !list.body.contains(phone));
    let mut s = t.login("community").await;
    for path in [
        format!("/workers/{wid}"),
        "/workers".to_owned(),
        "/workers/export/csv".to_owned(),
        format!("/workers/{wid}/edit"),
    ] {
        let p = t.get(&mut s, &path).await;
        assert_eq!(p.status, StatusCode::OK, "{path}");
        assert!(
            !p.body.contains(&id) && !p.body.contains(phone),
            "{path} shows personal data"
        );
    }
    // Exact search through the blind index finds the person without decrypting anything.
    let found = t
        .api(
            "GET",
            &format!("/api/v1/social-workers?q={id}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(found["page"]["total"], 1);
    assert_eq!(found["items"][0]["id"], wid);
    // Revealing is allowed to this role, shows the full value and is audited.
    let shown = t
        .api(
            "GET",
            &format!("/api/v1/social-workers/{wid}?reveal=true"),
            Some(&tok),
            None,
        )
        .await;
    assert_eq!(shown.json()["id_number"], id.as_str());
    let audit = t.token_for("auditadmin").await;
    let log = t
        .api(
            "GET",
            "/api/v1/audit?action=social_worker.reveal",
            Some(&audit),
            None,
        )
        .await;
    assert!(log.body.contains(&format!("\"{wid}\"")), "{}", log.body);
    // An organization account cannot reveal (or even see) a worker it does not employ.
    let otok = t.token_for("org").await;
    let r = t
        .api(
            "GET",
            &format!("/api/v1/social-workers/{wid}?reveal=true"),
            Some(&otok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // An edit that leaves the masked value untouched keeps the stored number.
    let r = t
        .api(
            "PATCH",
            &format!("/api/v1/social-workers/{wid}"),
            Some(&tok),
            Some(json!({"cert_no": "A7654321"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let again = t
        .api(
            "GET",
            &format!("/api/v1/social-workers?q={id}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(again["page"]["total"], 1);
}

#[tokio::test]
async fn invalid_credit_codes_and_id_numbers_are_rejected_with_a_reason() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let good = sanshe_app::generate::credit_code('2', "320412", 424_242);
    let mut bad_check = good.clone();
    let last = bad_check.pop().unwrap();
    bad_check.push(if last == '0' { '1' } else { '0' });
    let market = {
        let first = format!("9{}", &good[1..17]);
        let c = sanshe_domain::ident::credit_check_char(&first).unwrap();
        format!("{first}{c}")
    };
    for (code, reason) in [
        (bad_check.as_str(), "err-credit-check"),
        ("52320412MJ00000", "err-credit-length"),
        (market.as_str(), "err-credit-authority"),
    ] {
        let r = t
            .api(
                "POST",
                "/api/v1/organizations",
                Some(&tok),
                Some(json!({"name": "校验测试机构", "credit_code": code, "area": "320412"})),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{code}: {}",
            r.body
        );
        assert!(
            r.body.contains(reason) || r.body.contains("credit_code"),
            "{code}: {}",
            r.body
        );
        let j = r.json();
        let fields = j["error"]["fields"].as_array().cloned().unwrap_or_default();
        assert!(
            fields.iter().any(|f| f["code"] == reason),
            "{code}: expected {reason} in {j}"
        );
    }
    let r = t
        .api(
            "POST",
            "/api/v1/organizations",
            Some(&tok),
            Some(json!({"name": "校验测试机构", "credit_code": good, "area": "320412"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.json()["kind"], "social_service_agency");
    // The same code again is a conflict, not a second record.
    let r = t
        .api(
            "POST",
            "/api/v1/organizations",
            Some(&tok),
            Some(json!({"name": "另一个名字", "credit_code": good, "area": "320412"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);

    let id = valid_id();
    let mut wrong = id.clone();
    let last = wrong.pop().unwrap();
    wrong.push(if last == '0' { '1' } else { '0' });
    let bad_birth = {
        let first = format!("{}19490230{}", &id[..6], &id[14..17]);
        let c = sanshe_domain::ident::id_check_char(&first).unwrap();
        format!("{first}{c}")
    };
    for (v, reason) in [
        (wrong.as_str(), "err-id-check"),
        (bad_birth.as_str(), "err-id-birth"),
        ("11010519491231002", "err-id-length"),
        ("000000194912310029", "err-id-area"),
    ] {
        let r = t
            .api(
                "POST",
                "/api/v1/social-workers",
                Some(&tok),
                Some(json!({"name": "张三", "id_number": v})),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        let j = r.json();
        let fields = j["error"]["fields"].as_array().cloned().unwrap_or_default();
        assert!(
            fields.iter().any(|f| f["code"] == reason),
            "{v}: expected {reason} in {j}"
        );
    }
}

pub(crate) async fn count(t: &T, table: &str) -> i64 {
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get("n")
}
