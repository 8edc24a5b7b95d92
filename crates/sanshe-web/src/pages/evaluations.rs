//! Third-party evaluation pages: the list (officers, assessors, organizations), one
//! evaluation with the assessor's score sheet, the provider's answer and the officer's
//! publication, the district's indicator scheme, and the contract section's assignment form.

use super::{form_pairs, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{datetime, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query, RawForm};
use sanshe_app::purchase::evaluations as app;
use sanshe_app::AppError;
use sanshe_domain::evaluation::{self as domain, Evaluations, STAGES};
use sanshe_domain::workflow::Workflow;
use sanshe_store::evaluations::{EvaluationRow, Filter};
use serde::Deserialize;

/// One evaluation as a line of a list.
pub struct EvalLine {
    pub id: i64,
    pub project: i64,
    pub title: String,
    pub org: String,
    pub stage: String,
    pub stage_label: String,
    pub agency: String,
    pub assessor: String,
    pub scheme_version: i64,
    pub total: String,
    pub grade: String,
    pub grade_label: String,
    pub state: String,
    pub state_label: String,
    pub decided: String,
}

pub fn line(rc: &Rc, e: &EvaluationRow) -> EvalLine {
    let grade = e.grade.clone().unwrap_or_default();
    EvalLine {
        id: e.id,
        project: e.project_id,
        title: e.project_title.clone(),
        org: e.org_name.clone(),
        stage_label: rc.tr.t(&format!("eval-stage-{}", e.stage)).to_owned(),
        stage: e.stage.clone(),
        agency: e.agency_name.clone(),
        assessor: e.assessor_name.clone(),
        scheme_version: e.scheme_version,
        total: e.total_tenths.map(domain::points_text).unwrap_or_default(),
        grade_label: if grade.is_empty() {
            String::new()
        } else {
            rc.tr.t(&format!("grade-{grade}")).to_owned()
        },
        grade,
        state_label: rc.tr.t(&format!("eval-state-{}", e.state)).to_owned(),
        state: e.state.clone(),
        decided: e.decided_on.clone().unwrap_or_default(),
    }
}

/// The evaluation keys named dynamically (for the locale completeness test).
#[cfg_attr(not(test), allow(dead_code))]
pub fn vocabulary_keys() -> Vec<String> {
    let mut k = Vec::new();
    for s in STAGES {
        k.push(format!("eval-stage-{s}"));
    }
    for s in Evaluations::STATES {
        k.push(format!("eval-state-{}", Evaluations::state_name(*s)));
    }
    for e in Evaluations::EVENTS {
        k.push(format!("eval-event-{}", Evaluations::event_name(*e)));
    }
    for g in domain::GRADES {
        k.push(format!("grade-{g}"));
    }
    k.push("eval-event-handover".into());
    for r in sanshe_store::evaluations::SAMPLE_RESULTS {
        k.push(format!("eval-sample-{r}"));
    }
    for s in domain::Rectifications::STATES {
        k.push(format!(
            "rect-state-{}",
            domain::Rectifications::state_name(*s)
        ));
    }
    for e in domain::Rectifications::EVENTS {
        k.push(format!(
            "rect-event-{}",
            domain::Rectifications::event_name(*e)
        ));
    }
    k.push("rect-event-create".into());
    for c in app::EXPORT_COLUMNS {
        k.push(c.to_owned());
    }
    for kind in [
        "evaluation.assigned",
        "evaluation.draft",
        "evaluation.answered",
        "evaluation.final",
        "evaluation.halted",
        "evaluation.recused",
        "reminder.evaluation_answer",
        "reminder.evaluation_finalize",
        "reminder.evaluation_score",
        "reminder.evaluation_self",
        "reminder.rectification_due",
        "evaluation.self_asked",
        "evaluation.self_given",
        "rectification.ordered",
        "rectification.reported",
        "rectification.passed",
        "rectification.resumed",
        "rectification.failed",
    ] {
        k.push(super::inbox::kind_key(kind));
    }
    k
}

// ---- the list ------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> Filter {
        let keep = |v: &str, ok: &[&str]| ok.contains(&v).then(|| v.to_owned());
        Filter {
            state: keep(
                &self.state,
                &["assigned", "draft", "final", "published", "recused"],
            ),
            stage: keep(&self.stage, &STAGES),
            q: Some(self.q.trim().chars().take(100).collect::<String>())
                .filter(|q| !q.is_empty() && !q.chars().any(char::is_control)),
            ..Default::default()
        }
    }

    fn params(&self) -> Vec<(&'static str, String)> {
        vec![
            ("state", self.state.clone()),
            ("stage", self.stage.clone()),
            ("q", self.q.clone()),
        ]
    }
}

#[derive(Template)]
#[template(path = "purchase/evaluations.html")]
struct ListPage {
    p: Page,
    rows: Vec<EvalLine>,
    pager: Pager,
    q: ListQuery,
    states: Vec<(String, String)>,
    stages: Vec<(String, String)>,
    export: String,
    can_batch: bool,
}

fn choices(rc: &Rc, prefix: &str, names: &[&str]) -> Vec<(String, String)> {
    names
        .iter()
        .map(|n| {
            (
                (*n).to_owned(),
                rc.tr.t(&format!("{prefix}-{n}")).to_owned(),
            )
        })
        .collect()
}

pub async fn list(rc: Rc, Query(q): Query<ListQuery>) -> PageResult {
    let page = sanshe_store::PageReq {
        page: q.page.unwrap_or(1).clamp(1, 1_000_000),
        per_page: 50,
    };
    let r = app::list(&rc.app, &rc.ctx, q.filter(), page)
        .await
        .page(&rc)?;
    let params = q.params();
    let page = ListPage {
        p: Page::new(&rc, "eval-title").crumb("/", rc.tr.t("nav-home")),
        rows: r.items.iter().map(|e| line(&rc, e)).collect(),
        pager: Pager::new("/purchase/evaluations", &params, &r),
        export: crate::view::query_string(&params),
        can_batch: rc
            .actor()
            .is_some_and(|a| sanshe_app::authz::can(a, sanshe_app::authz::Perm::PurchaseManage)),
        states: choices(
            &rc,
            "eval-state",
            &["assigned", "draft", "final", "published", "recused"],
        ),
        stages: choices(&rc, "eval-stage", &STAGES),
        q,
    };
    Ok(with_page(&rc, &page))
}

/// The list as CSV or XLSX, with the list's filters (every matching row).
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
        row[3] = rc.tr.t(&format!("eval-stage-{}", row[3])).to_owned();
        if !row[8].is_empty() {
            row[8] = rc.tr.t(&format!("grade-{}", row[8])).to_owned();
        }
        row[9] = rc.tr.t(&format!("eval-state-{}", row[9])).to_owned();
    }
    super::areas::file_response(&rc, &format, "evaluations", &headers, &rows)
}

// ---- one evaluation --------------------------------------------------------------------

pub struct IndicatorRow {
    pub code: String,
    pub name: String,
    pub weight: i64,
    pub guide: String,
    pub points: String,
    /// The provider's own points.
    pub self_points: String,
    /// The assessor's comment, and the key its typed value is kept under.
    pub comment: String,
    pub comment_key: String,
}

/// The rectification section of an evaluation.
pub struct RectView {
    pub demand: String,
    pub due: String,
    pub report: String,
    pub reported_on: String,
    pub result: String,
    pub checked_on: String,
    pub lifted: bool,
    pub state: String,
    pub state_label: String,
    pub version: i64,
    pub can_report: bool,
    pub can_check: bool,
    pub timeline: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "purchase/evaluation.html")]
struct DetailPage {
    p: Page,
    e: EvalLine,
    contract: i64,
    contract_end: String,
    indicators: Vec<IndicatorRow>,
    bounds: String,
    findings: String,
    answer: String,
    answer_by: String,
    timeline: Vec<(String, String, String, String)>,
    version: i64,
    can_score: bool,
    can_recuse: bool,
    can_finalize: bool,
    can_publish: bool,
    may_answer: bool,
    errors: Vec<String>,
    typed: Vec<(String, String)>,
    typed_findings: String,
    /// (id, file name) of the evidence.
    evidence: Vec<(i64, String)>,
    can_attach: bool,
    self_due: String,
    self_on: String,
    self_total: String,
    self_report: String,
    late_report: bool,
    may_self: bool,
    /// Who may take the stage over (empty: the caller may not hand it over).
    colleagues: Vec<(i64, String)>,
    rect: Option<RectView>,
    may_order_rect: bool,
    /// (log, day, content, result label, note, result) of the checked entries.
    samples: Vec<(i64, String, String, String, String, String)>,
    /// (log, day, content) to check next.
    suggested: Vec<(i64, String, String)>,
    sample_results: Vec<(String, String)>,
}

async fn detail_with(
    rc: &Rc,
    id: i64,
    errors: Vec<String>,
    typed: Vec<(String, String)>,
    typed_findings: String,
) -> PageResult {
    let v = app::get(&rc.app, &rc.ctx, id).await.page(rc)?;
    let e = &v.evaluation;
    let lang_en = rc.tr.code() == "en";
    let indicators = v
        .scheme
        .indicators
        .iter()
        .enumerate()
        .map(|(n, i)| IndicatorRow {
            code: i.code.clone(),
            name: if lang_en {
                i.name_en.clone()
            } else {
                i.name_zh.clone()
            },
            weight: i.weight,
            guide: i.guide.clone(),
            points: v
                .points
                .get(n)
                .copied()
                .map(domain::points_text)
                .unwrap_or_default(),
            self_points: v
                .self_points
                .get(n)
                .copied()
                .map(domain::points_text)
                .unwrap_or_default(),
            comment: v.comments.get(n).cloned().unwrap_or_default(),
            comment_key: format!("c:{}", i.code),
        })
        .collect();
    let steps = |h: &[sanshe_store::workflow::HistoryRow], prefix: &str| {
        h.iter()
            .map(|h| {
                (
                    datetime(h.at),
                    h.entry.actor_name.clone(),
                    rc.tr.t(&format!("{prefix}-{}", h.entry.event)).to_owned(),
                    h.entry.note.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let rect = v.rectification.as_ref().map(|r| RectView {
        demand: r.demand.clone(),
        due: r.due.clone(),
        report: r.report.clone(),
        reported_on: r.reported_on.clone().unwrap_or_default(),
        result: r.result.clone(),
        checked_on: r.checked_on.clone().unwrap_or_default(),
        lifted: r.lifted,
        state_label: rc.tr.t(&format!("rect-state-{}", r.state)).to_owned(),
        state: r.state.clone(),
        version: r.version,
        can_report: v.rect_events.contains(&domain::RectEvent::Report),
        can_check: v.rect_events.contains(&domain::RectEvent::Pass),
        timeline: steps(&v.rect_history, "rect-event"),
    });
    let colleagues = app::hand_over_choices(&rc.app, &rc.ctx, e)
        .await
        .page(rc)?
        .into_iter()
        .map(|a| (a.user_id, format!("{}（{}）", a.name, a.agency_name)))
        .collect();
    let has = |ev| v.offered.contains(&ev);
    let evidence = app::evidence(&rc.app, &rc.ctx, id)
        .await
        .page(rc)?
        .into_iter()
        .map(|a| (a.id, a.file_name))
        .collect();
    let status = if errors.is_empty() { 200 } else { 422 };
    let page = DetailPage {
        p: Page::new(rc, "eval-detail")
            .crumb("/purchase/evaluations", rc.tr.t("eval-title"))
            .crumb(
                "",
                format!(
                    "{} · {}",
                    e.project_title,
                    rc.tr.t(&format!("eval-stage-{}", e.stage))
                ),
            ),
        e: line(rc, e),
        contract: e.contract_id,
        contract_end: v.contract_end.clone(),
        indicators,
        bounds: rc.tr.f(
            "eval-bounds",
            &[
                ("excellent", v.scheme.excellent.to_string()),
                ("good", v.scheme.good.to_string()),
                ("fair", v.scheme.fair.to_string()),
            ],
        ),
        findings: e.findings.clone(),
        answer: e.answer.clone(),
        answer_by: e.answer_by.clone().unwrap_or_default(),
        timeline: steps(&v.history, "eval-event"),
        version: e.version,
        can_score: has(domain::EvalEvent::Submit),
        can_recuse: has(domain::EvalEvent::Recuse),
        can_finalize: has(domain::EvalEvent::Finalize),
        can_publish: has(domain::EvalEvent::Publish),
        may_answer: v.may_answer,
        errors,
        typed,
        typed_findings,
        evidence,
        can_attach: has(domain::EvalEvent::Submit) || has(domain::EvalEvent::Finalize),
        self_due: e.self_due.clone().unwrap_or_default(),
        self_on: e.self_on.clone().unwrap_or_default(),
        self_total: e.self_total.map(domain::points_text).unwrap_or_default(),
        self_report: e.self_report.clone(),
        late_report: e.late_report,
        may_self: v.may_self_evaluate,
        colleagues,
        rect,
        may_order_rect: v.may_order_rectification,
        samples: v
            .samples
            .iter()
            .map(|s| {
                (
                    s.log_id,
                    s.day.clone(),
                    s.content.clone(),
                    rc.tr.t(&format!("eval-sample-{}", s.result)).to_owned(),
                    s.note.clone(),
                    s.result.clone(),
                )
            })
            .collect(),
        suggested: v.suggested.clone(),
        sample_results: choices(
            rc,
            "eval-sample",
            &sanshe_store::evaluations::SAMPLE_RESULTS,
        ),
    };
    let mut r = with_page(rc, &page);
    if status == 422 {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn detail(rc: Rc, Path(id): Path<i64>) -> PageResult {
    detail_with(&rc, id, Vec::new(), Vec::new(), String::new()).await
}

async fn after(
    rc: &Rc,
    id: i64,
    r: Result<(), AppError>,
    typed: Vec<(String, String)>,
    findings: String,
) -> PageResult {
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/purchase/evaluations/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            detail_with(rc, id, errs, typed, findings).await
        }
        Err(AppError::Conflict(f)) => {
            detail_with(rc, id, vec![rc.tr.field_error(&f)], typed, findings).await
        }
        Err(e) => Err(PageError::new(e, rc)),
    }
}

pub async fn score(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let get = |k: &str| {
        form.iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let scores: Vec<(String, String)> = form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("score_").map(|c| (c.to_owned(), v.clone())))
        .collect();
    let comments: Vec<(String, String)> = form
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("comment_")
                .map(|c| (c.to_owned(), v.clone()))
        })
        .collect();
    let findings = get("findings");
    let r = app::submit(
        &rc.app,
        &rc.ctx,
        id,
        &app::ScoreInput {
            scores: scores.clone(),
            comments: comments.clone(),
            findings: findings.clone(),
            no_conflict: !get("no_conflict").is_empty(),
            version: get("version").parse().ok(),
        },
    )
    .await;
    // What was typed goes back on an error: scores by code, comments under "c:code".
    let mut typed = scores;
    typed.extend(comments.into_iter().map(|(c, v)| (format!("c:{c}"), v)));
    after(&rc, id, r, typed, findings).await
}

pub async fn answer(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let text = form
        .iter()
        .find(|(k, _)| k == "answer")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let r = app::answer(&rc.app, &rc.ctx, id, &app::AnswerInput { answer: text }).await;
    after(&rc, id, r, Vec::new(), String::new()).await
}

pub async fn transition(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let get = |k: &str| {
        form.iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let r = app::decide(
        &rc.app,
        &rc.ctx,
        id,
        &app::EvalTransition {
            event: get("event"),
            version: get("version").parse().ok(),
            text: get("text"),
        },
    )
    .await;
    after(&rc, id, r, Vec::new(), String::new()).await
}

/// The provider's self-evaluation from the evaluation page.
pub async fn self_evaluate(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let scores: Vec<(String, String)> = form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("self_").map(|c| (c.to_owned(), v.clone())))
        .collect();
    let report = super::form_get(&form, "report").to_owned();
    let r = app::self_evaluate(
        &rc.app,
        &rc.ctx,
        id,
        &app::SelfInput {
            scores: scores.clone(),
            report: report.clone(),
        },
    )
    .await;
    after(&rc, id, r, scores, report).await
}

/// The assessor records the check of a delivery-log entry.
pub async fn sample(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let r = app::sample(
        &rc.app,
        &rc.ctx,
        id,
        &app::SampleInput {
            log: super::form_get(&form, "log").parse().unwrap_or(0),
            result: super::form_get(&form, "result").to_owned(),
            note: super::form_get(&form, "note").to_owned(),
        },
    )
    .await;
    after(&rc, id, r, Vec::new(), String::new()).await
}

/// Hands the stage to another assessor (the officer, or the agency).
pub async fn hand_over(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    // Permission first: a blank choice reads as no account and is refused by the rules.
    let assessor = super::form_get(&form, "assessor").parse().unwrap_or(0);
    let version = super::form_get(&form, "version").parse().ok();
    let r = app::hand_over(&rc.app, &rc.ctx, id, assessor, version).await;
    after(&rc, id, r, Vec::new(), String::new()).await
}

/// The officer orders a rectification.
pub async fn order_rectification(
    rc: Rc,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> PageResult {
    let form = form_pairs(&body);
    let r = sanshe_app::purchase::rectification::order(
        &rc.app,
        &rc.ctx,
        id,
        &sanshe_app::purchase::rectification::OrderInput {
            demand: super::form_get(&form, "demand").to_owned(),
            due: super::form_get(&form, "due").to_owned(),
        },
    )
    .await
    .map(|_| ());
    after(&rc, id, r, Vec::new(), String::new()).await
}

/// The provider reports on a rectification; the assessor re-checks it.
pub async fn rectification_transition(
    rc: Rc,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> PageResult {
    let form = form_pairs(&body);
    let r = sanshe_app::purchase::rectification::act(
        &rc.app,
        &rc.ctx,
        id,
        &sanshe_app::purchase::rectification::RectTransition {
            event: super::form_get(&form, "event").to_owned(),
            text: super::form_get(&form, "text").to_owned(),
            version: super::form_get(&form, "version").parse().ok(),
        },
    )
    .await;
    after(&rc, id, r, Vec::new(), String::new()).await
}

// ---- batch assignment ----------------------------------------------------------------------

#[derive(Template)]
#[template(path = "purchase/eval_batch.html")]
struct BatchPage {
    p: Page,
    stages: Vec<(String, String)>,
    assessors: Vec<(i64, String)>,
    /// (contract, project title, provider, halted) of the district's signed contracts.
    contracts: Vec<(i64, String, String, bool)>,
    stage: String,
    assessor: String,
    picked: Vec<i64>,
    errors: Vec<String>,
}

async fn batch_with(
    rc: &Rc,
    stage: String,
    assessor: String,
    picked: Vec<i64>,
    errors: Vec<String>,
) -> PageResult {
    let contracts: Vec<(i64, String, String, bool)> = app::batch_candidates(&rc.app, &rc.ctx)
        .await
        .page(rc)?
        .into_iter()
        .map(|k| {
            let halted = k.halted_on.is_some() && k.resumed_on.is_none();
            (k.id, k.project_title, k.org_name, halted)
        })
        .collect();
    let assessors = app::assessors(&rc.app, &rc.ctx)
        .await
        .page(rc)?
        .into_iter()
        .map(|a| (a.user_id, format!("{}（{}）", a.name, a.agency_name)))
        .collect();
    let failed = !errors.is_empty();
    let page = BatchPage {
        p: Page::new(rc, "eval-batch")
            .crumb("/purchase/evaluations", rc.tr.t("eval-title"))
            .crumb("", rc.tr.t("eval-batch")),
        stages: choices(rc, "eval-stage", &STAGES),
        assessors,
        contracts,
        stage,
        assessor,
        picked,
        errors,
    };
    let mut r = with_page(rc, &page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn batch_form(rc: Rc) -> PageResult {
    batch_with(&rc, "midterm".into(), String::new(), Vec::new(), Vec::new()).await
}

pub async fn batch(rc: Rc, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let stage = super::form_get(&form, "stage").to_owned();
    let assessor = super::form_get(&form, "assessor").to_owned();
    let picked: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "contract")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let r = app::assign_batch(
        &rc.app,
        &rc.ctx,
        &picked,
        &app::AssignInput {
            stage: stage.clone(),
            assessor: assessor.parse().ok(),
        },
    )
    .await;
    match r {
        Ok(_) => Ok(redirect_flash(
            &format!("/purchase/evaluations?stage={stage}&state=assigned"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let titles = app::batch_candidates(&rc.app, &rc.ctx).await.page(&rc)?;
            let errs = fs
                .iter()
                .map(|e| {
                    // Each refused contract is named by its project.
                    let which = e
                        .args
                        .iter()
                        .find(|(k, _)| k == "contract")
                        .and_then(|(_, v)| v.parse::<i64>().ok())
                        .and_then(|id| titles.iter().find(|k| k.id == id))
                        .map(|k| format!("{}：", k.project_title))
                        .unwrap_or_default();
                    format!("{which}{}", rc.tr.field_error(e))
                })
                .collect();
            batch_with(&rc, stage, assessor, picked, errs).await
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

/// Adds evidence from the evaluation page (a photo taken on site, a document).
pub async fn attach(
    rc: Rc,
    Path(id): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    // Refused before the upload is read: only assessors add evidence.
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    if !sanshe_app::authz::can(actor, sanshe_app::authz::Perm::PanelServe) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let file = match mp {
        Ok(mp) => crate::pages::read_file_field(mp, "file").await,
        Err(_) => None,
    };
    let r = match file {
        Some((name, bytes)) => app::attach(&rc.app, &rc.ctx, id, &name, &bytes)
            .await
            .map(|_| ()),
        None => Err(AppError::invalid(sanshe_domain::FieldError::new(
            "file",
            "err-import-no-file",
        ))),
    };
    after(&rc, id, r, Vec::new(), String::new()).await
}

pub async fn file(rc: Rc, Path((id, aid)): Path<(i64, i64)>) -> PageResult {
    let (a, bytes) = app::evidence_file(&rc.app, &rc.ctx, id, aid)
        .await
        .page(&rc)?;
    Ok(crate::pages::file_download(
        &a.file_name,
        &a.content_type,
        bytes,
    ))
}

/// Assigns an assessor from the contract section of the project page.
pub async fn assign(rc: Rc, Path(contract): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let get = |k: &str| {
        form.iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let project = {
        let mut c = rc
            .app
            .db
            .acquire()
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?;
        sanshe_store::contracts::get(&mut c, contract)
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?
            .map(|k| k.project_id)
            .ok_or_else(|| PageError::new(AppError::NotFound, &rc))?
    };
    match app::assign(
        &rc.app,
        &rc.ctx,
        contract,
        &app::AssignInput {
            stage: get("stage"),
            assessor: get("assessor").parse().ok(),
        },
    )
    .await
    {
        Ok(id) => Ok(redirect_flash(
            &format!("/purchase/evaluations/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            let mut r = super::purchase::project_page_with(&rc, project, errs).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(AppError::Conflict(f)) => {
            let mut r =
                super::purchase::project_page_with(&rc, project, vec![rc.tr.field_error(&f)])
                    .await?;
            *r.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

/// What the contract section shows of evaluations, and the assignment form for officers.
#[derive(Default)]
pub struct EvalSection {
    pub lines: Vec<EvalLine>,
    pub can_assign: bool,
    pub assessors: Vec<(i64, String)>,
    pub stages: Vec<(String, String)>,
    pub halted_on: String,
}

pub async fn section(
    rc: &Rc,
    contract: &sanshe_store::contracts::ContractRow,
    can_manage: bool,
) -> Result<EvalSection, PageError> {
    if contract.state == "draft" {
        return Ok(EvalSection::default());
    }
    let lines = app::of_contract(&rc.app, &rc.ctx, contract.id)
        .await
        .page(rc)?
        .iter()
        .map(|e| line(rc, e))
        .collect();
    let assessors = if can_manage {
        app::assessors(&rc.app, &rc.ctx)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|a| (a.user_id, format!("{}（{}）", a.name, a.agency_name)))
            .collect()
    } else {
        Vec::new()
    };
    Ok(EvalSection {
        lines,
        can_assign: can_manage,
        assessors,
        stages: choices(rc, "eval-stage", &STAGES),
        // A resumed contract is no longer shown as halted (its record keeps the halt).
        halted_on: if contract.resumed_on.is_some() {
            String::new()
        } else {
            contract.halted_on.clone().unwrap_or_default()
        },
    })
}

// ---- the indicator scheme ----------------------------------------------------------------

/// A typed scheme row: code, Chinese and English names, points, guidance, evidence asked
/// ("1" or blank).
type SchemeRow = (String, String, String, String, String, String);

#[derive(Template)]
#[template(path = "purchase/eval_scheme.html")]
struct SchemePage {
    p: Page,
    version: i64,
    /// (code, zh, en, weight, guide) rows; blank rows to add indicators.
    rows: Vec<SchemeRow>,
    excellent: String,
    good: String,
    fair: String,
    self_evaluation: bool,
    self_days: String,
    late_fails: bool,
    editable: bool,
    versions: Vec<(i64, String, String)>,
    errors: Vec<String>,
}

async fn scheme_with(
    rc: &Rc,
    typed: Option<(Vec<SchemeRow>, [String; 6])>,
    errors: Vec<String>,
) -> PageResult {
    let v = app::scheme(&rc.app, &rc.ctx).await.page(rc)?;
    let (mut rows, bounds) = typed.unwrap_or_else(|| {
        (
            v.scheme
                .indicators
                .iter()
                .map(|i| {
                    (
                        i.code.clone(),
                        i.name_zh.clone(),
                        i.name_en.clone(),
                        i.weight.to_string(),
                        i.guide.clone(),
                        if i.evidence { "1" } else { "" }.to_owned(),
                    )
                })
                .collect(),
            [
                v.scheme.excellent.to_string(),
                v.scheme.good.to_string(),
                v.scheme.fair.to_string(),
                if v.scheme.self_evaluation { "1" } else { "" }.to_owned(),
                v.scheme.self_days.to_string(),
                if v.scheme.late_fails { "1" } else { "" }.to_owned(),
            ],
        )
    });
    if v.editable {
        while rows.len() < (domain::MAX_INDICATORS).min(rows.len() + 2) {
            rows.push(Default::default());
        }
    }
    let failed = !errors.is_empty();
    let [excellent, good, fair, self_evaluation, self_days, late_fails] = bounds;
    let page = SchemePage {
        p: Page::new(rc, "eval-scheme")
            .crumb("/purchase/evaluations", rc.tr.t("eval-title"))
            .crumb("", rc.tr.t("eval-scheme")),
        version: v.current.version,
        rows,
        excellent,
        good,
        fair,
        self_evaluation: !self_evaluation.is_empty(),
        self_days,
        late_fails: !late_fails.is_empty(),
        editable: v.editable,
        versions: v
            .versions
            .iter()
            .map(|s| (s.version, datetime(s.at), s.by_name.clone()))
            .collect(),
        errors,
    };
    let mut r = with_page(rc, &page);
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn scheme(rc: Rc) -> PageResult {
    scheme_with(&rc, None, Vec::new()).await
}

pub async fn save_scheme(rc: Rc, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let get = |k: &str| {
        form.iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for n in 0..domain::MAX_INDICATORS {
        let row = (
            get(&format!("code_{n}")).trim().to_owned(),
            get(&format!("zh_{n}")),
            get(&format!("en_{n}")),
            get(&format!("weight_{n}")).trim().to_owned(),
            get(&format!("guide_{n}")),
            get(&format!("evidence_{n}")),
        );
        if !(row.0.is_empty() && row.1.trim().is_empty() && row.3.is_empty()) {
            rows.push(row);
        }
    }
    let bounds = [
        get("excellent"),
        get("good"),
        get("fair"),
        get("self_evaluation"),
        get("self_days"),
        get("late_fails"),
    ];
    let num = |s: &str| s.trim().parse::<i64>().unwrap_or(-1);
    let scheme = domain::Scheme {
        indicators: rows
            .iter()
            .map(|r| domain::Indicator {
                code: r.0.clone(),
                name_zh: r.1.trim().to_owned(),
                name_en: r.2.trim().to_owned(),
                weight: num(&r.3),
                guide: r.4.trim().to_owned(),
                evidence: !r.5.is_empty(),
            })
            .collect(),
        excellent: num(&bounds[0]),
        good: num(&bounds[1]),
        fair: num(&bounds[2]),
        self_evaluation: !bounds[3].is_empty(),
        self_days: num(&bounds[4]),
        late_fails: !bounds[5].is_empty(),
    };
    match app::set_scheme(&rc.app, &rc.ctx, &scheme).await {
        Ok(_) => Ok(redirect_flash("/purchase/evaluation-scheme", "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            scheme_with(&rc, Some((rows, bounds)), errs).await
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

// ---- agencies' ties ------------------------------------------------------------------------

pub struct AgencyLine {
    pub id: i64,
    pub name: String,
    pub assessors: Vec<String>,
    /// (tie, what it says)
    pub ties: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "purchase/agencies.html")]
struct AgenciesPage {
    p: Page,
    agencies: Vec<AgencyLine>,
    relations: Vec<(String, String)>,
    messages: Vec<String>,
}

async fn agencies_page(rc: &Rc, messages: Vec<String>) -> PageResult {
    let all = app::agencies(&rc.app, &rc.ctx).await.page(rc)?;
    let page = AgenciesPage {
        p: Page::new(rc, "agencies-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/purchase/evaluations", rc.tr.t("eval-title"))
            .crumb("", rc.tr.t("agencies-title")),
        agencies: all
            .into_iter()
            .map(|a| AgencyLine {
                id: a.id,
                name: a.name,
                assessors: a.assessors,
                ties: a
                    .ties
                    .iter()
                    .map(|t| {
                        (
                            t.id,
                            format!(
                                "{} #{} ({}{})",
                                t.other_name,
                                t.other_org_id,
                                rc.tr.t(&format!("org-tie-{}", t.relation)),
                                t.ended_on
                                    .as_ref()
                                    .map(|d| format!(", {} {d}", rc.tr.t("tie-ended")))
                                    .unwrap_or_default()
                            ),
                        )
                    })
                    .collect(),
            })
            .collect(),
        relations: app::ORG_TIE_RELATIONS
            .iter()
            .map(|r| ((*r).to_owned(), rc.tr.t(&format!("org-tie-{r}")).to_owned()))
            .collect(),
        messages,
    };
    let mut r = with_page(rc, &page);
    if !page.messages.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn agencies(rc: Rc) -> PageResult {
    agencies_page(&rc, Vec::new()).await
}

/// Removes a tie recorded by mistake (the box must be ticked).
pub async fn remove_agency_tie(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    if !form.iter().any(|(k, v)| k == "confirm" && v == "yes") {
        return agencies_page(&rc, vec![rc.tr.t("agencies-remove-confirm").to_owned()]).await;
    }
    match app::remove_agency_tie(&rc.app, &rc.ctx, id).await {
        Ok(()) => Ok(redirect_flash("/purchase/agencies", "flash-saved")),
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

pub async fn add_agency_tie(
    rc: Rc,
    Path(id): Path<i64>,
    axum::extract::Form(f): axum::extract::Form<sanshe_app::purchase::panel::TieInput>,
) -> PageResult {
    match app::add_agency_tie(&rc.app, &rc.ctx, id, &f).await {
        Ok(_) => Ok(redirect_flash("/purchase/agencies", "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            agencies_page(&rc, fs.iter().map(|f| rc.tr.field_error(f)).collect()).await
        }
        Err(AppError::Conflict(f)) => agencies_page(&rc, vec![rc.tr.field_error(&f)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}
