//! `/api/v1/proposals`: project proposals grouping accepted needs, with their transitions.

use super::needs::{steps, Created, Step};
use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::needs::proposals;
use sanshe_domain::needs::{ProposalEvent, Proposals};
use sanshe_domain::workflow::Workflow;
use sanshe_store::needs::{ProposalFilter, ProposalRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Proposal {
    pub id: i64,
    pub owner_area: String,
    pub owner_name: String,
    pub title: String,
    /// A need category code.
    #[schema(min_length = 1, max_length = 40)]
    pub category: String,
    pub description: String,
    pub beneficiaries: i64,
    /// Suggested budget in yuan, two decimals.
    pub budget_yuan: String,
    #[schema(pattern = "^(draft|proposed|adopted|declined)$")]
    pub state: String,
    pub version: i64,
    pub needs: i64,
    pub created_at: i64,
}

impl From<&ProposalRow> for Proposal {
    fn from(p: &ProposalRow) -> Self {
        Proposal {
            id: p.id,
            owner_area: p.owner_area.clone(),
            owner_name: p.owner_name.clone(),
            title: p.title.clone(),
            category: p.category.clone(),
            description: p.description.clone(),
            beneficiaries: p.beneficiaries,
            budget_yuan: sanshe_app::registry::yuan(p.budget_fen),
            state: p.state.clone(),
            version: p.version,
            needs: p.needs,
            created_at: p.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalPage {
    pub items: Vec<Proposal>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProposalQuery {
    #[param(max_length = 100)]
    pub q: Option<String>,
    #[param(pattern = "^(|draft|proposed|adopted|declined)$")]
    pub state: Option<String>,
}

/// Proposals kept in, or targeting communities in, the caller's area.
#[utoipa::path(get, operation_id = "proposals_list", path = "/api/v1/proposals", tag = "needs", security(("bearer" = [])),
    params(ProposalQuery, Paging),
    responses((status = 200, body = ProposalPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn proposals_list(
    rc: Rc,
    ApiQuery(q): ApiQuery<ProposalQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<ProposalPage>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    super::QueryRules::default()
        .text("q", &q.q, 100)
        .choice(
            "state",
            &q.state,
            &["draft", "proposed", "adopted", "declined"],
        )
        .check(&rc)?;
    let res = proposals::list(
        &rc.app,
        &rc.ctx,
        ProposalFilter {
            q: q.q.filter(|v| !v.trim().is_empty()),
            state: q.state.filter(|v| !v.trim().is_empty()),
            ..Default::default()
        },
        page,
    )
    .await
    .api(&rc)?;
    Ok(Json(ProposalPage {
        items: res.items.iter().map(Proposal::from).collect(),
        page: PageInfo::from(&res),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    #[schema(min_length = 1, max_length = 60)]
    pub title: String,
    pub category: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Default: the people of its needs.
    #[schema(minimum = 1, maximum = 100000)]
    pub beneficiaries: Option<i64>,
    /// Yuan, up to two decimals, at most 100,000,000 (empty: not estimated).
    #[schema(pattern = "^(|[0-9]{1,9}(\\.[0-9]{1,2})?|100000000(\\.00?)?)$")]
    pub budget: Option<String>,
    /// Accepted needs to group (they become `merged`).
    #[schema(min_items = 1, max_items = 200)]
    pub needs: Vec<i64>,
}

/// Group accepted needs into a draft proposal (street or district staff).
#[utoipa::path(post, operation_id = "proposals_create", path = "/api/v1/proposals", tag = "needs", security(("bearer" = [])),
    request_body = ProposalBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn proposals_create(
    rc: Rc,
    ApiJson(b): ApiJson<ProposalBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = proposals::create(
        &rc.app,
        &rc.ctx,
        &proposals::ProposalInput {
            title: b.title,
            category: b.category,
            description: b.description.unwrap_or_default(),
            beneficiaries: b.beneficiaries.map(|v| v.to_string()).unwrap_or_default(),
            budget: b.budget.unwrap_or_default(),
            needs: b.needs,
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalDetail {
    #[serde(flatten)]
    pub proposal: Proposal,
    pub communities: Vec<String>,
    pub need_ids: Vec<i64>,
    pub timeline: Vec<Step>,
    pub events: Vec<String>,
}

fn pevents(e: &[ProposalEvent]) -> Vec<String> {
    e.iter()
        .map(|e| Proposals::event_name(*e).to_owned())
        .collect()
}

/// A proposal with its needs, communities, timeline and the caller's events.
#[utoipa::path(get, operation_id = "proposals_get", path = "/api/v1/proposals/{id}", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = ProposalDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn proposals_get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<ProposalDetail>> {
    authed(&rc)?;
    let v = proposals::get(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(ProposalDetail {
        proposal: Proposal::from(&v.proposal),
        communities: v.communities.into_iter().map(|c| c.0).collect(),
        need_ids: v.needs.iter().map(|n| n.id).collect(),
        timeline: steps(&v.history),
        events: pevents(&v.offered),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalTransitionBody {
    #[schema(pattern = "^(propose|retract|adopt|decline)$")]
    pub event: String,
    pub version: Option<i64>,
    /// Decline: the reason (required). Otherwise a note.
    #[schema(max_length = 1000)]
    pub text: Option<String>,
}

/// Apply an event to a proposal (propose and retract: its keepers; adopt and decline: the
/// district).
#[utoipa::path(post, operation_id = "proposals_transition", path = "/api/v1/proposals/{id}/transitions", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ProposalTransitionBody,
    responses((status = 200, body = Proposal), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn proposals_transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ProposalTransitionBody>,
) -> ApiResult<Json<Proposal>> {
    authed(&rc)?;
    let p = proposals::apply(
        &rc.app,
        &rc.ctx,
        id,
        &proposals::ProposalTransition {
            event: b.event,
            version: b.version,
            text: b.text.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(Json(Proposal::from(&p)))
}
