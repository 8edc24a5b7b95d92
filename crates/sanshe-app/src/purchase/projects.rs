//! Purchase projects and their calls (立项 → 征集公告). An officer designs a project from a
//! catalog item (and, when it grew from residents' needs, an adopted proposal); approving
//! it reserves its amount on the item's budget line in one atomic step; publishing opens
//! the call until a deadline counted in working days; at the deadline the call closes.

use super::{district_of, policy};
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::calendar::Day;
use sanshe_domain::needs as rules;
use sanshe_domain::purchase::{self as domain, ProjectEvent, ProjectState, Projects};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::purchase::{
    self as store, ApplicationRow, ProjectData, ProjectFilter, ProjectRow,
};
use sanshe_store::workflow::{HistoryRow, Table};
use sanshe_store::{PageReq, Paged};

/// Most communities one project may serve.
pub const MAX_COMMUNITIES: usize = 200;
/// Most team members a call may require.
pub const MAX_TEAM: i64 = 50;
/// Longest a call may stay open (working days).
pub const MAX_APPLY_DAYS: i64 = 60;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProjectInput {
    /// The catalog item (id).
    #[serde(default)]
    pub item: String,
    /// An adopted proposal this project carries out (id, optional).
    #[serde(default)]
    pub proposal: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// Yuan.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub beneficiaries: String,
    #[serde(default)]
    pub service_hours: String,
    #[serde(default)]
    pub activities: String,
    #[serde(default)]
    pub outcomes: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub justification: String,
    /// Single source: the organization (id).
    #[serde(default)]
    pub single_source_org: String,
    #[serde(default)]
    pub min_team: String,
    #[serde(default)]
    pub min_intermediate: String,
    /// "1"/"true": one application per organization (the default).
    #[serde(default)]
    pub one_per_org: String,
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub end_date: String,
    #[serde(default)]
    pub apply_days: String,
    /// Community codes served.
    #[serde(default)]
    pub communities: Vec<String>,
    /// The rubric's weights (all blank: 需求度 25, 接纳度 15, 创新性 15, 有效性 30, 复制性 15).
    #[serde(default)]
    pub w_need: String,
    #[serde(default)]
    pub w_acceptance: String,
    #[serde(default)]
    pub w_innovation: String,
    #[serde(default)]
    pub w_effectiveness: String,
    #[serde(default)]
    pub w_replicability: String,
    /// The call's guidance per criterion (blank: the default guidance).
    #[serde(default)]
    pub g_need: String,
    #[serde(default)]
    pub g_acceptance: String,
    #[serde(default)]
    pub g_innovation: String,
    #[serde(default)]
    pub g_effectiveness: String,
    #[serde(default)]
    pub g_replicability: String,
    /// 优胜劣汰: the least grade (excellent, good, fair) of an applicant's latest final
    /// evaluations; blank for none.
    #[serde(default)]
    pub history_min_grade: String,
    /// "1"/"true": a 差 or a halted contract within the policy's years bars an applicant.
    #[serde(default)]
    pub history_exclude_poor: String,
    /// Points (0–10) the ranking adds for an applicant whose latest final evaluation is 优.
    #[serde(default)]
    pub history_bonus: String,
    /// Points (0–10) the ranking takes after a 差, a halted contract or a failed
    /// rectification within the policy's years.
    #[serde(default)]
    pub history_penalty: String,
}

fn opt_count(field: &str, v: &str, max: i64, errs: &mut Vec<FieldError>) -> i64 {
    if v.trim().is_empty() {
        return 0;
    }
    domain::count(field, v, 0, max)
        .map_err(|e| errs.push(e))
        .unwrap_or_default()
}

fn date(field: &str, v: &str, errs: &mut Vec<FieldError>) -> Option<Day> {
    let d = Day::parse(v.trim());
    if d.is_none() {
        errs.push(FieldError::new(field, "err-purchase-date"));
    }
    d
}

/// Checks a project's fields against the district's catalog, budget and policy profile.
async fn parse(
    conn: &mut sanshe_store::Conn,
    district: &str,
    i: &ProjectInput,
) -> Result<(i64, ProjectData, Vec<String>), AppError> {
    let mut errs = Vec::new();
    let title = rules::text("title", &i.title, rules::TITLE_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let description = rules::text("description", &i.description, rules::TEXT_MAX, false)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let outcomes = rules::text("outcomes", &i.outcomes, rules::TEXT_MAX, false)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let amount = domain::amount("amount", &i.amount)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let item = match i.item.trim().parse::<i64>() {
        Ok(id) => store::get_item(conn, id)
            .await?
            .filter(|x| x.district == district),
        Err(_) => None,
    };
    match &item {
        None => errs.push(FieldError::new("item", "err-item-missing")),
        Some(it) if amount > it.data.price_ceiling_fen => errs.push(
            FieldError::new("amount", "err-amount-over-ceiling")
                .arg("ceiling", crate::registry::yuan(it.data.price_ceiling_fen)),
        ),
        Some(_) => {}
    }
    let year = item.as_ref().map(|x| x.year).unwrap_or_default();
    let beneficiaries = opt_count("beneficiaries", &i.beneficiaries, 10_000_000, &mut errs);
    let service_hours = opt_count("service_hours", &i.service_hours, 1_000_000, &mut errs);
    let activities = opt_count("activities", &i.activities, 100_000, &mut errs);
    let method = rules::one_of("method", &i.method, &domain::METHODS, "err-purchase-choice")
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let justification = rules::text("justification", &i.justification, rules::TEXT_MAX, false)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let mut single_source_org = None;
    if method == "single_source" {
        if justification.is_empty() {
            errs.push(FieldError::new("justification", "err-single-source-why"));
        }
        match i.single_source_org.trim().parse::<i64>() {
            Ok(id) if store::org(conn, id).await?.is_some() => single_source_org = Some(id),
            _ => errs.push(FieldError::new("single_source_org", "err-org-missing")),
        }
    }
    let min_team = opt_count("min_team", &i.min_team, MAX_TEAM, &mut errs);
    let min_intermediate = opt_count("min_intermediate", &i.min_intermediate, MAX_TEAM, &mut errs);
    if min_intermediate > min_team {
        errs.push(FieldError::new(
            "min_intermediate",
            "err-team-intermediate-over",
        ));
    }
    let one_per_org = !matches!(
        i.one_per_org.trim().to_lowercase().as_str(),
        "0" | "false" | "no" | "否"
    );
    let start = date("start_date", &i.start_date, &mut errs);
    let end = date("end_date", &i.end_date, &mut errs);
    if let (Some(s), Some(e)) = (start, end) {
        if e < s {
            errs.push(FieldError::new("end_date", "err-end-before-start"));
        }
    }
    let min_days = crate::targets::profile_in(conn, year.max(2000))
        .await?
        .purchase_call_min_days;
    let apply_days = if i.apply_days.trim().is_empty() {
        min_days
    } else {
        match domain::count("apply_days", &i.apply_days, 1, MAX_APPLY_DAYS) {
            Ok(n) if n < min_days => {
                errs.push(FieldError::new("apply_days", "err-call-too-short").arg("min", min_days));
                n
            }
            Ok(n) => n,
            Err(e) => {
                errs.push(e);
                0
            }
        }
    };
    let proposal_id = match i.proposal.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(id) => match sanshe_store::needs::get_proposal(conn, id).await? {
                Some(p) if p.state == "adopted" && p.owner_area.starts_with(district) => Some(id),
                _ => {
                    errs.push(FieldError::new("proposal", "err-proposal-not-adopted"));
                    None
                }
            },
            Err(_) => {
                errs.push(FieldError::new("proposal", "err-proposal-not-adopted"));
                None
            }
        },
    };
    let mut communities: Vec<String> = i
        .communities
        .iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect();
    communities.sort();
    communities.dedup();
    if communities.len() > MAX_COMMUNITIES {
        errs.push(
            FieldError::new("communities", "err-purchase-too-many").arg("max", MAX_COMMUNITIES),
        );
    }
    for c in &communities {
        let ok = c.len() == 12
            && c.starts_with(district)
            && sanshe_store::areas::exists(conn, c).await?;
        if !ok {
            errs.push(FieldError::new("communities", "err-purchase-community").arg("code", c));
        }
    }
    if proposal_id.is_some() && communities.is_empty() {
        if let Some(p) = proposal_id {
            communities = sanshe_store::needs::communities(conn, p)
                .await?
                .into_iter()
                .map(|c| c.0)
                .collect();
        }
    }
    let rubric = match domain::check_weights(&[
        ("need", &i.w_need),
        ("acceptance", &i.w_acceptance),
        ("innovation", &i.w_innovation),
        ("effectiveness", &i.w_effectiveness),
        ("replicability", &i.w_replicability),
    ]) {
        Ok(r) => r,
        Err(es) => {
            errs.extend(es);
            String::new()
        }
    };
    let mut guide: [String; 5] = Default::default();
    for (slot, (k, v)) in guide.iter_mut().zip([
        ("need", &i.g_need),
        ("acceptance", &i.g_acceptance),
        ("innovation", &i.g_innovation),
        ("effectiveness", &i.g_effectiveness),
        ("replicability", &i.g_replicability),
    ]) {
        match rules::text(&format!("g_{k}"), v, domain::GUIDE_MAX, false) {
            Ok(t) => *slot = t,
            Err(e) => errs.push(e),
        }
    }
    let history_min_grade = i.history_min_grade.trim().to_owned();
    if !(history_min_grade.is_empty()
        || ["excellent", "good", "fair"].contains(&history_min_grade.as_str()))
    {
        errs.push(
            FieldError::new("history_min_grade", "err-choice")
                .arg("choices", "excellent、good、fair"),
        );
    }
    let history_exclude_poor = matches!(i.history_exclude_poor.trim(), "1" | "true" | "on");
    let mut points = |field: &str, v: &str| -> i64 {
        let v = v.trim();
        if v.is_empty() {
            return 0;
        }
        match v.parse::<i64>() {
            Ok(n) if (0..=sanshe_domain::evaluation::HISTORY_POINTS_MAX).contains(&n) => n,
            _ => {
                errs.push(
                    FieldError::new(field, "err-range")
                        .arg("min", 0)
                        .arg("max", sanshe_domain::evaluation::HISTORY_POINTS_MAX),
                );
                0
            }
        }
    };
    let history_bonus = points("history_bonus", &i.history_bonus);
    let history_penalty = points("history_penalty", &i.history_penalty);
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    Ok((
        year,
        ProjectData {
            history_min_grade,
            history_exclude_poor,
            history_bonus,
            history_penalty,
            rubric,
            rubric_guide: domain::stored_guides(&guide),
            item_id: item.map(|x| x.id).unwrap_or_default(),
            proposal_id,
            title,
            description,
            amount_fen: amount,
            beneficiaries,
            service_hours,
            activities,
            outcomes,
            method,
            justification,
            single_source_org,
            min_team,
            min_intermediate,
            one_per_org,
            start_date: start.map(|d| d.to_string()).unwrap_or_default(),
            end_date: end.map(|d| d.to_string()).unwrap_or_default(),
            apply_days,
        },
        communities,
    ))
}

/// Creates a draft project in the officer's district.
pub async fn create(app: &App, ctx: &Ctx, i: &ProjectInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let district = district_of(app, ctx).await?;
    if !policy::may_manage(actor, &district) {
        return Err(AppError::Forbidden);
    }
    let mut tx = Uow::begin(app).await?;
    let (year, d, communities) = parse(&mut tx, &district, i).await?;
    let id = store::insert_project(&mut tx, &district, year, &d, actor.user_id, false).await?;
    store::set_communities(&mut tx, id, &communities).await?;
    workflow::created::<Projects>(&mut tx, actor, id, ProjectState::Draft, "").await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "project",
            verb: "create",
        },
        Some(id.to_string()),
        format!("{}: ¥{}", d.title, crate::registry::yuan(d.amount_fen)),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// Edits a draft (an approved project's amount is reserved: cancel and design anew).
pub async fn update(app: &App, ctx: &Ctx, id: i64, i: &ProjectInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut tx = Uow::begin(app).await?;
    let p = store::get_project(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &p.district) {
        return Err(AppError::Hidden);
    }
    if p.state != "draft" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-transition-not-allowed")
                .arg("event", "edit")
                .arg("state", &p.state),
        ));
    }
    let (_, d, communities) = parse(&mut tx, &p.district, i).await?;
    if !store::update_project(&mut tx, id, p.version, &d).await? {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    store::set_communities(&mut tx, id, &communities).await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "project",
            verb: "update",
        },
        Some(id.to_string()),
        format!("{}: ¥{}", d.title, crate::registry::yuan(d.amount_fen)),
        Outcome::Success,
    ))
    .await
}

pub struct ProjectView {
    pub project: ProjectRow,
    pub communities: Vec<(String, String)>,
    pub history: Vec<HistoryRow>,
    pub offered: Vec<ProjectEvent>,
    /// Submitted and withdrawn applications (officers only).
    pub applications: Vec<ApplicationRow>,
    pub can_manage: bool,
    /// The caller's organization may apply now.
    pub can_apply: bool,
    /// The caller's organization's own applications to it.
    pub own: Vec<ApplicationRow>,
}

pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<ProjectView, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let p = store::get_project(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let communities = store::communities(&mut c, id).await?;
    if !policy::may_read_project(actor, &p, &communities) {
        return Err(AppError::Hidden);
    }
    let can_manage = policy::may_manage(actor, &p.district);
    let all = PageReq {
        page: 1,
        per_page: 500,
    };
    let applications = if can_manage {
        store::list_applications(
            &mut c,
            &store::ApplicationFilter {
                project: Some(id),
                hide_drafts: true,
                ..Default::default()
            },
            all,
        )
        .await?
        .items
    } else {
        Vec::new()
    };
    let own = match authz::own_org(actor).filter(|_| authz::can(actor, Perm::PurchaseApply)) {
        Some(org) => {
            store::list_applications(
                &mut c,
                &store::ApplicationFilter {
                    project: Some(id),
                    org: Some(org),
                    ..Default::default()
                },
                all,
            )
            .await?
            .items
        }
        None => Vec::new(),
    };
    let today = crate::calendar::today().to_string();
    let can_apply = authz::can(actor, Perm::PurchaseApply)
        && is_accepting(&p, &today)
        && !(p.data.one_per_org && own.iter().any(|a| a.state != "withdrawn"));
    Ok(ProjectView {
        history: sanshe_store::workflow::history(&mut c, Projects::KIND, id).await?,
        offered: policy::offered_project(actor, &p),
        project: p,
        communities,
        applications,
        can_manage,
        can_apply,
        own,
    })
}

/// Open and not past its deadline (the deadline day is included, China time).
pub fn is_accepting(p: &ProjectRow, today: &str) -> bool {
    p.state == "open" && p.deadline.as_deref().is_some_and(|d| today <= d)
}

pub async fn list(
    app: &App,
    ctx: &Ctx,
    mut f: ProjectFilter,
    page: PageReq,
) -> Result<Paged<ProjectRow>, AppError> {
    let actor = ctx.actor()?;
    if authz::can(actor, Perm::PurchaseRead) {
        let district = district_of(app, ctx).await?;
        f.root = Some(if policy::may_manage(actor, &district) {
            district
        } else {
            authz::area_root(actor).unwrap_or_else(|| "-".into())
        });
    } else if authz::can(actor, Perm::PurchaseApply) {
        // Organizations see the published calls of their district.
        f.root = Some(district_of(app, ctx).await?);
        f.states = super::policy::PUBLIC_STATES
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
    } else if authz::can(actor, Perm::PanelServe) {
        // Evaluators see the projects whose panels they sit on.
        let mut c = app.db.acquire().await?;
        f.ids = Some(super::panel::my_projects(&mut c, actor).await?);
    } else {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.acquire().await?;
    Ok(store::list_projects(&mut c, &f, page).await?)
}

/// Published calls of the deployment's district, for the public portal.
pub async fn public_list(
    app: &App,
    mut f: ProjectFilter,
    page: PageReq,
) -> Result<Paged<ProjectRow>, AppError> {
    let Some((district, _)) = crate::public::district(app).await? else {
        return Ok(Paged {
            items: Vec::new(),
            total: 0,
            page: page.page,
            per_page: page.per_page,
        });
    };
    f.root = Some(district);
    let wanted: Vec<String> = match f.state.take() {
        Some(s) if super::policy::PUBLIC_STATES.contains(&s.as_str()) => vec![s],
        _ => super::policy::PUBLIC_STATES
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    f.states = wanted;
    let mut c = app.db.acquire().await?;
    Ok(store::list_projects(&mut c, &f, page).await?)
}

/// A published call for the public portal.
pub async fn public_get(
    app: &App,
    id: i64,
) -> Result<(ProjectRow, Vec<(String, String)>), AppError> {
    let mut c = app.db.acquire().await?;
    let p = store::get_project(&mut c, id)
        .await?
        .filter(policy::is_published)
        .ok_or(AppError::NotFound)?;
    let communities = store::communities(&mut c, id).await?;
    Ok((p, communities))
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProjectTransition {
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub text: String,
}

pub async fn apply(
    app: &App,
    ctx: &Ctx,
    id: i64,
    i: &ProjectTransition,
) -> Result<ProjectRow, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let event = Projects::parse_event(i.event.trim())
        .ok_or_else(|| AppError::invalid(FieldError::new("event", "err-need-event")))?;
    let note = rules::text(
        "text",
        &i.text,
        rules::NOTE_MAX,
        event == ProjectEvent::Cancel,
    )
    .map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let p = store::get_project(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let communities = store::communities(&mut tx, id).await?;
    if !policy::may_read_project(actor, &p, &communities) {
        return Err(AppError::Hidden);
    }
    if !policy::may_project(actor, &p, event) {
        return Err(AppError::Forbidden);
    }
    if i.version.is_some_and(|v| v != p.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let state = Projects::parse_state(&p.state)
        .ok_or_else(|| AppError::Internal(format!("project {id} has state {}", p.state)))?;
    let at = At {
        id,
        version: p.version,
        state,
    };
    let today = crate::calendar::today();
    // The step's rules and effects, before the state moves (a refusal writes nothing).
    match event {
        // Steps with their own doors: the panel's draw and report, the award, an upheld
        // objection.
        ProjectEvent::Review
        | ProjectEvent::Report
        | ProjectEvent::Award
        | ProjectEvent::Reopen => {
            return Err(AppError::Conflict(FieldError::new(
                "event",
                "err-event-via-panel",
            )))
        }
        ProjectEvent::Confirm => {
            let ended = p
                .notice_until
                .as_deref()
                .is_some_and(|u| u < today.to_string().as_str());
            let pending = store::objections(&mut tx, id)
                .await?
                .iter()
                .any(|o| o.state == "pending");
            if !ended || pending {
                return Err(AppError::Conflict(
                    FieldError::new("event", "err-notice-open")
                        .arg("until", p.notice_until.clone().unwrap_or_default()),
                ));
            }
        }
        ProjectEvent::Approve => {
            if p.catalog_state != "published" {
                return Err(AppError::invalid(FieldError::new(
                    "item",
                    "err-catalog-not-published",
                )));
            }
            if !store::reserve(&mut tx, p.budget_line_id, p.data.amount_fen).await? {
                let line = store::get_line(&mut tx, p.budget_line_id).await?;
                return Err(AppError::Conflict(
                    FieldError::new("amount", "err-budget-exceeded").arg(
                        "available",
                        crate::registry::yuan(line.map(|l| l.available_fen()).unwrap_or(0)),
                    ),
                ));
            }
            store::set_reserved(&mut tx, id, p.data.amount_fen, Some(p.budget_line_id)).await?;
        }
        ProjectEvent::Publish => {
            if p.catalog_state != "published" {
                return Err(AppError::invalid(FieldError::new(
                    "item",
                    "err-catalog-not-published",
                )));
            }
            let deadline = crate::calendar::deadline(app, today, p.data.apply_days).await?;
            store::set_call_dates(&mut tx, id, &today.to_string(), &deadline.to_string()).await?;
        }
        ProjectEvent::Close => {
            if p.deadline
                .as_deref()
                .is_some_and(|d| today.to_string().as_str() <= d)
            {
                return Err(AppError::Conflict(
                    FieldError::new("event", "err-call-still-open")
                        .arg("deadline", p.deadline.clone().unwrap_or_default()),
                ));
            }
        }
        ProjectEvent::Cancel => {
            if p.reserved_fen > 0 {
                // Released from the line it was taken from.
                let line = p.reserved_line.unwrap_or(p.budget_line_id);
                if !store::release(&mut tx, line, p.reserved_fen).await? {
                    return Err(AppError::Internal(format!(
                        "project {id}: line {line} holds less than its reservation"
                    )));
                }
                store::set_reserved(&mut tx, id, 0, None).await?;
            }
        }
    }
    let to =
        workflow::transition::<Projects>(&mut tx, Table::Projects, actor, at, event, &note).await?;
    let link = format!("/purchase/projects/{id}");
    let kind = format!("project.{}", Projects::state_name(to));
    let mut told = match event {
        ProjectEvent::Publish => {
            store::org_accounts(&mut tx, &p.district, p.data.single_source_org).await?
        }
        ProjectEvent::Close | ProjectEvent::Cancel => {
            store::applicant_accounts(&mut tx, id).await?
        }
        ProjectEvent::Confirm => store::applicant_accounts(&mut tx, id).await?,
        ProjectEvent::Approve
        | ProjectEvent::Review
        | ProjectEvent::Report
        | ProjectEvent::Award
        | ProjectEvent::Reopen => Vec::new(),
    };
    told.retain(|u| Some(*u) != actor.user_id);
    inbox::notify(&mut tx, &told, &kind, &p.data.title, &note, &link).await?;
    workflow::commit::<Projects>(tx, ctx, id, &p.data.title, state, event, to).await?;
    let mut c = app.db.acquire().await?;
    store::get_project(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)
}
