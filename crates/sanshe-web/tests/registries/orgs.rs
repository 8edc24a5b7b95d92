//! Organizations: foundation ledgers, incubation bases and federations.

use super::*;

pub(crate) fn fund(kind: &str, date: &str, amount: &str, who: &str) -> sanshe_app::orgs::FundInput {
    sanshe_app::orgs::FundInput {
        kind: kind.into(),
        date: date.into(),
        amount: amount.into(),
        counterparty: who.into(),
        memo: String::new(),
    }
}

#[tokio::test]
async fn a_foundation_ledger_never_goes_negative() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let code = sanshe_app::generate::credit_code('3', "320412", 99);
    let r = t
        .api(
            "POST",
            "/api/v1/organizations",
            Some(&tok),
            Some(json!({"name": "测试社区基金会", "credit_code": code, "area": "320412100"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["kind"], "foundation");
    let ctx = sanshe_app::Ctx::cli();
    sanshe_app::orgs::add_fund_entry(
        &t.app,
        &ctx,
        id,
        &fund("income", "2025-01-05", "10000", "企业捐赠"),
    )
    .await
    .unwrap();
    sanshe_app::orgs::add_fund_entry(
        &t.app,
        &ctx,
        id,
        &fund("grant", "2025-02-05", "2500.50", "社区微项目"),
    )
    .await
    .unwrap();
    let e = sanshe_app::orgs::add_fund_entry(
        &t.app,
        &ctx,
        id,
        &fund("grant", "2025-03-05", "8000", "超额"),
    )
    .await;
    assert!(
        matches!(e, Err(sanshe_app::AppError::Invalid(ref f)) if f[0].code == "err-fund-insufficient")
    );
    let mut c = t.app.db.acquire().await.unwrap();
    assert_eq!(
        sanshe_store::orgs::fund_balance(&mut c, id).await.unwrap(),
        749_950
    );
    assert_eq!(
        sanshe_store::orgs::fund_recomputed(&mut c, id)
            .await
            .unwrap(),
        749_950
    );
    // The ledger is append-only in the database too.
    assert!(sqlx::query("UPDATE fund_entries SET amount_fen = 1")
        .execute(&mut *c)
        .await
        .is_err());
    drop(c);
    // The ledger as a spreadsheet, linked from the organization's page; the running
    // balance is in every row.
    let mut s = t.login("district").await;
    let page = t.get(&mut s, &format!("/orgs/{id}")).await;
    assert!(page.body.contains(&format!("/orgs/{id}/fund/export/xlsx")));
    let x = t.get(&mut s, &format!("/orgs/{id}/fund/export/csv")).await;
    assert_eq!(x.status, StatusCode::OK);
    let lines: Vec<&str> = x.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", x.body);
    assert!(lines[1].contains("10000.00") && lines[1].contains("企业捐赠"));
    assert!(lines[2].contains("2500.50") && lines[2].contains("7499.50"));
    let x = t.get(&mut s, &format!("/orgs/{id}/fund/export/pdf")).await;
    assert_eq!(x.status, StatusCode::NOT_FOUND);
    // Not a foundation: no ledger.
    let other = t.org_id(sanshe_app::demo::DEMO_ORG).await;
    let x = t
        .get(&mut s, &format!("/orgs/{other}/fund/export/csv"))
        .await;
    assert_eq!(x.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn incubation_bases_and_federations_are_recorded_by_supervisors() {
    let t = T::new().await;
    let tok = t.token_for("street").await;
    let post = |body: Value| {
        let tok = tok.clone();
        let t = &t;
        async move {
            t.api("POST", "/api/v1/networks", Some(&tok), Some(body))
                .await
        }
    };
    let r = post(json!({"action": "base", "area": "320412100", "name": "湖塘镇第二孵化基地", "date": "2024-03-01"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let base = r.json()["id"].as_i64().unwrap();
    let org = sanshe_app::demo::DEMO_ORG;
    let r = post(json!({"action": "incubation", "parent": base, "org": org, "date": "2024-04-01", "funds": "50000", "training_hours": 24})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let entry = r.json()["id"].as_i64().unwrap();
    // Entering twice is a conflict; graduating twice too.
    let r = post(json!({"action": "incubation", "parent": base, "org": org, "date": "2024-05-01"}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = post(json!({"action": "graduate", "parent": entry, "date": "2025-04-01"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = post(json!({"action": "graduate", "parent": entry, "date": "2025-05-01"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    let r = post(json!({"action": "federation", "area": "320412100", "name": "湖塘镇第二联合会"}))
        .await;
    let fed = r.json()["id"].as_i64().unwrap();
    let r = post(json!({"action": "member", "parent": fed, "org": org})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // Outside the street's scope, and unknown organizations, are refused.
    let r = post(json!({"action": "base", "area": "320412101", "name": "越界基地"})).await;
    assert!(
        r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.body
    );
    let r = post(json!({"action": "member", "parent": fed, "org": "没有这个组织"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let n = t
        .api("GET", "/api/v1/networks", Some(&tok), None)
        .await
        .json();
    let b = n["incubation_bases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["id"] == base)
        .unwrap()
        .clone();
    assert_eq!(b["organizations"][0]["graduated"], "2025-04-01");
    assert_eq!(b["organizations"][0]["funds_yuan"], "50000.00");
    assert!(n["federations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == fed && f["organizations"][0]["name"] == org));
    // The community account reads but cannot record.
    let ctok = t.token_for("community").await;
    let r = t
        .api(
            "POST",
            "/api/v1/networks",
            Some(&ctok),
            Some(json!({"action": "base", "area": "320412100", "name": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let audit = t.token_for("auditadmin").await;
    let log = t
        .api(
            "GET",
            "/api/v1/audit?action=organization.incubation",
            Some(&audit),
            None,
        )
        .await;
    assert!(log.body.contains(&entry.to_string()), "{}", log.body);
    // The spreadsheet export: one row per organization, the street's view only, audited.
    let mut s = t.login("street").await;
    let x = t.get(&mut s, "/networks/export/csv").await;
    assert_eq!(x.status, StatusCode::OK);
    let row = x
        .body
        .lines()
        .find(|l| l.contains("湖塘镇第二孵化基地"))
        .expect("the base is exported");
    assert!(
        row.contains(org) && row.contains("2025-04-01") && row.contains("50000.00"),
        "{row}"
    );
    assert!(x.body.contains("湖塘镇第二联合会"));
    for line in x.body.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        assert!(
            line.contains(",湖塘镇,"),
            "only the street's own rows: {line}"
        );
    }
    let x = t.get(&mut s, "/networks/export/xlsx").await;
    assert_eq!(x.status, StatusCode::OK);
    let log = t
        .api(
            "GET",
            "/api/v1/audit?action=network.export",
            Some(&audit),
            None,
        )
        .await
        .json();
    assert_eq!(log["page"]["total"], 2, "{log}");
}
