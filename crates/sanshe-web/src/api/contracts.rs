//! `/api/v1/purchase/contracts`: contracts of confirmed awards with their required clauses,
//! versions, payment tranches and the payments ledger.

use super::needs::Created;
use super::{authed, ApiJson, ApiPath, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::contracts as app;
use sanshe_app::registry::yuan;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Tranche {
    pub id: i64,
    pub seq: i64,
    pub label: String,
    /// Yuan.
    pub amount: String,
    pub due_on: String,
    #[schema(
        pattern = "^(on_signing|on_date|on_acceptance|on_pre_evaluation|on_midterm_evaluation|on_final_evaluation)$"
    )]
    pub gate: String,
    #[schema(pattern = "^(scheduled|ready|paid)$")]
    pub state: String,
    pub paid_on: Option<String>,
    pub voucher: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Payment {
    pub id: i64,
    pub tranche: Option<i64>,
    /// Yuan; negative for a claw-back.
    pub amount: String,
    pub paid_on: String,
    pub voucher: String,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Contract {
    pub id: i64,
    pub project: i64,
    pub project_title: String,
    pub organization: i64,
    pub organization_name: String,
    /// Yuan.
    pub amount: String,
    pub paid: String,
    pub start_date: String,
    pub end_date: String,
    pub term_justification: String,
    pub content: String,
    pub quantity: String,
    pub quality: String,
    pub price: String,
    pub settlement: String,
    pub rights: String,
    pub liability: String,
    #[schema(pattern = "^(draft|signed|completed)$")]
    pub state: String,
    pub version: i64,
    /// Amendments so far.
    pub revision: i64,
    pub signed_on: Option<String>,
    pub tranches: Vec<Tranche>,
    pub payments: Vec<Payment>,
}

fn contract_json(v: &app::ContractView) -> Contract {
    let k = &v.contract;
    let c = &k.clauses;
    Contract {
        id: k.id,
        project: k.project_id,
        project_title: k.project_title.clone(),
        organization: k.org_id,
        organization_name: k.org_name.clone(),
        amount: yuan(c.amount_fen),
        paid: yuan(k.paid_fen),
        start_date: c.start_date.clone(),
        end_date: c.end_date.clone(),
        term_justification: c.term_justification.clone(),
        content: c.content.clone(),
        quantity: c.quantity.clone(),
        quality: c.quality.clone(),
        price: c.price.clone(),
        settlement: c.settlement.clone(),
        rights: c.rights.clone(),
        liability: c.liability.clone(),
        state: k.state.clone(),
        version: k.version,
        revision: k.revision,
        signed_on: k.signed_on.clone(),
        tranches: v
            .tranches
            .iter()
            .map(|t| Tranche {
                id: t.id,
                seq: t.seq,
                label: t.label.clone(),
                amount: yuan(t.amount_fen),
                due_on: t.due_on.clone(),
                gate: t.gate.clone(),
                state: t.state.clone(),
                paid_on: t.paid_on.clone(),
                voucher: t.voucher.clone(),
            })
            .collect(),
        payments: v
            .payments
            .iter()
            .map(|p| Payment {
                id: p.id,
                tranche: p.tranche_id,
                amount: yuan(p.amount_fen),
                paid_on: p.paid_on.clone(),
                voucher: p.voucher.clone(),
                reason: p.reason.clone(),
            })
            .collect(),
    }
}

/// Draft the contract of a confirmed award (district officers).
#[utoipa::path(post, operation_id = "contracts_create", path = "/api/v1/purchase/projects/{id}/contract", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 201, body = Created), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = app::create(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A contract with its tranches and payments (its officers and organization; anyone once
/// signed).
#[utoipa::path(get, operation_id = "contracts_get", path = "/api/v1/purchase/contracts/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Contract), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Contract>> {
    authed(&rc)?;
    let v = app::get(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(contract_json(&v)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractBody {
    #[schema(
        pattern = "^([1-9][0-9]{0,7}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?)|100000000(\\.00?)?)$"
    )]
    pub amount: String,
    #[schema(format = Date)]
    pub start_date: String,
    #[schema(format = Date)]
    pub end_date: String,
    /// Required for a term of a year or more (at most three).
    #[schema(max_length = 2000)]
    pub term_justification: Option<String>,
    #[schema(max_length = 2000)]
    pub content: Option<String>,
    #[schema(max_length = 2000)]
    pub quantity: Option<String>,
    #[schema(max_length = 2000)]
    pub quality: Option<String>,
    #[schema(max_length = 2000)]
    pub price: Option<String>,
    #[schema(max_length = 2000)]
    pub settlement: Option<String>,
    #[schema(max_length = 2000)]
    pub rights: Option<String>,
    #[schema(max_length = 2000)]
    pub liability: Option<String>,
    /// Why a signed contract is amended (required then).
    #[schema(max_length = 1000)]
    pub reason: Option<String>,
    pub version: Option<i64>,
}

/// Edit a draft contract, or amend a signed one (a new version with its reason).
#[utoipa::path(put, operation_id = "contracts_update", path = "/api/v1/purchase/contracts/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ContractBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ContractBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::update(
        &rc.app,
        &rc.ctx,
        id,
        &app::ContractInput {
            amount: b.amount,
            start_date: b.start_date,
            end_date: b.end_date,
            term_justification: b.term_justification.unwrap_or_default(),
            content: b.content.unwrap_or_default(),
            quantity: b.quantity.unwrap_or_default(),
            quality: b.quality.unwrap_or_default(),
            price: b.price.unwrap_or_default(),
            settlement: b.settlement.unwrap_or_default(),
            rights: b.rights.unwrap_or_default(),
            liability: b.liability.unwrap_or_default(),
            reason: b.reason.unwrap_or_default(),
            version: b.version,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign a draft contract: every clause of 102号令 Art. 23 filled, a term within Art. 24.
#[utoipa::path(post, operation_id = "contracts_sign", path = "/api/v1/purchase/contracts/{id}/sign", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::sign(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Close a signed contract once every tranche is paid.
#[utoipa::path(post, operation_id = "contracts_complete", path = "/api/v1/purchase/contracts/{id}/complete", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn complete(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::complete(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TrancheBody {
    #[schema(min_length = 1, max_length = 60)]
    pub label: String,
    #[schema(
        pattern = "^([1-9][0-9]{0,7}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?)|100000000(\\.00?)?)$"
    )]
    pub amount: String,
    #[schema(format = Date)]
    pub due_on: String,
    #[schema(
        pattern = "^(on_signing|on_date|on_acceptance|on_pre_evaluation|on_midterm_evaluation|on_final_evaluation)$"
    )]
    pub gate: String,
}

/// Add a payment tranche (the tranches together stay within the contract amount).
#[utoipa::path(post, operation_id = "tranches_create", path = "/api/v1/purchase/contracts/{id}/tranches", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = TrancheBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_tranche(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<TrancheBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = app::add_tranche(
        &rc.app,
        &rc.ctx,
        id,
        &app::TrancheInput {
            label: b.label,
            amount: b.amount,
            due_on: b.due_on,
            gate: b.gate,
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Accept the milestone that opens an `on_acceptance` tranche.
#[utoipa::path(post, operation_id = "tranches_accept", path = "/api/v1/purchase/tranches/{id}/accept", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::accept(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayBody {
    /// The payment date (not in the future).
    #[schema(format = Date)]
    pub paid_on: String,
    #[schema(min_length = 1, max_length = 60)]
    pub voucher: String,
}

/// Pay a tranche whose gate holds (once; never beyond the contract amount).
#[utoipa::path(post, operation_id = "tranches_pay", path = "/api/v1/purchase/tranches/{id}/pay", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = PayBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn pay(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PayBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::pay(
        &rc.app,
        &rc.ctx,
        id,
        &app::PayInput {
            paid_on: b.paid_on,
            voucher: b.voucher,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClawbackBody {
    #[schema(
        pattern = "^([1-9][0-9]{0,7}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?)|100000000(\\.00?)?)$"
    )]
    pub amount: String,
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
    #[schema(format = Date)]
    pub paid_on: String,
    #[schema(min_length = 1, max_length = 60)]
    pub voucher: String,
}

/// Claw money back (a negative entry with its reason; never below zero paid).
#[utoipa::path(post, operation_id = "contracts_clawback", path = "/api/v1/purchase/contracts/{id}/clawbacks", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ClawbackBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn clawback(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ClawbackBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::clawback(
        &rc.app,
        &rc.ctx,
        id,
        &app::ClawbackInput {
            amount: b.amount,
            reason: b.reason,
            paid_on: b.paid_on,
            voucher: b.voucher,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerEntry {
    pub id: i64,
    pub project: i64,
    pub project_title: String,
    pub organization: i64,
    pub organization_name: String,
    #[schema(pattern = "^(draft|signed|completed)$")]
    pub state: String,
    pub signed_on: Option<String>,
    pub start_date: String,
    pub end_date: String,
    /// Yuan.
    pub amount: String,
    /// What the tranches add up to (yuan).
    pub tranches: String,
    pub paid: String,
    pub unpaid: String,
    pub delivery: super::delivery::DeliveryTotals,
}

/// The district's contracts ledger: amounts, tranches, what is paid and what is delivered.
#[utoipa::path(get, operation_id = "contracts_ledger", path = "/api/v1/purchase/contracts", tag = "purchase", security(("bearer" = [])),
    responses((status = 200, body = Vec<LedgerEntry>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn ledger(rc: Rc) -> ApiResult<Json<Vec<LedgerEntry>>> {
    authed(&rc)?;
    let lines = app::ledger(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(
        lines
            .iter()
            .map(|l| {
                let k = &l.contract;
                LedgerEntry {
                    id: k.id,
                    project: k.project_id,
                    project_title: k.project_title.clone(),
                    organization: k.org_id,
                    organization_name: k.org_name.clone(),
                    state: k.state.clone(),
                    signed_on: k.signed_on.clone(),
                    start_date: k.clauses.start_date.clone(),
                    end_date: k.clauses.end_date.clone(),
                    amount: yuan(k.clauses.amount_fen),
                    tranches: yuan(l.tranches_fen),
                    paid: yuan(k.paid_fen),
                    unpaid: yuan(k.clauses.amount_fen - k.paid_fen),
                    delivery: (&l.delivery).into(),
                }
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StreetFigures {
    pub code: String,
    pub name: String,
    pub communities: i64,
    /// Communities targeted by a published call.
    pub covered: i64,
    pub projects: i64,
    /// Yuan (a project serving several streets counts in each).
    pub contracted: String,
    pub paid: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityFigures {
    pub code: String,
    pub name: String,
    pub street: String,
    /// Published calls serving the community.
    pub projects: i64,
    /// Yuan (a project serving several communities counts in each).
    pub contracted: String,
    pub paid: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueStep {
    #[schema(pattern = "^(award|answer_objection|sign_contract|pay_tranche|review_report)$")]
    pub kind: String,
    pub project: i64,
    pub title: String,
    /// None: no legal deadline.
    pub due: Option<String>,
    pub since: String,
    pub overdue: bool,
    pub officer: String,
    pub link: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseDashboard {
    pub district: String,
    pub year: i64,
    pub catalog_state: Option<String>,
    pub catalog_items: i64,
    pub published_calls: i64,
    pub contracts: i64,
    /// Contracts evaluated by a third party (goal: all of them).
    pub evaluated: i64,
    pub contracted: String,
    pub paid: String,
    pub streets: Vec<StreetFigures>,
    /// The communities published calls serve.
    pub communities: Vec<CommunityFigures>,
    pub steps: Vec<DueStep>,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// The year (default: this year).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i64>,
}

/// The district's purchase of services: catalog, calls, contracts, money and communities
/// per street, third-party evaluation coverage, and the steps officers owe (overdue first).
#[utoipa::path(get, operation_id = "purchase_dashboard", path = "/api/v1/purchase/dashboard", tag = "purchase", security(("bearer" = [])),
    params(DashboardQuery),
    responses((status = 200, body = PurchaseDashboard), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dashboard(
    rc: Rc,
    super::ApiQuery(q): super::ApiQuery<DashboardQuery>,
) -> ApiResult<Json<PurchaseDashboard>> {
    authed(&rc)?;
    let year = q.year.unwrap_or_else(sanshe_app::purchase::this_year);
    if !(2000..=2100).contains(&year) {
        return Err(crate::error::ApiError::new(
            &sanshe_app::AppError::invalid(
                sanshe_domain::FieldError::new("year", "err-range")
                    .arg("min", 2000)
                    .arg("max", 2100),
            ),
            &rc.tr,
            &rc.request_id,
        ));
    }
    let d = sanshe_app::purchase::dashboard::dashboard(&rc.app, &rc.ctx, year)
        .await
        .api(&rc)?;
    Ok(Json(PurchaseDashboard {
        district: d.district.clone(),
        year: d.year,
        catalog_state: d.catalog_state.clone(),
        catalog_items: d.catalog_items,
        published_calls: d.published_calls,
        contracts: d.contracts,
        evaluated: d.evaluated,
        contracted: yuan(d.contracted_fen),
        paid: yuan(d.paid_fen),
        streets: d
            .streets
            .iter()
            .map(|s| StreetFigures {
                code: s.code.clone(),
                name: s.name.clone(),
                communities: s.communities,
                covered: s.covered,
                projects: s.projects,
                contracted: yuan(s.contracted_fen),
                paid: yuan(s.paid_fen),
            })
            .collect(),
        communities: d
            .communities
            .iter()
            .map(|c| CommunityFigures {
                code: c.code.clone(),
                name: c.name.clone(),
                street: c.street.clone(),
                projects: c.projects,
                contracted: yuan(c.contracted_fen),
                paid: yuan(c.paid_fen),
            })
            .collect(),
        steps: d
            .steps
            .iter()
            .map(|s| DueStep {
                kind: s.kind.to_owned(),
                project: s.project_id,
                title: s.title.clone(),
                due: s.due.clone(),
                since: s.since.clone(),
                overdue: s.overdue,
                officer: s.officer.clone(),
                link: s.link.clone(),
            })
            .collect(),
    }))
}
