//! Reading the audit log: the audit administrator only.

use crate::authz::{self, Perm};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_store::audit::{self as store, AuditFilter, AuditRow};
use sanshe_store::{PageReq, Paged};

/// Largest export in one file.
pub const EXPORT_LIMIT: i64 = 100_000;

pub async fn list(
    app: &App,
    ctx: &Ctx,
    f: &AuditFilter,
    page: PageReq,
) -> Result<Paged<AuditRow>, AppError> {
    authz::require(ctx.actor()?, Perm::AuditRead)?;
    let rows = {
        let mut c = app.db.acquire().await?;
        store::list(&mut c, f, page).await?
    };
    // Reading the log is itself recorded (who looked at what).
    crate::uow::Uow::begin(app)
        .await?
        .commit(ctx.audit_entry(
            Action::AuditRead,
            None,
            format!(
                "read page {} ({} of {} entries) {}",
                page.page,
                rows.items.len(),
                rows.total,
                describe(f)
            ),
            Outcome::Success,
        ))
        .await?;
    Ok(rows)
}

/// A filter in words, for the entry that records a read or an export.
fn describe(f: &AuditFilter) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("actor", &f.actor),
        ("action", &f.action),
        ("object", &f.object_type),
        ("outcome", &f.outcome),
        ("q", &f.q),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={v}"));
        }
    }
    if let Some(t) = f.from {
        parts.push(format!("from={t}"));
    }
    if let Some(t) = f.until {
        parts.push(format!("until={t}"));
    }
    if parts.is_empty() {
        "(no filter)".into()
    } else {
        parts.join(" ")
    }
}

pub async fn actions(app: &App, ctx: &Ctx) -> Result<Vec<String>, AppError> {
    authz::require(ctx.actor()?, Perm::AuditRead)?;
    let mut c = app.db.acquire().await?;
    Ok(store::actions(&mut c).await?)
}

/// Rows for an export; the export itself is recorded in the log.
pub async fn export(
    app: &App,
    ctx: &Ctx,
    f: &AuditFilter,
    format: &str,
) -> Result<Vec<AuditRow>, AppError> {
    authz::require(ctx.actor()?, Perm::AuditRead)?;
    let rows = {
        let mut c = app.db.acquire().await?;
        store::export(&mut c, f, EXPORT_LIMIT).await?
    };
    crate::uow::Uow::begin(app)
        .await?
        .commit(ctx.audit_entry(
            Action::AuditExport,
            None,
            format!("exported {} rows as {format} {}", rows.len(), describe(f)),
            Outcome::Success,
        ))
        .await?;
    Ok(rows)
}

/// Walks the audit chain (audit administrator): how many entries verify, and the first
/// that does not. Reading the chain's state is itself recorded.
pub async fn verify(app: &App, ctx: &Ctx) -> Result<crate::uow::ChainReport, AppError> {
    authz::require(ctx.actor()?, Perm::AuditRead)?;
    let report = crate::uow::verify(app).await?;
    crate::uow::Uow::begin(app)
        .await?
        .commit(ctx.audit_entry(
            Action::AuditVerify,
            None,
            match report.first_broken {
                None => format!("chain verified: {} entries", report.checked),
                Some(id) => format!("chain broken at entry {id}"),
            },
            if report.first_broken.is_none() {
                Outcome::Success
            } else {
                Outcome::Failure
            },
        ))
        .await?;
    Ok(report)
}
