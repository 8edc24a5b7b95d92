//! `/api/v1/facilities/{id}/photos`: a facility's photos — list, upload (the raw image as
//! the request body), download and delete. The same rules as the pages: JPEG, PNG or WebP
//! sniffed from the bytes, at most `upload_max_mb`, write access to the facility to change.

use super::{authed, ApiPath, ApiQuery, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::body::Bytes;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Raw file bytes (an image).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(#[allow(dead_code)] Vec<u8>);

#[derive(Debug, Serialize, ToSchema)]
pub struct Photo {
    pub id: i64,
    /// The name it was uploaded under.
    pub file_name: String,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Where to download it (same authentication).
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PhotoList {
    pub items: Vec<Photo>,
}

/// List a facility's photos.
#[utoipa::path(get, operation_id = "facilities_photos", path = "/api/v1/facilities/{id}/photos", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = PhotoList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<PhotoList>> {
    authed(&rc)?;
    let rows = sanshe_app::facilities::photos(&rc.app, &rc.ctx, id)
        .await
        .api(&rc)?;
    Ok(Json(PhotoList {
        items: rows
            .into_iter()
            .map(|p| Photo {
                url: format!("/api/v1/facilities/{id}/photos/{}", p.id),
                id: p.id,
                file_name: p.file_name,
                content_type: p.content_type,
                size: p.size,
            })
            .collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The original file name, kept for display (optional).
    #[param(max_length = 200)]
    pub file_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Uploaded {
    pub id: i64,
    pub url: String,
}

/// Upload a photo: the image bytes as the request body (JPEG, PNG or WebP; the type is
/// read from the bytes, not from the header).
#[utoipa::path(post, operation_id = "facilities_add_photo", path = "/api/v1/facilities/{id}/photos", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path), UploadQuery),
    request_body(description = "The image", content((Binary = "image/jpeg"), (Binary = "image/png"), (Binary = "image/webp"), (Binary = "application/octet-stream"))),
    responses((status = 201, body = Uploaded), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<Uploaded>)> {
    authed(&rc)?;
    super::QueryRules::default()
        .text("file_name", &q.file_name, 200)
        .check(&rc)?;
    let pid = sanshe_app::facilities::add_photo(
        &rc.app,
        &rc.ctx,
        id,
        q.file_name.as_deref().unwrap_or(""),
        &body,
    )
    .await
    .api(&rc)?;
    Ok((
        StatusCode::CREATED,
        Json(Uploaded {
            id: pid,
            url: format!("/api/v1/facilities/{id}/photos/{pid}"),
        }),
    ))
}

/// Download a photo.
#[utoipa::path(get, operation_id = "facilities_photo", path = "/api/v1/facilities/{id}/photos/{pid}", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path), ("pid" = i64, Path)),
    responses((status = 200, description = "The image, with its own content type", content((Binary = "image/jpeg"), (Binary = "image/png"), (Binary = "image/webp"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(rc: Rc, ApiPath((id, pid)): ApiPath<(i64, i64)>) -> ApiResult<Response> {
    authed(&rc)?;
    let (ctype, bytes) = sanshe_app::facilities::photo(&rc.app, &rc.ctx, id, pid)
        .await
        .api(&rc)?;
    Ok(([(header::CONTENT_TYPE, ctype)], bytes).into_response())
}

/// Delete a photo (record and file).
#[utoipa::path(delete, operation_id = "facilities_delete_photo", path = "/api/v1/facilities/{id}/photos/{pid}", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path), ("pid" = i64, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(rc: Rc, ApiPath((id, pid)): ApiPath<(i64, i64)>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    sanshe_app::facilities::delete_photo(&rc.app, &rc.ctx, id, pid)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}
