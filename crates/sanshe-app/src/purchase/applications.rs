//! Applications to calls (申报): an organization's account keeps a draft with its team chosen
//! from its own social workers, sees its eligibility computed live with reasons, submits
//! before the deadline, may recall it to draft before the deadline, or withdraw it. One
//! application per organization and call (unless the call allows more) holds by a unique
//! index, so two parallel saves cannot both land.

use super::policy;
use super::projects::is_accepting;
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::needs as rules;
use sanshe_domain::purchase::{
    self as domain, ApplicationEvent, ApplicationState, Applications, Finding, MemberFacts,
    OrgFacts, Requirements,
};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::purchase::{
    self as store, ApplicationData, ApplicationFilter, ApplicationRow, MemberRow, ProjectRow,
};
use sanshe_store::workflow::{HistoryRow, Table};
use sanshe_store::{Conn, PageReq, Paged};

/// Most team members one application may name.
pub const MAX_TEAM: usize = 50;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ApplicationInput {
    /// Yuan requested (at most the call's amount).
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub needs_analysis: String,
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub outputs: String,
    #[serde(default)]
    pub outcomes: String,
    #[serde(default)]
    pub budget_breakdown: String,
    #[serde(default)]
    pub direct_beneficiaries: String,
    #[serde(default)]
    pub indirect_beneficiaries: String,
    /// The declaration of truthfulness ("1", "true", "on").
    #[serde(default)]
    pub declared: String,
    /// Social workers of the organization (ids).
    #[serde(default)]
    pub team: Vec<i64>,
}

fn yes(v: &str) -> bool {
    matches!(
        v.trim().to_lowercase().as_str(),
        "1" | "true" | "on" | "yes" | "是"
    )
}

fn parse(i: &ApplicationInput, p: &ProjectRow) -> Result<(ApplicationData, Vec<i64>), AppError> {
    let mut errs = Vec::new();
    let mut text = |f: &str, v: &str| {
        rules::text(f, v, rules::TEXT_MAX, false)
            .map_err(|e| errs.push(e))
            .unwrap_or_default()
    };
    let needs_analysis = text("needs_analysis", &i.needs_analysis);
    let plan = text("plan", &i.plan);
    let outputs = text("outputs", &i.outputs);
    let outcomes = text("outcomes", &i.outcomes);
    let budget_breakdown = text("budget_breakdown", &i.budget_breakdown);
    let amount = domain::amount("amount", &i.amount)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if amount > p.data.amount_fen {
        errs.push(
            FieldError::new("amount", "err-amount-over-call")
                .arg("max", crate::registry::yuan(p.data.amount_fen)),
        );
    }
    let mut count = |f: &str, v: &str| {
        if v.trim().is_empty() {
            0
        } else {
            domain::count(f, v, 0, 10_000_000)
                .map_err(|e| errs.push(e))
                .unwrap_or_default()
        }
    };
    let direct = count("direct_beneficiaries", &i.direct_beneficiaries);
    let indirect = count("indirect_beneficiaries", &i.indirect_beneficiaries);
    let mut team = i.team.clone();
    team.dedup();
    let mut seen = std::collections::HashSet::new();
    team.retain(|w| seen.insert(*w));
    if team.len() > MAX_TEAM {
        errs.push(FieldError::new("team", "err-purchase-too-many").arg("max", MAX_TEAM));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    Ok((
        ApplicationData {
            amount_fen: amount,
            needs_analysis,
            plan,
            outputs,
            outcomes,
            budget_breakdown,
            direct_beneficiaries: direct,
            indirect_beneficiaries: indirect,
            declared: yes(&i.declared),
        },
        team,
    ))
}

/// Team members must be the organization's own active social workers.
async fn check_team(conn: &mut Conn, org: i64, team: &[i64]) -> Result<(), AppError> {
    let found = store::members(conn, team).await?;
    let errs: Vec<FieldError> = team
        .iter()
        .filter(|id| {
            !found
                .iter()
                .any(|m| m.worker_id == **id && m.employer_org_id == Some(org))
        })
        .map(|id| FieldError::new("team", "err-team-not-staff").arg("id", id))
        .collect();
    if errs.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errs))
    }
}

fn today() -> String {
    crate::calendar::today().to_string()
}

/// Starts a draft application to an open call for the caller's organization.
pub async fn start(
    app: &App,
    ctx: &Ctx,
    project: i64,
    i: &ApplicationInput,
) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let org = authz::own_org(actor).ok_or(AppError::Forbidden)?;
    let mut tx = Uow::begin(app).await?;
    let p = store::get_project(&mut tx, project)
        .await?
        .filter(policy::is_published)
        .ok_or(AppError::NotFound)?;
    if !is_accepting(&p, &today()) {
        return Err(AppError::Conflict(
            FieldError::new("", "err-call-not-open")
                .arg("deadline", p.deadline.clone().unwrap_or_default()),
        ));
    }
    if p.data.single_source_org.is_some_and(|o| o != org) {
        return Err(AppError::Forbidden);
    }
    let (d, team) = parse(i, &p)?;
    check_team(&mut tx, org, &team).await?;
    let one_key = p.data.one_per_org.then(|| format!("{project}/{org}"));
    let id =
        match store::insert_application(&mut tx, project, org, one_key, &d, actor.user_id, false)
            .await
        {
            Ok(id) => id,
            Err(e) if e.is_unique_violation() => {
                return Err(AppError::Conflict(FieldError::new(
                    "",
                    "err-one-application",
                )))
            }
            Err(e) => return Err(e.into()),
        };
    store::set_team(&mut tx, id, &team).await?;
    workflow::created::<Applications>(&mut tx, actor, id, ApplicationState::Draft, "").await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "application",
            verb: "create",
        },
        Some(id.to_string()),
        format!(
            "→ #{project} {}: ¥{}",
            p.data.title,
            crate::registry::yuan(d.amount_fen)
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

async fn own_for_edit(
    tx: &mut Uow,
    actor: &crate::Actor,
    id: i64,
) -> Result<ApplicationRow, AppError> {
    let a = store::get_application(tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_read_application(actor, &a) {
        return Err(AppError::Hidden);
    }
    if !policy::is_applicant(actor, &a) {
        return Err(AppError::Forbidden);
    }
    Ok(a)
}

/// Edits a draft (before the deadline).
pub async fn update(app: &App, ctx: &Ctx, id: i64, i: &ApplicationInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let mut tx = Uow::begin(app).await?;
    let a = own_for_edit(&mut tx, actor, id).await?;
    if a.state != "draft" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-transition-not-allowed")
                .arg("event", "edit")
                .arg("state", &a.state),
        ));
    }
    let p = store::get_project(&mut tx, a.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !is_accepting(&p, &today()) {
        return Err(AppError::Conflict(
            FieldError::new("", "err-call-not-open")
                .arg("deadline", p.deadline.clone().unwrap_or_default()),
        ));
    }
    let (d, team) = parse(i, &p)?;
    check_team(&mut tx, a.org_id, &team).await?;
    if !store::update_application(&mut tx, id, a.version, &d).await? {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    store::set_team(&mut tx, id, &team).await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "application",
            verb: "update",
        },
        Some(id.to_string()),
        format!(
            "#{} {}: ¥{}",
            a.project_id,
            a.org_name,
            crate::registry::yuan(d.amount_fen)
        ),
        Outcome::Success,
    ))
    .await
}

/// The eligibility screen of an organization and team for a project, as of today.
pub async fn screen(
    conn: &mut Conn,
    p: &ProjectRow,
    org: i64,
    team: &[i64],
) -> Result<(Vec<Finding>, Vec<MemberRow>), AppError> {
    let o = store::org(conn, org).await?.ok_or(AppError::NotFound)?;
    let members = store::members(conn, team).await?;
    let profile = crate::targets::profile_in(conn, p.year).await?;
    let facts: Vec<MemberFacts> = members
        .iter()
        .map(|m| MemberFacts {
            worker_id: m.worker_id,
            name: m.name.clone(),
            cert_level: m.cert_level.clone(),
            active: m.status == "active",
            employed: m.employer_org_id == Some(org),
            registrations: m.registrations.clone(),
            cpd_shortfall: (profile.cpd_required(&m.cert_level) - m.cpd_tenths as f64 / 10.0)
                .max(0.0),
        })
        .collect();
    let req = Requirements {
        district: p.district.clone(),
        provider_kinds: p
            .provider_kinds
            .split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_owned)
            .collect(),
        min_rating: p.min_rating,
        min_team: p.data.min_team,
        min_intermediate: p.data.min_intermediate,
        start_date: p.data.start_date.clone(),
        single_source_org: p.data.single_source_org,
        history_min_grade: p.data.history_min_grade.clone(),
        history_exclude_poor: p.data.history_exclude_poor,
        exclusion_years: profile.evaluation_exclusion_years,
    };
    let org_facts = OrgFacts {
        id: o.id,
        kind: o.kind,
        area_code: o.area_code,
        status: o.status,
        annual_result: o.annual_result,
        blacklisted_until: o.blacklisted_until,
        rating: o.rating,
        record: super::evaluations::record(conn, org).await?,
    };
    Ok((
        domain::eligibility(&today(), &req, &org_facts, &facts),
        members,
    ))
}

pub struct ApplicationView {
    pub application: ApplicationRow,
    pub project: ProjectRow,
    pub team: Vec<MemberRow>,
    pub findings: Vec<Finding>,
    pub eligible: bool,
    pub history: Vec<HistoryRow>,
    pub offered: Vec<ApplicationEvent>,
    pub editable: bool,
}

pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<ApplicationView, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let a = store::get_application(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Cleared members of the call's panel read its submitted applications.
    let readable = policy::may_read_application(actor, &a)
        || (a.state == "submitted"
            && super::panel::sits_cleared(&mut c, a.project_id, actor).await?);
    if !readable {
        return Err(AppError::Hidden);
    }
    let p = store::get_project(&mut c, a.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let team = store::team(&mut c, id).await?;
    let (findings, team) = screen(&mut c, &p, a.org_id, &team).await?;
    let accepting = is_accepting(&p, &today());
    let offered = policy::offered_application(actor, &a)
        .into_iter()
        .filter(|e| {
            accepting
                || (*e == ApplicationEvent::Withdraw
                    && matches!(p.state.as_str(), "open" | "closed"))
        })
        .collect();
    Ok(ApplicationView {
        eligible: domain::eligible(&findings),
        editable: accepting && a.state == "draft" && policy::is_applicant(actor, &a),
        history: sanshe_store::workflow::history(&mut c, Applications::KIND, id).await?,
        offered,
        findings,
        team,
        project: p,
        application: a,
    })
}

pub async fn list(
    app: &App,
    ctx: &Ctx,
    mut f: ApplicationFilter,
    page: PageReq,
) -> Result<Paged<ApplicationRow>, AppError> {
    let actor = ctx.actor()?;
    if authz::can(actor, Perm::PurchaseApply) {
        f.org = Some(authz::own_org(actor).ok_or(AppError::Forbidden)?);
    } else if authz::can(actor, Perm::PurchaseManage) {
        let d = super::district_of(app, ctx).await?;
        if !policy::may_manage(actor, &d) {
            return Err(AppError::Forbidden);
        }
        f.district = Some(d);
        f.hide_drafts = true;
    } else {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.acquire().await?;
    Ok(store::list_applications(&mut c, &f, page).await?)
}

/// The social workers an organization may put on a team.
pub async fn staff(app: &App, ctx: &Ctx) -> Result<Vec<(i64, String, String)>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let org = authz::own_org(actor).ok_or(AppError::Forbidden)?;
    let mut c = app.db.acquire().await?;
    Ok(store::staff(&mut c, org).await?)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ApplicationTransition {
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub version: Option<i64>,
}

pub async fn apply(
    app: &App,
    ctx: &Ctx,
    id: i64,
    i: &ApplicationTransition,
) -> Result<ApplicationRow, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let event = Applications::parse_event(i.event.trim())
        .ok_or_else(|| AppError::invalid(FieldError::new("event", "err-need-event")))?;
    let mut tx = Uow::begin(app).await?;
    let a = store::get_application(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_read_application(actor, &a) {
        return Err(AppError::Hidden);
    }
    if !policy::may_application(actor, &a, event) {
        return Err(AppError::Forbidden);
    }
    if i.version.is_some_and(|v| v != a.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let p = store::get_project(&mut tx, a.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let state = Applications::parse_state(&a.state)
        .ok_or_else(|| AppError::Internal(format!("application {id} has state {}", a.state)))?;
    // Submitting and recalling only while the call is open; withdrawing until the review
    // starts (an application under review or awarded stays).
    let open = if event == ApplicationEvent::Withdraw {
        matches!(p.state.as_str(), "open" | "closed")
    } else {
        is_accepting(&p, &today())
    };
    if Applications::next(state, event).is_some() && !open {
        return Err(AppError::Conflict(
            FieldError::new("", "err-call-not-open")
                .arg("deadline", p.deadline.clone().unwrap_or_default()),
        ));
    }
    match event {
        ApplicationEvent::Submit => {
            let mut errs = Vec::new();
            for (f, v) in [
                ("needs_analysis", &a.data.needs_analysis),
                ("plan", &a.data.plan),
            ] {
                if v.trim().is_empty() {
                    errs.push(FieldError::new(f, "err-submit-required"));
                }
            }
            if !a.data.declared {
                errs.push(FieldError::new("declared", "err-declaration"));
            }
            let team = store::team(&mut tx, id).await?;
            let (findings, _) = screen(&mut tx, &p, a.org_id, &team).await?;
            for f in findings.iter().filter(|f| f.level == domain::Level::Fail) {
                let mut e = FieldError::new("eligibility", f.code);
                for (k, v) in &f.args {
                    e = e.arg(k, v);
                }
                errs.push(e);
            }
            if !errs.is_empty() {
                return Err(AppError::Invalid(errs));
            }
        }
        ApplicationEvent::Recall => {}
        ApplicationEvent::Withdraw => store::clear_one_key(&mut tx, id).await?,
    }
    let at = At {
        id,
        version: a.version,
        state,
    };
    let to =
        workflow::transition::<Applications>(&mut tx, Table::Applications, actor, at, event, "")
            .await?;
    store::set_submitted_at(
        &mut tx,
        id,
        (to == ApplicationState::Submitted).then(sanshe_store::audit::now),
    )
    .await?;
    workflow::commit::<Applications>(
        tx,
        ctx,
        id,
        &format!("{} → {}", a.org_name, a.project_title),
        state,
        event,
        to,
    )
    .await?;
    let mut c = app.db.acquire().await?;
    store::get_application(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)
}

// ---- attachments ------------------------------------------------------------------------------

/// Application files (plans, budgets, certificates) are attachments of this kind.
pub const FILES: &str = "application";

/// An application's files: whoever may read the application.
pub async fn files(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<Vec<sanshe_store::attachments::AttachmentRow>, AppError> {
    get(app, ctx, id).await?;
    let mut c = app.db.acquire().await?;
    Ok(sanshe_store::attachments::list(&mut c, FILES, id).await?)
}

pub async fn file(
    app: &App,
    ctx: &Ctx,
    id: i64,
    file: i64,
) -> Result<(sanshe_store::attachments::AttachmentRow, Vec<u8>), AppError> {
    get(app, ctx, id).await?;
    let mut c = app.db.acquire().await?;
    crate::attachments::fetch(app, &mut c, FILES, id, file).await
}

/// The applicant adds a file while its application is a draft.
pub async fn attach(
    app: &App,
    ctx: &Ctx,
    id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    use crate::attachments::{self, Accept};
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let v = get(app, ctx, id).await?;
    if !policy::is_applicant(actor, &v.application) {
        return Err(AppError::Forbidden);
    }
    let saved = attachments::save(app, "file", file_name, bytes, Accept::Documents)?;
    let written = async {
        let mut tx = Uow::begin(app).await?;
        // Under the application's row: no file lands on one submitted meanwhile, and
        // parallel uploads cannot pass the limit together.
        if !store::lock_draft(&mut tx, id).await? {
            return Err(AppError::Conflict(FieldError::new(
                "file",
                "err-application-not-draft",
            )));
        }
        let title = &v.project.data.title;
        attachments::record_counted(
            tx,
            ctx,
            FILES,
            id,
            &saved,
            "file",
            Action::Purchase {
                object: "application",
                verb: "attach",
            },
            |s| format!("{title}: {s}"),
        )
        .await
    }
    .await;
    attachments::settle(app, &saved, written)
}

/// The applicant removes a file while its application is a draft.
pub async fn detach(app: &App, ctx: &Ctx, id: i64, file: i64) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let v = get(app, ctx, id).await?;
    if !policy::is_applicant(actor, &v.application) {
        return Err(AppError::Forbidden);
    }
    let mut tx = Uow::begin(app).await?;
    if !store::lock_draft(&mut tx, id).await? {
        return Err(AppError::Conflict(FieldError::new(
            "file",
            "err-application-not-draft",
        )));
    }
    let a = sanshe_store::attachments::get(&mut tx, FILES, id, file)
        .await?
        .ok_or(AppError::NotFound)?;
    sanshe_store::attachments::delete(&mut tx, FILES, id, file).await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "application",
            verb: "detach",
        },
        Some(id.to_string()),
        format!(
            "{}: {} (SM3 {})",
            v.project.data.title,
            a.file_name,
            a.sm3.clone().unwrap_or_default()
        ),
        Outcome::Success,
    ))
    .await?;
    crate::attachments::remove(app, &a.stored_name);
    Ok(())
}
