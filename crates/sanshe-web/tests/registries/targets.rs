//! The target dashboard against an independent recomputation from raw rows (demo and
//! generated data), and year-end snapshots.

use super::*;

/// Hours string → shortest open working day (Monday–Friday; else any open day) in minutes,
/// 0 when never open; computed here without the product's parser.
pub(crate) fn min_daily(hours: &str) -> i64 {
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

pub(crate) struct Raw {
    areas: Vec<(String, String, bool)>,
    residents: HashMap<String, i64>,
    facilities: Vec<(String, String, i64, String, String)>,
    /// Area, kind, community organization, status, on the blacklist today.
    orgs: Vec<(Option<String>, String, bool, String, bool)>,
    posts: Vec<(String, bool, bool, Option<String>)>,
    bases: Vec<String>,
    federations: Vec<String>,
    workers: Vec<(Option<String>, String, String)>,
    subsidies: Vec<Option<String>>,
}

pub(crate) async fn raw(t: &T, year: i64) -> Raw {
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
    // A listing runs to the end of its day, China Standard Time.
    let today = sanshe_store::targets::today();
    let orgs =
        q("SELECT area_code, kind, community_org, status, blacklisted_until FROM organizations")
            .fetch_all(&mut *c)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let until: Option<String> = r.get("blacklisted_until");
                (
                    r.get("area_code"),
                    r.get("kind"),
                    r.get::<i64, _>("community_org") != 0,
                    r.get("status"),
                    until.is_some_and(|u| !u.is_empty() && u >= today),
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

pub(crate) fn pct(n: usize, d: usize) -> Option<f64> {
    (d > 0).then(|| ((n as f64 * 100.0 / d as f64) * 100.0).round() / 100.0)
}

/// Every target's overall value for the subtree `p`, from raw rows.
pub(crate) fn recompute(raw: &Raw, p: &str) -> HashMap<&'static str, Option<f64>> {
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
        .filter(|o| {
            o.2 && o.3 == "active" && !o.4 && o.0.as_deref().is_some_and(|a| comm_set.contains(a))
        })
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

pub(crate) fn compare(api: &Value, expected: &HashMap<&'static str, Option<f64>>, what: &str) {
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
    assert_eq!(r.status, StatusCode::NOT_FOUND);
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

pub(crate) async fn j_district(t: &T, tok: &str) -> Value {
    t.api("GET", "/api/v1/targets?area=320412", Some(tok), None)
        .await
        .json()
}

/// Adds a county beside the demo district (streets and communities with populations, half
/// of them rural) and fills it with the scale generator's registries.
pub(crate) async fn generated_county(t: &T, county: &str, seed: u64, detail: bool, lite: bool) {
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
        assert_eq!(r.status, StatusCode::NOT_FOUND);
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
