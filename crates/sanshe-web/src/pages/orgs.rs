//! Organization pages beyond the registry's: a foundation's ledger (entries, export).

use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::redirect_flash;
use axum::extract::Path;
use axum::Form;
use sanshe_app::AppError;

pub async fn add_fund(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<sanshe_app::orgs::FundInput>,
) -> PageResult {
    sanshe_app::orgs::add_fund_entry(&rc.app, &rc.ctx, id, &f)
        .await
        .page(&rc)?;
    Ok(redirect_flash(&format!("/orgs/{id}"), "flash-saved"))
}

/// A foundation's ledger as CSV or XLSX (everyone who may see the organization; audited).
pub async fn fund_export(rc: Rc, Path((id, format)): Path<(i64, String)>) -> PageResult {
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(PageError::new(AppError::NotFound, &rc));
    }
    let entries = sanshe_app::orgs::fund_ledger(&rc.app, &rc.ctx, id)
        .await
        .page(&rc)?;
    let t = |k: &str| rc.tr.t(k).to_owned();
    let headers_owned = [
        t("col-date"),
        t("col-fund-kind"),
        t("col-amount"),
        t("col-balance"),
        t("col-counterparty"),
        t("col-memo"),
    ];
    let headers: Vec<&str> = headers_owned.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.entry_date.clone(),
                t(&format!("fund-{}", e.kind)),
                sanshe_app::registry::yuan(e.amount_fen),
                sanshe_app::registry::yuan(e.balance_fen),
                e.counterparty.clone().unwrap_or_default(),
                e.memo.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let name = format!("fund-{id}-{}", sanshe_app::registry::today());
    super::areas::file_response(&rc, &format, &name, &headers, &rows)
}
