//! Messy spreadsheets, round trips of exports, and every template's example row.

use super::*;

#[tokio::test]
async fn a_messy_spreadsheet_gets_a_complete_report_and_writes_nothing() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let id = valid_id();
    // Existing worker for the duplicate-against-database case.
    let r = t
        .api(
            "POST",
            "/api/v1/social-workers",
            Some(&tok),
            Some(json!({"name": "已有", "id_number": id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let other = sanshe_app::generate::citizen_id("320412", (1985, 6, 1), 77, false);
    let other2 = sanshe_app::generate::citizen_id("320412", (1990, 2, 28), 78, true);
    let fullwidth: String = other2
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap_or(c))
        .collect();
    let csv = format!(
        "武进区社会工作者花名册（2025年）,,,,,\n\
         姓名,身份证号码,手机,所在社区,证书等级,取证年份,注册日期,是否两委成员\n\
         王五,{other},139 1234 5678,320412100002,助理社会工作师,2019,2019.9.10,是\n\
         赵六,{fullwidth},,南街社区居委会,无证书,,,否\n\
         姓名,身份证号码,手机,所在社区,证书等级,取证年份,注册日期,是否两委成员\n\
         钱七,3.20412E+17,,320412100002,,,,\n\
         孙八,{other},,320412100002,,,,否\n\
         周九,{id},,320412100002,,,,否\n\
         吴十,{bad},12345,999999999999,高级,1980,2019年2月30日,也许\n",
        bad = &id[..17].to_owned()
    );
    let before = count(&t, "social_workers").await;
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/import",
            &tok,
            csv.clone().into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let rep = r.json();
    assert_eq!(rep["committed"], false);
    assert_eq!(
        rep["total_rows"], 6,
        "title and repeated header rows are not data: {rep}"
    );
    let issues = rep["issues"].as_array().unwrap();
    let has = |row: i64, code: &str| issues.iter().any(|i| i["row"] == row && i["code"] == code);
    assert!(
        has(6, "err-id-excel-number"),
        "Excel-mangled ID named as such: {rep}"
    );
    assert!(
        has(7, "err-duplicate-in-file"),
        "duplicate within the file: {rep}"
    );
    assert!(
        has(8, "err-duplicate-record"),
        "duplicate against the database: {rep}"
    );
    for code in [
        "err-id-length",
        "err-phone",
        "err-area-unreachable",
        "err-choice",
        "err-range",
        "err-cell-date",
        "err-cell-bool",
    ] {
        assert!(has(9, code), "row 9 should report {code}: {rep}");
    }
    // Reported by column header as written in the file, with a message.
    assert!(issues
        .iter()
        .any(|i| i["column"] == "身份证号码" && !i["message"].as_str().unwrap().is_empty()));
    // Rows 3 and 4 are fine despite the mess.
    assert!(
        !issues.iter().any(|i| i["row"] == 3 || i["row"] == 4),
        "{rep}"
    );
    assert_eq!(count(&t, "social_workers").await, before, "nothing written");

    // Only the valid rows, on request; the same file in GB18030 this time.
    let (gb, _, _) = encoding_rs::GB18030.encode(&csv);
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/import?only_valid=true",
            &tok,
            gb.into_owned(),
        )
        .await;
    let rep = r.json();
    assert_eq!(rep["committed"], true, "{rep}");
    assert_eq!(rep["inserted"], 2);
    assert_eq!(count(&t, "social_workers").await, before + 2);
    let w = t
        .api(
            "GET",
            &format!("/api/v1/social-workers?q={other2}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(w["page"]["total"], 1, "full-width digits normalised: {w}");
    assert_eq!(
        w["items"][0]["area"], "320412100002",
        "community found by its name"
    );
    let wang = t
        .api(
            "GET",
            &format!("/api/v1/social-workers?q={other}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(wang["items"][0]["cert_level"], "assistant");
    assert_eq!(wang["items"][0]["committee_member"], true);
    let detail = t
        .api(
            "GET",
            &format!(
                "/api/v1/social-workers/{}?reveal=true",
                wang["items"][0]["id"]
            ),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(
        detail["phone"], "13912345678",
        "spaces in phone numbers removed"
    );
    // The registration period from 2019.9.10 runs three years.
    let mut c = t.app.db.acquire().await.unwrap();
    let reg: (String, String) = sqlx::query("SELECT r.start_date, r.end_date FROM worker_registrations r JOIN social_workers w ON w.id = r.worker_id WHERE w.name = '王五'")
        .fetch_one(&mut *c)
        .await
        .map(|r| (r.get(0), r.get(1)))
        .unwrap();
    assert_eq!(reg, ("2019-09-10".to_owned(), "2022-09-09".to_owned()));
}

#[tokio::test]
async fn facility_and_org_spreadsheets_round_trip() {
    let t = T::new().await;
    let tok = t.token_for("street").await;
    let csv = "所属区划,设施名称,设施类型,面积（平方米）,开放时间,状态\n\
               320412100002,南街社区长者食堂,专项服务设施,\"1,200.5\",\"08:00-19:00,08:00-19:00,08:00-19:00,08:00-19:00,08:00-19:00,08:00-12:00,休\",在用\n\
               320412100,湖塘镇第二综合服务中心,镇（街道）综合服务中心,３０００,,\n\
               320412100002,错层级的中心,镇（街道）综合服务中心,100,,\n\
               320412101001,越界的站点,城乡社区综合服务站,100,,\n";
    let r = t
        .api_raw(
            "POST",
            "/api/v1/facilities/import?dry_run=true",
            &tok,
            csv.as_bytes().to_vec(),
        )
        .await;
    let rep = r.json();
    let issues = rep["issues"].as_array().unwrap();
    assert!(
        issues
            .iter()
            .any(|i| i["row"] == 4 && i["code"] == "err-facility-center-level"),
        "{rep}"
    );
    assert!(
        issues.iter().any(|i| i["row"] == 5),
        "out-of-scope row reported: {rep}"
    );
    assert_eq!(rep["committed"], false);
    let r = t
        .api_raw(
            "POST",
            "/api/v1/facilities/import?only_valid=true",
            &tok,
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.json()["inserted"], 2, "{}", r.body);
    // Quotes and a backslash arrive as written (on PostgreSQL a batch travels as one JSON
    // document), numbers as numbers.
    let odd = "所属区划,设施名称,设施类型,面积（平方米）,开放时间,状态\n\
               320412100002,\"活动室\"\"甲\"\"\\乙/丙\",专项服务设施,50,,在用\n";
    let r = t
        .api_raw("POST", "/api/v1/facilities/import", &tok, odd.into())
        .await;
    assert_eq!(r.json()["inserted"], 1, "{}", r.body);
    let mut c = t.app.db.acquire().await.unwrap();
    let got: (String, i64) = sqlx::query(
        "SELECT name, area_m2_centi FROM facilities WHERE name LIKE '活动室%' ORDER BY id",
    )
    .fetch_one(&mut *c)
    .await
    .map(|r| (r.get(0), r.get(1)))
    .unwrap();
    assert_eq!(got, ("活动室\"甲\"\\乙/丙".to_owned(), 5_000));
    drop(c);
    let l = t
        .api(
            "GET",
            "/api/v1/facilities?q=%E9%95%BF%E8%80%85%E9%A3%9F%E5%A0%82",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(l["page"]["total"], 1, "Chinese substring search: {l}");
    assert_eq!(l["items"][0]["area_m2"], 1200.5);
    // The export is in the import format: re-importing it finds only duplicates.
    let mut s = t.login("street").await;
    let x = t
        .get(
            &mut s,
            "/facilities/export/csv?q=%E9%95%BF%E8%80%85%E9%A3%9F%E5%A0%82",
        )
        .await;
    assert_eq!(x.status, StatusCode::OK);
    let r = t
        .api_raw(
            "POST",
            "/api/v1/facilities/import",
            &tok,
            x.body.into_bytes(),
        )
        .await;
    let rep = r.json();
    assert_eq!(rep["issues"][0]["code"], "err-duplicate-record", "{rep}");
    // XLSX template downloads.
    let tpl = t.get(&mut s, "/facilities/template.xlsx").await;
    assert_eq!(tpl.status, StatusCode::OK);
    // Organizations: the filing authority travels with the record (export, API, page).
    let x = t
        .get(&mut s, "/orgs/export/csv?kind=community_org&per_page=5")
        .await;
    assert_eq!(x.status, StatusCode::OK);
    let header = x.body.lines().next().unwrap();
    assert!(header.contains("登记或备案机关"), "{header}");
    assert!(
        x.body.contains("人民政府") || x.body.contains("办事处"),
        "filing authority exported"
    );
    let l = t
        .api(
            "GET",
            "/api/v1/organizations?kind=community_org&per_page=1",
            Some(&tok),
            None,
        )
        .await
        .json();
    let a = l["items"][0]["authority"].as_str().unwrap_or_default();
    assert!(a.ends_with("人民政府") || a.ends_with("办事处"), "{l}");
    let oid = l["items"][0]["id"].as_i64().unwrap();
    let r = t
        .api(
            "PATCH",
            &format!("/api/v1/organizations/{oid}"),
            Some(&tok),
            Some(json!({"authority": "测试街道办事处"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let o = t
        .api(
            "GET",
            &format!("/api/v1/organizations/{oid}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(o["authority"], "测试街道办事处");
    let page = t.get(&mut s, &format!("/orgs/{oid}")).await;
    assert!(page.body.contains("登记或备案机关") && page.body.contains("测试街道办事处"));
}

/// An import writes its rows many per statement, and the communities rows serve a few
/// hundred links per statement: the ids follow the file's order, and every row's links are
/// its own.
#[tokio::test]
async fn an_org_import_keeps_the_files_order_and_each_rows_communities() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let comms: Vec<String> = first_communities(&t, 3).await;
    let mut csv = String::from("组织名称,备案编号,所在区划,服务社区\n");
    for i in 0..40 {
        let served = if i % 13 == 5 {
            comms[1..3].join("、")
        } else {
            String::new()
        };
        csv.push_str(&format!(
            "批量导入小组{i:02},BA-BATCH-{i:02},{},{served}\n",
            comms[0]
        ));
    }
    let r = t
        .api_raw(
            "POST",
            "/api/v1/organizations/import",
            &tok,
            csv.into_bytes(),
        )
        .await;
    assert_eq!(r.json()["inserted"], 40, "{}", r.body);
    let mut c = t.app.db.acquire().await.unwrap();
    let rows = sqlx::query(
        "SELECT o.name, (SELECT COUNT(*) FROM org_communities x WHERE x.org_id = o.id) AS n \
         FROM organizations o WHERE o.name LIKE '批量导入小组%' ORDER BY o.id",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let got: Vec<(String, i64)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let want: Vec<(String, i64)> = (0..40)
        .map(|i| {
            (
                format!("批量导入小组{i:02}"),
                if i % 13 == 5 { 2 } else { 0 },
            )
        })
        .collect();
    assert_eq!(got, want);
}

/// A worker import writes many workers per statement and attaches each registration period
/// to its own worker.
#[tokio::test]
async fn a_worker_import_attaches_each_registration_to_its_own_worker() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let mut csv = String::from("姓名,身份证号码,所在社区,证书等级,取证年份,注册日期\n");
    for i in 0..30u32 {
        let id =
            sanshe_app::generate::citizen_id("320412", (1980, 1, 1 + i % 28), 600 + i, i % 2 == 0);
        if i % 3 == 0 {
            csv.push_str(&format!(
                "批量工作者{i:02},{id},320412100002,助理社会工作师,2018,2019-03-{:02}\n",
                1 + i % 28
            ));
        } else {
            csv.push_str(&format!("批量工作者{i:02},{id},320412100002,无证书,,\n"));
        }
    }
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/import",
            &tok,
            csv.into_bytes(),
        )
        .await;
    assert_eq!(r.json()["inserted"], 30, "{}", r.body);
    let mut c = t.app.db.acquire().await.unwrap();
    let rows = sqlx::query(
        "SELECT w.name, r.start_date FROM social_workers w \
         LEFT JOIN worker_registrations r ON r.worker_id = w.id \
         WHERE w.name LIKE '批量工作者%' ORDER BY w.name",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let got: Vec<(String, Option<String>)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    let want: Vec<(String, Option<String>)> = (0..30u32)
        .map(|i| {
            (
                format!("批量工作者{i:02}"),
                (i % 3 == 0).then(|| format!("2019-03-{:02}", 1 + i % 28)),
            )
        })
        .collect();
    assert_eq!(got, want);
}

/// An import checks a thousand rows at a time, looking up only those rows' keys and
/// references: a row in a later thousand still finds the organization it names, still
/// collides with a row of an earlier thousand and with a worker already registered, and an
/// unknown employer is still reported where it is.
#[tokio::test]
async fn an_import_longer_than_one_batch_checks_every_row_against_the_file_and_the_registry() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let mut c = t.app.db.acquire().await.unwrap();
    // Two organizations: the first thousand rows name one, the later rows the other.
    let orgs: Vec<(String, String)> = sqlx::query(
        "SELECT name, credit_code FROM organizations WHERE credit_code IS NOT NULL \
         AND area_code LIKE '320412%' ORDER BY id LIMIT 2",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    assert_eq!(orgs.len(), 2);
    drop(c);
    // A worker already registered (a demo project's staff member).
    let existing = sanshe_app::generate::citizen_id("320412", (1990, 3, 10), 900, true);
    let id = |i: u32| {
        sanshe_app::generate::citizen_id(
            "110101",
            (1970 + (i / 450) as i32, 5, 17),
            i % 450,
            i.is_multiple_of(2),
        )
    };
    let rows = 2_500u32;
    let mut csv = String::from("姓名,身份证号码,所在社区,证书等级,工作单位\n");
    for i in 0..rows {
        let idn = match i {
            1_700 => id(3),
            2_300 => existing.clone(),
            _ => id(i),
        };
        let org = &orgs[usize::from(i >= 1_000)];
        let employer = match i {
            2_100 => "没有这家机构".to_owned(),
            _ if i % 2 == 0 => org.0.clone(),
            _ => org.1.to_lowercase(),
        };
        csv.push_str(&format!(
            "分批工作者{i},{idn},320412100002,无证书,{employer}\n"
        ));
    }
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/import?dry_run=true",
            &tok,
            csv.clone().into_bytes(),
        )
        .await;
    let j = r.json();
    let got: Vec<(u64, String)> = j["issues"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.body))
        .iter()
        .map(|i| {
            (
                i["row"].as_u64().unwrap(),
                i["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Rows of the report count the header as row 1.
    assert_eq!(
        got,
        vec![
            (1_702, "err-duplicate-in-file".to_owned()),
            (2_102, "err-org-not-found".to_owned()),
            (2_302, "err-duplicate-record".to_owned()),
        ],
        "{}",
        r.body
    );
    assert_eq!(j["valid_rows"], rows - 3, "{}", r.body);
    let written = || async {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("SELECT COUNT(*) FROM social_workers WHERE name LIKE '分批工作者%'")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get::<i64, _>(0)
    };
    // A real import of the same file: its first thousand rows are clean and are written,
    // uncommitted, before the problem at row 1,702 is read; none of them stays.
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/import",
            &tok,
            csv.clone().into_bytes(),
        )
        .await;
    let j = r.json();
    assert_eq!(
        (
            &j["committed"],
            &j["inserted"],
            j["issues"].as_array().map(Vec::len)
        ),
        (&serde_json::json!(false), &serde_json::json!(0), Some(3)),
        "{}",
        r.body
    );
    assert_eq!(written().await, 0);
    // A clean first 1,199 rows, then a row the sheet refuses (more columns than any sheet
    // may have): that one issue, and nothing written.
    let mut broken: String = csv.lines().take(1_200).collect::<Vec<_>>().join("\n");
    broken.push('\n');
    broken.push_str(&"x,".repeat(300));
    broken.push_str("\n分批工作者末行,110101197005170017,320412100002,无证书,\n");
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/import",
            &tok,
            broken.into_bytes(),
        )
        .await;
    let j = r.json();
    let codes: Vec<&str> = j["issues"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.body))
        .iter()
        .filter_map(|i| i["code"].as_str())
        .collect();
    assert_eq!(codes, ["err-import-too-many-columns"], "{}", r.body);
    assert_eq!(j["committed"], false, "{}", r.body);
    assert_eq!(written().await, 0);
    // Only the good rows, then: every one is written with its employer.
    let r = t
        .api_raw(
            "POST",
            "/api/v1/social-workers/import?only_valid=true",
            &tok,
            csv.into_bytes(),
        )
        .await;
    assert_eq!(r.json()["inserted"], rows - 3, "{}", r.body);
    let mut c = t.app.db.acquire().await.unwrap();
    let with_employer: i64 = sqlx::query(
        "SELECT COUNT(*) FROM social_workers w JOIN organizations o ON o.id = w.employer_org_id \
         WHERE w.name LIKE '分批工作者%' AND o.name = $1",
    )
    .bind(&orgs[1].0)
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .get(0);
    // Rows 1,000 and later name the second organization; three of them were left out.
    assert_eq!(with_employer, i64::from(rows - 1_000 - 3));
}
