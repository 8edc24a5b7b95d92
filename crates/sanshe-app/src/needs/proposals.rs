//! Project proposals: street or district staff group accepted needs from one or more
//! communities into a proposal (the needs move to `merged` in the same unit of work), propose
//! it, and the district adopts or declines it. The purchase work turns adopted proposals into
//! catalog items and calls.

use super::policy;
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::needs::{
    self as rules, NeedEvent, Needs, ProposalEvent, ProposalState, Proposals,
};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::needs::{
    self as store, NeedChange, NeedFilter, NeedRow, ProposalFilter, ProposalRow,
};
use sanshe_store::workflow::{HistoryRow, Table};
use sanshe_store::{PageReq, Paged};

/// Most needs one proposal may group.
pub const MAX_NEEDS: usize = 200;

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProposalInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
    /// Estimated beneficiaries; default: the people of its needs.
    #[serde(default)]
    pub beneficiaries: String,
    /// Suggested budget in yuan (two decimals at most).
    #[serde(default)]
    pub budget: String,
    /// The accepted needs behind it.
    #[serde(default)]
    pub needs: Vec<i64>,
}

/// Creates a draft proposal from accepted needs; each need moves to `merged`.
pub async fn create(app: &App, ctx: &Ctx, i: &ProposalInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::ProposalWrite)?;
    let owner = authz::area_root(actor)
        .filter(|r| r.len() == 6 || r.len() == 9)
        .ok_or(AppError::Forbidden)?;
    let cats = super::categories(app).await?;
    let mut errs = Vec::new();
    let title = rules::text("title", &i.title, rules::TITLE_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let description = rules::text("description", &i.description, rules::TEXT_MAX, false)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if !cats.iter().any(|c| c.active && c.code == i.category.trim()) {
        errs.push(FieldError::new("category", "err-need-category"));
    }
    let budget_fen = if i.budget.trim().is_empty() {
        0
    } else {
        match sanshe_domain::cell::parse_decimal_centi(&i.budget) {
            Ok(Some(v)) if (0..=10_000_000_000).contains(&v) => v,
            _ => {
                errs.push(FieldError::new("budget", "err-proposal-budget"));
                0
            }
        }
    };
    let mut ids = i.needs.clone();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        errs.push(FieldError::new("needs", "err-proposal-needs"));
    } else if ids.len() > MAX_NEEDS {
        errs.push(FieldError::new("needs", "err-proposal-too-many").arg("max", MAX_NEEDS));
    }
    let beneficiaries_in = i.beneficiaries.trim();
    let beneficiaries = if beneficiaries_in.is_empty() {
        None
    } else {
        match rules::people("beneficiaries", beneficiaries_in) {
            Ok(n) => Some(n),
            Err(e) => {
                errs.push(e);
                None
            }
        }
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let mut tx = Uow::begin(app).await?;
    let mut needs: Vec<NeedRow> = Vec::new();
    for id in &ids {
        let n = store::get(&mut tx, *id).await?;
        match n {
            Some(n) if policy::may_read(actor, &n) => {
                if !policy::may(actor, &n, NeedEvent::Merge)
                    || Needs::next(
                        Needs::parse_state(&n.state)
                            .unwrap_or(sanshe_domain::needs::NeedState::Withdrawn),
                        NeedEvent::Merge,
                    )
                    .is_none()
                {
                    errs.push(
                        FieldError::new("needs", "err-proposal-need-state")
                            .arg("id", id)
                            .arg("title", &n.title),
                    );
                }
                needs.push(n);
            }
            _ => errs.push(FieldError::new("needs", "err-proposal-need-missing").arg("id", id)),
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let id = store::insert_proposal(
        &mut tx,
        &store::NewProposal {
            owner_area: owner.clone(),
            title: title.clone(),
            category: i.category.trim().to_owned(),
            description,
            beneficiaries: beneficiaries.unwrap_or_else(|| needs.iter().map(|n| n.people).sum()),
            budget_fen,
            created_by: actor.user_id,
            demo: false,
        },
    )
    .await?;
    workflow::created::<Proposals>(&mut tx, actor, id, ProposalState::Draft, "").await?;
    for n in &needs {
        let at = At {
            id: n.id,
            version: n.version,
            state: Needs::parse_state(&n.state)
                .unwrap_or(sanshe_domain::needs::NeedState::Accepted),
        };
        workflow::transition::<Needs>(
            &mut tx,
            Table::Needs,
            actor,
            at,
            NeedEvent::Merge,
            &format!("→ #{id} {title}"),
        )
        .await?;
        store::apply_change(
            &mut tx,
            n.id,
            &NeedChange {
                proposal_id: Some(id),
                ..Default::default()
            },
        )
        .await?;
        store::add_community(&mut tx, id, &n.area_code).await?;
        if let Some(owner) = n.resident_user_id {
            inbox::notify(
                &mut tx,
                &[owner],
                "need.merged",
                &n.title,
                &title,
                &format!("/needs/{}", n.id),
            )
            .await?;
        }
    }
    tx.commit(ctx.audit_entry(
        Action::ProposalCreate,
        Some(id.to_string()),
        format!("{title}: {} needs ({})", needs.len(), owner),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

pub struct ProposalView {
    pub proposal: ProposalRow,
    pub communities: Vec<(String, String)>,
    /// The needs behind it that the viewer may read (others are only counted).
    pub needs: Vec<NeedRow>,
    pub hidden_needs: usize,
    pub history: Vec<HistoryRow>,
    pub offered: Vec<ProposalEvent>,
}

pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<ProposalView, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::ProposalRead)?;
    let mut c = app.db.acquire().await?;
    let p = store::get_proposal(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let communities = store::communities(&mut c, id).await?;
    if !policy::may_read_proposal(actor, &p, &communities) {
        return Err(AppError::Hidden);
    }
    let needs = store::list(
        &mut c,
        &NeedFilter {
            proposal: Some(id),
            ..Default::default()
        },
        "oldest",
        PageReq {
            page: 1,
            per_page: MAX_NEEDS as i64,
        },
    )
    .await?
    .items;
    let all = needs.len();
    let needs: Vec<NeedRow> = needs
        .into_iter()
        .filter(|n| policy::may_read(actor, n))
        .collect();
    let history = sanshe_store::workflow::history(&mut c, Proposals::KIND, id).await?;
    Ok(ProposalView {
        offered: policy::offered_proposal(actor, &p),
        proposal: p,
        communities,
        hidden_needs: all - needs.len(),
        needs,
        history,
    })
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProposalTransition {
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
    i: &ProposalTransition,
) -> Result<ProposalRow, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::ProposalRead)?;
    let event = Proposals::parse_event(i.event.trim())
        .ok_or_else(|| AppError::invalid(FieldError::new("event", "err-need-event")))?;
    let note = rules::text(
        "text",
        &i.text,
        rules::NOTE_MAX,
        event == ProposalEvent::Decline,
    )
    .map_err(AppError::invalid)?;
    let mut tx = Uow::begin(app).await?;
    let p = store::get_proposal(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let communities = store::communities(&mut tx, id).await?;
    if !policy::may_read_proposal(actor, &p, &communities) {
        return Err(AppError::Hidden);
    }
    if !policy::may_proposal(actor, &p, event) {
        return Err(AppError::Forbidden);
    }
    if i.version.is_some_and(|v| v != p.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let state = Proposals::parse_state(&p.state)
        .ok_or_else(|| AppError::Internal(format!("proposal {id} has state {}", p.state)))?;
    let at = At {
        id,
        version: p.version,
        state,
    };
    let to = workflow::transition::<Proposals>(&mut tx, Table::Proposals, actor, at, event, &note)
        .await?;
    // Proposed: the district's deciders are told; decided: the keeper and the communities.
    let link = format!("/proposals/{id}");
    let kind = format!("proposal.{}", Proposals::state_name(to));
    let mut told: Vec<i64> = match event {
        ProposalEvent::Propose => {
            sanshe_store::inbox::staff_covering(
                &mut tx,
                &p.owner_area[..6],
                &[sanshe_domain::Role::DistrictAdmin],
            )
            .await?
        }
        ProposalEvent::Adopt | ProposalEvent::Decline => {
            let mut v: Vec<i64> = p.created_by.into_iter().collect();
            for (c, _) in &communities {
                v.extend(
                    sanshe_store::inbox::staff_covering(
                        &mut tx,
                        c,
                        &[sanshe_domain::Role::CommunityStaff],
                    )
                    .await?,
                );
            }
            v
        }
        ProposalEvent::Retract => Vec::new(),
    };
    told.retain(|u| Some(*u) != actor.user_id);
    inbox::notify(&mut tx, &told, &kind, &p.title, &note, &link).await?;
    workflow::commit::<Proposals>(tx, ctx, id, &p.title, state, event, to).await?;
    let mut c = app.db.acquire().await?;
    store::get_proposal(&mut c, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn list(
    app: &App,
    ctx: &Ctx,
    mut f: ProposalFilter,
    page: PageReq,
) -> Result<Paged<ProposalRow>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::ProposalRead)?;
    f.root = authz::area_root(actor);
    let mut c = app.db.acquire().await?;
    Ok(store::list_proposals(&mut c, &f, page).await?)
}
