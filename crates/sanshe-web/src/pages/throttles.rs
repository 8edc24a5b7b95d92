//! Sign-in throttles for the security administrator: who is waiting, and a button to lift.

use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::view::{datetime, redirect_flash, with_page, Page};
use askama::Template;
use axum::Form;
use serde::Deserialize;

pub struct Row {
    pub kind: &'static str,
    pub kind_label: String,
    pub key: String,
    pub failures: i64,
    pub last_at: String,
    pub until: Option<String>,
}

#[derive(Template)]
#[template(path = "accounts/throttles.html")]
struct ThrottlesPage {
    p: Page,
    rows: Vec<Row>,
    intro: String,
}

pub async fn list(rc: Rc) -> PageResult {
    let rows = sanshe_app::accounts::throttle::list(&rc.app, &rc.ctx)
        .await
        .page(&rc)?;
    let s = &rc.app.settings;
    let page = ThrottlesPage {
        p: Page::new(&rc, "throttles-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/users", rc.tr.t("nav-users"))
            .crumb("", rc.tr.t("throttles-title")),
        rows: rows
            .into_iter()
            .map(|t| Row {
                kind: t.kind,
                kind_label: rc
                    .tr
                    .t(if t.kind == "name" {
                        "throttle-kind-name"
                    } else {
                        "throttle-kind-client"
                    })
                    .to_owned(),
                key: t.key,
                failures: t.failures,
                last_at: datetime(t.last_at),
                until: t.until.map(datetime),
            })
            .collect(),
        intro: rc.tr.f(
            "throttles-intro",
            &[
                ("threshold", s.lockout_threshold.to_string()),
                (
                    "client_threshold",
                    (s.lockout_threshold * sanshe_app::accounts::throttle::CLIENT_FACTOR)
                        .to_string(),
                ),
                ("window", s.lockout_window_minutes.to_string()),
                ("cap", s.lockout_minutes.to_string()),
            ],
        ),
    };
    Ok(with_page(&rc, &page))
}

#[derive(Deserialize)]
pub struct LiftForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    key: String,
}

pub async fn lift(rc: Rc, Form(f): Form<LiftForm>) -> PageResult {
    sanshe_app::accounts::throttle::lift(&rc.app, &rc.ctx, &f.kind, &f.key)
        .await
        .page(&rc)?;
    Ok(redirect_flash(
        "/security/throttles",
        "flash-throttle-lifted",
    ))
}
