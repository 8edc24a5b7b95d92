//! One error type for the API (JSON, documented shape) and one for pages (HTML), both built
//! from the application's `AppError` and localised in the request's language.

use crate::ctx::Rc;
use crate::view::{render, Page};
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use sanshe_app::i18n::Tr;
use sanshe_app::AppError;
use serde::Serialize;
use utoipa::ToSchema;

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::Unauthenticated | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::NotFound | AppError::Hidden => StatusCode::NOT_FOUND,
        AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::AccountLocked => StatusCode::FORBIDDEN,
        AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Store(_) | AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

pub fn message_of(e: &AppError, tr: &Tr) -> String {
    match e {
        AppError::Throttled(until) => {
            tr.f("err-throttled", &[("until", crate::view::datetime(*until))])
        }
        AppError::Conflict(f) => tr.field_error(f),
        _ => tr
            .t(&format!("err-{}", e.code().replace('_', "-")))
            .to_owned(),
    }
}

/// A field-level problem in a request body or query.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldMessage {
    /// Field name as in the request.
    pub field: String,
    /// Stable machine code of the problem.
    pub code: String,
    /// Human message in the request's language.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code: `unauthenticated`, `forbidden`, `not_found`, `invalid`,
    /// `bad_request`, `conflict`, `internal`.
    pub code: String,
    /// Human message in the request's language (`Accept-Language`, zh-CN by default).
    pub message: String,
    pub fields: Vec<FieldMessage>,
    pub request_id: String,
}

/// Every API error has this shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
    /// Refused as out of reach (answered 404, audited as a refusal).
    pub hidden: bool,
}

impl ApiError {
    pub fn new(e: &AppError, tr: &Tr, request_id: &str) -> ApiError {
        if matches!(e, AppError::Store(_) | AppError::Internal(_)) {
            tracing::error!(error = %e, "request failed");
        }
        let fields = match e {
            AppError::Invalid(fs) => fs
                .iter()
                .map(|f| FieldMessage {
                    field: f.field.clone(),
                    code: f.code.clone(),
                    message: tr.field_error(f),
                })
                .collect(),
            AppError::Conflict(f) => vec![FieldMessage {
                field: f.field.clone(),
                code: f.code.clone(),
                message: tr.field_error(f),
            }],
            _ => Vec::new(),
        };
        ApiError {
            status: status_of(e),
            hidden: matches!(e, AppError::Hidden),
            body: ErrorBody {
                error: ErrorDetail {
                    code: e.code().into(),
                    message: message_of(e, tr),
                    fields,
                    request_id: request_id.into(),
                },
            },
        }
    }

    /// A malformed request (unparseable query, body or path).
    pub fn bad_request(tr: &Tr, request_id: &str, detail: &str) -> ApiError {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            hidden: false,
            body: ErrorBody {
                error: ErrorDetail {
                    code: "bad_request".into(),
                    message: format!("{}: {detail}", tr.t("err-bad-request")),
                    fields: Vec::new(),
                    request_id: request_id.into(),
                },
            },
        }
    }
}

/// Marks a response that refused something out of the actor's reach (answered as 404): the
/// middleware audits it like a 403.
#[derive(Clone, Copy, Debug)]
pub struct Refused;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let hidden = self.hidden;
        let mut r = (self.status, Json(self.body)).into_response();
        if hidden {
            r.extensions_mut().insert(Refused);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        r
    }
}

pub fn internal(e: &AppError, request_id: &str) -> Response {
    tracing::error!(error = %e, request_id, "request failed");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        format!("internal error (request {request_id})"),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "layout/error.html")]
struct ErrorPage {
    p: Page,
    status: u16,
    message: String,
}

pub fn csrf_page(tr: Tr, request_id: &str) -> Response {
    let p = Page::bare(tr, "err-csrf-title");
    let page = ErrorPage {
        message: format!("{} ({request_id})", tr.t("err-csrf")),
        status: 403,
        p,
    };
    (StatusCode::FORBIDDEN, render(&page)).into_response()
}

/// A page handler's error: rendered as an HTML error page, or a redirect to the login page.
pub struct PageError(pub AppError, pub Box<Page>, pub String);

impl PageError {
    pub fn new(e: AppError, rc: &Rc) -> PageError {
        let next = if rc.query.is_empty() {
            rc.path.clone()
        } else {
            format!("{}?{}", rc.path, rc.query)
        };
        PageError(e, Box::new(Page::new(rc, "err-title")), next)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let PageError(e, p, next) = self;
        if matches!(e, AppError::Unauthenticated) {
            let q: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", &next)
                .finish();
            return Redirect::to(&format!("/login?{q}")).into_response();
        }
        if matches!(e, AppError::Store(_) | AppError::Internal(_)) {
            tracing::error!(error = %e, "page failed");
        }
        let status = status_of(&e);
        let message = match &e {
            AppError::Invalid(fs) => fs
                .iter()
                .map(|f| p.tr.field_error(f))
                .collect::<Vec<_>>()
                .join("; "),
            _ => message_of(&e, &p.tr),
        };
        let page = ErrorPage {
            status: status.as_u16(),
            message,
            p: *p,
        };
        let mut r = (status, render(&page)).into_response();
        if matches!(e, AppError::Hidden) {
            r.extensions_mut().insert(Refused);
        }
        r
    }
}
