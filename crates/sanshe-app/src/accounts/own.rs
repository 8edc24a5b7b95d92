//! What users do to their own account: password, language, API tokens.

use super::target_user;
use crate::security::{hash_password, random_hex, sm3_hex, verify_password};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::FieldError;
use sanshe_store::audit::now;
use sanshe_store::{sessions, tokens, users};

/// Changes the caller's password. Every other session and every API token of the caller
/// ends (a password change is what one does after a compromise); `keep_session` is the
/// caller's own session cookie, which stays. The caller is told in the inbox.
pub async fn change_own_password(
    app: &App,
    ctx: &Ctx,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    let id = actor.user_id.ok_or(AppError::Forbidden)?;
    let u = {
        let mut r = app.db.acquire().await?;
        target_user(&mut r, id).await?
    };
    if !verify_password(current, &u.password_hash) {
        return Err(AppError::invalid(FieldError::new(
            "current_password",
            "err-password-wrong",
        )));
    }
    if current == new {
        return Err(AppError::invalid(FieldError::new(
            "new_password",
            "err-password-same",
        )));
    }
    app.settings
        .password_policy()
        .check(&u.username, new)
        .map_err(|e| {
            AppError::invalid(FieldError {
                field: "new_password".into(),
                ..e
            })
        })?;
    let hash = hash_password(new)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    users::set_password(&mut tx, id, &hash, false).await?;
    let keep = keep_session.map(sm3_hex).unwrap_or_default();
    let sessions = sessions::delete_others(&mut tx, id, &keep).await?;
    let tokens = tokens::revoke_all(&mut tx, id).await?;
    crate::inbox::notify(
        &mut tx,
        &[id],
        "account.password_changed",
        &u.username,
        "",
        "/account",
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::UserChangePassword,
        Some(id.to_string()),
        format!(
            "own password changed; {sessions} other sessions ended, {tokens} API tokens revoked"
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

pub async fn set_own_locale(app: &App, ctx: &Ctx, locale: &str) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    let Some(id) = actor.user_id else {
        return Ok(());
    };
    let mut tx = crate::uow::Uow::begin(app).await?;
    users::set_locale(&mut tx, id, locale).await?;
    tx.commit(ctx.audit_entry(
        Action::UserSetLocale,
        Some(id.to_string()),
        format!("language {locale}"),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

/// A freshly created API token; `secret` is shown once and never stored.
pub struct CreatedToken {
    pub id: i64,
    pub secret: String,
}

pub async fn create_token(
    app: &App,
    ctx: &Ctx,
    user_id: i64,
    name: &str,
    expires_days: Option<i64>,
) -> Result<CreatedToken, AppError> {
    let actor = ctx.actor()?;
    if !actor.is_cli && actor.user_id != Some(user_id) {
        return Err(AppError::Forbidden);
    }
    // The limit counts what was sent (as the API's schema states), surrounding blanks too.
    let sent = name;
    let name = name.trim();
    let mut errs = Vec::new();
    if name.is_empty() {
        errs.push(FieldError::new("name", "err-required"));
    } else if let Err(e) = sanshe_domain::text::check("name", sent, 64) {
        errs.push(e);
    }
    if let Some(d) = expires_days {
        if !(1..=3650).contains(&d) {
            errs.push(
                FieldError::new("expires_days", "err-range")
                    .arg("min", 1)
                    .arg("max", 3650),
            );
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let secret = format!("sst_{}", random_hex(24)?);
    let prefix = secret[..12].to_owned();
    let mut tx = crate::uow::Uow::begin(app).await?;
    target_user(&mut tx, user_id).await?;
    let id = tokens::insert(
        &mut tx,
        user_id,
        name,
        &prefix,
        &sm3_hex(&secret),
        expires_days.map(|d| now() + d * 86_400),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::TokenCreate,
        Some(id.to_string()),
        format!("token {name} ({prefix}…) for user {user_id}"),
        Outcome::Success,
    ))
    .await?;
    Ok(CreatedToken { id, secret })
}

pub async fn list_tokens(app: &App, ctx: &Ctx) -> Result<Vec<tokens::TokenRow>, AppError> {
    let id = ctx.actor()?.user_id.ok_or(AppError::Forbidden)?;
    let mut c = app.db.acquire().await?;
    Ok(tokens::for_user(&mut c, id).await?)
}

pub async fn revoke_token(app: &App, ctx: &Ctx, token_id: i64) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let row = tokens::get(&mut tx, token_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !actor.is_cli && actor.user_id != Some(row.user_id) {
        return Err(AppError::NotFound);
    }
    tokens::revoke(&mut tx, token_id).await?;
    tx.commit(ctx.audit_entry(
        Action::TokenRevoke,
        Some(token_id.to_string()),
        format!("token {} revoked", row.prefix),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}
