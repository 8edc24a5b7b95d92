//! Award and public notice (立项公示): the officer awards a reviewed project to one of its
//! applications; the award is public for N working days with the panel's names; applicants
//! may object (质疑) during the notice, answered within M working days; an upheld objection
//! reopens the award; a notice that ends with no objection pending confirms it. Applicants are
//! told their own score and rank.

use super::{panel, policy};
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::needs as rules;
use sanshe_domain::purchase::{
    ObjectionEvent, ObjectionState, Objections, ProjectEvent, ProjectState, Projects,
};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::purchase::{self as store, ApplicationRow, ObjectionRow, ProjectRow};
use sanshe_store::workflow::Table;
use sanshe_store::PageReq;

fn today() -> String {
    crate::calendar::today().to_string()
}

fn project_state(p: &ProjectRow) -> Result<ProjectState, AppError> {
    Projects::parse_state(&p.state)
        .ok_or_else(|| AppError::Internal(format!("project {}: {}", p.id, p.state)))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AwardInput {
    /// The winning application (id).
    #[serde(default)]
    pub application: String,
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub text: String,
}

/// Awards a reviewed project to one of its submitted applications and opens the notice.
pub async fn award(app: &App, ctx: &Ctx, project: i64, i: &AwardInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let note = rules::text("text", &i.text, rules::NOTE_MAX, false).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let p = store::get_project(&mut tx, project)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &p.district) {
        return Err(AppError::Hidden);
    }
    if i.version.is_some_and(|v| v != p.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let winner = match i.application.trim().parse::<i64>() {
        Ok(id) => store::get_application(&mut tx, id)
            .await?
            .filter(|a| a.project_id == project && a.state == "submitted"),
        Err(_) => None,
    }
    .ok_or_else(|| AppError::invalid(FieldError::new("application", "err-award-application")))?;
    // The winner must still be eligible today (suspended or blacklisted since submitting?).
    let team = store::team(&mut tx, winner.id).await?;
    let (findings, _) = super::applications::screen(&mut tx, &p, winner.org_id, &team).await?;
    let fails: Vec<FieldError> = findings
        .iter()
        .filter(|f| f.level == sanshe_domain::purchase::Level::Fail)
        .map(|f| {
            let mut e = FieldError::new("application", f.code);
            for (k, v) in &f.args {
                e = e.arg(k, v);
            }
            e
        })
        .collect();
    if !fails.is_empty() {
        return Err(AppError::Invalid(fails));
    }
    let state = project_state(&p)?;
    let at = At {
        id: project,
        version: p.version,
        state,
    };
    let profile = crate::targets::profile_in(&mut tx, p.year).await?;
    let day = crate::calendar::today();
    let until = crate::calendar::deadline(app, day, profile.purchase_notice_days).await?;
    let to = workflow::transition::<Projects>(
        &mut tx,
        Table::Projects,
        actor,
        at,
        ProjectEvent::Award,
        &format!(
            "→ {} ¥{} {note}",
            winner.org_name,
            crate::registry::yuan(winner.data.amount_fen)
        ),
    )
    .await?;
    store::set_award(
        &mut tx,
        project,
        Some(winner.id),
        Some(&day.to_string()),
        Some(&until.to_string()),
    )
    .await?;
    tell_results(&mut tx, &p, Some(&winner), &until.to_string()).await?;
    workflow::commit::<Projects>(
        tx,
        ctx,
        project,
        &p.data.title,
        state,
        ProjectEvent::Award,
        to,
    )
    .await
}

/// Each applicant hears the award with its own score and rank.
async fn tell_results(
    tx: &mut Uow,
    p: &ProjectRow,
    winner: Option<&ApplicationRow>,
    until: &str,
) -> Result<(), AppError> {
    let lines = panel::report(tx, p).await?;
    for l in &lines {
        let users =
            sanshe_store::purchase::org_accounts(tx, &p.district, Some(l.application.org_id))
                .await?;
        let won = winner.is_some_and(|w| w.id == l.application.id);
        let body = format!(
            "{}{} · {} {}",
            l.score
                .map(|s| format!("{s:.2}"))
                .unwrap_or_else(|| "—".into()),
            l.rank.map(|r| format!(" #{r}")).unwrap_or_default(),
            until,
            if won { "✓" } else { "" }
        );
        inbox::notify(
            tx,
            &users,
            if won { "award.won" } else { "award.result" },
            &p.data.title,
            &body,
            &format!("/purchase/projects/{}", p.id),
        )
        .await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ObjectionInput {
    #[serde(default)]
    pub text: String,
}

/// An applicant objects to an award during its notice.
pub async fn object(
    app: &App,
    ctx: &Ctx,
    project: i64,
    i: &ObjectionInput,
) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let org = authz::own_org(actor).ok_or(AppError::Forbidden)?;
    let text = rules::text("text", &i.text, rules::TEXT_MAX, true).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let p = store::get_project(&mut tx, project)
        .await?
        .filter(policy::is_published)
        .ok_or(AppError::NotFound)?;
    let mine = store::list_applications(
        &mut tx,
        &store::ApplicationFilter {
            project: Some(project),
            org: Some(org),
            state: Some("submitted".into()),
            ..Default::default()
        },
        PageReq {
            page: 1,
            per_page: 1,
        },
    )
    .await?
    .items;
    let Some(a) = mine.first() else {
        return Err(AppError::Conflict(FieldError::new("", "err-not-applicant")));
    };
    let open = p.state == "awarded"
        && p.notice_until
            .as_deref()
            .is_some_and(|u| today().as_str() <= u);
    if !open {
        return Err(AppError::Conflict(
            FieldError::new("", "err-notice-closed")
                .arg("until", p.notice_until.clone().unwrap_or_default()),
        ));
    }
    let profile = crate::targets::profile_in(&mut tx, p.year).await?;
    let due = crate::calendar::deadline(
        app,
        crate::calendar::today(),
        profile.purchase_objection_days,
    )
    .await?;
    let id = store::insert_objection(
        &mut tx,
        project,
        a.id,
        org,
        &text,
        &due.to_string(),
        actor.user_id,
    )
    .await?;
    workflow::created::<Objections>(&mut tx, actor, id, ObjectionState::Pending, "").await?;
    let officers = sanshe_store::inbox::staff_covering(
        &mut tx,
        &p.district,
        &[sanshe_domain::Role::DistrictAdmin],
    )
    .await?;
    inbox::notify(
        &mut tx,
        &officers,
        "objection.pending",
        &p.data.title,
        &format!("{}: {text}", a.org_name),
        &format!("/purchase/projects/{project}"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "objection",
            verb: "create",
        },
        Some(id.to_string()),
        format!("{} — {}: due {due}", p.data.title, a.org_name),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AnswerInput {
    /// `uphold` or `dismiss`.
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub reply: String,
    #[serde(default)]
    pub version: Option<i64>,
}

/// The officer answers an objection; upholding it reopens the award.
pub async fn answer(app: &App, ctx: &Ctx, id: i64, i: &AnswerInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let event = Objections::parse_event(i.event.trim())
        .ok_or_else(|| AppError::invalid(FieldError::new("event", "err-need-event")))?;
    let reply = rules::text("reply", &i.reply, rules::TEXT_MAX, true).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let o = store::objection(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = store::get_project(&mut tx, o.project_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_objection(actor, &p.district, event) {
        return Err(AppError::Hidden);
    }
    if i.version.is_some_and(|v| v != o.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let state = Objections::parse_state(&o.state)
        .ok_or_else(|| AppError::Internal(format!("objection {id}: {}", o.state)))?;
    let at = At {
        id,
        version: o.version,
        state,
    };
    let to =
        workflow::transition::<Objections>(&mut tx, Table::Objections, actor, at, event, &reply)
            .await?;
    store::answer_objection(&mut tx, id, &reply, &actor.display_name).await?;
    let mut told =
        sanshe_store::purchase::org_accounts(&mut tx, &p.district, Some(o.org_id)).await?;
    if event == ObjectionEvent::Uphold && p.state == "awarded" {
        let pstate = project_state(&p)?;
        let pat = At {
            id: p.id,
            version: p.version,
            state: pstate,
        };
        workflow::transition::<Projects>(
            &mut tx,
            Table::Projects,
            actor,
            pat,
            ProjectEvent::Reopen,
            &format!("#{id}: {reply}"),
        )
        .await?;
        store::set_award(&mut tx, p.id, None, None, None).await?;
        told.extend(store::applicant_accounts(&mut tx, p.id).await?);
    }
    inbox::notify(
        &mut tx,
        &told,
        &format!("objection.{}", Objections::state_name(to)),
        &p.data.title,
        &reply,
        &format!("/purchase/projects/{}", p.id),
    )
    .await?;
    workflow::commit::<Objections>(
        tx,
        ctx,
        id,
        &format!("{} — {}", p.data.title, o.org_name),
        state,
        event,
        to,
    )
    .await
}

/// Confirms the awards whose notice has ended with no objection pending (the scheduled job
/// `purchase.deadlines`, once across servers); returns how many.
pub async fn confirm_due(app: &App) -> Result<usize, AppError> {
    let list = {
        let mut c = app.db.acquire().await?;
        store::notice_ended(&mut c, &today()).await?
    };
    let ctx = Ctx::system();
    let actor = ctx.actor()?.clone();
    let mut n = 0;
    for (id, version, title) in list {
        let mut tx = Uow::begin(app).await?;
        if store::objections(&mut tx, id)
            .await?
            .iter()
            .any(|o| o.state == "pending")
        {
            continue;
        }
        let at = At {
            id,
            version,
            state: ProjectState::Awarded,
        };
        match workflow::transition::<Projects>(
            &mut tx,
            Table::Projects,
            &actor,
            at,
            ProjectEvent::Confirm,
            "notice ended",
        )
        .await
        {
            Ok(_) => {}
            Err(AppError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
        let told = store::applicant_accounts(&mut tx, id).await?;
        inbox::notify(
            &mut tx,
            &told,
            "project.confirmed",
            &title,
            "",
            &format!("/purchase/projects/{id}"),
        )
        .await?;
        workflow::commit::<Projects>(
            tx,
            &ctx,
            id,
            &title,
            ProjectState::Awarded,
            ProjectEvent::Confirm,
            ProjectState::Confirmed,
        )
        .await?;
        n += 1;
    }
    Ok(n)
}

pub struct AwardView {
    pub winner: Option<ApplicationRow>,
    pub notice_until: Option<String>,
    /// Officers see every objection; an applicant its own.
    pub objections: Vec<ObjectionRow>,
    pub pending: usize,
    pub can_award: bool,
    pub can_object: bool,
    /// The officer's decision is due by this day (5 working days after the report).
    pub decide_by: Option<String>,
}

pub async fn view(app: &App, ctx: &Ctx, p: &ProjectRow) -> Result<AwardView, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let can_manage = policy::may_manage(actor, &p.district);
    let winner = match p.awarded_application {
        Some(a) => store::get_application(&mut c, a).await?,
        None => None,
    };
    let all = store::objections(&mut c, p.id).await?;
    let pending = all.iter().filter(|o| o.state == "pending").count();
    let own_org = authz::own_org(actor).filter(|_| authz::can(actor, Perm::PurchaseApply));
    let applied = match own_org {
        Some(org) => !store::list_applications(
            &mut c,
            &store::ApplicationFilter {
                project: Some(p.id),
                org: Some(org),
                state: Some("submitted".into()),
                ..Default::default()
            },
            PageReq {
                page: 1,
                per_page: 1,
            },
        )
        .await?
        .items
        .is_empty(),
        None => false,
    };
    let objections = all
        .into_iter()
        .filter(|o| can_manage || own_org == Some(o.org_id))
        .collect();
    let decide_by = match (&p.reviewed_on, p.state.as_str()) {
        (Some(d), "reviewed") => match sanshe_domain::calendar::Day::parse(d) {
            Some(day) => Some(crate::calendar::deadline(app, day, 5).await?.to_string()),
            None => None,
        },
        _ => None,
    };
    Ok(AwardView {
        can_award: can_manage && p.state == "reviewed",
        can_object: applied
            && p.state == "awarded"
            && p.notice_until
                .as_deref()
                .is_some_and(|u| today().as_str() <= u),
        winner,
        notice_until: p.notice_until.clone(),
        objections,
        pending,
        decide_by,
    })
}

/// What the public portal shows of an award: the winner, the amount, the notice period and
/// the panel (names and affiliations of the members who sat).
pub struct PublicNotice {
    pub winner: String,
    pub amount_fen: i64,
    pub awarded_on: String,
    pub notice_until: String,
    pub panel: Vec<(String, String)>,
}

pub async fn public_notice(app: &App, p: &ProjectRow) -> Result<Option<PublicNotice>, AppError> {
    if !matches!(p.state.as_str(), "awarded" | "confirmed") {
        return Ok(None);
    }
    let mut c = app.db.acquire().await?;
    let Some(a) = p.awarded_application else {
        return Ok(None);
    };
    let Some(w) = store::get_application(&mut c, a).await? else {
        return Ok(None);
    };
    let panel = sanshe_store::panels::members(&mut c, p.id)
        .await?
        .into_iter()
        .filter(|m| m.state == "cleared")
        .map(|m| (m.name, m.affiliation))
        .collect();
    Ok(Some(PublicNotice {
        winner: w.org_name,
        amount_fen: w.data.amount_fen,
        awarded_on: p.awarded_on.clone().unwrap_or_default(),
        notice_until: p.notice_until.clone().unwrap_or_default(),
        panel,
    }))
}
