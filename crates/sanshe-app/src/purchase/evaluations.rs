//! Third-party evaluation (第三方评估) of purchased services, 管评分离: the district assigns an
//! assessor of an independent agency to a stage of a contract (pre, mid-term, final, or a spot
//! check); conflicts of interest are refused on assignment and declared again by the assessor
//! before scoring; the assessor scores against the district's versioned indicator scheme; the
//! provider may answer the draft within the answer period; the final grade opens the tranches
//! gated on its stage, and a failed mid-term halts the remaining payments; the officer
//! publishes the result on the portal, and it enters the provider's record that later calls
//! may read (优胜劣汰).

use super::policy;
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::evaluation::{
    self as domain, EvalEvent, EvalState, Evaluations, Scheme, STAGES,
};
use sanshe_domain::needs as rules;
use sanshe_domain::purchase::{TrancheEvent, Tranches};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::{FieldError, Role};
use sanshe_store::contracts::{self as kstore, ContractRow};
use sanshe_store::evaluations::{self as store, EvaluationRow, Filter, SchemeRow};
use sanshe_store::purchase as pstore;
use sanshe_store::workflow::{HistoryRow, Table};
use sanshe_store::{Conn, PageReq, Paged};

/// The longest findings and answer.
pub const TEXT_MAX: usize = 4000;

fn audit(verb: &'static str) -> Action {
    Action::Purchase {
        object: "evaluation",
        verb,
    }
}

fn today() -> String {
    crate::calendar::today().to_string()
}

// ---- the indicator scheme ------------------------------------------------------------------

/// The scheme version an evaluation was assigned with.
async fn scheme_of(conn: &mut Conn, e: &EvaluationRow) -> Result<Scheme, AppError> {
    let s = store::scheme(conn, e.scheme_id)
        .await?
        .ok_or(AppError::NotFound)?;
    parse_scheme(&s)
}

pub(super) fn parse_scheme(r: &SchemeRow) -> Result<Scheme, AppError> {
    serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("scheme {}: {e}", r.id)))
}

/// A district's current scheme; the default (after 财预〔2020〕10号) is stored as its first
/// version the first time it is needed.
pub async fn scheme_in(conn: &mut Conn, district: &str) -> Result<SchemeRow, AppError> {
    if let Some(s) = store::latest_scheme(conn, district).await? {
        return Ok(s);
    }
    let body =
        serde_json::to_string(&Scheme::default()).map_err(|e| AppError::Internal(e.to_string()))?;
    store::insert_first_scheme(conn, district, &body).await?;
    store::latest_scheme(conn, district)
        .await?
        .ok_or_else(|| AppError::Internal("scheme vanished".into()))
}

pub struct SchemeView {
    pub current: SchemeRow,
    pub scheme: Scheme,
    /// Every version, newest first.
    pub versions: Vec<SchemeRow>,
    pub editable: bool,
}

/// The scheme of the caller's district (officers, staff, assessors and providers read it).
pub async fn scheme(app: &App, ctx: &Ctx) -> Result<SchemeView, AppError> {
    let actor = ctx.actor()?;
    if !(authz::can(actor, Perm::PurchaseRead)
        || authz::can(actor, Perm::PanelServe)
        || authz::can(actor, Perm::PurchaseApply))
    {
        return Err(AppError::Forbidden);
    }
    let district = super::district_of(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    let current = match store::latest_scheme(&mut c, &district).await? {
        Some(s) => s,
        None => {
            // The district's first look: the default is stored as version 1.
            drop(c);
            let mut tx = Uow::begin(app).await?;
            let s = scheme_in(&mut tx, &district).await?;
            tx.commit(ctx.audit_entry(
                audit("scheme.create"),
                Some(s.id.to_string()),
                format!("{district} v{} (default)", s.version),
                Outcome::Success,
            ))
            .await?;
            c = app.db.acquire().await?;
            s
        }
    };
    let versions = store::schemes(&mut c, &district).await?;
    Ok(SchemeView {
        scheme: parse_scheme(&current)?,
        current,
        versions,
        editable: policy::may_manage(actor, &district),
    })
}

/// Adds a version of the district's scheme (officers). Evaluations already assigned keep
/// the version they were assigned with.
pub async fn set_scheme(app: &App, ctx: &Ctx, s: &Scheme) -> Result<i64, AppError> {
    let district = super::managed_district(app, ctx).await?;
    s.validate().map_err(AppError::Invalid)?;
    let body = serde_json::to_string(s).map_err(|e| AppError::Internal(e.to_string()))?;
    let actor = ctx.actor()?;
    let mut tx = Uow::begin(app).await?;
    scheme_in(&mut tx, &district).await?;
    let id = match store::insert_scheme(&mut tx, &district, &body, &actor.display_name).await {
        Ok(id) => id,
        Err(e) if e.is_unique_violation() => {
            return Err(AppError::Conflict(FieldError::new("", "err-stale-version")))
        }
        Err(e) => return Err(e.into()),
    };
    let v = store::scheme(&mut tx, id)
        .await?
        .map(|r| r.version)
        .unwrap_or(0);
    tx.commit(ctx.audit_entry(
        audit("scheme.edit"),
        Some(id.to_string()),
        format!(
            "{district} v{v}: {}",
            s.indicators
                .iter()
                .map(|i| format!("{} {}", i.code, i.weight))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

// ---- assignment ------------------------------------------------------------------------

/// An account that may be assigned: an evaluator acting for an agency.
#[derive(Debug, Clone)]
pub struct Assessor {
    pub user_id: i64,
    pub name: String,
    pub agency_id: i64,
    pub agency_name: String,
}

/// The evaluator accounts an officer may assign (unlocked, acting for an agency).
pub async fn assessors(app: &App, ctx: &Ctx) -> Result<Vec<Assessor>, AppError> {
    super::managed_district(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    Ok(store::assessors(&mut c)
        .await?
        .into_iter()
        .map(|(user_id, name, agency_id, agency_name)| Assessor {
            user_id,
            name,
            agency_id,
            agency_name,
        })
        .collect())
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AssignInput {
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub assessor: Option<i64>,
}

fn require_manage(ctx: &Ctx, k: &ContractRow) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    if policy::may_manage(actor, &k.district) {
        Ok(())
    } else {
        Err(AppError::Hidden)
    }
}

/// Why an assessor may not evaluate a contract's provider, if they may not: the agency is
/// the provider itself, or the assessor works (or worked within the past three years) for it.
async fn conflict(
    conn: &mut Conn,
    k: &ContractRow,
    assessor: i64,
    agency: i64,
) -> Result<Option<FieldError>, AppError> {
    if agency == k.org_id {
        return Ok(Some(
            FieldError::new("assessor", "err-eval-conflict-agency").arg("org", &k.org_name),
        ));
    }
    let since = domain::years_before(&today(), 3);
    if store::tied_to(conn, assessor, k.org_id, &since).await? {
        return Ok(Some(
            FieldError::new("assessor", "err-eval-conflict-employee").arg("org", &k.org_name),
        ));
    }
    if store::orgs_tied(conn, agency, k.org_id, &since).await? {
        return Ok(Some(
            FieldError::new("assessor", "err-eval-conflict-agency-tie").arg("org", &k.org_name),
        ));
    }
    Ok(None)
}

// ---- agencies' ties ------------------------------------------------------------------------

/// Removes a tie recorded by mistake (the district's officers; audited with what it said).
/// A tie that ended is not removed but recorded with its end: it still counts three years.
pub async fn remove_agency_tie(app: &App, ctx: &Ctx, tie: i64) -> Result<(), AppError> {
    super::managed_district(app, ctx).await?;
    let mut tx = Uow::begin(app).await?;
    let t = store::org_tie(&mut tx, tie)
        .await?
        .ok_or(AppError::NotFound)?;
    let a = pstore::org(&mut tx, t.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::delete_org_tie(&mut tx, tie).await? {
        return Err(AppError::NotFound);
    }
    tx.commit(ctx.audit_entry(
        audit("untie"),
        Some(t.org_id.to_string()),
        format!(
            "{} — {} ({}{})",
            a.name,
            t.other_name,
            t.relation,
            t.ended_on
                .as_deref()
                .map(|d| format!(", ended {d}"))
                .unwrap_or_default()
        ),
        Outcome::Success,
    ))
    .await
}

/// What ties an agency to another organization: one controls the other, they share a
/// director or legal representative, or one founded (举办) the other.
pub const ORG_TIE_RELATIONS: [&str; 3] = ["controller", "director", "founder"];

/// An evaluation agency with its recorded ties.
#[derive(Debug, Clone)]
pub struct Agency {
    pub id: i64,
    pub name: String,
    /// Its evaluator accounts.
    pub assessors: Vec<String>,
    pub ties: Vec<store::OrgTieRow>,
}

/// The agencies (organizations with evaluator accounts) and their ties (the district's
/// officers).
pub async fn agencies(app: &App, ctx: &Ctx) -> Result<Vec<Agency>, AppError> {
    let all = assessors(app, ctx).await?;
    let mut out: Vec<Agency> = Vec::new();
    for a in all {
        match out.last_mut() {
            Some(x) if x.id == a.agency_id => x.assessors.push(a.name),
            _ => out.push(Agency {
                id: a.agency_id,
                name: a.agency_name,
                assessors: vec![a.name],
                ties: Vec::new(),
            }),
        }
    }
    let mut c = app.db.acquire().await?;
    for x in &mut out {
        x.ties = store::org_ties(&mut c, x.id).await?;
    }
    Ok(out)
}

/// The ties recorded for one organization as an agency (the district's officers).
pub async fn agency_ties(
    app: &App,
    ctx: &Ctx,
    agency: i64,
) -> Result<Vec<store::OrgTieRow>, AppError> {
    super::managed_district(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    pstore::org(&mut c, agency)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(store::org_ties(&mut c, agency).await?)
}

/// Records a tie between an agency and another organization (the district's officers): the
/// agency is refused for that organization's contracts, and a reviewer acting for it for that
/// organization's venture projects, while the tie lasts and for three years after it ends.
pub async fn add_agency_tie(
    app: &App,
    ctx: &Ctx,
    agency: i64,
    i: &super::panel::TieInput,
) -> Result<i64, AppError> {
    super::managed_district(app, ctx).await?;
    let mut errs = Vec::new();
    let (relation, ended_on) = i.fields(&ORG_TIE_RELATIONS, &mut errs);
    let mut tx = Uow::begin(app).await?;
    let a = pstore::org(&mut tx, agency)
        .await?
        .ok_or(AppError::NotFound)?;
    if !store::is_agency(&mut tx, a.id).await? {
        return Err(AppError::invalid(FieldError::new(
            "",
            "err-agency-not-agency",
        )));
    }
    let other = match i.org.trim().parse::<i64>() {
        Ok(id) => pstore::org(&mut tx, id).await?,
        Err(_) => None,
    };
    match &other {
        None => errs.push(FieldError::new("org", "err-org-missing")),
        Some(o) if o.id == a.id => errs.push(FieldError::new("org", "err-agency-tie-self")),
        Some(_) => {}
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let other = other.ok_or(AppError::NotFound)?;
    let Some(id) =
        store::insert_org_tie(&mut tx, a.id, other.id, &relation, ended_on.as_deref()).await?
    else {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-agency-tie-exists",
        )));
    };
    tx.commit(ctx.audit_entry(
        audit("tie"),
        Some(a.id.to_string()),
        format!("{} — {} ({relation})", a.name, other.name),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

fn check_assign(i: &AssignInput) -> Result<i64, AppError> {
    let mut errs = Vec::new();
    if !STAGES.contains(&i.stage.as_str()) {
        errs.push(FieldError::new("stage", "err-choice").arg("choices", STAGES.join("、")));
    }
    if i.assessor.is_none() {
        errs.push(FieldError::new("assessor", "err-required"));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    Ok(i.assessor.unwrap_or_default())
}

/// An unlocked evaluator account acting for an agency: (account, agency).
async fn assessor_account(
    conn: &mut Conn,
    assessor: i64,
) -> Result<(sanshe_store::users::UserRow, i64), AppError> {
    sanshe_store::users::get(conn, assessor)
        .await?
        .filter(|u| u.role == Role::Evaluator.as_str() && !u.locked)
        .and_then(|u| u.scope_org.map(|o| (u, o)))
        .ok_or_else(|| AppError::invalid(FieldError::new("assessor", "err-eval-not-assessor")))
}

/// The day a provider's self-evaluation is due, where the scheme asks for one.
async fn self_due(app: &App, scheme: &SchemeRow) -> Result<Option<String>, AppError> {
    let s = parse_scheme(scheme)?;
    if !s.self_evaluation {
        return Ok(None);
    }
    Ok(Some(
        crate::calendar::deadline(app, crate::calendar::today(), s.self_days)
            .await?
            .to_string(),
    ))
}

/// Assigns one stage inside the caller's transaction: the contract is the officer's, signed,
/// the stage free and the assessor without a conflict. Returns the evaluation and the
/// audit line.
async fn assign_in(
    app: &App,
    tx: &mut Uow,
    ctx: &Ctx,
    contract: i64,
    stage: &str,
    assessor: i64,
) -> Result<(i64, String), AppError> {
    let actor = ctx.actor()?;
    let k = kstore::get(tx, contract).await?.ok_or(AppError::NotFound)?;
    require_manage(ctx, &k)?;
    kstore::lock(tx, contract).await?;
    if k.state == "draft" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-contract-not-signed").arg("state", &k.state),
        ));
    }
    let (u, agency) = assessor_account(tx, assessor).await?;
    if let Some(e) = conflict(tx, &k, assessor, agency).await? {
        return Err(AppError::invalid(e));
    }
    let scheme = scheme_in(tx, &k.district).await?;
    let due = self_due(app, &scheme).await?;
    let Some(id) = store::insert(
        tx,
        contract,
        stage,
        agency,
        assessor,
        scheme.id,
        due.as_deref(),
    )
    .await?
    else {
        return Err(AppError::Conflict(
            FieldError::new("stage", "err-eval-stage-taken").arg("stage", stage),
        ));
    };
    workflow::created::<Evaluations>(tx, actor, id, EvalState::Assigned, stage).await?;
    let link = format!("/purchase/evaluations/{id}");
    inbox::notify(
        tx,
        &[assessor],
        "evaluation.assigned",
        &k.project_title,
        stage,
        &link,
    )
    .await?;
    if let Some(due) = &due {
        let told = pstore::org_accounts(tx, &k.district, Some(k.org_id)).await?;
        inbox::notify(
            tx,
            &told,
            "evaluation.self_asked",
            &k.project_title,
            due,
            &link,
        )
        .await?;
    }
    Ok((
        id,
        format!(
            "{} — {stage} ({}, {})",
            k.project_title, u.display_name, k.org_name
        ),
    ))
}

/// Assigns an assessor to a stage of a signed (or completed) contract.
pub async fn assign(app: &App, ctx: &Ctx, contract: i64, i: &AssignInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let assessor = check_assign(i)?;
    let mut tx = Uow::begin(app).await?;
    let (id, line) = assign_in(app, &mut tx, ctx, contract, &i.stage, assessor).await?;
    tx.commit(ctx.audit_entry(
        audit("assign"),
        Some(id.to_string()),
        line,
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// The signed contracts of the officer's district a batch may take, newest first.
pub async fn batch_candidates(app: &App, ctx: &Ctx) -> Result<Vec<ContractRow>, AppError> {
    let district = super::managed_district(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    Ok(kstore::of_district(&mut c, &district)
        .await?
        .into_iter()
        .filter(|k| k.state != "draft")
        .collect())
}

/// The most contracts one batch assignment takes.
pub const BATCH_MAX: usize = 100;

/// Assigns one assessor (and so its agency) to the same stage of several contracts at once:
/// all or nothing. Every contract that cannot be assigned is named with its reason
/// (`contracts[i]`), and then none is.
pub async fn assign_batch(
    app: &App,
    ctx: &Ctx,
    contracts: &[i64],
    i: &AssignInput,
) -> Result<Vec<i64>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let assessor = check_assign(i)?;
    if contracts.is_empty() || contracts.len() > BATCH_MAX {
        return Err(AppError::invalid(
            FieldError::new("contracts", "err-range")
                .arg("min", 1)
                .arg("max", BATCH_MAX),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut tx = Uow::begin(app).await?;
    let mut ids = Vec::new();
    let mut lines = Vec::new();
    let mut errs: Vec<(usize, FieldError)> = Vec::new();
    // Contracts are locked in ascending order, so two batches never wait on each other.
    let mut order: Vec<(usize, &i64)> = contracts.iter().enumerate().collect();
    order.sort_by_key(|(n, k)| (**k, *n));
    let mut created: Vec<(usize, i64)> = Vec::new();
    for (n, k) in order {
        let field = format!("contracts[{n}]");
        if !seen.insert(*k) {
            errs.push((
                n,
                FieldError::new(&field, "err-eval-batch-twice").arg("contract", k),
            ));
            continue;
        }
        match assign_in(app, &mut tx, ctx, *k, &i.stage, assessor).await {
            Ok((id, line)) => {
                created.push((n, id));
                lines.push(line);
            }
            Err(AppError::Invalid(fs)) => errs.extend(fs.into_iter().map(|mut f| {
                f.field = field.clone();
                (n, f.arg("contract", k))
            })),
            Err(AppError::Conflict(f)) => {
                let mut f = f.arg("contract", k);
                f.field = field.clone();
                errs.push((n, f));
            }
            Err(AppError::NotFound | AppError::Hidden) => {
                errs.push((
                    n,
                    FieldError::new(&field, "err-eval-batch-unknown").arg("contract", k),
                ));
            }
            Err(e) => return Err(e),
        }
    }
    if !errs.is_empty() {
        errs.sort_by_key(|e| e.0);
        return Err(AppError::Invalid(errs.into_iter().map(|e| e.1).collect()));
    }
    created.sort_by_key(|c| c.0);
    ids.extend(created.into_iter().map(|c| c.1));
    tx.commit(ctx.audit_entry(
        audit("assign.batch"),
        None,
        lines.join("; "),
        Outcome::Success,
    ))
    .await?;
    Ok(ids)
}

/// Who may take an assigned stage over from the caller's point of view: every assessor for
/// the district's officer, the agency's other assessors for one of its evaluators; empty when
/// the caller may not hand it over.
pub async fn hand_over_choices(
    app: &App,
    ctx: &Ctx,
    e: &EvaluationRow,
) -> Result<Vec<Assessor>, AppError> {
    let actor = ctx.actor()?;
    if e.state != "assigned" {
        return Ok(Vec::new());
    }
    let officer = policy::may_manage(actor, &e.district);
    let same_agency =
        authz::can(actor, Perm::PanelServe) && authz::own_org(actor) == Some(e.agency_org_id);
    if !officer && !same_agency {
        return Ok(Vec::new());
    }
    let mut c = app.db.acquire().await?;
    Ok(store::assessors(&mut c)
        .await?
        .into_iter()
        .filter(|a| a.0 != e.assessor_id && (officer || a.2 == e.agency_org_id))
        .map(|(user_id, name, agency_id, agency_name)| Assessor {
            user_id,
            name,
            agency_id,
            agency_name,
        })
        .collect())
}

/// Hands an assigned stage to another assessor: the district's officer, or an evaluator of
/// the agency that holds it (the agency assigns its own assessors). The new assessor is
/// checked for conflicts like any assignment; an agency hands on only within itself.
/// With `version`, the hand-over is refused (409) when someone changed the stage since the
/// caller read it.
pub async fn hand_over(
    app: &App,
    ctx: &Ctx,
    id: i64,
    assessor: i64,
    version: Option<i64>,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if !(authz::can(actor, Perm::PanelServe) || authz::can(actor, Perm::PurchaseManage)) {
        return Err(AppError::Forbidden);
    }
    authz::granted()?;
    let mut tx = Uow::begin(app).await?;
    let (e, k) = locked(&mut tx, id).await?;
    let officer = policy::may_manage(actor, &e.district);
    let same_agency =
        authz::can(actor, Perm::PanelServe) && authz::own_org(actor) == Some(e.agency_org_id);
    if !officer && !same_agency {
        return Err(AppError::Hidden);
    }
    if e.state != "assigned" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-transition-not-allowed")
                .arg("event", "handover")
                .arg("state", &e.state),
        ));
    }
    if version.is_some_and(|v| v != e.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let (u, agency) = assessor_account(&mut tx, assessor).await?;
    if !officer && agency != e.agency_org_id {
        return Err(AppError::invalid(
            FieldError::new("assessor", "err-eval-other-agency").arg("agency", &e.agency_name),
        ));
    }
    if let Some(f) = conflict(&mut tx, &k, assessor, agency).await? {
        return Err(AppError::invalid(f));
    }
    if !store::set_assessor(&mut tx, id, agency, assessor).await? {
        return Err(AppError::Conflict(FieldError::new("", "err-stale-version")));
    }
    sanshe_store::workflow::append_history(
        &mut tx,
        &sanshe_store::workflow::HistoryEntry {
            kind: Evaluations::KIND.into(),
            record_id: id,
            actor_id: actor.user_id,
            actor_name: actor.display_name.clone(),
            from_state: Some("assigned".into()),
            to_state: "assigned".into(),
            event: "handover".into(),
            note: format!("{} → {}", e.assessor_name, u.display_name),
        },
    )
    .await?;
    inbox::notify(
        &mut tx,
        &[assessor],
        "evaluation.assigned",
        &k.project_title,
        &e.stage,
        &format!("/purchase/evaluations/{id}"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("handover"),
        Some(id.to_string()),
        format!(
            "{} — {}: {} → {}",
            k.project_title, e.stage, e.assessor_name, u.display_name
        ),
        Outcome::Success,
    ))
    .await
}

// ---- reading -----------------------------------------------------------------------------

pub(super) fn is_assessor(actor: &crate::Actor, e: &EvaluationRow) -> bool {
    authz::can(actor, Perm::PanelServe) && actor.user_id == Some(e.assessor_id)
}

pub(super) fn is_provider(actor: &crate::Actor, e: &EvaluationRow) -> bool {
    authz::can(actor, Perm::PurchaseApply) && authz::own_org(actor) == Some(e.org_id)
}

fn may_read(actor: &crate::Actor, e: &EvaluationRow) -> bool {
    policy::may_manage(actor, &e.district)
        || is_assessor(actor, e)
        || is_provider(actor, e)
        // Published results are public (the portal shows them): any purchase staff reads them.
        || (e.state == "published" && authz::can(actor, Perm::PurchaseRead))
}

/// The events the caller may take on an evaluation now.
pub fn offered(actor: &crate::Actor, e: &EvaluationRow) -> Vec<EvalEvent> {
    let Some(state) = Evaluations::parse_state(&e.state) else {
        return Vec::new();
    };
    Evaluations::EVENTS
        .iter()
        .copied()
        .filter(|ev| Evaluations::next(state, *ev).is_some())
        .filter(|ev| match ev {
            EvalEvent::Submit | EvalEvent::Recuse | EvalEvent::Finalize => is_assessor(actor, e),
            EvalEvent::Publish => policy::may_manage(actor, &e.district),
        })
        .collect()
}

pub struct EvaluationView {
    pub evaluation: EvaluationRow,
    pub scheme: Scheme,
    /// Points per indicator in tenths (empty until scored).
    pub points: Vec<i64>,
    pub history: Vec<HistoryRow>,
    pub offered: Vec<EvalEvent>,
    /// The provider may answer the draft now.
    pub may_answer: bool,
    /// The provider may give (or replace) its self-evaluation now.
    pub may_self_evaluate: bool,
    /// The provider's self-evaluation points per indicator in tenths (empty until given).
    pub self_points: Vec<i64>,
    /// The stage's rectification, if one was ordered.
    pub rectification: Option<store::RectRow>,
    /// The officer may order a rectification now.
    pub may_order_rectification: bool,
    /// Rectification events the caller may take now.
    pub rect_events: Vec<domain::RectEvent>,
    /// The assessor's comment on each indicator, in the scheme's order ('' where none).
    pub comments: Vec<String>,
    /// The rectification's timeline.
    pub rect_history: Vec<HistoryRow>,
    /// Delivery-log entries checked, and (for the assessor while the stage is open) a
    /// suggested sample of entries not yet checked: (log, day, content).
    pub samples: Vec<store::SampleRow>,
    pub suggested: Vec<(i64, String, String)>,
    /// The contract's end date (the final stage opens before it).
    pub contract_end: String,
}

fn points(e: &EvaluationRow) -> Vec<i64> {
    split_points(&e.scores)
}

fn split_points(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<EvaluationView, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let e = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if !may_read(actor, &e) {
        return Err(AppError::Hidden);
    }
    let s = store::scheme(&mut c, e.scheme_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let k = kstore::get(&mut c, e.contract_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let history = sanshe_store::workflow::history(&mut c, Evaluations::KIND, id).await?;
    let may_answer = is_provider(actor, &e)
        && e.state == "draft"
        && e.answer_by
            .as_deref()
            .is_some_and(|d| today().as_str() <= d);
    let scheme = parse_scheme(&s)?;
    let may_self_evaluate = is_provider(actor, &e)
        && e.state == "assigned"
        && e.self_due
            .as_deref()
            .is_some_and(|d| !scheme.late_fails || today().as_str() <= d);
    let rectification = store::rectification_of(&mut c, id).await?;
    let rect_history = match &rectification {
        Some(r) => {
            sanshe_store::workflow::history(&mut c, domain::Rectifications::KIND, r.id).await?
        }
        None => Vec::new(),
    };
    let samples = store::samples(&mut c, id).await?;
    let suggested = if is_assessor(actor, &e) && matches!(e.state.as_str(), "assigned" | "draft") {
        let checked: std::collections::HashSet<i64> = samples.iter().map(|s| s.log_id).collect();
        // Seeded with the assignment's instant, which the provider does not see to the second.
        draw(
            &store::log_ids(&mut c, e.contract_id).await?,
            e.created_at.wrapping_mul(1_000_003) ^ id,
        )
        .into_iter()
        .filter(|l| !checked.contains(&l.0))
        .collect()
    } else {
        Vec::new()
    };
    let rect_events = match &rectification {
        Some(r) => {
            let gone = super::rectification::assessor_gone(&mut c, &e).await?;
            super::rectification::offered(actor, &e, r, gone)
        }
        None => Vec::new(),
    };
    Ok(EvaluationView {
        comments: comments_of(&scheme, &e),
        may_order_rectification: rectification.is_none()
            && super::rectification::may_order(actor, &e),
        rectification,
        rect_events,
        rect_history,
        samples,
        suggested,
        may_self_evaluate,
        self_points: split_points(&e.self_scores),
        points: points(&e),
        scheme,
        offered: offered(actor, &e),
        may_answer,
        history,
        contract_end: k.clauses.end_date,
        evaluation: e,
    })
}

/// Evaluations the caller may see: officers their district's, assessors their own,
/// organizations their contracts', other purchase staff the published ones of their area.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    mut f: Filter,
    page: PageReq,
) -> Result<Paged<EvaluationRow>, AppError> {
    let actor = ctx.actor()?;
    f.district = None;
    f.assessor = None;
    f.org = None;
    f.published_only = false;
    if authz::can(actor, Perm::PanelServe) {
        f.assessor = Some(actor.user_id.unwrap_or(-1));
    } else if authz::can(actor, Perm::PurchaseApply) {
        f.org = Some(authz::own_org(actor).unwrap_or(-1));
    } else if authz::can(actor, Perm::PurchaseRead) {
        let d = super::district_of(app, ctx).await?;
        f.published_only = !policy::may_manage(actor, &d);
        f.district = Some(d);
    } else if !actor.is_cli {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.acquire().await?;
    Ok(store::list(&mut c, &f, page).await?)
}

/// A contract's evaluations the caller may see.
pub async fn of_contract(
    app: &App,
    ctx: &Ctx,
    contract: i64,
) -> Result<Vec<EvaluationRow>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    Ok(store::of_contract(&mut c, contract)
        .await?
        .into_iter()
        .filter(|e| may_read(actor, e))
        .collect())
}

/// The published evaluations of a project's contract (the portal).
pub async fn public_of_project(app: &App, project: i64) -> Result<Vec<EvaluationRow>, AppError> {
    let mut c = app.db.acquire().await?;
    let Some(k) = kstore::of_project(&mut c, project).await? else {
        return Ok(Vec::new());
    };
    Ok(store::of_contract(&mut c, k.id)
        .await?
        .into_iter()
        .filter(|e| e.state == "published")
        .collect())
}

// ---- scoring and deciding ------------------------------------------------------------------

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ScoreInput {
    /// Points per indicator code, as typed.
    #[serde(default)]
    pub scores: Vec<(String, String)>,
    #[serde(default)]
    pub findings: String,
    /// A comment per indicator code (optional; what the points rest on).
    #[serde(default)]
    pub comments: Vec<(String, String)>,
    /// The assessor declares no tie to the provider (required).
    #[serde(default)]
    pub no_conflict: bool,
    #[serde(default)]
    pub version: Option<i64>,
}

pub(super) async fn locked(
    tx: &mut Uow,
    id: i64,
) -> Result<(EvaluationRow, ContractRow), AppError> {
    let e = store::get(tx, id).await?.ok_or(AppError::NotFound)?;
    kstore::lock(tx, e.contract_id).await?;
    let e = store::get(tx, id).await?.ok_or(AppError::NotFound)?;
    let k = kstore::get(tx, e.contract_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((e, k))
}

fn at(e: &EvaluationRow, version: Option<i64>) -> Result<At<EvalState>, AppError> {
    Ok(At {
        id: e.id,
        version: version.unwrap_or(e.version),
        state: Evaluations::parse_state(&e.state)
            .ok_or_else(|| AppError::Internal(format!("evaluation {}: {}", e.id, e.state)))?,
    })
}

/// The assessor scores the stage against the scheme it was assigned with and declares no
/// conflict: the draft goes to the provider, who may answer within the answer period.
pub async fn submit(app: &App, ctx: &Ctx, id: i64, i: &ScoreInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PanelServe)?;
    let mut tx = Uow::begin(app).await?;
    let (e, k) = locked(&mut tx, id).await?;
    if !is_assessor(actor, &e) {
        return Err(AppError::Hidden);
    }
    // A tie recorded since the assignment stops the scoring too.
    if let Some(f) = conflict(&mut tx, &k, e.assessor_id, e.agency_org_id).await? {
        return Err(AppError::Conflict(f));
    }
    let scheme = scheme_of(&mut tx, &e).await?;
    let mut errs = Vec::new();
    if !i.no_conflict {
        errs.push(FieldError::new("no_conflict", "err-eval-declaration"));
    }
    let pts = scheme
        .scores(&i.scores)
        .map_err(|e| errs.extend(e))
        .unwrap_or_default();
    let findings = rules::text("findings", &i.findings, TEXT_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let comments = comments_json(&scheme, &i.comments)
        .map_err(|e| errs.extend(e))
        .unwrap_or_default();
    let year = k
        .clauses
        .start_date
        .get(..4)
        .and_then(|y| y.parse().ok())
        .unwrap_or(2026);
    let profile = crate::targets::profile_in(&mut tx, year).await?;
    if e.stage == "final" {
        let opens = sanshe_domain::calendar::Day::parse(&k.clauses.end_date)
            .map(|d| {
                d.plus_days(-profile.evaluation_final_opens_days)
                    .to_string()
            })
            .unwrap_or_default();
        if today() < opens {
            errs.push(FieldError::new("", "err-eval-final-not-open").arg("date", &opens));
        }
    }
    // Indicators that ask for evidence: something attached or a delivery log checked first.
    let needs: Vec<&str> = scheme
        .indicators
        .iter()
        .filter(|x| x.evidence)
        .map(|x| x.name_zh.as_str())
        .collect();
    if !needs.is_empty()
        && sanshe_store::attachments::list(&mut tx, EVIDENCE, id)
            .await?
            .is_empty()
        && store::samples(&mut tx, id).await?.is_empty()
    {
        errs.push(FieldError::new("", "err-eval-evidence-required").arg("names", needs.join("、")));
    }
    // The provider's self-evaluation comes first where the scheme asks for one; missing at
    // its due day, it makes the stage 差 where the scheme says so.
    let mut late = false;
    if let (Some(due), None) = (&e.self_due, &e.self_on) {
        if today().as_str() <= due.as_str() {
            errs.push(FieldError::new("", "err-eval-self-pending").arg("date", due));
        } else {
            late = scheme.late_fails;
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let total: i64 = pts.iter().sum();
    let grade = if late { "poor" } else { scheme.grade(total) };
    let answer_by = crate::calendar::deadline(
        app,
        crate::calendar::today(),
        profile.evaluation_answer_days,
    )
    .await?
    .to_string();
    let from = at(&e, i.version)?;
    let to = workflow::transition::<Evaluations>(
        &mut tx,
        Table::Evaluations,
        actor,
        from,
        EvalEvent::Submit,
        &domain::points_text(total),
    )
    .await?;
    if late {
        store::set_late(&mut tx, id).await?;
    }
    let stored: Vec<String> = pts.iter().map(i64::to_string).collect();
    store::set_scores(
        &mut tx,
        id,
        &stored.join(","),
        total,
        grade,
        &findings,
        &comments,
        &answer_by,
    )
    .await?;
    let told = pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?;
    inbox::notify(
        &mut tx,
        &told,
        "evaluation.draft",
        &k.project_title,
        &format!("{} {}", domain::points_text(total), answer_by),
        &format!("/purchase/evaluations/{id}"),
    )
    .await?;
    workflow::commit::<Evaluations>(
        tx,
        ctx,
        id,
        &k.project_title,
        from.state,
        EvalEvent::Submit,
        to,
    )
    .await
}

/// The longest comment on one indicator.
pub const COMMENT_MAX: usize = 1000;

/// The comments per indicator as stored: a JSON object from code to text, blank ones left
/// out ('' when none); each code must be the scheme's.
fn comments_json(s: &Scheme, given: &[(String, String)]) -> Result<String, Vec<FieldError>> {
    let mut errs = Vec::new();
    let mut out = std::collections::BTreeMap::new();
    for (code, text) in given {
        let field = format!("comment_{code}");
        if !s.indicators.iter().any(|i| i.code == *code) {
            errs.push(FieldError::new(&field, "err-eval-indicator-unknown").arg("code", code));
            continue;
        }
        match rules::text(&field, text, COMMENT_MAX, false) {
            Ok(t) if t.is_empty() => {}
            Ok(t) => {
                out.insert(code.clone(), t);
            }
            Err(e) => errs.push(e),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    if out.is_empty() {
        return Ok(String::new());
    }
    serde_json::to_string(&out).map_err(|_| Vec::new())
}

/// The assessor's comment on each indicator, in the scheme's order ('' where none).
pub fn comments_of(s: &Scheme, e: &EvaluationRow) -> Vec<String> {
    let m: std::collections::BTreeMap<String, String> =
        serde_json::from_str(&e.comments).unwrap_or_default();
    s.indicators
        .iter()
        .map(|i| m.get(&i.code).cloned().unwrap_or_default())
        .collect()
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SelfInput {
    /// Points per indicator code, as typed.
    #[serde(default)]
    pub scores: Vec<(String, String)>,
    #[serde(default)]
    pub report: String,
}

/// The provider evaluates itself against the stage's scheme, where the scheme asks, until
/// its due day (a later one replaces it while the assessor has not scored). Past the due day
/// it is refused when the scheme counts a late one as a fail.
pub async fn self_evaluate(app: &App, ctx: &Ctx, id: i64, i: &SelfInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let mut tx = Uow::begin(app).await?;
    let (e, k) = locked(&mut tx, id).await?;
    if !is_provider(actor, &e) {
        return Err(AppError::Hidden);
    }
    let scheme = scheme_of(&mut tx, &e).await?;
    let Some(due) = e.self_due.clone() else {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-eval-self-not-asked",
        )));
    };
    if e.state != "assigned" || (scheme.late_fails && today() > due) {
        return Err(AppError::Conflict(
            FieldError::new("", "err-eval-self-closed").arg("date", &due),
        ));
    }
    let mut errs = Vec::new();
    let pts = scheme
        .scores(&i.scores)
        .map_err(|e| errs.extend(e))
        .unwrap_or_default();
    let report = rules::text("report", &i.report, TEXT_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let total: i64 = pts.iter().sum();
    let stored: Vec<String> = pts.iter().map(i64::to_string).collect();
    if !store::set_self(&mut tx, id, &stored.join(","), total, &report, &today()).await? {
        return Err(AppError::Conflict(
            FieldError::new("", "err-eval-self-closed").arg("date", &due),
        ));
    }
    inbox::notify(
        &mut tx,
        &[e.assessor_id],
        "evaluation.self_given",
        &k.project_title,
        &domain::points_text(total),
        &format!("/purchase/evaluations/{id}"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("self"),
        Some(id.to_string()),
        format!(
            "{} — {}: {}",
            k.project_title,
            e.stage,
            domain::points_text(total)
        ),
        Outcome::Success,
    ))
    .await
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AnswerInput {
    #[serde(default)]
    pub answer: String,
}

/// The provider answers a draft (within the answer period; a later answer replaces it).
pub async fn answer(app: &App, ctx: &Ctx, id: i64, i: &AnswerInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let text = rules::text("answer", &i.answer, TEXT_MAX, true).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let (e, k) = locked(&mut tx, id).await?;
    if !is_provider(actor, &e) {
        return Err(AppError::Hidden);
    }
    let open = e.state == "draft"
        && e.answer_by
            .as_deref()
            .is_some_and(|d| today().as_str() <= d);
    if !open || !store::set_answer(&mut tx, id, &text).await? {
        return Err(AppError::Conflict(
            FieldError::new("answer", "err-eval-answer-closed")
                .arg("date", e.answer_by.as_deref().unwrap_or("—")),
        ));
    }
    inbox::notify(
        &mut tx,
        &[e.assessor_id],
        "evaluation.answered",
        &k.project_title,
        &text,
        &format!("/purchase/evaluations/{id}"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("answer"),
        Some(id.to_string()),
        format!("{} — {}", k.project_title, e.stage),
        Outcome::Success,
    ))
    .await
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EvalTransition {
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub version: Option<i64>,
    /// Recuse: the tie declared (required).
    #[serde(default)]
    pub text: String,
}

/// Recuse (the assessor declares a tie), finalize (the assessor, once the provider answered
/// or the answer period passed) or publish (the officer).
pub async fn decide(app: &App, ctx: &Ctx, id: i64, i: &EvalTransition) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if !(authz::can(actor, Perm::PanelServe) || authz::can(actor, Perm::PurchaseManage)) {
        return Err(AppError::Forbidden);
    }
    let event = Evaluations::parse_event(&i.event)
        .filter(|e| *e != EvalEvent::Submit)
        .ok_or_else(|| {
            AppError::invalid(
                FieldError::new("event", "err-choice").arg("choices", "recuse、finalize、publish"),
            )
        })?;
    authz::granted()?;
    let mut tx = Uow::begin(app).await?;
    let (e, k) = locked(&mut tx, id).await?;
    if !may_read(actor, &e) {
        return Err(AppError::Hidden);
    }
    let allowed = match event {
        EvalEvent::Submit | EvalEvent::Recuse | EvalEvent::Finalize => is_assessor(actor, &e),
        EvalEvent::Publish => policy::may_manage(actor, &e.district),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let text = rules::text("text", &i.text, TEXT_MAX, event == EvalEvent::Recuse)
        .map_err(AppError::invalid)?;
    let day = today();
    if event == EvalEvent::Finalize
        && e.answer.is_empty()
        && e.answer_by.as_deref().is_some_and(|d| day.as_str() <= d)
    {
        return Err(AppError::Conflict(
            FieldError::new("", "err-eval-answer-pending")
                .arg("date", e.answer_by.as_deref().unwrap_or("—")),
        ));
    }
    let from = at(&e, i.version)?;
    let to =
        workflow::transition::<Evaluations>(&mut tx, Table::Evaluations, actor, from, event, &text)
            .await?;
    let link = format!("/purchase/evaluations/{id}");
    let officers =
        sanshe_store::inbox::staff_covering(&mut tx, &k.district, &[Role::DistrictAdmin]).await?;
    match event {
        EvalEvent::Finalize => {
            store::set_decided(&mut tx, id, &day).await?;
            let grade = e.grade.clone().unwrap_or_default();
            let mut told = pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?;
            told.extend(&officers);
            let kind = if domain::passes(&grade) {
                if let Some(gate) = domain::gate_of(&e.stage) {
                    open_gated(&mut tx, actor, k.id, gate).await?;
                }
                "evaluation.final"
            } else if e.stage == "midterm" {
                store::halt(&mut tx, k.id, &day).await?;
                "evaluation.halted"
            } else {
                "evaluation.final"
            };
            inbox::notify(&mut tx, &told, kind, &k.project_title, &grade, &link).await?;
        }
        EvalEvent::Recuse => {
            inbox::notify(
                &mut tx,
                &officers,
                "evaluation.recused",
                &k.project_title,
                &text,
                &link,
            )
            .await?;
        }
        EvalEvent::Publish | EvalEvent::Submit => {}
    }
    workflow::commit::<Evaluations>(tx, ctx, id, &k.project_title, from.state, event, to).await
}

/// A passed stage makes ready every scheduled tranche gated on it.
pub(super) async fn open_gated(
    tx: &mut Uow,
    actor: &crate::Actor,
    contract: i64,
    gate: &str,
) -> Result<(), AppError> {
    for t in kstore::tranches(tx, contract).await? {
        let Some(state) = Tranches::parse_state(&t.state) else {
            continue;
        };
        if t.gate != gate || Tranches::next(state, TrancheEvent::Accept).is_none() {
            continue;
        }
        workflow::transition::<Tranches>(
            tx,
            Table::Tranches,
            actor,
            At {
                id: t.id,
                version: t.version,
                state,
            },
            TrancheEvent::Accept,
            gate,
        )
        .await?;
    }
    Ok(())
}

/// An organization's record for the next round's eligibility screen.
pub async fn record(conn: &mut Conn, org: i64) -> Result<Vec<domain::PastResult>, AppError> {
    Ok(store::record_of(conn, org)
        .await?
        .into_iter()
        .map(|(stage, grade, on)| domain::PastResult { stage, grade, on })
        .collect())
}

/// Rows of an evaluations export.
pub fn export_rows(rows: &[EvaluationRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|e| {
            vec![
                e.id.to_string(),
                e.project_title.clone(),
                e.org_name.clone(),
                e.stage.clone(),
                e.agency_name.clone(),
                e.assessor_name.clone(),
                e.scheme_version.to_string(),
                e.total_tenths.map(domain::points_text).unwrap_or_default(),
                e.grade.clone().unwrap_or_default(),
                e.state.clone(),
                e.decided_on.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

/// Column headers of [`export_rows`] (locale keys).
pub const EXPORT_COLUMNS: [&str; 11] = [
    "eval-col-id",
    "eval-col-project",
    "eval-col-provider",
    "eval-col-stage",
    "eval-col-agency",
    "eval-col-assessor",
    "eval-col-scheme",
    "eval-col-total",
    "eval-col-grade",
    "eval-col-state",
    "eval-col-decided",
];

// ---- evidence ------------------------------------------------------------------------------

/// The attachment owner kind of an evaluation's evidence.
pub const EVIDENCE: &str = "evaluation";

/// The evidence of an evaluation (who may read the evaluation may read its evidence).
pub async fn evidence(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<Vec<sanshe_store::attachments::AttachmentRow>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let e = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if !may_read(actor, &e) {
        return Err(AppError::Hidden);
    }
    Ok(sanshe_store::attachments::list(&mut c, EVIDENCE, id).await?)
}

/// Adds a photo, interview record or document to an evaluation (its assessor, on site, until
/// the grade is final).
pub async fn attach(
    app: &App,
    ctx: &Ctx,
    id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    use crate::attachments::{self, Accept};
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PanelServe)?;
    let e = {
        let mut c = app.db.acquire().await?;
        store::get(&mut c, id).await?.ok_or(AppError::NotFound)?
    };
    if !is_assessor(actor, &e) {
        return Err(AppError::Hidden);
    }
    if !matches!(e.state.as_str(), "assigned" | "draft") {
        return Err(AppError::Conflict(
            FieldError::new("file", "err-eval-evidence-closed").arg("state", &e.state),
        ));
    }
    let saved = attachments::save(app, "file", file_name, bytes, Accept::Documents)?;
    let written = async {
        let mut tx = Uow::begin(app).await?;
        kstore::lock(&mut tx, e.contract_id).await?;
        attachments::record_counted(
            tx,
            ctx,
            EVIDENCE,
            id,
            &saved,
            "evidence",
            audit("attach"),
            |s| format!("{} {}: {s}", e.project_title, e.stage),
        )
        .await
    }
    .await;
    attachments::settle(app, &saved, written)
}

/// One evidence file.
pub async fn evidence_file(
    app: &App,
    ctx: &Ctx,
    id: i64,
    file: i64,
) -> Result<(sanshe_store::attachments::AttachmentRow, Vec<u8>), AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let e = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if !may_read(actor, &e) {
        return Err(AppError::Hidden);
    }
    crate::attachments::fetch(app, &mut c, EVIDENCE, id, file).await
}

// ---- sampled delivery logs (抽查服务记录) ---------------------------------------------------

/// How many delivery-log entries a suggested sample holds.
pub const SAMPLE_SIZE: usize = 10;

/// A sample of a contract's delivery-log entries to check: up to [`SAMPLE_SIZE`], spread at
/// random over the whole term, the same every time for the same evaluation.
/// Each entry is ranked by a hash of its own id and the seed, so a log added later changes
/// the sample only if it ranks among the first.
pub fn draw(logs: &[(i64, String, String)], seed: i64) -> Vec<(i64, String, String)> {
    let rank = |id: i64| {
        let mut x = (id as u64) ^ (seed as u64).rotate_left(17);
        for _ in 0..3 {
            x ^= x >> 33;
            x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        }
        x ^ (x >> 33)
    };
    let mut picked: Vec<&(i64, String, String)> = logs.iter().collect();
    picked.sort_by_key(|l| rank(l.0));
    picked.truncate(SAMPLE_SIZE);
    picked.sort_by_key(|l| (l.1.clone(), l.0));
    picked.into_iter().cloned().collect()
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SampleInput {
    #[serde(default)]
    pub log: i64,
    /// consistent, inconsistent or not_found.
    #[serde(default)]
    pub result: String,
    /// What was found (required unless consistent).
    #[serde(default)]
    pub note: String,
}

/// The assessor records the check of one delivery-log entry of the contract against the
/// evidence and on site, while the stage is open (a later check of the same entry replaces
/// it).
pub async fn sample(app: &App, ctx: &Ctx, id: i64, i: &SampleInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PanelServe)?;
    let mut errs = Vec::new();
    if !store::SAMPLE_RESULTS.contains(&i.result.as_str()) {
        errs.push(
            FieldError::new("result", "err-choice")
                .arg("choices", store::SAMPLE_RESULTS.join("、")),
        );
    }
    let note = rules::text("note", &i.note, 1000, i.result != "consistent")
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = Uow::begin(app).await?;
    let (e, k) = locked(&mut tx, id).await?;
    if !is_assessor(actor, &e) {
        return Err(AppError::Hidden);
    }
    if !matches!(e.state.as_str(), "assigned" | "draft") {
        return Err(AppError::Conflict(
            FieldError::new("", "err-eval-sample-closed").arg("state", &e.state),
        ));
    }
    let log = sanshe_store::delivery::log(&mut tx, i.log)
        .await?
        .filter(|l| l.contract_id == k.id)
        .ok_or_else(|| AppError::invalid(FieldError::new("log", "err-eval-sample-log")))?;
    store::put_sample(&mut tx, id, log.id, &i.result, &note, &actor.display_name).await?;
    tx.commit(ctx.audit_entry(
        audit("sample"),
        Some(id.to_string()),
        format!("{} — log {}: {} {note}", k.project_title, log.id, i.result),
        Outcome::Success,
    ))
    .await
}

// ---- reminders ---------------------------------------------------------------------------

/// The evaluation reminders of the `purchase.deadlines` job, each sent once: the provider
/// before its answer period ends (`soon`: a few working days ahead); the assessor once the
/// period is over and the grade can be made final; the assessor of a final stage once it opens.
pub async fn remind(
    app: &App,
    ctx: &Ctx,
    district: &str,
    today: &str,
    soon: &str,
) -> Result<usize, AppError> {
    let mut c = app.db.acquire().await?;
    let all = PageReq {
        page: 1,
        per_page: i64::from(u32::MAX),
    };
    let mut open = store::list(
        &mut c,
        &Filter {
            district: Some(district.to_owned()),
            state: Some("draft".into()),
            ..Default::default()
        },
        all,
    )
    .await?
    .items;
    open.extend(
        store::list(
            &mut c,
            &Filter {
                district: Some(district.to_owned()),
                state: Some("assigned".into()),
                ..Default::default()
            },
            all,
        )
        .await?
        .items
        .into_iter()
        .filter(|e| e.stage == "final" || e.self_due.is_some()),
    );
    let mut plan = Vec::new();
    for e in open {
        let by = e.answer_by.clone().unwrap_or_default();
        if e.state == "draft" && e.answer.is_empty() && !by.is_empty() && today <= by.as_str() {
            if by.as_str() <= soon {
                let to = pstore::org_accounts(&mut c, district, Some(e.org_id)).await?;
                plan.push((to, "reminder.evaluation_answer", by, e));
            }
        } else if e.state == "draft" && !by.is_empty() {
            plan.push((vec![e.assessor_id], "reminder.evaluation_finalize", by, e));
        } else if e.state == "assigned"
            && e.self_on.is_none()
            && e.self_due.as_deref().is_some_and(|d| today <= d)
        {
            let due = e.self_due.clone().unwrap_or_default();
            if due.as_str() <= soon {
                let to = pstore::org_accounts(&mut c, district, Some(e.org_id)).await?;
                plan.push((to, "reminder.evaluation_self", due, e));
            }
        } else if e.state == "assigned" && e.stage == "final" {
            let k = kstore::get(&mut c, e.contract_id).await?;
            let profile = match &k {
                Some(k) => {
                    let year = k.clauses.start_date.get(..4).and_then(|y| y.parse().ok());
                    crate::targets::profile_in(&mut c, year.unwrap_or(2026)).await?
                }
                None => continue,
            };
            let opens = k
                .and_then(|k| sanshe_domain::calendar::Day::parse(&k.clauses.end_date))
                .map(|d| {
                    d.plus_days(-profile.evaluation_final_opens_days)
                        .to_string()
                })
                .unwrap_or_default();
            if !opens.is_empty() && opens.as_str() <= today {
                plan.push((vec![e.assessor_id], "reminder.evaluation_score", opens, e));
            }
        }
    }
    // The provider, before its rectification's deadline.
    for r in store::rectifications_due_by(&mut c, district, soon).await? {
        if r.due.as_str() < today {
            continue;
        }
        let Some(e) = store::get(&mut c, r.evaluation_id).await? else {
            continue;
        };
        let to = pstore::org_accounts(&mut c, district, Some(e.org_id)).await?;
        plan.push((to, "reminder.rectification_due", r.due, e));
    }
    drop(c);
    let mut sent = 0;
    for (to, kind, day, e) in plan {
        sent += super::remind_once(
            app,
            ctx,
            &to,
            kind,
            &e.project_title,
            &day,
            &format!("/purchase/evaluations/{}", e.id),
            e.id,
        )
        .await?;
    }
    Ok(sent)
}
