//! Delivery (执行): the contracted team logs its activities (day, community, content, direct
//! and indirect beneficiaries, hours per member, evidence files); a member whose registration
//! does not cover the day cannot be logged (the district is told, and replaces the member by a
//! contract amendment); milestone reports are compiled from the logs of their period,
//! submitted by the organization and accepted or returned by the officer; accepting a report
//! for an `on_acceptance` tranche opens that tranche for payment.

use super::policy;
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{inbox, Actor, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::calendar::Day;
use sanshe_domain::needs as rules;
use sanshe_domain::purchase::{
    self as domain, ReportEvent, ReportState, Reports, TrancheEvent, Tranches, REPORT_KINDS,
};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::contracts::{self as kstore, ContractRow};
use sanshe_store::delivery::{self as store, LogData, LogRow, ReportRow, Totals};
use sanshe_store::purchase as pstore;
use sanshe_store::workflow::Table;
use sanshe_store::{PageReq, Paged};

/// Evidence files are attachments of this kind.
pub const EVIDENCE: &str = "delivery_log";
pub const CONTENT_MAX: usize = 2000;
pub const SUMMARY_MAX: usize = 5000;
pub const MAX_BENEFICIARIES: i64 = 1_000_000;
/// Most members on one activity.
pub const MAX_MEMBERS: usize = 50;

/// Tenths of an hour as written (`1.5`).
pub fn hours_text(tenths: i64) -> String {
    if tenths % 10 == 0 {
        (tenths / 10).to_string()
    } else {
        format!("{}.{}", tenths / 10, tenths % 10)
    }
}

fn audit(object: &'static str, verb: &'static str) -> Action {
    Action::Purchase { object, verb }
}

/// Who may read a contract's delivery: its officers, its organization, and purchase staff
/// whose area covers the district or one of the project's communities.
async fn readable(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    k: &ContractRow,
) -> Result<bool, AppError> {
    if policy::may_manage(actor, &k.district) || own(actor, k) {
        return Ok(true);
    }
    // An assessor assigned to evaluate the contract checks its logs against the evidence.
    if authz::can(actor, Perm::PanelServe) {
        if let Some(u) = actor.user_id {
            return Ok(sanshe_store::evaluations::assigned_to(conn, k.id, u).await?);
        }
    }
    if !authz::can(actor, Perm::PurchaseRead) {
        return Ok(false);
    }
    if authz::record_in_scope(actor, Some(&k.district)) {
        return Ok(true);
    }
    let cs = pstore::communities(conn, k.project_id).await?;
    Ok(cs
        .iter()
        .any(|(c, _)| authz::record_in_scope(actor, Some(c))))
}

fn own(actor: &Actor, k: &ContractRow) -> bool {
    authz::can(actor, Perm::PurchaseApply) && authz::own_org(actor) == Some(k.org_id)
}

async fn contract(conn: &mut sanshe_store::Conn, id: i64) -> Result<ContractRow, AppError> {
    kstore::get(conn, id).await?.ok_or(AppError::NotFound)
}

/// A contract the caller may read (404 otherwise, as if it did not exist).
async fn visible(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    id: i64,
) -> Result<ContractRow, AppError> {
    let k = contract(conn, id).await?;
    if k.state == "draft" || !readable(conn, actor, &k).await? {
        return Err(AppError::NotFound);
    }
    Ok(k)
}

fn require_signed(k: &ContractRow) -> Result<(), AppError> {
    if k.state != "signed" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-contract-not-signed").arg("state", &k.state),
        ));
    }
    Ok(())
}

// ---- the team and its registrations ------------------------------------------------------------

/// A team member as the delivery pages show them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Member {
    pub worker_id: i64,
    pub name: String,
    pub cert_level: String,
    /// The latest registration's end (None: never registered).
    pub registered_until: Option<String>,
    /// Whether the registration covers today.
    pub current: bool,
}

pub async fn members(
    conn: &mut sanshe_store::Conn,
    contract: i64,
) -> Result<Vec<Member>, AppError> {
    let ids = store::team(conn, contract).await?;
    let today = crate::calendar::today().to_string();
    Ok(pstore::members(conn, &ids)
        .await?
        .into_iter()
        .map(|m| Member {
            current: domain::registered_on(&m.registrations, &today),
            registered_until: m.registrations.last().map(|r| r.1.clone()),
            worker_id: m.worker_id,
            name: m.name,
            cert_level: m.cert_level,
        })
        .collect())
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReplaceInput {
    /// The member leaving (social worker id).
    #[serde(default)]
    pub from: i64,
    /// The member joining: one of the organization's active social workers.
    #[serde(default)]
    pub to: i64,
    #[serde(default)]
    pub reason: String,
}

/// A contract amendment that replaces a team member (the officer's; recorded as a new
/// version with its reason).
pub async fn replace_member(
    app: &App,
    ctx: &Ctx,
    id: i64,
    i: &ReplaceInput,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let reason = rules::text("reason", &i.reason, 500, true).map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    kstore::lock(&mut tx, id).await?;
    let k = contract(&mut tx, id).await?;
    if !policy::may_manage(actor, &k.district) {
        return Err(AppError::Hidden);
    }
    require_signed(&k)?;
    let staff = pstore::staff(&mut tx, k.org_id).await?;
    let Some((_, to_name, _)) = staff.iter().find(|(w, _, _)| *w == i.to) else {
        return Err(AppError::invalid(
            FieldError::new("to", "err-team-not-staff").arg("id", i.to),
        ));
    };
    let m = pstore::members(&mut tx, &[i.to]).await?;
    let today = crate::calendar::today().to_string();
    if !m
        .first()
        .is_some_and(|m| domain::registered_on(&m.registrations, &today))
    {
        return Err(AppError::invalid(
            FieldError::new("to", "err-member-lapsed").arg("name", to_name),
        ));
    }
    let from_name = pstore::members(&mut tx, &[i.from])
        .await?
        .pop()
        .map(|m| m.name)
        .unwrap_or_default();
    if !store::replace_member(&mut tx, id, i.from, i.to).await? {
        return Err(AppError::invalid(FieldError::new(
            "from",
            "err-team-replace",
        )));
    }
    let body = serde_json::json!({"team": {"from": i.from, "to": i.to}}).to_string();
    kstore::add_version(
        &mut tx,
        id,
        k.revision + 1,
        &body,
        &reason,
        &actor.display_name,
    )
    .await?;
    kstore::bump_revision(&mut tx, id).await?;
    let told = pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?;
    inbox::notify(
        &mut tx,
        &told,
        "contract.team",
        &k.project_title,
        &format!("{from_name} → {to_name}: {reason}"),
        &format!("/purchase/contracts/{id}/delivery"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("contract", "amend"),
        Some(id.to_string()),
        format!("{}: {from_name} → {to_name} ({reason})", k.project_title),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

// ---- activity logs -------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct HoursInput {
    #[serde(default)]
    pub worker: i64,
    /// Hours, e.g. `2` or `1.5`.
    #[serde(default)]
    pub hours: String,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LogInput {
    #[serde(default)]
    pub day: String,
    /// The community's area code (one of the project's communities).
    #[serde(default)]
    pub community: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub direct: Option<i64>,
    #[serde(default)]
    pub indirect: Option<i64>,
    #[serde(default)]
    pub hours: Vec<HoursInput>,
}

fn count(field: &str, v: Option<i64>, errs: &mut Vec<FieldError>) -> i64 {
    match v {
        Some(n) if (0..=MAX_BENEFICIARIES).contains(&n) => n,
        Some(_) => {
            errs.push(
                FieldError::new(field, "err-range")
                    .arg("min", 0)
                    .arg("max", MAX_BENEFICIARIES),
            );
            0
        }
        None => {
            errs.push(FieldError::new(field, "err-required"));
            0
        }
    }
}

/// Records an activity of the contracted team. Every field is checked and every problem
/// reported at once; a member whose registration does not cover the day refuses the whole
/// entry, and the district's officers are told so they can amend the team.
pub async fn log(app: &App, ctx: &Ctx, id: i64, i: &LogInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let mut errs = Vec::new();
    let day = match Day::parse(i.day.trim()) {
        Some(d) => Some(d),
        None => {
            errs.push(FieldError::new("day", "err-delivery-date"));
            None
        }
    };
    let content = rules::text("content", &i.content, CONTENT_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let direct = count("direct", i.direct, &mut errs);
    let indirect = count("indirect", i.indirect, &mut errs);
    let mut hours: Vec<(i64, i64)> = Vec::new();
    if i.hours.is_empty() {
        errs.push(FieldError::new("hours", "err-delivery-no-hours"));
    }
    if i.hours.len() > MAX_MEMBERS {
        errs.push(FieldError::new("hours", "err-delivery-too-many").arg("max", MAX_MEMBERS));
    }
    for (n, h) in i.hours.iter().enumerate() {
        let field = format!("hours.{n}");
        match domain::hours_tenths(&h.hours) {
            Some(t) if !hours.iter().any(|(w, _)| *w == h.worker) => hours.push((h.worker, t)),
            Some(_) => errs.push(FieldError::new(&field, "err-delivery-twice")),
            None => errs.push(FieldError::new(&field, "err-delivery-hours")),
        }
    }
    let mut c = app.db.acquire().await?;
    let k = visible(&mut c, actor, id).await?;
    if !own(actor, &k) {
        return Err(AppError::Forbidden);
    }
    require_signed(&k)?;
    if let Some(d) = day {
        let s = d.to_string();
        let today = crate::calendar::today();
        if s < k.clauses.start_date || s > k.clauses.end_date || d > today {
            errs.push(
                FieldError::new("day", "err-delivery-day")
                    .arg("from", &k.clauses.start_date)
                    .arg(
                        "to",
                        std::cmp::min(k.clauses.end_date.clone(), today.to_string()),
                    ),
            );
        }
    }
    let communities = pstore::communities(&mut c, k.project_id).await?;
    let community = i.community.trim().to_owned();
    if !communities.iter().any(|(code, _)| *code == community) {
        errs.push(FieldError::new("community", "err-delivery-community"));
    }
    let team = store::team(&mut c, id).await?;
    let ids: Vec<i64> = hours.iter().map(|(w, _)| *w).collect();
    let people = pstore::members(&mut c, &ids).await?;
    let mut lapsed = Vec::new();
    for (n, (w, _)) in hours.iter().enumerate() {
        let field = format!("hours.{n}");
        let Some(m) = people
            .iter()
            .find(|m| m.worker_id == *w)
            .filter(|_| team.contains(w))
        else {
            errs.push(FieldError::new(&field, "err-delivery-not-team"));
            continue;
        };
        if let Some(d) = day {
            if !domain::registered_on(&m.registrations, &d.to_string()) {
                lapsed.push(m.name.clone());
                errs.push(FieldError::new(&field, "err-member-lapsed").arg("name", &m.name));
            }
        }
    }
    drop(c);
    if !lapsed.is_empty() {
        told_lapsed(app, ctx, &k, &lapsed).await?;
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let Some(day) = day else {
        return Err(AppError::invalid(FieldError::new(
            "day",
            "err-delivery-date",
        )));
    };
    let day = day.to_string();
    let mut tx = Uow::begin(app).await?;
    kstore::lock(&mut tx, id).await?;
    let d = LogData {
        day: day.clone(),
        community,
        content,
        direct,
        indirect,
        hours: hours.clone(),
    };
    // A member's hours on one day, across every contract, stay within 24: the store adds them
    // to the member's day total only while it stays within the cap.
    let log = match store::insert_log(
        &mut tx,
        id,
        &d,
        actor.user_id,
        &actor.display_name,
        domain::MAX_HOURS_TENTHS,
    )
    .await?
    {
        Ok(log) => log,
        Err(over) => {
            return Err(AppError::Invalid(
                hours
                    .iter()
                    .enumerate()
                    .filter(|(_, (w, _))| over.contains(w))
                    .map(|(n, (w, _))| {
                        let name = people
                            .iter()
                            .find(|m| m.worker_id == *w)
                            .map(|m| m.name.clone())
                            .unwrap_or_default();
                        FieldError::new(&format!("hours.{n}"), "err-delivery-day-hours")
                            .arg("name", name)
                    })
                    .collect(),
            ))
        }
    };
    let total: i64 = hours.iter().map(|(_, t)| t).sum();
    tx.commit(ctx.audit_entry(
        audit("delivery_log", "create"),
        Some(log.to_string()),
        format!(
            "{} {day}: {direct}+{indirect}, {} h",
            k.project_title,
            hours_text(total)
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(log)
}

/// Tells the district's officers that a member's registration has lapsed (once a day per
/// contract), and records the refusal.
async fn told_lapsed(
    app: &App,
    ctx: &Ctx,
    k: &ContractRow,
    names: &[String],
) -> Result<(), AppError> {
    let mut tx = Uow::begin(app).await?;
    let officers = sanshe_store::inbox::staff_covering(
        &mut tx,
        &k.district,
        &[sanshe_domain::Role::DistrictAdmin],
    )
    .await?;
    // Each officer hears of a contract's lapsed members once a day, however many entries the
    // organization tries; every refusal is audited.
    let link = format!(
        "/purchase/contracts/{}/delivery#lapsed-{}",
        k.id,
        crate::calendar::today()
    );
    let mut told = Vec::new();
    for o in officers {
        let title: String = k.project_title.chars().take(200).collect();
        if !sanshe_store::inbox::exists(&mut tx, o, "delivery.lapsed", &link, &title).await? {
            told.push(o);
        }
    }
    inbox::notify(
        &mut tx,
        &told,
        "delivery.lapsed",
        &k.project_title,
        &format!("{}: {}", k.org_name, names.join("、")),
        &link,
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("delivery_log", "refuse"),
        Some(k.id.to_string()),
        format!(
            "{}: registration lapsed: {}",
            k.project_title,
            names.join(", ")
        ),
        Outcome::Denied,
    ))
    .await?;
    Ok(())
}

pub struct DeliveryView {
    pub contract: ContractRow,
    pub team: Vec<Member>,
    pub logs: Paged<LogRow>,
    /// The evidence of the logs on this page, by log.
    pub evidence: std::collections::HashMap<i64, Vec<sanshe_store::attachments::AttachmentRow>>,
    pub totals: Totals,
    pub reports: Vec<ReportRow>,
    pub communities: Vec<(String, String)>,
    pub can_log: bool,
    pub can_manage: bool,
    /// The organization's active social workers (an amendment's choices), officers only.
    pub staff: Vec<(i64, String, String)>,
}

pub async fn view(app: &App, ctx: &Ctx, id: i64, page: PageReq) -> Result<DeliveryView, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let k = visible(&mut c, actor, id).await?;
    let can_manage = policy::may_manage(actor, &k.district);
    let logs = store::logs(&mut c, id, page).await?;
    let ids: Vec<i64> = logs.items.iter().map(|l| l.id).collect();
    let mut evidence = std::collections::HashMap::<i64, Vec<_>>::new();
    for a in sanshe_store::attachments::list_for(&mut c, EVIDENCE, &ids).await? {
        evidence.entry(a.owner_id).or_default().push(a);
    }
    Ok(DeliveryView {
        team: members(&mut c, id).await?,
        logs,
        evidence,
        totals: store::totals(&mut c, id, None, None).await?,
        reports: store::reports(&mut c, id).await?,
        communities: pstore::communities(&mut c, k.project_id).await?,
        can_log: own(actor, &k) && k.state == "signed",
        staff: if can_manage {
            pstore::staff(&mut c, k.org_id).await?
        } else {
            Vec::new()
        },
        can_manage,
        contract: k,
    })
}

/// What the public portal shows of a signed contract's delivery: totals only.
pub async fn public_totals(app: &App, contract: i64) -> Result<Totals, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(store::totals(&mut c, contract, None, None).await?)
}

// ---- evidence --------------------------------------------------------------------------------------

async fn log_and_contract(
    conn: &mut sanshe_store::Conn,
    actor: &Actor,
    log: i64,
) -> Result<(LogRow, ContractRow), AppError> {
    let l = store::log(conn, log).await?.ok_or(AppError::NotFound)?;
    let k = visible(conn, actor, l.contract_id).await?;
    Ok((l, k))
}

pub async fn evidence(
    app: &App,
    ctx: &Ctx,
    log: i64,
) -> Result<Vec<sanshe_store::attachments::AttachmentRow>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    log_and_contract(&mut c, actor, log).await?;
    Ok(sanshe_store::attachments::list(&mut c, EVIDENCE, log).await?)
}

/// Adds a photo, sign-in sheet or document to an activity (its organization, while the
/// contract is signed).
pub async fn attach(
    app: &App,
    ctx: &Ctx,
    log: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    use crate::attachments::{self, Accept};
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let (l, k) = {
        let mut c = app.db.acquire().await?;
        log_and_contract(&mut c, actor, log).await?
    };
    if !own(actor, &k) {
        return Err(AppError::Forbidden);
    }
    require_signed(&k)?;
    let saved = attachments::save(app, "file", file_name, bytes, Accept::Documents)?;
    let written = async {
        let mut tx = Uow::begin(app).await?;
        kstore::lock(&mut tx, k.id).await?;
        attachments::record_counted(
            tx,
            ctx,
            EVIDENCE,
            log,
            &saved,
            "evidence",
            audit("delivery_log", "attach"),
            |s| format!("{} {}: {s}", k.project_title, l.data.day),
        )
        .await
    }
    .await;
    attachments::settle(app, &saved, written)
}

/// One evidence file (who may read the activity may read it).
pub async fn evidence_file(
    app: &App,
    ctx: &Ctx,
    log: i64,
    file: i64,
) -> Result<(sanshe_store::attachments::AttachmentRow, Vec<u8>), AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    log_and_contract(&mut c, actor, log).await?;
    crate::attachments::fetch(app, &mut c, EVIDENCE, log, file).await
}

// ---- milestone reports -------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportInput {
    /// `midterm` or `final`.
    #[serde(default)]
    pub kind: String,
    /// The `on_acceptance` tranche this report opens (optional).
    #[serde(default)]
    pub tranche: Option<i64>,
    #[serde(default)]
    pub period_from: String,
    #[serde(default)]
    pub period_to: String,
    #[serde(default)]
    pub summary: String,
}

/// Submits a report compiled from the logs of its period (the organization's).
pub async fn submit(app: &App, ctx: &Ctx, id: i64, i: &ReportInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let mut errs = Vec::new();
    if !REPORT_KINDS.contains(&i.kind.as_str()) {
        errs.push(FieldError::new("kind", "err-choice"));
    }
    let from = Day::parse(i.period_from.trim());
    let to = Day::parse(i.period_to.trim());
    if from.is_none() {
        errs.push(FieldError::new("period_from", "err-delivery-date"));
    }
    if to.is_none() {
        errs.push(FieldError::new("period_to", "err-delivery-date"));
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            errs.push(FieldError::new("period_to", "err-report-period"));
        }
    }
    let summary = rules::text("summary", &i.summary, SUMMARY_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(AppError::invalid(FieldError::new(
            "period_from",
            "err-delivery-date",
        )));
    };
    let (from, to) = (from.to_string(), to.to_string());
    let mut tx = Uow::begin(app).await?;
    kstore::lock(&mut tx, id).await?;
    let k = visible(&mut tx, actor, id).await?;
    if !own(actor, &k) {
        return Err(AppError::Forbidden);
    }
    require_signed(&k)?;
    if let Some(t) = i.tranche {
        let tr = kstore::tranche(&mut tx, t)
            .await?
            .filter(|x| x.contract_id == id)
            .ok_or_else(|| AppError::invalid(FieldError::new("tranche", "err-report-tranche")))?;
        if tr.gate != "on_acceptance" || tr.state != "scheduled" {
            return Err(AppError::invalid(FieldError::new(
                "tranche",
                "err-report-tranche",
            )));
        }
        if store::open_report_for(&mut tx, t).await? {
            return Err(AppError::Conflict(FieldError::new(
                "tranche",
                "err-report-pending",
            )));
        }
    }
    let totals = store::totals(&mut tx, id, Some(&from), Some(&to)).await?;
    let rid = store::insert_report(
        &mut tx, id, i.tranche, &i.kind, &from, &to, &summary, &totals,
    )
    .await?;
    workflow::created::<Reports>(&mut tx, actor, rid, ReportState::Submitted, "").await?;
    let officers = sanshe_store::inbox::staff_covering(
        &mut tx,
        &k.district,
        &[sanshe_domain::Role::DistrictAdmin],
    )
    .await?;
    inbox::notify(
        &mut tx,
        &officers,
        "report.submitted",
        &k.project_title,
        &format!("{}: {from} – {to}", k.org_name),
        &format!("/purchase/contracts/{id}/delivery"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("report", "create"),
        Some(rid.to_string()),
        format!(
            "{} {} {from}–{to}: {} activities, {}+{} people, {} h",
            k.project_title,
            i.kind,
            totals.activities,
            totals.direct,
            totals.indirect,
            hours_text(totals.hours_tenths)
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(rid)
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportTransition {
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub version: Option<i64>,
    /// The officer's reasons (required to return), or the corrected summary (to resubmit).
    #[serde(default)]
    pub text: String,
}

/// Who may take a report event: the officer accepts or returns; the organization resubmits.
pub fn may_report(actor: &Actor, k: &ContractRow, e: ReportEvent) -> bool {
    match e {
        ReportEvent::Accept | ReportEvent::Return => policy::may_manage(actor, &k.district),
        ReportEvent::Resubmit => own(actor, k),
    }
}

pub async fn decide(app: &App, ctx: &Ctx, rid: i64, i: &ReportTransition) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if !(authz::can(actor, Perm::PurchaseManage) || authz::can(actor, Perm::PurchaseApply)) {
        return Err(AppError::Forbidden);
    }
    let event = Reports::parse_event(&i.event)
        .ok_or_else(|| AppError::invalid(FieldError::new("event", "err-choice")))?;
    let mut tx = Uow::begin(app).await?;
    let r = store::report(&mut tx, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    kstore::lock(&mut tx, r.contract_id).await?;
    let k = visible(&mut tx, actor, r.contract_id).await?;
    if !may_report(actor, &k, event) {
        return Err(AppError::Forbidden);
    }
    let text = rules::text(
        "text",
        &i.text,
        SUMMARY_MAX,
        matches!(event, ReportEvent::Return | ReportEvent::Resubmit),
    )
    .map_err(AppError::invalid)?;
    let state = Reports::parse_state(&r.state)
        .ok_or_else(|| AppError::Internal(format!("report {rid}: {}", r.state)))?;
    let at = At {
        id: rid,
        version: i.version.unwrap_or(r.version),
        state,
    };
    let to =
        workflow::transition::<Reports>(&mut tx, Table::Reports, actor, at, event, &text).await?;
    let link = format!("/purchase/contracts/{}/delivery", k.id);
    match event {
        ReportEvent::Accept => {
            store::set_answer(&mut tx, rid, &text).await?;
            if let Some(t) = r.tranche_id {
                open_tranche(&mut tx, actor, t).await?;
            }
        }
        ReportEvent::Return => {
            store::set_answer(&mut tx, rid, &text).await?;
        }
        ReportEvent::Resubmit => {
            let totals =
                store::totals(&mut tx, k.id, Some(&r.period_from), Some(&r.period_to)).await?;
            store::refresh_report(&mut tx, rid, &text, &totals).await?;
        }
    }
    let told = match event {
        ReportEvent::Resubmit => {
            sanshe_store::inbox::staff_covering(
                &mut tx,
                &k.district,
                &[sanshe_domain::Role::DistrictAdmin],
            )
            .await?
        }
        _ => pstore::org_accounts(&mut tx, &k.district, Some(k.org_id)).await?,
    };
    inbox::notify(
        &mut tx,
        &told,
        &format!("report.{}", Reports::event_name(event)),
        &k.project_title,
        &text,
        &link,
    )
    .await?;
    workflow::commit::<Reports>(tx, ctx, rid, &k.project_title, state, event, to).await
}

/// Accepting a report opens the tranche it is for (when it is still waiting for it).
async fn open_tranche(tx: &mut Uow, actor: &Actor, tranche: i64) -> Result<(), AppError> {
    let Some(t) = kstore::tranche(tx, tranche).await? else {
        return Ok(());
    };
    let Some(state) = Tranches::parse_state(&t.state) else {
        return Ok(());
    };
    if t.gate != "on_acceptance" || Tranches::next(state, TrancheEvent::Accept).is_none() {
        return Ok(());
    }
    workflow::transition::<Tranches>(
        tx,
        Table::Tranches,
        actor,
        At {
            id: tranche,
            version: t.version,
            state,
        },
        TrancheEvent::Accept,
        "",
    )
    .await?;
    Ok(())
}

// ---- a social worker's own service ---------------------------------------------------------

/// One contract of a social worker's own service.
#[derive(Debug, Clone)]
pub struct MyContract {
    pub contract: ContractRow,
    pub share: store::MemberShare,
    /// The contract is running and the worker's registration ends before it does: unless it
    /// is renewed, the team can no longer log them from the day after.
    pub lapses_first: bool,
}

/// What a social worker serves under: the contracts whose team they are on, their hours, and
/// whether their registration must be renewed to go on.
#[derive(Debug, Clone, Default)]
pub struct MyService {
    /// The social worker record the account is linked to (None: not linked).
    pub worker_id: Option<i64>,
    pub name: String,
    pub registered_until: Option<String>,
    pub contracts: Vec<MyContract>,
    /// Set when a running contract outlasts the registration: the registration's last day.
    pub renew_by: Option<String>,
}

pub async fn my_service(app: &App, ctx: &Ctx) -> Result<MyService, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseServe)?;
    let mut c = app.db.acquire().await?;
    let Some(uid) = actor.user_id else {
        return Ok(MyService::default());
    };
    let Some(w) = sanshe_store::workers::of_user(&mut c, uid).await? else {
        return Ok(MyService::default());
    };
    let Some(m) = pstore::members(&mut c, &[w]).await?.pop() else {
        return Ok(MyService::default());
    };
    let until = m.registrations.iter().map(|r| r.1.clone()).max();
    let mut contracts = Vec::new();
    for share in store::shares_of_worker(&mut c, w).await? {
        let k = contract(&mut c, share.contract_id).await?;
        let lapses_first =
            k.state == "signed" && until.as_ref().is_none_or(|u| *u < k.clauses.end_date);
        contracts.push(MyContract {
            contract: k,
            share,
            lapses_first,
        });
    }
    Ok(MyService {
        worker_id: Some(w),
        name: m.name,
        // Not registered at all: the page says so; there is nothing to renew.
        renew_by: until
            .clone()
            .filter(|_| contracts.iter().any(|x| x.lapses_first)),
        registered_until: until,
        contracts,
    })
}

/// Days ahead a social worker is reminded that their registration ends before a running
/// contract does.
pub const RENEW_NOTICE_DAYS: i64 = 90;

/// Reminds each social worker (with an account) on a running contract whose registration
/// ends within [`RENEW_NOTICE_DAYS`] and before the contract does, once per registration end.
/// Returns how many were told.
pub async fn remind_renewals(app: &App) -> Result<usize, AppError> {
    let today = crate::calendar::today();
    let horizon = today.plus_days(RENEW_NOTICE_DAYS).to_string();
    let mut tx = Uow::begin(app).await?;
    let due = store::renewals_due(&mut tx, &today.to_string(), &horizon).await?;
    let mut told = 0;
    for (user, until, project) in due {
        let title = until.clone();
        if sanshe_store::inbox::exists(
            &mut tx,
            user,
            "reminder.registration",
            "/purchase/my-service",
            &title,
        )
        .await?
        {
            continue;
        }
        inbox::notify(
            &mut tx,
            &[user],
            "reminder.registration",
            &title,
            &project,
            "/purchase/my-service",
        )
        .await?;
        told += 1;
    }
    if told == 0 {
        return Ok(0);
    }
    tx.commit(Ctx::system().audit_entry(
        audit("registration", "remind"),
        None,
        format!("{told} social worker(s) reminded to renew their registration"),
        Outcome::Success,
    ))
    .await?;
    Ok(told)
}
