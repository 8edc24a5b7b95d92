//! `/api/v1/users` (account administration) and `/api/v1/tokens` (the caller's own tokens).

use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::{ApiError, ErrorBody};
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::accounts::{self, NewUserInput};
use sanshe_app::AppError;
use sanshe_store::users::{UserFilter, UserRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope_area: Option<String>,
    pub scope_org: Option<i64>,
    /// Locked by an administrator.
    pub locked: bool,
    /// End of a lockout after repeated failed logins (Unix seconds).
    pub locked_until: Option<i64>,
    pub last_login_at: Option<i64>,
    pub created_at: i64,
}

impl From<&UserRow> for User {
    fn from(u: &UserRow) -> Self {
        User {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            scope_area: u.scope_area.clone(),
            scope_org: u.scope_org,
            locked: u.locked,
            locked_until: u.locked_until,
            last_login_at: u.last_login_at,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<User>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Substring of the user name or display name.
    #[param(max_length = 100)]
    pub q: Option<String>,
    #[param(
        pattern = "^(|district_admin|street_staff|community_staff|social_org|social_worker|evaluator|resident|system_admin|security_admin|audit_admin)$"
    )]
    pub role: Option<String>,
    pub locked: Option<bool>,
}

/// List accounts (system and security administrators).
#[utoipa::path(get, operation_id = "accounts_list", path = "/api/v1/users", tag = "accounts", security(("bearer" = [])), params(UserListQuery, Paging),
    responses((status = 200, body = UserPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    rc: Rc,
    ApiQuery(q): ApiQuery<UserListQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<UserPage>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    let roles: Vec<&str> = sanshe_domain::Role::ALL
        .iter()
        .map(|r| r.as_str())
        .collect();
    super::QueryRules::default()
        .text("q", &q.q, 100)
        .choice("role", &q.role, &roles)
        .check(&rc)?;
    let f = UserFilter {
        q: q.q.filter(|s| !s.trim().is_empty()),
        role: q.role.filter(|s| !s.trim().is_empty()),
        locked: q.locked,
    };
    let res = accounts::list_users(&rc.app, &rc.ctx, &f, page)
        .await
        .api(&rc)?;
    Ok(Json(UserPage {
        items: res.items.iter().map(User::from).collect(),
        page: PageInfo::from(&res),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9._@-]+$")]
    pub username: String,
    #[schema(min_length = 1, max_length = 64)]
    pub display_name: String,
    /// Role key; the three administrator roles are assigned by the security administrator.
    #[schema(
        pattern = "^(district_admin|street_staff|community_staff|social_org|social_worker|evaluator|resident|system_admin|security_admin|audit_admin)$"
    )]
    pub role: String,
    /// Area code (area roles) or organization id or name (organization roles).
    pub scope: Option<String>,
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

/// Create an account (system administrator).
#[utoipa::path(post, operation_id = "accounts_create", path = "/api/v1/users", tag = "accounts", security(("bearer" = [])), request_body = NewUser,
    responses((status = 201, body = User), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(rc: Rc, ApiJson(b): ApiJson<NewUser>) -> ApiResult<(StatusCode, Json<User>)> {
    authed(&rc)?;
    let input = NewUserInput {
        username: b.username,
        display_name: b.display_name,
        role: b.role,
        scope: b.scope,
        password: b.password,
    };
    let id = accounts::create_user(&rc.app, &rc.ctx, &input)
        .await
        .api(&rc)?;
    let u = accounts::get_user(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok((StatusCode::CREATED, Json(User::from(&u))))
}

/// One account.
#[utoipa::path(get, operation_id = "accounts_get", path = "/api/v1/users/{id}", tag = "accounts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<User>> {
    authed(&rc)?;
    let u = accounts::get_user(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(User::from(&u)))
}

/// Lock an account (system administrator); its sessions end at once.
#[utoipa::path(post, operation_id = "accounts_lock", path = "/api/v1/users/{id}/lock", tag = "accounts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lock(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    accounts::set_locked(&rc.app, &rc.ctx, id, true)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unlock an account and clear a lockout (system administrator).
#[utoipa::path(post, operation_id = "accounts_unlock", path = "/api/v1/users/{id}/unlock", tag = "accounts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn unlock(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    accounts::set_locked(&rc.app, &rc.ctx, id, false)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleChange {
    #[schema(
        pattern = "^(district_admin|street_staff|community_staff|social_org|social_worker|evaluator|resident|system_admin|security_admin|audit_admin)$"
    )]
    pub role: String,
    pub scope: Option<String>,
}

/// Assign a role and scope (security administrator).
#[utoipa::path(put, operation_id = "accounts_set_role", path = "/api/v1/users/{id}/role", tag = "accounts", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = RoleChange,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_role(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RoleChange>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    accounts::change_role(&rc.app, &rc.ctx, id, &b.role, b.scope.as_deref())
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    pub id: i64,
    pub name: String,
    /// First characters of the token, for recognition.
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub items: Vec<Token>,
    pub page: PageInfo,
}

/// The caller's API tokens.
#[utoipa::path(get, operation_id = "accounts_tokens", path = "/api/v1/tokens", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = TokenList), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn tokens(rc: Rc) -> ApiResult<Json<TokenList>> {
    authed(&rc)?;
    let rows = accounts::list_tokens(&rc.app, &rc.ctx).await.api(&rc)?;
    let n = rows.len() as i64;
    Ok(Json(TokenList {
        items: rows
            .into_iter()
            .map(|t| Token {
                id: t.id,
                name: t.name,
                prefix: t.prefix,
                created_at: t.created_at,
                expires_at: t.expires_at,
                last_used_at: t.last_used_at,
                revoked_at: t.revoked_at,
            })
            .collect(),
        page: PageInfo {
            page: 1,
            per_page: n.max(1),
            total: n,
            pages: 1,
        },
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    #[schema(min_length = 1, max_length = 64)]
    pub name: String,
    #[schema(minimum = 1, maximum = 3650)]
    pub expires_days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    /// The token itself: shown once, stored only as a hash.
    pub token: String,
}

/// Create an API token for the caller.
#[utoipa::path(post, operation_id = "accounts_create_token", path = "/api/v1/tokens", tag = "accounts", security(("bearer" = [])), request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    rc: Rc,
    ApiJson(b): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    authed(&rc)?;
    let uid = rc
        .actor()
        .and_then(|a| a.user_id)
        .ok_or_else(|| ApiError::new(&AppError::Forbidden, &rc.tr, &rc.request_id))?;
    let t = accounts::create_token(&rc.app, &rc.ctx, uid, &b.name, b.expires_days)
        .await
        .api(&rc)?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: t.id,
            token: t.secret,
        }),
    ))
}

/// Revoke one of the caller's tokens.
#[utoipa::path(delete, operation_id = "accounts_revoke_token", path = "/api/v1/tokens/{id}", tag = "accounts", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    accounts::revoke_token(&rc.app, &rc.ctx, id)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Clear a user's second factor (security administrator; audited): they enrol again at
/// their next sign-in, and their sessions end.
#[utoipa::path(post, operation_id = "users_reset_mfa", path = "/api/v1/users/{id}/mfa/reset", tag = "accounts", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 204, description = "Reset"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reset_mfa(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    sanshe_app::accounts::mfa::reset(&rc.app, &rc.ctx, id)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}
