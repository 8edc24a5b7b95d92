//! The policy-target dashboard (value, goal, met/short, urban/rural, children, trend, SVG
//! charts, drill-down, printable, XLSX) and the policy-profile editor.

use super::{FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{redirect_flash, with_page, Page};
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use sanshe_app::targets::{self, Dashboard};
use sanshe_app::AppError;
use sanshe_domain::targets::{Figure, PolicyProfile, Status, TargetResult};
use std::collections::HashMap;

pub fn fmt_value(v: Option<f64>) -> String {
    match v {
        None => "—".into(),
        Some(x) if (x - x.round()).abs() < 1e-9 => format!("{}", x.round() as i64),
        Some(x) => format!("{x:.2}"),
    }
}

/// Where the records behind a target are listed.
pub fn drill_link(key: &str, code: &str) -> String {
    match key {
        "street_center_coverage" => format!("/facilities?within={code}&kind=center"),
        "community_station_coverage" => format!("/facilities?within={code}&kind=station"),
        "facility_area_per_1000_residents" | "facility_area_total" | "facility_opening_hours" => {
            format!("/facilities?within={code}")
        }
        "orgs_per_community" => {
            format!("/orgs?within={code}&community_org=true&status=active")
        }
        "foundations" => format!("/orgs?within={code}&kind=foundation"),
        "incubation_base_share" | "federations" => format!("/orgs?within={code}"),
        "professional_post_share" => format!("/posts?within={code}&professional=true"),
        "committee_certified_share" => format!("/posts?within={code}&committee=true"),
        "certified_social_workers" => {
            format!("/workers?within={code}&certified=true&status=active")
        }
        _ => format!("/workers?within={code}"),
    }
}

pub struct FigView {
    pub value: String,
    pub goal: String,
    pub status: &'static str,
    pub status_label: String,
    pub counts: String,
}

fn fig(rc: &Rc, f: &Figure) -> FigView {
    FigView {
        value: fmt_value(f.value),
        goal: fmt_value(f.goal),
        status: f.status.as_str(),
        status_label: rc.tr.t(&format!("status-{}", f.status.as_str())).to_owned(),
        counts: if f.denominator > 0 {
            format!("{} / {}", f.numerator, f.denominator)
        } else {
            f.numerator.to_string()
        },
    }
}

pub struct TargetRow {
    pub goal_text: String,
    pub name: String,
    pub unit: String,
    pub all: FigView,
    pub urban: Option<FigView>,
    pub rural: Option<FigView>,
    pub link: String,
    /// Bar chart geometry: value and goal as % of the chart width (None: no bar).
    pub bar: Option<(f64, f64)>,
}

fn rows(rc: &Rc, code: &str, results: &[TargetResult]) -> Vec<TargetRow> {
    results
        .iter()
        .map(|t| TargetRow {
            goal_text: match (&t.all.goal, &t.urban, &t.rural) {
                // Goals that differ urban/rural are shown side by side.
                (None, Some(u), Some(r)) if u.goal.is_some() => format!(
                    "{} {} · {} {}",
                    rc.tr.t("urban"),
                    fmt_value(u.goal),
                    rc.tr.t("rural"),
                    fmt_value(r.goal)
                ),
                _ => fmt_value(t.all.goal),
            },
            name: rc.tr.t(&format!("target-{}", t.key)).to_owned(),
            unit: rc.tr.t(&format!("unit-{}", t.unit)).to_owned(),
            all: {
                let mut f = fig(rc, &t.all);
                if t.key == "facility_area_per_1000_residents" {
                    // m² × 100 over residents: shown as m² and residents.
                    f.counts = format!(
                        "{} m² / {} {}",
                        t.all.numerator / 100,
                        t.all.denominator,
                        rc.tr.t("unit-residents")
                    );
                }
                f
            },
            urban: t.urban.as_ref().map(|f| fig(rc, f)),
            rural: t.rural.as_ref().map(|f| fig(rc, f)),
            link: drill_link(t.key, code),
            bar: match (t.all.value, t.all.goal) {
                (Some(v), Some(g)) if g > 0.0 => {
                    // The chart spans 150 % of the goal; the goal line sits at 2/3.
                    let scale = 100.0 / (g * 1.5);
                    Some(((v * scale).min(100.0), g * scale))
                }
                _ => None,
            },
        })
        .collect()
}

pub struct ChildRow {
    pub code: String,
    pub name: String,
    pub urban: String,
    pub cells: Vec<(String, &'static str)>,
    pub met: usize,
    pub short: usize,
}

#[derive(Template)]
#[template(path = "targets/dashboard.html")]
struct TargetsPage {
    p: Page,
    code: String,
    area_name: String,
    year: i64,
    live: bool,
    print: bool,
    rows: Vec<TargetRow>,
    child_heads: Vec<String>,
    children: Vec<ChildRow>,
    trend_years: Vec<i64>,
    trend: Vec<(String, Vec<(String, &'static str)>)>,
    snapshot: Option<String>,
    snapshot_years: Vec<i64>,
    can_snapshot: bool,
    met: usize,
    short: usize,
}

/// Targets shown as columns of the children table (the ratio targets).
const CHILD_KEYS: [&str; 9] = [
    "facility_area_per_1000_residents",
    "facility_area_total",
    "facility_opening_hours",
    "street_center_coverage",
    "community_station_coverage",
    "incubation_base_share",
    "orgs_per_community",
    "professional_post_share",
    "committee_certified_share",
];

async fn load(rc: &Rc, q: &HashMap<String, String>) -> Result<Dashboard, PageError> {
    let code = match q.get("area").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(c) => c.to_owned(),
        None => targets::default_area(&rc.app, &rc.ctx).await.page(rc)?,
    };
    let year = match q.get("year").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        Some(y) => y
            .parse::<i64>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| {
                PageError::new(
                    AppError::invalid(
                        sanshe_domain::FieldError::new("year", "err-range")
                            .arg("min", 2000)
                            .arg("max", 2100),
                    ),
                    rc,
                )
            })?,
        None => sanshe_app::areas::default_year(&rc.app).await.page(rc)?,
    };
    let live = q.get("live").is_some_and(|v| v == "1");
    targets::dashboard(&rc.app, &rc.ctx, &code, year, live)
        .await
        .page(rc)
}

pub async fn show(rc: Rc, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let d = load(&rc, &q).await?;
    let code = d.area.code.clone();
    let rows = rows(&rc, &code, &d.area.results);
    let count = |s: Status| d.area.results.iter().filter(|t| t.all.status == s).count();
    let children = d
        .children
        .iter()
        .map(|c| {
            let cells: Vec<(String, &'static str)> = CHILD_KEYS
                .iter()
                .map(|k| {
                    c.results
                        .iter()
                        .find(|t| t.key == *k)
                        .map(|t| (fmt_value(t.all.value), t.all.status.as_str()))
                        .unwrap_or_default()
                })
                .collect();
            ChildRow {
                code: c.code.clone(),
                name: c.name.clone(),
                urban: match c.urban {
                    Some(true) => rc.tr.t("urban").to_owned(),
                    Some(false) => rc.tr.t("rural").to_owned(),
                    None => String::new(),
                },
                met: cells.iter().filter(|(_, s)| *s == "met").count(),
                short: cells.iter().filter(|(_, s)| *s == "short").count(),
                cells,
            }
        })
        .collect();
    let trend_years: Vec<i64> = d.trend.iter().map(|(y, _)| *y).collect();
    let trend = d
        .area
        .results
        .iter()
        .map(|t| {
            (
                rc.tr.t(&format!("target-{}", t.key)).to_owned(),
                d.trend
                    .iter()
                    .map(|(_, rs)| {
                        rs.iter()
                            .find(|r| r.key == t.key)
                            .map(|r| (fmt_value(r.all.value), r.all.status.as_str()))
                            .unwrap_or_default()
                    })
                    .collect(),
            )
        })
        .collect();
    let mut p = Page::new(&rc, "targets-title").crumb("/", rc.tr.t("nav-home"));
    for (c, n, link) in &d.ancestors {
        p = p.crumb(
            &if *link {
                format!("/targets?area={c}&year={}", d.year)
            } else {
                String::new()
            },
            n.clone(),
        );
    }
    p = p.crumb("", d.area.name.clone());
    let page = TargetsPage {
        p,
        area_name: d.area.name.clone(),
        year: d.year,
        live: q.get("live").is_some_and(|v| v == "1"),
        print: q.get("print").is_some_and(|v| v == "1"),
        met: count(Status::Met),
        short: count(Status::Short),
        rows,
        child_heads: CHILD_KEYS
            .iter()
            .map(|k| rc.tr.t(&format!("target-short-{k}")).to_owned())
            .collect(),
        children,
        trend_years,
        trend,
        snapshot: d.snapshot.as_ref().map(|(at, by)| {
            rc.tr.f(
                "targets-from-snapshot",
                &[("at", crate::view::datetime(*at)), ("by", by.clone())],
            )
        }),
        snapshot_years: d.snapshot_years.clone(),
        can_snapshot: d.can_snapshot,
        code,
    };
    Ok(with_page(&rc, &page))
}

/// The dashboard as XLSX: one row per area (this one, then its children), value, goal and
/// status of every target.
pub async fn export(rc: Rc, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let d = load(&rc, &q).await?;
    let tr = rc.tr;
    let mut headers: Vec<String> = vec![tr.t("col-code").into(), tr.t("col-name").into()];
    for k in sanshe_domain::targets::TARGET_KEYS {
        let key = format!("target-{k}");
        let n = tr.t(&key).to_owned();
        headers.push(n.clone());
        headers.push(format!("{n} · {}", tr.t("col-goal")));
        headers.push(format!("{n} · {}", tr.t("col-status")));
    }
    let h: Vec<&str> = headers.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for a in std::iter::once(&d.area).chain(d.children.iter()) {
        let mut row = vec![a.code.clone(), a.name.clone()];
        for t in &a.results {
            row.push(fmt_value(t.all.value));
            row.push(fmt_value(t.all.goal));
            row.push(
                tr.t(&format!("status-{}", t.all.status.as_str()))
                    .to_owned(),
            );
        }
        out.push(row);
    }
    let name = format!("targets-{}-{}", d.area.code, d.year);
    super::areas::file_response(&rc, "xlsx", &name, &h, &out)
}

#[derive(serde::Deserialize, Default)]
pub struct SnapshotForm {
    #[serde(default)]
    area: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    reason: Option<String>,
}

fn require(rc: &Rc, perm: sanshe_app::authz::Perm) -> Result<(), PageError> {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    sanshe_app::authz::require(actor, perm).page(rc)
}

pub async fn snapshot(rc: Rc, Form(f): Form<SnapshotForm>) -> PageResult {
    require(&rc, sanshe_app::authz::Perm::PolicyWrite)?;
    let year = f.year.trim().parse::<i64>().map_err(|_| {
        PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new("year", "err-number")),
            &rc,
        )
    })?;
    targets::take_snapshot(&rc.app, &rc.ctx, f.area.trim(), year, f.reason.as_deref())
        .await
        .page(&rc)?;
    Ok(redirect_flash(
        &format!("/targets?area={}&year={year}", f.area.trim()),
        "flash-snapshot",
    ))
}

// ---- policy profile --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "targets/policy.html")]
struct PolicyPage {
    p: Page,
    year: i64,
    fields: Vec<(String, String, String, Option<String>)>,
    others: Vec<String>,
}

fn policy_fields(
    rc: &Rc,
    values: &serde_json::Map<String, serde_json::Value>,
    errors: &FormErrors,
) -> Vec<(String, String, String, Option<String>)> {
    values
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                rc.tr.t(&format!("policy-{k}")).to_owned(),
                match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                },
                errors.get(k).cloned(),
            )
        })
        .collect()
}

fn policy_page(
    rc: &Rc,
    year: i64,
    values: serde_json::Map<String, serde_json::Value>,
    errors: FormErrors,
) -> axum::response::Response {
    let keys: Vec<String> = values.keys().cloned().collect();
    let shown: Vec<&str> = keys.iter().map(String::as_str).collect();
    let page = PolicyPage {
        p: Page::new(rc, "policy-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/targets", rc.tr.t("targets-title"))
            .crumb("", rc.tr.t("policy-title")),
        year,
        fields: policy_fields(rc, &values, &errors),
        others: errors.others(&shown),
    };
    let bad = !errors.is_empty();
    let mut r = with_page(rc, &page);
    if bad {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

fn profile_map(p: &PolicyProfile) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::to_value(p) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => serde_json::Map::new(),
    }
}

pub async fn policy_form(rc: Rc, Path(year): Path<i64>) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    sanshe_app::authz::require(actor, sanshe_app::authz::Perm::TargetRead).page(&rc)?;
    let p = targets::profile(&rc.app, year).await.page(&rc)?;
    Ok(policy_page(
        &rc,
        year,
        profile_map(&p),
        FormErrors::default(),
    ))
}

pub async fn policy_save(
    rc: Rc,
    Path(year): Path<i64>,
    Form(form): Form<HashMap<String, String>>,
) -> PageResult {
    require(&rc, sanshe_app::authz::Perm::PolicyWrite)?;
    let defaults = profile_map(&PolicyProfile::default());
    let mut out = serde_json::Map::new();
    let mut errs = Vec::new();
    for (k, v) in &defaults {
        let raw = form.get(k).map(|s| s.trim()).unwrap_or("");
        let parsed = if v.is_i64() || v.is_u64() {
            raw.parse::<i64>().ok().map(serde_json::Value::from)
        } else {
            raw.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(serde_json::Value::from)
        };
        match parsed {
            Some(x) => {
                out.insert(k.clone(), x);
            }
            None => {
                errs.push(sanshe_domain::FieldError::new(k, "err-cell-number"));
                out.insert(k.clone(), serde_json::Value::String(raw.to_owned()));
            }
        }
    }
    let result = if errs.is_empty() {
        match serde_json::from_value::<PolicyProfile>(serde_json::Value::Object(out.clone())) {
            Ok(p) => targets::set_profile(&rc.app, &rc.ctx, year, &p).await,
            Err(e) => Err(AppError::Internal(e.to_string())),
        }
    } else {
        Err(AppError::Invalid(errs))
    };
    match result {
        Ok(()) => Ok(redirect_flash(&format!("/policy/{year}"), "flash-saved")),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errors) => Ok(policy_page(&rc, year, out, errors)),
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn policy_current(rc: Rc) -> PageResult {
    require(&rc, sanshe_app::authz::Perm::TargetRead)?;
    let year = sanshe_app::areas::default_year(&rc.app).await.page(&rc)?;
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Redirect::to(&format!("/policy/{year}")),
    ))
}
