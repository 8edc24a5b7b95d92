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

fn parse_scheme(r: &SchemeRow) -> Result<Scheme, AppError> {
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
    if store::tied_to(conn, assessor, k.org_id, &domain::years_before(&today(), 3)).await? {
        return Ok(Some(
            FieldError::new("assessor", "err-eval-conflict-employee").arg("org", &k.org_name),
        ));
    }
    Ok(None)
}

/// Assigns an assessor to a stage of a signed (or completed) contract.
pub async fn assign(app: &App, ctx: &Ctx, contract: i64, i: &AssignInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
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
    let assessor = i.assessor.unwrap_or_default();
    let mut tx = Uow::begin(app).await?;
    let k = kstore::get(&mut tx, contract)
        .await?
        .ok_or(AppError::NotFound)?;
    require_manage(ctx, &k)?;
    kstore::lock(&mut tx, contract).await?;
    if k.state == "draft" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-contract-not-signed").arg("state", &k.state),
        ));
    }
    let u = sanshe_store::users::get(&mut tx, assessor).await?;
    let Some((u, agency)) = u
        .filter(|u| u.role == Role::Evaluator.as_str() && !u.locked)
        .and_then(|u| u.scope_org.map(|o| (u, o)))
    else {
        return Err(AppError::invalid(FieldError::new(
            "assessor",
            "err-eval-not-assessor",
        )));
    };
    if let Some(e) = conflict(&mut tx, &k, assessor, agency).await? {
        return Err(AppError::invalid(e));
    }
    let scheme = scheme_in(&mut tx, &k.district).await?;
    let Some(id) = store::insert(&mut tx, contract, &i.stage, agency, assessor, scheme.id).await?
    else {
        return Err(AppError::Conflict(
            FieldError::new("stage", "err-eval-stage-taken").arg("stage", &i.stage),
        ));
    };
    workflow::created::<Evaluations>(&mut tx, actor, id, EvalState::Assigned, &i.stage).await?;
    inbox::notify(
        &mut tx,
        &[assessor],
        "evaluation.assigned",
        &k.project_title,
        &i.stage,
        &format!("/purchase/evaluations/{id}"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("assign"),
        Some(id.to_string()),
        format!(
            "{} — {} ({}, {})",
            k.project_title, i.stage, u.display_name, k.org_name
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

// ---- reading -----------------------------------------------------------------------------

fn is_assessor(actor: &crate::Actor, e: &EvaluationRow) -> bool {
    authz::can(actor, Perm::PanelServe) && actor.user_id == Some(e.assessor_id)
}

fn is_provider(actor: &crate::Actor, e: &EvaluationRow) -> bool {
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
    /// The contract's end date (the final stage opens before it).
    pub contract_end: String,
}

fn points(e: &EvaluationRow) -> Vec<i64> {
    e.scores
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
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
    Ok(EvaluationView {
        points: points(&e),
        scheme: parse_scheme(&s)?,
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
    /// The assessor declares no tie to the provider (required).
    #[serde(default)]
    pub no_conflict: bool,
    #[serde(default)]
    pub version: Option<i64>,
}

async fn locked(tx: &mut Uow, id: i64) -> Result<(EvaluationRow, ContractRow), AppError> {
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
    let s = store::scheme(&mut tx, e.scheme_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let scheme = parse_scheme(&s)?;
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
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let total: i64 = pts.iter().sum();
    let grade = scheme.grade(total);
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
    let stored: Vec<String> = pts.iter().map(i64::to_string).collect();
    store::set_scores(
        &mut tx,
        id,
        &stored.join(","),
        total,
        grade,
        &findings,
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
async fn open_gated(
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
    let a = sanshe_store::attachments::get(&mut c, EVIDENCE, id, file)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = crate::attachments::read(app, &a.stored_name)?;
    Ok((a, bytes))
}

// ---- reminders ---------------------------------------------------------------------------

/// Sends one reminder (once per record, kind and recipient) with its audit entry.
async fn remind_once(
    app: &App,
    ctx: &Ctx,
    to: &[i64],
    kind: &str,
    e: &EvaluationRow,
    body: &str,
) -> Result<usize, AppError> {
    let link = format!("/purchase/evaluations/{}", e.id);
    let title: String = e.project_title.chars().take(200).collect();
    let mut sent = 0;
    for u in to {
        let mut tx = Uow::begin(app).await?;
        if sanshe_store::inbox::exists(&mut tx, *u, kind, &link, &title).await? {
            continue;
        }
        inbox::notify(&mut tx, &[*u], kind, &title, body, &link).await?;
        tx.commit(ctx.audit_entry(
            Action::Purchase {
                object: "reminder",
                verb: "send",
            },
            Some(e.id.to_string()),
            format!("{kind} {title}: {body}"),
            Outcome::Success,
        ))
        .await?;
        sent += 1;
    }
    Ok(sent)
}

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
                stage: Some("final".into()),
                ..Default::default()
            },
            all,
        )
        .await?
        .items,
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
        } else if e.state == "assigned" {
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
    drop(c);
    let mut sent = 0;
    for (to, kind, day, e) in plan {
        sent += remind_once(app, ctx, &to, kind, &e, &day).await?;
    }
    Ok(sent)
}
