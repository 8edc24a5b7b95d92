//! The Open Contracting Data Standard (OCDS 1.1) feed of published calls.
//!
//! Each published call is one contracting process, `ocid` = `<prefix>-<project id>`. Every
//! event the portal shows becomes a release: planning (the project's approval), tender (the
//! call's publication), tenderCancellation, award (the notice), awardUpdate (its
//! confirmation), contract (signing, with the tranches as payment milestones) and one
//! implementation release per payment or claw-back (a transaction). Release ids are unique
//! within an ocid; release dates are the days of the events at a fixed hour per kind, so a
//! process's releases sort in the order they happened. A record holds every release of a
//! process and its compiled release (the current state of every section).
//!
//! Nothing here is not already on the public portal: drafts, applications under review and
//! unsigned contracts stay out; tenderers are named once the award is public.

use super::contracts as kstore;
use crate::{App, AppError};
use sanshe_store::contracts::{ContractRow, PaymentRow, TrancheRow};
use sanshe_store::purchase::{self as store, ProjectFilter, ProjectRow};
use sanshe_store::PageReq;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// The OCDS version the feed follows.
pub const VERSION: &str = "1.1";
/// Largest page of releases or records.
pub const MAX_LIMIT: i64 = 1000;
pub const DEFAULT_LIMIT: i64 = 100;

/// One release and what it is about (for filtering and paging).
#[derive(Debug, Clone)]
pub struct Release {
    pub ocid: String,
    pub date: String,
    pub value: Value,
}

/// Every release of one contracting process, oldest first, and its compiled release.
#[derive(Debug, Clone)]
pub struct Process {
    pub ocid: String,
    pub releases: Vec<Release>,
    pub compiled: Value,
}

impl Process {
    pub fn date(&self) -> &str {
        self.releases.last().map(|r| r.date.as_str()).unwrap_or("")
    }
}

/// `2026-03-02` at a fixed hour, China Standard Time.
fn at(day: &str, hhmmss: &str) -> String {
    format!("{day}T{hhmmss}+08:00")
}

/// The OCDS procurement method of a call's method (102号令 and the methods of 政府采购法).
pub fn method(m: &str) -> &'static str {
    match m {
        "single_source" => "direct",
        "negotiation" => "selective",
        _ => "open",
    }
}

fn method_details(m: &str) -> &'static str {
    match m {
        "single_source" => "单一来源",
        "negotiation" => "竞争性磋商",
        _ => "公开征集",
    }
}

fn cny(fen: i64) -> Value {
    // Whole yuan stay integers; fen are two decimals.
    let amount = if fen % 100 == 0 {
        json!(fen / 100)
    } else {
        json!(fen as f64 / 100.0)
    };
    json!({"amount": amount, "currency": "CNY"})
}

fn org_ref(id: i64, name: &str) -> Value {
    json!({"id": format!("org-{id}"), "name": name})
}

fn buyer_ref(district: &str, names: &HashMap<String, String>) -> Value {
    let name = names
        .get(district)
        .map(|n| format!("{n}民政局"))
        .unwrap_or_else(|| format!("{district} 民政部门"));
    json!({"id": format!("buyer-{district}"), "name": name})
}

/// Merges parties by id, uniting their roles.
fn add_party(parties: &mut Vec<Value>, r: &Value, role: &str) {
    if let Some(p) = parties.iter_mut().find(|p| p["id"] == r["id"]) {
        if let Some(roles) = p["roles"].as_array_mut() {
            if !roles.iter().any(|x| x == role) {
                roles.push(json!(role));
            }
        }
        return;
    }
    parties.push(json!({"id": r["id"], "name": r["name"], "roles": [role]}));
}

struct Facts {
    p: ProjectRow,
    approved_on: Option<String>,
    cancelled_on: Option<String>,
    tenderers: Vec<(i64, String)>,
    winner: Option<(i64, i64, String, i64)>,
    contract: Option<(ContractRow, Vec<TrancheRow>, Vec<PaymentRow>)>,
    /// The contract's published third-party evaluations.
    evaluations: Vec<sanshe_store::evaluations::EvaluationRow>,
}

pub fn day_of(ts: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ts)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .to_offset(time::macros::offset!(+8));
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

async fn facts(app: &App, p: ProjectRow) -> Result<Facts, AppError> {
    let mut c = app.db.acquire().await?;
    let hist = sanshe_store::workflow::history(&mut c, "project", p.id).await?;
    let when = |ev: &str| {
        hist.iter()
            .rev()
            .find(|h| h.entry.event == ev)
            .map(|h| day_of(h.at))
    };
    let approved_on = when("approve");
    let cancelled_on = when("cancel");
    let public_award = matches!(p.state.as_str(), "awarded" | "confirmed");
    let mut tenderers = Vec::new();
    let mut winner = None;
    if public_award {
        let apps = store::list_applications(
            &mut c,
            &store::ApplicationFilter {
                project: Some(p.id),
                ..Default::default()
            },
            PageReq {
                page: 1,
                per_page: 10_000,
            },
        )
        .await?;
        for a in apps.items {
            if matches!(a.state.as_str(), "submitted") {
                tenderers.push((a.org_id, a.org_name.clone()));
            }
            if Some(a.id) == p.awarded_application {
                winner = Some((a.id, a.org_id, a.org_name.clone(), a.data.amount_fen));
            }
        }
    }
    drop(c);
    let contract = match kstore::public_of_project(app, p.id).await? {
        Some(v) => Some((v.contract, v.tranches, v.payments)),
        None => None,
    };
    let evaluations = super::evaluations::public_of_project(app, p.id).await?;
    Ok(Facts {
        evaluations,
        p,
        approved_on,
        cancelled_on,
        tenderers,
        winner,
        contract,
    })
}

/// The sections of a process as they stand after each event, and the releases.
fn build(prefix: &str, f: &Facts, names: &HashMap<String, String>) -> Process {
    let p = &f.p;
    let ocid = format!("{prefix}-{}", p.id);
    let buyer = buyer_ref(&p.district, names);
    let published = p.published_on.clone().unwrap_or_default();
    let mut releases: Vec<Release> = Vec::new();
    let mut parties: Vec<Value> = Vec::new();
    add_party(&mut parties, &buyer, "buyer");
    add_party(&mut parties, &buyer, "procuringEntity");
    add_party(&mut parties, &buyer, "payer");

    let planning = json!({
        "rationale": p.data.description,
        "budget": {
            "id": format!("line-{}", p.budget_line_id),
            "description": format!("{} {}", p.item_code, p.item_name),
            "amount": cny(p.data.amount_fen),
            "project": p.data.title,
            "projectID": p.item_code,
        },
    });
    let mut tender = json!({
        "id": format!("call-{}", p.id),
        "title": p.data.title,
        "description": p.data.description,
        "status": "active",
        "items": [{
            "id": p.item_code,
            "description": p.item_name,
            "classification": {"scheme": "x_catalog", "id": p.item_code, "description": p.item_name},
            "quantity": 1,
        }],
        "value": cny(p.data.amount_fen),
        "procurementMethod": method(&p.data.method),
        "procurementMethodDetails": method_details(&p.data.method),
        "mainProcurementCategory": "services",
        "awardCriteria": "ratedCriteria",
        "awardCriteriaDetails": sanshe_domain::purchase::DEFAULT_RUBRIC
            .iter()
            .zip(sanshe_domain::purchase::weights(&p.data.rubric))
            .zip(sanshe_domain::purchase::guides(&p.data.rubric_guide))
            .map(|((c, w), g)| match g {
                Some(g) => format!("{} {w}（{g}）", c.zh),
                None => format!("{} {w}", c.zh),
            })
            .collect::<Vec<_>>()
            .join("、"),
        "eligibilityCriteria": format!(
            "团队至少 {} 名持证社会工作者，其中中级及以上至少 {} 名，登记在服务开始日有效",
            p.data.min_team, p.data.min_intermediate
        ),
        "contractPeriod": {
            "startDate": at(&p.data.start_date, "00:00:00"),
            "endDate": at(&p.data.end_date, "23:59:59"),
        },
        "procuringEntity": buyer,
    });
    if !p.data.justification.is_empty() {
        tender["procurementMethodRationale"] = json!(p.data.justification);
    }
    if let Some(d) = &p.deadline {
        tender["tenderPeriod"] = json!({
            "startDate": at(&published, "09:00:00"),
            "endDate": at(d, "23:59:59"),
        });
    }
    let release = |id: &str, date: String, tags: &[&str], sections: Map<String, Value>| {
        let mut v = json!({
            "ocid": ocid,
            "id": format!("{ocid}-{id}"),
            "date": date,
            "tag": tags,
            "initiationType": "tender",
            "language": "zh",
            "buyer": buyer,
        });
        for (k, s) in sections {
            v[k] = s;
        }
        Release {
            ocid: ocid.clone(),
            date: v["date"].as_str().unwrap_or_default().to_owned(),
            value: v,
        }
    };
    let sections = |pairs: &[(&str, &Value)]| -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).clone()))
            .collect()
    };
    let plan_day = f.approved_on.clone().unwrap_or_else(|| published.clone());
    releases.push(release(
        "planning",
        at(&plan_day, "08:00:00"),
        &["planning"],
        sections(&[("planning", &planning), ("parties", &json!(parties))]),
    ));
    releases.push(release(
        "tender",
        at(&published, "09:00:00"),
        &["tender"],
        sections(&[("tender", &tender), ("parties", &json!(parties))]),
    ));
    let mut awards: Vec<Value> = Vec::new();
    let mut contracts: Vec<Value> = Vec::new();
    if p.state == "cancelled" {
        tender["status"] = json!("cancelled");
        let day = f.cancelled_on.clone().unwrap_or_else(|| published.clone());
        releases.push(release(
            "cancellation",
            at(&day, "17:00:00"),
            &["tenderCancellation"],
            sections(&[("tender", &tender)]),
        ));
    }
    if let (Some((app_id, org_id, org_name, amount)), Some(on)) = (&f.winner, &p.awarded_on) {
        let supplier = org_ref(*org_id, org_name);
        for (id, name) in &f.tenderers {
            add_party(&mut parties, &org_ref(*id, name), "tenderer");
        }
        add_party(&mut parties, &supplier, "supplier");
        add_party(&mut parties, &supplier, "payee");
        tender["status"] = json!("complete");
        tender["numberOfTenderers"] = json!(f.tenderers.len());
        tender["tenderers"] = json!(f
            .tenderers
            .iter()
            .map(|(id, n)| org_ref(*id, n))
            .collect::<Vec<_>>());
        let mut award = json!({
            "id": format!("award-{app_id}"),
            "title": p.data.title,
            "status": "pending",
            "date": at(on, "10:00:00"),
            "value": cny(*amount),
            "suppliers": [supplier],
        });
        if let Some((k, _, _)) = &f.contract {
            award["contractPeriod"] = json!({
                "startDate": at(&k.clauses.start_date, "00:00:00"),
                "endDate": at(&k.clauses.end_date, "23:59:59"),
            });
        }
        if let Some(until) = &p.notice_until {
            award["description"] = json!(format!("公示至 {until}"));
        }
        releases.push(release(
            &format!("award-{app_id}"),
            at(on, "10:00:00"),
            &["award"],
            sections(&[
                ("tender", &tender),
                ("awards", &json!([award.clone()])),
                ("parties", &json!(parties)),
            ]),
        ));
        if p.state == "confirmed" {
            award["status"] = json!("active");
            let day = p.notice_until.clone().unwrap_or_else(|| on.clone());
            releases.push(release(
                &format!("award-{app_id}-confirmed"),
                at(&day, "18:00:00"),
                &["awardUpdate"],
                sections(&[("awards", &json!([award.clone()]))]),
            ));
        }
        awards.push(award);
        if let Some((k, tranches, payments)) = &f.contract {
            if let Some(signed) = &k.signed_on {
                let milestones: Vec<Value> = tranches
                    .iter()
                    .map(|t| {
                        let mut m = json!({
                            "id": format!("tranche-{}", t.id),
                            "title": t.label,
                            "type": "payment",
                            "description": format!("第 {} 笔拨付 {:.2} 元", t.seq, t.amount_fen as f64 / 100.0),
                            "dueDate": at(&t.due_on, "00:00:00"),
                            "status": if t.state == "paid" { "met" } else { "scheduled" },
                        });
                        if let Some(d) = &t.paid_on {
                            m["dateMet"] = json!(at(d, "15:00:00"));
                        }
                        m
                    })
                    .collect();
                let mut contract = json!({
                    "id": format!("contract-{}", k.id),
                    "awardID": format!("award-{app_id}"),
                    "title": k.project_title,
                    "description": k.clauses.content,
                    "status": if k.state == "completed" { "terminated" } else { "active" },
                    "period": {
                        "startDate": at(&k.clauses.start_date, "00:00:00"),
                        "endDate": at(&k.clauses.end_date, "23:59:59"),
                    },
                    "value": cny(k.clauses.amount_fen),
                    "dateSigned": at(signed, "14:00:00"),
                    "milestones": milestones,
                });
                releases.push(release(
                    &format!("contract-{}", k.id),
                    at(signed, "14:00:00"),
                    &["contract"],
                    sections(&[
                        ("contracts", &json!([contract.clone()])),
                        ("parties", &json!(parties)),
                    ]),
                ));
                let payer = buyer_ref(&p.district, names);
                let payee = org_ref(k.org_id, &k.org_name);
                let mut transactions = Vec::new();
                for (i, pay) in payments.iter().enumerate() {
                    let tx = json!({
                        // The voucher number, after the payment's own number (unique).
                        "id": format!("payment-{}:{}", pay.id, pay.voucher),
                        "date": at(&pay.paid_on, &format!("15:{:02}:{:02}", (i / 60) % 60, i % 60)),
                        "value": cny(pay.amount_fen),
                        "payer": payer,
                        "payee": payee,
                    });
                    transactions.push(tx.clone());
                    releases.push(release(
                        &format!("payment-{}", pay.id),
                        tx["date"].as_str().unwrap_or_default().to_owned(),
                        &["implementation"],
                        sections(&[(
                            "contracts",
                            &json!([{
                                "id": format!("contract-{}", k.id),
                                "awardID": format!("award-{app_id}"),
                                "implementation": {"transactions": [tx]},
                            }]),
                        )]),
                    ));
                }
                if !transactions.is_empty() {
                    contract["implementation"] = json!({ "transactions": transactions });
                }
                // Each published evaluation: a progress report (a final audit at the end).
                let mut documents = Vec::new();
                for e in &f.evaluations {
                    let day = e.decided_on.clone().unwrap_or_else(|| day_of(e.updated_at));
                    let doc = json!({
                        "id": format!("evaluation-{}", e.id),
                        "documentType": if e.stage == "final" { "finalAudit" } else { "physicalProgressReport" },
                        "title": format!("第三方评估（{}）", match e.stage.as_str() {
                            "pre" => "事前", "midterm" => "中期", "final" => "末期", _ => "抽查",
                        }),
                        "description": format!(
                            "{}：{} 分，等次 {}",
                            e.agency_name,
                            e.total_tenths.map(sanshe_domain::evaluation::points_text).unwrap_or_default(),
                            match e.grade.as_deref() {
                                Some("excellent") => "优", Some("good") => "良", Some("fair") => "中", _ => "差",
                            }
                        ),
                        "datePublished": at(&day, "17:00:00"),
                        "language": "zh",
                    });
                    documents.push(doc.clone());
                    releases.push(release(
                        &format!("evaluation-{}", e.id),
                        at(&day, "17:00:00"),
                        &["implementation"],
                        sections(&[(
                            "contracts",
                            &json!([{
                                "id": format!("contract-{}", k.id),
                                "awardID": format!("award-{app_id}"),
                                "implementation": {"documents": [doc]},
                            }]),
                        )]),
                    ));
                }
                if !documents.is_empty() {
                    if contract.get("implementation").is_none() {
                        contract["implementation"] = json!({});
                    }
                    contract["implementation"]["documents"] = json!(documents);
                }
                contracts.push(contract);
            }
        }
    }
    releases.sort_by(|a, b| a.date.cmp(&b.date));
    let last = releases.last().cloned();
    let mut compiled = json!({
        "ocid": ocid,
        "id": format!("{ocid}-compiled"),
        "date": last.as_ref().map(|r| r.date.clone()).unwrap_or_default(),
        "tag": ["compiled"],
        "initiationType": "tender",
        "language": "zh",
        "buyer": buyer,
        "parties": parties,
        "planning": planning,
        "tender": tender,
    });
    if !awards.is_empty() {
        compiled["awards"] = json!(awards);
    }
    if !contracts.is_empty() {
        compiled["contracts"] = json!(contracts);
    }
    Process {
        ocid,
        releases,
        compiled,
    }
}

/// Every published process (calls of every district on this installation), oldest first.
/// Every published process, shared by requests while the data behind the feed is unchanged
/// (and for at most a minute, for what the version does not see: area names, settings).
#[derive(Default)]
pub struct FeedCache(std::sync::Mutex<Option<CachedFeed>>);

/// The version it was built at, when, and the processes.
type CachedFeed = (String, i64, std::sync::Arc<Vec<Process>>);

const FEED_CACHE_SECS: i64 = 60;

pub async fn processes(app: &App) -> Result<std::sync::Arc<Vec<Process>>, AppError> {
    let version = {
        let mut c = app.db.acquire().await?;
        sanshe_store::contracts::feed_version(&mut c).await?
    };
    let now = sanshe_store::audit::now();
    if let Ok(g) = app.feed_cache.0.lock() {
        if let Some((v, at, procs)) = g.as_ref() {
            if *v == version && now - at < FEED_CACHE_SECS {
                return Ok(procs.clone());
            }
        }
    }
    let fresh = std::sync::Arc::new(build_all(app).await?);
    if let Ok(mut g) = app.feed_cache.0.lock() {
        *g = Some((version, now, fresh.clone()));
    }
    Ok(fresh)
}

async fn build_all(app: &App) -> Result<Vec<Process>, AppError> {
    let rows = {
        let mut c = app.db.acquire().await?;
        let mut states: Vec<String> = super::policy::PUBLIC_STATES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        states.push("cancelled".into());
        store::list_projects(
            &mut c,
            &ProjectFilter {
                states,
                ..Default::default()
            },
            PageReq {
                page: 1,
                per_page: i64::from(u32::MAX),
            },
        )
        .await?
        .items
    };
    let names: HashMap<String, String> = {
        let mut c = app.db.acquire().await?;
        sanshe_store::areas::root_names(&mut c)
            .await?
            .into_iter()
            .map(|(code, name, _)| (code, name))
            .collect()
    };
    let prefix = app.settings.ocid_prefix.clone();
    let mut out = Vec::new();
    for p in rows {
        if p.published_on.is_none() {
            continue;
        }
        let f = facts(app, p).await?;
        out.push(build(&prefix, &f, &names));
    }
    out.sort_by(|a, b| a.ocid.cmp(&b.ocid));
    Ok(out)
}

/// Releases dated at or after `since`, in date order, from `offset`; and whether more follow.
pub fn page_releases(
    all: &[Process],
    since: Option<&str>,
    offset: i64,
    limit: i64,
) -> (Vec<Value>, bool) {
    let mut rs: Vec<&Release> = all
        .iter()
        .flat_map(|p| p.releases.iter())
        .filter(|r| since.is_none_or(|s| instant(&r.date) >= instant(s)))
        .collect();
    rs.sort_by(|a, b| {
        instant(&a.date)
            .cmp(&instant(&b.date))
            .then(a.value["id"].as_str().cmp(&b.value["id"].as_str()))
    });
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let n = usize::try_from(limit).unwrap_or(0);
    let more = rs.len() > start.saturating_add(n);
    (
        rs.into_iter()
            .skip(start)
            .take(n)
            .map(|r| r.value.clone())
            .collect(),
        more,
    )
}

/// Records whose latest release is at or after `since`, by that date, from `offset`.
pub fn page_records(
    all: &[Process],
    since: Option<&str>,
    offset: i64,
    limit: i64,
) -> (Vec<Value>, bool) {
    let mut ps: Vec<&Process> = all
        .iter()
        .filter(|p| since.is_none_or(|s| instant(p.date()) >= instant(s)))
        .collect();
    ps.sort_by(|a, b| {
        instant(a.date())
            .cmp(&instant(b.date()))
            .then(a.ocid.cmp(&b.ocid))
    });
    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let n = usize::try_from(limit).unwrap_or(0);
    let more = ps.len() > start.saturating_add(n);
    (
        ps.into_iter().skip(start).take(n).map(record).collect(),
        more,
    )
}

pub fn record(p: &Process) -> Value {
    json!({
        "ocid": p.ocid,
        "releases": p.releases.iter().map(|r| r.value.clone()).collect::<Vec<_>>(),
        "compiledRelease": p.compiled,
    })
}

/// Seconds since the epoch of an RFC 3339 date-time or a date (midnight, China Standard
/// Time); None if it is neither.
pub fn instant(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = time::OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t.unix_timestamp());
    }
    let d = time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(
        d.midnight()
            .assume_offset(time::macros::offset!(+8))
            .unix_timestamp(),
    )
}

/// A package's metadata: where it is, who publishes it, when.
pub fn package(uri: &str, publisher: &str, published: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("uri".into(), json!(uri));
    m.insert("version".into(), json!(VERSION));
    m.insert("publishedDate".into(), json!(published));
    m.insert("publisher".into(), json!({ "name": publisher }));
    m
}

/// Now, RFC 3339 in China Standard Time.
pub fn now() -> String {
    let t = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    format!(
        "{}T{:02}:{:02}:{:02}+08:00",
        day_of(t.unix_timestamp()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_read_dates_and_date_times() {
        assert_eq!(instant("2026-01-01"), instant("2026-01-01T00:00:00+08:00"));
        assert_eq!(instant("2025-12-31T16:00:00Z"), instant("2026-01-01"));
        assert_eq!(instant("yesterday"), None);
    }

    #[test]
    fn methods_map_to_the_closed_codelist() {
        for m in sanshe_domain::purchase::METHODS {
            assert!(["open", "selective", "limited", "direct"].contains(&method(m)));
        }
        assert_eq!(method("single_source"), "direct");
    }
}
