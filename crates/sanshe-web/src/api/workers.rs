//! Social-worker endpoints beyond the registry's: CPD hours (one by one or an attendance
//! sheet) and certification subsidies.

use super::orgs::Created;
use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A CPD (continuing education) entry.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CpdBody {
    /// YYYY-MM-DD, not in the future.
    #[schema(format = Date, required = true)]
    pub date: String,
    /// Hours, one decimal at most, from 0.1 to 1000.
    #[schema(
        required = true,
        pattern = "^(0\\.[1-9]0?|[1-9][0-9]{0,2}(\\.[0-9]0?)?|1000(\\.00?)?)$"
    )]
    pub hours: String,
    #[schema(required = true, min_length = 1, max_length = 200)]
    pub topic: String,
    #[schema(max_length = 200)]
    pub provider: String,
}

/// Add CPD hours to a social worker's ledger.
#[utoipa::path(post, operation_id = "workers_add_cpd", path = "/api/v1/social-workers/{id}/cpd", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CpdBody,
    responses((status = 200, body = CpdCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_cpd(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CpdBody>,
) -> ApiResult<Json<CpdCreated>> {
    authed(&rc)?;
    let id = sanshe_app::workers::add_cpd(
        &rc.app,
        &rc.ctx,
        id,
        &b.date,
        &b.hours,
        &b.topic,
        &b.provider,
    )
    .await
    .api(&rc)?;
    Ok(Json(match id {
        sanshe_app::workers::CpdAdded::Entry(id) => CpdCreated { id, pending: false },
        sanshe_app::workers::CpdAdded::Pending(id) => CpdCreated { id, pending: true },
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CpdCreated {
    /// The entry's id, or (pending) the id of the change waiting for verification.
    pub id: i64,
    /// Reported by the worker or their organization: counts once staff verify it.
    pub pending: bool,
}

/// Import CPD hours from an attendance sheet.
///
/// The body is the file: XLSX, or CSV in UTF-8 or GB18030, with the columns 身份证号, 培训日期,
/// 学时, 培训内容, 培训机构 (English headers `id_number`, `date`, `hours`, `topic`, `provider`
/// accepted). Nothing is written unless every row is valid, unless `only_valid=true`; the
/// same person, date and training is recorded once.
#[utoipa::path(post, operation_id = "workers_import_cpd", path = "/api/v1/social-workers/cpd/import", tag = "registries", security(("bearer" = [])),
    params(super::areas::ImportQuery), request_body(content = super::photos::Binary, content_type = "application/octet-stream"),
    responses((status = 200, body = super::areas::ImportReport, description = "Every row valid (written unless dry run)"),
        (status = 422, body = super::areas::ImportReport, description = "Some rows invalid; see issues"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_cpd(
    rc: Rc,
    ApiQuery(q): ApiQuery<super::areas::ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(axum::http::StatusCode, Json<super::areas::ImportReport>)> {
    authed(&rc)?;
    let r = sanshe_app::workers::import_cpd(&rc.app, &rc.ctx, &body, q.options())
        .await
        .api(&rc)?;
    Ok(super::areas::report_json(&rc, &r))
}

/// A certification subsidy paid.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SubsidyBody {
    /// The year the subsidy is for, from 2000 to this year.
    #[schema(required = true, pattern = "^20[0-9]{2}$")]
    pub year: String,
    /// Yuan, two decimals at most, from 0.01 to 100,000.
    #[schema(
        required = true,
        pattern = "^(0\\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,4}(\\.[0-9]{1,2})?|100000(\\.00?)?)$"
    )]
    pub amount: String,
    /// YYYY-MM-DD (empty: not paid yet).
    #[schema(pattern = "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$")]
    pub paid_on: String,
}

/// Record a certification subsidy paid to a social worker (district and street staff).
#[utoipa::path(post, operation_id = "workers_add_subsidy", path = "/api/v1/social-workers/{id}/subsidies", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = SubsidyBody,
    responses((status = 200, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_subsidy(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<SubsidyBody>,
) -> ApiResult<Json<Created>> {
    authed(&rc)?;
    let id = sanshe_app::workers::add_subsidy(&rc.app, &rc.ctx, id, &b.year, &b.amount, &b.paid_on)
        .await
        .api(&rc)?;
    Ok(Json(Created { id }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubsidyOut {
    pub id: i64,
    pub year: i64,
    /// Yuan, two decimals.
    pub amount: String,
    /// `YYYY-MM-DD`; null when not yet paid.
    pub paid_on: Option<String>,
}

/// The certification subsidies paid to a social worker (whoever may read the worker).
#[utoipa::path(get, operation_id = "workers_subsidies", path = "/api/v1/social-workers/{id}/subsidies", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = [SubsidyOut]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn subsidies(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<SubsidyOut>>> {
    authed(&rc)?;
    let rows = sanshe_app::workers::subsidies(&rc.app, &rc.ctx, id)
        .await
        .api(&rc)?;
    Ok(Json(
        rows.into_iter()
            .map(|s| SubsidyOut {
                id: s.id,
                year: s.year,
                amount: format!("{}.{:02}", s.amount_fen / 100, s.amount_fen % 100),
                paid_on: s.paid_on,
            })
            .collect(),
    ))
}
