//! Social workers: CPD hours and subsidies (API and attendance sheets), the shortfall filter.

use super::*;

#[tokio::test]
async fn cpd_hours_and_subsidies_are_recorded_through_the_api() {
    let t = T::new().await;
    let tok = t.token_for("street").await;
    let uid = t.user_id("worker").await;
    let wid = t.worker_of_user(uid).await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/social-workers/{wid}/cpd"),
            Some(&tok),
            Some(json!({"date": "2025-06-01", "hours": "12.5", "topic": "社区营造"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for bad in [
        json!({"date": "2999-01-01", "hours": "2", "topic": "x"}),
        json!({"date": "2025-06-01", "hours": "0.05", "topic": "x"}),
    ] {
        let r = t
            .api(
                "POST",
                &format!("/api/v1/social-workers/{wid}/cpd"),
                Some(&tok),
                Some(bad),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    }
    let r = t
        .api(
            "POST",
            &format!("/api/v1/social-workers/{wid}/subsidies"),
            Some(&tok),
            Some(json!({"year": "2025", "amount": "2000", "paid_on": "2025-12-20"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The worker sees their own record's ledgers on the detail page; community staff may
    // add CPD hours but not subsidies.
    let ctok = t.token_for("community").await;
    let r = t
        .api(
            "POST",
            &format!("/api/v1/social-workers/{wid}/subsidies"),
            Some(&ctok),
            Some(json!({"year": "2025", "amount": "2000"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut s = t.login("worker").await;
    let page = t.get(&mut s, &format!("/workers/{wid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("社区营造") && page.body.contains("2000.00"),
        "ledgers on the page"
    );
}

#[tokio::test]
async fn cpd_hours_are_imported_from_an_attendance_sheet() {
    let t = T::new().await;
    let tok = t.token_for("street").await;
    // Two of the demo organization's project staff (湖塘镇), by the ID numbers the demo gave them.
    let id = |i: u32| {
        sanshe_app::generate::citizen_id(
            "320412",
            (1990 + i as i32, 3 + i, 10 + i),
            900 + i,
            i.is_multiple_of(2),
        )
    };
    let (a, b) = (id(1), id(2));
    let entries = || async {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("SELECT COUNT(*) FROM cpd_entries")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get::<i64, _>(0)
    };
    let before = entries().await;
    let sheet = format!(
        "2025年第三期社工继续教育签到表,,,,\n\
         身份证号,培训日期,学时,培训内容,培训机构\n\
         {a},2025.9.10,6,社区营造实务,区社工协会\n\
         {b},2025年9月10日,６,社区营造实务,\n\
         11010519491231002X,2025-09-10,3,个案管理,\n\
         {a},2999-01-01,0,,\n\
         {a},2025-09-10,6,社区营造实务,\n"
    );
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/cpd/import",
            &tok,
            sheet.clone().into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let j = r.json();
    assert_eq!(j["total_rows"], 5, "{j}");
    assert_eq!(j["committed"], false);
    let codes: Vec<(i64, String)> = j["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["row"].as_i64().unwrap(),
                i["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    for (row, code) in [
        (5, "err-worker-not-found"),
        (6, "err-date-future"),
        (6, "err-range"),
        (6, "err-required"),
        (7, "err-duplicate-in-file"),
    ] {
        assert!(
            codes.iter().any(|(r, c)| *r == row && c == code),
            "row {row} {code}: {codes:?}"
        );
    }
    assert_eq!(entries().await, before, "nothing written");
    // Only the valid rows, on request.
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/cpd/import?only_valid=true",
            &tok,
            sheet.clone().into_bytes(),
        )
        .await;
    let j = r.json();
    assert_eq!(
        (j["committed"].clone(), j["inserted"].clone()),
        (json!(true), json!(2)),
        "{j}"
    );
    assert_eq!(entries().await, before + 2);
    let mut c = t.app.db.acquire().await.unwrap();
    let tenths: i64 = sqlx::query(
        "SELECT CAST(SUM(hours_tenths) AS BIGINT) FROM cpd_entries WHERE topic = '社区营造实务'",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .get(0);
    drop(c);
    assert_eq!(tenths, 120, "6 h and full-width ６ h");
    // The same sheet again: already recorded, nothing doubled.
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/cpd/import?only_valid=true",
            &tok,
            sheet.into_bytes(),
        )
        .await;
    let j = r.json();
    assert_eq!(j["existing_rows"], 2, "{j}");
    assert_eq!(j["inserted"], 0);
    assert_eq!(entries().await, before + 2);
    // Another street's staff cannot add hours to these workers.
    let mut c = t.app.db.acquire().await.unwrap();
    let other: String = sqlx::query(
        "SELECT code FROM areas WHERE level = 'street' AND code <> '320412100' ORDER BY code LIMIT 1",
    )
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .get(0);
    drop(c);
    t.add_user("street2", "street_staff", Some(other)).await;
    let otok = t.token_for("street2").await;
    let one = format!("身份证号,培训日期,学时,培训内容\n{a},2025-10-01,2,越界测试\n");
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/cpd/import",
            &otok,
            one.into_bytes(),
        )
        .await;
    assert_eq!(
        r.json()["issues"][0]["code"],
        "err-worker-not-found",
        "{}",
        r.body
    );
    let rtok = t.token_for("resident").await;
    let r = t
        .api_raw("POST", "/api/v1/social-workers/cpd/import", &rtok, vec![])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The pages: the form with its columns, the template, an upload with its report; the
    // hours show on the worker's page; the committed import is audited once.
    let mut s = t.login("street").await;
    let f = t.get(&mut s, "/workers/cpd/import").await;
    assert!(f.status == StatusCode::OK && f.body.contains("培训内容"));
    let tpl = t.get(&mut s, "/workers/cpd/template.xlsx").await;
    assert_eq!(tpl.status, StatusCode::OK);
    let page = t
        .post_upload(
            &mut s,
            "/workers/cpd/import",
            "file",
            "签到表.csv",
            "身份证号,培训日期,学时,培训内容\n123,2025-10-01,2,x\n".as_bytes(),
        )
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.body.contains("section class=\"report\""),
        "report shown"
    );
    let list = t.get(&mut s, "/workers").await;
    assert!(
        list.body.contains("/workers/cpd/import"),
        "linked from the list"
    );
    let blind = t.app.pii.blind("id", &a).unwrap();
    let mut c = t.app.db.acquire().await.unwrap();
    let wid: i64 = sqlx::query("SELECT id FROM social_workers WHERE id_blind = $1")
        .bind(blind)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get(0);
    drop(c);
    let w = t.get(&mut s, &format!("/workers/{wid}")).await;
    assert!(
        w.body.contains("社区营造实务"),
        "the hours are on the worker's page"
    );
    let audit = t.token_for("auditadmin").await;
    let log = t
        .api(
            "GET",
            "/api/v1/audit?action=social_worker.cpd_import",
            Some(&audit),
            None,
        )
        .await
        .json();
    assert_eq!(log["page"]["total"], 1, "{log}");
}

#[tokio::test]
async fn the_cpd_shortfall_filter_matches_the_ledgers() {
    // Active certified workers in a current registration period with fewer CPD hours in it
    // than their level requires (72 h assistant, 90 h intermediate and senior by default),
    // recomputed here from raw rows. The current period is the latest one running today.
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let today = sanshe_app::registry::today();
    type Regs = Vec<(i64, i64, String, String)>;
    let load = || async {
        let mut c = t.app.db.acquire().await.unwrap();
        let workers: Vec<(i64, String, String)> = sqlx::query(
            "SELECT id, cert_level, status FROM social_workers WHERE area_code LIKE '320412100%'",
        )
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("id"), r.get("cert_level"), r.get("status")))
        .collect();
        let regs: Regs =
            sqlx::query("SELECT id, worker_id, start_date, end_date FROM worker_registrations")
                .fetch_all(&mut *c)
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.get("id"),
                        r.get("worker_id"),
                        r.get("start_date"),
                        r.get("end_date"),
                    )
                })
                .collect();
        let cpd: Vec<(i64, String, i64)> =
            sqlx::query("SELECT worker_id, entry_date, hours_tenths FROM cpd_entries")
                .fetch_all(&mut *c)
                .await
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r.get("worker_id"),
                        r.get("entry_date"),
                        r.get("hours_tenths"),
                    )
                })
                .collect();
        (workers, regs, cpd)
    };
    let current = |regs: &Regs, id: i64| -> Option<(String, String)> {
        regs.iter()
            .filter(|(_, w, s, e)| *w == id && *s <= today && *e >= today)
            .max_by(|a, b| (&a.2, a.0).cmp(&(&b.2, b.0)))
            .map(|(_, _, s, e)| (s.clone(), e.clone()))
    };
    let hours = |cpd: &Vec<(i64, String, i64)>, id: i64, (s, e): &(String, String)| -> i64 {
        cpd.iter()
            .filter(|(w, d, _)| *w == id && d >= s && d <= e)
            .map(|x| x.2)
            .sum()
    };
    // An assistant-level worker just short of 72 h, renewed early: the old and the new
    // period overlap today; counting the hours in both would wrongly clear them.
    let (workers, regs, cpd) = load().await;
    let (w, period) = workers
        .iter()
        .filter(|(_, l, st)| l == "assistant" && st == "active")
        .find_map(|(id, _, _)| {
            current(&regs, *id)
                .filter(|p| hours(&cpd, *id, p) < 700)
                .map(|p| (*id, p))
        })
        .expect("an assistant-level worker with few hours");
    let mut c = t.app.db.acquire().await.unwrap();
    let have = hours(&cpd, w, &period);
    sanshe_store::workers::add_cpd(
        &mut c,
        &sanshe_store::workers::CpdEntry {
            id: 0,
            worker_id: w,
            entry_date: period.0.clone(),
            hours_tenths: 710 - have,
            topic: "重叠测试".into(),
            provider: None,
        },
    )
    .await
    .unwrap()
    .expect("a new entry");
    let earlier = format!(
        "{}{}",
        period.0[..4].parse::<i32>().unwrap() - 1,
        &period.0[4..]
    );
    sanshe_store::workers::add_registration(
        &mut c,
        &sanshe_store::workers::Registration {
            id: 0,
            worker_id: w,
            start_date: earlier,
            end_date: period.1.clone(),
            number: None,
        },
    )
    .await
    .unwrap();
    drop(c);
    let (workers, regs, cpd) = load().await;
    let mut expected: HashSet<i64> = HashSet::new();
    for (id, level, status) in &workers {
        let need = match level.as_str() {
            "assistant" => 720,
            "intermediate" | "senior" => 900,
            _ => continue,
        };
        if status != "active" {
            continue;
        }
        if let Some(p) = current(&regs, *id) {
            if hours(&cpd, *id, &p) < need {
                expected.insert(*id);
            }
        }
    }
    assert!(expected.contains(&w), "71 h of 72 is short");
    let mut got: HashSet<i64> = HashSet::new();
    let mut page = 1;
    loop {
        let j = t
            .api(
                "GET",
                &format!(
                    "/api/v1/social-workers?within=320412100&cpd_short=true&per_page=200&page={page}"
                ),
                Some(&tok),
                None,
            )
            .await
            .json();
        for it in j["items"].as_array().unwrap() {
            got.insert(it["id"].as_i64().unwrap());
        }
        if page >= j["page"]["pages"].as_i64().unwrap_or(1) {
            break;
        }
        page += 1;
    }
    assert!(
        expected.len() < workers.len(),
        "and workers who are not short"
    );
    assert_eq!(got, expected);
    // The page offers the filter, and shows the hours of the current period.
    let mut s = t.login("district").await;
    let l = t.get(&mut s, "/workers?cpd_short=true").await;
    assert_eq!(l.status, StatusCode::OK);
    assert!(l.body.contains("继续教育学时不足"));
    // The hours shown for the current period count each entry once (71 h, not 142 h).
    let mut c = t.app.db.acquire().await.unwrap();
    let row = sanshe_store::workers::get(&mut c, w, &today)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.cpd_tenths, 710);
}
