//! Accounts: login, sessions, API tokens, account administration.

use crate::security::{constant_time_eq, random_hex, sm3_hex, verify_password};
use crate::uow::Uow;
use crate::{Actor, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::{FieldError, Role, Scope};
use sanshe_store::audit::{self as audit_store, now};
use sanshe_store::users::UserRow;
use sanshe_store::{sessions, tokens, users};
mod admin;
pub mod mfa;
mod own;
pub mod throttle;
pub use admin::*;
pub use own::*;

pub const SESSION_COOKIE: &str = "sanshe_session";

pub fn actor_from_user(u: &UserRow, max_age_days: i64) -> Result<Actor, AppError> {
    let role = Role::parse(&u.role)
        .ok_or_else(|| AppError::Internal(format!("unknown role {}", u.role)))?;
    let scope = match (&u.scope_area, u.scope_org) {
        (Some(code), _) => Scope::Area { code: code.clone() },
        (None, Some(id)) => Scope::Org { id },
        _ => Scope::None,
    };
    Ok(Actor {
        user_id: Some(u.id),
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role,
        scope,
        scope_name: u
            .scope_area_name
            .clone()
            .or_else(|| u.scope_org_name.clone()),
        locale: u.locale.clone(),
        is_cli: false,
        password_expired: max_age_days > 0 && now() - u.password_changed_at > max_age_days * 86_400,
        must_change_password: u.must_change_password,
        mfa_pending: false,
        mfa_setup_required: false,
    })
}

/// Records an event that changes nothing else (a denial), as its own unit of work.
async fn audit(app: &App, e: audit_store::NewAuditEntry) -> Result<(), AppError> {
    Uow::begin(app).await?.commit(e).await
}

/// A new session: the cookie value (given to the browser only) and its CSRF token.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
    pub actor: Actor,
}

/// The longest user name (see `admin::validate_username`); anything longer is cut before
/// it is looked up or stored.
pub const USERNAME_MAX: usize = 64;

/// Verifies a password against a hash nobody has, so that a sign-in for an unknown name
/// costs the same time as one for a known name with a wrong password.
fn verify_against_nobody(password: &str) {
    static NOBODY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = NOBODY.get_or_init(|| {
        random_hex(16)
            .and_then(|p| crate::security::hash_password(&p))
            .unwrap_or_default()
    });
    let _ = verify_password(password, hash);
}

/// Signs in. Known and unknown names get the same answers in the same time; failures
/// throttle the name and the client address with growing delays (see `throttle`), without
/// touching the account itself.
pub async fn login(
    app: &App,
    ctx: &Ctx,
    username: &str,
    password: &str,
) -> Result<NewSession, AppError> {
    let s = &app.settings;
    // Bounded and cleaned before anything is looked up or stored: what a visitor typed
    // reaches the failure table and the audit log, never more than USERNAME_MAX characters.
    let username = sanshe_domain::text::bounded(username.trim(), USERNAME_MAX);
    let username = username.as_str();
    if username.is_empty() || password.is_empty() {
        let mut errs = Vec::new();
        if username.is_empty() {
            errs.push(FieldError::new("username", "err-required"));
        }
        if password.is_empty() {
            errs.push(FieldError::new("password", "err-required"));
        }
        return Err(AppError::Invalid(errs));
    }
    let t = now();
    let fail = |reason: String, outcome: Outcome| {
        ctx.audit_entry(Action::Login, Some(username.to_owned()), reason, outcome)
    };
    // The throttle and the password are checked before the write transaction starts: on
    // SQLite writes queue on one connection, and argon2 must not hold the queue.
    let (counts, user) = {
        let mut r = app.db.acquire().await?;
        let since = t - s.lockout_window_minutes * 60;
        let counts =
            users::login_failures_since(&mut r, username, ctx.client.as_deref(), since).await?;
        (counts, users::by_username(&mut r, username).await?)
    };
    if let Some(until) = throttle::until(&counts, s, t) {
        audit(
            app,
            ctx.audit_entry(
                Action::Throttle,
                Some(username.to_owned()),
                format!(
                    "sign-in refused until {until}: {} failures for the name, {} from the address",
                    counts.name_failures, counts.client_failures
                ),
                Outcome::Denied,
            ),
        )
        .await?;
        return Err(AppError::Throttled(until));
    }
    let password_ok = match &user {
        Some(u) => verify_password(password, &u.password_hash),
        None => {
            verify_against_nobody(password);
            false
        }
    };
    let mut c = Uow::begin(app).await?;
    let user = match user {
        Some(u) if password_ok => u,
        known => {
            users::add_login_failure(&mut c, username, ctx.client.as_deref()).await?;
            let n = counts.name_failures + 1;
            let why = if known.is_some() {
                "wrong password"
            } else {
                "unknown user"
            };
            c.commit(fail(format!("{why} ({n} in window)"), Outcome::Failure))
                .await?;
            return Err(AppError::BadCredentials);
        }
    };
    if user.locked {
        // Said only to someone who knows the password.
        c.commit(fail(
            "account locked by administrator".into(),
            Outcome::Denied,
        ))
        .await?;
        return Err(AppError::AccountLocked);
    }
    // With a second factor to come, the failures stay until it is given (clearing them here
    // would let someone holding the password guess codes without limit).
    if !user.totp_enabled {
        users::clear_login_failures(&mut c, username).await?;
    }
    users::record_login(&mut c, user.id).await?;
    let token = random_hex(32)?;
    let csrf = random_hex(32)?;
    sessions::create(
        &mut c,
        &sm3_hex(&token),
        user.id,
        &csrf,
        t + s.session_max_hours * 3600,
        ctx.client.as_deref(),
        user.totp_enabled,
    )
    .await?;
    let mut actor = actor_from_user(&user, s.password_max_age_days)?;
    actor.mfa_pending = user.totp_enabled;
    let ok = Ctx {
        actor: Some(actor.clone()),
        ..ctx.clone()
    };
    c.commit(ok.audit_entry(
        Action::Login,
        Some(user.id.to_string()),
        if user.totp_enabled {
            "password accepted; second factor to follow".into()
        } else {
            "login".into()
        },
        Outcome::Success,
    ))
    .await?;
    Ok(NewSession { token, csrf, actor })
}

pub async fn logout(app: &App, ctx: &Ctx, token: &str) -> Result<(), AppError> {
    let mut c = Uow::begin(app).await?;
    sessions::delete(&mut c, &sm3_hex(token)).await?;
    let (who, summary) = match &ctx.actor {
        Some(a) => (a.user_id.map(|i| i.to_string()), "logout"),
        None => (None, "logout of a session that had already ended"),
    };
    c.commit(ctx.audit_entry(Action::Logout, who, summary.into(), Outcome::Success))
        .await
}

/// Resolves a session cookie to its actor and CSRF token; expired or idle sessions are
/// deleted and yield None.
pub async fn resolve_session(app: &App, token: &str) -> Result<Option<(Actor, String)>, AppError> {
    let hash = sm3_hex(token);
    let mut c = app.db.acquire().await?;
    let Some(sess) = sessions::get(&mut c, &hash).await? else {
        return Ok(None);
    };
    let t = now();
    if sess.expires_at < t || sess.last_seen + app.settings.session_idle_minutes * 60 < t {
        // Bookkeeping, not a change anyone asked for: best effort, never a failed request
        // (on SQLite it may wait behind a long import's write transaction).
        // Best effort on the no-wait connection: never a stalled or failed request. The read
        // connection goes back first: a request never holds two (the pool could run dry).
        drop(c);
        if let Ok(mut b) = app.db.bookkeeping().await {
            if let Err(e) = sessions::delete(&mut b, &hash).await {
                tracing::debug!(error = %e, "expired session left for later");
            }
        }
        return Ok(None);
    }
    let Some(user) = users::get(&mut c, sess.user_id).await? else {
        return Ok(None);
    };
    if user.locked {
        return Ok(None);
    }
    // The read connection goes back before anything else is asked (one at a time).
    drop(c);
    if t - sess.last_seen >= 30 {
        if let Ok(mut b) = app.db.bookkeeping().await {
            if let Err(e) = sessions::touch(&mut b, &hash).await {
                tracing::debug!(error = %e, "session activity not recorded this time");
            }
        }
    }
    let mut actor = actor_from_user(&user, app.settings.password_max_age_days)?;
    actor.mfa_pending = sess.mfa_pending;
    actor.mfa_setup_required = !sess.mfa_pending
        && !user.totp_enabled
        && mfa::role_needs_mfa(actor.role)
        && mfa::required(app).await?;
    Ok(Some((actor, sess.csrf)))
}

pub fn csrf_matches(expected: &str, given: &str) -> bool {
    !given.is_empty() && constant_time_eq(expected, given)
}

/// Resolves a bearer token to its owner.
pub async fn resolve_token(app: &App, token: &str) -> Result<Option<Actor>, AppError> {
    let mut c = app.db.acquire().await?;
    let Some(row) = tokens::holder_by_hash(&mut c, &sm3_hex(token)).await? else {
        return Ok(None);
    };
    drop(c);
    let t = now();
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e < t) {
        return Ok(None);
    }
    let user = row.user;
    if user.locked {
        return Ok(None);
    }
    if row.last_used_at.is_none_or(|l| t - l >= 60) {
        if let Ok(mut b) = app.db.bookkeeping().await {
            if let Err(e) = tokens::touch(&mut b, row.token_id).await {
                tracing::debug!(error = %e, "token use not recorded this time");
            }
        }
    }
    // API tokens do not expire with the password; the password-age rule applies to logins.
    let mut actor = actor_from_user(&user, 0)?;
    actor.password_expired = false;
    Ok(Some(actor))
}

/// Records a denied attempt (authorization failures are security-relevant events).
pub async fn audit_denied(app: &App, ctx: &Ctx, what: &str) -> Result<(), AppError> {
    audit(
        app,
        ctx.audit_entry(
            Action::Access,
            Some(what.to_owned()),
            format!("denied {what}"),
            Outcome::Denied,
        ),
    )
    .await
}
