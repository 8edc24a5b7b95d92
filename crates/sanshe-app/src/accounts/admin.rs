//! Account administration: creating users, their scope, role, lock and password resets.

use crate::authz::{self, Perm};
use crate::security::hash_password;
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::role::ScopeKind;
use sanshe_domain::{AreaCode, FieldError, Role};
use sanshe_store::users::{UserFilter, UserRow};
use sanshe_store::{areas, orgs, sessions, tokens, users, PageReq, Paged};

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
            // Chosen by the administrator: its holder replaces it at first login.
            one_time: !actor.is_cli,
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

/// Separation of the three administrators (三权分立): no administrator locks, demotes or
/// resets another administrator (only the operator at the server's command line may), and
/// not even the operator removes the last active holder of an administrator role.
async fn protect_administrator(
    tx: &mut sanshe_store::Conn,
    actor: &crate::Actor,
    target: &UserRow,
) -> Result<(), AppError> {
    let Some(role) = Role::parse(&target.role).filter(|r| r.is_admin()) else {
        return Ok(());
    };
    if !actor.is_cli {
        return Err(AppError::invalid(FieldError::new(
            "user",
            "err-admin-protected",
        )));
    }
    if !target.locked && users::count_active_with_role(tx, role.as_str()).await? <= 1 {
        return Err(AppError::invalid(FieldError::new("user", "err-last-admin")));
    }
    Ok(())
}

pub(super) async fn target_user(tx: &mut sanshe_store::Conn, id: i64) -> Result<UserRow, AppError> {
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
    if locked {
        protect_administrator(&mut tx, actor, &u).await?;
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
    let own = actor.user_id == Some(id);
    users::set_password(&mut tx, id, &hash, !actor.is_cli && !own).await?;
    sessions::delete_for_user(&mut tx, id).await?;
    let revoked = tokens::revoke_all(&mut tx, id).await?;
    crate::inbox::notify(
        &mut tx,
        &[id],
        "account.password_reset",
        &u.username,
        "",
        "/account",
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::UserResetPassword,
        Some(id.to_string()),
        format!(
            "password reset for {}; every session ended, {revoked} API tokens revoked",
            u.username
        ),
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
    if r.as_str() != u.role {
        protect_administrator(&mut tx, actor, &u).await?;
    }
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
