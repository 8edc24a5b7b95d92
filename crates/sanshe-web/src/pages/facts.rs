//! Self-reported facts waiting for verification: the staff's list with approve and reject,
//! a worker's or organization's own list with withdraw.

use super::{opt_i64, OrPage, PageResult};
use crate::ctx::Rc;
use crate::view::{datetime, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use serde::Deserialize;

pub struct Row {
    pub id: i64,
    pub version: i64,
    pub worker: i64,
    pub worker_name: String,
    pub state: String,
    pub requested_by: String,
    pub at: String,
    pub changes: Vec<(String, String, String)>,
    pub events: Vec<(&'static str, String)>,
    /// Evidence: (id, file name).
    pub files: Vec<(i64, String)>,
    /// The viewer asked for it and it is pending: may attach evidence.
    pub can_attach: bool,
}

#[derive(Template)]
#[template(path = "workers/changes.html")]
struct ChangesPage {
    p: Page,
    rows: Vec<Row>,
    pager: Pager,
    state: String,
}

#[derive(Deserialize, Default)]
pub struct ChangesQuery {
    pub state: Option<String>,
    pub page: Option<String>,
}

pub async fn list(rc: Rc, Query(q): Query<ChangesQuery>) -> PageResult {
    let state = q.state.clone().unwrap_or_else(|| "pending".into());
    let page = opt_i64(&q.page).unwrap_or(None);
    let res = sanshe_app::facts::list(
        &rc.app,
        &rc.ctx,
        Some(state.as_str()).filter(|s| !s.is_empty() && *s != "all"),
        crate::view::page_req(page, Some(30)),
    )
    .await
    .page(&rc)?;
    let actor = rc
        .actor()
        .ok_or(sanshe_app::AppError::Unauthenticated)
        .page(&rc)?;
    let mut rows = Vec::new();
    for c in &res.items {
        let events = sanshe_app::facts::events(actor, c);
        let files = sanshe_app::facts::files(&rc.app, &rc.ctx, c.id)
            .await
            .page(&rc)?
            .into_iter()
            .map(|a| (a.id, a.file_name))
            .collect();
        let can_attach = events.contains(&"withdraw");
        rows.push(Row {
            id: c.id,
            version: c.version,
            worker: c.record_id,
            worker_name: c.record_label.clone().unwrap_or_default(),
            state: rc.tr.t(&format!("fact-state-{}", c.state)).to_owned(),
            requested_by: c.requested_name.clone(),
            at: datetime(c.created_at),
            changes: sanshe_app::facts::parse_changes(c)
                .into_iter()
                .map(|(f, o, n)| {
                    (
                        rc.tr.t(&format!("f-{f}")).to_owned(),
                        sanshe_app::facts::display(&rc.tr, &f, &o),
                        sanshe_app::facts::display(&rc.tr, &f, &n),
                    )
                })
                .collect(),
            events: events
                .into_iter()
                .map(|e| (e, rc.tr.t(&format!("fact-event-{e}")).to_owned()))
                .collect(),
            files,
            can_attach,
        });
    }
    let params = vec![("state", state.clone())];
    let page = ChangesPage {
        p: Page::new(&rc, "facts-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/workers", rc.tr.t("workers-title"))
            .crumb("", rc.tr.t("facts-title")),
        rows,
        pager: Pager::new("/workers/changes", &params, &res),
        state,
    };
    Ok(with_page(&rc, &page))
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    event: String,
    #[serde(default)]
    version: Option<String>,
}

pub async fn decide(rc: Rc, Path(id): Path<i64>, Form(f): Form<DecisionForm>) -> PageResult {
    let version = f.version.as_deref().and_then(|v| v.trim().parse().ok());
    sanshe_app::facts::decide(&rc.app, &rc.ctx, id, f.event.trim(), version)
        .await
        .page(&rc)?;
    Ok(redirect_flash("/workers/changes", "flash-fact-decided"))
}

/// Adds evidence to one's own pending change (multipart field `file`).
pub async fn attach(
    rc: Rc,
    Path(id): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    sanshe_app::facts::files(&rc.app, &rc.ctx, id)
        .await
        .page(&rc)?;
    let file = match mp {
        Ok(mp) => crate::pages::read_file_field(mp, "file").await,
        Err(_) => None,
    };
    let Some((name, bytes)) = file else {
        return Err(crate::error::PageError::new(
            sanshe_app::AppError::invalid(sanshe_domain::FieldError::new(
                "file",
                "err-import-no-file",
            )),
            &rc,
        ));
    };
    sanshe_app::facts::attach(&rc.app, &rc.ctx, id, &name, &bytes)
        .await
        .page(&rc)?;
    Ok(redirect_flash("/workers/changes", "flash-saved"))
}

pub async fn file(rc: Rc, Path((id, aid)): Path<(i64, i64)>) -> PageResult {
    let (a, bytes) = sanshe_app::facts::file(&rc.app, &rc.ctx, id, aid)
        .await
        .page(&rc)?;
    Ok(crate::pages::file_download(
        &a.file_name,
        &a.content_type,
        bytes,
    ))
}
