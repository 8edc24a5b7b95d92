//! Project proposals: the list, the form that groups accepted needs, and a proposal's page
//! with its needs, target communities, timeline and the actions its viewer may take.

use super::needs::{category_name, state_key as need_state_key, timeline, Action, Step};
use super::{opt_i64, FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{datetime, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query, RawForm};
use axum::Form;
use sanshe_app::needs::{self, proposals, proposals::ProposalInput, proposals::ProposalTransition};
use sanshe_app::registry::yuan;
use sanshe_app::AppError;
use sanshe_domain::needs::Proposals;
use sanshe_domain::workflow::Workflow;
use sanshe_store::needs::{NeedFilter, NeedRow, ProposalFilter, ProposalRow};
use serde::Deserialize;

pub fn state_key(s: &str) -> String {
    format!("proposal-state-{s}")
}
pub fn event_key(e: &str) -> String {
    format!("proposal-event-{e}")
}

#[derive(Deserialize, Default, Clone)]
pub struct ProposalQuery {
    pub q: Option<String>,
    pub state: Option<String>,
    pub page: Option<String>,
}

pub struct Line {
    pub id: i64,
    pub title: String,
    pub owner: String,
    pub category: String,
    pub state: String,
    pub state_label: String,
    pub needs: i64,
    pub beneficiaries: i64,
    pub budget: String,
    pub created: String,
}

#[derive(Template)]
#[template(path = "proposals/list.html")]
struct ListPage {
    p: Page,
    q: ProposalQuery,
    states: Vec<(String, String)>,
    rows: Vec<Line>,
    pager: Pager,
    can_write: bool,
}

pub async fn list(rc: Rc, Query(q): Query<ProposalQuery>) -> PageResult {
    let page = opt_i64(&q.page).unwrap_or(None);
    let f = ProposalFilter {
        q: q.q.clone().filter(|v| !v.trim().is_empty()),
        state: q
            .state
            .clone()
            .filter(|s| Proposals::parse_state(s).is_some()),
        ..Default::default()
    };
    let res = proposals::list(&rc.app, &rc.ctx, f, crate::view::page_req(page, Some(30)))
        .await
        .page(&rc)?;
    let cats = needs::categories(&rc.app).await.page(&rc)?;
    let params = vec![
        ("q", q.q.clone().unwrap_or_default()),
        ("state", q.state.clone().unwrap_or_default()),
    ];
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    let page = ListPage {
        p: Page::new(&rc, "proposals-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("", rc.tr.t("proposals-title")),
        states: Proposals::STATES
            .iter()
            .map(|s| {
                let n = Proposals::state_name(*s);
                (n.to_owned(), rc.tr.t(&state_key(n)).to_owned())
            })
            .collect(),
        rows: res.items.iter().map(|p| line(&rc, &cats, p)).collect(),
        pager: Pager::new("/proposals", &params, &res),
        can_write: sanshe_app::authz::can(actor, sanshe_app::authz::Perm::ProposalWrite),
        q,
    };
    Ok(with_page(&rc, &page))
}

fn line(rc: &Rc, cats: &[sanshe_store::needs::Category], p: &ProposalRow) -> Line {
    Line {
        id: p.id,
        title: p.title.clone(),
        owner: p.owner_name.clone(),
        category: category_name(cats, &rc.tr, &p.category),
        state_label: rc.tr.t(&state_key(&p.state)).to_owned(),
        state: p.state.clone(),
        needs: p.needs,
        beneficiaries: p.beneficiaries,
        budget: yuan(p.budget_fen),
        created: datetime(p.created_at),
    }
}

#[derive(Template)]
#[template(path = "proposals/form.html")]
struct FormPage {
    p: Page,
    f: ProposalInput,
    errors: FormErrors,
    others: Vec<String>,
    candidates: Vec<(NeedRow, String, bool)>,
    categories: Vec<(String, String)>,
}

async fn form_page(rc: &Rc, f: ProposalInput, errors: FormErrors) -> PageResult {
    sanshe_app::authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(rc)?,
        sanshe_app::authz::Perm::ProposalWrite,
    )
    .page(rc)?;
    let cats = needs::categories(&rc.app).await.page(rc)?;
    let accepted = needs::list(
        &rc.app,
        &rc.ctx,
        NeedFilter {
            state: Some("accepted".into()),
            ..Default::default()
        },
        "oldest",
        sanshe_store::PageReq {
            page: 1,
            per_page: proposals::MAX_NEEDS as i64,
        },
    )
    .await
    .page(rc)?;
    let page = FormPage {
        p: Page::new(rc, "proposal-new-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/proposals", rc.tr.t("proposals-title"))
            .crumb("", rc.tr.t("proposal-new-title")),
        others: errors.others(&[
            "title",
            "category",
            "description",
            "beneficiaries",
            "budget",
        ]),
        candidates: accepted
            .items
            .into_iter()
            .map(|n| {
                let c = category_name(&cats, &rc.tr, &n.category);
                let ticked = f.needs.contains(&n.id);
                (n, c, ticked)
            })
            .collect(),
        categories: cats
            .iter()
            .filter(|c| c.active)
            .map(|c| (c.code.clone(), category_name(&cats, &rc.tr, &c.code)))
            .collect(),
        f,
        errors,
    };
    let mut r = with_page(rc, &page);
    if !page.errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn new_form(rc: Rc) -> PageResult {
    form_page(&rc, ProposalInput::default(), FormErrors::default()).await
}

/// The form posts `needs` once per ticked box, so it is read as raw pairs.
pub async fn create(rc: Rc, RawForm(body): RawForm) -> PageResult {
    let mut f = ProposalInput::default();
    let mut bad_ids = false;
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "title" => f.title = v.into_owned(),
            "category" => f.category = v.into_owned(),
            "description" => f.description = v.into_owned(),
            "beneficiaries" => f.beneficiaries = v.into_owned(),
            "budget" => f.budget = v.into_owned(),
            "needs" => match v.trim().parse() {
                Ok(id) => f.needs.push(id),
                Err(_) => bad_ids = true,
            },
            _ => {}
        }
    }
    if bad_ids {
        f.needs.clear();
    }
    match proposals::create(&rc.app, &rc.ctx, &f).await {
        Ok(id) => Ok(redirect_flash(&format!("/proposals/{id}"), "flash-saved")),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errs) => form_page(&rc, f, errs).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

#[derive(Template)]
#[template(path = "proposals/detail.html")]
struct DetailPage {
    p: Page,
    pr: ProposalRow,
    category: String,
    state_label: String,
    budget: String,
    communities: Vec<(String, String)>,
    needs: Vec<(NeedRow, String)>,
    hidden_needs: usize,
    steps: Vec<Step>,
    actions: Vec<Action>,
    errors: Vec<String>,
}

async fn detail_page(rc: &Rc, id: i64, errors: Vec<String>) -> PageResult {
    let v = proposals::get(&rc.app, &rc.ctx, id).await.page(rc)?;
    let cats = needs::categories(&rc.app).await.page(rc)?;
    let page = DetailPage {
        p: Page::new(rc, "proposal-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/proposals", rc.tr.t("proposals-title"))
            .crumb("", format!("#{id} {}", v.proposal.title)),
        category: category_name(&cats, &rc.tr, &v.proposal.category),
        state_label: rc.tr.t(&state_key(&v.proposal.state)).to_owned(),
        budget: yuan(v.proposal.budget_fen),
        communities: v.communities,
        hidden_needs: v.hidden_needs,
        needs: v
            .needs
            .into_iter()
            .map(|n| {
                let s = rc.tr.t(&need_state_key(&n.state)).to_owned();
                (n, s)
            })
            .collect(),
        steps: timeline(&rc.tr, &v.history, state_key, event_key),
        actions: v
            .offered
            .iter()
            .map(|e| {
                let n = Proposals::event_name(*e);
                Action {
                    event: n.to_owned(),
                    label: rc.tr.t(&event_key(n)).to_owned(),
                    form: if n == "decline" { "reason" } else { "note" },
                }
            })
            .collect(),
        errors: errors.clone(),
        pr: v.proposal,
    };
    let mut r = with_page(rc, &page);
    if !errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::CONFLICT;
    }
    Ok(r)
}

pub async fn detail(rc: Rc, Path(id): Path<i64>) -> PageResult {
    detail_page(&rc, id, Vec::new()).await
}

pub async fn transition(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<ProposalTransition>,
) -> PageResult {
    match proposals::apply(&rc.app, &rc.ctx, id, &f).await {
        Ok(_) => Ok(redirect_flash(&format!("/proposals/{id}"), "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            let mut r = detail_page(&rc, id, errs).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(AppError::Conflict(e)) => detail_page(&rc, id, vec![rc.tr.field_error(&e)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}
