//! 以奖代补: a list from scheme to paid awards, every award reproduced by an independent
//! recomputation from the published scores and scheme, the scheme's versions and when it is
//! fixed, the notice, payments once and never beyond the budget line (under parallel
//! requests), and the pages and portal.

use super::codes;
use crate::common::T;
use crate::kernel::parallel;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::sync::Arc;

const YEAR: i64 = 2032;

fn scheme() -> Value {
    json!({
        "indicators": [
            {"code": "platform", "name": "平台", "points": 40},
            {"code": "service", "name": "服务", "points": 60}
        ],
        "grades": [
            {"name": "A+", "min": 95, "award_fen": 7000000},
            {"name": "A", "min": 90, "award_fen": 5000000},
            {"name": "B", "min": 70, "award_fen": 500000}
        ],
        "mode": "table", "unit_fen": 50000, "cap_fen": 4000000, "team_share": 60
    })
}

async fn post(t: &T, tok: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = t.api("POST", path, Some(tok), Some(body)).await;
    r.outcome()
}

async fn put(t: &T, tok: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = t.api("PUT", path, Some(tok), Some(body)).await;
    r.outcome()
}

/// An award recomputed from the published scores and scheme, without the product's code.
fn recompute(scheme: &Value, scores: &[i64]) -> (i64, String, i64, i64) {
    let total: i64 = scores.iter().sum();
    let grade = scheme["grades"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| total >= g["min"].as_i64().unwrap());
    let award = match grade {
        None => 0,
        Some(g) if scheme["mode"] == "table" => g["award_fen"].as_i64().unwrap(),
        Some(_) => {
            (total * scheme["unit_fen"].as_i64().unwrap()).min(scheme["cap_fen"].as_i64().unwrap())
        }
    };
    let team = award * scheme["team_share"].as_i64().unwrap() / 100;
    (
        total,
        grade
            .map(|g| g["name"].as_str().unwrap().to_owned())
            .unwrap_or_default(),
        award,
        team,
    )
}

#[tokio::test]
async fn a_list_from_scheme_to_paid_awards_each_reproducible() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    // A budget line of ¥100,000 for the year.
    let (s, v) = post(
        &t,
        &d,
        "/api/v1/purchase/budget-lines",
        json!({"year": YEAR, "code": "YJDB", "name": "以奖代补资金", "amount": "100000"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let line = v["id"].as_i64().unwrap();
    let (s, v) = post(
        &t,
        &d,
        "/api/v1/award-lists",
        json!({
            "year": YEAR, "subject": "community", "title": "测试以奖代补", "notice_days": 0,
            "budget_line": line, "scheme": scheme()
        }),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let base = format!("/api/v1/award-lists/{id}");
    // One list per year and kind of subject.
    let (s, _) = post(&t, &d, "/api/v1/award-lists", json!({
        "year": YEAR, "subject": "community", "title": "重复", "notice_days": 0, "scheme": scheme()
    }))
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // Editing the draft's scheme makes a new version; points must sum to 100.
    let mut bad = scheme();
    bad["indicators"][0]["points"] = json!(50);
    let (s, v) = put(
        &t,
        &d,
        &format!("{base}/scheme"),
        json!({"notice_days": 0, "budget_line": line, "scheme": bad}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-award-points-sum".to_owned()]
        )
    );
    let (s, _) = put(
        &t,
        &d,
        &format!("{base}/scheme"),
        json!({"notice_days": 0, "budget_line": line, "scheme": scheme()}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let v = t.api("GET", &base, Some(&d), None).await.json();
    assert_eq!(v["list"]["scheme_version"], 2);
    assert_eq!(
        post(
            &t,
            &d,
            &format!("{base}/transitions"),
            json!({"event": "open"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    // Once scoring begins, the scheme is fixed.
    let (s, v) = put(
        &t,
        &d,
        &format!("{base}/scheme"),
        json!({"notice_days": 0, "budget_line": line, "scheme": scheme()}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::CONFLICT,
            vec!["err-award-scheme-fixed".to_owned()]
        )
    );
    // Three communities of the demo street.
    let communities: Vec<String> = {
        let mut c = t.app.db.acquire().await.unwrap();
        sanshe_store::areas::children(&mut c, sanshe_app::demo::DEMO_STREET, 0)
            .await
            .unwrap()
            .into_iter()
            .take(3)
            .map(|a| a.code)
            .collect()
    };
    let scores = [[40, 58], [38, 55], [30, 35]];
    for (c, s) in communities.iter().zip(scores) {
        let (st, v) = put(
            &t,
            &d,
            &format!("{base}/entries"),
            json!({"subject": c, "scores": {"platform": s[0], "service": s[1]}}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{v}");
    }
    let (st, v) = put(
        &t,
        &d,
        &format!("{base}/entries"),
        json!({"subject": "320411000000", "scores": {"platform": 1, "service": 1}}),
    )
    .await;
    assert_eq!(
        (st, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-award-subject".to_owned()]
        )
    );
    let (st, v) = put(
        &t,
        &d,
        &format!("{base}/entries"),
        json!({"subject": &communities[0], "scores": {"platform": 41, "service": 1}}),
    )
    .await;
    assert_eq!(
        (st, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-eval-score-range".to_owned()]
        )
    );
    assert_eq!(
        post(
            &t,
            &d,
            &format!("{base}/transitions"),
            json!({"event": "announce"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    // Paying before publication is refused.
    let v = t.api("GET", &base, Some(&d), None).await.json();
    let first = v["entries"][0]["id"].as_i64().unwrap();
    let (s, v2) = post(
        &t,
        &d,
        &format!("/api/v1/award-entries/{first}/pay"),
        json!({"voucher": "PZ-1"}),
    )
    .await;
    assert_eq!(
        (s, codes(&v2)),
        (
            StatusCode::CONFLICT,
            vec!["err-award-not-published".to_owned()]
        )
    );
    assert_eq!(
        post(
            &t,
            &d,
            &format!("{base}/transitions"),
            json!({"event": "publish"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    // Every published award, recomputed independently from the published scores and scheme.
    let street = t.token_for("street").await;
    let v = t.api("GET", &base, Some(&street), None).await.json();
    assert_eq!(v["entries"].as_array().unwrap().len(), 3);
    for e in v["entries"].as_array().unwrap() {
        let s: Vec<i64> = e["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        let (total, grade, award, team) = recompute(&v["scheme"], &s);
        assert_eq!(e["total"].as_i64().unwrap(), total, "{e}");
        assert_eq!(e["grade"].as_str().unwrap(), grade, "{e}");
        assert_eq!(e["award_fen"].as_i64().unwrap(), award, "{e}");
        assert_eq!(e["team_fen"].as_i64().unwrap(), team, "{e}");
        assert!(!e["formula"].as_str().unwrap().is_empty());
    }
    // 98 → A+ ¥70,000; 93 → A ¥50,000; 65 → nothing.
    let awards: Vec<i64> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["award_fen"].as_i64().unwrap())
        .collect();
    assert_eq!(awards, [7_000_000, 5_000_000, 0]);
    // The ¥70,000 is paid once under parallel requests; the ¥50,000 would overdraw the
    // ¥100,000 line and is refused with nothing written.
    let t = Arc::new(t);
    let out = parallel(6, |i| {
        let t = t.clone();
        let d = d.clone();
        async move {
            t.api(
                "POST",
                &format!("/api/v1/award-entries/{first}/pay"),
                Some(&d),
                Some(json!({"voucher": format!("PZ-{i}")})),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(out.get(&204), Some(&1), "{out:?}");
    assert_eq!(out.get(&409), Some(&5), "{out:?}");
    let second = v["entries"][1]["id"].as_i64().unwrap();
    let (s, v2) = post(
        &t,
        &d,
        &format!("/api/v1/award-entries/{second}/pay"),
        json!({"voucher": "PZ-9"}),
    )
    .await;
    assert_eq!(
        (s, codes(&v2)),
        (StatusCode::CONFLICT, vec!["err-budget-exceeded".to_owned()])
    );
    let v = t.api("GET", &base, Some(&d), None).await.json();
    assert_eq!(v["list"]["paid_fen"], 7_000_000);
    assert!(v["entries"][1]["paid_on"].is_null());
    let third = v["entries"][2]["id"].as_i64().unwrap();
    let (s, v2) = post(
        &t,
        &d,
        &format!("/api/v1/award-entries/{third}/pay"),
        json!({"voucher": "PZ-0"}),
    )
    .await;
    assert_eq!(
        (s, codes(&v2)),
        (StatusCode::CONFLICT, vec!["err-award-nothing".to_owned()])
    );
    assert!(t.audit_count("award_list.pay").await >= 1);
}

#[test]
fn the_formula_mode_is_reproduced_too() {
    let mut s = scheme();
    s["mode"] = json!("formula");
    let domain: sanshe_domain::award::Scheme = serde_json::from_value(s.clone()).unwrap();
    for scores in [[40, 60], [20, 50], [10, 10], [35, 60]] {
        let c = sanshe_domain::award::compute(&domain, &scores);
        assert_eq!(
            (c.total, c.grade, c.award_fen, c.team_fen),
            recompute(&s, &scores),
            "{scores:?}"
        );
    }
}

#[tokio::test]
async fn the_demo_list_its_pages_and_the_portal() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let lists = t
        .api("GET", "/api/v1/award-lists", Some(&d), None)
        .await
        .json();
    let demo = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["state"] == "published")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let v = t
        .api(
            "GET",
            &format!("/api/v1/award-lists/{demo}"),
            Some(&d),
            None,
        )
        .await
        .json();
    assert!(v["entries"].as_array().unwrap().len() >= 10);
    for e in v["entries"].as_array().unwrap() {
        let s: Vec<i64> = e["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        assert_eq!(
            recompute(&v["scheme"], &s).2,
            e["award_fen"].as_i64().unwrap()
        );
    }
    for user in ["district", "street", "community"] {
        let mut s = t.login(user).await;
        for lang in ["zh-CN", "en"] {
            t.post(&mut s, &format!("/lang/{lang}"), &[("next", "/")])
                .await;
            for p in ["/award-lists".to_owned(), format!("/award-lists/{demo}")] {
                let r = t.get(&mut s, &p).await;
                assert_eq!(r.status, StatusCode::OK, "{user} {lang} {p}");
                assert!(
                    r.body.find(">award-").is_none(),
                    "{user} {lang} {p}: an untranslated key"
                );
            }
        }
    }
    // A bad scheme line is reported on the form.
    let mut s = t.login("district").await;
    let r = t
        .post(
            &mut s,
            "/award-lists",
            &[
                ("title", "新名单"),
                ("year", "2033"),
                ("subject", "street"),
                ("notice_days", "5"),
                ("indicators", "platform,平台"),
                ("grades", "A,90,1000"),
                ("mode", "table"),
                ("unit", "0"),
                ("cap", "0"),
                ("team_share", "60"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("platform,平台"));
    let mut anon = crate::common::Session::default();
    let r = t.get(&mut anon, "/public/awards").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("以奖代补"));
    assert!(
        r.body.contains("≥ 95 → ¥70000")
            || r.body.contains("≥ 90 → ¥50000")
            || r.body.contains("→ ¥20000")
    );
    let r = t
        .get(&mut s, &format!("/award-lists/{demo}/export/csv"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn the_harmonious_community_assessment_draws_on_the_platform() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let cm = t.token_for("community").await;
    let lists = t
        .api("GET", "/api/v1/award-lists", Some(&cm), None)
        .await
        .json();
    // The community's staff see this year's assessment while it is scored.
    let id = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["state"] == "scoring")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/award-lists/{id}");
    let home = crate::routes::COMMUNITY;
    // Self-assessment: only the indicators scored by hand; a platform figure cannot be typed.
    let (s, v) = put(
        &t,
        &cm,
        &format!("{base}/self"),
        json!({"scores": {"governance": 19, "satisfaction": 14, "station": 15}}),
    )
    .await;
    assert_eq!(
        (s, codes(&v)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["err-eval-indicator-unknown".to_owned()]
        )
    );
    assert_eq!(
        put(
            &t,
            &cm,
            &format!("{base}/self"),
            json!({"scores": {"governance": 19, "satisfaction": 14}})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let v = t.api("GET", &base, Some(&d), None).await.json();
    let mine = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == home)
        .unwrap()
        .clone();
    assert_eq!(mine["self_scores"], "governance=19,satisfaction=14");
    // A new service station in a community without one: filling from the platform gives it
    // the station's points, and keeps the hand-scored points.
    let idx = v["scheme"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .position(|i| i["code"] == "station")
        .unwrap();
    let without = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["scores"][idx] == 0 && e["subject"] != home)
        .unwrap()
        .clone();
    let code = without["subject"].as_str().unwrap().to_owned();
    let r = t
        .api(
            "POST",
            "/api/v1/facilities",
            Some(&d),
            Some(
                json!({"area": code, "name": "考评新建服务站", "kind": "station", "area_m2": 150}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (s, v2) = post(&t, &d, &format!("{base}/fill"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v2}");
    let v = t.api("GET", &base, Some(&d), None).await.json();
    let after = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == code.as_str())
        .unwrap()
        .clone();
    assert_eq!(after["scores"][idx], 15);
    let hand: Vec<usize> = v["scheme"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, i)| i["source"] == "")
        .map(|(n, _)| n)
        .collect();
    for n in &hand {
        assert_eq!(after["scores"][*n], without["scores"][*n]);
    }
    // The demo community's self-assessed points stand until the district scores them.
    let mine = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == home)
        .unwrap()
        .clone();
    assert_eq!(
        (
            mine["scores"][hand[0]].as_i64(),
            mine["scores"][hand[1]].as_i64()
        ),
        (Some(19), Some(14))
    );
    // Notice, an appeal, the district's answer correcting the points; one appeal only.
    assert_eq!(
        post(
            &t,
            &d,
            &format!("{base}/transitions"),
            json!({"event": "announce"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let entry = mine["id"].as_i64().unwrap();
    let other = after["id"].as_i64().unwrap();
    let (s, _) = post(
        &t,
        &cm,
        &format!("/api/v1/award-entries/{other}/appeal"),
        json!({"text": "不是本社区"}),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(
        post(
            &t,
            &cm,
            &format!("/api/v1/award-entries/{entry}/appeal"),
            json!({"text": "满意度调查样本偏少"})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (s, v2) = post(
        &t,
        &cm,
        &format!("/api/v1/award-entries/{entry}/appeal"),
        json!({"text": "再次申诉"}),
    )
    .await;
    assert_eq!(
        (s, codes(&v2)),
        (StatusCode::CONFLICT, vec!["err-award-appealed".to_owned()])
    );
    assert_eq!(
        post(
            &t,
            &d,
            &format!("/api/v1/award-entries/{entry}/answer"),
            json!({"text": "复核后调整", "scores": {"governance": 19, "satisfaction": 15}})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let v = t.api("GET", &base, Some(&cm), None).await.json();
    let mine = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["subject"] == home)
        .unwrap()
        .clone();
    assert_eq!(mine["scores"][hand[1]], 15);
    assert_eq!(mine["appeal_answer"], "复核后调整");
    let s: Vec<i64> = mine["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    assert_eq!(
        recompute(&v["scheme"], &s).2,
        mine["award_fen"].as_i64().unwrap()
    );
    // The page shows the per-street chart.
    let mut sd = t.login("district").await;
    let r = t.get(&mut sd, &format!("/award-lists/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("各街道平均得分"));
}

#[tokio::test]
async fn a_self_assessment_never_changes_what_the_district_scored() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let cm = t.token_for("community").await;
    let lists = t
        .api("GET", "/api/v1/award-lists", Some(&d), None)
        .await
        .json();
    let id = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["state"] == "scoring")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/award-lists/{id}");
    let home = crate::routes::COMMUNITY;
    // The district scores the community 0 on both hand-scored indicators.
    let (s, v) = put(
        &t,
        &d,
        &format!("{base}/entries"),
        json!({"subject": home, "scores": {"governance": 0, "satisfaction": 0}}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let before = v["total"].as_i64().unwrap();
    assert_eq!(
        put(
            &t,
            &cm,
            &format!("{base}/self"),
            json!({"scores": {"governance": 20, "satisfaction": 15}})
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    post(&t, &d, &format!("{base}/fill"), json!({})).await;
    let v = t.api("GET", &base, Some(&cm), None).await.json();
    // While scored, the community sees its own entry only.
    assert_eq!(v["entries"].as_array().unwrap().len(), 1);
    let mine = &v["entries"][0];
    assert_eq!(mine["subject"], home);
    assert_eq!(mine["total"].as_i64().unwrap(), before);
    assert_eq!(mine["self_scores"], "governance=20,satisfaction=15");
}

#[tokio::test]
async fn a_communitys_purchased_services_count_by_their_evaluations() {
    use sqlx::Row;
    let t = T::new().await;
    let year: i64 = sanshe_app::calendar::today().to_string()[..4]
        .parse()
        .unwrap();
    let mut c = t.app.db.acquire().await.unwrap();
    // Each decided evaluation this year, counted once per community its project serves.
    let rows = sqlx::query(
        "SELECT pc.area_code, e.grade, e.decided_on FROM evaluations e \
         JOIN contracts k ON k.id = e.contract_id \
         JOIN project_communities pc ON pc.project_id = k.project_id \
         WHERE e.state IN ('final', 'published') AND e.stage <> 'pre'",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap();
    let mut want: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for r in &rows {
        let on: String = r.try_get("decided_on").unwrap();
        if !on.starts_with(&year.to_string()) {
            continue;
        }
        let area: String = r.try_get("area_code").unwrap();
        let grade: String = r.try_get("grade").unwrap();
        let w = want.entry(area).or_default();
        w.0 += 1;
        if grade != "poor" {
            w.1 += 1;
        }
    }
    assert!(
        want.values().any(|w| w.1 < w.0),
        "the demo's failed mid-term serves a community: {want:?}"
    );
    let got = sanshe_app::purchase::award_lists::figures(&mut c, "320412", year, 12)
        .await
        .unwrap();
    for (area, (n, passed)) in &want {
        let f = got[area];
        assert_eq!((f.evaluated, f.evaluated_passed), (*n, *passed), "{area}");
    }
    assert_eq!(
        got.values().map(|f| f.evaluated).sum::<i64>(),
        want.values().map(|w| w.0).sum::<i64>()
    );
}

#[tokio::test]
async fn a_district_wide_list_is_paged_and_filtered_by_street() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let lists = t
        .api("GET", "/api/v1/award-lists", Some(&d), None)
        .await
        .json();
    let id = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["state"] == "scoring")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let all = t
        .api("GET", &format!("/api/v1/award-lists/{id}"), Some(&d), None)
        .await
        .json();
    let entries = all["entries"].as_array().unwrap().clone();
    assert!(!entries.is_empty(), "{all}");
    let street: String = entries[0]["subject"].as_str().unwrap()[..9].to_owned();
    let in_street = entries
        .iter()
        .filter(|e| e["subject"].as_str().unwrap().starts_with(&street))
        .count();
    let mut s = t.login("district").await;
    let page = t
        .get(&mut s, &format!("/award-lists/{id}?street={street}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    // Each shown entry is a row of the entries' table.
    let shown = entries
        .iter()
        .filter(|e| {
            page.body
                .contains(&format!("<td>{}", e["subject_name"].as_str().unwrap()))
        })
        .count();
    assert_eq!(shown, in_street, "{}", page.body);
    assert!(page.body.contains(&format!("value=\"{street}\" selected")));
    assert!(
        page.body
            .contains(&format!("共 {in_street} 条，显示第 1–{in_street} 条")),
        "{}",
        page.body
    );
    // The whole list runs over pages of fifty.
    let page = t.get(&mut s, &format!("/award-lists/{id}?page=2")).await;
    let total = entries.len();
    assert!(total > 50, "{total}");
    assert!(
        page.body
            .contains(&format!("显示第 51–{} 条", total.min(100))),
        "{}",
        page.body
    );
    // A name that matches nothing shows the empty state, not an error.
    let page = t
        .get(
            &mut s,
            &format!("/award-lists/{id}?q=%E4%B8%8D%E5%AD%98%E5%9C%A8"),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("class=\"empty\""), "{}", page.body);
}

#[tokio::test]
async fn scores_come_from_a_sheet_all_or_nothing() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let lists = t
        .api("GET", "/api/v1/award-lists", Some(&d), None)
        .await
        .json();
    let id = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["state"] == "scoring")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let before = list_of(&t, &d, id).await;
    let entries = before["entries"].as_array().unwrap().clone();
    let (a, b) = (
        entries[0]["subject"].as_str().unwrap().to_owned(),
        entries[1]["subject"].as_str().unwrap().to_owned(),
    );
    let import = |csv: String, q: &'static str| {
        let (t, d) = (&t, d.clone());
        async move {
            let r = t
                .api_raw(
                    "POST",
                    &format!("/api/v1/award-lists/{id}/scores/import{q}"),
                    &d,
                    csv.into_bytes(),
                )
                .await;
            (r.status, r.json())
        }
    };
    // Every bad row is reported, and nothing is written.
    let bad = format!(
        "对象编码,对象名称,指标,得分\n{a},,governance,18\n{a},,居民满意度,14\n999999999999,,governance,10\n{b},,station,15\n{b},,governance,99\n{a},,governance,17\n"
    );
    let (s, r) = import(bad.clone(), "").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let codes: Vec<&str> = r["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    for c in [
        "err-award-import-subject",
        "err-award-import-platform",
        "err-duplicate-in-file",
    ] {
        assert!(codes.contains(&c), "{c}: {r}");
    }
    assert_eq!(r["committed"], false);
    assert_eq!(list_of(&t, &d, id).await["entries"], before["entries"]);
    // Only the clean subjects, when asked: neither subject is clean here.
    let (_, r) = import(bad, "?only_valid=true").await;
    assert_eq!(r["inserted"], 0, "{r}");
    assert_eq!(list_of(&t, &d, id).await["entries"], before["entries"]);
    // A clean sheet scores both subjects as the page would: platform points kept, the hand
    // scores replaced; a dry run first writes nothing.
    let good = format!(
        "对象编码,对象名称,指标,得分\n{a},某社区,governance,18\n{a},某社区,satisfaction,14\n{b},,governance,11\n"
    );
    let (s, r) = import(good.clone(), "?dry_run=true").await;
    assert_eq!(
        (s, r["valid_rows"].as_i64()),
        (StatusCode::OK, Some(3)),
        "{r}"
    );
    assert_eq!(list_of(&t, &d, id).await["entries"], before["entries"]);
    let (s, r) = import(good, "").await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["inserted"], 2);
    let after = list_of(&t, &d, id).await;
    let entry = |v: &Value, k: &str| {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["subject"] == k)
            .unwrap()
            .clone()
    };
    let codes: Vec<String> = after["scheme"]["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect();
    let pos = |c: &str| codes.iter().position(|x| x == c).unwrap();
    let (ea, eb) = (entry(&after, &a), entry(&after, &b));
    assert_eq!(ea["scores"][pos("governance")], 18, "{ea}");
    assert_eq!(ea["scores"][pos("satisfaction")], 14, "{ea}");
    assert_eq!(eb["scores"][pos("governance")], 11, "{eb}");
    // b's satisfaction stays as it was recorded; the platform's points are untouched.
    let old_b = entry(&before, &b);
    assert_eq!(
        eb["scores"][pos("satisfaction")],
        old_b["scores"][pos("satisfaction")]
    );
    assert_eq!(
        eb["scores"][pos("station")],
        old_b["scores"][pos("station")]
    );
    let sum: i64 = eb["scores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .sum();
    assert_eq!(eb["total"], sum);
    // The sheet to fill in lists every subject with its hand-scored indicators.
    let mut s = t.login("district").await;
    let sheet = t
        .get(&mut s, &format!("/award-lists/{id}/score-sheet/csv"))
        .await;
    assert_eq!(sheet.status, StatusCode::OK);
    assert!(sheet.body.contains("对象编码"), "{}", sheet.body);
    assert!(sheet.body.contains(&format!("{a},")), "{}", sheet.body);
    assert!(
        !sheet.body.contains(",station,"),
        "platform figures are not typed"
    );
}

async fn list_of(t: &T, d: &str, id: i64) -> Value {
    t.api("GET", &format!("/api/v1/award-lists/{id}"), Some(d), None)
        .await
        .json()
}

/// How many notices of a kind an account holds.
async fn notices(t: &T, user: &str, kind: &str) -> i64 {
    use sqlx::Row;
    let uid = t.user_id(user).await;
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query("SELECT COUNT(*) AS n FROM inbox WHERE user_id = $1 AND kind = $2")
        .bind(uid)
        .bind(kind)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

#[tokio::test]
async fn officers_are_reminded_once_of_a_notice_over_and_a_review_due() {
    let t = T::new().await;
    let today = sanshe_app::calendar::today().to_string();
    {
        let mut c = t.app.db.acquire().await.unwrap();
        // Last year's list back on a notice that ended yesterday; a rating's review request
        // due today.
        sqlx::query(
            "UPDATE award_lists SET state = 'notice', notice_until = '2000-01-01' \
             WHERE id = (SELECT MIN(id) FROM award_lists WHERE state = 'published')",
        )
        .execute(&mut *c)
        .await
        .unwrap();
        sqlx::query(
            "UPDATE ratings SET review_text = '请复核', review_due = $1, review_answer = '' \
             WHERE id = (SELECT MIN(id) FROM ratings)",
        )
        .bind(&today)
        .execute(&mut *c)
        .await
        .unwrap();
    }
    for _ in 0..2 {
        sanshe_app::purchase::dashboard::remind(&t.app)
            .await
            .unwrap();
    }
    assert_eq!(
        notices(&t, "district", "reminder.award_notice_over").await,
        1
    );
    assert_eq!(notices(&t, "district", "reminder.rating_review").await, 1);
}

#[tokio::test]
async fn evidence_stands_behind_an_entrys_hand_scores_and_only_its_parties_see_it() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let cm = t.token_for("community").await;
    let lists = t
        .api("GET", "/api/v1/award-lists", Some(&cm), None)
        .await
        .json();
    let id = lists["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["state"] == "scoring")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let base = format!("/api/v1/award-lists/{id}");
    let home = crate::routes::COMMUNITY;
    let (s, _) = put(
        &t,
        &cm,
        &format!("{base}/self"),
        json!({"scores": {"governance": 18, "satisfaction": 13}}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let v = t.api("GET", &base, Some(&d), None).await.json();
    let entry = |pick: &dyn Fn(&Value) -> bool| {
        v["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| pick(e))
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let mine = entry(&|e| e["subject"] == home);
    let other = entry(&|e| e["subject"] != home);
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let up = |e: i64| format!("/api/v1/award-entries/{e}/attachments?file_name=minutes.pdf");
    // The community adds the minutes behind its own self-assessment, the officer a photo
    // to another community's; another community's entry is out of the community's reach.
    let r = t.api_raw("POST", &up(mine), &cm, pdf.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = t.api_raw("POST", &up(other), &cm, pdf.clone()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = t.api_raw("POST", &up(other), &d, pdf.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Not a document: refused, nothing stored.
    let r = t
        .api_raw(
            "POST",
            &up(mine),
            &cm,
            b"MZ\x90\x00 not a document".to_vec(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let files = t
        .api(
            "GET",
            &format!("/api/v1/award-entries/{mine}/attachments"),
            Some(&d),
            None,
        )
        .await;
    assert_eq!(files.status, StatusCode::OK, "{}", files.body);
    assert_eq!(files.json().as_array().unwrap().len(), 1, "{}", files.body);
    let aid = files.json()[0]["id"].as_i64().unwrap();
    let got = t
        .api(
            "GET",
            &format!("/api/v1/award-entries/{mine}/attachments/{aid}"),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.body.starts_with("%PDF"), "{}", got.body);
    // A street's staff, an organization: not theirs to read.
    for who in ["street", "org"] {
        let tok = t.token_for(who).await;
        let r = t
            .api(
                "GET",
                &format!("/api/v1/award-entries/{mine}/attachments"),
                Some(&tok),
                None,
            )
            .await;
        assert!(
            matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{who}: {}",
            r.status
        );
    }
    assert_eq!(t.audit_count("award_entry.attach").await, 2);
    // The entry's page lists the file and takes an upload from the phone.
    let mut s = t.login("community").await;
    let page = t.get(&mut s, &format!("/award-entries/{mine}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("minutes.pdf"), "{}", page.body);
    s.csrf = crate::common::csrf_in(&page.body);
    let r = t
        .post_upload(
            &mut s,
            &format!("/award-entries/{mine}/attachments"),
            "file",
            "site.pdf",
            &pdf,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Once the list leaves scoring, evidence is closed.
    let (s2, v2) = post(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "announce"}),
    )
    .await;
    assert_eq!(s2, StatusCode::NO_CONTENT, "{v2}");
    let r = t.api_raw("POST", &up(mine), &cm, pdf).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(codes(&r.json()), ["err-award-evidence-closed"]);
}

#[tokio::test]
async fn a_street_list_draws_its_figures_from_its_communities() {
    let t = T::new().await;
    let d = t.token_for("district").await;
    let year = sanshe_app::calendar::today().year() as i64;
    let scheme = json!({
        "indicators": [
            {"code": "station", "name": "服务站覆盖", "points": 40, "source": "station"},
            {"code": "orgs", "name": "社区社会组织", "points": 30, "source": "community_orgs", "target": 2},
            {"code": "work", "name": "工作实绩", "points": 30}
        ],
        "grades": [{"name": "优秀", "min": 80, "award_fen": 2000000}, {"name": "合格", "min": 60, "award_fen": 500000}],
        "mode": "table", "unit_fen": 0, "cap_fen": 0, "team_share": 0
    });
    let (s, v) = post(
        &t,
        &d,
        "/api/v1/award-lists",
        json!({"year": year, "subject": "street", "title": "街道考评", "notice_days": 0, "scheme": scheme}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let base = format!("/api/v1/award-lists/{}", v["id"]);
    let (s, _) = post(
        &t,
        &d,
        &format!("{base}/transitions"),
        json!({"event": "open"}),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, v) = post(&t, &d, &format!("{base}/fill"), json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Recomputed from the communities' own figures: a street's share of communities with a
    // station, and its organizations against two per community.
    let mut c = t.app.db.acquire().await.unwrap();
    let communities = sanshe_app::purchase::award_lists::figures(&mut c, "320412", year, 12)
        .await
        .unwrap();
    drop(c);
    let v = t.api("GET", &base, Some(&d), None).await.json();
    let entries = v["entries"].as_array().unwrap();
    assert!(entries.len() > 3, "{v}");
    let mut some_partial = false;
    for e in entries {
        let street = e["subject"].as_str().unwrap();
        let mine: Vec<_> = communities
            .iter()
            .filter(|(k, _)| k.len() == 12 && k.starts_with(street))
            .map(|(_, f)| *f)
            .collect();
        let n = mine.len().max(1) as i64;
        let with: i64 = mine.iter().map(|f| f.station).sum();
        let orgs: i64 = mine.iter().map(|f| f.community_orgs).sum();
        let want = [40 * with / n, 30 * orgs.min(2 * n) / (2 * n), 0];
        let got: Vec<i64> = e["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        assert_eq!(
            got,
            want,
            "{street}: {} communities, {with} with a station, {mine:?}",
            mine.len()
        );
        some_partial |= want[0] > 0 && want[0] < 40;
    }
    assert!(
        some_partial,
        "a street with some communities lacking a station: {v}"
    );
    // A street counts each evaluation once, however many of its communities the project serves.
    let mut c = t.app.db.acquire().await.unwrap();
    let rows = sanshe_store::award_lists::evaluations_of(&mut c, "320412", year)
        .await
        .unwrap();
    let streets = sanshe_app::purchase::award_lists::figures(&mut c, "320412", year, 9)
        .await
        .unwrap();
    let mut want: std::collections::BTreeMap<String, std::collections::BTreeSet<i64>> =
        Default::default();
    for (id, area, _) in &rows {
        want.entry(area[..9].to_owned()).or_default().insert(*id);
    }
    assert!(
        !want.is_empty(),
        "the demo's evaluations this year serve some streets"
    );
    for (street, ids) in &want {
        assert_eq!(streets[street].evaluated, ids.len() as i64, "{street}");
    }
}
