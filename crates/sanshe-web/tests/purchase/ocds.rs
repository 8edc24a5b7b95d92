//! The OCDS 1.1 feed: release and record packages pass the official 1.1.5 package schemas
//! (formats checked) and the closed codelists, release ids are unique within each ocid and
//! dates order them, `since`/`offset` pages walk the whole feed through `links.next`, and the
//! bulk download holds what the pages hold. The schemas are read from the standard's own
//! release archive (`shared/standards/ocds/standard-1__1__5.zip` beside the repository, or
//! `SANSHE_STANDARDS_DIR`).

use crate::common::T;
use axum::http::StatusCode;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::PathBuf;

const ARCHIVE: &str = "ocds/standard-1__1__5.zip";

/// The standards folder: `$SANSHE_STANDARDS_DIR`, or `shared/standards` beside this checkout
/// or beside the repository it was cloned from.
fn standards_dir() -> PathBuf {
    if let Ok(d) = std::env::var("SANSHE_STANDARDS_DIR") {
        return PathBuf::from(d);
    }
    let mut starts = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR"))];
    if let Ok(o) = std::process::Command::new("git")
        .args(["config", "--get", "remote.origin.url"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
    {
        let url = String::from_utf8_lossy(&o.stdout).trim().to_owned();
        let path = PathBuf::from(url.trim_start_matches("file://"));
        if path.is_absolute() {
            starts.push(path);
        }
    }
    for s in starts {
        for a in s.ancestors() {
            let d = a.join("shared/standards");
            if d.join(ARCHIVE).is_file() {
                return d;
            }
        }
    }
    panic!("the OCDS 1.1.5 archive was not found: set SANSHE_STANDARDS_DIR to the folder holding {ARCHIVE}")
}

/// The archive's files by name (`release-schema.json`, `codelists/tenderStatus.csv`, …).
fn standard() -> HashMap<String, String> {
    let f = std::fs::File::open(standards_dir().join(ARCHIVE)).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut out = HashMap::new();
    for i in 0..z.len() {
        let mut e = z.by_index(i).unwrap();
        if !e.is_file() {
            continue;
        }
        let name = e.name().split("/schema/").nth(1).unwrap_or("").to_owned();
        let mut s = String::new();
        e.read_to_string(&mut s).unwrap();
        out.insert(name, s);
    }
    out
}

/// Resolves the schemas' references to the archive's own files, by file name (nothing is
/// fetched).
struct Local(HashMap<String, Value>);

impl jsonschema::Retrieve for Local {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let name = uri.path().as_str().rsplit('/').next().unwrap_or("");
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| format!("not in the archive: {uri}").into())
    }
}

struct Schemas {
    release_package: jsonschema::Validator,
    record_package: jsonschema::Validator,
    /// Closed codelists: property name → codes.
    closed: Vec<(String, HashSet<String>)>,
}

fn schemas() -> Schemas {
    let files = standard();
    let json_files: HashMap<String, Value> = files
        .iter()
        .filter(|(k, _)| k.ends_with(".json") && !k.contains('/'))
        .map(|(k, v)| (k.clone(), serde_json::from_str(v).unwrap()))
        .collect();
    let build = |name: &str| {
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft4)
            .should_validate_formats(true)
            .with_retriever(Local(json_files.clone()))
            .build(&json_files[name])
            .unwrap()
    };
    // Every closed codelist the release schema names, and its codes from the CSV; the
    // schema's enum must be exactly those codes (so validation enforces the codelist).
    let release: &Value = &json_files["release-schema.json"];
    let mut closed = Vec::new();
    fn walk(v: &Value, key: &str, out: &mut Vec<(String, String, Value)>) {
        match v {
            Value::Object(m) => {
                if let (Some(Value::String(list)), Some(Value::Bool(false))) =
                    (m.get("codelist"), m.get("openCodelist"))
                {
                    let e = m
                        .get("enum")
                        .or_else(|| m.get("items").and_then(|i| i.get("enum")))
                        .cloned()
                        .unwrap_or(Value::Null);
                    out.push((key.to_owned(), list.clone(), e));
                }
                for (k, x) in m {
                    walk(x, k, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, key, out)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(release, "", &mut found);
    assert!(found.len() >= 8, "{found:?}");
    for (key, list, en) in found {
        let csv = &files[&format!("codelists/{list}")];
        let codes: HashSet<String> = csv
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .map(|c| c.trim_matches('"').to_owned())
            .filter(|c| !c.is_empty())
            .collect();
        let in_schema: HashSet<String> = en
            .as_array()
            .unwrap_or_else(|| panic!("{key}: closed codelist without enum"))
            .iter()
            .filter_map(|x| x.as_str().map(str::to_owned))
            .collect();
        assert_eq!(in_schema, codes, "{key} ({list})");
        closed.push((key, codes));
    }
    Schemas {
        release_package: build("release-package-schema.json"),
        record_package: build("record-package-schema.json"),
        closed,
    }
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Every value of a closed codelist field in the document, checked against its codes (by
/// property name, as in the schema: `tag`, `status`, `procurementMethod`, `currency`, …).
fn codelist_errors(s: &Schemas, doc: &Value, out: &mut Vec<String>) {
    match doc {
        Value::Object(m) => {
            for (k, v) in m {
                // `status` names three codelists (tender, award, contract) and one more
                // (milestone): its value must be in one of them.
                let lists: Vec<&HashSet<String>> = s
                    .closed
                    .iter()
                    .filter(|(key, _)| key == k)
                    .map(|(_, c)| c)
                    .collect();
                if !lists.is_empty() {
                    let vals: Vec<&str> = match v {
                        Value::String(x) => vec![x.as_str()],
                        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                        _ => vec![],
                    };
                    for x in vals {
                        if !lists.iter().any(|c| c.contains(x)) {
                            out.push(format!("{k}: {x}"));
                        }
                    }
                }
                codelist_errors(s, v, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| codelist_errors(s, x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn packages_pass_the_official_schema_and_closed_codelists() {
    let t = T::new().await;
    let s = schemas();
    // The demo's published calls: open, under review, and last year's (awarded, confirmed,
    // contracted, one tranche paid).
    let r = t
        .api("GET", "/api/ocds/bulk/releases.json", None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.headers["content-disposition"]
        .to_str()
        .unwrap()
        .contains("ocds-releases.json"));
    let pkg = r.json();
    assert_eq!(
        errors(&s.release_package, &pkg),
        Vec::<String>::new(),
        "release package"
    );
    let mut bad = Vec::new();
    codelist_errors(&s, &pkg, &mut bad);
    assert_eq!(bad, Vec::<String>::new());
    let releases = pkg["releases"].as_array().unwrap();
    let tags: HashSet<&str> = releases
        .iter()
        .flat_map(|r| r["tag"].as_array().unwrap())
        .filter_map(Value::as_str)
        .collect();
    for want in [
        "planning",
        "tender",
        "award",
        "awardUpdate",
        "contract",
        "implementation",
    ] {
        assert!(tags.contains(want), "{want} in {tags:?}");
    }
    // Unique release ids within each ocid.
    let mut seen = HashSet::new();
    for r in releases {
        assert!(
            seen.insert((r["ocid"].clone(), r["id"].clone())),
            "{}",
            r["id"]
        );
        assert!(r["ocid"].as_str().unwrap().starts_with("ocds-sanshe-"));
    }
    // Payments are implementation transactions; tranches payment milestones.
    let tx = releases
        .iter()
        .find(|r| r["tag"][0] == "implementation")
        .unwrap();
    let t0 = &tx["contracts"][0]["implementation"]["transactions"][0];
    assert_eq!(t0["value"]["currency"], "CNY");
    assert!(t0["payee"]["name"].is_string());

    // Records: every release of a process, in date order, and the compiled release.
    let r = t
        .api("GET", "/api/ocds/bulk/records.json", None, None)
        .await;
    let rec = r.json();
    assert_eq!(
        errors(&s.record_package, &rec),
        Vec::<String>::new(),
        "record package"
    );
    codelist_errors(&s, &rec, &mut bad);
    assert_eq!(bad, Vec::<String>::new());
    let records = rec["records"].as_array().unwrap();
    assert!(records.len() >= 3, "{}", records.len());
    let mut in_records = 0;
    for r in records {
        let dates: Vec<i64> = r["releases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| sanshe_app::purchase::ocds::instant(x["date"].as_str().unwrap()).unwrap())
            .collect();
        assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{}", r["ocid"]);
        in_records += dates.len();
        assert_eq!(r["compiledRelease"]["tag"], json!(["compiled"]));
        assert_eq!(r["compiledRelease"]["ocid"], r["ocid"]);
    }
    assert_eq!(in_records, releases.len());
    let contracted = records
        .iter()
        .find(|r| r["compiledRelease"]["contracts"].is_array())
        .unwrap();
    let c = &contracted["compiledRelease"]["contracts"][0];
    assert_eq!(c["milestones"][0]["type"], "payment");
    assert_eq!(c["milestones"][0]["status"], "met");
    assert_eq!(
        contracted["compiledRelease"]["awards"][0]["status"], "active",
        "confirmed"
    );
    // One record by its ocid.
    let ocid = contracted["ocid"].as_str().unwrap();
    let r = t
        .api("GET", &format!("/api/ocds/records/{ocid}"), None, None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(errors(&s.record_package, &r.json()), Vec::<String>::new());
    let r = t
        .api("GET", "/api/ocds/records/ocds-sanshe-999999", None, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);

    // The checks can fail: a closed code outside its list, a date that is not one.
    let mut broken = pkg.clone();
    broken["releases"][0]["tag"] = json!(["opening"]);
    assert!(!errors(&s.release_package, &broken).is_empty());
    let mut broken = pkg.clone();
    broken["releases"][0]["date"] = json!("yesterday");
    assert!(!errors(&s.release_package, &broken).is_empty());
    let mut broken = pkg.clone();
    broken["releases"][1]["tender"]["status"] = json!("open");
    let mut bad = Vec::new();
    codelist_errors(&s, &broken, &mut bad);
    assert_eq!(bad, ["status: open"]);
    assert!(!errors(&s.release_package, &broken).is_empty());
}

#[tokio::test]
async fn pages_walk_the_feed_through_links_next() {
    let t = T::new().await;
    let all = t
        .api("GET", "/api/ocds/bulk/releases.json", None, None)
        .await
        .json();
    let all: Vec<Value> = all["releases"].as_array().unwrap().clone();
    assert!(all.len() >= 5, "{}", all.len());
    // Walk with pages of 2, following links.next.
    let mut got: Vec<Value> = Vec::new();
    let mut path = "/api/ocds/releases?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let r = t.api("GET", &path, None, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
        let p = r.json();
        pages += 1;
        got.extend(p["releases"].as_array().unwrap().iter().cloned());
        match p["links"]["next"].as_str() {
            Some(n) => {
                assert!(n.starts_with("http://"), "{n}");
                path = n[n.find("/api/").unwrap()..].to_owned();
            }
            None => break,
        }
        assert!(pages < 1000);
    }
    assert_eq!(pages, all.len().div_ceil(2));
    assert_eq!(got, all);
    // Dates never go back across the whole feed.
    let dates: Vec<i64> = got
        .iter()
        .map(|r| sanshe_app::purchase::ocds::instant(r["date"].as_str().unwrap()).unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]));
    // `since` keeps what was released at or after it.
    let mid = got[got.len() / 2]["date"].as_str().unwrap().to_owned();
    let cut = sanshe_app::purchase::ocds::instant(&mid).unwrap();
    let r = t
        .api(
            "GET",
            &format!(
                "/api/ocds/releases?since={}&limit=1000",
                mid.replace('+', "%2B")
            ),
            None,
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let later = r.json()["releases"].as_array().unwrap().len();
    assert_eq!(later, dates.iter().filter(|d| **d >= cut).count());
    assert!(later < all.len());
    // Records page the same way.
    let r = t.api("GET", "/api/ocds/records?limit=1", None, None).await;
    let p = r.json();
    assert_eq!(p["records"].as_array().unwrap().len(), 1);
    assert!(p["links"]["next"].as_str().unwrap().contains("offset=1"));
    // Bad paging says what is wrong.
    for (q, field) in [
        ("since=yesterday", "since"),
        ("since=", "since"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
    ] {
        let r = t
            .api("GET", &format!("/api/ocds/releases?{q}"), None, None)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.body
        );
        assert!(
            r.body.contains(&format!("\"field\":\"{field}\"")),
            "{q}: {}",
            r.body
        );
    }
    // Drafts and calls not yet published are not in the feed.
    let ids: HashSet<i64> = got
        .iter()
        .map(|r| {
            r["ocid"]
                .as_str()
                .unwrap()
                .rsplit('-')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    let mut c = t.app.db.acquire().await.unwrap();
    for id in ids {
        let p = sanshe_store::purchase::get_project(&mut c, id)
            .await
            .unwrap()
            .unwrap();
        assert!(p.published_on.is_some(), "{}", p.state);
    }
}

/// The feed is shared between requests while nothing behind it changes, and a change shows at
/// the next request: publishing the demo's approved project adds its tender.
#[tokio::test]
async fn the_feed_shows_a_change_at_the_next_request() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    let tenders = |pkg: &Value| {
        pkg["releases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["tag"].as_array().unwrap().iter().any(|x| x == "tender"))
            .count()
    };
    let first = t
        .api("GET", "/api/ocds/bulk/releases.json", None, None)
        .await
        .json();
    let again = t
        .api("GET", "/api/ocds/bulk/releases.json", None, None)
        .await
        .json();
    assert_eq!(first["releases"], again["releases"]);
    let approved = t
        .api(
            "GET",
            "/api/v1/purchase/projects?state=approved",
            Some(&tok),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .unwrap();
    let (status, body) = super::step(&t, &tok, approved, "publish").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let after = t
        .api("GET", "/api/ocds/bulk/releases.json", None, None)
        .await
        .json();
    assert_eq!(tenders(&after), tenders(&first) + 1);
}
