//! Organization ratings (社会组织评估, 民政部令第39号): an organization applies (eligibility:
//! registered for the district's number of full years, annual report passed, no penalty, not
//! waiting after a lowered or cancelled grade, no grade in effect beyond its last year); the
//! district accepts it and assigns an assessor of an independent agency, who scores the four
//! first-level indicators of its kind; the committee (its size held to the district's bounds
//! after recusing members tied to the organization) decides the grade, which goes on public
//! notice; the organization may ask for a review during the notice, answered within the review
//! days; the grade then takes effect for its validity years and is what calls for applications
//! read. A grade may be lowered or cancelled, each with its waiting period, and lapses when its
//! validity ends.

use super::policy;
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self as wf, At};
use crate::{inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::evaluation::years_before;
use sanshe_domain::rating::{self as domain, RatingEvent, RatingState, Ratings, Scheme};
use sanshe_domain::text;
use sanshe_domain::workflow::Workflow;
use sanshe_domain::{FieldError, Role};
use sanshe_store::ratings::{self as store, Change, Filter, Member, RatingRow};
use sanshe_store::workflow::{HistoryRow, Table};
use sanshe_store::{Conn, PageReq, Paged};

pub const TEXT_MAX: usize = 4000;

fn audit(verb: &'static str) -> Action {
    Action::Purchase {
        object: "rating",
        verb,
    }
}

fn today() -> String {
    crate::calendar::today().to_string()
}

/// A district's settings (the defaults until it saves its own).
pub async fn scheme_in(conn: &mut Conn, district: &str) -> Result<Scheme, AppError> {
    match store::scheme(conn, district).await? {
        Some(b) => serde_json::from_str(&b).map_err(|e| AppError::Internal(e.to_string())),
        None => Ok(Scheme::default()),
    }
}

fn reader(actor: &crate::Actor) -> bool {
    authz::can(actor, Perm::PurchaseRead)
        || authz::can(actor, Perm::PurchaseApply)
        || authz::can(actor, Perm::PanelServe)
}

/// The district's settings and whether the caller may edit them.
pub async fn scheme(app: &App, ctx: &Ctx) -> Result<(Scheme, bool), AppError> {
    let actor = ctx.actor()?;
    if !reader(actor) {
        return Err(AppError::Forbidden);
    }
    let district = super::district_of(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    Ok((
        scheme_in(&mut c, &district).await?,
        policy::may_manage(actor, &district),
    ))
}

pub async fn set_scheme(app: &App, ctx: &Ctx, s: &Scheme) -> Result<(), AppError> {
    let district = super::managed_district(app, ctx).await?;
    s.validate().map_err(AppError::Invalid)?;
    let body = serde_json::to_string(s).map_err(|e| AppError::Internal(e.to_string()))?;
    let actor = ctx.actor()?;
    let mut tx = Uow::begin(app).await?;
    store::set_scheme(&mut tx, &district, &body, &actor.display_name).await?;
    tx.commit(ctx.audit_entry(
        audit("scheme.edit"),
        Some(district.clone()),
        format!("{district}: {:?}", s.bounds),
        Outcome::Success,
    ))
    .await
}

/// The district's rating committee (officers).
pub async fn committee(app: &App, ctx: &Ctx) -> Result<Vec<Member>, AppError> {
    let district = super::managed_district(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    Ok(store::committee(&mut c, &district).await?)
}

pub async fn add_member(
    app: &App,
    ctx: &Ctx,
    name: &str,
    affiliation: &str,
    tied_org: Option<i64>,
) -> Result<i64, AppError> {
    let district = super::managed_district(app, ctx).await?;
    let mut errs = Vec::new();
    if name.trim().is_empty() {
        errs.push(FieldError::new("name", "err-required"));
    }
    for (f, v, max) in [("name", name, 50), ("affiliation", affiliation, 100)] {
        if let Err(e) = text::check(f, v, max) {
            errs.push(e);
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = Uow::begin(app).await?;
    if let Some(o) = tied_org {
        if sanshe_store::purchase::org(&mut tx, o).await?.is_none() {
            return Err(AppError::invalid(FieldError::new(
                "tied_org",
                "err-rating-org-unknown",
            )));
        }
    }
    let id = store::add_member(
        &mut tx,
        &district,
        name.trim(),
        affiliation.trim(),
        tied_org,
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("committee.add"),
        Some(id.to_string()),
        format!("{} ({})", name.trim(), affiliation.trim()),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// Why an organization may not apply today (empty: it may).
pub async fn eligibility_in(
    conn: &mut Conn,
    org: i64,
) -> Result<(Vec<FieldError>, String, String, Scheme), AppError> {
    let f = store::org_facts(conn, org)
        .await?
        .ok_or(AppError::NotFound)?;
    let district: String = f.area_code.chars().take(6).collect();
    let s = scheme_in(conn, &district).await?;
    let (wait_until, valid_until) = store::standing(conn, org).await?;
    let mut e = domain::eligibility(
        &today(),
        &s,
        &domain::Applicant {
            status: f.status.clone(),
            registered: f.registered,
            founded: f.founded.clone(),
            annual_result: f.annual_result.clone(),
            blacklisted_until: f.blacklisted_until.clone(),
            wait_until,
            valid_until,
        },
    );
    if !domain::KINDS.contains(&f.kind.as_str()) {
        e.push(FieldError::new("", "err-rating-kind-unknown"));
    }
    Ok((e, district, f.kind, s))
}

/// The caller's organization's standing: why it may not apply now (organizations).
pub async fn my_eligibility(app: &App, ctx: &Ctx) -> Result<Vec<FieldError>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let org = authz::own_org(actor).ok_or(AppError::Forbidden)?;
    let mut c = app.db.acquire().await?;
    Ok(eligibility_in(&mut c, org).await?.0)
}

/// An organization applies for a rating with its self-report.
pub async fn apply(app: &App, ctx: &Ctx, report: &str) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseApply)?;
    let org = authz::own_org(actor).ok_or(AppError::Forbidden)?;
    let report = text::check("report", report.trim(), TEXT_MAX).map_err(AppError::invalid)?;
    if report.is_empty() {
        return Err(AppError::invalid(FieldError::new("report", "err-required")));
    }
    let mut tx = Uow::begin(app).await?;
    let (refusals, district, kind, s) = eligibility_in(&mut tx, org).await?;
    if let Some(f) = refusals.into_iter().next() {
        return Err(AppError::Conflict(f));
    }
    let body = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(id) = store::insert(&mut tx, org, &district, &kind, &body, &report, false).await?
    else {
        return Err(AppError::Conflict(FieldError::new("", "err-rating-live")));
    };
    wf::created::<Ratings>(&mut tx, actor, id, RatingState::Applied, "").await?;
    let officers =
        sanshe_store::inbox::staff_covering(&mut tx, &district, &[Role::DistrictAdmin]).await?;
    inbox::notify(
        &mut tx,
        &officers,
        "rating.applied",
        &actor.display_name,
        "",
        &format!("/ratings/{id}"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("apply"),
        Some(id.to_string()),
        format!("org {org} ({kind})"),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

fn is_assessor(actor: &crate::Actor, r: &RatingRow) -> bool {
    authz::can(actor, Perm::PanelServe) && actor.user_id.is_some() && actor.user_id == r.assessor_id
}

fn is_owner(actor: &crate::Actor, r: &RatingRow) -> bool {
    authz::can(actor, Perm::PurchaseApply) && authz::own_org(actor) == Some(r.org_id)
}

fn is_public(r: &RatingRow) -> bool {
    matches!(
        r.state.as_str(),
        "notice" | "review" | "granted" | "downgraded"
    )
}

pub fn offered(actor: &crate::Actor, r: &RatingRow) -> Vec<RatingEvent> {
    let Some(state) = Ratings::parse_state(&r.state) else {
        return Vec::new();
    };
    let manage = policy::may_manage(actor, &r.district);
    Ratings::EVENTS
        .iter()
        .copied()
        .filter(|e| Ratings::next(state, *e).is_some())
        .filter(|e| match e {
            RatingEvent::Score => is_assessor(actor, r),
            RatingEvent::RequestReview => is_owner(actor, r),
            _ => manage,
        })
        .collect()
}

pub struct RatingView {
    pub rating: RatingRow,
    pub scheme: Scheme,
    /// The most points of each indicator for the organization's kind.
    pub points: [i64; 4],
    pub history: Vec<HistoryRow>,
    pub offered: Vec<RatingEvent>,
    /// The committee, each with whether they are tied to the organization (recused).
    pub committee: Vec<(Member, bool)>,
    pub may_manage: bool,
}

pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<RatingView, AppError> {
    let actor = ctx.actor()?;
    if !reader(actor) {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.acquire().await?;
    let r = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let manage = policy::may_manage(actor, &r.district);
    let staff_sees = is_public(&r)
        && authz::can(actor, Perm::PurchaseRead)
        && !manage
        && super::district_of(app, ctx).await? == r.district;
    if !(manage || is_owner(actor, &r) || is_assessor(actor, &r) || staff_sees) {
        return Err(AppError::Hidden);
    }
    let scheme: Scheme =
        serde_json::from_str(&r.scheme).map_err(|e| AppError::Internal(e.to_string()))?;
    let committee = if manage {
        store::committee(&mut c, &r.district)
            .await?
            .into_iter()
            .map(|m| {
                let tied = m.tied_org_id == Some(r.org_id);
                (m, tied)
            })
            .collect()
    } else {
        Vec::new()
    };
    let history = sanshe_store::workflow::history(&mut c, Ratings::KIND, id).await?;
    Ok(RatingView {
        points: scheme.points_of(&r.kind),
        offered: offered(actor, &r),
        committee,
        may_manage: manage,
        history,
        scheme,
        rating: r,
    })
}

/// Ratings the caller may see: officers their district's, organizations their own,
/// assessors those assigned to them, other purchase staff those on notice or in effect.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    mut f: Filter,
    page: PageReq,
) -> Result<Paged<RatingRow>, AppError> {
    let actor = ctx.actor()?;
    f.district = None;
    f.org = None;
    f.assessor = None;
    f.public_only = false;
    if authz::can(actor, Perm::PanelServe) {
        f.assessor = Some(actor.user_id.unwrap_or(-1));
    } else if authz::can(actor, Perm::PurchaseApply) {
        f.org = Some(authz::own_org(actor).unwrap_or(-1));
    } else if authz::can(actor, Perm::PurchaseRead) {
        let d = super::district_of(app, ctx).await?;
        f.public_only = !policy::may_manage(actor, &d);
        f.district = Some(d);
    } else if !actor.is_cli {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.acquire().await?;
    Ok(store::list(&mut c, &f, page).await?)
}

/// The deployment district's ratings on notice and in effect (the portal).
pub async fn public_list(app: &App) -> Result<Vec<RatingRow>, AppError> {
    let Some((district, _)) = crate::public::district(app).await? else {
        return Ok(Vec::new());
    };
    let mut c = app.db.acquire().await?;
    Ok(store::list(
        &mut c,
        &Filter {
            district: Some(district),
            public_only: true,
            ..Default::default()
        },
        PageReq {
            page: 1,
            per_page: 500,
        },
    )
    .await?
    .items)
}

/// A step, with what it needs.
#[derive(Debug, Clone, Default)]
pub struct Step {
    pub event: String,
    pub version: Option<i64>,
    /// Accept: the assessor (an evaluator account).
    pub assessor: Option<i64>,
    /// Score: points per indicator, as typed.
    pub scores: Vec<(String, String)>,
    /// Announce: the committee members present.
    pub members: Vec<i64>,
    /// Downgrade: the new grade.
    pub grade: Option<i64>,
    /// Reject, downgrade, cancel: the reason; request_review: the request; answer: the answer.
    pub text: String,
}

pub async fn step(app: &App, ctx: &Ctx, id: i64, s: &Step) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    if !(authz::can(actor, Perm::PurchaseManage)
        || authz::can(actor, Perm::PurchaseApply)
        || authz::can(actor, Perm::PanelServe))
    {
        return Err(AppError::Forbidden);
    }
    let Some(event) = Ratings::parse_event(&s.event) else {
        return Err(AppError::invalid(
            FieldError::new("event", "err-choice").arg(
                "choices",
                Ratings::EVENTS
                    .iter()
                    .map(|e| Ratings::event_name(*e))
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
        ));
    };
    let mut tx = Uow::begin(app).await?;
    store::lock(&mut tx, id).await?;
    let r = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let allowed = match event {
        RatingEvent::Score => is_assessor(actor, &r),
        RatingEvent::RequestReview => is_owner(actor, &r),
        _ => policy::may_manage(actor, &r.district),
    };
    if !allowed {
        return Err(AppError::Hidden);
    }
    let from = Ratings::parse_state(&r.state)
        .ok_or_else(|| AppError::Internal(format!("rating {id}: {}", r.state)))?;
    if Ratings::next(from, event).is_none() {
        return Err(AppError::Conflict(
            FieldError::new("event", "err-transition-not-allowed")
                .arg("event", Ratings::event_name(event))
                .arg("state", &r.state),
        ));
    }
    let scheme: Scheme =
        serde_json::from_str(&r.scheme).map_err(|e| AppError::Internal(e.to_string()))?;
    let note = text::check("text", s.text.trim(), TEXT_MAX).map_err(AppError::invalid)?;
    let needs_text = matches!(
        event,
        RatingEvent::Reject
            | RatingEvent::Downgrade
            | RatingEvent::Cancel
            | RatingEvent::RequestReview
            | RatingEvent::Answer
    );
    if needs_text && note.is_empty() {
        return Err(AppError::invalid(FieldError::new("text", "err-required")));
    }
    let day = today();
    let link = format!("/ratings/{id}");
    let mut detail = note.clone();
    let points_text: String;
    let present_text: String;
    let recused_text: String;
    let until: String;
    let mut change = Change::default();
    match event {
        RatingEvent::Accept => {
            let a = s
                .assessor
                .ok_or_else(|| AppError::invalid(FieldError::new("assessor", "err-required")))?;
            let u = sanshe_store::users::get(&mut tx, a)
                .await?
                .filter(|u| {
                    u.role == Role::Evaluator.as_str() && !u.locked && u.scope_org.is_some()
                })
                .ok_or_else(|| {
                    AppError::invalid(FieldError::new("assessor", "err-eval-not-assessor"))
                })?;
            if u.scope_org == Some(r.org_id) {
                return Err(AppError::invalid(FieldError::new(
                    "assessor",
                    "err-eval-conflict-agency",
                )));
            }
            change.assessor = Some(a);
            detail = u.display_name.clone();
            inbox::notify(&mut tx, &[a], "rating.assigned", &r.org_name, "", &link).await?;
        }
        RatingEvent::Score => {
            let p = scheme
                .scores(&r.kind, &s.scores)
                .map_err(AppError::Invalid)?;
            let total: i64 = p.iter().sum();
            points_text = p.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            change.scores = Some((&points_text, total, scheme.grade(total).unwrap_or(0)));
            detail = total.to_string();
        }
        RatingEvent::Announce => {
            let Some(grade) = r.grade.filter(|g| *g > 0) else {
                return Err(AppError::Conflict(
                    FieldError::new("", "err-rating-below")
                        .arg("total", r.total.unwrap_or(0))
                        .arg("min", scheme.bounds[4]),
                ));
            };
            let members = store::committee(&mut tx, &r.district).await?;
            let mut present = Vec::new();
            let mut recused = Vec::new();
            for m in &s.members {
                let Some(m) = members.iter().find(|x| x.id == *m) else {
                    return Err(AppError::invalid(FieldError::new(
                        "members",
                        "err-rating-member-unknown",
                    )));
                };
                if m.tied_org_id == Some(r.org_id) {
                    recused.push(m.name.clone());
                } else if !present.contains(&m.name) {
                    present.push(m.name.clone());
                }
            }
            let n = present.len() as i64;
            if n < scheme.committee_min || n > scheme.committee_max {
                return Err(AppError::invalid(
                    FieldError::new("members", "err-rating-committee-size")
                        .arg("n", n)
                        .arg("min", scheme.committee_min)
                        .arg("max", scheme.committee_max),
                ));
            }
            until = crate::calendar::today()
                .plus_days(scheme.notice_days)
                .to_string();
            present_text = present.join("、");
            recused_text = recused.join("、");
            change.committee = Some((&present_text, &recused_text, &until));
            detail = format!("{grade}A · {n} · {until}");
            let told =
                sanshe_store::purchase::org_accounts(&mut tx, &r.district, Some(r.org_id)).await?;
            inbox::notify(
                &mut tx,
                &told,
                "rating.notice",
                &format!("{grade}A"),
                &until,
                &link,
            )
            .await?;
        }
        RatingEvent::RequestReview => {
            if r.notice_until.as_deref().is_some_and(|u| day.as_str() > u) {
                return Err(AppError::Conflict(
                    FieldError::new("", "err-rating-notice-over")
                        .arg("day", r.notice_until.clone().unwrap_or_default()),
                ));
            }
            until = crate::calendar::today()
                .plus_days(scheme.review_days)
                .to_string();
            change.review = Some((&note, &until));
            let officers =
                sanshe_store::inbox::staff_covering(&mut tx, &r.district, &[Role::DistrictAdmin])
                    .await?;
            inbox::notify(
                &mut tx,
                &officers,
                "rating.review",
                &r.org_name,
                &until,
                &link,
            )
            .await?;
        }
        RatingEvent::Answer => {
            change.answer = Some(&note);
            let told =
                sanshe_store::purchase::org_accounts(&mut tx, &r.district, Some(r.org_id)).await?;
            inbox::notify(&mut tx, &told, "rating.answered", &r.org_name, "", &link).await?;
        }
        RatingEvent::Grant => {
            if r.notice_until.as_deref().is_some_and(|u| day.as_str() <= u) {
                return Err(AppError::Conflict(
                    FieldError::new("", "err-rating-notice-open")
                        .arg("day", r.notice_until.clone().unwrap_or_default()),
                ));
            }
            let grade = r.grade.unwrap_or(0);
            until = years_before(&day, -scheme.validity_years);
            change.granted = Some((&day, &until));
            change.close = true;
            // A renewal replaces the grade in effect: the earlier one ends today (its
            // waiting period, if any, runs on).
            for old in store::in_effect_of(&mut tx, r.org_id, id).await? {
                let Some(st) = Ratings::parse_state(&old.state) else {
                    continue;
                };
                store::change(
                    &mut tx,
                    old.id,
                    &Change {
                        ended: Some((&day, None)),
                        ..Default::default()
                    },
                )
                .await?;
                wf::transition::<Ratings>(
                    &mut tx,
                    Table::Ratings,
                    actor,
                    At {
                        id: old.id,
                        version: old.version,
                        state: st,
                    },
                    RatingEvent::Expire,
                    "renewed",
                )
                .await?;
            }
            store::set_org_rating(&mut tx, r.org_id, grade).await?;
            detail = format!("{grade}A → {until}");
            let told =
                sanshe_store::purchase::org_accounts(&mut tx, &r.district, Some(r.org_id)).await?;
            inbox::notify(
                &mut tx,
                &told,
                "rating.granted",
                &format!("{grade}A"),
                &until,
                &link,
            )
            .await?;
        }
        RatingEvent::Downgrade => {
            let cur = r.grade.unwrap_or(0);
            let g = s.grade.unwrap_or(0);
            if !(1..cur).contains(&g) {
                return Err(AppError::invalid(
                    FieldError::new("grade", "err-rating-downgrade").arg("grade", cur),
                ));
            }
            until = years_before(&day, -scheme.downgrade_wait_years);
            change.grade = Some(g);
            change.ended = Some((&day, Some(&until)));
            change.note = Some(&note);
            store::set_org_rating(&mut tx, r.org_id, g).await?;
            detail = format!("{cur}A → {g}A: {note}");
        }
        RatingEvent::Cancel => {
            until = years_before(&day, -scheme.cancel_wait_years);
            change.ended = Some((&day, Some(&until)));
            change.note = Some(&note);
            store::set_org_rating(&mut tx, r.org_id, 0).await?;
        }
        RatingEvent::Expire => {
            if r.valid_until.as_deref().is_some_and(|v| day.as_str() <= v) {
                return Err(AppError::Conflict(
                    FieldError::new("", "err-rating-still-valid")
                        .arg("until", r.valid_until.clone().unwrap_or_default()),
                ));
            }
            change.ended = Some((&day, None));
            store::set_org_rating(&mut tx, r.org_id, 0).await?;
        }
        RatingEvent::Reject => {
            change.note = Some(&note);
            change.close = true;
            let told =
                sanshe_store::purchase::org_accounts(&mut tx, &r.district, Some(r.org_id)).await?;
            inbox::notify(&mut tx, &told, "rating.rejected", &r.org_name, &note, &link).await?;
        }
    }
    if matches!(event, RatingEvent::Downgrade | RatingEvent::Cancel) {
        let told =
            sanshe_store::purchase::org_accounts(&mut tx, &r.district, Some(r.org_id)).await?;
        inbox::notify(&mut tx, &told, "rating.lowered", &r.org_name, &note, &link).await?;
    }
    store::change(&mut tx, id, &change).await?;
    let at = At {
        id,
        version: s.version.unwrap_or(r.version),
        state: from,
    };
    let to = wf::transition::<Ratings>(&mut tx, Table::Ratings, actor, at, event, &detail).await?;
    wf::commit::<Ratings>(tx, ctx, id, &r.org_name, from, event, to).await
}

/// The `purchase.deadlines` job: the district's officers are reminded once of each review
/// request whose answer is due within `soon`.
pub async fn remind(app: &App, ctx: &Ctx, district: &str, soon: &str) -> Result<usize, AppError> {
    let due = {
        let mut c = app.db.acquire().await?;
        store::reviews_due(&mut c, district, soon).await?
    };
    let due = due
        .into_iter()
        .map(|r| super::Due {
            body: r.review_due.clone().unwrap_or_default(),
            link: format!("/ratings/{}", r.id),
            record: r.id,
            title: r.org_name,
        })
        .collect();
    super::remind_officers(app, ctx, district, "reminder.rating_review", due).await
}

/// The `purchase.deadlines` job: grades past their last day lapse (the organization's rating
/// returns to none). Returns how many.
pub async fn expire_lapsed(app: &App, ctx: &Ctx) -> Result<usize, AppError> {
    let mut c = app.db.acquire().await?;
    let lapsed = store::lapsed(&mut c, &today()).await?;
    drop(c);
    let mut n = 0;
    for r in lapsed {
        let mut tx = Uow::begin(app).await?;
        store::lock(&mut tx, r.id).await?;
        let Some(r) = store::get(&mut tx, r.id).await? else {
            continue;
        };
        let Some(from) = Ratings::parse_state(&r.state)
            .filter(|s| matches!(s, RatingState::Granted | RatingState::Downgraded))
        else {
            continue;
        };
        let day = today();
        store::change(
            &mut tx,
            r.id,
            &Change {
                ended: Some((&day, None)),
                ..Default::default()
            },
        )
        .await?;
        store::set_org_rating(&mut tx, r.org_id, 0).await?;
        let actor = ctx.actor()?;
        let at = At {
            id: r.id,
            version: r.version,
            state: from,
        };
        let to =
            wf::transition::<Ratings>(&mut tx, Table::Ratings, actor, at, RatingEvent::Expire, "")
                .await?;
        wf::commit::<Ratings>(tx, ctx, r.id, &r.org_name, from, RatingEvent::Expire, to).await?;
        n += 1;
    }
    Ok(n)
}

pub fn grade_text(g: Option<i64>) -> String {
    g.filter(|g| *g > 0)
        .map(|g| format!("{g}A"))
        .unwrap_or_default()
}

/// The list's export columns (locale keys).
pub const EXPORT_COLUMNS: [&str; 8] = [
    "rating-col-id",
    "rating-col-org",
    "rating-col-kind",
    "rating-col-total",
    "rating-col-grade",
    "rating-col-valid",
    "rating-col-state",
    "rating-col-applied",
];

pub fn export_rows(rows: &[RatingRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.org_name.clone(),
                r.kind.clone(),
                r.total.map(|t| t.to_string()).unwrap_or_default(),
                grade_text(r.grade),
                r.valid_until.clone().unwrap_or_default(),
                r.state.clone(),
                sanshe_domain::calendar::Day::from_unix_cst(r.created_at).to_string(),
            ]
        })
        .collect()
}

/// The demo district's ratings: a committee of nine (one tied to the first organization), the
/// demo organization's 4A granted two years ago, one rating on public notice, one assigned to
/// the demo assessor to score today, and one cancelled grade in its waiting period.
pub async fn demo(
    c: &mut Conn,
    district: &str,
    today: sanshe_domain::calendar::Day,
    orgs: &[i64],
    officer: Option<i64>,
    assessor: Option<i64>,
) -> Result<(), AppError> {
    use sanshe_store::workflow::{append_history_at, HistoryEntry};
    const MEMBERS: [(&str, &str); 9] = [
        ("周明华", "常州大学社会工作系"),
        ("陈立新", "武进区民政局（退休）"),
        ("吴晓燕", "江苏理工学院"),
        ("孙建国", "常州市社会组织促进会"),
        ("钱雪梅", "武进区审计局"),
        ("李卫东", "常州市律师协会"),
        ("赵红英", "湖塘镇人民政府"),
        ("刘志强", "常州市财政局（退休）"),
        ("杨静", "武进区社会组织服务中心"),
    ];
    for (n, (name, aff)) in MEMBERS.iter().enumerate() {
        let tied = if n == 8 { orgs.get(1).copied() } else { None };
        store::add_member(c, district, name, aff, tied).await?;
    }
    let s = Scheme::default();
    let body = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
    let noon = |d: sanshe_domain::calendar::Day| d.unix_cst_midnight() + 12 * 3600;
    let present = MEMBERS[..8]
        .iter()
        .map(|m| m.0)
        .collect::<Vec<_>>()
        .join("、");
    // (org index, state, scores, days ago applied)
    let plan: [(usize, &str, [i64; 4], i64); 4] = [
        (0, "granted", [65, 350, 330, 130], 760),
        (1, "notice", [60, 340, 340, 132], 60),
        (2, "accepted", [0, 0, 0, 0], 20),
        (3, "cancelled", [55, 300, 290, 120], 1200),
    ];
    for (i, state, p, ago) in plan {
        let Some(org) = orgs.get(i).copied() else {
            continue;
        };
        let kind = store::org_facts(c, org)
            .await?
            .map(|f| f.kind)
            .filter(|k| domain::KINDS.contains(&k.as_str()))
            .unwrap_or_else(|| "social_service_agency".into());
        let Some(id) = store::insert(
            c,
            org,
            district,
            &kind,
            &body,
            "本组织成立以来，坚持以需求为导向开展专业社会工作服务，内部治理规范，财务公开透明。",
            true,
        )
        .await?
        else {
            continue;
        };
        let applied = today.plus_days(-ago);
        // Rated organizations were registered years before they applied.
        store::demo_founded(c, org, &applied.plus_days(-4 * 365).to_string()).await?;
        let total: i64 = p.iter().sum();
        let points = p.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let grade = s.grade(total).unwrap_or(0);
        let mut steps: Vec<(&str, &str, String, sanshe_domain::calendar::Day)> =
            vec![("applied", "create", String::new(), applied)];
        steps.push(("accepted", "accept", String::new(), applied.plus_days(5)));
        let mut ch = Change {
            assessor,
            ..Default::default()
        };
        let notice_until;
        let granted_on;
        let valid_until;
        let ended;
        let wait;
        if state != "accepted" {
            ch.scores = Some((&points, total, grade));
            steps.push(("scored", "score", total.to_string(), applied.plus_days(30)));
            notice_until = applied.plus_days(45 + s.notice_days).to_string();
            ch.committee = Some((&present, MEMBERS[8].0, &notice_until));
            steps.push((
                "notice",
                "announce",
                format!("{grade}A"),
                applied.plus_days(45),
            ));
        }
        match state {
            "granted" | "cancelled" => {
                let g = applied.plus_days(60);
                granted_on = g.to_string();
                valid_until = years_before(&granted_on, -s.validity_years);
                ch.granted = Some((&granted_on, &valid_until));
                ch.close = true;
                steps.push(("granted", "grant", format!("{grade}A"), g));
                if state == "cancelled" {
                    let e = today.plus_days(-200);
                    ended = e.to_string();
                    wait = years_before(&ended, -s.cancel_wait_years);
                    ch.ended = Some((&ended, Some(&wait)));
                    ch.note = Some("年度检查中发现财务管理严重违规。");
                    steps.push((
                        "cancelled",
                        "cancel",
                        "年度检查中发现财务管理严重违规。".into(),
                        e,
                    ));
                    store::set_org_rating(c, org, 0).await?;
                } else {
                    store::set_org_rating(c, org, grade).await?;
                }
            }
            _ => {}
        }
        store::change(c, id, &ch).await?;
        let version = steps.len() as i64 - 1;
        sanshe_store::purchase::demo_settle(
            c,
            Table::Ratings,
            id,
            state,
            version,
            noon(steps[steps.len() - 1].3),
        )
        .await?;
        let mut from: Option<String> = None;
        for (to, event, note, day) in steps {
            append_history_at(
                c,
                &HistoryEntry {
                    kind: Ratings::KIND.into(),
                    record_id: id,
                    actor_id: officer,
                    actor_name: "武进区民政局（演示）".into(),
                    from_state: from.clone(),
                    to_state: to.into(),
                    event: event.into(),
                    note,
                },
                noon(day),
            )
            .await?;
            from = Some(to.into());
        }
    }
    Ok(())
}
