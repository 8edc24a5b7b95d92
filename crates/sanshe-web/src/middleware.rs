//! Request id, session resolution, CSRF enforcement and security headers — one layer, so
//! every route gets all of them.

use crate::ctx::{cookie, Resolved, CSRF_COOKIE};
use crate::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sanshe_app::accounts::{self, SESSION_COOKIE};
use std::time::Instant;
use tracing::Instrument;

/// Largest request body accepted (imports included).
pub const BODY_LIMIT: usize = 20 * 1024 * 1024;

/// A read-only server (`read_only`) serves the public portal, the OCDS feed, the API's
/// description and the operations endpoints, for reading; `/` leads to the portal. Anything
/// else is answered 503 here, before a handler could try to write.
fn read_only_answer(
    method: &Method,
    path: &str,
    request_id: &str,
    message: &str,
) -> Option<Response> {
    let reading = matches!(*method, Method::GET | Method::HEAD);
    if reading && path == "/" {
        return Some(axum::response::Redirect::to("/public").into_response());
    }
    let public = path == "/public"
        || path.starts_with("/public/")
        || path.starts_with("/api/ocds/")
        || path.starts_with("/static/")
        || path.starts_with("/lang/")
        || matches!(
            path,
            "/healthz" | "/readyz" | "/metrics" | "/api/openapi.json" | "/api/docs"
        );
    if reading && public {
        return None;
    }
    let mut r = if path.starts_with("/api/") {
        axum::Json(serde_json::json!({"error": {
            "code": "read_only",
            "message": message,
            "fields": [],
            "request_id": request_id,
        }}))
        .into_response()
    } else {
        (
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            message.to_owned(),
        )
            .into_response()
    };
    *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    Some(r)
}

fn new_request_id() -> String {
    sanshe_app::security::random_hex(8).unwrap_or_else(|_| "0".into())
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Finds a small text field in a multipart body without parsing the files.
fn multipart_field(body: &[u8], name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\"");
    let hay = body
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())?;
    let rest = &body[hay + needle.len()..];
    let start = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let value = &rest[start..];
    let end = value.windows(2).position(|w| w == b"\r\n")?;
    std::str::from_utf8(&value[..end]).ok().map(str::to_owned)
}

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .unwrap_or_else(new_request_id);
    let span = tracing::info_span!(
        "request",
        id = %request_id,
        method = %req.method(),
        path = %req.uri().path()
    );
    // The span is attached to this request's future (entered only while it runs), never
    // held across an await: a log line carries its own request's span and no other.
    //
    // The request runs as a task of its own, so a client that hangs up does not cut it short:
    // dropped halfway, a future can leave a database connection inside a transaction nobody
    // owns (the driver acknowledged BEGIN to a future that was gone), and every later write
    // on that connection failed. A request, once started, finishes; only its answer is lost.
    let work = tokio::spawn(handle(state, req, next, request_id.clone(), started).instrument(span));
    match work.await {
        Ok(res) => res,
        Err(e) => {
            tracing::error!(id = %request_id, error = %e, "request task failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

async fn handle(
    state: AppState,
    req: Request,
    next: Next,
    request_id: String,
    started: Instant,
) -> Response {
    let path = req.uri().path().to_owned();
    let gzip = crate::compress::accepts_gzip(req.headers());
    let client = crate::ctx::client_from(
        req.extensions(),
        req.headers(),
        &state.app.settings.trusted_proxies,
    );
    let is_api = path.starts_with("/api/v1");
    let mut resolved = Resolved {
        request_id: request_id.clone(),
        ..Default::default()
    };

    let app = &state.app;
    if app.settings.read_only {
        let tr = sanshe_app::i18n::Tr::new(crate::ctx::choose_lang(req.headers(), None));
        if let Some(r) = read_only_answer(req.method(), &path, &request_id, tr.t("err-read-only")) {
            state.metrics.record(r.status().as_u16(), started.elapsed());
            return r;
        }
    }
    if app.settings.read_only {
        // Everyone is anonymous here: resolving a session would write its last use.
    } else if is_api {
        if let Some(tok) = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
        {
            match accounts::resolve_token(app, tok.trim()).await {
                Ok(a) => {
                    resolved.actor = a;
                    resolved.via_token = true;
                }
                Err(e) => return crate::error::internal(&e, &request_id),
            }
        }
    } else if let Some(tok) = cookie(req.headers(), SESSION_COOKIE).map(str::to_owned) {
        match accounts::resolve_session(app, &tok).await {
            Ok(Some((actor, csrf))) => {
                // One indexed count for the header's inbox badge (best effort).
                let ctx = sanshe_app::Ctx {
                    actor: Some(actor.clone()),
                    client: None,
                    request_id: None,
                };
                resolved.unread = sanshe_app::inbox::unread(app, &ctx).await.unwrap_or(0);
                resolved.actor = Some(actor);
                resolved.session_csrf = Some(csrf);
                resolved.session_token = Some(tok);
            }
            Ok(None) => {}
            Err(e) => return crate::error::internal(&e, &request_id),
        }
    }

    // Two-factor sign-in: a session whose second factor is still to come reaches only the
    // code form; an administrator who must enrol reaches only the enrolment page.
    if let Some(a) = resolved.actor.as_ref().filter(|_| !resolved.via_token) {
        let open = path == "/logout" || path.starts_with("/lang/") || path.starts_with("/static/");
        let target = if a.mfa_pending && path != "/login/mfa" && !open {
            Some("/login/mfa")
        } else if a.mfa_setup_required && !a.must_change_password && path != "/account/mfa" && !open
        {
            Some("/account/mfa")
        } else {
            None
        };
        if let Some(to) = target {
            state.metrics.record(303, started.elapsed());
            return axum::response::Redirect::to(to).into_response();
        }
    }

    // A password an administrator set is one-time: until its holder replaces it, the
    // account page (to change it), signing out and the language switch are all there is.
    if resolved
        .actor
        .as_ref()
        .is_some_and(|a| a.must_change_password)
        && !(path == "/account"
            || path == "/account/password"
            || path == "/logout"
            || path.starts_with("/lang/")
            || path.starts_with("/static/"))
    {
        state.metrics.record(403, started.elapsed());
        let ctx = sanshe_app::Ctx {
            actor: resolved.actor.clone(),
            client: client.clone(),
            request_id: Some(request_id.clone()),
        };
        let what = format!("{} {path} (password must be changed)", req.method());
        let _ = accounts::audit_denied(app, &ctx, &what).await;
        if is_api {
            let tr = sanshe_app::i18n::Tr::new(crate::ctx::choose_lang(
                req.headers(),
                resolved.actor.as_ref(),
            ));
            let e = sanshe_app::AppError::invalid(sanshe_domain::FieldError::new(
                "password",
                "err-password-must-change",
            ));
            let mut r = crate::error::ApiError::new(&e, &tr, &request_id).into_response();
            *r.status_mut() = StatusCode::FORBIDDEN;
            return r;
        }
        return crate::view::redirect_flash("/account", "flash-password-must-change");
    }

    // CSRF: every state-changing page request must echo the session's token (or, before
    // login, the double-submit cookie).
    let mut req = req;
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The JSON API outside /api/v1 (the OpenAPI document, the OCDS feed) is read-only and
    // open: it has no form to protect, and other methods get their 405.
    if unsafe_method && !path.starts_with("/api/") {
        let expected = resolved
            .session_csrf
            .clone()
            .or_else(|| cookie(req.headers(), CSRF_COOKIE).map(str::to_owned));
        let (parts, body) = req.into_parts();
        let bytes = match to_bytes(body, BODY_LIMIT).await {
            Ok(b) => b,
            Err(_) => {
                return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
            }
        };
        let is_multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("multipart/form-data"));
        let given = if is_multipart {
            multipart_field(&bytes, "csrf")
        } else {
            form_field(&bytes, "csrf")
        };
        let ok = match (&expected, &given) {
            (Some(e), Some(g)) => accounts::csrf_matches(e, g),
            _ => false,
        };
        if !ok {
            let rc_lang = crate::ctx::choose_lang(&parts.headers, resolved.actor.as_ref());
            let tr = sanshe_app::i18n::Tr::new(rc_lang);
            let ctx = sanshe_app::Ctx {
                actor: resolved.actor.clone(),
                client: client.clone(),
                request_id: Some(request_id.clone()),
            };
            let _ = accounts::audit_denied(app, &ctx, &format!("csrf {path}")).await;
            state.metrics.record(403, started.elapsed());
            return crate::error::csrf_page(tr, &request_id);
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }

    let method = req.method().clone();
    let denied_ctx = sanshe_app::Ctx {
        actor: resolved.actor.clone(),
        client: client.clone(),
        request_id: Some(request_id.clone()),
    };
    req.extensions_mut().insert(resolved);
    let (mut res, unheard) = sanshe_app::authz::body_checked(next.run(req)).await;
    if unheard.is_some() && res.status().is_success() {
        // An operation took a body with a field out of bounds without checking any
        // permission: a route that must be fixed. Tests and the fuzzing run see a 500.
        tracing::error!(?unheard, "{method} {path}: body fault never reported");
        if cfg!(debug_assertions) {
            state.metrics.record(500, started.elapsed());
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "body fault never reported",
            )
                .into_response();
        }
    }
    // Every refusal is a security event (等保: 安全审计) — recorded by the servers that write.
    if !app.settings.read_only
        && (res.status() == StatusCode::FORBIDDEN
            || res.extensions().get::<crate::error::Refused>().is_some())
    {
        let _ = accounts::audit_denied(app, &denied_ctx, &format!("{method} {path}")).await;
    }
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        h.insert("x-request-id", v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"),
    );
    if !h.contains_key(header::CACHE_CONTROL) && !path.starts_with("/static") {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    let res = crate::compress::maybe(res, gzip).await;
    let status = res.status().as_u16();
    state.metrics.record(status, started.elapsed());
    tracing::info!(status, ms = started.elapsed().as_millis() as u64, "done");
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_csrf_in_bodies() {
        assert_eq!(form_field(b"a=1&csrf=abc", "csrf").as_deref(), Some("abc"));
        let mp = b"--X\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n--X--\r\n";
        assert_eq!(multipart_field(mp, "csrf").as_deref(), Some("tok123"));
    }
}
