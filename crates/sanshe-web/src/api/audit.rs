//! `/api/v1/audit`: the audit log, for the audit administrator.

use super::{authed, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::Json;
use sanshe_store::audit::AuditFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub summary: String,
    /// `success`, `failure` or `denied`.
    pub outcome: String,
    pub client: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[param(max_length = 100)]
    pub actor: Option<String>,
    #[param(max_length = 100)]
    pub action: Option<String>,
    #[param(max_length = 100)]
    pub object_type: Option<String>,
    #[param(max_length = 100)]
    pub outcome: Option<String>,
    /// Substring of the summary or object id.
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// From this time (Unix seconds, inclusive).
    pub from: Option<i64>,
    /// Until this time (Unix seconds, exclusive).
    pub until: Option<i64>,
}

/// Read the audit log, newest first (audit administrator only).
#[utoipa::path(get, operation_id = "audit_list", path = "/api/v1/audit", tag = "audit", security(("bearer" = [])), params(AuditQuery, Paging),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    rc: Rc,
    ApiQuery(q): ApiQuery<AuditQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<AuditPage>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    super::QueryRules::default()
        .text("actor", &q.actor, 100)
        .text("action", &q.action, 100)
        .text("object_type", &q.object_type, 100)
        .text("outcome", &q.outcome, 100)
        .text("q", &q.q, 200)
        .check(&rc)?;
    let ne = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
    let f = AuditFilter {
        actor: ne(q.actor),
        action: ne(q.action),
        object_type: ne(q.object_type),
        outcome: ne(q.outcome),
        q: ne(q.q),
        from: q.from,
        until: q.until,
    };
    let res = sanshe_app::audit::list(&rc.app, &rc.ctx, &f, page)
        .await
        .api(&rc)?;
    Ok(Json(AuditPage {
        items: res
            .items
            .iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id,
                actor_name: r.actor_name.clone(),
                action: r.action.clone(),
                object_type: r.object_type.clone(),
                object_id: r.object_id.clone(),
                summary: r.summary.clone(),
                outcome: r.outcome.clone(),
                client: r.client.clone(),
                request_id: r.request_id.clone(),
            })
            .collect(),
        page: PageInfo::from(&res),
    }))
}

/// The state of the audit log's hash chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainState {
    /// Entries whose hash was recomputed and matched, up to the first broken one.
    pub checked: i64,
    /// Entries written before the chain existed (not covered by it).
    pub unchained: i64,
    /// The newest entry's hash (keep it outside the database to anchor the chain).
    pub head: Option<String>,
    /// The first entry that was edited, or after which entries were deleted or inserted.
    pub first_broken: Option<i64>,
    pub intact: bool,
}

/// Walk the audit chain and report its state (audit administrator; the check is itself
/// recorded in the log).
#[utoipa::path(post, operation_id = "audit_verify", path = "/api/v1/audit/verify", tag = "audit", security(("bearer" = [])),
    responses((status = 200, body = ChainState), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn verify(rc: Rc) -> ApiResult<Json<ChainState>> {
    authed(&rc)?;
    let r = sanshe_app::audit::verify(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(ChainState {
        checked: r.checked as i64,
        unchained: r.unchained as i64,
        intact: r.first_broken.is_none(),
        head: r.head,
        first_broken: r.first_broken,
    }))
}
