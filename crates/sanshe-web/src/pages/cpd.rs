//! CPD attendance sheets: the template, and an import with a row-by-row report (the same
//! rules as adding hours one by one on a worker's page).

use super::registry::{report_view, ImportPage};
use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{with_page, Page};
use axum::extract::Multipart;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use sanshe_app::areas::{ImportOptions, ImportReport};
use sanshe_app::authz::{self, Perm};
use sanshe_app::workers::CPD_FIELDS;
use sanshe_app::AppError;

const BASE: &str = "/workers/cpd";
/// The template's example row (a registered demo worker would be needed for it to import).
const EXAMPLE: &[&str] = &[
    "320412199003070024",
    "2026-03-15",
    "6",
    "社区社会工作实务督导",
    "武进区社会工作协会",
];

fn require(rc: &Rc) -> Result<(), PageError> {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    authz::require(actor, Perm::WorkerWrite).page(rc)
}

fn page(rc: &Rc, report: Option<&ImportReport>, error: Option<String>) -> ImportPage {
    ImportPage {
        p: Page::new(rc, "cpd-import-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/workers", rc.tr.t("workers-title"))
            .crumb("", rc.tr.t("cpd-import-title")),
        base: BASE.into(),
        intro: rc.tr.t("registry-import-intro").to_owned(),
        template_href: format!("{BASE}/template.xlsx"),
        accept: super::registry::SHEETS,
        columns: CPD_FIELDS
            .iter()
            .map(|f| {
                (
                    f.col.zh.to_owned(),
                    f.col.required,
                    rc.tr.t(&format!("cpd-hint-{}", f.col.key)).to_owned(),
                )
            })
            .collect(),
        report: report.map(|r| report_view(rc, r)),
        error,
    }
}

pub async fn import_form(rc: Rc) -> PageResult {
    require(&rc)?;
    Ok(with_page(&rc, &page(&rc, None, None)))
}

pub async fn import(
    rc: Rc,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    require(&rc)?;
    let (file, opts) = match mp {
        Ok(mp) => super::read_upload(mp).await,
        Err(_) => (None, ImportOptions::default()),
    };
    let Some(bytes) = file else {
        let msg = rc.tr.t("err-import-no-file").to_owned();
        let mut r = with_page(&rc, &page(&rc, None, Some(msg)));
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    // Attendance sheets are tens to hundreds of rows: checked and written in the request.
    let report = sanshe_app::workers::import_cpd(&rc.app, &rc.ctx, &bytes, opts)
        .await
        .page(&rc)?;
    let mut r = with_page(&rc, &page(&rc, Some(&report), None));
    if !report.issues.is_empty() {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn template(rc: Rc) -> PageResult {
    require(&rc)?;
    let spec = sanshe_app::registry::columns(&CPD_FIELDS);
    let bytes = sanshe_io::sheet::template("cpd", &spec, EXAMPLE)
        .map_err(|e| PageError::new(AppError::Internal(e.to_string()), &rc))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"cpd-template.xlsx\"".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response())
}
