//! Two-factor sign-in pages: the code form after the password, and enrolment (a QR code
//! drawn on the server, the secret as text, recovery codes shown once).

use super::auth::cookie_header;
use super::{FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{redirect_flash, with_page, Page};
use askama::Template;
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use axum::Form;
use sanshe_app::accounts::{mfa, SESSION_COOKIE};
use sanshe_app::AppError;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "accounts/mfa_verify.html")]
struct VerifyPage {
    p: Page,
    errors: FormErrors,
}

pub async fn verify_form(rc: Rc) -> PageResult {
    // Only a half-signed-in session has a second step to take.
    if !rc.actor().is_some_and(|a| a.mfa_pending) {
        return Ok(Redirect::to("/login").into_response());
    }
    let p = Page::new(&rc, "mfa-verify-title");
    Ok(with_page(
        &rc,
        &VerifyPage {
            p,
            errors: FormErrors::default(),
        },
    ))
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    secret: String,
}

pub async fn verify(rc: Rc, Form(f): Form<CodeForm>) -> PageResult {
    if !rc.actor().is_some_and(|a| a.mfa_pending) {
        return Ok(Redirect::to("/login").into_response());
    }
    let token = rc
        .session_token
        .clone()
        .ok_or(AppError::Unauthenticated)
        .page(&rc)?;
    match mfa::verify(&rc.app, &rc.ctx, &token, &f.code).await {
        Ok(new_token) => {
            let mut r = Redirect::to("/").into_response();
            if let Some(v) = cookie_header(&rc, SESSION_COOKIE, &new_token, None) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            Ok(r)
        }
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errors) => {
                let mut r = with_page(
                    &rc,
                    &VerifyPage {
                        p: Page::new(&rc, "mfa-verify-title"),
                        errors,
                    },
                );
                *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                Ok(r)
            }
            None => Err(PageError::new(e, &rc)),
        },
    }
}

#[derive(Template)]
#[template(path = "accounts/mfa_setup.html")]
struct SetupPage {
    p: Page,
    enabled: bool,
    recovery_left: i64,
    secret: String,
    qr_svg: String,
    codes: Vec<String>,
    errors: FormErrors,
}

fn qr_svg(uri: &str) -> String {
    qrcode::QrCode::new(uri.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default()
}

async fn setup_page(rc: &Rc, codes: Vec<String>, errors: FormErrors) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    let (enabled, recovery_left) = mfa::status(&rc.app, &rc.ctx).await.page(rc)?;
    let (secret, qr) = if enabled {
        (String::new(), String::new())
    } else {
        let e = mfa::new_enrolment(&actor.username).page(rc)?;
        let svg = qr_svg(&e.uri);
        (e.secret, svg)
    };
    let page = SetupPage {
        p: Page::new(rc, "mfa-setup-title")
            .crumb("/account", rc.tr.t("account-title"))
            .crumb("", rc.tr.t("mfa-setup-title")),
        enabled,
        recovery_left,
        secret,
        qr_svg: qr,
        codes,
        errors,
    };
    let mut r = with_page(rc, &page);
    if !page.errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn setup_form(rc: Rc) -> PageResult {
    setup_page(&rc, Vec::new(), FormErrors::default()).await
}

pub async fn setup(rc: Rc, Form(f): Form<CodeForm>) -> PageResult {
    match mfa::confirm(&rc.app, &rc.ctx, &f.secret, &f.code).await {
        Ok(codes) => setup_page(&rc, codes, FormErrors::default()).await,
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errors) => setup_page(&rc, Vec::new(), errors).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn reset(rc: Rc, axum::extract::Path(id): axum::extract::Path<i64>) -> PageResult {
    mfa::reset(&rc.app, &rc.ctx, id).await.page(&rc)?;
    Ok(redirect_flash(&format!("/users/{id}"), "flash-mfa-reset"))
}
