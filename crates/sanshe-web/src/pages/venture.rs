//! Venture-philanthropy (公益创投) pages: the rounds, a round's settings form, a round with
//! its ranking and the officer's steps, an organization's application, a project with the
//! reviewer's score sheet and the officer's steps, the ranking export, and the portal's rounds
//! with the residents' vote.

use super::{form_get, form_pairs, require_perm, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{datetime, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query, RawForm};
use sanshe_app::purchase::venture as app;
use sanshe_app::AppError;
use sanshe_domain::evaluation::points_text;
use sanshe_domain::venture::{self as domain, ProjectEvent, Projects, Rounds, CRITERIA};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::venture::{ProjectRow, RoundFilter, RoundRow};
use serde::Deserialize;

/// The keys named dynamically (for the locale completeness test).
#[cfg_attr(not(test), allow(dead_code))]
pub fn vocabulary_keys() -> Vec<String> {
    let mut k = Vec::new();
    for s in Rounds::STATES {
        k.push(format!("venture-round-state-{}", Rounds::state_name(*s)));
    }
    for e in Rounds::EVENTS {
        k.push(format!("venture-round-event-{}", Rounds::event_name(*e)));
    }
    for s in Projects::STATES {
        k.push(format!("venture-state-{}", Projects::state_name(*s)));
    }
    for e in Projects::EVENTS {
        k.push(format!("venture-event-{}", Projects::event_name(*e)));
    }
    for m in domain::REVIEW_MODES {
        k.push(format!("venture-mode-{m}"));
    }
    for s in domain::SOURCES {
        k.push(format!("venture-source-{s}"));
    }
    k.extend(app::criteria_keys());
    for c in app::EXPORT_COLUMNS {
        k.push(c.to_owned());
    }
    for kind in [
        "venture.published",
        "venture.finalist",
        "venture.not_funded",
        "venture.reviewer",
        "venture.screened",
        "venture.rejected",
        "venture.shortlisted",
        "venture.awarded",
        "venture.paid",
        "venture.stopped",
        "venture.submitted",
        "reminder.venture_first",
    ] {
        k.push(super::inbox::kind_key(kind));
    }
    k
}

fn yuan_opt(fen: i64) -> String {
    app::yuan(fen)
}

/// Yuan typed in a form (0 allowed where `zero`), in fen.
fn fen_of(field: &str, v: &str, zero: bool, errs: &mut Vec<FieldError>) -> i64 {
    let t = v.trim();
    if zero && (t.is_empty() || t == "0") {
        return 0;
    }
    match sanshe_domain::purchase::amount(field, t) {
        Ok(f) => f,
        Err(e) => {
            errs.push(e);
            0
        }
    }
}

fn int_of(field: &str, v: &str, errs: &mut Vec<FieldError>) -> i64 {
    match sanshe_domain::cell::normalize_text(v).trim().parse::<i64>() {
        Ok(n) => n,
        Err(_) => {
            errs.push(FieldError::new(field, "err-number"));
            0
        }
    }
}

fn state_label(rc: &Rc, prefix: &str, s: &str) -> String {
    rc.tr.t(&format!("{prefix}-{s}")).to_owned()
}

// ---- the rounds --------------------------------------------------------------------------

pub struct RoundLine {
    pub id: i64,
    pub year: i64,
    pub title: String,
    pub pool: String,
    pub committed: String,
    pub apply_until: String,
    pub projects: i64,
    pub mode: String,
    pub state: String,
    pub state_label: String,
}

fn round_line(rc: &Rc, r: &RoundRow) -> RoundLine {
    RoundLine {
        id: r.id,
        year: r.year,
        title: r.title.clone(),
        pool: yuan_opt(r.pool_fiscal_fen + r.pool_charity_fen),
        committed: yuan_opt(r.committed_fiscal_fen + r.committed_charity_fen),
        apply_until: r.apply_until.clone(),
        projects: r.projects,
        mode: state_label(rc, "venture-mode", &r.review_mode),
        state_label: state_label(rc, "venture-round-state", &r.state),
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

#[derive(Template)]
#[template(path = "venture/rounds.html")]
struct ListPage {
    p: Page,
    rows: Vec<RoundLine>,
    pager: Pager,
    q: ListQuery,
    states: Vec<(String, String)>,
    may_create: bool,
}

pub async fn list(rc: Rc, Query(q): Query<ListQuery>) -> PageResult {
    let states: Vec<&str> = Rounds::STATES
        .iter()
        .map(|s| Rounds::state_name(*s))
        .collect();
    let f = RoundFilter {
        state: states.contains(&q.state.as_str()).then(|| q.state.clone()),
        q: Some(q.q.trim().chars().take(100).collect::<String>())
            .filter(|s| !s.is_empty() && !s.chars().any(char::is_control)),
        ..Default::default()
    };
    let r = app::rounds(&rc.app, &rc.ctx, f, crate::view::page_req(q.page, Some(30)))
        .await
        .page(&rc)?;
    let params = vec![("state", q.state.clone()), ("q", q.q.clone())];
    let may_create = rc
        .actor()
        .is_some_and(|a| sanshe_app::authz::can(a, sanshe_app::authz::Perm::PurchaseManage));
    let page = ListPage {
        p: Page::new(&rc, "venture-title").crumb("/", rc.tr.t("nav-home")),
        rows: r.items.iter().map(|x| round_line(&rc, x)).collect(),
        pager: Pager::new("/venture", &params, &r),
        states: states
            .iter()
            .map(|s| ((*s).to_owned(), state_label(&rc, "venture-round-state", s)))
            .collect(),
        may_create,
        q,
    };
    Ok(with_page(&rc, &page))
}

// ---- a round's settings --------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct RoundForm {
    pub title: String,
    pub year: String,
    pub description: String,
    pub topics: String,
    pub pool_fiscal: String,
    pub pool_charity: String,
    pub tiers: String,
    pub review_mode: String,
    pub apply_until: String,
    pub notice_days: String,
    pub vote_top_n: String,
    pub vote_bonus: String,
    pub matched_unit: String,
    pub matched_cap: String,
    pub first_days: String,
    pub first_share: String,
    pub debar_years: String,
    pub version: i64,
}

impl RoundForm {
    fn of(s: &domain::Settings, version: i64) -> RoundForm {
        RoundForm {
            title: s.title.clone(),
            year: s.year.to_string(),
            description: s.description.clone(),
            topics: s.topics.join("\n"),
            pool_fiscal: app::yuan(s.pool_fiscal_fen),
            pool_charity: app::yuan(s.pool_charity_fen),
            tiers: s
                .tiers
                .iter()
                .map(|t| app::yuan(*t))
                .collect::<Vec<_>>()
                .join(", "),
            review_mode: s.review_mode.clone(),
            apply_until: s.apply_until.clone(),
            notice_days: s.notice_days.to_string(),
            vote_top_n: s.vote_top_n.to_string(),
            vote_bonus: s.vote_bonus.to_string(),
            matched_unit: app::yuan(s.matched_unit_fen),
            matched_cap: s.matched_cap.to_string(),
            first_days: s.first_days.to_string(),
            first_share: s.first_share.to_string(),
            debar_years: s.debar_years.to_string(),
            version,
        }
    }

    fn read(form: &[(String, String)]) -> RoundForm {
        let g = |k: &str| form_get(form, k).to_owned();
        RoundForm {
            title: g("title"),
            year: g("year"),
            description: g("description"),
            topics: g("topics"),
            pool_fiscal: g("pool_fiscal"),
            pool_charity: g("pool_charity"),
            tiers: g("tiers"),
            review_mode: g("review_mode"),
            apply_until: g("apply_until"),
            notice_days: g("notice_days"),
            vote_top_n: g("vote_top_n"),
            vote_bonus: g("vote_bonus"),
            matched_unit: g("matched_unit"),
            matched_cap: g("matched_cap"),
            first_days: g("first_days"),
            first_share: g("first_share"),
            debar_years: g("debar_years"),
            version: form_get(form, "version").parse().unwrap_or(0),
        }
    }

    fn settings(&self) -> Result<domain::Settings, Vec<FieldError>> {
        let mut e = Vec::new();
        let tiers = domain::parse_tiers(&self.tiers).unwrap_or_else(|| {
            e.push(FieldError::new("tiers", "err-venture-tiers").arg("max", domain::MAX_TIERS));
            Vec::new()
        });
        let s = domain::Settings {
            title: self.title.trim().to_owned(),
            year: int_of("year", &self.year, &mut e),
            description: self.description.clone(),
            topics: self
                .topics
                .lines()
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            pool_fiscal_fen: fen_of("pool_fiscal_fen", &self.pool_fiscal, true, &mut e),
            pool_charity_fen: fen_of("pool_charity_fen", &self.pool_charity, true, &mut e),
            tiers,
            review_mode: self.review_mode.clone(),
            apply_until: self.apply_until.trim().to_owned(),
            notice_days: int_of("notice_days", &self.notice_days, &mut e),
            vote_top_n: int_of("vote_top_n", &self.vote_top_n, &mut e),
            vote_bonus: int_of("vote_bonus", &self.vote_bonus, &mut e),
            matched_unit_fen: fen_of("matched_unit_fen", &self.matched_unit, false, &mut e),
            matched_cap: int_of("matched_cap", &self.matched_cap, &mut e),
            first_days: int_of("first_days", &self.first_days, &mut e),
            first_share: int_of("first_share", &self.first_share, &mut e),
            debar_years: int_of("debar_years", &self.debar_years, &mut e),
        };
        if e.is_empty() {
            Ok(s)
        } else {
            Err(e)
        }
    }
}

#[derive(Template)]
#[template(path = "venture/round_form.html")]
struct RoundFormPage {
    p: Page,
    f: RoundForm,
    action: String,
    errors: Vec<String>,
    modes: Vec<(String, String)>,
}

fn round_form_page(rc: &Rc, f: RoundForm, action: String, errors: Vec<String>) -> PageResult {
    let status = errors.is_empty();
    let page = RoundFormPage {
        p: Page::new(rc, "venture-round-form").crumb("/venture", rc.tr.t("venture-title")),
        modes: domain::REVIEW_MODES
            .iter()
            .map(|m| ((*m).to_owned(), state_label(rc, "venture-mode", m)))
            .collect(),
        f,
        action,
        errors,
    };
    let mut r = with_page(rc, &page);
    if !status {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn new_round(rc: Rc) -> PageResult {
    require_perm(&rc, sanshe_app::authz::Perm::PurchaseManage)?;
    let today = sanshe_app::calendar::today();
    let s = domain::Settings::new(i64::from(today.year()), &today.plus_days(30).to_string());
    round_form_page(&rc, RoundForm::of(&s, 0), "/venture".into(), Vec::new())
}

pub async fn create_round(rc: Rc, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, sanshe_app::authz::Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let f = RoundForm::read(&form);
    let r = match f.settings() {
        Ok(s) => app::create_round(&rc.app, &rc.ctx, &s).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match r {
        Ok(id) => Ok(redirect_flash(
            &format!("/venture/rounds/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            round_form_page(&rc, f, "/venture".into(), errs)
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

pub async fn edit_round(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let v = app::round_view(&rc.app, &rc.ctx, id).await.page(&rc)?;
    if !v.may_manage {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    round_form_page(
        &rc,
        RoundForm::of(&v.settings, v.round.version),
        format!("/venture/rounds/{id}/edit"),
        Vec::new(),
    )
}

pub async fn save_round(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, sanshe_app::authz::Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let f = RoundForm::read(&form);
    let r = match f.settings() {
        Ok(s) => app::update_round(&rc.app, &rc.ctx, id, Some(f.version), &s).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/venture/rounds/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            round_form_page(&rc, f, format!("/venture/rounds/{id}/edit"), errs)
        }
        Err(AppError::Conflict(c)) => round_form_page(
            &rc,
            f,
            format!("/venture/rounds/{id}/edit"),
            vec![rc.tr.field_error(&c)],
        ),
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

// ---- one round -----------------------------------------------------------------------------

pub struct ProjectLine {
    pub rank: usize,
    pub id: i64,
    pub title: String,
    pub org: String,
    pub topic: String,
    pub tier: String,
    pub score: String,
    pub reviewers: i64,
    pub matched: String,
    pub votes: i64,
    pub vote_bonus: String,
    pub total: String,
    pub award: String,
    pub source: String,
    pub finding: String,
    pub state: String,
    pub state_label: String,
}

fn project_line(rc: &Rc, n: usize, p: &ProjectRow, scores: bool) -> ProjectLine {
    ProjectLine {
        rank: n + 1,
        id: p.id,
        title: p.title.clone(),
        org: p.org_name.clone(),
        topic: p.topic.clone(),
        tier: app::yuan(p.tier_fen),
        score: p
            .score_tenths
            .filter(|_| scores)
            .map(points_text)
            .unwrap_or_default(),
        reviewers: p.reviewers,
        matched: points_text(p.matched_tenths),
        votes: p.votes,
        vote_bonus: points_text(p.vote_tenths),
        total: p
            .total_tenths
            .filter(|_| scores)
            .map(points_text)
            .unwrap_or_default(),
        award: if p.award_fen > 0 {
            app::yuan(p.award_fen)
        } else {
            String::new()
        },
        source: p
            .source
            .as_deref()
            .map(|s| state_label(rc, "venture-source", s))
            .unwrap_or_default(),
        finding: if p.state == "stopped" {
            p.finding.clone()
        } else {
            String::new()
        },
        state_label: state_label(rc, "venture-state", &p.state),
        state: p.state.clone(),
    }
}

#[derive(Template)]
#[template(path = "venture/round.html")]
struct RoundPage {
    p: Page,
    r: RoundLine,
    s: domain::Settings,
    description: String,
    tiers: String,
    pool_fiscal: String,
    pool_charity: String,
    committed_fiscal: String,
    committed_charity: String,
    left_fiscal: String,
    left_charity: String,
    vote_until: String,
    matched_unit: String,
    rows: Vec<ProjectLine>,
    reviewers: Vec<(String, String)>,
    assessors: Vec<(i64, String)>,
    events: Vec<(String, String)>,
    version: i64,
    may_manage: bool,
    may_apply: bool,
    own_project: Option<i64>,
    is_reviewer: bool,
    scores_visible: bool,
    refusals: Vec<String>,
    errors: Vec<String>,
    awarding: bool,
    timeline: Vec<(String, String, String, String)>,
}

async fn round_with(rc: &Rc, id: i64, errors: Vec<String>) -> PageResult {
    let v = app::round_view(&rc.app, &rc.ctx, id).await.page(rc)?;
    let r = &v.round;
    let assessors = if v.may_manage && matches!(r.state.as_str(), "draft" | "open" | "review") {
        sanshe_app::purchase::evaluations::assessors(&rc.app, &rc.ctx)
            .await
            .page(rc)?
            .into_iter()
            .filter(|a| !v.reviewers.iter().any(|x| x.user_id == a.user_id))
            .map(|a| (a.user_id, format!("{}（{}）", a.name, a.agency_name)))
            .collect()
    } else {
        Vec::new()
    };
    let status = errors.is_empty();
    let page = RoundPage {
        p: Page::new(rc, "venture-round")
            .crumb("/venture", rc.tr.t("venture-title"))
            .crumb("", r.title.clone()),
        r: round_line(rc, r),
        description: r.description.clone(),
        tiers: v
            .settings
            .tiers
            .iter()
            .map(|t| format!("¥{}", app::yuan(*t)))
            .collect::<Vec<_>>()
            .join(" / "),
        pool_fiscal: app::yuan(r.pool_fiscal_fen),
        pool_charity: app::yuan(r.pool_charity_fen),
        committed_fiscal: app::yuan(r.committed_fiscal_fen),
        committed_charity: app::yuan(r.committed_charity_fen),
        left_fiscal: app::yuan(r.pool_fiscal_fen - r.committed_fiscal_fen),
        left_charity: app::yuan(r.pool_charity_fen - r.committed_charity_fen),
        vote_until: r.vote_until.clone().unwrap_or_default(),
        matched_unit: app::yuan(r.matched_unit_fen),
        rows: v
            .projects
            .iter()
            .enumerate()
            .map(|(n, p)| project_line(rc, n, p, v.scores_visible))
            .collect(),
        reviewers: v
            .reviewers
            .iter()
            .map(|x| (x.name.clone(), x.org_name.clone()))
            .collect(),
        assessors,
        events: v
            .offered
            .iter()
            .map(|e| {
                let n = Rounds::event_name(*e);
                (n.to_owned(), state_label(rc, "venture-round-event", n))
            })
            .collect(),
        version: r.version,
        may_manage: v.may_manage,
        may_apply: v.may_apply,
        own_project: v.own_project,
        is_reviewer: v.is_reviewer,
        scores_visible: v.scores_visible,
        refusals: v.refusals.iter().map(|f| rc.tr.field_error(f)).collect(),
        errors,
        awarding: v.may_manage && r.state == "awarding",
        timeline: v
            .history
            .iter()
            .map(|h| {
                (
                    datetime(h.at),
                    h.entry.actor_name.clone(),
                    state_label(rc, "venture-round-event", &h.entry.event),
                    h.entry.note.clone(),
                )
            })
            .collect(),
        s: v.settings.clone(),
    };
    let mut resp = with_page(rc, &page);
    if !status {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn round(rc: Rc, Path(id): Path<i64>) -> PageResult {
    round_with(&rc, id, Vec::new()).await
}

async fn round_after(rc: &Rc, id: i64, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/venture/rounds/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            round_with(rc, id, errs).await
        }
        Err(AppError::Conflict(f)) => round_with(rc, id, vec![rc.tr.field_error(&f)]).await,
        Err(e) => Err(PageError::new(e, rc)),
    }
}

pub async fn round_transition(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let r = app::round_step(
        &rc.app,
        &rc.ctx,
        id,
        form_get(&form, "event"),
        form_get(&form, "version").parse().ok(),
    )
    .await;
    round_after(&rc, id, r).await
}

pub async fn add_reviewer(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, sanshe_app::authz::Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let r = match form_get(&form, "reviewer").parse::<i64>() {
        Ok(u) => app::add_reviewer(&rc.app, &rc.ctx, id, u).await,
        Err(_) => Err(AppError::invalid(FieldError::new(
            "reviewer",
            "err-required",
        ))),
    };
    round_after(&rc, id, r).await
}

pub async fn award_by_ranking(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let r = app::award_by_ranking(&rc.app, &rc.ctx, id)
        .await
        .map(|_| ());
    round_after(&rc, id, r).await
}

/// The ranking as CSV or XLSX.
pub async fn export(rc: Rc, Path((id, format)): Path<(i64, String)>) -> PageResult {
    let v = app::round_view(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let headers: Vec<&str> = app::EXPORT_COLUMNS.iter().map(|c| rc.tr.t(c)).collect();
    let mut rows = app::export_rows(&v.projects);
    for row in &mut rows {
        if !v.scores_visible {
            row[6].clear();
            row[10].clear();
        }
        if !row[12].is_empty() {
            row[12] = state_label(&rc, "venture-source", &row[12]);
        }
        row[13] = state_label(&rc, "venture-state", &row[13]);
    }
    super::areas::file_response(&rc, &format, "venture-ranking", &headers, &rows)
}

// ---- an application ------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct ProjectForm {
    pub title: String,
    pub topic: String,
    pub summary: String,
    pub plan: String,
    pub beneficiaries: String,
    pub tier: String,
    pub matched: String,
    pub not_funded_elsewhere: bool,
    pub version: i64,
}

impl ProjectForm {
    fn read(form: &[(String, String)]) -> ProjectForm {
        let g = |k: &str| form_get(form, k).to_owned();
        ProjectForm {
            title: g("title"),
            topic: g("topic"),
            summary: g("summary"),
            plan: g("plan"),
            beneficiaries: g("beneficiaries"),
            tier: g("tier"),
            matched: g("matched"),
            not_funded_elsewhere: !form_get(form, "not_funded_elsewhere").is_empty(),
            version: form_get(form, "version").parse().unwrap_or(0),
        }
    }

    fn of(p: &ProjectRow) -> ProjectForm {
        ProjectForm {
            title: p.title.clone(),
            topic: p.topic.clone(),
            summary: p.summary.clone(),
            plan: p.plan.clone(),
            beneficiaries: p.beneficiaries.to_string(),
            tier: p.tier_fen.to_string(),
            matched: app::yuan(p.matched_fen),
            not_funded_elsewhere: p.not_funded_elsewhere,
            version: p.version,
        }
    }

    fn input(&self, submit: bool) -> Result<app::ProjectInput, Vec<FieldError>> {
        let mut e = Vec::new();
        let beneficiaries = if self.beneficiaries.trim().is_empty() {
            0
        } else {
            int_of("beneficiaries", &self.beneficiaries, &mut e)
        };
        let matched_fen = fen_of("matched_fen", &self.matched, true, &mut e);
        let tier_fen = self.tier.trim().parse().unwrap_or(0);
        if e.is_empty() {
            Ok(app::ProjectInput {
                title: self.title.clone(),
                topic: self.topic.clone(),
                summary: self.summary.clone(),
                plan: self.plan.clone(),
                beneficiaries,
                tier_fen,
                matched_fen,
                not_funded_elsewhere: self.not_funded_elsewhere,
                submit,
                version: Some(self.version),
            })
        } else {
            Err(e)
        }
    }
}

#[derive(Template)]
#[template(path = "venture/project_form.html")]
struct ProjectFormPage {
    p: Page,
    round_id: i64,
    round_title: String,
    f: ProjectForm,
    action: String,
    topics: Vec<String>,
    tiers: Vec<(String, String)>,
    errors: Vec<String>,
    editing: bool,
}

async fn project_form(
    rc: &Rc,
    round: i64,
    f: ProjectForm,
    action: String,
    errors: Vec<String>,
    editing: bool,
) -> PageResult {
    let v = app::round_view(&rc.app, &rc.ctx, round).await.page(rc)?;
    let status = errors.is_empty();
    let page = ProjectFormPage {
        p: Page::new(rc, "venture-apply")
            .crumb("/venture", rc.tr.t("venture-title"))
            .crumb(&format!("/venture/rounds/{round}"), v.round.title.clone()),
        round_id: round,
        round_title: v.round.title.clone(),
        topics: v.settings.topics.clone(),
        tiers: v
            .settings
            .tiers
            .iter()
            .map(|t| (t.to_string(), format!("¥{}", app::yuan(*t))))
            .collect(),
        f,
        action,
        errors,
        editing,
    };
    let mut r = with_page(rc, &page);
    if !status {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn apply_form(rc: Rc, Path(id): Path<i64>) -> PageResult {
    require_perm(&rc, sanshe_app::authz::Perm::PurchaseApply)?;
    project_form(
        &rc,
        id,
        ProjectForm::default(),
        format!("/venture/rounds/{id}/projects"),
        Vec::new(),
        false,
    )
    .await
}

pub async fn apply(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, sanshe_app::authz::Perm::PurchaseApply)?;
    let form = form_pairs(&body);
    let f = ProjectForm::read(&form);
    let submit = form_get(&form, "submit") == "1";
    let r = match f.input(submit) {
        Ok(i) => app::apply(&rc.app, &rc.ctx, id, &i).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    let action = format!("/venture/rounds/{id}/projects");
    match r {
        Ok(pid) => Ok(redirect_flash(
            &format!("/venture/projects/{pid}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            project_form(&rc, id, f, action, errs, false).await
        }
        Err(AppError::Conflict(c)) => {
            project_form(&rc, id, f, action, vec![rc.tr.field_error(&c)], false).await
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

pub async fn save_project(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, sanshe_app::authz::Perm::PurchaseApply)?;
    let form = form_pairs(&body);
    let f = ProjectForm::read(&form);
    let r = match f.input(false) {
        Ok(i) => app::edit(&rc.app, &rc.ctx, id, &i).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/venture/projects/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let v = app::project_view(&rc.app, &rc.ctx, id).await.page(&rc)?;
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            project_form(
                &rc,
                v.round.id,
                f,
                format!("/venture/projects/{id}/edit"),
                errs,
                true,
            )
            .await
        }
        Err(AppError::Conflict(c)) => project_with(&rc, id, vec![rc.tr.field_error(&c)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

// ---- one project ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "venture/project.html")]
struct ProjectPage {
    p: Page,
    x: ProjectLine,
    pr: ProjectRow,
    f: ProjectForm,
    round_state_label: String,
    matched: String,
    paid: String,
    clawed: String,
    first: String,
    rest: String,
    tiers: Vec<(String, String)>,
    topics: Vec<String>,
    /// (reviewer, points per criterion, total, comment)
    scores: Vec<(String, Vec<String>, i64, String)>,
    criteria: Vec<(String, String)>,
    my_points: Vec<(String, String, String)>,
    my_comment: String,
    events: Vec<(String, String)>,
    may_edit: bool,
    may_score: bool,
    version: i64,
    errors: Vec<String>,
    timeline: Vec<(String, String, String, String)>,
    /// The draft's edit form (shared with the application form).
    action: String,
    editing: bool,
}

async fn project_with(rc: &Rc, id: i64, errors: Vec<String>) -> PageResult {
    let v = app::project_view(&rc.app, &rc.ctx, id).await.page(rc)?;
    let p = &v.project;
    let criteria: Vec<(String, String)> = CRITERIA
        .iter()
        .map(|c| {
            (
                (*c).to_owned(),
                rc.tr.t(&format!("venture-criterion-{c}")).to_owned(),
            )
        })
        .collect();
    let mine: Vec<String> = v
        .my_score
        .as_ref()
        .map(|s| s.points.split(',').map(str::to_owned).collect())
        .unwrap_or_default();
    let show = v
        .offered
        .iter()
        .any(|e| !matches!(e, ProjectEvent::Submit | ProjectEvent::Withdraw))
        || app::scores_public(&v.round)
        || !v.scores.is_empty();
    let status = errors.is_empty();
    let page = ProjectPage {
        p: Page::new(rc, "venture-project")
            .crumb("/venture", rc.tr.t("venture-title"))
            .crumb(
                &format!("/venture/rounds/{}", p.round_id),
                p.round_title.clone(),
            )
            .crumb("", p.title.clone()),
        x: project_line(rc, 0, p, show),
        round_state_label: state_label(rc, "venture-round-state", &p.round_state),
        matched: app::yuan(p.matched_fen),
        paid: app::yuan(p.paid_fen),
        clawed: app::yuan(p.clawed_fen),
        first: app::yuan(v.first_fen),
        rest: app::yuan(p.award_fen - p.paid_fen),
        tiers: v
            .settings
            .tiers
            .iter()
            .map(|t| (t.to_string(), format!("¥{}", app::yuan(*t))))
            .collect(),
        topics: v.settings.topics.clone(),
        scores: v
            .scores
            .iter()
            .map(|s| {
                (
                    s.reviewer_name.clone(),
                    s.points.split(',').map(str::to_owned).collect(),
                    s.total,
                    s.comment.clone(),
                )
            })
            .collect(),
        my_points: criteria
            .iter()
            .enumerate()
            .map(|(n, (c, l))| {
                (
                    c.clone(),
                    l.clone(),
                    mine.get(n).cloned().unwrap_or_default(),
                )
            })
            .collect(),
        my_comment: v
            .my_score
            .as_ref()
            .map(|s| s.comment.clone())
            .unwrap_or_default(),
        criteria,
        events: v
            .offered
            .iter()
            .map(|e| {
                let n = Projects::event_name(*e);
                (n.to_owned(), state_label(rc, "venture-event", n))
            })
            .collect(),
        may_edit: v.may_edit,
        may_score: v.may_score,
        version: p.version,
        errors,
        timeline: v
            .history
            .iter()
            .map(|h| {
                (
                    datetime(h.at),
                    h.entry.actor_name.clone(),
                    state_label(rc, "venture-event", &h.entry.event),
                    h.entry.note.clone(),
                )
            })
            .collect(),
        f: ProjectForm::of(p),
        action: format!("/venture/projects/{id}/edit"),
        editing: true,
        pr: p.clone(),
    };
    let mut r = with_page(rc, &page);
    if !status {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn project(rc: Rc, Path(id): Path<i64>) -> PageResult {
    project_with(&rc, id, Vec::new()).await
}

async fn project_after(rc: &Rc, id: i64, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/venture/projects/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            project_with(rc, id, errs).await
        }
        Err(AppError::Conflict(f)) => project_with(rc, id, vec![rc.tr.field_error(&f)]).await,
        Err(e) => Err(PageError::new(e, rc)),
    }
}

pub async fn project_transition(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let mut errs = Vec::new();
    let clawback = fen_of("clawback_fen", form_get(&form, "clawback"), true, &mut errs);
    let r = if errs.is_empty() {
        app::step(
            &rc.app,
            &rc.ctx,
            id,
            &app::Step {
                event: form_get(&form, "event").to_owned(),
                version: form_get(&form, "version").parse().ok(),
                tier_fen: form_get(&form, "tier").parse().ok(),
                source: form_get(&form, "source").to_owned(),
                voucher: form_get(&form, "voucher").to_owned(),
                note: form_get(&form, "note").to_owned(),
                clawback_fen: clawback,
            },
        )
        .await
    } else {
        Err(AppError::Invalid(errs))
    };
    project_after(&rc, id, r).await
}

pub async fn score(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let scores = form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("score_").map(|c| (c.to_owned(), v.clone())))
        .collect();
    let r = app::score(
        &rc.app,
        &rc.ctx,
        id,
        &app::ScoreInput {
            scores,
            comment: form_get(&form, "comment").to_owned(),
        },
    )
    .await;
    project_after(&rc, id, r).await
}

// ---- the portal ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "public/venture.html")]
struct PublicListPage {
    p: Page,
    here: &'static str,
    rows: Vec<RoundLine>,
}

pub async fn public_list(rc: Rc) -> PageResult {
    let rounds = app::public_rounds(&rc.app).await.page(&rc)?;
    let page = PublicListPage {
        p: public_page(&rc, "public-venture"),
        here: "venture",
        rows: rounds.iter().map(|r| round_line(&rc, r)).collect(),
    };
    Ok(with_page(&rc, &page))
}

fn public_page(rc: &Rc, title: &str) -> Page {
    let mut p = Page::new(rc, title);
    p.nav.clear();
    p
}

#[derive(Template)]
#[template(path = "public/venture_round.html")]
struct PublicRoundPage {
    p: Page,
    here: &'static str,
    r: RoundLine,
    description: String,
    tiers: String,
    topics: String,
    vote_until: String,
    vote_top_n: i64,
    vote_bonus: i64,
    rows: Vec<ProjectLine>,
    my_vote: Option<i64>,
    may_vote: bool,
    errors: Vec<String>,
}

async fn public_round_with(rc: &Rc, id: i64, errors: Vec<String>) -> PageResult {
    let v = app::public_round(&rc.app, &rc.ctx, id).await.page(rc)?;
    let r = &v.round;
    let status = errors.is_empty();
    let page = PublicRoundPage {
        p: public_page(rc, "public-venture-round"),
        here: "venture",
        r: round_line(rc, r),
        description: r.description.clone(),
        tiers: v
            .settings
            .tiers
            .iter()
            .map(|t| format!("¥{}", app::yuan(*t)))
            .collect::<Vec<_>>()
            .join(" / "),
        topics: v.settings.topics.join("、"),
        vote_until: r.vote_until.clone().unwrap_or_default(),
        vote_top_n: r.vote_top_n,
        vote_bonus: r.vote_bonus,
        rows: v
            .projects
            .iter()
            .enumerate()
            .map(|(n, p)| project_line(rc, n, p, v.scores_visible))
            .collect(),
        my_vote: v.my_vote,
        may_vote: v.may_vote,
        errors,
    };
    let mut resp = with_page(rc, &page);
    if !status {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn public_round(rc: Rc, Path(id): Path<i64>) -> PageResult {
    public_round_with(&rc, id, Vec::new()).await
}

pub async fn vote(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, sanshe_app::authz::Perm::VentureVote)?;
    let form = form_pairs(&body);
    let r = match form_get(&form, "project").parse::<i64>() {
        Ok(p) => app::vote(&rc.app, &rc.ctx, id, p).await,
        Err(_) => Err(AppError::invalid(FieldError::new(
            "project",
            "err-required",
        ))),
    };
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/public/venture/{id}"),
            "venture-voted",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            public_round_with(&rc, id, errs).await
        }
        Err(AppError::Conflict(f)) => public_round_with(&rc, id, vec![rc.tr.field_error(&f)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}
