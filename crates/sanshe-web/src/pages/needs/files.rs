//! Evidence attached to a need: upload, download, confirmed removal.

use super::*;
use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::redirect_flash;
use axum::extract::Path;
use axum::Form;
use sanshe_app::needs::{self};
use sanshe_app::AppError;
use serde::Deserialize;

/// Adds a file to a need (multipart field `file`).
pub async fn attach(
    rc: Rc,
    Path(id): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    // Reach first: a denied user learns nothing from the form's shape.
    needs::files::list(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let file = match mp {
        Ok(mp) => crate::pages::read_file_field(mp, "file").await,
        Err(_) => None,
    };
    let Some((name, bytes)) = file else {
        let msg = rc.tr.t("err-import-no-file").to_owned();
        let mut r = detail_page(&rc, id, None, vec![msg]).await?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    match needs::files::add(&rc.app, &rc.ctx, id, &name, &bytes).await {
        Ok(_) => Ok(redirect_flash(&format!("/needs/{id}"), "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            let mut r = detail_page(&rc, id, None, errs).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

pub async fn attachment(rc: Rc, Path((id, aid)): Path<(i64, i64)>) -> PageResult {
    let (a, bytes) = needs::files::get(&rc.app, &rc.ctx, id, aid)
        .await
        .page(&rc)?;
    Ok(crate::pages::file_download(
        &a.file_name,
        &a.content_type,
        bytes,
    ))
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    pub confirm: String,
}

pub async fn detach(
    rc: Rc,
    Path((id, aid)): Path<(i64, i64)>,
    Form(f): Form<ConfirmForm>,
) -> PageResult {
    needs::files::list(&rc.app, &rc.ctx, id).await.page(&rc)?;
    if f.confirm != "yes" {
        return Err(PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new("confirm", "err-confirm")),
            &rc,
        ));
    }
    needs::files::remove(&rc.app, &rc.ctx, id, aid)
        .await
        .page(&rc)?;
    Ok(redirect_flash(&format!("/needs/{id}"), "flash-deleted"))
}
