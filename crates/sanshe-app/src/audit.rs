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
    let rows = {
        let mut c = app.db.acquire().await?;
        store::export(&mut c, f, EXPORT_LIMIT).await?
    };
    crate::uow::Uow::begin(app)
        .await?
        .commit(ctx.audit_entry(
            Action::AuditExport,
            None,
            format!("exported {} rows as {format}", rows.len()),
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
