//! `/api/v1/purchase/applications/{id}/attachments`: an application's files, added and
//! removed by its organization while it is a draft, read by whoever may read it.

use super::needs::{AttachQuery, Attachment, Created};
use super::{authed, ApiPath, ApiQuery, ApiResult, OrApi};
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
    Ok(Json(
        rows.into_iter()
            .map(|a| Attachment {
                url: format!("/api/v1/purchase/applications/{id}/attachments/{}", a.id),
                id: a.id,
                file_name: a.file_name,
                content_type: a.content_type,
                size: a.size,
                sm3: a.sm3,
                created_at: a.created_at,
            })
            .collect(),
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
    super::QueryRules::default()
        .text("file_name", &q.file_name, 200)
        .check(&rc)?;
    let aid = app::attach(
        &rc.app,
        &rc.ctx,
        id,
        q.file_name.as_deref().unwrap_or(""),
        &body,
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })))
}

/// Download an application's file.
#[utoipa::path(get, operation_id = "applications_file", path = "/api/v1/purchase/applications/{id}/attachments/{aid}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), ("aid" = i64, Path, minimum = 1)),
    responses((status = 200, description = "The file, with its own content type", content((super::photos::Binary = "image/jpeg"), (super::photos::Binary = "image/png"), (super::photos::Binary = "image/webp"), (super::photos::Binary = "application/pdf"), (super::photos::Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (super::photos::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (super::photos::Binary = "application/vnd.openxmlformats-officedocument.presentationml.presentation"), (super::photos::Binary = "application/msword"), (super::photos::Binary = "application/vnd.ms-excel"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn file(
    rc: Rc,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> ApiResult<axum::response::Response> {
    authed(&rc)?;
    let (a, bytes) = app::file(&rc.app, &rc.ctx, id, aid).await.api(&rc)?;
    Ok(crate::pages::file_download(
        &a.file_name,
        &a.content_type,
        bytes,
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
