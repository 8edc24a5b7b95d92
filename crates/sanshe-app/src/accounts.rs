//! Accounts: login, sessions, API tokens, account administration.

use crate::authz::{self, Perm};
use crate::security::{constant_time_eq, hash_password, random_hex, sm3_hex, verify_password};
use crate::uow::Uow;
use crate::{Actor, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::role::ScopeKind;
use sanshe_domain::{AreaCode, FieldError, Role, Scope};
use sanshe_store::audit::{self as audit_store, now};
use sanshe_store::users::{UserFilter, UserRow};
use sanshe_store::{areas, orgs, sessions, tokens, users, PageReq, Paged};

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

pub async fn login(
    app: &App,
    ctx: &Ctx,
    username: &str,
    password: &str,
) -> Result<NewSession, AppError> {
    let s = &app.settings;
    let username = username.trim();
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
    // The password is checked before the write transaction starts: on SQLite writes queue
    // on one connection, and argon2 must not hold the queue.
    let user = {
        let mut r = app.db.acquire().await?;
        users::by_username(&mut r, username).await?
    };
    let password_ok = user
        .as_ref()
        .is_some_and(|u| verify_password(password, &u.password_hash));
    let mut c = Uow::begin(app).await?;
    let t = now();
    let fail = |reason: &str| {
        ctx.audit_entry(
            Action::Login,
            Some(username.to_owned()),
            reason.to_owned(),
            Outcome::Failure,
        )
    };
    let Some(user) = user else {
        users::add_login_failure(&mut c, username, ctx.client.as_deref()).await?;
        c.commit(fail("unknown user")).await?;
        return Err(AppError::BadCredentials);
    };
    if user.locked {
        c.commit(fail("account locked by administrator")).await?;
        return Err(AppError::AccountLocked);
    }
    if let Some(until) = user.locked_until.filter(|u| *u > t) {
        c.commit(fail("account in lockout")).await?;
        return Err(AppError::LockedOut(until));
    }
    if !password_ok {
        users::add_login_failure(&mut c, username, ctx.client.as_deref()).await?;
        let since = t - s.lockout_window_minutes * 60;
        let n = users::count_login_failures(&mut c, username, since).await?;
        let failed = fail(&format!("wrong password ({n} in window)"));
        if n >= s.lockout_threshold {
            c.audit(&failed);
            let until = t + s.lockout_minutes * 60;
            users::set_locked_until(&mut c, user.id, until).await?;
            users::clear_login_failures(&mut c, username).await?;
            c.commit(ctx.audit_entry(
                Action::Lockout,
                Some(user.id.to_string()),
                format!(
                    "{username} locked out for {} minutes after {n} failures",
                    s.lockout_minutes
                ),
                Outcome::Success,
            ))
            .await?;
            return Err(AppError::LockedOut(until));
        }
        c.commit(failed).await?;
        return Err(AppError::BadCredentials);
    }
    users::clear_login_failures(&mut c, username).await?;
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
    )
    .await?;
    let actor = actor_from_user(&user, s.password_max_age_days)?;
    let ok = Ctx {
        actor: Some(actor.clone()),
        ..ctx.clone()
    };
    c.commit(ok.audit_entry(
        Action::Login,
        Some(user.id.to_string()),
        "login".into(),
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
    if user.locked || user.locked_until.is_some_and(|u| u > t) {
        return Ok(None);
    }
    if t - sess.last_seen >= 30 {
        drop(c);
        if let Ok(mut b) = app.db.bookkeeping().await {
            if let Err(e) = sessions::touch(&mut b, &hash).await {
                tracing::debug!(error = %e, "session activity not recorded this time");
            }
        }
    }
    Ok(Some((
        actor_from_user(&user, app.settings.password_max_age_days)?,
        sess.csrf,
    )))
}

pub fn csrf_matches(expected: &str, given: &str) -> bool {
    !given.is_empty() && constant_time_eq(expected, given)
}

/// Resolves a bearer token to its owner.
pub async fn resolve_token(app: &App, token: &str) -> Result<Option<Actor>, AppError> {
    let mut c = app.db.acquire().await?;
    let Some(row) = tokens::by_hash(&mut c, &sm3_hex(token)).await? else {
        return Ok(None);
    };
    let t = now();
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|e| e < t) {
        return Ok(None);
    }
    let Some(user) = users::get(&mut c, row.user_id).await? else {
        return Ok(None);
    };
    if user.locked || user.locked_until.is_some_and(|u| u > t) {
        return Ok(None);
    }
    if row.last_used_at.is_none_or(|l| t - l >= 60) {
        drop(c);
        if let Ok(mut b) = app.db.bookkeeping().await {
            if let Err(e) = tokens::touch(&mut b, row.id).await {
                tracing::debug!(error = %e, "token use not recorded this time");
            }
        }
    }
    // API tokens do not expire with the password; the password-age rule applies to logins.
    let mut actor = actor_from_user(&user, 0)?;
    actor.password_expired = false;
    Ok(Some(actor))
}

fn validate_username(name: &str) -> Result<(), FieldError> {
    let n = name.chars().count();
    if n == 0 {
        return Err(FieldError::new("username", "err-required"));
    }
    if !(3..=64).contains(&n)
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(FieldError::new("username", "err-username-format"));
    }
    Ok(())
}

/// Resolves and checks the scope a role needs: an area of the right level, or an
/// organization (by id or exact name).
async fn resolve_scope(
    c: &mut sanshe_store::Conn,
    role: Role,
    scope: Option<&str>,
) -> Result<(Option<String>, Option<i64>), FieldError> {
    let scope = scope.map(str::trim).filter(|s| !s.is_empty());
    match role.scope_kind() {
        ScopeKind::None => {
            if scope.is_some() {
                return Err(FieldError::new("scope", "err-scope-not-allowed"));
            }
            Ok((None, None))
        }
        ScopeKind::Area(level) => {
            let raw = scope.ok_or_else(|| FieldError::new("scope", "err-scope-area-required"))?;
            let code = AreaCode::parse(raw).map_err(|e| FieldError {
                field: "scope".into(),
                ..e
            })?;
            if code.level() != level {
                return Err(FieldError::new("scope", "err-scope-area-level"));
            }
            if !areas::exists(c, code.as_str())
                .await
                .map_err(|_| FieldError::new("scope", "err-internal"))?
            {
                return Err(FieldError::new("scope", "err-area-unknown").arg("code", code.as_str()));
            }
            Ok((Some(code.as_str().to_owned()), None))
        }
        ScopeKind::Org => {
            let raw = scope.ok_or_else(|| FieldError::new("scope", "err-scope-org-required"))?;
            let found = match raw.parse::<i64>() {
                Ok(id) => orgs::get(c, id).await,
                Err(_) => orgs::find_by_name(c, raw).await,
            }
            .map_err(|_| FieldError::new("scope", "err-internal"))?;
            let org = found.ok_or_else(|| FieldError::new("scope", "err-org-unknown"))?;
            Ok((None, Some(org.id)))
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct NewUserInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub scope: Option<String>,
    pub password: String,
}

pub async fn create_user(app: &App, ctx: &Ctx, input: &NewUserInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::UserManage)?;
    let mut errs = Vec::new();
    let username = input.username.trim();
    if let Err(e) = validate_username(username) {
        errs.push(e);
    }
    let display = input.display_name.trim();
    if display.is_empty() {
        errs.push(FieldError::new("display_name", "err-required"));
    } else if display.chars().count() > 64 {
        errs.push(FieldError::new("display_name", "err-too-long").arg("max", 64));
    }
    let role = Role::parse(input.role.trim());
    // argon2 runs before the write transaction: on SQLite writes queue on one connection.
    let policy_ok = app
        .settings
        .password_policy()
        .check(username, &input.password)
        .is_ok();
    let hash = if policy_ok {
        Some(hash_password(&input.password)?)
    } else {
        None
    };
    let mut tx = crate::uow::Uow::begin(app).await?;
    let mut scope = (None, None);
    match role {
        None => errs.push(FieldError::new("role", "err-role-unknown")),
        Some(r) => {
            if !actor.is_cli && !authz::creatable_by_system_admin(r) {
                errs.push(FieldError::new("role", "err-role-admin-reserved"));
            }
            match resolve_scope(&mut tx, r, input.scope.as_deref()).await {
                Ok(s) => scope = s,
                Err(e) => errs.push(e),
            }
        }
    }
    if let Err(e) = app
        .settings
        .password_policy()
        .check(username, &input.password)
    {
        errs.push(e);
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    if users::by_username(&mut tx, username).await?.is_some() {
        return Err(AppError::Conflict(FieldError::new(
            "username",
            "err-username-taken",
        )));
    }
    let role = role.ok_or(AppError::Forbidden)?;
    let hash = hash.ok_or_else(|| AppError::Internal("password hash missing".into()))?;
    let id = users::insert(
        &mut tx,
        &users::NewUser {
            username,
            display_name: display,
            role: role.as_str(),
            scope_area: scope.0.as_deref(),
            scope_org: scope.1,
            password_hash: &hash,
        },
    )
    .await
    .map_err(|e| {
        if e.is_unique_violation() {
            AppError::Conflict(FieldError::new("username", "err-username-taken"))
        } else {
            e.into()
        }
    })?;
    let scope_desc = scope
        .0
        .clone()
        .or(scope.1.map(|i| format!("org {i}")))
        .unwrap_or_else(|| "-".into());
    tx.commit(ctx.audit_entry(
        Action::UserCreate,
        Some(id.to_string()),
        format!(
            "created {username} ({display}) role={} scope={scope_desc}",
            role.as_str()
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

pub async fn list_users(
    app: &App,
    ctx: &Ctx,
    f: &UserFilter,
    page: PageReq,
) -> Result<Paged<UserRow>, AppError> {
    authz::require(ctx.actor()?, Perm::UserRead)?;
    let mut c = app.db.acquire().await?;
    Ok(users::list(&mut c, f, page).await?)
}

pub async fn get_user(app: &App, ctx: &Ctx, id: i64) -> Result<UserRow, AppError> {
    authz::require(ctx.actor()?, Perm::UserRead)?;
    let mut c = app.db.acquire().await?;
    users::get(&mut c, id).await?.ok_or(AppError::NotFound)
}

pub async fn find_user(app: &App, username: &str) -> Result<Option<UserRow>, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(users::by_username(&mut c, username).await?)
}

async fn target_user(tx: &mut sanshe_store::Conn, id: i64) -> Result<UserRow, AppError> {
    users::get(tx, id).await?.ok_or(AppError::NotFound)
}

pub async fn set_locked(app: &App, ctx: &Ctx, id: i64, locked: bool) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::UserManage)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let u = target_user(&mut tx, id).await?;
    if actor.user_id == Some(id) {
        return Err(AppError::invalid(FieldError::new("user", "err-self-lock")));
    }
    users::set_locked(&mut tx, id, locked).await?;
    if locked {
        sessions::delete_for_user(&mut tx, id).await?;
    } else {
        users::clear_login_failures(&mut tx, &u.username).await?;
    }
    let action = if locked {
        Action::UserLock
    } else {
        Action::UserUnlock
    };
    tx.commit(ctx.audit_entry(
        action,
        Some(id.to_string()),
        format!("{} {}", action.name(), u.username),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

pub async fn reset_password(app: &App, ctx: &Ctx, id: i64, password: &str) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::UserManage)?;
    let u = {
        let mut r = app.db.acquire().await?;
        target_user(&mut r, id).await?
    };
    if !actor.is_cli
        && Role::parse(&u.role).is_some_and(Role::is_admin)
        && actor.user_id != Some(id)
    {
        // Another administrator's credentials are not the system administrator's to set.
        return Err(AppError::Forbidden);
    }
    app.settings
        .password_policy()
        .check(&u.username, password)
        .map_err(AppError::invalid)?;
    // argon2 before the write transaction (SQLite writes queue on one connection).
    let hash = hash_password(password)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    users::set_password(&mut tx, id, &hash).await?;
    sessions::delete_for_user(&mut tx, id).await?;
    tx.commit(ctx.audit_entry(
        Action::UserResetPassword,
        Some(id.to_string()),
        format!("password reset for {}", u.username),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

pub async fn change_role(
    app: &App,
    ctx: &Ctx,
    id: i64,
    role: &str,
    scope: Option<&str>,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::UserRoles)?;
    if actor.user_id == Some(id) {
        return Err(AppError::invalid(FieldError::new("role", "err-self-role")));
    }
    let mut tx = crate::uow::Uow::begin(app).await?;
    let u = target_user(&mut tx, id).await?;
    let r = Role::parse(role.trim())
        .ok_or_else(|| AppError::invalid(FieldError::new("role", "err-role-unknown")))?;
    let (area, org) = resolve_scope(&mut tx, r, scope)
        .await
        .map_err(AppError::invalid)?;
    users::set_role(&mut tx, id, r.as_str(), area.as_deref(), org).await?;
    sessions::delete_for_user(&mut tx, id).await?;
    tx.commit(ctx.audit_entry(
        Action::UserChangeRole,
        Some(id.to_string()),
        format!(
                "{}: role {} → {} scope={}",
                u.username,
                u.role,
                r.as_str(),
                area.or(org.map(|o| format!("org {o}")))
                    .unwrap_or_else(|| "-".into())
            ),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

pub async fn change_own_password(
    app: &App,
    ctx: &Ctx,
    current: &str,
    new: &str,
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
    users::set_password(&mut tx, id, &hash).await?;
    tx.commit(ctx.audit_entry(
        Action::UserChangePassword,
        Some(id.to_string()),
        "own password changed".into(),
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
    let name = name.trim();
    let mut errs = Vec::new();
    if name.is_empty() {
        errs.push(FieldError::new("name", "err-required"));
    } else if name.chars().count() > 64 {
        errs.push(FieldError::new("name", "err-too-long").arg("max", 64));
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
