//! Organization endpoints beyond the registry's: incubation bases and federations
//! (`/api/v1/networks`) and foundation ledger entries.

use super::{authed, ApiJson, ApiPath, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
    #[schema(pattern = "^(base|incubation|graduate|federation|member)$")]
    pub action: String,
    /// Street/town code (base, federation).
    pub area: Option<String>,
    #[schema(max_length = 100)]
    pub name: Option<String>,
    /// YYYY-MM-DD: opening, entry, graduation, founding or joining date.
    #[schema(format = Date)]
    pub date: Option<String>,
    /// Base id (incubation), incubation entry id (graduate) or federation id (member).
    pub parent: Option<i64>,
    /// Organization by credit code, filing number or exact name.
    pub org: Option<String>,
    /// Support given, in yuan.
    #[schema(max_length = 20)]
    pub funds: Option<String>,
    #[schema(minimum = 0, maximum = 10000)]
    pub training_hours: Option<i64>,
}

pub use super::needs::Created;

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

/// A community foundation's ledger entry.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FundBody {
    /// `income` or `grant`.
    #[schema(required = true, pattern = "^(income|grant)$")]
    pub kind: String,
    #[schema(format = Date, required = true)]
    pub date: String,
    /// Yuan, two decimals at most, from 0.01 to 1,000,000,000.
    #[schema(
        required = true,
        pattern = "^(0\\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,8}(\\.[0-9]{1,2})?|1000000000(\\.00?)?)$"
    )]
    pub amount: String,
    #[schema(max_length = 200)]
    pub counterparty: String,
    #[schema(max_length = 500)]
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

#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    pub project: i64,
    pub project_title: String,
    pub year: i64,
    pub application: i64,
    #[schema(pattern = "^(submitted|withdrawn)$")]
    pub application_state: String,
    pub awarded: bool,
    /// Yuan.
    pub applied: String,
    pub contract: Option<i64>,
    pub contract_state: Option<String>,
    pub contract_amount: Option<String>,
    pub paid: Option<String>,
    pub delivery: super::delivery::DeliveryTotals,
    pub reports_accepted: i64,
    pub reports_returned: i64,
}

/// An organization's performance history in purchased services: applications, awards,
/// contracts, payments, delivery and milestone reports.
#[utoipa::path(get, operation_id = "organizations_purchase_history", path = "/api/v1/organizations/{id}/purchase-history", tag = "registries", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn purchase_history(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<HistoryEntry>>> {
    authed(&rc)?;
    let lines = sanshe_app::purchase::history::of_org(&rc.app, &rc.ctx, id)
        .await
        .api(&rc)?;
    Ok(Json(
        lines
            .iter()
            .map(|h| HistoryEntry {
                project: h.project_id,
                project_title: h.project_title.clone(),
                year: h.year,
                application: h.application_id,
                application_state: h.application_state.clone(),
                awarded: h.awarded,
                applied: sanshe_app::registry::yuan(h.applied_fen),
                contract: h.contract_id,
                contract_state: h.contract_state.clone(),
                contract_amount: h
                    .contract_id
                    .map(|_| sanshe_app::registry::yuan(h.contract_fen)),
                paid: h
                    .contract_id
                    .map(|_| sanshe_app::registry::yuan(h.paid_fen)),
                delivery: (&h.delivery).into(),
                reports_accepted: h.reports_accepted,
                reports_returned: h.reports_returned,
            })
            .collect(),
    ))
}
