//! Venture philanthropy (公益创投): the district's rounds and the projects organizations bring
//! to them — a call with topics, tiers and two pools (fiscal and charity money, kept apart);
//! applications (one per organization, eligibility checked on saving and on submitting);
//! screening; review by named reviewers on five criteria (a roadshow shows scores as they
//! come, a desk review once the notice opens); the finalists' notice with one public vote per
//! resident account; a ranking of score + matched-funds bonus + vote bonus; awards by tier that
//! never commit more than a pool holds; the agreement and the first tranche within its working
//! days; a mid-term that releases the rest or stops the project (its unpaid money goes back to
//! the pool, a claw-back is recorded, the finding is published); and debarment after a breach.

use super::policy;
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self as wf, At};
use crate::{inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::text;
use sanshe_domain::venture::{
    self as domain, ProjectEvent, ProjectState, Projects, RoundEvent, RoundState, Rounds, Settings,
    CRITERIA, SOURCES,
};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::{FieldError, Role};
use sanshe_store::venture::{
    self as store, Money, ProjectFields, ProjectFilter, ProjectRow, Reviewer, RoundFields,
    RoundFilter, RoundRow, ScoreRow,
};
use sanshe_store::workflow::{HistoryRow, Table};
use sanshe_store::{Conn, PageReq, Paged};

/// The longest summary, plan, finding and note.
pub const TEXT_MAX: usize = 4000;

fn audit(verb: &'static str) -> Action {
    Action::Purchase {
        object: "venture",
        verb,
    }
}

fn today() -> String {
    crate::calendar::today().to_string()
}

/// A round's settings back from its row.
pub fn settings_of(r: &RoundRow) -> Settings {
    Settings {
        title: r.title.clone(),
        year: r.year,
        description: r.description.clone(),
        topics: r.topics.lines().map(str::to_owned).collect(),
        pool_fiscal_fen: r.pool_fiscal_fen,
        pool_charity_fen: r.pool_charity_fen,
        tiers: r
            .tiers
            .split(',')
            .filter_map(|t| t.trim().parse().ok())
            .collect(),
        review_mode: r.review_mode.clone(),
        apply_until: r.apply_until.clone(),
        notice_days: r.notice_days,
        vote_top_n: r.vote_top_n,
        vote_bonus: r.vote_bonus,
        matched_unit_fen: r.matched_unit_fen,
        matched_cap: r.matched_cap,
        first_days: r.first_days,
        first_share: r.first_share,
        debar_years: r.debar_years,
    }
}

fn checked(s: &Settings) -> Result<(String, String), AppError> {
    let mut errs = match s.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e,
    };
    for (f, v, max) in [
        ("title", s.title.as_str(), 100),
        ("description", s.description.as_str(), TEXT_MAX),
    ] {
        if let Err(e) = text::check(f, v, max) {
            if !errs.iter().any(|x| x.field == f) {
                errs.push(e);
            }
        }
    }
    if s.topics
        .iter()
        .any(|t| text::has_control(t) || t.trim().is_empty())
    {
        errs.push(FieldError::new("topics", "err-venture-topics"));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let topics = s
        .topics
        .iter()
        .map(|t| t.trim())
        .collect::<Vec<_>>()
        .join("\n");
    let tiers = s
        .tiers
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    Ok((topics, tiers))
}

/// A round's settings as the store keeps them.
pub(crate) fn fields<'a>(s: &'a Settings, topics: &'a str, tiers: &'a str) -> RoundFields<'a> {
    RoundFields {
        year: s.year,
        title: s.title.trim(),
        description: &s.description,
        topics,
        pool_fiscal_fen: s.pool_fiscal_fen,
        pool_charity_fen: s.pool_charity_fen,
        tiers,
        review_mode: &s.review_mode,
        apply_until: &s.apply_until,
        notice_days: s.notice_days,
        vote_top_n: s.vote_top_n,
        vote_bonus: s.vote_bonus,
        matched_unit_fen: s.matched_unit_fen,
        matched_cap: s.matched_cap,
        first_days: s.first_days,
        first_share: s.first_share,
        debar_years: s.debar_years,
    }
}

// ---- rounds ------------------------------------------------------------------------------

/// A new round (a draft) in the officer's district.
pub async fn create_round(app: &App, ctx: &Ctx, s: &Settings) -> Result<i64, AppError> {
    let district = super::managed_district(app, ctx).await?;
    let (topics, tiers) = checked(s)?;
    let actor = ctx.actor()?;
    let mut tx = Uow::begin(app).await?;
    let id = store::insert_round(
        &mut tx,
        &district,
        &fields(s, &topics, &tiers),
        actor.user_id,
        false,
    )
    .await?;
    wf::created::<Rounds>(&mut tx, actor, id, RoundState::Draft, &s.title).await?;
    tx.commit(ctx.audit_entry(
        audit("round.create"),
        Some(id.to_string()),
        format!("{} ({})", s.title.trim(), s.year),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// Edits a round's settings while it is a draft or open (not below what is committed).
pub async fn update_round(
    app: &App,
    ctx: &Ctx,
    id: i64,
    version: Option<i64>,
    s: &Settings,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let (topics, tiers) = checked(s)?;
    let mut tx = Uow::begin(app).await?;
    let r = store::round(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &r.district) {
        return Err(AppError::Hidden);
    }
    if !matches!(r.state.as_str(), "draft" | "open") {
        return Err(AppError::Conflict(
            FieldError::new("", "err-venture-round-fixed").arg("state", &r.state),
        ));
    }
    if !store::update_round(
        &mut tx,
        id,
        version.unwrap_or(r.version),
        &fields(s, &topics, &tiers),
    )
    .await?
    {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    tx.commit(ctx.audit_entry(
        audit("round.edit"),
        Some(id.to_string()),
        s.title.trim().to_owned(),
        Outcome::Success,
    ))
    .await
}

fn is_reviewer(actor: &crate::Actor, reviewers: &[Reviewer]) -> bool {
    authz::can(actor, Perm::PanelServe)
        && actor
            .user_id
            .is_some_and(|u| reviewers.iter().any(|r| r.user_id == u))
}

/// Who may read a round: its officers (drafts too); once published, the district's purchase
/// staff and organizations, and its reviewers.
/// Purchase staff, organizations and reviewers work with rounds (residents see the portal).
fn require_party(actor: &crate::Actor) -> Result<(), AppError> {
    if authz::can(actor, Perm::PurchaseRead)
        || authz::can(actor, Perm::PurchaseApply)
        || authz::can(actor, Perm::PanelServe)
    {
        authz::granted()
    } else {
        Err(AppError::Forbidden)
    }
}

async fn may_read_round(
    app: &App,
    ctx: &Ctx,
    r: &RoundRow,
    reviewers: &[Reviewer],
) -> Result<bool, AppError> {
    let actor = ctx.actor()?;
    if policy::may_manage(actor, &r.district) {
        return Ok(true);
    }
    if r.state == "draft" {
        return Ok(false);
    }
    if is_reviewer(actor, reviewers) {
        return Ok(true);
    }
    if authz::can(actor, Perm::PurchaseRead) || authz::can(actor, Perm::PurchaseApply) {
        return Ok(super::district_of(app, ctx).await? == r.district);
    }
    Ok(false)
}

/// Rounds the caller may see: officers every round of their district, purchase staff and
/// organizations the district's published ones, reviewers the rounds they are named for.
pub async fn rounds(
    app: &App,
    ctx: &Ctx,
    mut f: RoundFilter,
    page: PageReq,
) -> Result<Paged<RoundRow>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    if authz::can(actor, Perm::PanelServe) && !actor.is_cli {
        // A reviewer's rounds, paged by the database.
        f.reviewer = Some(actor.user_id.unwrap_or(-1));
        f.published_only = true;
        return Ok(store::rounds(&mut c, &f, page).await?);
    }
    if !(authz::can(actor, Perm::PurchaseRead) || authz::can(actor, Perm::PurchaseApply)) {
        return Err(AppError::Forbidden);
    }
    drop(c);
    let d = super::district_of(app, ctx).await?;
    f.published_only = !policy::may_manage(actor, &d);
    f.district = Some(d);
    let mut c = app.db.acquire().await?;
    Ok(store::rounds(&mut c, &f, page).await?)
}

pub struct RoundView {
    pub round: RoundRow,
    pub settings: Settings,
    /// The projects the caller may see, in ranking order.
    pub projects: Vec<ProjectRow>,
    pub reviewers: Vec<Reviewer>,
    pub history: Vec<HistoryRow>,
    pub offered: Vec<RoundEvent>,
    pub may_manage: bool,
    pub is_reviewer: bool,
    /// The caller's organization may apply now (open, no project yet).
    pub may_apply: bool,
    /// The caller's organization's project in this round.
    pub own_project: Option<i64>,
    /// Scores are shown: to officers always; to others during a roadshow from review on, in a
    /// desk review from the notice on.
    pub scores_visible: bool,
    /// Why the caller's organization may not apply (checked now), if it may not.
    pub refusals: Vec<FieldError>,
}

/// Scores are public in a roadshow as soon as they are given, in a desk review once the
/// finalists are announced.
pub fn scores_public(r: &RoundRow) -> bool {
    let after_notice = matches!(r.state.as_str(), "notice" | "awarding" | "concluded");
    after_notice || (r.review_mode == "roadshow" && r.state == "review")
}

pub fn round_offered(actor: &crate::Actor, r: &RoundRow) -> Vec<RoundEvent> {
    let Some(state) = Rounds::parse_state(&r.state) else {
        return Vec::new();
    };
    if !policy::may_manage(actor, &r.district) {
        return Vec::new();
    }
    Rounds::EVENTS
        .iter()
        .copied()
        .filter(|e| Rounds::next(state, *e).is_some())
        .collect()
}

pub async fn round_view(app: &App, ctx: &Ctx, id: i64) -> Result<RoundView, AppError> {
    let actor = ctx.actor()?;
    require_party(actor)?;
    let mut c = app.db.acquire().await?;
    let r = store::round(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let reviewers = store::reviewers(&mut c, id).await?;
    drop(c);
    if !may_read_round(app, ctx, &r, &reviewers).await? {
        return Err(AppError::Hidden);
    }
    let mut c = app.db.acquire().await?;
    let manage = policy::may_manage(actor, &r.district);
    let own_org = authz::own_org(actor).filter(|_| authz::can(actor, Perm::PurchaseApply));
    let all = store::projects_of_round(&mut c, id, true).await?;
    let own_project = own_org.and_then(|o| {
        all.iter()
            .find(|p| p.org_id == o && p.state != "withdrawn")
            .map(|p| p.id)
    });
    let reviewer = is_reviewer(actor, &reviewers);
    let projects = all
        .into_iter()
        .filter(|p| {
            if p.state == "draft" || p.state == "withdrawn" {
                return Some(p.org_id) == own_org;
            }
            manage
                || reviewer
                || Some(p.org_id) == own_org
                || r.state != "open" && authz::can(actor, Perm::PurchaseRead)
                || public_state(&r, p)
        })
        .collect();
    let mut refusals = Vec::new();
    if let (Some(org), None) = (own_org, own_project) {
        refusals = eligibility(&mut c, &r, org).await?;
    }
    let history = sanshe_store::workflow::history(&mut c, Rounds::KIND, id).await?;
    Ok(RoundView {
        settings: settings_of(&r),
        offered: round_offered(actor, &r),
        may_apply: own_org.is_some() && own_project.is_none() && refusals.is_empty(),
        scores_visible: manage || scores_public(&r),
        own_project,
        projects,
        reviewers,
        history,
        may_manage: manage,
        is_reviewer: reviewer,
        refusals,
        round: r,
    })
}

/// What the portal shows of a project: the finalists from the notice on, and what became of
/// them.
fn public_state(r: &RoundRow, p: &ProjectRow) -> bool {
    matches!(r.state.as_str(), "notice" | "awarding" | "concluded")
        && matches!(
            p.state.as_str(),
            "finalist"
                | "awarded"
                | "signed"
                | "running"
                | "passed"
                | "completed"
                | "stopped"
                | "not_funded"
        )
}

/// A step of the round's workflow (officers).
pub async fn round_step(
    app: &App,
    ctx: &Ctx,
    id: i64,
    event: &str,
    version: Option<i64>,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let Some(event) = Rounds::parse_event(event) else {
        return Err(AppError::invalid(
            FieldError::new("event", "err-choice").arg(
                "choices",
                Rounds::EVENTS
                    .iter()
                    .map(|e| Rounds::event_name(*e))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        ));
    };
    let mut tx = Uow::begin(app).await?;
    store::lock_round(&mut tx, id).await?;
    let r = store::round(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &r.district) {
        return Err(AppError::Hidden);
    }
    let from = Rounds::parse_state(&r.state)
        .ok_or_else(|| AppError::Internal(format!("round {id}: {}", r.state)))?;
    let day = today();
    let s = settings_of(&r);
    let projects = store::projects_of_round(&mut tx, id, false).await?;
    let mut note = String::new();
    match event {
        RoundEvent::Publish if r.apply_until < day => {
            return Err(AppError::invalid(
                FieldError::new("apply_until", "err-venture-apply-past").arg("day", &r.apply_until),
            ));
        }
        RoundEvent::CloseApplications if day < r.apply_until => {
            return Err(AppError::Conflict(
                FieldError::new("", "err-venture-apply-open").arg("day", &r.apply_until),
            ));
        }
        RoundEvent::Announce => {
            if let Some(p) = projects.iter().find(|p| p.state == "submitted") {
                return Err(AppError::Conflict(
                    FieldError::new("", "err-venture-unscreened").arg("title", &p.title),
                ));
            }
            if !projects.iter().any(|p| p.state == "finalist") {
                return Err(AppError::Conflict(FieldError::new(
                    "",
                    "err-venture-no-finalists",
                )));
            }
            let from_day = crate::calendar::today();
            let until = crate::calendar::deadline(app, from_day, r.notice_days).await?;
            store::set_vote_until(&mut tx, id, &until.to_string()).await?;
            note = until.to_string();
        }
        RoundEvent::CloseVote => {
            // Votes are taken through the notice's last day: the vote closes after it (a
            // round with no notice days closes the same day).
            if r.vote_until
                .as_deref()
                .is_some_and(|u| day.as_str() < u || (day.as_str() == u && r.notice_days > 0))
            {
                return Err(AppError::Conflict(
                    FieldError::new("", "err-venture-vote-open")
                        .arg("day", r.vote_until.clone().unwrap_or_default()),
                ));
            }
            note = fix_ranking(&mut tx, id, &s, &projects).await?;
        }
        _ => {}
    }
    let at = At {
        id,
        version: version.unwrap_or(r.version),
        state: from,
    };
    let to =
        wf::transition::<Rounds>(&mut tx, Table::VentureRounds, actor, at, event, &note).await?;
    let link = format!("/venture/rounds/{id}");
    match event {
        RoundEvent::Publish => {
            let orgs = sanshe_store::purchase::org_accounts(&mut tx, &r.district, None).await?;
            inbox::notify(
                &mut tx,
                &orgs,
                "venture.published",
                &r.title,
                &r.apply_until,
                &link,
            )
            .await?;
        }
        RoundEvent::Announce => {
            for p in projects.iter().filter(|p| p.state == "finalist") {
                let to = sanshe_store::purchase::org_accounts(&mut tx, &r.district, Some(p.org_id))
                    .await?;
                inbox::notify(&mut tx, &to, "venture.finalist", &p.title, &note, &link).await?;
            }
        }
        RoundEvent::Conclude | RoundEvent::Cancel => {
            // Whatever was not awarded is not funded; a cancelled call's applications end.
            for p in &projects {
                let ev = match (event, p.state.as_str()) {
                    (RoundEvent::Conclude, "screened" | "finalist") => ProjectEvent::Decline,
                    (RoundEvent::Cancel, "screened" | "finalist") => ProjectEvent::Decline,
                    (RoundEvent::Cancel, "submitted") => ProjectEvent::Reject,
                    _ => continue,
                };
                let pat = project_at(p, None)?;
                wf::transition::<Projects>(
                    &mut tx,
                    Table::VentureProjects,
                    actor,
                    pat,
                    ev,
                    Rounds::event_name(event),
                )
                .await?;
                let to = sanshe_store::purchase::org_accounts(&mut tx, &r.district, Some(p.org_id))
                    .await?;
                inbox::notify(
                    &mut tx,
                    &to,
                    "venture.not_funded",
                    &p.title,
                    &r.title,
                    &format!("/venture/projects/{}", p.id),
                )
                .await?;
            }
        }
        RoundEvent::CloseApplications | RoundEvent::CloseVote => {}
    }
    wf::commit::<Rounds>(tx, ctx, id, &r.title, from, event, to).await
}

/// Counts the votes from the votes themselves, gives the bonus to the top N, and fixes every
/// finalist's total. Returns the ranking as a note for the timeline.
async fn fix_ranking(
    conn: &mut Conn,
    round: i64,
    s: &Settings,
    projects: &[ProjectRow],
) -> Result<String, AppError> {
    let counts = store::vote_counts(conn, round).await?;
    let standings: Vec<domain::Standing> = projects
        .iter()
        .filter(|p| p.state == "finalist")
        .map(|p| domain::Standing {
            id: p.id,
            score_tenths: p.score_tenths.unwrap_or(0),
            votes: counts
                .iter()
                .find(|(id, _)| *id == p.id)
                .map_or(0, |(_, n)| *n),
            matched_fen: p.matched_fen,
        })
        .collect();
    let ranked = domain::rank(&standings, s);
    for x in &ranked {
        store::set_ranking(conn, x.id, x.matched_tenths, x.vote_tenths, x.total_tenths).await?;
    }
    Ok(ranked
        .iter()
        .map(|x| format!("#{} {}", x.id, domain_points(x.total_tenths)))
        .collect::<Vec<_>>()
        .join(", "))
}

fn domain_points(t: i64) -> String {
    sanshe_domain::evaluation::points_text(t)
}

/// Names an evaluator account as a reviewer of the round (officers, before the notice).
pub async fn add_reviewer(app: &App, ctx: &Ctx, round: i64, user: i64) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut tx = Uow::begin(app).await?;
    let r = store::round(&mut tx, round)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &r.district) {
        return Err(AppError::Hidden);
    }
    if !matches!(r.state.as_str(), "draft" | "open" | "review") {
        return Err(AppError::Conflict(
            FieldError::new("", "err-venture-round-fixed").arg("state", &r.state),
        ));
    }
    let u = sanshe_store::users::get(&mut tx, user)
        .await?
        .filter(|u| u.role == Role::Evaluator.as_str() && !u.locked)
        .ok_or_else(|| AppError::invalid(FieldError::new("reviewer", "err-eval-not-assessor")))?;
    if !store::add_reviewer(&mut tx, round, user).await? {
        return Err(AppError::Conflict(FieldError::new(
            "reviewer",
            "err-venture-reviewer-named",
        )));
    }
    inbox::notify(
        &mut tx,
        &[user],
        "venture.reviewer",
        &r.title,
        "",
        &format!("/venture/rounds/{round}"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("reviewer.add"),
        Some(round.to_string()),
        format!("{}: {}", r.title, u.display_name),
        Outcome::Success,
    ))
    .await
}

// ---- projects ----------------------------------------------------------------------------

/// What an organization writes.
#[derive(Debug, Clone, Default)]
pub struct ProjectInput {
    pub title: String,
    pub topic: String,
    pub summary: String,
    pub plan: String,
    pub beneficiaries: i64,
    pub tier_fen: i64,
    pub matched_fen: i64,
    pub not_funded_elsewhere: bool,
    /// Submit at once (otherwise a draft).
    pub submit: bool,
    pub version: Option<i64>,
}

fn check_input(r: &RoundRow, i: &ProjectInput) -> Vec<FieldError> {
    let mut e = Vec::new();
    if i.title.trim().is_empty() {
        e.push(FieldError::new("title", "err-required"));
    }
    for (f, v, max) in [
        ("title", i.title.as_str(), 100),
        ("summary", i.summary.as_str(), TEXT_MAX),
        ("plan", i.plan.as_str(), TEXT_MAX),
    ] {
        if let Err(x) = text::check(f, v, max) {
            e.push(x);
        }
    }
    let s = settings_of(r);
    if !s.topics.contains(&i.topic) {
        e.push(FieldError::new("topic", "err-venture-topic"));
    }
    if !s.tiers.contains(&i.tier_fen) {
        e.push(
            FieldError::new("tier_fen", "err-venture-tier").arg(
                "tiers",
                s.tiers
                    .iter()
                    .map(|t| yuan(*t))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        );
    }
    if !(0..=1_000_000).contains(&i.beneficiaries) {
        e.push(
            FieldError::new("beneficiaries", "err-range")
                .arg("min", 0)
                .arg("max", 1_000_000),
        );
    }
    if !(0..=sanshe_domain::purchase::MAX_FEN).contains(&i.matched_fen) {
        e.push(
            FieldError::new("matched_fen", "err-range")
                .arg("min", 0)
                .arg("max", sanshe_domain::purchase::MAX_FEN),
        );
    }
    e
}

/// Yuan as people write it (`20000`, `1234.5`).
pub fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        (fen / 100).to_string()
    } else {
        format!("{}.{:02}", fen / 100, fen % 100)
    }
}

/// Why an organization may not bring a project to a round now (empty: it may).
pub async fn eligibility(
    conn: &mut Conn,
    r: &RoundRow,
    org: i64,
) -> Result<Vec<FieldError>, AppError> {
    let day = today();
    let mut e = Vec::new();
    if r.state != "open" || day > r.apply_until {
        e.push(FieldError::new("", "err-venture-closed").arg("day", &r.apply_until));
    }
    let o = sanshe_store::purchase::org(conn, org)
        .await?
        .ok_or(AppError::NotFound)?;
    if o.status != "active" {
        e.push(FieldError::new("", "err-venture-org-status").arg("status", &o.status));
    }
    if !o
        .area_code
        .as_deref()
        .is_some_and(|a| a.starts_with(&r.district))
    {
        e.push(FieldError::new("", "err-venture-org-district"));
    }
    if let Some(u) = store::barred_until(conn, org, &day).await? {
        e.push(FieldError::new("", "err-venture-debarred").arg("until", u));
    }
    let since = sanshe_domain::evaluation::years_before(&day, 1);
    if let Some(on) = store::stopped_since(conn, org, &since).await? {
        e.push(FieldError::new("", "err-venture-unfinished").arg("on", on));
    }
    Ok(e)
}

/// An organization brings a project to an open round (a draft, or submitted at once).
pub async fn apply(app: &App, ctx: &Ctx, round: i64, i: &ProjectInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let org = authz::own_org(actor).ok_or(AppError::Forbidden)?;
    let mut tx = Uow::begin(app).await?;
    store::lock_round(&mut tx, round).await?;
    let r = store::round(&mut tx, round)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.state == "draft" {
        return Err(AppError::Hidden);
    }
    let refusals = eligibility(&mut tx, &r, org).await?;
    if let Some(f) = refusals.into_iter().next() {
        return Err(AppError::Conflict(f));
    }
    let mut errs = check_input(&r, i);
    if i.submit && !i.not_funded_elsewhere {
        errs.push(FieldError::new(
            "not_funded_elsewhere",
            "err-venture-funded-elsewhere",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let f = project_fields(i);
    let Some(id) = store::insert_project(&mut tx, round, org, &f, actor.user_id, false).await?
    else {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-venture-one-per-org",
        )));
    };
    wf::created::<Projects>(&mut tx, actor, id, ProjectState::Draft, &i.title).await?;
    if i.submit {
        let p = store::project(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        wf::transition::<Projects>(
            &mut tx,
            Table::VentureProjects,
            actor,
            project_at(&p, None)?,
            ProjectEvent::Submit,
            "",
        )
        .await?;
        store::set_submitted(&mut tx, id).await?;
    }
    tx.commit(ctx.audit_entry(
        audit("project.create"),
        Some(id.to_string()),
        format!("{}: {}", r.title, i.title.trim()),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

fn project_fields(i: &ProjectInput) -> ProjectFields<'_> {
    ProjectFields {
        title: i.title.trim(),
        topic: &i.topic,
        summary: &i.summary,
        plan: &i.plan,
        beneficiaries: i.beneficiaries,
        tier_fen: i.tier_fen,
        matched_fen: i.matched_fen,
        not_funded_elsewhere: i.not_funded_elsewhere,
    }
}

fn is_owner(actor: &crate::Actor, p: &ProjectRow) -> bool {
    authz::can(actor, Perm::PurchaseApply) && authz::own_org(actor) == Some(p.org_id)
}

/// Edits a draft (its organization).
pub async fn edit(app: &App, ctx: &Ctx, id: i64, i: &ProjectInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let mut tx = Uow::begin(app).await?;
    let p = store::project(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !is_owner(actor, &p) {
        return Err(AppError::Hidden);
    }
    let r = store::round(&mut tx, p.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let errs = check_input(&r, i);
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    if p.state != "draft" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-transition-not-allowed")
                .arg("event", "edit")
                .arg("state", &p.state),
        ));
    }
    if !store::update_project(
        &mut tx,
        id,
        i.version.unwrap_or(p.version),
        &project_fields(i),
    )
    .await?
    {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    tx.commit(ctx.audit_entry(
        audit("project.edit"),
        Some(id.to_string()),
        i.title.trim().to_owned(),
        Outcome::Success,
    ))
    .await
}

fn project_at(p: &ProjectRow, version: Option<i64>) -> Result<At<ProjectState>, AppError> {
    Ok(At {
        id: p.id,
        version: version.unwrap_or(p.version),
        state: Projects::parse_state(&p.state)
            .ok_or_else(|| AppError::Internal(format!("venture project {}: {}", p.id, p.state)))?,
    })
}

/// In which round state each officer event may be taken.
fn round_allows(e: ProjectEvent, round_state: &str) -> bool {
    match e {
        ProjectEvent::Submit | ProjectEvent::Withdraw => round_state == "open",
        ProjectEvent::Pass | ProjectEvent::Reject | ProjectEvent::Shortlist => {
            round_state == "review"
        }
        ProjectEvent::Award => round_state == "awarding",
        ProjectEvent::Decline => matches!(round_state, "review" | "awarding"),
        _ => true,
    }
}

/// The events the caller may take on a project now.
pub fn offered(actor: &crate::Actor, p: &ProjectRow) -> Vec<ProjectEvent> {
    let Some(state) = Projects::parse_state(&p.state) else {
        return Vec::new();
    };
    let manage = policy::may_manage(actor, &p.district);
    let owner = is_owner(actor, p);
    Projects::EVENTS
        .iter()
        .copied()
        .filter(|e| Projects::next(state, *e).is_some())
        .filter(|e| round_allows(*e, &p.round_state))
        .filter(|e| match e {
            ProjectEvent::Submit | ProjectEvent::Withdraw => owner,
            _ => manage,
        })
        .collect()
}

pub struct ProjectView {
    pub project: ProjectRow,
    pub round: RoundRow,
    pub settings: Settings,
    /// Every reviewer's scores (officers; others when scores are public).
    pub scores: Vec<ScoreRow>,
    pub history: Vec<HistoryRow>,
    pub offered: Vec<ProjectEvent>,
    pub may_edit: bool,
    /// The caller is a reviewer who may score it now.
    pub may_score: bool,
    /// The caller's own scores, if any.
    pub my_score: Option<ScoreRow>,
    /// The first tranche and the rest the next payments would make.
    pub first_fen: i64,
}

async fn readable(
    app: &App,
    ctx: &Ctx,
    c: &mut Conn,
    p: &ProjectRow,
) -> Result<(RoundRow, Vec<Reviewer>), AppError> {
    let actor = ctx.actor()?;
    let r = store::round(c, p.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reviewers = store::reviewers(c, p.round_id).await?;
    let ok = policy::may_manage(actor, &p.district)
        || is_owner(actor, p)
        || (is_reviewer(actor, &reviewers) && !matches!(p.state.as_str(), "draft" | "withdrawn"))
        || (public_state(&r, p)
            && (authz::can(actor, Perm::PurchaseRead) || authz::can(actor, Perm::PurchaseApply))
            && super::district_of(app, ctx).await? == r.district);
    if ok {
        Ok((r, reviewers))
    } else {
        Err(AppError::Hidden)
    }
}

pub async fn project_view(app: &App, ctx: &Ctx, id: i64) -> Result<ProjectView, AppError> {
    let actor = ctx.actor()?;
    require_party(actor)?;
    let mut c = app.db.acquire().await?;
    let p = store::project(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (r, reviewers) = readable(app, ctx, &mut c, &p).await?;
    let manage = policy::may_manage(actor, &p.district);
    let all_scores = store::scores(&mut c, id).await?;
    let my_score = actor
        .user_id
        .and_then(|u| all_scores.iter().find(|s| s.reviewer_id == u).cloned());
    let reviewer = is_reviewer(actor, &reviewers);
    let scores = if manage || scores_public(&r) {
        all_scores
    } else {
        Vec::new()
    };
    let history = sanshe_store::workflow::history(&mut c, Projects::KIND, id).await?;
    let settings = settings_of(&r);
    Ok(ProjectView {
        offered: offered(actor, &p),
        may_edit: is_owner(actor, &p) && p.state == "draft",
        may_score: reviewer
            && r.state == "review"
            && p.state == "screened"
            && !conflicted(&mut c, actor, &p).await?,
        first_fen: domain::first_tranche(p.award_fen, settings.first_share),
        settings,
        scores,
        history,
        my_score,
        project: p,
        round: r,
    })
}

/// A reviewer may not score an applicant it acts for, is tied to (employed by, or a
/// declared expert tie, within three years), or whose organization is tied to the applicant.
async fn conflicted(
    conn: &mut sanshe_store::Conn,
    actor: &crate::Actor,
    p: &ProjectRow,
) -> Result<bool, AppError> {
    let own = authz::own_org(actor);
    if own == Some(p.org_id) {
        return Ok(true);
    }
    let since = sanshe_domain::evaluation::years_before(&crate::calendar::today().to_string(), 3);
    if let Some(u) = actor.user_id {
        if sanshe_store::evaluations::tied_to(conn, u, p.org_id, &since).await? {
            return Ok(true);
        }
    }
    if let Some(o) = own {
        if sanshe_store::evaluations::orgs_tied(conn, o, p.org_id, &since).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Projects the caller may list: officers their district's, organizations their own.
pub async fn projects(
    app: &App,
    ctx: &Ctx,
    mut f: ProjectFilter,
    page: PageReq,
) -> Result<Paged<ProjectRow>, AppError> {
    let actor = ctx.actor()?;
    f.district = None;
    f.org = None;
    if authz::can(actor, Perm::PurchaseApply) && !actor.is_cli {
        f.org = Some(authz::own_org(actor).unwrap_or(-1));
    } else if authz::can(actor, Perm::PurchaseManage) {
        f.district = Some(super::managed_district(app, ctx).await?);
    } else if !actor.is_cli {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.acquire().await?;
    Ok(store::projects(&mut c, &f, page).await?)
}

/// An officer's or organization's step on a project, with what the step needs.
#[derive(Debug, Clone, Default)]
pub struct Step {
    pub event: String,
    pub version: Option<i64>,
    /// Award: the tier (fen; default the tier applied for) and the pool.
    pub tier_fen: Option<i64>,
    pub source: String,
    /// Payments: the voucher number.
    pub voucher: String,
    /// Reject, mid-term, stop: the finding (required for a failed mid-term, a stop, a
    /// rejection).
    pub note: String,
    /// Mid-term failure or stop: money recovered from what was paid (fen).
    pub clawback_fen: i64,
}

pub async fn step(app: &App, ctx: &Ctx, id: i64, s: &Step) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if !(authz::can(actor, Perm::PurchaseApply) || authz::can(actor, Perm::PurchaseManage)) {
        return Err(AppError::Forbidden);
    }
    let Some(event) = Projects::parse_event(&s.event) else {
        return Err(AppError::invalid(
            FieldError::new("event", "err-choice").arg(
                "choices",
                Projects::EVENTS
                    .iter()
                    .map(|e| Projects::event_name(*e))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        ));
    };
    match event {
        ProjectEvent::Submit | ProjectEvent::Withdraw => {
            authz::require(actor, Perm::PurchaseApply)?
        }
        _ => authz::require(actor, Perm::PurchaseManage)?,
    }
    let mut tx = Uow::begin(app).await?;
    let p0 = store::project(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::lock_round(&mut tx, p0.round_id).await?;
    let p = store::project(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mine = match event {
        ProjectEvent::Submit | ProjectEvent::Withdraw => is_owner(actor, &p),
        _ => policy::may_manage(actor, &p.district),
    };
    if !mine {
        return Err(AppError::Hidden);
    }
    let r = store::round(&mut tx, p.round_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let set = settings_of(&r);
    if !round_allows(event, &r.state) {
        return Err(AppError::Conflict(
            FieldError::new("event", "err-venture-round-state")
                .arg("event", Projects::event_name(event))
                .arg("state", &r.state),
        ));
    }
    // A step the project's state does not allow is refused before any money moves.
    let from = project_at(&p, s.version)?;
    if Projects::next(from.state, event).is_none() {
        return Err(AppError::Conflict(
            FieldError::new("event", "err-transition-not-allowed")
                .arg("event", Projects::event_name(event))
                .arg("state", &p.state),
        ));
    }
    let note = text::check("note", s.note.trim(), TEXT_MAX).map_err(AppError::invalid)?;
    let voucher = text::check("voucher", s.voucher.trim(), 60).map_err(AppError::invalid)?;
    let needs_note = matches!(
        event,
        ProjectEvent::Reject | ProjectEvent::MidtermFail | ProjectEvent::Stop
    );
    if needs_note && note.is_empty() {
        return Err(AppError::invalid(FieldError::new("note", "err-required")));
    }
    let pays = matches!(event, ProjectEvent::PayFirst | ProjectEvent::MidtermPass);
    if pays && voucher.is_empty() {
        return Err(AppError::invalid(FieldError::new(
            "voucher",
            "err-required",
        )));
    }
    let day = today();
    let link = format!("/venture/projects/{id}");
    let mut money = Money::default();
    let mut detail = note.clone();
    match event {
        ProjectEvent::Submit => {
            let refusals = eligibility(&mut tx, &r, p.org_id).await?;
            if let Some(f) = refusals.into_iter().next() {
                return Err(AppError::Conflict(f));
            }
            if !p.not_funded_elsewhere {
                return Err(AppError::invalid(FieldError::new(
                    "not_funded_elsewhere",
                    "err-venture-funded-elsewhere",
                )));
            }
            store::set_submitted(&mut tx, id).await?;
        }
        ProjectEvent::Withdraw => store::clear_one_key(&mut tx, id).await?,
        ProjectEvent::Award => {
            let tier = s.tier_fen.unwrap_or(p.tier_fen);
            if !set.tiers.contains(&tier) {
                return Err(AppError::invalid(
                    FieldError::new("tier_fen", "err-venture-tier").arg(
                        "tiers",
                        set.tiers
                            .iter()
                            .map(|t| yuan(*t))
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                ));
            }
            if !SOURCES.contains(&s.source.as_str()) {
                return Err(AppError::invalid(
                    FieldError::new("source", "err-choice").arg("choices", SOURCES.join("、")),
                ));
            }
            if !store::commit_pool(&mut tx, r.id, &s.source, tier).await? {
                let (pool, used) = if s.source == "fiscal" {
                    (r.pool_fiscal_fen, r.committed_fiscal_fen)
                } else {
                    (r.pool_charity_fen, r.committed_charity_fen)
                };
                return Err(AppError::Conflict(
                    FieldError::new("source", "err-venture-pool-exhausted")
                        .arg("source", &s.source)
                        .arg("left", yuan(pool - used)),
                ));
            }
            money.award = Some((tier, s.source.as_str(), day.as_str()));
            detail = format!("{} {}", s.source, yuan(tier));
        }
        ProjectEvent::PayFirst => {
            let fen = domain::first_tranche(p.award_fen, set.first_share);
            money.first_paid = Some((fen, day.as_str()));
            detail = format!("{} {voucher}", yuan(fen));
        }
        ProjectEvent::MidtermPass => {
            let fen = p.award_fen - p.paid_fen;
            money.rest_paid = Some((fen, day.as_str()));
            detail = format!("{} {voucher} {note}", yuan(fen));
        }
        ProjectEvent::MidtermFail | ProjectEvent::Stop => {
            if !(0..=p.paid_fen).contains(&s.clawback_fen) {
                return Err(AppError::invalid(
                    FieldError::new("clawback_fen", "err-range")
                        .arg("min", 0)
                        .arg("max", yuan(p.paid_fen)),
                ));
            }
            // The money not paid goes back to the pool it came from.
            let unpaid = p.award_fen - p.paid_fen;
            if unpaid > 0 {
                let source = p.source.clone().unwrap_or_default();
                if !store::commit_pool(&mut tx, r.id, &source, -unpaid).await? {
                    return Err(AppError::Internal(format!(
                        "venture round {}: release {unpaid} from {source}",
                        r.id
                    )));
                }
            }
            money.ended = Some((day.as_str(), note.as_str(), s.clawback_fen));
            if event == ProjectEvent::Stop && set.debar_years > 0 {
                let until = sanshe_domain::evaluation::years_before(&day, -set.debar_years);
                store::debar(&mut tx, p.org_id, Some(id), &until, &note).await?;
                detail = format!("{note} (→ {until})");
            }
        }
        ProjectEvent::Complete => money.ended = Some((day.as_str(), note.as_str(), 0)),
        _ => {}
    }
    let to =
        wf::transition::<Projects>(&mut tx, Table::VentureProjects, actor, from, event, &detail)
            .await?;
    if event == ProjectEvent::Sign {
        let due = crate::calendar::deadline(app, crate::calendar::today(), set.first_days).await?;
        let due = due.to_string();
        store::set_money(
            &mut tx,
            id,
            &Money {
                signed: Some((day.as_str(), due.as_str())),
                ..Default::default()
            },
        )
        .await?;
    }
    store::set_money(&mut tx, id, &money).await?;
    let told_kind = match event {
        ProjectEvent::Pass => Some("venture.screened"),
        ProjectEvent::Reject => Some("venture.rejected"),
        ProjectEvent::Shortlist => Some("venture.shortlisted"),
        ProjectEvent::Award => Some("venture.awarded"),
        ProjectEvent::Decline => Some("venture.not_funded"),
        ProjectEvent::PayFirst | ProjectEvent::MidtermPass => Some("venture.paid"),
        ProjectEvent::MidtermFail | ProjectEvent::Stop => Some("venture.stopped"),
        _ => None,
    };
    if let Some(kind) = told_kind {
        let to = sanshe_store::purchase::org_accounts(&mut tx, &r.district, Some(p.org_id)).await?;
        inbox::notify(&mut tx, &to, kind, &p.title, &detail, &link).await?;
    }
    if event == ProjectEvent::Submit {
        let officers =
            sanshe_store::inbox::staff_covering(&mut tx, &r.district, &[Role::DistrictAdmin])
                .await?;
        inbox::notify(
            &mut tx,
            &officers,
            "venture.submitted",
            &p.title,
            &p.org_name,
            &link,
        )
        .await?;
    }
    wf::commit::<Projects>(tx, ctx, id, &p.title, from.state, event, to).await
}

/// Awards every finalist in ranking order the tier it applied for, from the fiscal pool while
/// it holds, then from the charity pool; a project neither pool can hold is left for the
/// officer. Returns (awarded, left).
pub async fn award_by_ranking(app: &App, ctx: &Ctx, round: i64) -> Result<(i64, i64), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut tx = Uow::begin(app).await?;
    store::lock_round(&mut tx, round).await?;
    let r = store::round(&mut tx, round)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &r.district) {
        return Err(AppError::Hidden);
    }
    if r.state != "awarding" {
        return Err(AppError::Conflict(
            FieldError::new("event", "err-venture-round-state")
                .arg("event", "award")
                .arg("state", &r.state),
        ));
    }
    let day = today();
    let (mut awarded, mut left) = (0, 0);
    for p in store::projects_of_round(&mut tx, round, false).await? {
        if p.state != "finalist" {
            continue;
        }
        let mut source = None;
        for s in SOURCES {
            if store::commit_pool(&mut tx, round, s, p.tier_fen).await? {
                source = Some(s);
                break;
            }
        }
        let Some(source) = source else {
            left += 1;
            continue;
        };
        let detail = format!("{source} {}", yuan(p.tier_fen));
        wf::transition::<Projects>(
            &mut tx,
            Table::VentureProjects,
            actor,
            project_at(&p, None)?,
            ProjectEvent::Award,
            &detail,
        )
        .await?;
        store::set_money(
            &mut tx,
            p.id,
            &Money {
                award: Some((p.tier_fen, source, day.as_str())),
                ..Default::default()
            },
        )
        .await?;
        let to = sanshe_store::purchase::org_accounts(&mut tx, &r.district, Some(p.org_id)).await?;
        inbox::notify(
            &mut tx,
            &to,
            "venture.awarded",
            &p.title,
            &detail,
            &format!("/venture/projects/{}", p.id),
        )
        .await?;
        awarded += 1;
    }
    tx.commit(ctx.audit_entry(
        audit("award_by_ranking"),
        Some(round.to_string()),
        format!("{}: {awarded} awarded, {left} left", r.title),
        Outcome::Success,
    ))
    .await?;
    Ok((awarded, left))
}

/// A reviewer's scores of a screened project (again: replaces them).
#[derive(Debug, Clone, Default)]
pub struct ScoreInput {
    pub scores: Vec<(String, String)>,
    pub comment: String,
}

pub async fn score(app: &App, ctx: &Ctx, id: i64, i: &ScoreInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PanelServe)?;
    let mut tx = Uow::begin(app).await?;
    let p0 = store::project(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::lock_round(&mut tx, p0.round_id).await?;
    let p = store::project(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let reviewers = store::reviewers(&mut tx, p.round_id).await?;
    if !is_reviewer(actor, &reviewers) {
        return Err(AppError::Hidden);
    }
    if conflicted(&mut tx, actor, &p).await? {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-venture-reviewer-tied",
        )));
    }
    let points = domain::scores(&i.scores).map_err(AppError::Invalid)?;
    let comment = text::check("comment", i.comment.trim(), TEXT_MAX).map_err(AppError::invalid)?;
    if p.round_state != "review" || p.state != "screened" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-venture-round-state")
                .arg("event", "score")
                .arg("state", format!("{}/{}", p.round_state, p.state)),
        ));
    }
    let total: i64 = points.iter().sum();
    let text_points = points
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let reviewer = actor.user_id.unwrap_or(0);
    store::set_score(&mut tx, id, reviewer, &text_points, total, &comment).await?;
    tx.commit(ctx.audit_entry(
        audit("score"),
        Some(id.to_string()),
        format!("{}: {total} ({text_points})", p.title),
        Outcome::Success,
    ))
    .await
}

/// A resident's one vote in a round, for a finalist, during the notice.
pub async fn vote(app: &App, ctx: &Ctx, round: i64, project: i64) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::VentureVote)?;
    let user = actor.user_id.ok_or(AppError::Forbidden)?;
    let mut tx = Uow::begin(app).await?;
    store::lock_round(&mut tx, round).await?;
    let r = store::round(&mut tx, round)
        .await?
        .ok_or(AppError::NotFound)?;
    if r.state == "draft" || r.state == "cancelled" {
        return Err(AppError::NotFound);
    }
    let day = today();
    if r.state != "notice" || r.vote_until.as_deref().is_some_and(|u| day.as_str() > u) {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-venture-vote-closed",
        )));
    }
    let p = store::project(&mut tx, project)
        .await?
        .filter(|p| p.round_id == round && p.state == "finalist")
        .ok_or_else(|| AppError::invalid(FieldError::new("project", "err-venture-not-finalist")))?;
    if !store::vote(&mut tx, round, user, project).await? {
        return Err(AppError::Conflict(FieldError::new("", "err-venture-voted")));
    }
    tx.commit(ctx.audit_entry(
        audit("vote"),
        Some(round.to_string()),
        format!("{}: {}", r.title, p.title),
        Outcome::Success,
    ))
    .await
}

// ---- the portal --------------------------------------------------------------------------

/// Published rounds of the deployment's district (the portal).
pub async fn public_rounds(app: &App) -> Result<Vec<RoundRow>, AppError> {
    let Some((district, _)) = crate::public::district(app).await? else {
        return Ok(Vec::new());
    };
    let mut c = app.db.acquire().await?;
    Ok(store::rounds(
        &mut c,
        &RoundFilter {
            district: Some(district),
            published_only: true,
            ..Default::default()
        },
        PageReq {
            page: 1,
            per_page: 100,
        },
    )
    .await?
    .items)
}

pub struct PublicRound {
    pub round: RoundRow,
    pub settings: Settings,
    /// The finalists and what became of them (from the notice on).
    pub projects: Vec<ProjectRow>,
    pub scores_visible: bool,
    /// The project the signed-in resident voted for.
    pub my_vote: Option<i64>,
    /// The signed-in visitor may vote now.
    pub may_vote: bool,
}

pub async fn public_round(app: &App, ctx: &Ctx, id: i64) -> Result<PublicRound, AppError> {
    let mut c = app.db.acquire().await?;
    let district = crate::public::district(app).await?.map(|(d, _)| d);
    let r = store::round(&mut c, id)
        .await?
        .filter(|r| r.state != "draft" && r.state != "cancelled")
        .filter(|r| district.as_deref() == Some(r.district.as_str()))
        .ok_or(AppError::NotFound)?;
    let projects = store::projects_of_round(&mut c, id, false)
        .await?
        .into_iter()
        .filter(|p| public_state(&r, p))
        .collect();
    let voter = ctx
        .actor
        .as_ref()
        .filter(|a| authz::can(a, Perm::VentureVote))
        .and_then(|a| a.user_id);
    let my_vote = match voter {
        Some(u) => store::vote_of(&mut c, id, u).await?,
        None => None,
    };
    let open = r.state == "notice"
        && r.vote_until
            .as_deref()
            .is_some_and(|u| today().as_str() <= u);
    Ok(PublicRound {
        settings: settings_of(&r),
        scores_visible: scores_public(&r),
        may_vote: voter.is_some() && my_vote.is_none() && open,
        my_vote,
        projects,
        round: r,
    })
}

// ---- export ------------------------------------------------------------------------------

/// The ranking's columns (locale keys).
pub const EXPORT_COLUMNS: [&str; 14] = [
    "venture-col-rank",
    "venture-col-id",
    "venture-col-title",
    "venture-col-org",
    "venture-col-topic",
    "venture-col-tier",
    "venture-col-score",
    "venture-col-matched",
    "venture-col-votes",
    "venture-col-vote-bonus",
    "venture-col-total",
    "venture-col-award",
    "venture-col-source",
    "venture-col-state",
];

pub fn export_rows(projects: &[ProjectRow]) -> Vec<Vec<String>> {
    projects
        .iter()
        .enumerate()
        .map(|(n, p)| {
            vec![
                (n + 1).to_string(),
                p.id.to_string(),
                p.title.clone(),
                p.org_name.clone(),
                p.topic.clone(),
                yuan(p.tier_fen),
                p.score_tenths.map(domain_points).unwrap_or_default(),
                domain_points(p.matched_tenths),
                p.votes.to_string(),
                domain_points(p.vote_tenths),
                p.total_tenths.map(domain_points).unwrap_or_default(),
                if p.award_fen > 0 {
                    yuan(p.award_fen)
                } else {
                    String::new()
                },
                p.source.clone().unwrap_or_default(),
                p.state.clone(),
            ]
        })
        .collect()
}

/// Every criterion's locale key (for the completeness test).
pub fn criteria_keys() -> Vec<String> {
    CRITERIA
        .iter()
        .map(|c| format!("venture-criterion-{c}"))
        .collect()
}

// ---- reminders ---------------------------------------------------------------------------

/// The `purchase.deadlines` job's venture reminders: each district officer is told once about
/// each signed agreement whose first tranche falls due by `soon` and is unpaid.
pub async fn remind(app: &App, ctx: &Ctx, district: &str, soon: &str) -> Result<usize, AppError> {
    let kind = "reminder.venture_first";
    let mut c = app.db.acquire().await?;
    let due: Vec<ProjectRow> = store::first_due(&mut c, soon)
        .await?
        .into_iter()
        .filter(|p| p.district == district)
        .collect();
    let officers =
        sanshe_store::inbox::staff_covering(&mut c, district, &[Role::DistrictAdmin]).await?;
    drop(c);
    let mut sent = 0;
    for p in due {
        let link = format!("/venture/projects/{}", p.id);
        let body = p.first_due_on.clone().unwrap_or_default();
        sent += super::remind_once(app, ctx, &officers, kind, &p.title, &body, &link, p.id).await?;
    }
    Ok(sent)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    //! The state × event × role tables of rounds and projects, written by hand.
    use super::*;
    use sanshe_domain::venture::{ProjectEvent as E, ProjectState as S, RoundEvent as RE};

    use crate::purchase::policy::tests::cast;

    fn round(state: &str) -> RoundRow {
        RoundRow {
            id: 1,
            district: "320412".into(),
            year: 2026,
            title: String::new(),
            description: String::new(),
            topics: "为老服务".into(),
            pool_fiscal_fen: 1,
            pool_charity_fen: 0,
            committed_fiscal_fen: 0,
            committed_charity_fen: 0,
            tiers: "100".into(),
            review_mode: "roadshow".into(),
            apply_until: "2026-01-01".into(),
            notice_days: 0,
            vote_until: None,
            vote_top_n: 0,
            vote_bonus: 0,
            matched_unit_fen: 1,
            matched_cap: 0,
            first_days: 1,
            first_share: 50,
            debar_years: 3,
            state: state.into(),
            version: 0,
            projects: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    fn project(state: &str, round_state: &str) -> ProjectRow {
        ProjectRow {
            id: 1,
            round_id: 1,
            round_title: String::new(),
            round_state: round_state.into(),
            district: "320412".into(),
            org_id: 1,
            org_name: String::new(),
            title: String::new(),
            topic: String::new(),
            summary: String::new(),
            plan: String::new(),
            beneficiaries: 0,
            tier_fen: 100,
            matched_fen: 0,
            not_funded_elsewhere: true,
            score_tenths: None,
            reviewers: 0,
            votes: 0,
            matched_tenths: 0,
            vote_tenths: 0,
            total_tenths: None,
            award_fen: 0,
            source: None,
            paid_fen: 0,
            clawed_fen: 0,
            awarded_on: None,
            signed_on: None,
            first_due_on: None,
            first_paid_on: None,
            rest_paid_on: None,
            ended_on: None,
            finding: String::new(),
            state: state.into(),
            version: 0,
            created_at: 0,
            updated_at: 0,
        }
    }

    const ROUND_TRANSITIONS: [(RoundState, RE, RoundState); 8] = [
        (RoundState::Draft, RE::Publish, RoundState::Open),
        (RoundState::Open, RE::CloseApplications, RoundState::Review),
        (RoundState::Review, RE::Announce, RoundState::Notice),
        (RoundState::Notice, RE::CloseVote, RoundState::Awarding),
        (RoundState::Awarding, RE::Conclude, RoundState::Concluded),
        (RoundState::Draft, RE::Cancel, RoundState::Cancelled),
        (RoundState::Open, RE::Cancel, RoundState::Cancelled),
        (RoundState::Review, RE::Cancel, RoundState::Cancelled),
    ];

    const PROJECT_TRANSITIONS: [(S, E, S); 19] = [
        (S::Draft, E::Submit, S::Submitted),
        (S::Draft, E::Withdraw, S::Withdrawn),
        (S::Submitted, E::Withdraw, S::Withdrawn),
        (S::Submitted, E::Pass, S::Screened),
        (S::Submitted, E::Reject, S::Rejected),
        (S::Screened, E::Reject, S::Rejected),
        (S::Screened, E::Shortlist, S::Finalist),
        (S::Screened, E::Decline, S::NotFunded),
        (S::Finalist, E::Award, S::Awarded),
        (S::Finalist, E::Decline, S::NotFunded),
        (S::Awarded, E::Sign, S::Signed),
        (S::Signed, E::PayFirst, S::Running),
        (S::Running, E::MidtermPass, S::Passed),
        (S::Running, E::MidtermFail, S::Stopped),
        (S::Passed, E::Complete, S::Completed),
        (S::Awarded, E::Stop, S::Stopped),
        (S::Signed, E::Stop, S::Stopped),
        (S::Running, E::Stop, S::Stopped),
        (S::Passed, E::Stop, S::Stopped),
    ];

    #[test]
    fn rounds_state_event_role_table() {
        for s in Rounds::STATES {
            for e in Rounds::EVENTS {
                let want = ROUND_TRANSITIONS
                    .iter()
                    .find(|(a, b, _)| a == s && b == e)
                    .map(|t| t.2);
                assert_eq!(Rounds::next(*s, *e), want, "{s:?} × {e:?}");
            }
        }
        // Only the district's own officers take a round's steps.
        for (name, a) in cast() {
            let offered = round_offered(&a, &round("draft"));
            assert_eq!(
                offered,
                if name == "district" {
                    vec![RE::Publish, RE::Cancel]
                } else {
                    vec![]
                },
                "{name}"
            );
        }
    }

    #[test]
    fn projects_state_event_role_table() {
        for s in Projects::STATES {
            for e in Projects::EVENTS {
                let want = PROJECT_TRANSITIONS
                    .iter()
                    .find(|(a, b, _)| a == s && b == e)
                    .map(|t| t.2);
                assert_eq!(Projects::next(*s, *e), want, "{s:?} × {e:?}");
            }
        }
        // Who is offered what, in the round state each step belongs to.
        let cases = [
            ("draft", "open", "org", vec![E::Submit, E::Withdraw]),
            ("submitted", "open", "org", vec![E::Withdraw]),
            ("submitted", "review", "district", vec![E::Pass, E::Reject]),
            (
                "screened",
                "review",
                "district",
                vec![E::Reject, E::Shortlist, E::Decline],
            ),
            ("finalist", "notice", "district", vec![]),
            (
                "finalist",
                "awarding",
                "district",
                vec![E::Award, E::Decline],
            ),
            ("awarded", "concluded", "district", vec![E::Sign, E::Stop]),
            (
                "running",
                "concluded",
                "district",
                vec![E::MidtermPass, E::MidtermFail, E::Stop],
            ),
            (
                "passed",
                "concluded",
                "district",
                vec![E::Complete, E::Stop],
            ),
        ];
        for (state, round_state, who, want) in cases {
            for (name, a) in cast() {
                let got = offered(&a, &project(state, round_state));
                let expect = if name == who { want.clone() } else { vec![] };
                assert_eq!(got, expect, "{state}/{round_state} × {name}");
            }
        }
        // Money-holding states are exactly those that hold an award.
        for s in Projects::STATES {
            let n = Projects::state_name(*s);
            let after_award = PROJECT_TRANSITIONS.iter().any(|(_, e, to)| {
                to == s
                    && matches!(
                        e,
                        E::Award | E::Sign | E::PayFirst | E::MidtermPass | E::Complete
                    )
            });
            assert_eq!(domain::holds_award(n), after_award, "{n}");
        }
    }
}
