//! `/api/v1/purchase/applications/{id}/attachments`: an application's files, added and
//! removed by its organization while it is a draft, read by whoever may read it.

use super::needs::{AttachQuery, Attachment, Created};
use super::{authed, files, ApiPath, ApiQuery, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::applications as app;

/// An application's files.
#[utoipa::path(get, operation_id = "applications_files", path = "/api/v1/purchase/applications/{id}/attachments", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Vec<Attachment>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Attachment>>> {
    authed(&rc)?;
    let rows = app::files(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(files::listing(
        rows,
        &format!("/api/v1/purchase/applications/{id}/attachments"),
    ))
}

/// Attach a file to a draft application: the raw bytes as the request body.
#[utoipa::path(post, operation_id = "applications_attach", path = "/api/v1/purchase/applications/{id}/attachments", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), AttachQuery),
    request_body(description = "The file", content((super::photos::Binary = "application/octet-stream"))),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn attach(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AttachQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let name = files::upload_name(&rc, &q)?;
    let aid = app::attach(&rc.app, &rc.ctx, id, name, &body)
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })))
}

/// Download an application's file.
#[utoipa::path(get, operation_id = "applications_file", path = "/api/v1/purchase/applications/{id}/attachments/{aid}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), ("aid" = i64, Path, minimum = 1)),
    responses(super::files::FileDownload))]
pub async fn file(
    rc: Rc,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> ApiResult<axum::response::Response> {
    authed(&rc)?;
    Ok(files::download(
        app::file(&rc.app, &rc.ctx, id, aid).await.api(&rc)?,
    ))
}

/// Remove a file from a draft application.
#[utoipa::path(delete, operation_id = "applications_detach", path = "/api/v1/purchase/applications/{id}/attachments/{aid}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), ("aid" = i64, Path, minimum = 1)),
    responses((status = 204, description = "Removed"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn detach(rc: Rc, ApiPath((id, aid)): ApiPath<(i64, i64)>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::detach(&rc.app, &rc.ctx, id, aid).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}
