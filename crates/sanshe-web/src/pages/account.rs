//! The signed-in user's own account: password, language, API tokens.

use super::{FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{opt_datetime, redirect_flash, with_page, Page};
use askama::Template;
use axum::extract::Path;
use axum::Form;
use sanshe_app::accounts;
use sanshe_app::AppError;
use serde::Deserialize;

pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    p: Page,
    tokens: Vec<TokenView>,
    new_token: Option<String>,
    token_name: String,
    errors: FormErrors,
    password_expired: bool,
    must_change_password: bool,
}

async fn account_page(
    rc: &Rc,
    new_token: Option<String>,
    token_name: String,
    errors: FormErrors,
) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    let tokens = accounts::list_tokens(&rc.app, &rc.ctx).await.page(rc)?;
    let page = AccountPage {
        p: Page::new(rc, "account-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("", rc.tr.t("account-title")),
        tokens: tokens
            .iter()
            .map(|t| TokenView {
                id: t.id,
                name: t.name.clone(),
                prefix: t.prefix.clone(),
                created: opt_datetime(Some(t.created_at)),
                expires: opt_datetime(t.expires_at),
                last_used: opt_datetime(t.last_used_at),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        new_token,
        token_name,
        password_expired: actor.password_expired,
        must_change_password: actor.must_change_password,
        errors,
    };
    let mut r = with_page(rc, &page);
    if !page.errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn show(rc: Rc) -> PageResult {
    account_page(&rc, None, String::new(), FormErrors::default()).await
}

#[derive(Deserialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    new_password_again: String,
}

pub async fn change_password(rc: Rc, Form(f): Form<PasswordForm>) -> PageResult {
    let res = if f.new_password != f.new_password_again {
        Err(AppError::invalid(sanshe_domain::FieldError::new(
            "new_password_again",
            "err-password-mismatch",
        )))
    } else {
        accounts::change_own_password(
            &rc.app,
            &rc.ctx,
            &f.current_password,
            &f.new_password,
            rc.session_token.as_deref(),
        )
        .await
    };
    match res {
        Ok(()) => Ok(redirect_flash("/account", "flash-password-changed")),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(fe) => account_page(&rc, None, String::new(), fe).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

#[derive(Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    expires_days: String,
}

pub async fn create_token(rc: Rc, Form(f): Form<TokenForm>) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    let uid = actor.user_id.ok_or(AppError::Forbidden).page(&rc)?;
    let days = match f.expires_days.trim() {
        "" => Ok(None),
        d => d.parse::<i64>().map(Some).map_err(|_| {
            AppError::invalid(sanshe_domain::FieldError::new("expires_days", "err-number"))
        }),
    };
    let res = match days {
        Ok(d) => accounts::create_token(&rc.app, &rc.ctx, uid, &f.name, d).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(t) => account_page(&rc, Some(t.secret), String::new(), FormErrors::default()).await,
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(fe) => account_page(&rc, None, f.name, fe).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn revoke_token(rc: Rc, Path(id): Path<i64>) -> PageResult {
    accounts::revoke_token(&rc.app, &rc.ctx, id)
        .await
        .page(&rc)?;
    Ok(redirect_flash("/account", "flash-token-revoked"))
}
