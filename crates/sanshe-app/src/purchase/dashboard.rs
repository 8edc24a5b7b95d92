//! The purchase-of-services dashboard: the year's catalog, budget lines, calls, money and
//! communities covered per street, the share of contracts evaluated by a third party, and
//! every step an officer owes with its due date (overdue ones first). The same steps feed
//! the reminders sent before each deadline.

use super::policy;
use crate::authz::{self, Perm};
use crate::{inbox, App, AppError, Ctx};
use sanshe_domain::calendar::Day;
use sanshe_store::purchase::{
    self as store, CommunityCoverage, LineRow, ProjectFilter, StreetCoverage,
};
use sanshe_store::PageReq;
use std::collections::HashMap;

/// Working days the officer has to decide the award after the panel's report
/// (实施条例 Art. 43).
pub const AWARD_DAYS: i64 = 5;
/// Days to sign the contract after the award (政府采购法 Art. 46).
pub const SIGN_DAYS: i64 = 30;
/// Reminders go this many working days before a step is due.
pub const REMIND_DAYS: i64 = 2;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    /// `award`, `answer_objection`, `sign_contract`, `pay_tranche`, `review_report`.
    pub kind: &'static str,
    pub project_id: i64,
    pub title: String,
    /// Due date (None: no legal deadline, waiting since `since`).
    pub due: Option<String>,
    pub since: String,
    pub overdue: bool,
    /// The officer responsible (the project's author), by name.
    pub officer: String,
    pub officer_id: Option<i64>,
    pub link: String,
}

pub struct Dashboard {
    pub district: String,
    pub year: i64,
    pub catalog_state: Option<String>,
    pub catalog_items: i64,
    pub lines: Vec<LineRow>,
    pub streets: Vec<StreetCoverage>,
    /// The communities published calls serve.
    pub communities: Vec<CommunityCoverage>,
    pub published_calls: i64,
    pub contracts: i64,
    /// Signed contracts with a final third-party evaluation of any stage.
    pub evaluated: i64,
    pub contracted_fen: i64,
    pub paid_fen: i64,
    pub steps: Vec<Step>,
}

/// Every step the district's officers owe, overdue first, then by due date.
pub async fn steps(app: &App, district: &str) -> Result<Vec<Step>, AppError> {
    let today = crate::calendar::today();
    let cal = crate::calendar::load_around(app, today).await?;
    let mut c = app.db.acquire().await?;
    let projects = store::list_projects(
        &mut c,
        &ProjectFilter {
            root: Some(district.to_owned()),
            ..Default::default()
        },
        PageReq {
            page: 1,
            per_page: i64::from(u32::MAX),
        },
    )
    .await?
    .items;
    // The contracts of confirmed projects and the tranches and reports of the signed ones,
    // three statements however many projects the district has.
    let confirmed: Vec<i64> = projects
        .iter()
        .filter(|p| p.state == "confirmed")
        .map(|p| p.id)
        .collect();
    let mut contracts: HashMap<i64, sanshe_store::contracts::ContractRow> =
        sanshe_store::contracts::of_projects(&mut c, &confirmed)
            .await?
            .into_iter()
            .map(|k| (k.project_id, k))
            .collect();
    let signed: Vec<i64> = contracts
        .values()
        .filter(|k| k.state == "signed")
        .map(|k| k.id)
        .collect();
    let mut tranches: HashMap<i64, Vec<sanshe_store::contracts::TrancheRow>> = HashMap::new();
    for t in sanshe_store::contracts::tranches_of(&mut c, &signed).await? {
        tranches.entry(t.contract_id).or_default().push(t);
    }
    let mut reports: HashMap<i64, Vec<sanshe_store::delivery::ReportRow>> = HashMap::new();
    for r in sanshe_store::delivery::reports_of(&mut c, &signed).await? {
        reports.entry(r.contract_id).or_default().push(r);
    }
    let mut names = HashMap::new();
    let mut out = Vec::new();
    for p in &projects {
        let officer = match names.get(&p.created_by) {
            Some(n) => String::clone(n),
            None => {
                let n = match p.created_by {
                    Some(u) => sanshe_store::users::get(&mut c, u)
                        .await?
                        .map(|x| x.display_name)
                        .unwrap_or_default(),
                    None => String::new(),
                };
                names.insert(p.created_by, n.clone());
                n
            }
        };
        let link = format!("/purchase/projects/{}", p.id);
        let mut push = |kind: &'static str, due: Option<Day>, since: &str, link: String| {
            out.push(Step {
                kind,
                project_id: p.id,
                title: p.data.title.clone(),
                overdue: due.is_some_and(|d| d < today),
                due: due.map(|d| d.to_string()),
                since: since.to_owned(),
                officer: officer.clone(),
                officer_id: p.created_by,
                link,
            })
        };
        let contract = if p.state == "confirmed" {
            contracts.remove(&p.id)
        } else {
            None
        };
        match p.state.as_str() {
            "reviewed" => {
                if let Some(r) = p.reviewed_on.as_deref().and_then(Day::parse) {
                    push(
                        "award",
                        Some(cal.add_working_days(r, AWARD_DAYS)),
                        &r.to_string(),
                        link.clone(),
                    );
                }
            }
            "confirmed" => {
                let signed = contract.as_ref().is_some_and(|k| k.state != "draft");
                if !signed {
                    if let Some(a) = p.awarded_on.as_deref().and_then(Day::parse) {
                        push(
                            "sign_contract",
                            Some(a.plus_days(SIGN_DAYS)),
                            &a.to_string(),
                            link.clone(),
                        );
                    }
                }
            }
            _ => {}
        }
        if let Some(k) = contract {
            if k.state == "signed" {
                for t in tranches.remove(&k.id).unwrap_or_default() {
                    let payable =
                        t.state == "ready" || (t.state == "scheduled" && t.gate == "on_date");
                    if payable {
                        if let Some(d) = Day::parse(&t.due_on) {
                            push(
                                "pay_tranche",
                                Some(d),
                                &t.due_on,
                                format!("{link}#contract"),
                            );
                        }
                    }
                }
                for r in reports.remove(&k.id).unwrap_or_default() {
                    if r.state == "submitted" {
                        let since = crate::purchase::ocds::day_of(r.created_at);
                        push(
                            "review_report",
                            None,
                            &since,
                            format!("/purchase/contracts/{}/delivery", k.id),
                        );
                    }
                }
            }
        }
    }
    for o in store::pending_objections(&mut c, district).await? {
        let Some(p) = projects.iter().find(|p| p.id == o.project_id) else {
            continue;
        };
        let due = Day::parse(&o.due_on);
        out.push(Step {
            kind: "answer_objection",
            project_id: p.id,
            title: format!("{} — {}", p.data.title, o.org_name),
            overdue: due.is_some_and(|d| d < today),
            due: due.map(|d| d.to_string()),
            since: crate::purchase::ocds::day_of(o.created_at),
            officer: names.get(&p.created_by).cloned().unwrap_or_default(),
            officer_id: p.created_by,
            link: format!("/purchase/projects/{}", p.id),
        });
    }
    out.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(a.due.is_none().cmp(&b.due.is_none()))
            .then(a.due.cmp(&b.due))
            .then(a.since.cmp(&b.since))
    });
    Ok(out)
}

/// The dashboard of the caller's district (its officers and purchase staff).
pub async fn dashboard(app: &App, ctx: &Ctx, year: i64) -> Result<Dashboard, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseRead)?;
    let district = super::district_of(app, ctx).await?;
    let v = super::catalog(
        app,
        ctx,
        year,
        Default::default(),
        PageReq {
            page: 1,
            per_page: 1,
        },
    )
    .await?;
    let mut c = app.db.acquire().await?;
    let streets = store::street_coverage(&mut c, &district).await?;
    let communities = store::community_coverage(&mut c, &district).await?;
    let mut published_calls = 0;
    for p in store::list_projects(
        &mut c,
        &ProjectFilter {
            root: Some(district.clone()),
            year: Some(year),
            states: policy::PUBLIC_STATES
                .iter()
                .map(|s| (*s).to_owned())
                .collect(),
            ..Default::default()
        },
        PageReq {
            page: 1,
            per_page: 1,
        },
    )
    .await
    .map(|x| vec![x.total])?
    {
        published_calls = p;
    }
    let ks = sanshe_store::contracts::of_district(&mut c, &district).await?;
    let signed: Vec<_> = ks.iter().filter(|k| k.state != "draft").collect();
    let evaluated = sanshe_store::evaluations::evaluated_contracts(&mut c, &district).await?;
    drop(c);
    let steps = steps(app, &district).await?;
    Ok(Dashboard {
        year,
        catalog_state: v.catalog.as_ref().map(|c| c.state.clone()),
        catalog_items: v.items.total,
        lines: v.lines,
        streets,
        communities,
        published_calls,
        contracts: signed.len() as i64,
        evaluated,
        contracted_fen: signed.iter().map(|k| k.clauses.amount_fen).sum(),
        paid_fen: signed.iter().map(|k| k.paid_fen).sum(),
        steps,
        district,
    })
}

/// Reminders before each deadline: the responsible officer is told once, `REMIND_DAYS`
/// working days ahead (and again once a step is overdue). Returns how many were sent.
pub async fn remind(app: &App) -> Result<usize, AppError> {
    let Some((district, _)) = crate::public::district(app).await? else {
        return Ok(0);
    };
    let today = crate::calendar::today();
    let cal = crate::calendar::load_around(app, today).await?;
    let soon = cal.add_working_days(today, REMIND_DAYS).to_string();
    let ctx = Ctx::system();
    let mut sent = remind_applicants(app, &ctx, &district, today, &soon).await?;
    sent += super::evaluations::remind(app, &ctx, &district, &today.to_string(), &soon).await?;
    sent += super::venture::remind(app, &ctx, &district, &soon).await?;
    sent += super::ratings::remind(app, &ctx, &district, &soon).await?;
    sent += super::award_lists::remind(app, &ctx, &district).await?;
    super::ratings::expire_lapsed(app, &ctx).await?;
    super::rectification::lapse(app, &ctx).await?;
    for s in steps(app, &district).await? {
        let (Some(due), Some(officer)) = (s.due.as_deref(), s.officer_id) else {
            continue;
        };
        let kind = if s.overdue {
            format!("reminder.{}.overdue", s.kind)
        } else if due <= soon.as_str() {
            format!("reminder.{}", s.kind)
        } else {
            continue;
        };
        let mut tx = crate::uow::Uow::begin(app).await?;
        // Once per step and kind: the link and kind identify it.
        let short: String = s.title.chars().take(200).collect();
        if sanshe_store::inbox::exists(&mut tx, officer, &kind, &s.link, &short).await? {
            continue;
        }
        let title: String = s.title.chars().take(200).collect();
        inbox::notify(&mut tx, &[officer], &kind, &title, due, &s.link).await?;
        tx.commit(ctx.audit_entry(
            sanshe_domain::audit::Action::Purchase {
                object: "reminder",
                verb: "send",
            },
            Some(s.project_id.to_string()),
            format!("{kind} {title}: due {due}"),
            sanshe_domain::audit::Outcome::Success,
        ))
        .await?;
        sent += 1;
    }
    Ok(sent)
}

/// Organizations with a draft on a call whose deadline is within `REMIND_DAYS` working days
/// are reminded once to submit it.
async fn remind_applicants(
    app: &App,
    ctx: &Ctx,
    district: &str,
    today: Day,
    soon: &str,
) -> Result<usize, AppError> {
    let mut c = app.db.acquire().await?;
    let open = store::list_projects(
        &mut c,
        &ProjectFilter {
            root: Some(district.to_owned()),
            state: Some("open".into()),
            ..Default::default()
        },
        PageReq {
            page: 1,
            per_page: i64::from(u32::MAX),
        },
    )
    .await?
    .items;
    drop(c);
    let today = today.to_string();
    let mut sent = 0;
    for p in open {
        let Some(deadline) = p.deadline.clone() else {
            continue;
        };
        if deadline.as_str() < today.as_str() || deadline.as_str() > soon {
            continue;
        }
        let drafts = {
            let mut c = app.db.acquire().await?;
            store::list_applications(
                &mut c,
                &store::ApplicationFilter {
                    project: Some(p.id),
                    state: Some("draft".into()),
                    ..Default::default()
                },
                PageReq {
                    page: 1,
                    per_page: 10_000,
                },
            )
            .await?
            .items
        };
        for a in drafts {
            let link = format!("/purchase/applications/{}", a.id);
            let title: String = p.data.title.chars().take(200).collect();
            let mut tx = crate::uow::Uow::begin(app).await?;
            let users = store::org_accounts(&mut tx, district, Some(a.org_id)).await?;
            let mut to = Vec::new();
            for u in users {
                if !sanshe_store::inbox::exists(&mut tx, u, "reminder.apply", &link, &title).await?
                {
                    to.push(u);
                }
            }
            if to.is_empty() {
                continue;
            }
            inbox::notify(&mut tx, &to, "reminder.apply", &title, &deadline, &link).await?;
            tx.commit(ctx.audit_entry(
                sanshe_domain::audit::Action::Purchase {
                    object: "reminder",
                    verb: "send",
                },
                Some(p.id.to_string()),
                format!("reminder.apply {title} ({}): due {deadline}", a.org_name),
                sanshe_domain::audit::Outcome::Success,
            ))
            .await?;
            sent += 1;
        }
    }
    Ok(sent)
}
