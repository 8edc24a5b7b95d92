//! Reading the audit log: the audit administrator only.

use crate::authz::{self, Perm};
use crate::{App, AppError, Ctx};
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
    let mut c = app.db.acquire().await?;
    Ok(store::list(&mut c, f, page).await?)
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
    let mut c = app.db.acquire().await?;
    let rows = store::export(&mut c, f, EXPORT_LIMIT).await?;
    store::append(
        &mut c,
        &ctx.audit_entry(
            "audit.export",
            "audit_log",
            None,
            format!("exported {} rows as {format}", rows.len()),
            "success",
        ),
    )
    .await?;
    Ok(rows)
}
