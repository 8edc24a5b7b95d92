//! `/api/v1/social-worker-changes`: self-reported facts waiting for verification.

use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    pub field: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FactChange {
    pub id: i64,
    /// The social worker the change is about.
    pub worker: i64,
    pub worker_name: Option<String>,
    /// `pending`, `approved`, `rejected` or `withdrawn`.
    pub state: String,
    pub version: i64,
    pub requested_by: String,
    pub created_at: i64,
    pub changes: Vec<Change>,
}

fn out(c: &sanshe_store::facts::FactChange) -> FactChange {
    FactChange {
        id: c.id,
        worker: c.record_id,
        worker_name: c.record_label.clone(),
        state: c.state.clone(),
        version: c.version,
        requested_by: c.requested_name.clone(),
        created_at: c.created_at,
        changes: sanshe_app::facts::parse_changes(c)
            .into_iter()
            .map(|(field, old, new)| Change { field, old, new })
            .collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FactChangePage {
    pub items: Vec<FactChange>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FactQuery {
    /// Only changes in this state.
    #[param(pattern = "^(|pending|approved|rejected|withdrawn)$")]
    pub state: Option<String>,
}

/// Changes of self-reported facts in reach (staff: their area's; a worker: their own; an
/// organization: its staff's), newest first.
#[utoipa::path(get, operation_id = "fact_changes_list", path = "/api/v1/social-worker-changes", tag = "registries", security(("bearer" = [])),
    params(FactQuery, Paging),
    responses((status = 200, body = FactChangePage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    rc: Rc,
    ApiQuery(q): ApiQuery<FactQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<FactChangePage>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    super::QueryRules::default()
        .choice(
            "state",
            &q.state,
            &["pending", "approved", "rejected", "withdrawn"],
        )
        .check(&rc)?;
    let state = q.state.as_deref().filter(|s| !s.is_empty());
    let res = sanshe_app::facts::list(&rc.app, &rc.ctx, state, page)
        .await
        .api(&rc)?;
    Ok(Json(FactChangePage {
        items: res.items.iter().map(out).collect(),
        page: PageInfo::from(&res),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `approve` or `reject` (staff), `withdraw` (the requester).
    #[schema(pattern = "^(approve|reject|withdraw)$")]
    pub event: String,
    /// The version the decision was made on (409 if the change moved meanwhile).
    pub version: Option<i64>,
}

/// Approve (the record changes), reject or withdraw a pending change.
#[utoipa::path(post, operation_id = "fact_changes_decide", path = "/api/v1/social-worker-changes/{id}/transitions", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = Decision,
    responses((status = 204, description = "Done"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn decide(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<Decision>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    sanshe_app::facts::decide(&rc.app, &rc.ctx, id, b.event.trim(), b.version)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Evidence {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// The evidence attached to a change.
#[utoipa::path(get, operation_id = "fact_changes_files", path = "/api/v1/social-worker-changes/{id}/attachments", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = [Evidence]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn files(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Evidence>>> {
    authed(&rc)?;
    let rows = sanshe_app::facts::files(&rc.app, &rc.ctx, id)
        .await
        .api(&rc)?;
    Ok(Json(
        rows.into_iter()
            .map(|a| Evidence {
                id: a.id,
                file_name: a.file_name,
                content_type: a.content_type,
                size: a.size,
            })
            .collect(),
    ))
}

/// Attach evidence to one's own pending change (the file is the request body; images, PDF
/// and Office documents).
#[utoipa::path(post, operation_id = "fact_changes_attach", path = "/api/v1/social-worker-changes/{id}/attachments", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), super::needs::AttachQuery),
    request_body(description = "The file", content((super::photos::Binary = "application/octet-stream"))),
    responses((status = 201, body = super::orgs::Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<super::needs::AttachQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<super::orgs::Created>)> {
    authed(&rc)?;
    super::QueryRules::default()
        .text("file_name", &q.file_name, 200)
        .check(&rc)?;
    let aid = sanshe_app::facts::attach(
        &rc.app,
        &rc.ctx,
        id,
        q.file_name.as_deref().unwrap_or(""),
        &body,
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(super::orgs::Created { id: aid })))
}

/// Download one piece of evidence (images inline, anything else as a download).
#[utoipa::path(get, operation_id = "fact_changes_file", path = "/api/v1/social-worker-changes/{id}/attachments/{aid}", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), ("aid" = i64, Path, minimum = 1)),
    responses((status = 200, description = "The file, with its own content type", content((super::photos::Binary = "image/jpeg"), (super::photos::Binary = "image/png"), (super::photos::Binary = "image/webp"), (super::photos::Binary = "application/pdf"), (super::photos::Binary = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), (super::photos::Binary = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (super::photos::Binary = "application/vnd.openxmlformats-officedocument.presentationml.presentation"), (super::photos::Binary = "application/msword"), (super::photos::Binary = "application/vnd.ms-excel"))),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn file(
    rc: Rc,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> ApiResult<axum::response::Response> {
    authed(&rc)?;
    let (a, bytes) = sanshe_app::facts::file(&rc.app, &rc.ctx, id, aid)
        .await
        .api(&rc)?;
    Ok(crate::pages::file_download(
        &a.file_name,
        &a.content_type,
        bytes,
    ))
}
