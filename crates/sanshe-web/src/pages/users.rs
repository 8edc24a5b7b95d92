//! Account administration: the system administrator creates, locks and resets; the
//! security administrator assigns roles and scopes.

use super::{FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{opt_datetime, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use sanshe_app::accounts::{self, NewUserInput};
use sanshe_app::authz::{can, Perm};
use sanshe_app::AppError;
use sanshe_domain::Role;
use sanshe_store::users::{UserFilter, UserRow};
use serde::Deserialize;

pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub role_key: String,
    pub scope: String,
    pub status: String,
    pub locked: bool,
    pub last_login: String,
    pub created: String,
}

fn view(rc: &Rc, u: &UserRow) -> UserView {
    let locked_out = u
        .locked_until
        .is_some_and(|t| t > sanshe_store::audit::now());
    UserView {
        id: u.id,
        username: u.username.clone(),
        display_name: u.display_name.clone(),
        role: rc.tr.role(&u.role).to_owned(),
        role_key: u.role.clone(),
        scope: match (&u.scope_area, &u.scope_area_name, &u.scope_org_name) {
            (Some(code), Some(name), _) => format!("{name} ({code})"),
            (_, _, Some(org)) => org.clone(),
            _ => "—".into(),
        },
        status: rc
            .tr
            .t(if u.locked {
                "status-locked"
            } else if locked_out {
                "status-locked-out"
            } else {
                "status-active"
            })
            .to_owned(),
        locked: u.locked || locked_out,
        last_login: opt_datetime(u.last_login_at),
        created: opt_datetime(Some(u.created_at)),
    }
}

fn roles(rc: &Rc, only_creatable: bool) -> Vec<(&'static str, String)> {
    Role::ALL
        .iter()
        .filter(|r| !only_creatable || sanshe_app::authz::creatable_by_system_admin(**r))
        .map(|r| (r.as_str(), rc.tr.role(r.as_str()).to_owned()))
        .collect()
}

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    p: Page,
    q: String,
    role: String,
    roles: Vec<(&'static str, String)>,
    rows: Vec<UserView>,
    pager: Pager,
    can_create: bool,
}

#[derive(Deserialize, Default)]
pub struct UsersQuery {
    q: Option<String>,
    role: Option<String>,
    page: Option<String>,
}

pub async fn list(rc: Rc, Query(q): Query<UsersQuery>) -> PageResult {
    let page = super::opt_i64(&q.page).unwrap_or(None);
    let f = UserFilter {
        q: q.q
            .clone()
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_owned()),
        role: q.role.clone().filter(|r| Role::parse(r).is_some()),
        locked: None,
    };
    let res = accounts::list_users(&rc.app, &rc.ctx, &f, crate::view::page_req(page, Some(50)))
        .await
        .page(&rc)?;
    let params = [
        ("q", q.q.clone().unwrap_or_default()),
        ("role", q.role.clone().unwrap_or_default()),
    ];
    let page = UsersPage {
        p: Page::new(&rc, "users-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("", rc.tr.t("users-title")),
        q: q.q.unwrap_or_default(),
        role: q.role.unwrap_or_default(),
        roles: roles(&rc, false),
        rows: res.items.iter().map(|u| view(&rc, u)).collect(),
        pager: Pager::new("/users", &params, &res),
        can_create: rc.actor().is_some_and(|a| can(a, Perm::UserManage)),
    };
    Ok(with_page(&rc, &page))
}

#[derive(Template)]
#[template(path = "accounts/user_new.html")]
struct NewUserPage {
    p: Page,
    f: NewUserForm,
    roles: Vec<(&'static str, String)>,
    errors: FormErrors,
}

#[derive(Deserialize, Default, Clone)]
pub struct NewUserForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    password: String,
}

fn new_page(rc: &Rc, f: NewUserForm, errors: FormErrors) -> NewUserPage {
    NewUserPage {
        p: Page::new(rc, "user-new-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/users", rc.tr.t("users-title"))
            .crumb("", rc.tr.t("user-new-title")),
        f: NewUserForm {
            password: String::new(),
            ..f
        },
        roles: roles(rc, true),
        errors,
    }
}

pub async fn new_form(rc: Rc) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    sanshe_app::authz::require(actor, Perm::UserManage).page(&rc)?;
    Ok(with_page(
        &rc,
        &new_page(&rc, NewUserForm::default(), FormErrors::default()),
    ))
}

pub async fn create(rc: Rc, Form(f): Form<NewUserForm>) -> PageResult {
    let input = NewUserInput {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        scope: Some(f.scope.clone()),
        password: f.password.clone(),
    };
    match accounts::create_user(&rc.app, &rc.ctx, &input).await {
        Ok(id) => Ok(redirect_flash(
            &format!("/users/{id}"),
            "flash-user-created",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(fe) => {
                let mut r = with_page(&rc, &new_page(&rc, f, fe));
                *r.status_mut() = crate::error::status_of(&e);
                Ok(r)
            }
            None => Err(PageError::new(e, &rc)),
        },
    }
}

#[derive(Template)]
#[template(path = "accounts/user.html")]
struct UserPage {
    p: Page,
    u: UserView,
    can_manage: bool,
    can_roles: bool,
    /// The security administrator may clear this user's second factor.
    can_reset_mfa: bool,
    mfa_enabled: bool,
    roles: Vec<(&'static str, String)>,
    scope_value: String,
    errors: FormErrors,
}

async fn user_page(rc: &Rc, id: i64, errors: FormErrors) -> PageResult {
    let u = accounts::get_user(&rc.app, &rc.ctx, id).await.page(rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    let is_self = actor.user_id == Some(id);
    let scope_value = u
        .scope_area
        .clone()
        .or(u.scope_org.map(|o| o.to_string()))
        .unwrap_or_default();
    let page = UserPage {
        p: Page::new(rc, "user-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/users", rc.tr.t("users-title"))
            .crumb("", u.username.clone()),
        u: view(rc, &u),
        can_manage: can(actor, Perm::UserManage) && !is_self,
        can_roles: can(actor, Perm::UserRoles) && !is_self,
        can_reset_mfa: can(actor, Perm::MfaReset) && u.totp_enabled,
        mfa_enabled: u.totp_enabled,
        roles: roles(rc, false),
        scope_value,
        errors,
    };
    let mut r = with_page(rc, &page);
    if !page.errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn detail(rc: Rc, Path(id): Path<i64>) -> PageResult {
    user_page(&rc, id, FormErrors::default()).await
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: Option<String>,
}

fn confirmed(rc: &Rc, c: &Option<String>) -> Result<(), AppError> {
    let _ = rc;
    if c.as_deref() == Some("yes") {
        Ok(())
    } else {
        Err(AppError::invalid(sanshe_domain::FieldError::new(
            "confirm",
            "err-confirm",
        )))
    }
}

async fn after(rc: &Rc, id: i64, res: Result<(), AppError>, flash: &str) -> PageResult {
    match res {
        Ok(()) => Ok(redirect_flash(&format!("/users/{id}"), flash)),
        Err(e) => match FormErrors::from_app(&e, rc) {
            Some(fe) => user_page(rc, id, fe).await,
            None => Err(PageError::new(e, rc)),
        },
    }
}

pub async fn lock(rc: Rc, Path(id): Path<i64>, Form(f): Form<ConfirmForm>) -> PageResult {
    let res = async {
        sanshe_app::authz::require(rc.ctx.actor()?, Perm::UserManage)?;
        confirmed(&rc, &f.confirm)?;
        accounts::set_locked(&rc.app, &rc.ctx, id, true).await
    }
    .await;
    after(&rc, id, res, "flash-user-locked").await
}

pub async fn unlock(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let res = accounts::set_locked(&rc.app, &rc.ctx, id, false).await;
    after(&rc, id, res, "flash-user-unlocked").await
}

#[derive(Deserialize, Default)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: Option<String>,
}

pub async fn reset_password(rc: Rc, Path(id): Path<i64>, Form(f): Form<ResetForm>) -> PageResult {
    let res = async {
        sanshe_app::authz::require(rc.ctx.actor()?, Perm::UserManage)?;
        confirmed(&rc, &f.confirm)?;
        accounts::reset_password(&rc.app, &rc.ctx, id, &f.password).await
    }
    .await;
    after(&rc, id, res, "flash-password-reset").await
}

#[derive(Deserialize, Default)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    scope: String,
}

pub async fn change_role(rc: Rc, Path(id): Path<i64>, Form(f): Form<RoleForm>) -> PageResult {
    let res = accounts::change_role(&rc.app, &rc.ctx, id, &f.role, Some(&f.scope)).await;
    after(&rc, id, res, "flash-role-changed").await
}
