//! A signed contract's delivery page: the team with their registrations, the activity log
//! form (hours per member), the logs with their evidence, the milestone reports and, for the
//! officer, the team amendment and the report decisions.

use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query, RawForm};
use axum::Form;
use sanshe_app::purchase::delivery::{self as app, hours_text, DeliveryView};
use sanshe_app::AppError;
use sanshe_domain::purchase::{ReportState, Reports};
use sanshe_domain::workflow::Workflow;
use serde::Deserialize;

pub struct LogLine {
    pub id: i64,
    pub day: String,
    pub community: String,
    pub content: String,
    pub direct: i64,
    pub indirect: i64,
    /// "name 2 h" per member.
    pub members: String,
    pub evidence: Vec<(i64, String)>,
    pub by: String,
}

pub struct ReportLine {
    pub id: i64,
    pub kind: String,
    pub period: String,
    pub tranche: String,
    pub summary: String,
    pub activities: i64,
    pub direct: i64,
    pub indirect: i64,
    pub hours: String,
    pub answer: String,
    pub state: String,
    pub state_label: String,
    pub version: i64,
    pub can_decide: bool,
    pub can_resubmit: bool,
}

#[derive(Template)]
#[template(path = "purchase/delivery.html")]
struct DeliveryPage {
    p: Page,
    v: DeliveryView,
    errors: Vec<String>,
    logs: Vec<LogLine>,
    reports: Vec<ReportLine>,
    hours_total: String,
    tranches: Vec<(i64, String)>,
    today: String,
    pager: Pager,
    form: LogForm,
}

#[derive(Deserialize, Default)]
pub struct DeliveryQuery {
    pub page: Option<i64>,
}

async fn render(rc: &Rc, id: i64, page: i64, errors: Vec<String>, form: LogForm) -> PageResult {
    let v = app::view(
        &rc.app,
        &rc.ctx,
        id,
        sanshe_store::PageReq {
            page: page.max(1),
            per_page: 20,
        },
    )
    .await
    .page(rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    let mut logs = Vec::new();
    for l in &v.logs.items {
        let evidence = v
            .evidence
            .get(&l.id)
            .into_iter()
            .flatten()
            .map(|a| (a.id, a.file_name.clone()))
            .collect();
        logs.push(LogLine {
            id: l.id,
            day: l.data.day.clone(),
            community: l.community_name.clone(),
            content: l.data.content.clone(),
            direct: l.data.direct,
            indirect: l.data.indirect,
            members: l
                .members
                .iter()
                .map(|(_, n, t)| format!("{n} {} h", hours_text(*t)))
                .collect::<Vec<_>>()
                .join("、"),
            evidence,
            by: l.by_name.clone(),
        });
    }
    let tranches_all = {
        let mut c = rc
            .app
            .db
            .acquire()
            .await
            .map_err(|e| PageError::new(e.into(), rc))?;
        sanshe_store::contracts::tranches(&mut c, id)
            .await
            .map_err(|e| PageError::new(e.into(), rc))?
    };
    let reports = v
        .reports
        .iter()
        .map(|r| {
            let state = Reports::parse_state(&r.state);
            ReportLine {
                id: r.id,
                kind: rc.tr.t(&format!("report-kind-{}", r.kind)).to_owned(),
                period: format!("{} – {}", r.period_from, r.period_to),
                tranche: r
                    .tranche_id
                    .and_then(|t| tranches_all.iter().find(|x| x.id == t))
                    .map(|t| format!("#{} {}", t.seq, t.label))
                    .unwrap_or_default(),
                summary: r.summary.clone(),
                activities: r.totals.activities,
                direct: r.totals.direct,
                indirect: r.totals.indirect,
                hours: hours_text(r.totals.hours_tenths),
                answer: r.answer.clone(),
                state_label: rc.tr.t(&format!("report-state-{}", r.state)).to_owned(),
                state: r.state.clone(),
                version: r.version,
                can_decide: state == Some(ReportState::Submitted)
                    && app::may_report(
                        actor,
                        &v.contract,
                        sanshe_domain::purchase::ReportEvent::Accept,
                    ),
                can_resubmit: state == Some(ReportState::Returned)
                    && app::may_report(
                        actor,
                        &v.contract,
                        sanshe_domain::purchase::ReportEvent::Resubmit,
                    ),
            }
        })
        .collect();
    let tranches = tranches_all
        .iter()
        .filter(|t| t.gate == "on_acceptance" && t.state == "scheduled")
        .map(|t| (t.id, format!("#{} {}", t.seq, t.label)))
        .collect();
    let pager = Pager::new(&format!("/purchase/contracts/{id}/delivery"), &[], &v.logs);
    let title = v.contract.project_title.clone();
    let project = v.contract.project_id;
    let page = DeliveryPage {
        p: Page::new(rc, "delivery")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/purchase/projects", rc.tr.t("nav-purchase"))
            .crumb(&format!("/purchase/projects/{project}"), title),
        hours_total: hours_text(v.totals.hours_tenths),
        today: sanshe_app::calendar::today().to_string(),
        errors,
        logs,
        reports,
        tranches,
        pager,
        form,
        v,
    };
    Ok(with_page(rc, &page))
}

pub async fn show(rc: Rc, Path(id): Path<i64>, Query(q): Query<DeliveryQuery>) -> PageResult {
    render(&rc, id, q.page.unwrap_or(1), Vec::new(), LogForm::default()).await
}

/// What the log form sent back, to show again with its errors.
#[derive(Default, Clone)]
pub struct LogForm {
    pub day: String,
    pub community: String,
    pub content: String,
    pub direct: String,
    pub indirect: String,
    /// (worker, hours) as typed.
    pub hours: Vec<(i64, String)>,
}

impl LogForm {
    pub fn hours_of(&self, w: &i64) -> &str {
        self.hours
            .iter()
            .find(|(x, _)| x == w)
            .map(|(_, h)| h.as_str())
            .unwrap_or("")
    }
}

async fn after(
    rc: &Rc,
    id: i64,
    r: Result<(), AppError>,
    flash: &str,
    form: LogForm,
) -> PageResult {
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/purchase/contracts/{id}/delivery"),
            flash,
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            let mut r = render(rc, id, 1, errs, form).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(AppError::Conflict(e)) => {
            let mut r = render(rc, id, 1, vec![rc.tr.field_error(&e)], form).await?;
            *r.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(PageError::new(e, rc)),
    }
}

/// The log form: `day`, `community`, `content`, `direct`, `indirect` and `hours-<worker>`
/// for each member who took part (blank: did not).
pub async fn log(rc: Rc, Path(id): Path<i64>, RawForm(raw): RawForm) -> PageResult {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&raw)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut form = LogForm {
        day: get("day"),
        community: get("community"),
        content: get("content"),
        direct: get("direct"),
        indirect: get("indirect"),
        hours: Vec::new(),
    };
    for (k, v) in &pairs {
        if let Some(w) = k.strip_prefix("hours-").and_then(|w| w.parse::<i64>().ok()) {
            if !v.trim().is_empty() {
                form.hours.push((w, v.trim().to_owned()));
            }
        }
    }
    let num = |s: &str| -> Option<i64> {
        let s = s.trim();
        if s.is_empty() {
            None
        } else {
            Some(s.parse().unwrap_or(-1))
        }
    };
    let input = app::LogInput {
        day: form.day.clone(),
        community: form.community.clone(),
        content: form.content.clone(),
        direct: num(&form.direct),
        indirect: num(&form.indirect),
        hours: form
            .hours
            .iter()
            .map(|(w, h)| app::HoursInput {
                worker: *w,
                hours: h.clone(),
            })
            .collect(),
    };
    let r = app::log(&rc.app, &rc.ctx, id, &input).await.map(|_| ());
    after(&rc, id, r, "flash-delivery-logged", form).await
}

pub async fn replace(rc: Rc, Path(id): Path<i64>, Form(f): Form<app::ReplaceInput>) -> PageResult {
    let r = app::replace_member(&rc.app, &rc.ctx, id, &f).await;
    after(&rc, id, r, "flash-team-replaced", LogForm::default()).await
}

#[derive(Deserialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub tranche: String,
    #[serde(default)]
    pub period_from: String,
    #[serde(default)]
    pub period_to: String,
    #[serde(default)]
    pub summary: String,
}

pub async fn report(rc: Rc, Path(id): Path<i64>, Form(f): Form<ReportForm>) -> PageResult {
    let input = app::ReportInput {
        kind: f.kind,
        tranche: f.tranche.trim().parse().ok(),
        period_from: f.period_from,
        period_to: f.period_to,
        summary: f.summary,
    };
    let r = app::submit(&rc.app, &rc.ctx, id, &input).await.map(|_| ());
    after(&rc, id, r, "flash-report-submitted", LogForm::default()).await
}

pub async fn report_transition(
    rc: Rc,
    Path(rid): Path<i64>,
    Form(f): Form<app::ReportTransition>,
) -> PageResult {
    let contract = {
        let mut c = rc
            .app
            .db
            .acquire()
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?;
        sanshe_store::delivery::report(&mut c, rid)
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?
            .ok_or_else(|| PageError::new(AppError::NotFound, &rc))?
            .contract_id
    };
    let r = app::decide(&rc.app, &rc.ctx, rid, &f).await;
    after(&rc, contract, r, "flash-saved", LogForm::default()).await
}

pub async fn attach(
    rc: Rc,
    Path(log): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    if !sanshe_app::authz::can(actor, sanshe_app::authz::Perm::PurchaseApply) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let contract = {
        let mut c = rc
            .app
            .db
            .acquire()
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?;
        sanshe_store::delivery::log(&mut c, log)
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?
            .ok_or_else(|| PageError::new(AppError::NotFound, &rc))?
            .contract_id
    };
    let file = match mp {
        Ok(mp) => crate::pages::read_file_field(mp, "file").await,
        Err(_) => None,
    };
    let r = match file {
        Some((name, bytes)) => app::attach(&rc.app, &rc.ctx, log, &name, &bytes)
            .await
            .map(|_| ()),
        None => Err(AppError::invalid(sanshe_domain::FieldError::new(
            "file",
            "err-import-no-file",
        ))),
    };
    after(&rc, contract, r, "flash-evidence-added", LogForm::default()).await
}

pub async fn file(rc: Rc, Path((log, aid)): Path<(i64, i64)>) -> PageResult {
    let (a, bytes) = app::evidence_file(&rc.app, &rc.ctx, log, aid)
        .await
        .page(&rc)?;
    Ok(crate::pages::file_download(
        &a.file_name,
        &a.content_type,
        bytes,
    ))
}

// ---- the contracts ledger ------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "purchase/ledger.html")]
struct LedgerPage {
    p: Page,
    headers: Vec<&'static str>,
    rows: Vec<(i64, Vec<String>)>,
    total_amount: String,
    total_paid: String,
}

/// The district's contracts with what is paid and delivered, exportable with the payments.
pub async fn ledger(rc: Rc) -> PageResult {
    use sanshe_app::purchase::contracts as k;
    let lines = k::ledger(&rc.app, &rc.ctx).await.page(&rc)?;
    let amount: i64 = lines.iter().map(|l| l.contract.clauses.amount_fen).sum();
    let paid: i64 = lines.iter().map(|l| l.contract.paid_fen).sum();
    let rows = k::ledger_rows(&lines)
        .into_iter()
        .zip(lines.iter().map(|l| l.contract.project_id))
        .map(|(r, p)| (p, r))
        .collect();
    let page = LedgerPage {
        p: Page::new(&rc, "ledger-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/purchase/projects", rc.tr.t("nav-purchase")),
        headers: k::LEDGER_COLUMNS.to_vec(),
        rows,
        total_amount: sanshe_app::registry::yuan(amount),
        total_paid: sanshe_app::registry::yuan(paid),
    };
    Ok(with_page(&rc, &page))
}

pub async fn ledger_export(rc: Rc, Path(format): Path<String>) -> PageResult {
    use sanshe_app::purchase::contracts as k;
    let lines = k::ledger(&rc.app, &rc.ctx).await.page(&rc)?;
    super::areas::file_response(
        &rc,
        &format,
        "contracts-ledger",
        &k::LEDGER_COLUMNS,
        &k::ledger_rows(&lines),
    )
}

pub async fn payments_export(rc: Rc, Path(format): Path<String>) -> PageResult {
    use sanshe_app::purchase::contracts as k;
    let rows = k::payments_ledger(&rc.app, &rc.ctx).await.page(&rc)?;
    super::areas::file_response(
        &rc,
        &format,
        "payments",
        &k::PAYMENT_COLUMNS,
        &k::payment_rows(&rows),
    )
}

#[derive(Template)]
#[template(path = "purchase/my_service.html")]
struct MyServicePage {
    p: Page,
    linked: bool,
    worker_id: i64,
    registered_until: String,
    renew_by: String,
    rows: Vec<MyServiceRow>,
}

struct MyServiceRow {
    project: i64,
    title: String,
    org: String,
    period: String,
    state: String,
    hours: String,
    activities: i64,
    last_day: String,
    lapses_first: bool,
}

/// A social worker's own service: the contracts whose team they are on, their hours, and a
/// warning when their registration ends before a running contract does.
pub async fn my_service(rc: Rc) -> PageResult {
    let v = app::my_service(&rc.app, &rc.ctx).await.page(&rc)?;
    let page = MyServicePage {
        p: Page::new(&rc, "my-service-title").crumb("/", rc.tr.t("nav-home")),
        linked: v.worker_id.is_some(),
        worker_id: v.worker_id.unwrap_or_default(),
        registered_until: v.registered_until.clone().unwrap_or_default(),
        renew_by: v
            .renew_by
            .as_ref()
            .map(|d| rc.tr.f("my-service-renew", &[("date", d.as_str())]))
            .unwrap_or_default(),
        rows: v
            .contracts
            .iter()
            .map(|x| MyServiceRow {
                project: x.contract.project_id,
                title: x.contract.project_title.clone(),
                org: x.contract.org_name.clone(),
                period: format!(
                    "{} — {}",
                    x.contract.clauses.start_date, x.contract.clauses.end_date
                ),
                state: rc
                    .tr
                    .t(&format!("contract-state-{}", x.contract.state))
                    .to_owned(),
                hours: hours_text(x.share.hours_tenths),
                activities: x.share.activities,
                last_day: x.share.last_day.clone().unwrap_or_default(),
                lapses_first: x.lapses_first,
            })
            .collect(),
    };
    Ok(with_page(&rc, &page))
}
