//! The home page: a dashboard per role (the registries fill it in later).

use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::view::{num, with_page, Page};
use askama::Template;
use axum::response::IntoResponse;
use sanshe_app::authz::{can, Perm};

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    p: Page,
    intro: String,
    stats: Vec<(String, String)>,
    tasks: Vec<(&'static str, String)>,
    password_expired: bool,
    demo: bool,
    calendar_missing: Option<i32>,
}

pub async fn home(rc: Rc) -> PageResult {
    // Anonymous visitors land on the public portal (with a link to sign in).
    let Some(actor) = rc.actor().cloned() else {
        return Ok(axum::response::Redirect::to("/public").into_response());
    };
    let tr = rc.tr;
    let mut stats = Vec::new();
    let mut tasks = Vec::new();
    if can(&actor, Perm::AreaRead) {
        let counts = sanshe_app::areas::count_by_level(&rc.app, &rc.ctx)
            .await
            .page(&rc)?;
        for (level, key) in [
            ("district", "level-district-plural"),
            ("street", "level-street-plural"),
            ("community", "level-community-plural"),
        ] {
            let n = counts.iter().find(|(l, _)| l == level).map(|(_, n)| *n);
            if n.is_some() {
                stats.push((tr.t(key).to_owned(), num(n)));
            }
        }
        tasks.push(("/areas", tr.t("task-browse-areas").to_owned()));
    }
    if can(&actor, Perm::AreaImport) {
        tasks.push(("/areas/import", tr.t("task-import-areas").to_owned()));
    }
    if can(&actor, Perm::UserManage) {
        tasks.push(("/users/new", tr.t("task-create-user").to_owned()));
    }
    if can(&actor, Perm::UserRead) {
        tasks.push(("/users", tr.t("task-users").to_owned()));
    }
    if can(&actor, Perm::AuditRead) {
        tasks.push(("/audit", tr.t("task-audit").to_owned()));
    }
    if can(&actor, Perm::NeedRaise) {
        tasks.push(("/needs/new", tr.t("task-raise-need").to_owned()));
        tasks.push(("/needs", tr.t("task-my-needs").to_owned()));
    }
    if can(&actor, Perm::NeedRead) {
        tasks.push((
            "/needs?state=submitted&sort=due",
            tr.t("task-needs-open").to_owned(),
        ));
        tasks.push(("/needs/stats", tr.t("task-needs-stats").to_owned()));
    }
    if can(&actor, Perm::ProposalRead) {
        tasks.push(("/proposals", tr.t("task-proposals").to_owned()));
    }
    if can(&actor, Perm::PanelServe)
        || can(&actor, Perm::PurchaseManage)
        || can(&actor, Perm::PurchaseApply)
    {
        tasks.push((
            "/purchase/evaluations",
            tr.t("home-task-evaluations").to_owned(),
        ));
        tasks.push(("/venture", tr.t("home-task-venture").to_owned()));
    }
    if can(&actor, Perm::PurchaseServe) {
        tasks.push(("/purchase/my-service", tr.t("task-my-service").to_owned()));
    }
    tasks.push(("/inbox", tr.t("task-inbox").to_owned()));
    tasks.push(("/account", tr.t("task-account").to_owned()));
    tasks.push(("/api/docs", tr.t("task-api").to_owned()));
    let demo = sanshe_app::areas::has_demo(&rc.app).await.page(&rc)?;
    let page = HomePage {
        p: Page::new(&rc, "nav-home"),
        intro: tr
            .t(&format!("home-intro-{}", actor.role.as_str()))
            .to_owned(),
        stats,
        tasks,
        password_expired: actor.password_expired,
        demo,
        calendar_missing: sanshe_app::calendar::missing_for(&rc.app, &rc.ctx)
            .await
            .page(&rc)?,
    };
    Ok(with_page(&rc, &page))
}
