//! The JSON API under `/api/v1`. Bearer-token authentication only; every error has the
//! shape of [`crate::error::ErrorBody`]; every list is paginated.

pub mod app_files;
pub mod areas;
pub mod audit;
pub mod award_lists;
pub mod awards;
pub mod calendar;
pub mod contracts;
pub mod delivery;
pub mod evaluations;
pub mod facts;
pub mod files;
pub mod inbox;
pub mod needs;
pub mod ocds;
pub mod orgs;
pub mod panels;
pub mod photos;
pub mod proposals;
pub mod purchase;
pub mod questions;
pub mod ratings;
pub mod registry;
pub mod shape;
pub mod targets;
pub mod throttles;
pub mod users;
pub mod venture;
pub mod workers;

use crate::ctx::Rc;
use crate::error::ApiError;
use crate::AppState;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use sanshe_app::AppError;
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

pub type ApiResult<T> = Result<T, ApiError>;

pub trait OrApi<T> {
    fn api(self, rc: &Rc) -> Result<T, ApiError>;
}

impl<T> OrApi<T> for Result<T, AppError> {
    fn api(self, rc: &Rc) -> Result<T, ApiError> {
        self.map_err(|e| ApiError::new(&e, &rc.tr, &rc.request_id))
    }
}

/// Query string extractor whose failures use the API error shape.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(q) => Ok(ApiQuery(q.0)),
            Err(e) => {
                let rc = Rc::from_request_parts(parts, state)
                    .await
                    .unwrap_or_else(|n| match n {});
                Err(ApiError::bad_request(
                    &rc.tr,
                    &rc.request_id,
                    &e.body_text(),
                ))
            }
        }
    }
}

/// JSON body extractor whose failures use the API error shape. An integer written with a
/// zero fraction (`2026.0`) is an integer, as JSON Schema says, and reaches integer fields.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + ToSchema + Send + 'static> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let rc = Rc::from_request_parts(&mut parts, state)
            .await
            .unwrap_or_else(|n| match n {});
        let bad = |d: &str| ApiError::bad_request(&rc.tr, &rc.request_id, d);
        let mut v = match axum::Json::<serde_json::Value>::from_request(
            Request::from_parts(parts, body),
            state,
        )
        .await
        {
            Ok(j) => j.0,
            Err(e) => return Err(bad(&e.body_text())),
        };
        // Every body is a JSON object (serde would also read a struct from an array).
        if !v.is_object() {
            return Err(bad("the body must be a JSON object"));
        }
        whole_numbers(&mut v);
        // A field outside its schema's bounds is reported once the caller is known to be
        // allowed to act (see `authz::body_checked`), even when the operation ignores it.
        if let Err(e) = shape::check::<T>(&v) {
            authed(&rc)?;
            if let Err(e) = sanshe_app::authz::hold_body_fault(e) {
                return Err(ApiError::new(&AppError::invalid(e), &rc.tr, &rc.request_id));
            }
        }
        serde_json::from_value::<T>(v)
            .map(ApiJson)
            .map_err(|e| bad(&e.to_string()))
    }
}

/// Parses a JSON request body the way [`ApiJson`] does, for handlers that read it as a value.
pub fn json_value(rc: &Rc, body: &[u8]) -> ApiResult<serde_json::Value> {
    let mut v: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(&rc.tr, &rc.request_id, &e.to_string()))?;
    whole_numbers(&mut v);
    Ok(v)
}

/// Reads a JSON object body into a type documented as a free object (no schema to hold it to).
pub fn json_typed<T: DeserializeOwned>(rc: &Rc, body: &[u8]) -> ApiResult<T> {
    let v = json_value(rc, body)?;
    if !v.is_object() {
        return Err(ApiError::bad_request(
            &rc.tr,
            &rc.request_id,
            "the body must be a JSON object",
        ));
    }
    serde_json::from_value(v)
        .map_err(|e| ApiError::bad_request(&rc.tr, &rc.request_id, &e.to_string()))
}

/// Rewrites every number with a zero fraction that fits an `i64` as an integer.
pub fn whole_numbers(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
            if let Some(f) = n.as_f64() {
                if f.fract() == 0.0 && f.abs() < 9.2e18 {
                    *v = serde_json::Value::from(f as i64);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(whole_numbers),
        serde_json::Value::Object(m) => m.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// Path segment extractor whose failures use the API error shape.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(p) => Ok(ApiPath(p.0)),
            Err(e) => {
                let rc = Rc::from_request_parts(parts, state)
                    .await
                    .unwrap_or_else(|n| match n {});
                // A segment that cannot be the record's key (`/needs/abc`) names no record.
                if matches!(
                    e,
                    axum::extract::rejection::PathRejection::FailedToDeserializePathParams(_)
                ) {
                    return Err(ApiError::new(&AppError::NotFound, &rc.tr, &rc.request_id));
                }
                Err(ApiError::bad_request(
                    &rc.tr,
                    &rc.request_id,
                    &e.body_text(),
                ))
            }
        }
    }
}

/// Requires an authenticated caller (bearer token).
pub fn authed(rc: &Rc) -> ApiResult<()> {
    rc.actor()
        .map(|_| ())
        .ok_or_else(|| ApiError::new(&AppError::Unauthenticated, &rc.tr, &rc.request_id))
}

#[derive(Debug, serde::Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<i64>,
    /// Items per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<i64>,
}

impl Paging {
    pub fn req(&self, rc: &Rc) -> ApiResult<sanshe_store::PageReq> {
        let bad = |f: &str, max: i64| {
            ApiError::new(
                &AppError::invalid(
                    sanshe_domain::FieldError::new(f, "err-range")
                        .arg("min", 1)
                        .arg("max", max),
                ),
                &rc.tr,
                &rc.request_id,
            )
        };
        let page = self.page.unwrap_or(1);
        let per_page = self.per_page.unwrap_or(50);
        if !(1..=1_000_000).contains(&page) {
            return Err(bad("page", 1_000_000));
        }
        if !(1..=200).contains(&per_page) {
            return Err(bad("per_page", 200));
        }
        Ok(sanshe_store::PageReq { page, per_page })
    }
}

/// Pagination facts returned with every list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageInfo {
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
    pub pages: i64,
}

impl<T> From<&sanshe_store::Paged<T>> for PageInfo {
    fn from(p: &sanshe_store::Paged<T>) -> Self {
        PageInfo {
            page: p.page,
            per_page: p.per_page,
            total: p.total,
            pages: p.pages(),
        }
    }
}

/// The caller's identity, role and scope.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    /// Role key, e.g. `district_admin`.
    pub role: String,
    pub role_label: String,
    /// `area`, `org` or `none`.
    pub scope_kind: String,
    /// Area code or organization id.
    pub scope: Option<String>,
    pub scope_name: Option<String>,
}

/// The authenticated caller.
#[utoipa::path(get, operation_id = "accounts_me", path = "/api/v1/me", tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = Me), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(rc: Rc) -> ApiResult<axum::Json<Me>> {
    authed(&rc)?;
    let a = rc
        .actor()
        .ok_or_else(|| ApiError::new(&AppError::Unauthenticated, &rc.tr, &rc.request_id))?;
    let (kind, scope) = match &a.scope {
        sanshe_domain::Scope::Area { code } => ("area", Some(code.clone())),
        sanshe_domain::Scope::Org { id } => ("org", Some(id.to_string())),
        sanshe_domain::Scope::None => ("none", None),
    };
    Ok(axum::Json(Me {
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role.as_str().into(),
        role_label: rc.tr.role(a.role.as_str()).into(),
        scope_kind: kind.into(),
        scope,
        scope_name: a.scope_name.clone(),
    }))
}

/// Query-string rules that the OpenAPI document states for list filters, checked alike
/// everywhere: an empty value means "no filter"; anything else must be one of the choices,
/// an area code, or short enough.
#[derive(Default)]
pub struct QueryRules(Vec<sanshe_domain::FieldError>);

/// The pattern of an optional area-code filter (empty, or 6, 9 or 12 digits).
pub const AREA_FILTER: &str = "^([0-9]{6}([0-9]{3}([0-9]{3})?)?)?$";

impl QueryRules {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().filter(|s| !s.is_empty())
    }

    pub fn choice(mut self, field: &str, v: &Option<String>, choices: &[&str]) -> Self {
        if let Some(s) = Self::given(v) {
            if !choices.contains(&s) {
                self.0.push(
                    sanshe_domain::FieldError::new(field, "err-choice")
                        .arg("choices", choices.join("、")),
                );
            }
        }
        self
    }

    pub fn area(mut self, field: &str, v: &Option<String>) -> Self {
        if let Some(s) = Self::given(v) {
            if !s.bytes().all(|b| b.is_ascii_digit()) {
                self.0.push(sanshe_domain::FieldError::new(
                    field,
                    "err-area-code-digits",
                ));
            } else if ![6, 9, 12].contains(&s.len()) {
                self.0.push(
                    sanshe_domain::FieldError::new(field, "err-area-code-length")
                        .arg("len", s.len()),
                );
            }
        }
        self
    }

    pub fn text(mut self, field: &str, v: &Option<String>, max: usize) -> Self {
        if let Some(s) = Self::given(v) {
            if let Err(e) = sanshe_domain::text::check(field, s, max) {
                self.0.push(e);
            }
        }
        self
    }

    /// A required text: not blank, short enough, no control characters.
    pub fn filled(mut self, field: &str, v: &str, max: usize) -> Self {
        if v.trim().is_empty() {
            self.0
                .push(sanshe_domain::FieldError::new(field, "err-required"));
            return self;
        }
        self.text(field, &Some(v.to_owned()), max)
    }

    pub fn check(self, rc: &Rc) -> ApiResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::new(
                &AppError::Invalid(self.0),
                &rc.tr,
                &rc.request_id,
            ))
        }
    }
}
