//! A registry's spreadsheet import page (run as a job with a progress page), its
//! row-by-row report, and the XLSX template with its example row.

use super::*;
use crate::ctx::Rc;
use crate::error::PageError;
use crate::pages::{OrPage, PageResult};
use crate::view::{with_page, Page};
use askama::Template;
use axum::extract::{Multipart, Path};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use sanshe_app::registry::{self as reg, ImportReport, Registry};
use sanshe_app::AppError;

pub struct ReportView {
    pub summary: String,
    pub committed: bool,
    pub dry_run: bool,
    pub issues: Vec<(usize, String, String)>,
}

pub fn report_view(rc: &Rc, r: &ImportReport) -> ReportView {
    let tr = rc.tr;
    ReportView {
        summary: tr.f(
            "import-summary",
            &[
                ("total", r.total_rows.to_string()),
                ("valid", r.valid_rows.to_string()),
                ("existing", r.existing_rows.to_string()),
                ("inserted", r.inserted.to_string()),
                ("issues", r.issues.len().to_string()),
            ],
        ),
        committed: r.committed,
        dry_run: r.dry_run,
        issues: r
            .issues
            .iter()
            .map(|i| (i.row, i.column.clone(), tr.f(&i.code, &i.args)))
            .collect(),
    }
}

/// The file types a spreadsheet import accepts.
pub(crate) const SHEETS: &str = ".xlsx,.csv,text/csv";

#[derive(Template)]
#[template(path = "registry/import.html")]
pub(crate) struct ImportPage {
    pub(crate) p: Page,
    /// Where the form posts: `{base}/import`.
    pub(crate) base: String,
    pub(crate) intro: String,
    pub(crate) template_href: String,
    /// The file types the chooser offers.
    pub(crate) accept: &'static str,
    pub(crate) columns: Vec<(String, bool, String)>,
    pub(crate) report: Option<ReportView>,
    pub(crate) error: Option<String>,
}

fn import_page<R: Registry>(
    rc: &Rc,
    report: Option<ReportView>,
    error: Option<String>,
) -> ImportPage {
    ImportPage {
        p: base_page::<R>(rc, "registry-import-title").crumb("", rc.tr.t("registry-import-title")),
        base: path::<R>(),
        intro: rc.tr.t("registry-import-intro").to_owned(),
        template_href: format!("{}/template.xlsx", path::<R>()),
        accept: SHEETS,
        columns: R::fields()
            .iter()
            .map(|f| {
                let hint_key = format!("hint-{}", f.col.key);
                (
                    f.col.zh.to_owned(),
                    f.col.required,
                    if sanshe_app::i18n::has_key(&hint_key) {
                        rc.tr.t(&hint_key).to_owned()
                    } else {
                        rc.tr.t(&format!("f-{}", f.col.key)).to_owned()
                    },
                )
            })
            .collect(),
        report,
        error,
    }
}

pub async fn import_form<R: Registry>(rc: Rc) -> PageResult {
    require_create::<R>(&rc)?;
    Ok(with_page(&rc, &import_page::<R>(&rc, None, None)))
}

pub async fn import<R: Registry>(
    rc: Rc,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    require_create::<R>(&rc)?;
    let mp = mp.map_err(|_| {
        PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new("file", "err-import-no-file")),
            &rc,
        )
    })?;
    let (file, opts) = crate::pages::read_upload(mp).await;
    let Some(bytes) = file else {
        let mut r = with_page(
            &rc,
            &import_page::<R>(&rc, None, Some(rc.tr.t("err-import-no-file").to_owned())),
        );
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    // The import runs as a job: a small file finishes while we wait and its report is shown
    // right here; a large one continues in the background and the browser follows its
    // progress on the job page.
    let owner = rc.actor().and_then(|a| a.user_id);
    let (job, progress) = sanshe_app::jobs::start(&rc.app, &rc.ctx, owner, R::KIND)
        .await
        .page(&rc)?;
    let (app, ctx, jid) = (rc.app.clone(), rc.ctx.clone(), job.clone());
    let handle = tokio::spawn(async move {
        let report = |stage: &str, done: usize, total: usize| progress.set(stage, done, total);
        let r = reg::import::<R>(&app, &ctx, &bytes, opts, Some(&report)).await;
        drop(progress);
        if let Err(e) =
            sanshe_app::jobs::finish(&app, &ctx, &jid, r.map_err(|e| e.to_string())).await
        {
            tracing::error!(job = %jid, error = %e, "could not record an import's outcome");
        }
    });
    let waited = tokio::time::timeout(std::time::Duration::from_millis(1500), handle).await;
    if waited.is_err() {
        return Ok(axum::response::Redirect::to(&format!("/imports/{job}")).into_response());
    }
    let done = sanshe_app::jobs::get(&rc.app, &job, owner)
        .await
        .page(&rc)?
        .ok_or(AppError::NotFound)
        .page(&rc)?;
    let Some(report) = done.report else {
        return Err(PageError::new(
            AppError::Internal(done.error.unwrap_or_default()),
            &rc,
        ));
    };
    let status = if report.issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = with_page(
        &rc,
        &import_page::<R>(&rc, Some(report_view(&rc, &report)), None),
    );
    *r.status_mut() = status;
    Ok(r)
}

/// The XLSX template: Chinese headers (required ones starred) and one example row.
pub async fn template<R: Registry>(rc: Rc) -> PageResult {
    require_create::<R>(&rc)?;
    let bytes = reg::template::<R>(R::EXAMPLE).page(&rc)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-template.xlsx\"", R::KIND),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The example row of each registry's template.
// ---- kind-specific actions ------------------------------------------------------------------

#[derive(Template)]
#[template(path = "jobs/import_job.html")]
struct JobPage {
    p: Page,
    kind: String,
    finished: bool,
    stage: String,
    done: usize,
    total: usize,
    percent: usize,
    report: Option<ReportView>,
    error: Option<String>,
}

/// A background import's progress, then its report (only for the account that started it).
pub async fn job(rc: Rc, Path(id): Path<String>) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    let j = sanshe_app::jobs::get(&rc.app, &id, actor.user_id)
        .await
        .page(&rc)?
        .ok_or(AppError::NotFound)
        .page(&rc)?;
    let page = JobPage {
        p: Page::new(&rc, "job-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb(
                &format!("/{}", j.kind),
                rc.tr.t(&format!("{}-title", j.kind)),
            )
            .crumb("", rc.tr.t("job-title")),
        finished: j.finished.is_some(),
        stage: rc.tr.t(&format!("job-stage-{}", j.stage)).to_owned(),
        done: j.done,
        total: j.total.max(1),
        percent: j.done * 100 / j.total.max(1),
        report: j.report.as_ref().map(|r| report_view(&rc, r)),
        error: j.error.clone(),
        kind: j.kind,
    };
    Ok(with_page(&rc, &page))
}
