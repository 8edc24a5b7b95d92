//! Certification subsidies paid to social workers.

use super::Workers;
use crate::authz::{self, Perm};
use crate::registry::{yuan, Registry};
use crate::{App, AppError};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::{cell, FieldError};
use sanshe_store::workers::{self as store};

/// Records a certification subsidy paid to a worker (district and street staff; audited).
pub async fn add_subsidy(
    app: &App,
    ctx: &crate::Ctx,
    worker_id: i64,
    year: &str,
    amount: &str,
    paid_on: &str,
) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::OrgSupervise)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let w = Workers::get(&mut tx, worker_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !authz::record_in_scope(actor, w.area_code.as_deref()) {
        // Out of reach answers as missing.
        return Err(AppError::Hidden);
    }
    let mut errs = Vec::new();
    let this_year = crate::current_year();
    let year = match crate::registry::opt_int("year", year, 2000, 2100) {
        Ok(Some(y)) if y > this_year => {
            errs.push(FieldError::new("year", "err-year-future").arg("year", this_year));
            None
        }
        Ok(Some(y)) => Some(y),
        Ok(None) => {
            errs.push(FieldError::new("year", "err-required"));
            None
        }
        Err(e) => {
            errs.push(e);
            None
        }
    };
    let amount_fen = match cell::parse_decimal_centi(amount) {
        Ok(Some(v)) if v > 0 && v <= 10_000_000 => Some(v),
        Ok(_) => {
            errs.push(
                FieldError::new("amount", "err-range")
                    .arg("min", "0.01")
                    .arg("max", 100_000),
            );
            None
        }
        Err(k) => {
            errs.push(FieldError::new("amount", k));
            None
        }
    };
    let paid_on = crate::registry::opt_date("paid_on", paid_on)
        .map_err(|e| errs.push(e))
        .ok()
        .flatten();
    if w.cert_level == "none" {
        errs.push(FieldError::new("year", "err-subsidy-no-cert"));
    }
    let (Some(year), Some(amount_fen)) = (year, amount_fen) else {
        return Err(AppError::Invalid(errs));
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let id = store::add_subsidy(
        &mut tx,
        &store::Subsidy {
            id: 0,
            worker_id,
            year,
            amount_fen,
            paid_on,
        },
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::WorkerSubsidy,
        Some(worker_id.to_string()),
        format!("certificate subsidy {year}: {}", yuan(amount_fen)),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// The certification subsidies paid to a worker, oldest first (whoever may read the worker).
pub async fn subsidies(
    app: &App,
    ctx: &crate::Ctx,
    worker_id: i64,
) -> Result<Vec<store::Subsidy>, AppError> {
    crate::registry::get::<Workers>(app, ctx, worker_id).await?;
    let mut c = app.db.acquire().await?;
    Ok(store::subsidies(&mut c, worker_id).await?)
}
