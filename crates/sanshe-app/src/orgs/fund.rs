//! Community foundations' fund ledgers: incomes and grants, the balance moved atomically
//! and never below zero, the ledger exported.

use super::*;
use crate::authz::{self, Perm};
use crate::registry::{yuan, Registry};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::FieldError;
use sanshe_store::orgs::{self as store, FundEntry};

/// Appends an income or a grant to a community foundation's ledger. The balance is
/// computed inside the transaction and can never go negative (a grant larger than the
/// balance is refused); entries are never edited or deleted.
/// A ledger entry as entered (text from a form or an API body).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FundInput {
    /// `income` or `grant`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub date: String,
    /// Yuan, up to two decimals.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub counterparty: String,
    #[serde(default)]
    pub memo: String,
}

pub async fn add_fund_entry(
    app: &App,
    ctx: &Ctx,
    org_id: i64,
    input: &FundInput,
) -> Result<i64, AppError> {
    let FundInput {
        kind,
        date,
        amount,
        counterparty,
        memo,
    } = input;
    let kind = kind.as_str();
    let actor = ctx.actor()?;
    authz::require(actor, Perm::OrgWrite)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let org = store::get(&mut tx, org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !Orgs::can_write(actor, &org) {
        return Err(AppError::Forbidden);
    }
    if org.kind != "foundation" {
        return Err(AppError::invalid(FieldError::new(
            "kind",
            "err-fund-not-foundation",
        )));
    }
    let mut errs = Vec::new();
    if kind != "income" && kind != "grant" {
        errs.push(FieldError::new("kind", "err-choice").arg("choices", "income、grant"));
    }
    let date = match crate::registry::opt_date("date", date) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errs.push(FieldError::new("date", "err-required"));
            None
        }
        Err(e) => {
            errs.push(e);
            None
        }
    };
    let amount_fen = match sanshe_domain::cell::parse_decimal_centi(amount) {
        Ok(Some(v)) if v > 0 && v <= 100_000_000_000 => Some(v),
        Ok(_) => {
            errs.push(
                FieldError::new("amount", "err-range")
                    .arg("min", "0.01")
                    .arg("max", 1_000_000_000),
            );
            None
        }
        Err(k) => {
            errs.push(FieldError::new("amount", k));
            None
        }
    };
    let counterparty = crate::registry::opt_text("counterparty", counterparty, 200);
    let memo = crate::registry::opt_text("memo", memo, 500);
    let (Some(date), Some(amount_fen), Ok(counterparty), Ok(memo)) =
        (date, amount_fen, counterparty.clone(), memo.clone())
    else {
        errs.extend(counterparty.err());
        errs.extend(memo.err());
        return Err(AppError::Invalid(errs));
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let delta = if kind == "income" {
        amount_fen
    } else {
        -amount_fen
    };
    let Some(new_balance) = store::move_fund_balance(&mut tx, org_id, delta).await? else {
        let balance = store::fund_balance(&mut tx, org_id).await?;
        return Err(AppError::invalid(
            FieldError::new("amount", "err-fund-insufficient").arg("balance", yuan(balance)),
        ));
    };
    let id = store::append_fund_entry(
        &mut tx,
        &FundEntry {
            id: 0,
            org_id,
            entry_date: date,
            kind: kind.into(),
            amount_fen,
            balance_fen: new_balance,
            counterparty,
            memo,
        },
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::OrgFund,
        Some(org_id.to_string()),
        format!(
            "{kind} {} → balance {}",
            yuan(amount_fen),
            yuan(new_balance)
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// A foundation's whole ledger for a spreadsheet, if the actor may see the organization;
/// the export is audited.
pub async fn fund_ledger(
    app: &App,
    ctx: &Ctx,
    org_id: i64,
) -> Result<Vec<store::FundEntry>, AppError> {
    let org = crate::registry::get::<Orgs>(app, ctx, org_id).await?;
    if org.kind != "foundation" {
        return Err(AppError::NotFound);
    }
    let mut tx = crate::uow::Uow::begin(app).await?;
    let entries = store::fund_entries(&mut tx, org_id).await?;
    tx.commit(ctx.audit_entry(
        Action::OrgFundExport,
        Some(org_id.to_string()),
        format!("exported {} ledger entries of {}", entries.len(), org.name),
        Outcome::Success,
    ))
    .await?;
    Ok(entries)
}

// ---- incubation bases and federations ---------------------------------------------------------

/// A federation member: organization id, name, joining date.
pub type Member = (i64, String, Option<String>);
