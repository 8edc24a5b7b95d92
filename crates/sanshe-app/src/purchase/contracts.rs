//! Contracts (签约) and payment tranches. A confirmed award becomes a draft contract; it is
//! signed only with every clause 102号令 Art. 23 requires and a term of at most one year (up
//! to three with a recorded reason, Art. 24), and is published when signed. Amendments to a
//! signed contract are new versions, never overwrites. Tranches are paid only when their gate
//! holds; what a contract has paid never exceeds its amount (one atomic update per payment),
//! and a claw-back is a negative entry with its reason.

use super::policy;
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::calendar::Day;
use sanshe_domain::needs as rules;
use sanshe_domain::purchase::{
    self as domain, ContractEvent, ContractState, Contracts, TrancheEvent, TrancheState, Tranches,
    CLAUSES, GATES,
};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::contracts::{
    self as store, Clauses, ContractRow, PaymentRow, TrancheRow, VersionRow,
};
use sanshe_store::purchase as pstore;
use sanshe_store::workflow::Table;

fn audit(verb: &'static str) -> Action {
    Action::Purchase {
        object: "contract",
        verb,
    }
}

fn today() -> Day {
    crate::calendar::today()
}

/// Refuses anyone but the district's officers of this contract (every contract and tranche
/// event is theirs: `policy::may_contract`, `policy::may_tranche`).
fn require_manage(ctx: &Ctx, k: &ContractRow) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    if policy::may_contract(actor, &k.district, ContractEvent::Sign)
        && policy::may_tranche(actor, &k.district, TrancheEvent::Pay)
    {
        Ok(())
    } else {
        Err(AppError::Hidden)
    }
}

/// Drafts the contract of a confirmed award, its clauses prefilled from the project.
pub async fn create(app: &App, ctx: &Ctx, project: i64) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut tx = Uow::begin(app).await?;
    let p = pstore::get_project(&mut tx, project)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &p.district) {
        return Err(AppError::Hidden);
    }
    if p.state != "confirmed" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-contract-not-confirmed").arg("state", &p.state),
        ));
    }
    let a = match p.awarded_application {
        Some(a) => pstore::get_application(&mut tx, a).await?,
        None => None,
    }
    .ok_or(AppError::NotFound)?;
    if a.state != "submitted" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-award-withdrawn").arg("org", &a.org_name),
        ));
    }
    let c = Clauses {
        amount_fen: a.data.amount_fen,
        start_date: p.data.start_date.clone(),
        end_date: p.data.end_date.clone(),
        term_justification: String::new(),
        content: p.data.description.clone(),
        quantity: a.data.outputs.clone(),
        quality: p.data.outcomes.clone(),
        price: format!("¥{}", crate::registry::yuan(a.data.amount_fen)),
        settlement: String::new(),
        rights: String::new(),
        liability: String::new(),
    };
    let id = match store::insert(&mut tx, project, a.id, a.org_id, &c).await {
        Ok(id) => id,
        Err(e) if e.is_unique_violation() => {
            return Err(AppError::Conflict(FieldError::new(
                "",
                "err-contract-exists",
            )))
        }
        Err(e) => return Err(e.into()),
    };
    workflow::created::<Contracts>(&mut tx, actor, id, ContractState::Draft, "").await?;
    tx.commit(ctx.audit_entry(
        audit("create"),
        Some(id.to_string()),
        format!(
            "{} — {}: ¥{}",
            p.data.title,
            a.org_name,
            crate::registry::yuan(c.amount_fen)
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ContractInput {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub end_date: String,
    #[serde(default)]
    pub term_justification: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub quality: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub settlement: String,
    #[serde(default)]
    pub rights: String,
    #[serde(default)]
    pub liability: String,
    /// Why a signed contract is amended (required then).
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub version: Option<i64>,
}

fn parse(i: &ContractInput) -> Result<Clauses, Vec<FieldError>> {
    let mut errs = Vec::new();
    let mut text = |f: &str, v: &str| {
        rules::text(f, v, rules::TEXT_MAX, false)
            .map_err(|e| errs.push(e))
            .unwrap_or_default()
    };
    let c = Clauses {
        amount_fen: 0,
        start_date: i.start_date.trim().to_owned(),
        end_date: i.end_date.trim().to_owned(),
        term_justification: text("term_justification", &i.term_justification),
        content: text("content", &i.content),
        quantity: text("quantity", &i.quantity),
        quality: text("quality", &i.quality),
        price: text("price", &i.price),
        settlement: text("settlement", &i.settlement),
        rights: text("rights", &i.rights),
        liability: text("liability", &i.liability),
    };
    let amount = domain::amount("amount", &i.amount)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if let Err(e) = domain::check_term(&c.start_date, &c.end_date, &c.term_justification) {
        errs.push(e);
    }
    if errs.is_empty() {
        Ok(Clauses {
            amount_fen: amount,
            ..c
        })
    } else {
        Err(errs)
    }
}

/// The clauses a signature needs that are still empty.
fn missing(c: &Clauses) -> Vec<FieldError> {
    CLAUSES
        .iter()
        .filter(|k| {
            let v = match **k {
                "content" => &c.content,
                "term" => return c.start_date.is_empty() || c.end_date.is_empty(),
                "quantity" => &c.quantity,
                "quality" => &c.quality,
                "price" => &c.price,
                "settlement" => &c.settlement,
                "rights" => &c.rights,
                _ => &c.liability,
            };
            v.trim().is_empty()
        })
        .map(|k| FieldError::new(k, "err-clause-required"))
        .collect()
}

fn body(c: &Clauses) -> String {
    serde_json::to_string(c).unwrap_or_default()
}

/// Edits a draft, or amends a signed contract as a new version with its reason.
pub async fn update(app: &App, ctx: &Ctx, id: i64, i: &ContractInput) -> Result<(), AppError> {
    let c = parse(i).map_err(AppError::Invalid)?;
    let mut tx = Uow::begin(app).await?;
    // Lock, then read: an edit and a signature queue behind each other.
    store::lock(&mut tx, id).await?;
    let k = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    require_manage(ctx, &k)?;
    if i.version.is_some_and(|v| v != k.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let actor = ctx.actor()?;
    let (revision, verb) = match k.state.as_str() {
        "draft" => (k.revision, "update"),
        "signed" => {
            let reason = rules::text("reason", &i.reason, rules::NOTE_MAX, false)
                .map_err(AppError::invalid)?;
            if reason.is_empty() {
                return Err(AppError::invalid(FieldError::new(
                    "reason",
                    "err-amend-reason",
                )));
            }
            let errs = missing(&c);
            if !errs.is_empty() {
                return Err(AppError::Invalid(errs));
            }
            store::add_version(
                &mut tx,
                id,
                k.revision + 1,
                &body(&c),
                &reason,
                &actor.display_name,
            )
            .await?;
            (k.revision + 1, "amend")
        }
        other => {
            return Err(AppError::Conflict(
                FieldError::new("", "err-transition-not-allowed")
                    .arg("event", "amend")
                    .arg("state", other),
            ))
        }
    };
    // Never above what was awarded (a raise would bypass the budget reservation and the bid).
    let awarded = pstore::get_application(&mut tx, k.application_id)
        .await?
        .map(|a| a.data.amount_fen)
        .unwrap_or(0);
    if c.amount_fen > awarded {
        return Err(AppError::invalid(
            FieldError::new("amount", "err-contract-over-award")
                .arg("award", crate::registry::yuan(awarded)),
        ));
    }
    let scheduled = store::tranches_total(&mut tx, id).await?;
    if c.amount_fen < scheduled {
        return Err(AppError::invalid(
            FieldError::new("amount", "err-contract-below-tranches")
                .arg("scheduled", crate::registry::yuan(scheduled)),
        ));
    }
    if !store::update(&mut tx, id, k.version, &c, revision).await? {
        return Err(AppError::invalid(
            FieldError::new("amount", "err-contract-below-paid")
                .arg("paid", crate::registry::yuan(k.paid_fen)),
        ));
    }
    tx.commit(ctx.audit_entry(
        audit(verb),
        Some(id.to_string()),
        format!(
            "{} — {}: ¥{} (revision {revision})",
            k.project_title,
            k.org_name,
            crate::registry::yuan(c.amount_fen)
        ),
        Outcome::Success,
    ))
    .await
}

/// Signs (and so publishes) a draft with every required clause.
pub async fn sign(app: &App, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let mut tx = Uow::begin(app).await?;
    store::lock(&mut tx, id).await?;
    let k = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    require_manage(ctx, &k)?;
    let errs = missing(&k.clauses);
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    domain::check_term(
        &k.clauses.start_date,
        &k.clauses.end_date,
        &k.clauses.term_justification,
    )
    .map_err(AppError::invalid)?;
    let actor = ctx.actor()?;
    let state = Contracts::parse_state(&k.state)
        .ok_or_else(|| AppError::Internal(format!("contract {id}: {}", k.state)))?;
    let at = At {
        id,
        version: k.version,
        state,
    };
    let to = workflow::transition::<Contracts>(
        &mut tx,
        Table::Contracts,
        actor,
        at,
        ContractEvent::Sign,
        "",
    )
    .await?;
    store::set_signed_on(&mut tx, id, &today().to_string()).await?;
    store::add_version(&mut tx, id, 0, &body(&k.clauses), "", &actor.display_name).await?;
    let told = pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?;
    inbox::notify(
        &mut tx,
        &told,
        "contract.signed",
        &k.project_title,
        &format!("¥{}", crate::registry::yuan(k.clauses.amount_fen)),
        &format!("/purchase/projects/{}", k.project_id),
    )
    .await?;
    workflow::commit::<Contracts>(
        tx,
        ctx,
        id,
        &k.project_title,
        state,
        ContractEvent::Sign,
        to,
    )
    .await
}

/// Closes a signed contract once every tranche is paid (the work delivered and the money
/// moved); a completed contract takes no more changes, payments or delivery logs.
pub async fn complete(app: &App, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let mut tx = Uow::begin(app).await?;
    store::lock(&mut tx, id).await?;
    let k = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    require_manage(ctx, &k)?;
    let ts = store::tranches(&mut tx, id).await?;
    if ts.is_empty() || ts.iter().any(|t| t.state != "paid") {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-contract-unpaid",
        )));
    }
    let actor = ctx.actor()?;
    let state = Contracts::parse_state(&k.state)
        .ok_or_else(|| AppError::Internal(format!("contract {id}: {}", k.state)))?;
    let at = At {
        id,
        version: k.version,
        state,
    };
    let to = workflow::transition::<Contracts>(
        &mut tx,
        Table::Contracts,
        actor,
        at,
        ContractEvent::Complete,
        "",
    )
    .await?;
    let told = pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?;
    inbox::notify(
        &mut tx,
        &told,
        "contract.completed",
        &k.project_title,
        &format!("¥{}", crate::registry::yuan(k.paid_fen)),
        &format!("/purchase/projects/{}", k.project_id),
    )
    .await?;
    workflow::commit::<Contracts>(
        tx,
        ctx,
        id,
        &k.project_title,
        state,
        ContractEvent::Complete,
        to,
    )
    .await
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TrancheInput {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub gate: String,
}

/// Adds a tranche; the tranches together never exceed the contract amount.
pub async fn add_tranche(app: &App, ctx: &Ctx, id: i64, i: &TrancheInput) -> Result<i64, AppError> {
    let mut errs = Vec::new();
    let label = rules::text("label", &i.label, 60, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let amount = domain::amount("amount", &i.amount)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let due = Day::parse(i.due_on.trim());
    if due.is_none() {
        errs.push(FieldError::new("due_on", "err-purchase-date"));
    }
    let gate = rules::one_of("gate", &i.gate, &GATES, "err-purchase-choice")
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = Uow::begin(app).await?;
    let k = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    require_manage(ctx, &k)?;
    store::lock(&mut tx, id).await?;
    if k.state == "completed" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-transition-not-allowed")
                .arg("event", "tranche")
                .arg("state", &k.state),
        ));
    }
    let due = due.map(|d| d.to_string()).unwrap_or_default();
    let Some(t) = store::add_tranche(&mut tx, id, &label, amount, &due, &gate).await? else {
        return Err(AppError::invalid(
            FieldError::new("amount", "err-tranches-over-amount")
                .arg("amount", crate::registry::yuan(k.clauses.amount_fen)),
        ));
    };
    let actor = ctx.actor()?;
    workflow::created::<Tranches>(&mut tx, actor, t, TrancheState::Scheduled, &label).await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "tranche",
            verb: "create",
        },
        Some(t.to_string()),
        format!(
            "{} — {label}: ¥{} ({gate})",
            k.project_title,
            crate::registry::yuan(amount)
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(t)
}

async fn tranche_and_contract(
    tx: &mut Uow,
    tranche: i64,
) -> Result<(TrancheRow, ContractRow), AppError> {
    let t = store::tranche(tx, tranche)
        .await?
        .ok_or(AppError::NotFound)?;
    let k = store::get(tx, t.contract_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((t, k))
}

/// The officer accepts the milestone that opens an `on_acceptance` tranche.
pub async fn accept(app: &App, ctx: &Ctx, tranche: i64) -> Result<(), AppError> {
    let mut tx = Uow::begin(app).await?;
    let (t, k) = tranche_and_contract(&mut tx, tranche).await?;
    require_manage(ctx, &k)?;
    if k.state != "signed" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-contract-not-signed").arg("state", &k.state),
        ));
    }
    if t.gate != "on_acceptance" {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-gate-not-acceptance",
        )));
    }
    let state = Tranches::parse_state(&t.state)
        .ok_or_else(|| AppError::Internal(format!("tranche {tranche}: {}", t.state)))?;
    let actor = ctx.actor()?;
    let at = At {
        id: tranche,
        version: t.version,
        state,
    };
    let to = workflow::transition::<Tranches>(
        &mut tx,
        Table::Tranches,
        actor,
        at,
        TrancheEvent::Accept,
        "",
    )
    .await?;
    workflow::commit::<Tranches>(
        tx,
        ctx,
        tranche,
        &format!("{} — {}", k.project_title, t.label),
        state,
        TrancheEvent::Accept,
        to,
    )
    .await
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PayInput {
    #[serde(default)]
    pub paid_on: String,
    #[serde(default)]
    pub voucher: String,
}

fn pay_fields(i: &PayInput) -> Result<(String, String), AppError> {
    let mut errs = Vec::new();
    let day = match Day::parse(i.paid_on.trim()) {
        Some(d) if d <= today() => d.to_string(),
        Some(_) => {
            errs.push(FieldError::new("paid_on", "err-date-future").arg("today", today()));
            String::new()
        }
        None => {
            errs.push(FieldError::new("paid_on", "err-purchase-date"));
            String::new()
        }
    };
    let voucher = rules::text("voucher", &i.voucher, 60, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if errs.is_empty() {
        Ok((day, voucher))
    } else {
        Err(AppError::Invalid(errs))
    }
}

/// Pays a tranche whose gate holds; the contract's ceiling is checked in the same statement
/// that moves the money.
pub async fn pay(app: &App, ctx: &Ctx, tranche: i64, i: &PayInput) -> Result<(), AppError> {
    let (day, voucher) = pay_fields(i)?;
    let mut tx = Uow::begin(app).await?;
    let (t, k) = tranche_and_contract(&mut tx, tranche).await?;
    require_manage(ctx, &k)?;
    if k.state != "signed" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-contract-not-signed").arg("state", &k.state),
        ));
    }
    // A failed mid-term evaluation halted the contract: nothing more is paid, unless a passed
    // rectification resumed it.
    if let (Some(day), None) = (&k.halted_on, &k.resumed_on) {
        return Err(AppError::Conflict(
            FieldError::new("", "err-contract-halted").arg("date", day),
        ));
    }
    let gate_holds = match t.gate.as_str() {
        "on_signing" => true,
        "on_date" => today().to_string() >= t.due_on,
        _ => t.state == "ready",
    };
    if !gate_holds && t.state != "paid" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-gate-closed")
                .arg("gate", &t.gate)
                .arg("due", &t.due_on),
        ));
    }
    let state = Tranches::parse_state(&t.state)
        .ok_or_else(|| AppError::Internal(format!("tranche {tranche}: {}", t.state)))?;
    let actor = ctx.actor()?;
    let at = At {
        id: tranche,
        version: t.version,
        state,
    };
    let to = workflow::transition::<Tranches>(
        &mut tx,
        Table::Tranches,
        actor,
        at,
        TrancheEvent::Pay,
        &voucher,
    )
    .await?;
    if !store::pay(&mut tx, k.id, t.amount_fen).await? {
        return Err(AppError::Conflict(
            FieldError::new("", "err-contract-ceiling")
                .arg("amount", crate::registry::yuan(k.clauses.amount_fen)),
        ));
    }
    store::record_payment(
        &mut tx,
        k.id,
        Some(tranche),
        t.amount_fen,
        &day,
        &voucher,
        "",
        &actor.display_name,
    )
    .await?;
    store::set_tranche_paid(&mut tx, tranche, &day, &voucher).await?;
    let told = pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?;
    inbox::notify(
        &mut tx,
        &told,
        "tranche.paid",
        &k.project_title,
        &format!("{}: ¥{}", t.label, crate::registry::yuan(t.amount_fen)),
        &format!("/purchase/projects/{}", k.project_id),
    )
    .await?;
    workflow::commit::<Tranches>(
        tx,
        ctx,
        tranche,
        &format!("{} — {}", k.project_title, t.label),
        state,
        TrancheEvent::Pay,
        to,
    )
    .await
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ClawbackInput {
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub paid_on: String,
    #[serde(default)]
    pub voucher: String,
}

/// Claws money back: a negative ledger entry with its reason, never below zero paid.
pub async fn clawback(app: &App, ctx: &Ctx, id: i64, i: &ClawbackInput) -> Result<(), AppError> {
    let (day, voucher) = pay_fields(&PayInput {
        paid_on: i.paid_on.clone(),
        voucher: i.voucher.clone(),
    })?;
    let amount = domain::amount("amount", &i.amount).map_err(AppError::invalid)?;
    let reason =
        rules::text("reason", &i.reason, rules::NOTE_MAX, true).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let k = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    require_manage(ctx, &k)?;
    if !store::pay(&mut tx, id, -amount).await? {
        return Err(AppError::invalid(
            FieldError::new("amount", "err-clawback-over-paid")
                .arg("paid", crate::registry::yuan(k.paid_fen)),
        ));
    }
    let actor = ctx.actor()?;
    store::record_payment(
        &mut tx,
        id,
        None,
        -amount,
        &day,
        &voucher,
        &reason,
        &actor.display_name,
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("clawback"),
        Some(id.to_string()),
        format!(
            "{} — {}: -¥{} ({reason})",
            k.project_title,
            k.org_name,
            crate::registry::yuan(amount)
        ),
        Outcome::Success,
    ))
    .await
}

pub struct ContractView {
    pub contract: ContractRow,
    pub tranches: Vec<TrancheRow>,
    pub payments: Vec<PaymentRow>,
    pub versions: Vec<VersionRow>,
    pub can_manage: bool,
}

/// A project's contract: its officers and its organization see everything; once signed it
/// is public (the portal shows its clauses, tranches and payments).
pub async fn of_project(
    app: &App,
    ctx: &Ctx,
    project: i64,
) -> Result<Option<ContractView>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let Some(k) = store::of_project(&mut c, project).await? else {
        return Ok(None);
    };
    let can_manage = policy::may_manage(actor, &k.district);
    let own = authz::can(actor, Perm::PurchaseApply) && authz::own_org(actor) == Some(k.org_id);
    if !(can_manage || own || k.state != "draft") {
        return Ok(None);
    }
    Ok(Some(ContractView {
        tranches: store::tranches(&mut c, k.id).await?,
        payments: store::payments(&mut c, k.id).await?,
        versions: store::versions(&mut c, k.id).await?,
        can_manage,
        contract: k,
    }))
}

/// A signed contract for the public portal (no personal data is kept in contracts).
pub async fn public_of_project(app: &App, project: i64) -> Result<Option<ContractView>, AppError> {
    let mut c = app.db.acquire().await?;
    let Some(k) = store::of_project(&mut c, project).await? else {
        return Ok(None);
    };
    if k.state == "draft" {
        return Ok(None);
    }
    Ok(Some(ContractView {
        tranches: store::tranches(&mut c, k.id).await?,
        payments: store::payments(&mut c, k.id).await?,
        versions: Vec::new(),
        can_manage: false,
        contract: k,
    }))
}

pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<ContractView, AppError> {
    let project = {
        let mut c = app.db.acquire().await?;
        store::get(&mut c, id)
            .await?
            .ok_or(AppError::NotFound)?
            .project_id
    };
    of_project(app, ctx, project).await?.ok_or(AppError::Hidden)
}

/// One contract in the district's ledger: the contract, what its tranches add up to, what is
/// paid, and its delivery so far.
pub struct LedgerLine {
    pub contract: ContractRow,
    pub tranches_fen: i64,
    pub delivery: sanshe_store::delivery::Totals,
}

/// The district's contracts (drafts included for its officers), newest first: the ledger
/// the officers keep in a spreadsheet. Purchase staff of the district read it too.
pub async fn ledger(app: &App, ctx: &Ctx) -> Result<Vec<LedgerLine>, AppError> {
    let contracts = ledger_contracts(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    // Two statements for the figures of every line, however long the ledger.
    let ids: Vec<i64> = contracts.iter().map(|k| k.id).collect();
    let tranches = store::tranches_totals(&mut c, &ids).await?;
    let mut delivery = sanshe_store::delivery::totals_of(&mut c, &ids).await?;
    Ok(contracts
        .into_iter()
        .map(|k| LedgerLine {
            tranches_fen: tranches.get(&k.id).copied().unwrap_or(0),
            delivery: delivery.remove(&k.id).unwrap_or_default(),
            contract: k,
        })
        .collect())
}

/// The contracts of the ledger: the caller's district's, drafts for its officers only.
async fn ledger_contracts(app: &App, ctx: &Ctx) -> Result<Vec<ContractRow>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseRead)?;
    let district = super::district_of(app, ctx).await?;
    let manage = policy::may_manage(actor, &district);
    let mut c = app.db.acquire().await?;
    Ok(store::of_district(&mut c, &district)
        .await?
        .into_iter()
        .filter(|k| k.state != "draft" || manage)
        .collect())
}

/// Every payment and claw-back of the district's signed contracts, by date.
pub async fn payments_ledger(
    app: &App,
    ctx: &Ctx,
) -> Result<Vec<(ContractRow, PaymentRow)>, AppError> {
    let contracts = ledger_contracts(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    let ids: Vec<i64> = contracts.iter().map(|k| k.id).collect();
    let by_id: std::collections::HashMap<i64, &ContractRow> =
        contracts.iter().map(|k| (k.id, k)).collect();
    let mut out = Vec::new();
    for p in store::payments_of(&mut c, &ids).await? {
        if let Some(k) = by_id.get(&p.contract_id) {
            out.push(((*k).clone(), p));
        }
    }
    out.sort_by(|a, b| a.1.paid_on.cmp(&b.1.paid_on).then(a.1.id.cmp(&b.1.id)));
    Ok(out)
}

/// The ledger's spreadsheet columns.
pub const LEDGER_COLUMNS: [&str; 14] = [
    "合同编号",
    "项目",
    "承接组织",
    "状态",
    "签订日期",
    "开始日期",
    "结束日期",
    "合同金额",
    "分期合计",
    "已支付",
    "未支付",
    "活动次数",
    "受益人次（直接/间接）",
    "服务时长",
];

pub fn ledger_rows(lines: &[LedgerLine]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|l| {
            let k = &l.contract;
            vec![
                k.id.to_string(),
                k.project_title.clone(),
                k.org_name.clone(),
                k.state.clone(),
                k.signed_on.clone().unwrap_or_default(),
                k.clauses.start_date.clone(),
                k.clauses.end_date.clone(),
                crate::registry::yuan(k.clauses.amount_fen),
                crate::registry::yuan(l.tranches_fen),
                crate::registry::yuan(k.paid_fen),
                crate::registry::yuan(k.clauses.amount_fen - k.paid_fen),
                l.delivery.activities.to_string(),
                format!("{}/{}", l.delivery.direct, l.delivery.indirect),
                super::delivery::hours_text(l.delivery.hours_tenths),
            ]
        })
        .collect()
}

pub const PAYMENT_COLUMNS: [&str; 8] = [
    "日期",
    "合同编号",
    "项目",
    "承接组织",
    "金额",
    "凭证号",
    "原因（追回）",
    "经办人",
];

pub fn payment_rows(rows: &[(ContractRow, PaymentRow)]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|(k, p)| {
            vec![
                p.paid_on.clone(),
                k.id.to_string(),
                k.project_title.clone(),
                k.org_name.clone(),
                crate::registry::yuan(p.amount_fen),
                p.voucher.clone(),
                p.reason.clone(),
                p.by_name.clone(),
            ]
        })
        .collect()
}
