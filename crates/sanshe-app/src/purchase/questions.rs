//! Questions on a call (答疑) and applicants' recusal requests (申请回避).
//!
//! An organization asks while the call is open; the officer answers once and the answer goes
//! to every organization of the district and onto the portal, without the asker's name. An
//! applicant may ask in writing that an expert of the pool recuse himself from its calls;
//! upheld, the tie is recorded (the expert is not drawn for it for three years) and a seat the
//! expert holds on this call's panel is refilled by a new draw.

use super::{panel, policy};
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::{inbox, Actor, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::needs as rules;
use sanshe_domain::purchase::TIE_RELATIONS;
use sanshe_domain::FieldError;
use sanshe_store::purchase::{self as pstore, ApplicationFilter, ProjectRow};
use sanshe_store::questions::{self as store, QuestionRow, RecusalRow};
use sanshe_store::PageReq;

pub const QUESTION_MAX: usize = 2000;

fn audit(object: &'static str, verb: &'static str) -> Action {
    Action::Purchase { object, verb }
}

async fn project(conn: &mut sanshe_store::Conn, id: i64) -> Result<ProjectRow, AppError> {
    pstore::get_project(conn, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn own_org(actor: &Actor) -> Result<i64, AppError> {
    authz::require(actor, Perm::PurchaseApply)?;
    authz::own_org(actor).ok_or(AppError::Forbidden)
}

/// A question from an organization on an open call.
pub async fn ask(app: &App, ctx: &Ctx, id: i64, text: &str) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    let org = own_org(actor)?;
    let text = rules::text("question", text, QUESTION_MAX, true).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let p = project(&mut tx, id).await?;
    if !policy::is_published(&p) {
        return Err(AppError::NotFound);
    }
    if p.state != "open" {
        return Err(AppError::Conflict(FieldError::new(
            "question",
            "err-question-closed",
        )));
    }
    let qid = store::insert_question(&mut tx, id, org, &text).await?;
    let officers = sanshe_store::inbox::staff_covering(
        &mut tx,
        &p.district,
        &[sanshe_domain::Role::DistrictAdmin],
    )
    .await?;
    inbox::notify(
        &mut tx,
        &officers,
        "question.asked",
        &p.data.title,
        &text,
        &format!("/purchase/projects/{id}#questions"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("question", "create"),
        Some(qid.to_string()),
        format!("{}: {text}", p.data.title),
        Outcome::Success,
    ))
    .await?;
    Ok(qid)
}

/// The officer's answer, published to every organization of the district (once).
pub async fn answer(app: &App, ctx: &Ctx, qid: i64, text: &str) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let text = rules::text("answer", text, QUESTION_MAX, true).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let q = store::question(&mut tx, qid)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = project(&mut tx, q.project_id).await?;
    if !policy::may_manage(actor, &p.district) {
        return Err(AppError::Hidden);
    }
    if !store::answer(&mut tx, qid, &text, &actor.display_name).await? {
        return Err(AppError::Conflict(FieldError::new(
            "answer",
            "err-question-answered",
        )));
    }
    let told = pstore::org_accounts(&mut tx, &p.district, None).await?;
    inbox::notify(
        &mut tx,
        &told,
        "question.answered",
        &p.data.title,
        &format!("{}\n— {text}", q.question),
        &format!("/public/calls/{}", p.id),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("question", "answer"),
        Some(qid.to_string()),
        format!("{}: {text}", p.data.title),
        Outcome::Success,
    ))
    .await
}

/// A call's questions as the caller may see them: answered ones for everyone who may read
/// the call (without the asker), open ones for its officers and the asker.
pub async fn list(app: &App, ctx: &Ctx, id: i64) -> Result<Vec<QuestionRow>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let p = project(&mut c, id).await?;
    let communities = pstore::communities(&mut c, id).await?;
    if !policy::may_read_project(actor, &p, &communities) {
        return Err(AppError::NotFound);
    }
    let manage = policy::may_manage(actor, &p.district);
    let mine = authz::own_org(actor);
    Ok(store::questions(&mut c, id)
        .await?
        .into_iter()
        .filter(|q| manage || q.state == "answered" || Some(q.org_id) == mine)
        .map(|mut q| {
            if !manage && Some(q.org_id) != mine {
                q.org_name = String::new();
            }
            q
        })
        .collect())
}

/// The answered questions of a published call, for the portal.
pub async fn public_answered(app: &App, id: i64) -> Result<Vec<(String, String)>, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(store::questions(&mut c, id)
        .await?
        .into_iter()
        .filter(|q| q.state == "answered")
        .map(|q| (q.question, q.answer))
        .collect())
}

// ---- recusal requests --------------------------------------------------------------------------

/// The experts of the district's pool an applicant may name (name and affiliation).
pub async fn pool_names(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<Vec<(i64, String, String)>, AppError> {
    let actor = ctx.actor()?;
    let org = own_org(actor)?;
    let mut c = app.db.acquire().await?;
    let p = project(&mut c, id).await?;
    if !applied(&mut c, id, org).await? {
        return Err(AppError::Forbidden);
    }
    Ok(sanshe_store::panels::experts(&mut c, &p.district)
        .await?
        .into_iter()
        .filter(|e| e.active)
        .map(|e| (e.id, e.name, e.affiliation))
        .collect())
}

async fn applied(conn: &mut sanshe_store::Conn, project: i64, org: i64) -> Result<bool, AppError> {
    Ok(pstore::list_applications(
        conn,
        &ApplicationFilter {
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
    .total
        > 0)
}

/// An applicant's written request that an expert of the pool recuse himself.
pub async fn request_recusal(
    app: &App,
    ctx: &Ctx,
    id: i64,
    expert: i64,
    reason: &str,
) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    let org = own_org(actor)?;
    let mut tx = Uow::begin(app).await?;
    let p = project(&mut tx, id).await?;
    // Only an applicant of the call may ask (before anything it sent is read).
    if !applied(&mut tx, id, org).await? {
        return Err(AppError::Forbidden);
    }
    let reason = rules::text("reason", reason, QUESTION_MAX, true).map_err(AppError::invalid)?;
    if !matches!(p.state.as_str(), "open" | "closed" | "reviewing") {
        return Err(AppError::Conflict(FieldError::new(
            "expert",
            "err-recusal-closed",
        )));
    }
    let e = sanshe_store::panels::expert(&mut tx, expert)
        .await?
        .filter(|e| e.district == p.district)
        .ok_or_else(|| AppError::invalid(FieldError::new("expert", "err-recusal-expert")))?;
    let rid = store::insert_recusal(&mut tx, id, expert, org, &reason).await?;
    let officers = sanshe_store::inbox::staff_covering(
        &mut tx,
        &p.district,
        &[sanshe_domain::Role::DistrictAdmin],
    )
    .await?;
    inbox::notify(
        &mut tx,
        &officers,
        "recusal.requested",
        &p.data.title,
        &format!("{}: {reason}", e.name),
        &format!("/purchase/projects/{id}#recusals"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("recusal", "create"),
        Some(rid.to_string()),
        format!("{} — {}: {reason}", p.data.title, e.name),
        Outcome::Success,
    ))
    .await?;
    Ok(rid)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RecusalDecision {
    /// `uphold` or `dismiss`.
    #[serde(default)]
    pub event: String,
    /// Upheld: the tie found (employee, director, controller, relative).
    #[serde(default)]
    pub relation: String,
    #[serde(default)]
    pub reply: String,
}

/// The officer decides a request (once).
pub async fn decide_recusal(
    app: &App,
    ctx: &Ctx,
    rid: i64,
    d: &RecusalDecision,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let uphold = match d.event.as_str() {
        "uphold" => true,
        "dismiss" => false,
        _ => {
            return Err(AppError::invalid(FieldError::new(
                "event",
                "err-purchase-choice",
            )))
        }
    };
    let mut errs = Vec::new();
    if uphold && !TIE_RELATIONS.contains(&d.relation.as_str()) {
        errs.push(FieldError::new("relation", "err-purchase-choice"));
    }
    let reply = rules::text("reply", &d.reply, QUESTION_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = Uow::begin(app).await?;
    let r = store::recusal(&mut tx, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    sanshe_store::panels::lock_panel(&mut tx, r.project_id).await?;
    let p = project(&mut tx, r.project_id).await?;
    if !policy::may_manage(actor, &p.district) {
        return Err(AppError::Hidden);
    }
    let state = if uphold { "upheld" } else { "dismissed" };
    if !store::decide_recusal(&mut tx, rid, state, &reply, &actor.display_name).await? {
        return Err(AppError::Conflict(FieldError::new(
            "event",
            "err-recusal-decided",
        )));
    }
    let mut summary = format!("{} — {}: {state}", p.data.title, r.expert_name);
    if uphold {
        sanshe_store::panels::insert_tie(&mut tx, r.expert_id, r.org_id, &d.relation, None).await?;
        if p.state == "reviewing" {
            let seated = sanshe_store::panels::members(&mut tx, p.id)
                .await?
                .into_iter()
                .find(|m| m.expert_id == r.expert_id && m.state != "recused");
            if let Some(m) = seated {
                if sanshe_store::panels::declare(&mut tx, m.id, &m.state, "recused", &reply).await?
                {
                    summary.push_str(&panel::after_recusal(&mut tx, &p, &m).await?);
                }
            }
        }
    }
    let told = pstore::org_accounts(&mut tx, &p.district, Some(r.org_id)).await?;
    inbox::notify(
        &mut tx,
        &told,
        &format!("recusal.{state}"),
        &p.data.title,
        &format!("{}: {reply}", r.expert_name),
        &format!("/purchase/projects/{}#recusals", p.id),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("recusal", "decide"),
        Some(rid.to_string()),
        summary,
        Outcome::Success,
    ))
    .await
}

/// A call's recusal requests: all for its officers, its own for an applicant.
pub async fn recusals(app: &App, ctx: &Ctx, id: i64) -> Result<Vec<RecusalRow>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let p = project(&mut c, id).await?;
    let manage = policy::may_manage(actor, &p.district);
    let mine = authz::own_org(actor).filter(|_| authz::can(actor, Perm::PurchaseApply));
    if !manage && mine.is_none() {
        return Err(AppError::Forbidden);
    }
    Ok(store::recusals(&mut c, id)
        .await?
        .into_iter()
        .filter(|r| manage || Some(r.org_id) == mine)
        .collect())
}
