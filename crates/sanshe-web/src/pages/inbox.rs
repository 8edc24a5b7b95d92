//! The inbox: a user's notices, newest first; opening one marks it read and follows its link.

use super::{opt_i64, OrPage, PageResult};
use crate::ctx::Rc;
use crate::view::{datetime, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Redirect};
use sanshe_app::inbox;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct InboxQuery {
    pub unread: Option<String>,
    pub page: Option<String>,
}

pub struct Item {
    pub id: i64,
    pub at: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub read: bool,
}

#[derive(Template)]
#[template(path = "inbox/list.html")]
struct InboxPage {
    p: Page,
    items: Vec<Item>,
    pager: Pager,
    unread_only: bool,
}

/// The notice kinds' labels (a closed list; a test checks both locale files).
pub fn kind_key(kind: &str) -> String {
    format!("inbox-kind-{}", kind.replace('.', "-"))
}

pub async fn list(rc: Rc, Query(q): Query<InboxQuery>) -> PageResult {
    let unread_only = q.unread.as_deref() == Some("1");
    let page = opt_i64(&q.page).unwrap_or(None);
    let res = inbox::list(
        &rc.app,
        &rc.ctx,
        unread_only,
        crate::view::page_req(page, Some(30)),
    )
    .await
    .page(&rc)?;
    let params = vec![("unread", q.unread.clone().unwrap_or_default())];
    let page = InboxPage {
        p: Page::new(&rc, "inbox-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("", rc.tr.t("inbox-title")),
        items: res
            .items
            .iter()
            .map(|n| Item {
                id: n.id,
                at: datetime(n.at),
                kind: rc.tr.t(&kind_key(&n.notice.kind)).to_owned(),
                title: n.notice.title.clone(),
                body: n.notice.body.clone(),
                read: n.read_at.is_some(),
            })
            .collect(),
        pager: Pager::new("/inbox", &params, &res),
        unread_only,
    };
    Ok(with_page(&rc, &page))
}

/// Marks a notice read and opens what it is about.
pub async fn open(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let link = inbox::mark_read(&rc.app, &rc.ctx, Some(id))
        .await
        .page(&rc)?
        .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .unwrap_or_else(|| "/inbox".into());
    Ok(Redirect::to(&link).into_response())
}

pub async fn read_all(rc: Rc) -> PageResult {
    inbox::mark_read(&rc.app, &rc.ctx, None).await.page(&rc)?;
    Ok(redirect_flash("/inbox", "flash-saved"))
}
