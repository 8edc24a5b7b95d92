//! Login, logout and the language switch.

use super::{FormErrors, PageResult};
use crate::ctx::{cookie, Rc, CSRF_COOKIE, LANG_COOKIE};
use crate::view::{redirect_flash, with_page, Page};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use sanshe_app::accounts::{self, SESSION_COOKIE};
use sanshe_app::i18n::Lang;
use sanshe_app::AppError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    p: Page,
    next: String,
    username: String,
    error: Option<String>,
    username_error: Option<String>,
    password_error: Option<String>,
    demo: bool,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only same-origin relative paths are followed (no open redirects). Browsers drop tabs
/// and line breaks from URLs and treat `\\` as `/`, so `/\t/evil.example` would leave the
/// site: anything but visible ASCII, a second leading slash or backslash anywhere falls
/// back to the home page.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && n.bytes().all(|b| b.is_ascii_graphic())
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.starts_with("/login") =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

pub(crate) fn cookie_header(
    rc: &Rc,
    name: &str,
    value: &str,
    max_age: Option<i64>,
) -> Option<HeaderValue> {
    let secure = if rc.app.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let age = max_age
        .map(|a| format!("; Max-Age={a}"))
        .unwrap_or_default();
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"
    ))
    .ok()
}

async fn login_page(
    rc: &Rc,
    next: String,
    username: String,
    errors: Option<(Option<String>, FormErrors)>,
    status: StatusCode,
) -> Response {
    let demo = sanshe_app::areas::has_demo(&rc.app).await.unwrap_or(false);
    let (error, fe) = errors.unwrap_or_default();
    let page = LoginPage {
        p: Page::new(rc, "login-title"),
        next,
        username,
        error,
        username_error: fe.get("username").cloned(),
        password_error: fe.get("password").cloned(),
        demo,
    };
    let mut r = with_page(rc, &page);
    *r.status_mut() = status;
    r
}

pub async fn login_form(rc: Rc, headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    if rc.actor().is_some() {
        return Redirect::to(&safe_next(q.next.as_deref())).into_response();
    }
    let mut rc = rc;
    let mut set = None;
    if cookie(&headers, CSRF_COOKIE).is_none() {
        let token = sanshe_app::security::random_hex(32).unwrap_or_default();
        set = cookie_header(&rc, CSRF_COOKIE, &token, None);
        rc.csrf = token;
    }
    let mut r = login_page(
        &rc,
        safe_next(q.next.as_deref()),
        String::new(),
        None,
        StatusCode::OK,
    )
    .await;
    if let Some(v) = set {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login(rc: Rc, Form(f): Form<LoginForm>) -> Response {
    let next = safe_next(f.next.as_deref());
    match accounts::login(&rc.app, &rc.ctx, &f.username, &f.password).await {
        Ok(s) => {
            let mut r = Redirect::to(&next).into_response();
            if let Some(v) = cookie_header(&rc, SESSION_COOKIE, &s.token, None) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            if let Some(l) = s.actor.locale.as_deref() {
                if let Some(v) = cookie_header(&rc, LANG_COOKIE, l, Some(365 * 86400)) {
                    r.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            r
        }
        Err(e) => {
            let status = crate::error::status_of(&e);
            if matches!(e, AppError::Store(_) | AppError::Internal(_)) {
                return crate::error::internal(&e, &rc.request_id);
            }
            let fe = FormErrors::from_app(&e, &rc).unwrap_or_default();
            let msg = if fe.is_empty() {
                Some(crate::error::message_of(&e, &rc.tr))
            } else {
                None
            };
            login_page(
                &rc,
                next,
                f.username.trim().to_owned(),
                Some((msg, fe)),
                status,
            )
            .await
        }
    }
}

pub async fn logout(rc: Rc) -> Response {
    if let Some(tok) = &rc.session_token {
        if let Err(e) = accounts::logout(&rc.app, &rc.ctx, tok).await {
            return crate::error::internal(&e, &rc.request_id);
        }
    }
    let mut r = redirect_flash("/login", "flash-logged-out");
    if let Some(v) = cookie_header(&rc, SESSION_COOKIE, "", Some(0)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

fn lang_of(code: &str) -> Option<Lang> {
    Lang::parse(code).filter(|l| l.code() == code)
}

fn with_lang_cookie(rc: &Rc, lang: Lang, next: Option<&str>) -> Response {
    let mut r = Redirect::to(&safe_next(next)).into_response();
    if let Some(v) = cookie_header(rc, LANG_COOKIE, lang.code(), Some(365 * 86400)) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// GET: sets this browser's language cookie and nothing else (no account change, no
/// audit entry), so a link or an image elsewhere cannot change anything stored.
pub async fn set_lang(rc: Rc, Path(code): Path<String>, Query(q): Query<NextQuery>) -> PageResult {
    let Some(lang) = lang_of(&code) else {
        return Err(crate::error::PageError::new(AppError::NotFound, &rc));
    };
    Ok(with_lang_cookie(&rc, lang, q.next.as_deref()))
}

/// POST (CSRF-checked): a signed-in user's choice, saved to the account and audited.
pub async fn save_lang(rc: Rc, Path(code): Path<String>, Form(f): Form<NextQuery>) -> PageResult {
    let Some(lang) = lang_of(&code) else {
        return Err(crate::error::PageError::new(AppError::NotFound, &rc));
    };
    if rc.actor().is_some() {
        use super::OrPage;
        accounts::set_own_locale(&rc.app, &rc.ctx, lang.code())
            .await
            .page(&rc)?;
    }
    Ok(with_lang_cookie(&rc, lang, f.next.as_deref()))
}

pub async fn not_found(rc: Rc) -> Response {
    if rc.path.starts_with("/api/") {
        return crate::error::ApiError::new(&AppError::NotFound, &rc.tr, &rc.request_id)
            .into_response();
    }
    crate::error::PageError(
        AppError::NotFound,
        Box::new(Page::new(&rc, "err-title")),
        rc.path.clone(),
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/areas?q=1")), "/areas?q=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
