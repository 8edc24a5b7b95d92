//! The audit log: filters, pagination and CSV/XLSX export, for the audit administrator.

use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::view::{datetime, parse_date, query_string, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query};
use sanshe_store::audit::{AuditFilter, AuditRow};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub outcome: Option<String>,
    pub q: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub page: Option<String>,
}

fn ne(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

pub fn filter_of(q: &AuditQuery) -> AuditFilter {
    AuditFilter {
        actor: ne(&q.actor),
        action: ne(&q.action),
        object_type: ne(&q.object_type),
        outcome: ne(&q.outcome),
        q: ne(&q.q),
        from: q.from.as_deref().and_then(parse_date),
        // "until" is inclusive of that day.
        until: q.until.as_deref().and_then(parse_date).map(|t| t + 86_400),
    }
}

fn params(q: &AuditQuery) -> Vec<(&'static str, String)> {
    vec![
        ("actor", q.actor.clone().unwrap_or_default()),
        ("action", q.action.clone().unwrap_or_default()),
        ("object_type", q.object_type.clone().unwrap_or_default()),
        ("outcome", q.outcome.clone().unwrap_or_default()),
        ("q", q.q.clone().unwrap_or_default()),
        ("from", q.from.clone().unwrap_or_default()),
        ("until", q.until.clone().unwrap_or_default()),
    ]
}

pub struct AuditView {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub summary: String,
    pub outcome: String,
    pub client: String,
    pub request_id: String,
}

fn view(r: &AuditRow) -> AuditView {
    AuditView {
        at: datetime(r.at),
        actor: r.actor_name.clone(),
        action: r.action.clone(),
        object: format!(
            "{}{}",
            r.object_type,
            r.object_id
                .as_deref()
                .map(|i| format!(" #{i}"))
                .unwrap_or_default()
        ),
        summary: r.summary.clone(),
        outcome: r.outcome.clone(),
        client: r.client.clone().unwrap_or_default(),
        request_id: r.request_id.clone().unwrap_or_default(),
    }
}

#[derive(Template)]
#[template(path = "audit/list.html")]
struct AuditPage {
    p: Page,
    chain: Option<sanshe_app::uow::ChainReport>,
    q: AuditQuery,
    actions: Vec<String>,
    rows: Vec<AuditView>,
    pager: Pager,
    export_qs: String,
    bad_dates: bool,
}

pub async fn list(rc: Rc, Query(q): Query<AuditQuery>) -> PageResult {
    render(rc, q, None).await
}

/// Walks the hash chain and shows its state above the log.
pub async fn verify(rc: Rc) -> PageResult {
    let report = sanshe_app::audit::verify(&rc.app, &rc.ctx)
        .await
        .page(&rc)?;
    render(rc, AuditQuery::default(), Some(report)).await
}

async fn render(rc: Rc, q: AuditQuery, chain: Option<sanshe_app::uow::ChainReport>) -> PageResult {
    let f = filter_of(&q);
    let bad_dates = (ne(&q.from).is_some() && f.from.is_none())
        || (ne(&q.until).is_some() && f.until.is_none());
    let page = super::opt_i64(&q.page).unwrap_or(None);
    let res = sanshe_app::audit::list(&rc.app, &rc.ctx, &f, crate::view::page_req(page, Some(50)))
        .await
        .page(&rc)?;
    let actions = sanshe_app::audit::actions(&rc.app, &rc.ctx)
        .await
        .page(&rc)?;
    let params = params(&q);
    let page = AuditPage {
        p: Page::new(&rc, "audit-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("", rc.tr.t("audit-title")),
        actions,
        chain,
        rows: res.items.iter().map(view).collect(),
        pager: Pager::new("/audit", &params, &res),
        export_qs: query_string(&params),
        q,
        bad_dates,
    };
    Ok(with_page(&rc, &page))
}

pub async fn export(rc: Rc, Path(format): Path<String>, Query(q): Query<AuditQuery>) -> PageResult {
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(crate::error::PageError::new(
            sanshe_app::AppError::NotFound,
            &rc,
        ));
    }
    let rows = sanshe_app::audit::export(&rc.app, &rc.ctx, &filter_of(&q), &format)
        .await
        .page(&rc)?;
    let tr = rc.tr;
    let headers: Vec<&str> = [
        "col-time",
        "col-actor",
        "col-action",
        "col-object",
        "col-summary",
        "col-outcome",
        "col-client",
        "col-request-id",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(view)
        .map(|v| {
            vec![
                v.at,
                v.actor,
                v.action,
                v.object,
                v.summary,
                v.outcome,
                v.client,
                v.request_id,
            ]
        })
        .collect();
    super::areas::file_response(&rc, &format, "audit-log", &headers, &table)
}
