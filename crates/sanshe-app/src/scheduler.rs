//! Scheduled work kept in the database (`jobs` table). Every server runs [`tick`] every
//! minute; a due job runs on the one server that takes its lease by compare-and-set, so
//! behind a load balancer each run happens once. A lease expires after `LEASE_SECS`, so a
//! server that dies mid-run does not block the job for ever.

use crate::uow::Uow;
use crate::{App, AppError};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_store::jobs as store;

pub const LEASE_SECS: i64 = 600;

/// The scheduled jobs and how often they run (seconds).
pub const JOBS: [(&str, i64); 2] = [("needs.deadlines", 3_600), ("purchase.deadlines", 3_600)];

/// Runs every due job this server wins; returns the names it ran.
pub async fn tick(app: &App, owner: &str) -> Result<Vec<String>, AppError> {
    // The targets' roll-ups of districts written since the last tick (a cache of counts the
    // registries hold: no audit entry; several servers doing it at once is harmless).
    if let Err(e) = crate::targets::refresh_tallies(app).await {
        tracing::warn!(error = %e, "refreshing the targets' roll-ups failed");
    }
    let mut ran = Vec::new();
    for (name, period) in JOBS {
        let now = sanshe_store::audit::now();
        let ctx = crate::Ctx::system();
        let mut c = Uow::begin(app).await?;
        if !store::try_lease(&mut c, name, owner, now, now + LEASE_SECS).await? {
            // Not due, or another server holds it: nothing was written.
            continue;
        }
        c.commit(ctx.audit_entry(
            Action::JobStart,
            Some(name.to_owned()),
            format!("{name} started on {owner}"),
            Outcome::Success,
        ))
        .await?;
        let result = run(app, name).await;
        let text = match &result {
            Ok(s) => s.clone(),
            Err(e) => format!("failed: {e}"),
        };
        let mut c = Uow::begin(app).await?;
        store::finish(&mut c, name, owner, now + period, &text).await?;
        c.commit(ctx.audit_entry(
            Action::JobFinish,
            Some(name.to_owned()),
            format!("{name} on {owner}: {text}"),
            if result.is_ok() {
                Outcome::Success
            } else {
                Outcome::Failure
            },
        ))
        .await?;
        if let Err(e) = result {
            tracing::warn!(job = name, error = %e, "scheduled job failed");
        }
        ran.push(name.to_owned());
    }
    Ok(ran)
}

async fn run(app: &App, name: &str) -> Result<String, AppError> {
    match name {
        "needs.deadlines" => {
            let n = crate::needs::deadlines::remind(app).await?;
            Ok(format!("{n} reminders"))
        }
        "purchase.deadlines" => {
            let n = crate::purchase::closing::close_due(app).await?;
            let m = crate::purchase::awards::confirm_due(app).await?;
            let r = crate::purchase::dashboard::remind(app).await?;
            let w = crate::purchase::delivery::remind_renewals(app).await?;
            Ok(format!(
                "{n} calls closed, {m} awards confirmed, {r} reminders, {w} renewal reminders"
            ))
        }
        other => Err(AppError::Internal(format!("unknown job {other}"))),
    }
}

/// The jobs' state, for the operations page and API.
pub async fn list(app: &App) -> Result<Vec<store::JobRow>, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(store::list(&mut c).await?)
}
