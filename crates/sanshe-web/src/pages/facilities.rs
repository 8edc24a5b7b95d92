//! Facility pages beyond the registry's: photos (upload, view, confirmed delete).

use super::registry::*;
use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{redirect_flash, with_page};
use axum::extract::{Multipart, Path};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Form;
use sanshe_app::registry::{self as reg, Registry};
use sanshe_app::AppError;

pub async fn add_photo(
    rc: Rc,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    // Permission first: a denied user learns nothing from the form's shape.
    may_change_facility(&rc, id).await?;
    let mut mp = mp.map_err(|_| {
        PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new(
                "photo",
                "err-import-no-file",
            )),
            &rc,
        )
    })?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("photo") {
            let name = field.file_name().unwrap_or("").to_owned();
            file = field.bytes().await.ok().map(|b| (name, b.to_vec()));
        }
    }
    let (name, bytes) = file.filter(|(_, b)| !b.is_empty()).ok_or_else(|| {
        PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new(
                "photo",
                "err-import-no-file",
            )),
            &rc,
        )
    })?;
    sanshe_app::facilities::add_photo(&rc.app, &rc.ctx, id, &name, &bytes)
        .await
        .page(&rc)?;
    Ok(redirect_flash(&format!("/facilities/{id}"), "flash-saved"))
}

/// Write access to a facility (its photos), checked before anything else is looked at.
async fn may_change_facility(rc: &Rc, id: i64) -> Result<(), PageError> {
    type F = sanshe_app::facilities::Facilities;
    let f = reg::get::<F>(&rc.app, &rc.ctx, id).await.page(rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    if !F::can_write(actor, &f) {
        return Err(PageError::new(AppError::Forbidden, rc));
    }
    Ok(())
}

/// Confirmation page before a photo is deleted.
pub async fn delete_photo_form(rc: Rc, Path((id, pid)): Path<(i64, i64)>) -> PageResult {
    type F = sanshe_app::facilities::Facilities;
    may_change_facility(&rc, id).await?;
    let p = sanshe_app::facilities::photos(&rc.app, &rc.ctx, id)
        .await
        .page(&rc)?
        .into_iter()
        .find(|p| p.id == pid)
        .ok_or(AppError::NotFound)
        .page(&rc)?;
    let page = ConfirmPage {
        p: base_page::<F>(&rc, "delete-title").crumb("", rc.tr.t("delete-title")),
        message: rc.tr.f("delete-confirm", &[("name", p.file_name)]),
        action: format!("/facilities/{id}/photos/{pid}/delete"),
        cancel: format!("/facilities/{id}"),
    };
    Ok(with_page(&rc, &page))
}

pub async fn delete_photo(
    rc: Rc,
    Path((id, pid)): Path<(i64, i64)>,
    Form(f): Form<DeleteForm>,
) -> PageResult {
    may_change_facility(&rc, id).await?;
    if f.confirm != "yes" {
        return Err(PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new("confirm", "err-confirm")),
            &rc,
        ));
    }
    sanshe_app::facilities::delete_photo(&rc.app, &rc.ctx, id, pid)
        .await
        .page(&rc)?;
    Ok(redirect_flash(
        &format!("/facilities/{id}"),
        "flash-deleted",
    ))
}

pub async fn photo(rc: Rc, Path((id, pid)): Path<(i64, i64)>) -> PageResult {
    let (ctype, bytes) = sanshe_app::facilities::photo(&rc.app, &rc.ctx, id, pid)
        .await
        .page(&rc)?;
    Ok((
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
        ],
        bytes,
    )
        .into_response())
}
