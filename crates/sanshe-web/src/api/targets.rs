//! `/api/v1/targets` (the policy-target dashboard as data) and `/api/v1/policy/{year}`.

use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use sanshe_app::targets;
use sanshe_app::AppError;
use sanshe_domain::targets::{Figure as DFigure, PolicyProfile, TargetResult};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Figure {
    /// The computed value (null when there is nothing to measure).
    pub value: Option<f64>,
    /// The goal from the year's policy profile (null for reported counts).
    pub goal: Option<f64>,
    /// `met`, `short`, `no_data` or `reported`.
    pub status: String,
    /// The count the value is computed from (e.g. communities with a station).
    pub numerator: i64,
    /// What it is divided by (e.g. all communities); 0 for plain counts.
    pub denominator: i64,
}

impl From<&DFigure> for Figure {
    fn from(f: &DFigure) -> Self {
        Figure {
            value: f.value,
            goal: f.goal,
            status: f.status.as_str().into(),
            numerator: f.numerator,
            denominator: f.denominator,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Target {
    /// Stable key, e.g. `community_station_coverage`.
    pub key: String,
    pub name: String,
    /// Unit key, e.g. `percent`, `m2_per_1000`.
    pub unit: String,
    pub value: Option<f64>,
    pub goal: Option<f64>,
    pub status: String,
    pub numerator: i64,
    pub denominator: i64,
    /// Urban communities only (null where the target is not split).
    pub urban: Option<Figure>,
    pub rural: Option<Figure>,
}

fn target(rc: &Rc, t: &TargetResult) -> Target {
    Target {
        key: t.key.into(),
        name: rc.tr.t(&format!("target-{}", t.key)).into(),
        unit: t.unit.into(),
        value: t.all.value,
        goal: t.all.goal,
        status: t.all.status.as_str().into(),
        numerator: t.all.numerator,
        denominator: t.all.denominator,
        urban: t.urban.as_ref().map(Figure::from),
        rural: t.rural.as_ref().map(Figure::from),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaTargets {
    pub code: String,
    pub name: String,
    pub level: String,
    pub targets: Vec<Target>,
    /// The raw counts every target is computed from.
    #[schema(value_type = Object)]
    pub counts: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Targets {
    pub year: i64,
    /// `live` (computed now from the registries) or `snapshot` (as reported at year end).
    pub source: String,
    pub area: AreaTargets,
    /// One entry per child area (streets of a district, communities of a street).
    pub children: Vec<AreaTargets>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TargetsQuery {
    /// Area code (default: the caller's scope).
    pub area: Option<String>,
    /// Year (default: the latest year with population figures).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i64>,
    /// Compute from the registries even when a year-end snapshot exists.
    pub live: Option<bool>,
}

fn year_check(rc: &Rc, y: i64) -> ApiResult<i64> {
    if (2000..=2100).contains(&y) {
        Ok(y)
    } else {
        Err(ApiError::new(
            &AppError::invalid(
                sanshe_domain::FieldError::new("year", "err-range")
                    .arg("min", 2000)
                    .arg("max", 2100),
            ),
            &rc.tr,
            &rc.request_id,
        ))
    }
}

fn area_json(rc: &Rc, a: &targets::AreaTargets) -> AreaTargets {
    AreaTargets {
        code: a.code.clone(),
        name: a.name.clone(),
        level: a.level.clone(),
        targets: a.results.iter().map(|t| target(rc, t)).collect(),
        counts: serde_json::to_value(a.counts).unwrap_or_default(),
    }
}

/// Every policy target of an area for a year: value, goal, unit, status and the counts
/// behind it, for the area and each child area.
#[utoipa::path(get, operation_id = "targets_get", path = "/api/v1/targets", tag = "targets", security(("bearer" = [])),
    params(TargetsQuery),
    responses((status = 200, body = Targets), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(rc: Rc, ApiQuery(q): ApiQuery<TargetsQuery>) -> ApiResult<Json<Targets>> {
    authed(&rc)?;
    // Control characters are refused as the schema says, before blanks are trimmed (U+0085 is
    // both, and trimmed away it read as "no area").
    super::QueryRules::default()
        .text("area", &q.area, usize::MAX)
        .check(&rc)?;
    let code = match q.area.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => c.to_owned(),
        None => targets::default_area(&rc.app, &rc.ctx).await.api(&rc)?,
    };
    let year = match q.year {
        Some(y) => year_check(&rc, y)?,
        None => sanshe_app::areas::default_year(&rc.app).await.api(&rc)?,
    };
    let d = targets::dashboard(&rc.app, &rc.ctx, &code, year, q.live.unwrap_or(false))
        .await
        .api(&rc)?;
    Ok(Json(Targets {
        year,
        source: if d.snapshot.is_some() {
            "snapshot"
        } else {
            "live"
        }
        .into(),
        area: area_json(&rc, &d.area),
        children: d.children.iter().map(|c| area_json(&rc, c)).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SnapshotInput {
    pub area: String,
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i64,
    /// Why a snapshot already taken for this year is replaced (required then; the replaced
    /// version is kept).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotResult {
    /// Areas whose figures were frozen (the area and every area below it).
    pub areas: usize,
}

/// Take the year-end snapshot of an area and all areas below it.
#[utoipa::path(post, operation_id = "targets_snapshot", path = "/api/v1/targets/snapshot", tag = "targets", security(("bearer" = [])),
    request_body = SnapshotInput,
    responses((status = 200, body = SnapshotResult), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn snapshot(
    rc: Rc,
    ApiJson(b): ApiJson<SnapshotInput>,
) -> ApiResult<Json<SnapshotResult>> {
    authed(&rc)?;
    let year = year_check(&rc, b.year)?;
    let n = targets::take_snapshot(&rc.app, &rc.ctx, b.area.trim(), year, b.reason.as_deref())
        .await
        .api(&rc)?;
    Ok(Json(SnapshotResult { areas: n }))
}

/// The policy profile (goals) of a year; the 2018 policy's figures unless edited.
#[utoipa::path(get, operation_id = "policy_get", path = "/api/v1/policy/{year}", tag = "targets", security(("bearer" = [])),
    params(("year" = i64, Path, minimum = 2000, maximum = 2100)),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_policy(rc: Rc, ApiPath(year): ApiPath<i64>) -> ApiResult<Json<PolicyProfile>> {
    authed(&rc)?;
    let year = year_check(&rc, year)?;
    let actor = rc
        .actor()
        .ok_or_else(|| ApiError::new(&AppError::Unauthenticated, &rc.tr, &rc.request_id))?;
    sanshe_app::authz::require(actor, sanshe_app::authz::Perm::TargetRead).api(&rc)?;
    Ok(Json(targets::profile(&rc.app, year).await.api(&rc)?))
}

/// Replace the policy profile of a year (district administrators).
#[utoipa::path(put, operation_id = "policy_put", path = "/api/v1/policy/{year}", tag = "targets", security(("bearer" = [])),
    params(("year" = i64, Path, minimum = 2000, maximum = 2100)), request_body = Object,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_policy(
    rc: Rc,
    ApiPath(year): ApiPath<i64>,
    body: axum::body::Bytes,
) -> ApiResult<Json<PolicyProfile>> {
    authed(&rc)?;
    // The profile is documented as a free object; its own type checks every field.
    let p: PolicyProfile = super::json_typed(&rc, &body)?;
    let year = year_check(&rc, year)?;
    targets::set_profile(&rc.app, &rc.ctx, year, &p)
        .await
        .api(&rc)?;
    Ok(Json(p))
}
