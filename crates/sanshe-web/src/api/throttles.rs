//! `/api/v1/login-throttles`: sign-in throttles, for the security administrator.

use super::{ApiJson, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whose failures: a user name or a client address.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThrottleKind {
    Name,
    Client,
}

impl ThrottleKind {
    fn as_str(self) -> &'static str {
        match self {
            ThrottleKind::Name => "name",
            ThrottleKind::Client => "client",
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Throttle {
    pub kind: ThrottleKind,
    /// The user name as typed (bounded) or the client address.
    pub key: String,
    /// Failed sign-ins in the current window.
    pub failures: i64,
    /// Unix time of the last failure.
    pub last_at: i64,
    /// Unix time when sign-ins may go ahead again; null: not throttled now.
    pub until: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Lift {
    pub kind: ThrottleKind,
    #[schema(min_length = 1, max_length = 128)]
    pub key: String,
}

/// User names and client addresses with failed sign-ins in the current window, throttled
/// ones first.
#[utoipa::path(get, operation_id = "throttles_list", path = "/api/v1/login-throttles", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = [Throttle]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(rc: Rc) -> ApiResult<Json<Vec<Throttle>>> {
    let rows = sanshe_app::accounts::throttle::list(&rc.app, &rc.ctx)
        .await
        .api(&rc)?;
    Ok(Json(
        rows.into_iter()
            .map(|t| Throttle {
                kind: if t.kind == "name" {
                    ThrottleKind::Name
                } else {
                    ThrottleKind::Client
                },
                key: t.key,
                failures: t.failures,
                last_at: t.last_at,
                until: t.until,
            })
            .collect(),
    ))
}

/// Clear the failures of one user name or client address (audited).
#[utoipa::path(post, operation_id = "throttles_lift", path = "/api/v1/login-throttles/lift", tag = "accounts", security(("bearer" = [])),
    request_body = Lift,
    responses((status = 204, description = "Lifted"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lift(rc: Rc, ApiJson(b): ApiJson<Lift>) -> ApiResult<StatusCode> {
    super::QueryRules::default()
        .filled("key", &b.key, 128)
        .check(&rc)?;
    sanshe_app::accounts::throttle::lift(&rc.app, &rc.ctx, b.kind.as_str(), &b.key)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}
