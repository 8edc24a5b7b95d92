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
    let n = targets::take_snapshot(&rc.app, &rc.ctx, b.area.trim(), year)
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
    ApiJson(p): ApiJson<PolicyProfile>,
) -> ApiResult<Json<PolicyProfile>> {
    authed(&rc)?;
    let year = year_check(&rc, year)?;
    targets::set_profile(&rc.app, &rc.ctx, year, &p)
        .await
        .api(&rc)?;
    Ok(Json(p))
}

/// An incubation base or a federation with its organizations.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkGroup {
    pub id: i64,
    pub area_code: String,
    pub area_name: String,
    pub name: String,
    /// Opening (bases) or founding (federations) date.
    pub date: Option<String>,
    pub organizations: Vec<NetworkMember>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkMember {
    /// The incubation entry's id (bases; use it to record a graduation), 0 for members.
    pub entry_id: i64,
    pub org_id: i64,
    pub name: String,
    /// Entry (bases) or joining (federations) date.
    pub since: Option<String>,
    pub graduated: Option<String>,
    pub funds_yuan: Option<String>,
    pub training_hours: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Networks {
    pub incubation_bases: Vec<NetworkGroup>,
    pub federations: Vec<NetworkGroup>,
}

/// Incubation bases with their incubated organizations, and federations with their members,
/// within the caller's scope.
#[utoipa::path(get, operation_id = "networks_get", path = "/api/v1/networks", tag = "registries", security(("bearer" = [])),
    responses((status = 200, body = Networks), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn networks(rc: Rc) -> ApiResult<Json<Networks>> {
    authed(&rc)?;
    let n = sanshe_app::orgs::networks(&rc.app, &rc.ctx)
        .await
        .api(&rc)?;
    Ok(Json(Networks {
        incubation_bases: n
            .bases
            .iter()
            .map(|(b, inc)| NetworkGroup {
                id: b.id,
                area_code: b.area_code.clone(),
                area_name: b.area_name.clone(),
                name: b.name.clone(),
                date: b.opened.clone(),
                organizations: inc
                    .iter()
                    .map(|i| NetworkMember {
                        entry_id: i.id,
                        org_id: i.org_id,
                        name: i.org_name.clone(),
                        since: Some(i.entered.clone()),
                        graduated: i.graduated.clone(),
                        funds_yuan: Some(sanshe_app::registry::yuan(i.funds_fen)),
                        training_hours: Some(i.training_hours),
                    })
                    .collect(),
            })
            .collect(),
        federations: n
            .federations
            .iter()
            .map(|(f, m)| NetworkGroup {
                id: f.id,
                area_code: f.area_code.clone(),
                area_name: f.area_name.clone(),
                name: f.name.clone(),
                date: f.founded.clone(),
                organizations: m
                    .iter()
                    .map(|(id, name, joined)| NetworkMember {
                        entry_id: 0,
                        org_id: *id,
                        name: name.clone(),
                        since: joined.clone(),
                        graduated: None,
                        funds_yuan: None,
                        training_hours: None,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// The body of `POST /api/v1/networks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NetworkBody {
    /// `base`, `incubation`, `graduate`, `federation` or `member`.
    pub action: String,
    /// Street/town code (base, federation).
    pub area: Option<String>,
    pub name: Option<String>,
    /// YYYY-MM-DD: opening, entry, graduation, founding or joining date.
    pub date: Option<String>,
    /// Base id (incubation), incubation entry id (graduate) or federation id (member).
    pub parent: Option<i64>,
    /// Organization by credit code, filing number or exact name.
    pub org: Option<String>,
    /// Support given, in yuan.
    pub funds: Option<String>,
    pub training_hours: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Record an incubation base, an incubated organization, a graduation, a federation or a
/// member (street and district supervisors).
#[utoipa::path(post, operation_id = "networks_record", path = "/api/v1/networks", tag = "registries", security(("bearer" = [])),
    request_body = NetworkBody,
    responses((status = 200, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn record_network(rc: Rc, ApiJson(b): ApiJson<NetworkBody>) -> ApiResult<Json<Created>> {
    authed(&rc)?;
    let input = sanshe_app::orgs::NetworkInput {
        action: b.action,
        area: b.area.unwrap_or_default(),
        name: b.name.unwrap_or_default(),
        date: b.date.unwrap_or_default(),
        parent: b.parent.map(|p| p.to_string()).unwrap_or_default(),
        org: b.org.unwrap_or_default(),
        funds: b.funds.unwrap_or_default(),
        training_hours: b.training_hours.map(|h| h.to_string()).unwrap_or_default(),
    };
    let id = sanshe_app::orgs::record_network(&rc.app, &rc.ctx, &input)
        .await
        .api(&rc)?;
    Ok(Json(Created { id }))
}

/// A CPD (continuing education) entry.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct CpdBody {
    /// YYYY-MM-DD, not in the future.
    pub date: String,
    /// Hours, one decimal at most.
    pub hours: String,
    pub topic: String,
    pub provider: String,
}

/// Add CPD hours to a social worker's ledger.
#[utoipa::path(post, operation_id = "workers_add_cpd", path = "/api/v1/social-workers/{id}/cpd", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = CpdBody,
    responses((status = 200, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_cpd(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CpdBody>,
) -> ApiResult<Json<Created>> {
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
    Ok(Json(Created { id }))
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
    pub year: String,
    /// Yuan.
    pub amount: String,
    /// YYYY-MM-DD.
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

/// A community foundation's ledger entry.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FundBody {
    /// `income` or `grant`.
    pub kind: String,
    pub date: String,
    /// Yuan, two decimals at most.
    pub amount: String,
    pub counterparty: String,
    pub memo: String,
}

/// Append an income or a grant to a foundation's fund ledger; a grant larger than the
/// balance is refused.
#[utoipa::path(post, operation_id = "organizations_add_fund_entry", path = "/api/v1/organizations/{id}/fund-entries", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FundBody,
    responses((status = 200, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_fund_entry(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<FundBody>,
) -> ApiResult<Json<Created>> {
    authed(&rc)?;
    let input = sanshe_app::orgs::FundInput {
        kind: b.kind,
        date: b.date,
        amount: b.amount,
        counterparty: b.counterparty,
        memo: b.memo,
    };
    let id = sanshe_app::orgs::add_fund_entry(&rc.app, &rc.ctx, id, &input)
        .await
        .api(&rc)?;
    Ok(Json(Created { id }))
}
