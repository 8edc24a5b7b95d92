//! Organization-rating pages: the list (with an organization's application and its
//! eligibility), one rating with its steps, the certificate, the district's settings and
//! rating committee, the export, and the portal's notice of ratings.

use super::{form_get, form_pairs, label, require_perm, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{datetime, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query, RawForm};
use sanshe_app::authz::Perm;
use sanshe_app::purchase::ratings as app;
use sanshe_app::AppError;
use sanshe_domain::rating::{self as domain, RatingEvent, Ratings, INDICATORS, KINDS};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::ratings::{Filter, RatingRow};
use serde::Deserialize;

/// The keys named dynamically (for the locale completeness test).
#[cfg_attr(not(test), allow(dead_code))]
pub fn vocabulary_keys() -> Vec<String> {
    let mut k = Vec::new();
    for s in Ratings::STATES {
        k.push(format!("rating-state-{}", Ratings::state_name(*s)));
    }
    for e in Ratings::EVENTS {
        k.push(format!("rating-event-{}", Ratings::event_name(*e)));
    }
    for i in INDICATORS {
        k.push(format!("rating-indicator-{i}"));
    }
    for c in app::EXPORT_COLUMNS {
        k.push(c.to_owned());
    }
    for kind in [
        "rating.applied",
        "rating.assigned",
        "rating.notice",
        "rating.review",
        "rating.answered",
        "rating.granted",
        "rating.rejected",
        "rating.lowered",
        "reminder.rating_review",
    ] {
        k.push(super::inbox::kind_key(kind));
    }
    k
}

pub struct RatingLine {
    pub id: i64,
    pub org: String,
    pub kind: String,
    pub total: String,
    pub grade: String,
    pub valid_until: String,
    pub state: String,
    pub state_label: String,
}

fn line(rc: &Rc, r: &RatingRow) -> RatingLine {
    RatingLine {
        id: r.id,
        org: r.org_name.clone(),
        kind: label(rc, format!("org-kind-{}", r.kind)),
        total: r.total.map(|t| t.to_string()).unwrap_or_default(),
        grade: app::grade_text(r.grade),
        valid_until: r.valid_until.clone().unwrap_or_default(),
        state_label: label(rc, format!("rating-state-{}", r.state)),
        state: r.state.clone(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> Filter {
        let states: Vec<&str> = Ratings::STATES
            .iter()
            .map(|s| Ratings::state_name(*s))
            .collect();
        Filter {
            state: states
                .contains(&self.state.as_str())
                .then(|| self.state.clone()),
            q: Some(self.q.trim().chars().take(100).collect::<String>())
                .filter(|q| !q.is_empty() && !q.chars().any(char::is_control)),
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "ratings/list.html")]
struct ListPage {
    p: Page,
    rows: Vec<RatingLine>,
    pager: Pager,
    q: ListQuery,
    states: Vec<(String, String)>,
    export: String,
    manage: bool,
    /// An organization: why it may not apply now (empty: it may).
    is_org: bool,
    refusals: Vec<String>,
    errors: Vec<String>,
    report: String,
}

async fn list_with(rc: &Rc, q: ListQuery, errors: Vec<String>, report: String) -> PageResult {
    let r = app::list(
        &rc.app,
        &rc.ctx,
        q.filter(),
        crate::view::page_req(q.page, Some(50)),
    )
    .await
    .page(rc)?;
    let actor = rc.ctx.actor().map_err(|e| PageError::new(e, rc))?;
    let is_org = sanshe_app::authz::can(actor, Perm::PurchaseApply);
    let refusals = if is_org {
        app::my_eligibility(&rc.app, &rc.ctx)
            .await
            .page(rc)?
            .iter()
            .map(|f| rc.tr.field_error(f))
            .collect()
    } else {
        Vec::new()
    };
    let params = vec![("state", q.state.clone()), ("q", q.q.clone())];
    let status = errors.is_empty();
    let page = ListPage {
        p: Page::new(rc, "rating-title").crumb("/", rc.tr.t("nav-home")),
        rows: r.items.iter().map(|x| line(rc, x)).collect(),
        pager: Pager::new("/ratings", &params, &r),
        export: crate::view::query_string(&params),
        states: Ratings::STATES
            .iter()
            .map(|s| {
                let n = Ratings::state_name(*s);
                (n.to_owned(), label(rc, format!("rating-state-{n}")))
            })
            .collect(),
        manage: sanshe_app::authz::can(actor, Perm::PurchaseManage),
        is_org,
        refusals,
        errors,
        report,
        q,
    };
    let mut resp = with_page(rc, &page);
    if !status {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn list(rc: Rc, Query(q): Query<ListQuery>) -> PageResult {
    list_with(&rc, q, Vec::new(), String::new()).await
}

pub async fn apply(rc: Rc, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, Perm::PurchaseApply)?;
    let form = form_pairs(&body);
    let report = form_get(&form, "report").to_owned();
    match app::apply(&rc.app, &rc.ctx, &report).await {
        Ok(id) => Ok(redirect_flash(&format!("/ratings/{id}"), "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            list_with(&rc, ListQuery::default(), errs, report).await
        }
        Err(AppError::Conflict(f)) => {
            list_with(
                &rc,
                ListQuery::default(),
                vec![rc.tr.field_error(&f)],
                report,
            )
            .await
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

pub async fn export(rc: Rc, Path(format): Path<String>, Query(q): Query<ListQuery>) -> PageResult {
    let r = app::list(
        &rc.app,
        &rc.ctx,
        q.filter(),
        sanshe_store::PageReq {
            page: 1,
            per_page: 100_000,
        },
    )
    .await
    .page(&rc)?;
    let headers: Vec<&str> = app::EXPORT_COLUMNS.iter().map(|c| rc.tr.t(c)).collect();
    let mut rows = app::export_rows(&r.items);
    for row in &mut rows {
        row[2] = label(&rc, format!("org-kind-{}", row[2]));
        row[6] = label(&rc, format!("rating-state-{}", row[6]));
    }
    super::areas::file_response(&rc, &format, "ratings", &headers, &rows)
}

// ---- one rating ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "ratings/detail.html")]
struct DetailPage {
    p: Page,
    x: RatingLine,
    r: RatingRow,
    /// (code, label, most points, points given)
    indicators: Vec<(String, String, i64, String)>,
    bounds: String,
    events: Vec<(String, String)>,
    /// (id, "name（affiliation）", tied)
    committee: Vec<(i64, String, bool)>,
    assessors: Vec<(i64, String)>,
    lower_grades: Vec<i64>,
    version: i64,
    errors: Vec<String>,
    timeline: Vec<(String, String, String, String)>,
}

async fn detail_with(rc: &Rc, id: i64, errors: Vec<String>) -> PageResult {
    let v = app::get(&rc.app, &rc.ctx, id).await.page(rc)?;
    let r = &v.rating;
    let given: Vec<String> = r.scores.split(',').map(str::to_owned).collect();
    let has = |e: RatingEvent| v.offered.contains(&e);
    let assessors = if has(RatingEvent::Accept) {
        sanshe_app::purchase::evaluations::assessors(&rc.app, &rc.ctx)
            .await
            .page(rc)?
            .into_iter()
            .filter(|a| a.agency_id != r.org_id)
            .map(|a| (a.user_id, format!("{}（{}）", a.name, a.agency_name)))
            .collect()
    } else {
        Vec::new()
    };
    let status = errors.is_empty();
    let page = DetailPage {
        p: Page::new(rc, "rating-detail")
            .crumb("/ratings", rc.tr.t("rating-title"))
            .crumb("", r.org_name.clone()),
        x: line(rc, r),
        indicators: INDICATORS
            .iter()
            .enumerate()
            .map(|(n, i)| {
                (
                    (*i).to_owned(),
                    label(rc, format!("rating-indicator-{i}")),
                    v.points[n],
                    given.get(n).cloned().unwrap_or_default(),
                )
            })
            .collect(),
        bounds: v
            .scheme
            .bounds
            .iter()
            .zip(domain::GRADES)
            .map(|(b, g)| format!("{g}A ≥ {b}"))
            .collect::<Vec<_>>()
            .join(" · "),
        events: v
            .offered
            .iter()
            .map(|e| {
                let n = Ratings::event_name(*e);
                (n.to_owned(), label(rc, format!("rating-event-{n}")))
            })
            .collect(),
        committee: v
            .committee
            .iter()
            .map(|(m, tied)| {
                (
                    m.id,
                    if m.affiliation.is_empty() {
                        m.name.clone()
                    } else {
                        format!("{}（{}）", m.name, m.affiliation)
                    },
                    *tied,
                )
            })
            .collect(),
        assessors,
        lower_grades: (1..r.grade.unwrap_or(0)).rev().collect(),
        version: r.version,
        errors,
        timeline: v
            .history
            .iter()
            .map(|h| {
                (
                    datetime(h.at),
                    h.entry.actor_name.clone(),
                    label(rc, format!("rating-event-{}", h.entry.event)),
                    h.entry.note.clone(),
                )
            })
            .collect(),
        r: r.clone(),
    };
    let mut resp = with_page(rc, &page);
    if !status {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn detail(rc: Rc, Path(id): Path<i64>) -> PageResult {
    detail_with(&rc, id, Vec::new()).await
}

pub async fn transition(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let scores = form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("score_").map(|c| (c.to_owned(), v.clone())))
        .collect();
    let members = form
        .iter()
        .filter(|(k, _)| k == "member")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let r = app::step(
        &rc.app,
        &rc.ctx,
        id,
        &app::Step {
            event: form_get(&form, "event").to_owned(),
            version: form_get(&form, "version").parse().ok(),
            assessor: form_get(&form, "assessor").parse().ok(),
            scores,
            members,
            grade: form_get(&form, "grade").parse().ok(),
            text: form_get(&form, "text").to_owned(),
        },
    )
    .await;
    match r {
        Ok(()) => Ok(redirect_flash(&format!("/ratings/{id}"), "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            detail_with(&rc, id, errs).await
        }
        Err(AppError::Conflict(f)) => detail_with(&rc, id, vec![rc.tr.field_error(&f)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

#[derive(Template)]
#[template(path = "ratings/certificate.html")]
struct CertificatePage {
    p: Page,
    r: RatingRow,
    grade: String,
}

/// The printable certificate of a grade in effect.
pub async fn certificate(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let v = app::get(&rc.app, &rc.ctx, id).await.page(&rc)?;
    if !matches!(v.rating.state.as_str(), "granted" | "downgraded") {
        return Err(PageError::new(AppError::NotFound, &rc));
    }
    let page = CertificatePage {
        p: Page::new(&rc, "rating-certificate"),
        grade: app::grade_text(v.rating.grade),
        r: v.rating,
    };
    Ok(with_page(&rc, &page))
}

// ---- the district's settings and committee --------------------------------------------------

#[derive(Template)]
#[template(path = "ratings/scheme.html")]
struct SchemePage {
    p: Page,
    /// (kind code, label, points)
    kinds: Vec<(String, String, Vec<i64>)>,
    indicators: Vec<(String, String)>,
    s: domain::Scheme,
    editable: bool,
    errors: Vec<String>,
}

fn scheme_page(rc: &Rc, s: domain::Scheme, editable: bool, errors: Vec<String>) -> PageResult {
    let status = errors.is_empty();
    let page = SchemePage {
        p: Page::new(rc, "rating-scheme").crumb("/ratings", rc.tr.t("rating-title")),
        kinds: KINDS
            .iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    label(rc, format!("org-kind-{k}")),
                    s.points_of(k).to_vec(),
                )
            })
            .collect(),
        indicators: INDICATORS
            .iter()
            .map(|i| ((*i).to_owned(), label(rc, format!("rating-indicator-{i}"))))
            .collect(),
        s,
        editable,
        errors,
    };
    let mut r = with_page(rc, &page);
    if !status {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn scheme(rc: Rc) -> PageResult {
    let (s, editable) = app::scheme(&rc.app, &rc.ctx).await.page(&rc)?;
    scheme_page(&rc, s, editable, Vec::new())
}

pub async fn save_scheme(rc: Rc, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let mut errs = Vec::new();
    let mut num = |k: &str| -> i64 {
        match sanshe_domain::cell::normalize_text(form_get(&form, k))
            .trim()
            .parse()
        {
            Ok(n) => n,
            Err(_) => {
                errs.push(FieldError::new(k, "err-number"));
                0
            }
        }
    };
    let s = domain::Scheme {
        kinds: KINDS
            .iter()
            .map(|k| domain::KindPoints {
                kind: (*k).to_owned(),
                points: [
                    num(&format!("p_{k}_0")),
                    num(&format!("p_{k}_1")),
                    num(&format!("p_{k}_2")),
                    num(&format!("p_{k}_3")),
                ],
            })
            .collect(),
        bounds: [num("b_0"), num("b_1"), num("b_2"), num("b_3"), num("b_4")],
        validity_years: num("validity_years"),
        downgrade_wait_years: num("downgrade_wait_years"),
        cancel_wait_years: num("cancel_wait_years"),
        notice_days: num("notice_days"),
        review_days: num("review_days"),
        committee_min: num("committee_min"),
        committee_max: num("committee_max"),
        min_years_registered: num("min_years_registered"),
    };
    let r = if errs.is_empty() {
        app::set_scheme(&rc.app, &rc.ctx, &s).await
    } else {
        Err(AppError::Invalid(errs))
    };
    match r {
        Ok(()) => Ok(redirect_flash("/ratings/scheme", "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            scheme_page(&rc, s, true, errs)
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

#[derive(Template)]
#[template(path = "ratings/committee.html")]
struct CommitteePage {
    p: Page,
    /// (name, affiliation, tied organization id)
    members: Vec<(String, String, String)>,
    errors: Vec<String>,
    min: i64,
    max: i64,
}

async fn committee_with(rc: &Rc, errors: Vec<String>) -> PageResult {
    let m = app::committee(&rc.app, &rc.ctx).await.page(rc)?;
    let (s, _) = app::scheme(&rc.app, &rc.ctx).await.page(rc)?;
    let status = errors.is_empty();
    let page = CommitteePage {
        p: Page::new(rc, "rating-committee").crumb("/ratings", rc.tr.t("rating-title")),
        members: m
            .into_iter()
            .map(|m| {
                (
                    m.name,
                    m.affiliation,
                    m.tied_org_id.map(|o| o.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        errors,
        min: s.committee_min,
        max: s.committee_max,
    };
    let mut r = with_page(rc, &page);
    if !status {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn committee(rc: Rc) -> PageResult {
    committee_with(&rc, Vec::new()).await
}

pub async fn add_member(rc: Rc, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let tied = form_get(&form, "tied_org").trim();
    let r = match (tied.is_empty(), tied.parse::<i64>()) {
        (true, _) => {
            app::add_member(
                &rc.app,
                &rc.ctx,
                form_get(&form, "name"),
                form_get(&form, "affiliation"),
                None,
            )
            .await
        }
        (false, Ok(o)) => {
            app::add_member(
                &rc.app,
                &rc.ctx,
                form_get(&form, "name"),
                form_get(&form, "affiliation"),
                Some(o),
            )
            .await
        }
        (false, Err(_)) => Err(AppError::invalid(FieldError::new("tied_org", "err-number"))),
    };
    match r {
        Ok(_) => Ok(redirect_flash("/ratings/committee", "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            committee_with(&rc, errs).await
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

// ---- the portal ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public/ratings.html")]
struct PublicPage {
    p: Page,
    here: &'static str,
    notice: Vec<(RatingLine, String, String)>,
    granted: Vec<RatingLine>,
}

pub async fn public(rc: Rc) -> PageResult {
    let all = app::public_list(&rc.app).await.page(&rc)?;
    let mut p = Page::new(&rc, "public-ratings");
    p.nav.clear();
    let page = PublicPage {
        p,
        here: "ratings",
        notice: all
            .iter()
            .filter(|r| matches!(r.state.as_str(), "notice" | "review"))
            .map(|r| {
                (
                    line(&rc, r),
                    r.notice_until.clone().unwrap_or_default(),
                    r.committee.clone(),
                )
            })
            .collect(),
        granted: all
            .iter()
            .filter(|r| matches!(r.state.as_str(), "granted" | "downgraded"))
            .map(|r| line(&rc, r))
            .collect(),
    };
    Ok(with_page(&rc, &page))
}
