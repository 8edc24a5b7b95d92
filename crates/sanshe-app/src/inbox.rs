//! The in-app inbox: notices to the people a workflow step concerns, read and marked read by
//! their owner only. Outbound channels (SMS, e-mail, WeChat) are an interface with no network
//! implementation: a deployment plugs one in; by default notices stay in the inbox.

use crate::{App, AppError, Ctx};
use sanshe_store::inbox::{self as store, Notice, NoticeRow};
use sanshe_store::{Conn, PageReq, Paged};

/// A channel that carries a copy of a notice outside the platform.
pub trait Outbound: Send + Sync {
    fn name(&self) -> &'static str;
    /// Sends a copy; an error is logged, never fails the workflow step.
    fn send(&self, user_id: i64, title: &str, link: &str) -> Result<(), String>;
}

/// The default: no outbound channel (an offline government network has none).
pub struct NoOutbound;

impl Outbound for NoOutbound {
    fn name(&self) -> &'static str {
        "none"
    }
    fn send(&self, _: i64, _: &str, _: &str) -> Result<(), String> {
        Ok(())
    }
}

/// Leaves a notice for each user (once per user) inside the caller's unit of work.
pub async fn notify(
    conn: &mut Conn,
    users: &[i64],
    kind: &str,
    title: &str,
    body: &str,
    link: &str,
) -> Result<(), AppError> {
    let mut seen = std::collections::HashSet::new();
    for u in users.iter().filter(|u| seen.insert(**u)) {
        store::insert(
            conn,
            &Notice {
                user_id: *u,
                kind: kind.into(),
                title: title.chars().take(200).collect(),
                body: body.chars().take(2000).collect(),
                link: link.into(),
            },
        )
        .await?;
    }
    Ok(())
}

fn me(ctx: &Ctx) -> Result<i64, AppError> {
    let a = ctx.actor()?;
    // The command line has no inbox.
    a.user_id.ok_or(AppError::NotFound)
}

pub async fn list(
    app: &App,
    ctx: &Ctx,
    unread_only: bool,
    page: PageReq,
) -> Result<Paged<NoticeRow>, AppError> {
    let uid = me(ctx)?;
    let mut c = app.db.acquire().await?;
    Ok(store::list(&mut c, uid, unread_only, page).await?)
}

pub async fn unread(app: &App, ctx: &Ctx) -> Result<i64, AppError> {
    let Some(uid) = ctx.actor.as_ref().and_then(|a| a.user_id) else {
        return Ok(0);
    };
    let mut c = app.db.acquire().await?;
    Ok(store::unread_count(&mut c, uid).await?)
}

/// Marks one notice (None: all) read; returns the notice's link for a redirect. A notice of
/// another user answers as not found.
pub async fn mark_read(app: &App, ctx: &Ctx, id: Option<i64>) -> Result<Option<String>, AppError> {
    let uid = me(ctx)?;
    let mut c = crate::uow::Uow::begin(app).await?;
    let link = match id {
        Some(id) => Some(
            store::get(&mut c, uid, id)
                .await?
                .ok_or(AppError::NotFound)?
                .notice
                .link,
        ),
        None => None,
    };
    let n = store::mark_read(&mut c, uid, id).await?;
    c.commit(ctx.audit_entry(
        sanshe_domain::audit::Action::InboxRead,
        id.map(|i| i.to_string()),
        format!("{n} notices marked read"),
        sanshe_domain::audit::Outcome::Success,
    ))
    .await?;
    Ok(link)
}
