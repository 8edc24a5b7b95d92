//! The registries and the target dashboard, through the API and pages, on the real
//! database: targets against an independent recomputation from raw rows, personal data
//! at rest and in every output, identifier validation, messy spreadsheets, snapshots and
//! the fund ledger.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Hours string → shortest open working day (Monday–Friday; else any open day) in minutes,
/// 0 when never open; computed here without the product's parser.
fn min_daily(hours: &str) -> i64 {
    let days: Vec<&str> = hours.split(',').collect();
    let open = |ds: &[&str]| -> Vec<i64> {
        ds.iter()
            .filter(|d| !d.is_empty())
            .map(|d| {
                let (a, b) = d.split_once('-').unwrap();
                let m = |t: &str| {
                    let (h, mi) = t.split_once(':').unwrap();
                    h.parse::<i64>().unwrap() * 60 + mi.parse::<i64>().unwrap()
                };
                m(b) - m(a)
            })
            .collect()
    };
    let weekdays = open(&days[..days.len().min(5)]);
    let all = open(&days);
    weekdays
        .iter()
        .min()
        .or(all.iter().min())
        .copied()
        .unwrap_or(0)
}

struct Raw {
    areas: Vec<(String, String, bool)>,
    residents: HashMap<String, i64>,
    facilities: Vec<(String, String, i64, String, String)>,
    orgs: Vec<(Option<String>, String, bool, String)>,
    posts: Vec<(String, bool, bool, Option<String>)>,
    bases: Vec<String>,
    federations: Vec<String>,
    workers: Vec<(Option<String>, String, String)>,
    subsidies: Vec<Option<String>>,
}

async fn raw(t: &T, year: i64) -> Raw {
    let mut c = t.app.db.acquire().await.unwrap();
    let q = |s: &'static str| sqlx::query(s);
    let areas = q("SELECT code, level, urban FROM areas")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("code"), r.get("level"), r.get::<i64, _>("urban") != 0))
        .collect();
    let residents =
        sqlx::query("SELECT area_code, residents FROM area_populations WHERE year = $1")
            .bind(year)
            .fetch_all(&mut *c)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("area_code"), r.get("residents")))
            .collect();
    let facilities = q("SELECT area_code, kind, area_m2_centi, hours, status FROM facilities")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get("area_code"),
                r.get("kind"),
                r.get("area_m2_centi"),
                r.get("hours"),
                r.get("status"),
            )
        })
        .collect();
    let orgs = q("SELECT area_code, kind, community_org, status FROM organizations")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.get("area_code"),
                r.get("kind"),
                r.get::<i64, _>("community_org") != 0,
                r.get("status"),
            )
        })
        .collect();
    let posts = q(
        "SELECT p.area_code, p.professional, p.committee, w.cert_level FROM posts p \
                   LEFT JOIN social_workers w ON w.id = p.holder_id",
    )
    .fetch_all(&mut *c)
    .await
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.get("area_code"),
            r.get::<i64, _>("professional") != 0,
            r.get::<i64, _>("committee") != 0,
            r.get("cert_level"),
        )
    })
    .collect();
    let col = |rows: Vec<sqlx::any::AnyRow>| -> Vec<String> {
        rows.iter().map(|r| r.get::<String, _>(0)).collect()
    };
    let bases = col(q("SELECT area_code FROM incubation_bases")
        .fetch_all(&mut *c)
        .await
        .unwrap());
    let federations = col(q("SELECT area_code FROM federations")
        .fetch_all(&mut *c)
        .await
        .unwrap());
    let workers = q("SELECT area_code, cert_level, status FROM social_workers")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("area_code"), r.get("cert_level"), r.get("status")))
        .collect();
    let subsidies = q("SELECT area_code FROM worker_subsidies")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("area_code"))
        .collect();
    Raw {
        areas,
        residents,
        facilities,
        orgs,
        posts,
        bases,
        federations,
        workers,
        subsidies,
    }
}

fn pct(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| ((n as f64 * 100.0 / d as f64) * 100.0).round() / 100.0)
}

/// Every target's overall value for the subtree `p`, from raw rows.
fn recompute(raw: &Raw, p: &str) -> HashMap<&'static str, Option<f64>> {
    let inside = |c: &str| c.starts_with(p);
    let comms: Vec<&(String, String, bool)> = raw
        .areas
        .iter()
        .filter(|(c, l, _)| l == "community" && inside(c))
        .collect();
    let comm_set: HashSet<&str> = comms.iter().map(|(c, _, _)| c.as_str()).collect();
    let streets: Vec<&str> = raw
        .areas
        .iter()
        .filter(|(c, l, _)| l == "street" && inside(c))
        .map(|(c, _, _)| c.as_str())
        .collect();
    let active: Vec<_> = raw
        .facilities
        .iter()
        .filter(|f| f.4 == "active" && inside(&f.0))
        .collect();
    let residents: i64 = comms
        .iter()
        .map(|(c, _, _)| raw.residents.get(c).copied().unwrap_or(0))
        .sum();
    let area: i64 = active.iter().map(|f| f.2).sum();
    let mut per_comm: HashMap<&str, i64> = HashMap::new();
    for f in &active {
        if comm_set.contains(f.0.as_str()) {
            *per_comm.entry(f.0.as_str()).or_default() += f.2;
        }
    }
    let area_ok = comms
        .iter()
        .filter(|(c, _, _)| per_comm.get(c.as_str()).copied().unwrap_or(0) >= 60_000)
        .count();
    let comprehensive: Vec<_> = active
        .iter()
        .filter(|f| f.1 == "center" || f.1 == "station")
        .collect();
    let hours_ok = comprehensive
        .iter()
        .filter(|f| min_daily(&f.3) >= 480)
        .count();
    let with_center = streets
        .iter()
        .filter(|s| active.iter().any(|f| f.0 == **s && f.1 == "center"))
        .count();
    let with_station = comms
        .iter()
        .filter(|(c, _, _)| active.iter().any(|f| &f.0 == c && f.1 == "station"))
        .count();
    let with_base = streets
        .iter()
        .filter(|s| raw.bases.iter().any(|b| b == *s))
        .count();
    let corgs = raw
        .orgs
        .iter()
        .filter(|o| o.2 && o.3 == "active" && o.0.as_deref().is_some_and(|a| comm_set.contains(a)))
        .count();
    let posts: Vec<_> = raw
        .posts
        .iter()
        .filter(|x| comm_set.contains(x.0.as_str()))
        .collect();
    let professional = posts.iter().filter(|x| x.1).count();
    let committee: Vec<_> = posts.iter().filter(|x| x.2 && x.3.is_some()).collect();
    let certified = committee
        .iter()
        .filter(|x| x.3.as_deref().is_some_and(|l| l != "none"))
        .count();
    let mut m = HashMap::new();
    m.insert(
        "facility_area_per_1000_residents",
        (residents > 0)
            .then(|| ((area as f64 / 100.0 * 1000.0 / residents as f64) * 100.0).round() / 100.0),
    );
    m.insert("facility_area_total", pct(area_ok, comms.len()));
    m.insert("facility_opening_hours", pct(hours_ok, comprehensive.len()));
    m.insert("street_center_coverage", pct(with_center, streets.len()));
    m.insert("community_station_coverage", pct(with_station, comms.len()));
    m.insert("incubation_base_share", pct(with_base, streets.len()));
    m.insert(
        "orgs_per_community",
        (!comms.is_empty()).then(|| ((corgs as f64 / comms.len() as f64) * 100.0).round() / 100.0),
    );
    m.insert("professional_post_share", pct(professional, posts.len()));
    m.insert("committee_certified_share", pct(certified, committee.len()));
    m.insert(
        "federations",
        Some(raw.federations.iter().filter(|a| inside(a)).count() as f64),
    );
    m.insert(
        "foundations",
        Some(
            raw.orgs
                .iter()
                .filter(|o| {
                    o.1 == "foundation" && o.3 == "active" && o.0.as_deref().is_some_and(inside)
                })
                .count() as f64,
        ),
    );
    m.insert(
        "certified_social_workers",
        Some(
            raw.workers
                .iter()
                .filter(|w| w.1 != "none" && w.2 == "active" && w.0.as_deref().is_some_and(inside))
                .count() as f64,
        ),
    );
    m.insert(
        "certification_subsidies",
        Some(
            raw.subsidies
                .iter()
                .filter(|a| a.as_deref().is_some_and(inside))
                .count() as f64,
        ),
    );
    m
}

fn compare(api: &Value, expected: &HashMap<&'static str, Option<f64>>, what: &str) {
    let targets = api["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 13, "{what}: 13 targets");
    for t in targets {
        let key = t["key"].as_str().unwrap();
        let want = expected[key];
        let got = t["value"].as_f64();
        match (want, got) {
            (Some(a), Some(b)) => {
                assert!((a - b).abs() < 0.006, "{what} {key}: API {b}, raw rows {a}")
            }
            (None, None) => {}
            _ => panic!("{what} {key}: API {got:?}, raw rows {want:?}"),
        }
    }
}

#[tokio::test]
async fn dashboard_numbers_match_an_independent_recomputation() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let r = t
        .api("GET", "/api/v1/targets?area=320412", Some(&tok), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    let year = j["year"].as_i64().unwrap();
    assert_eq!(j["source"], "live");
    let raw = raw(&t, year).await;
    compare(&j["area"], &recompute(&raw, "320412"), "district");
    // The demo tells a story: some targets met, some short.
    let statuses: HashSet<&str> = j["area"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains("met") && statuses.contains("short"),
        "{statuses:?}"
    );
    // Every street, as children of the district and on its own.
    let children = j["children"].as_array().unwrap();
    assert_eq!(children.len(), 18);
    for c in children {
        let code = c["code"].as_str().unwrap();
        compare(c, &recompute(&raw, code), code);
    }
    // A street's communities.
    let r = t
        .api(
            "GET",
            &format!("/api/v1/targets?area=320412100&year={year}"),
            Some(&tok),
            None,
        )
        .await;
    let j = r.json();
    compare(&j["area"], &recompute(&raw, "320412100"), "320412100");
    for c in j["children"].as_array().unwrap().iter().take(10) {
        let code = c["code"].as_str().unwrap();
        compare(c, &recompute(&raw, code), code);
    }
    // Scope: a community account cannot ask for the district.
    let ctok = t.token_for("community").await;
    let r = t
        .api("GET", "/api/v1/targets?area=320412", Some(&ctok), None)
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The page renders with its chart and drill-down links.
    let mut s = t.login("district").await;
    let page = t.get(&mut s, "/targets?area=320412").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<svg"));
    assert!(
        page.body.contains("/facilities?within=320412") && page.body.contains("kind=station"),
        "drill-down links"
    );
    let x = t.get(&mut s, "/targets/export.xlsx?area=320412").await;
    assert_eq!(x.status, StatusCode::OK);
    // The demo's two earlier year-ends are snapshots with fewer stations and community
    // organizations open: the trend rises, and the page shows it.
    let station = |j: &Value| {
        j["area"]["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == "community_station_coverage")
            .unwrap()["value"]
            .as_f64()
            .unwrap()
    };
    let mut values = Vec::new();
    for y in [year - 2, year - 1] {
        let j = t
            .api(
                "GET",
                &format!("/api/v1/targets?area=320412&year={y}"),
                Some(&tok),
                None,
            )
            .await
            .json();
        assert_eq!(j["source"], "snapshot", "{y}");
        values.push(station(&j));
    }
    values.push(station(&j_district(&t, &tok).await));
    assert!(values[0] < values[1] && values[1] < values[2], "{values:?}");
    assert!(
        page.body.contains(&format!(">{}</th>", year - 2)),
        "trend table"
    );
}

async fn j_district(t: &T, tok: &str) -> Value {
    t.api("GET", "/api/v1/targets?area=320412", Some(tok), None)
        .await
        .json()
}

/// Adds a county beside the demo district (streets and communities with populations, half
/// of them rural) and fills it with the scale generator's registries.
async fn generated_county(t: &T, county: &str, seed: u64, detail: bool, lite: bool) {
    let mut tx = t.app.db.begin().await.unwrap();
    let year = sanshe_app::current_year();
    let mut rng = sanshe_app::generate::Rng::new(seed);
    let ins = |code: String, parent: String, level: &'static str, name: String, urban: bool| {
        (code, parent, level, name, urban)
    };
    let mut areas = vec![ins(
        county.into(),
        "3204".into(),
        "district",
        format!("生成区{county}"),
        true,
    )];
    for s in 0..4 {
        let street = format!("{county}{:03}", s + 1);
        let urban = s % 2 == 0;
        areas.push(ins(
            street.clone(),
            county.into(),
            "street",
            format!("生成{county}街道{s}"),
            urban,
        ));
        for c in 0..(5 + s * 2) {
            let code = format!("{street}{:03}", 200 + c);
            areas.push(ins(
                code,
                street.clone(),
                "community",
                format!("生成{county}-{s}社区{c}"),
                urban || c % 3 == 0,
            ));
        }
    }
    for (code, parent, level, name, urban) in &areas {
        sanshe_store::areas::insert(
            &mut tx,
            &sanshe_store::areas::NewArea {
                code,
                parent_code: (level != &"district").then_some(parent.as_str()),
                level,
                name,
                urban: *urban,
                demo: false,
            },
        )
        .await
        .unwrap();
        if *level == "community" {
            let residents = rng.range(800, 12_000);
            sanshe_store::areas::set_population(
                &mut tx,
                code,
                &sanshe_store::areas::PopulationRow {
                    year,
                    residents,
                    households: residents / 3,
                },
            )
            .await
            .unwrap();
        }
    }
    let refs = sanshe_store::areas::refs_within(&mut tx, Some(county))
        .await
        .unwrap();
    let of =
        |level: &str| -> Vec<_> { refs.iter().filter(|a| a.level == level).cloned().collect() };
    let g = sanshe_app::generate::registries(
        &t.app,
        &mut tx,
        &of("street"),
        &of("community"),
        sanshe_app::generate::GenOptions {
            seed,
            demo: false,
            detail,
            lite,
        },
    )
    .await
    .unwrap();
    assert!(g.facilities > 0 && g.orgs > 0 && g.workers > 0 && g.posts > 0);
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn generated_registries_match_an_independent_recomputation() {
    // The scale generator's two mixes (province: full; nation: lite) beside the demo
    // district, so subtree ranges must also keep neighbours apart.
    let t = T::new().await;
    generated_county(&t, "320402", 7, true, false).await;
    generated_county(&t, "320411", 11, false, true).await;
    let mut toks = Vec::new();
    for county in ["320402", "320411"] {
        let name = format!("gen{county}");
        t.add_user(&name, "district_admin", Some(county.into()))
            .await;
        toks.push((county, t.token_for(&name).await));
    }
    let mut year = 0;
    for (county, tok) in &toks {
        let r = t
            .api(
                "GET",
                &format!("/api/v1/targets?area={county}"),
                Some(tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let j = r.json();
        year = j["year"].as_i64().unwrap();
        let raw = raw(&t, year).await;
        compare(&j["area"], &recompute(&raw, county), county);
        let children = j["children"].as_array().unwrap();
        assert_eq!(children.len(), 4, "{county}: streets");
        for c in children {
            let street = c["code"].as_str().unwrap();
            compare(c, &recompute(&raw, street), street);
            let s = t
                .api(
                    "GET",
                    &format!("/api/v1/targets?area={street}&year={year}"),
                    Some(tok),
                    None,
                )
                .await
                .json();
            for cc in s["children"].as_array().unwrap() {
                let code = cc["code"].as_str().unwrap();
                compare(cc, &recompute(&raw, code), code);
            }
        }
        // The other generated county is outside this account's scope.
        let other = if *county == "320402" {
            "320411"
        } else {
            "320402"
        };
        let r = t
            .api(
                "GET",
                &format!("/api/v1/targets?area={other}"),
                Some(tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // The demo district's figures are untouched by its generated neighbours.
    let dtok = t.token_for("district").await;
    let j = t
        .api(
            "GET",
            &format!("/api/v1/targets?area=320412&year={year}"),
            Some(&dtok),
            None,
        )
        .await
        .json();
    compare(
        &j["area"],
        &recompute(&raw(&t, year).await, "320412"),
        "320412",
    );
}

#[tokio::test]
async fn snapshots_keep_a_past_year_as_reported() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let live = t
        .api("GET", "/api/v1/targets?area=320412100", Some(&tok), None)
        .await
        .json();
    let year = live["year"].as_i64().unwrap();
    let r = t
        .api(
            "POST",
            "/api/v1/targets/snapshot",
            Some(&tok),
            Some(json!({"area": "320412100", "year": year})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.json()["areas"].as_i64().unwrap() > 1);
    // Close every station of the street: live figures change, the snapshot does not.
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query("UPDATE facilities SET status = 'closed' WHERE kind = 'station' AND area_code LIKE '320412100%'")
        .execute(&mut *c)
        .await
        .unwrap();
    drop(c);
    let value = |j: &Value, k: &str| {
        j["area"]["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["key"] == k)
            .unwrap()["value"]
            .as_f64()
    };
    let snap = t
        .api(
            "GET",
            &format!("/api/v1/targets?area=320412100&year={year}"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(snap["source"], "snapshot");
    assert_eq!(
        value(&snap, "community_station_coverage"),
        value(&live, "community_station_coverage")
    );
    let now = t
        .api(
            "GET",
            &format!("/api/v1/targets?area=320412100&year={year}&live=true"),
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(value(&now, "community_station_coverage"), Some(0.0));
    // Only the district may freeze figures.
    let stok = t.token_for("street").await;
    let r = t
        .api(
            "POST",
            "/api/v1/targets/snapshot",
            Some(&stok),
            Some(json!({"area": "320412100", "year": year})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

const ID: &str = "110105194912310029";

fn valid_id() -> String {
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
    assert_eq!(r.status, StatusCode::FORBIDDEN);
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

async fn count(t: &T, table: &str) -> i64 {
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get("n")
}

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
    assert!(has(6, "err-id-length"), "Excel-mangled ID reported: {rep}");
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

fn fund(kind: &str, date: &str, amount: &str, who: &str) -> sanshe_app::orgs::FundInput {
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
async fn facility_photos_through_pages_and_api() {
    let mut settings = sanshe_app::config::Settings {
        database_url: sanshe_app::config::Secret::new(crate::common::database_url().await),
        data_dir: std::env::temp_dir().join("sanshe-tests").join(format!(
            "data_{}",
            sanshe_app::security::random_hex(4).unwrap()
        )),
        pii_key: Some(sanshe_app::config::Secret::new(crate::common::TEST_PII_KEY)),
        ..Default::default()
    };
    settings.upload_max_mb = 1;
    let photos_dir = settings.data_dir.join("attachments");
    let t = T::with(settings, true).await;
    let ctok = t.token_for("community").await;
    let list = t
        .api("GET", "/api/v1/facilities?per_page=1", Some(&ctok), None)
        .await
        .json();
    let id = list["items"][0]["id"].as_i64().unwrap();
    let base = format!("/api/v1/facilities/{id}/photos");
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n"
        .iter()
        .copied()
        .chain(std::iter::repeat_n(7u8, 500))
        .collect();
    let files = || {
        std::fs::read_dir(&photos_dir)
            .map(|d| d.count())
            .unwrap_or(0)
    };

    // API upload; the declared type does not matter, the bytes do.
    let r = t
        .api_raw(
            "POST",
            &format!("{base}?file_name=front.png"),
            &ctok,
            png.clone(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pid = r.json()["id"].as_i64().unwrap();
    // Not an image, and too large: refused with the field named, nothing stored.
    let r = t
        .api_raw("POST", &base, &ctok, b"%PDF-1.4 not a photo".to_vec())
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(r.json()["error"]["fields"][0]["field"], "photo");
    let mut big = png.clone();
    big.resize(1024 * 1024 + 1, 0);
    let r = t.api_raw("POST", &base, &ctok, big).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(files(), 1);
    // List and download.
    let l = t.api("GET", &base, Some(&ctok), None).await.json();
    assert_eq!(l["items"].as_array().unwrap().len(), 1);
    assert_eq!(l["items"][0]["file_name"], "front.png");
    assert_eq!(l["items"][0]["content_type"], "image/png");
    assert_eq!(l["items"][0]["size"], png.len() as i64);
    let req = axum::http::Request::get(format!("{base}/{pid}"))
        .header("authorization", format!("Bearer {ctok}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let res = tower::ServiceExt::oneshot(t.router.clone(), req)
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    let got = axum::body::to_bytes(res.into_body(), 1 << 22)
        .await
        .unwrap();
    assert_eq!(got.as_ref(), png.as_slice());
    // Other roles: an organization account cannot see or add facility photos.
    let otok = t.token_for("org").await;
    let r = t.api("GET", &base, Some(&otok), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.api_raw("POST", &base, &otok, png.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Pages: upload, a delete link, a confirmation, then the delete.
    let mut s = t.login("community").await;
    let r = t
        .post_upload(
            &mut s,
            &format!("/facilities/{id}/photos"),
            "photo",
            "门口.png",
            &png,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = t.get(&mut s, &format!("/facilities/{id}")).await;
    assert!(page.body.contains("门口.png"));
    let l = t.api("GET", &base, Some(&ctok), None).await.json();
    let pid2 = l["items"][1]["id"].as_i64().unwrap();
    let del = format!("/facilities/{id}/photos/{pid2}/delete");
    assert!(page.body.contains(&del), "delete link");
    let confirm = t.get(&mut s, &del).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.body.contains("门口.png"));
    let r = t.post(&mut s, &del, &[]).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no confirmation"
    );
    assert_eq!(files(), 2);
    let r = t.post(&mut s, &del, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // API delete of the first; then nothing is left, on disk either.
    let r = t
        .api("DELETE", &format!("{base}/{pid}"), Some(&ctok), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = t
        .api("DELETE", &format!("{base}/{pid}"), Some(&ctok), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let l = t.api("GET", &base, Some(&ctok), None).await.json();
    assert!(l["items"].as_array().unwrap().is_empty());
    assert_eq!(files(), 0);
    // Every change is audited.
    let mut c = t.app.db.acquire().await.unwrap();
    let n: i64 = sqlx::query(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('facility.photo.add', 'facility.photo.delete') \
         AND object_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .get(0);
    assert_eq!(n, 4);
    drop(c);
    // Staff of another community: refused at every door, by scope (not by role).
    let area = l_area(&t, id).await;
    let mut c = t.app.db.acquire().await.unwrap();
    let other: String = sqlx::query(
        "SELECT code FROM areas WHERE level = 'community' AND code <> $1 ORDER BY code LIMIT 1",
    )
    .bind(&area)
    .fetch_one(&mut *c)
    .await
    .unwrap()
    .get(0);
    drop(c);
    t.add_user("neighbour", "community_staff", Some(other))
        .await;
    let ntok = t.token_for("neighbour").await;
    let r = t
        .api_raw(
            "POST",
            &format!("{base}?file_name=x.png"),
            &ctok,
            png.clone(),
        )
        .await;
    let pid3 = r.json()["id"].as_i64().unwrap();
    for (m, u) in [
        ("GET", base.clone()),
        ("GET", format!("{base}/{pid3}")),
        ("DELETE", format!("{base}/{pid3}")),
    ] {
        let r = t.api(m, &u, Some(&ntok), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{m} {u}");
    }
    let r = t.api_raw("POST", &base, &ntok, png.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut ns = t.login("neighbour").await;
    let del = format!("/facilities/{id}/photos/{pid3}/delete");
    assert_eq!(t.get(&mut ns, &del).await.status, StatusCode::FORBIDDEN);
    let r = t.post(&mut ns, &del, &[("confirm", "yes")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(files(), 1);
    // Deleting the facility takes its photo files with it.
    let r = t
        .api(
            "DELETE",
            &format!("/api/v1/facilities/{id}"),
            Some(&ctok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(files(), 0);
}

async fn l_area(t: &T, facility: i64) -> String {
    let mut c = t.app.db.acquire().await.unwrap();
    sqlx::query("SELECT area_code FROM facilities WHERE id = $1")
        .bind(facility)
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn every_template_example_row_passes_its_own_import_check() {
    // The template's example row lines up with its headers and obeys every rule: a dry
    // run of the downloaded template reports no problem (and writes nothing).
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let mut s = t.login("district").await;
    for (page, api) in [
        ("facilities", "facilities"),
        ("orgs", "organizations"),
        ("workers", "social-workers"),
        ("posts", "posts"),
    ] {
        let req = axum::http::Request::get(format!("/{page}/template.xlsx"))
            .header("cookie", s.cookie_header())
            .body(axum::body::Body::empty())
            .unwrap();
        let res = tower::ServiceExt::oneshot(t.router.clone(), req)
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{page}");
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 22)
            .await
            .unwrap()
            .to_vec();
        let r = t
            .api_raw(
                "POST",
                &format!("/api/v1/{api}/import?dry_run=true"),
                &tok,
                bytes,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{page}: {}", r.body);
        let j = r.json();
        assert_eq!(j["total_rows"], 1, "{page}: {j}");
        assert_eq!(j["inserted"], 0, "{page}: {j}");
    }
    let _ = t.get(&mut s, "/").await;
}

#[tokio::test]
async fn postgres_plans_subtree_queries_with_their_actual_ranges() {
    // On PostgreSQL every pooled connection plans each execution with its parameters: a
    // generic plan cached for a national range would be reused for one community.
    let t = T::new().await;
    if t.app.db.backend != sanshe_store::Backend::Postgres {
        return;
    }
    for _ in 0..3 {
        let mut c = t.app.db.acquire().await.unwrap();
        let mode: String = sqlx::query("SHOW plan_cache_mode")
            .fetch_one(&mut *c)
            .await
            .unwrap()
            .get(0);
        assert_eq!(mode, "force_custom_plan");
    }
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
