//! Resident needs: the list (a resident's own, or staff's area) with search, filters, sort
//! and export; the form to raise or record a need; a need's page with its timeline and the
//! actions its viewer may take now; and the picture of needs by community × category.

use super::{opt_i64, FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{datetime, query_string, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query};
use axum::Form;
use sanshe_app::authz::{self, Perm};
use sanshe_app::i18n::{Lang, Tr};
use sanshe_app::needs::{self, NeedInput, TransitionInput};
use sanshe_app::AppError;
use sanshe_domain::needs::{Needs, CHANNELS, URGENCIES};
use sanshe_domain::workflow::Workflow;
use sanshe_store::needs::{Category, NeedFilter, NeedRow, SORTS};
use sanshe_store::workflow::HistoryRow;
use serde::Deserialize;

mod files;
mod report;

pub use files::*;
pub use report::*;

/// Locale keys of the closed vocabularies (a test checks every one exists in both files).
pub fn state_key(s: &str) -> String {
    format!("need-state-{s}")
}
pub fn event_key(e: &str) -> String {
    format!("need-event-{e}")
}
pub fn urgency_key(u: &str) -> String {
    format!("need-urgency-{u}")
}
pub fn channel_key(c: &str) -> String {
    format!("need-channel-{c}")
}

/// A category's name in the viewer's language (record values, not translated text).
pub fn category_name(cats: &[Category], tr: &Tr, code: &str) -> String {
    cats.iter()
        .find(|c| c.code == code)
        .map(|c| match tr.lang {
            Lang::Zh => c.name_zh.clone(),
            Lang::En => c.name_en.clone(),
        })
        .unwrap_or_else(|| code.to_owned())
}

#[derive(Deserialize, Default, Clone)]
pub struct NeedQuery {
    pub q: Option<String>,
    pub state: Option<String>,
    pub category: Option<String>,
    pub within: Option<String>,
    pub urgency: Option<String>,
    pub channel: Option<String>,
    pub overdue: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
}

pub(crate) fn ne(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

pub fn filter_of(q: &NeedQuery) -> NeedFilter {
    NeedFilter {
        q: ne(&q.q),
        state: ne(&q.state).filter(|s| Needs::parse_state(s).is_some()),
        category: ne(&q.category),
        area: ne(&q.within).filter(|w| w.chars().all(|c| c.is_ascii_digit()) && w.len() <= 12),
        urgency: ne(&q.urgency),
        channel: ne(&q.channel),
        overdue_on: (q.overdue.as_deref() == Some("1"))
            .then(|| sanshe_app::calendar::today().to_string()),
        ..Default::default()
    }
}

pub(crate) fn params(q: &NeedQuery) -> Vec<(&'static str, String)> {
    vec![
        ("q", q.q.clone().unwrap_or_default()),
        ("state", q.state.clone().unwrap_or_default()),
        ("category", q.category.clone().unwrap_or_default()),
        ("within", q.within.clone().unwrap_or_default()),
        ("urgency", q.urgency.clone().unwrap_or_default()),
        ("channel", q.channel.clone().unwrap_or_default()),
        ("overdue", q.overdue.clone().unwrap_or_default()),
        ("sort", q.sort.clone().unwrap_or_default()),
    ]
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub(crate) fn opts(
    all_label: &str,
    items: Vec<(String, String)>,
    cur: &Option<String>,
) -> Vec<Opt> {
    std::iter::once((String::new(), all_label.to_owned()))
        .chain(items)
        .map(|(value, label)| Opt {
            selected: cur.as_deref().unwrap_or("") == value,
            value,
            label,
        })
        .collect()
}

pub struct NeedLine {
    pub id: i64,
    pub title: String,
    pub community: String,
    pub category: String,
    pub state: String,
    pub state_label: String,
    pub urgency: String,
    pub people: i64,
    pub created: String,
    pub due: String,
    pub overdue: bool,
}

pub(crate) fn line(rc: &Rc, cats: &[Category], n: &NeedRow) -> NeedLine {
    NeedLine {
        id: n.id,
        title: n.title.clone(),
        community: n.area_name.clone(),
        category: category_name(cats, &rc.tr, &n.category),
        state_label: rc.tr.t(&state_key(&n.state)).to_owned(),
        state: n.state.clone(),
        urgency: rc.tr.t(&urgency_key(&n.urgency)).to_owned(),
        people: n.people,
        created: datetime(n.created_at),
        due: n.due_on.clone(),
        overdue: needs::is_overdue(n),
    }
}

#[derive(Template)]
#[template(path = "needs/list.html")]
struct ListPage {
    p: Page,
    q: NeedQuery,
    states: Vec<Opt>,
    categories: Vec<Opt>,
    urgencies: Vec<Opt>,
    channels: Vec<Opt>,
    sorts: Vec<Opt>,
    rows: Vec<NeedLine>,
    pager: Pager,
    export_qs: String,
    is_staff: bool,
    can_propose: bool,
    can_configure: bool,
}

pub async fn list(rc: Rc, Query(q): Query<NeedQuery>) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    let is_staff = authz::can(actor, Perm::NeedRead);
    let page = opt_i64(&q.page).unwrap_or(None);
    let sort = q.sort.clone().unwrap_or_default();
    let res = needs::list(
        &rc.app,
        &rc.ctx,
        filter_of(&q),
        &sort,
        crate::view::page_req(page, Some(30)),
    )
    .await
    .page(&rc)?;
    let cats = needs::categories(&rc.app).await.page(&rc)?;
    let all = rc.tr.t("all").to_owned();
    let p = params(&q);
    let page = ListPage {
        p: Page::new(&rc, "needs-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("", rc.tr.t("needs-title")),
        states: opts(
            &all,
            Needs::STATES
                .iter()
                .map(|s| {
                    let n = Needs::state_name(*s);
                    (n.to_owned(), rc.tr.t(&state_key(n)).to_owned())
                })
                .collect(),
            &q.state,
        ),
        categories: opts(
            &all,
            cats.iter()
                .map(|c| (c.code.clone(), category_name(&cats, &rc.tr, &c.code)))
                .collect(),
            &q.category,
        ),
        urgencies: opts(
            &all,
            URGENCIES
                .iter()
                .map(|u| (u.to_string(), rc.tr.t(&urgency_key(u)).to_owned()))
                .collect(),
            &q.urgency,
        ),
        channels: opts(
            &all,
            CHANNELS
                .iter()
                .map(|c| (c.to_string(), rc.tr.t(&channel_key(c)).to_owned()))
                .collect(),
            &q.channel,
        ),
        sorts: SORTS
            .iter()
            .map(|s| Opt {
                value: s.to_string(),
                label: rc.tr.t(&format!("need-sort-{s}")).to_owned(),
                selected: sort == *s,
            })
            .collect(),
        rows: res.items.iter().map(|n| line(&rc, &cats, n)).collect(),
        pager: Pager::new("/needs", &p, &res),
        export_qs: query_string(&p),
        is_staff,
        can_propose: authz::can(actor, Perm::ProposalWrite),
        can_configure: authz::can(actor, Perm::NeedConfigure),
        q,
    };
    Ok(with_page(&rc, &page))
}

#[derive(Template)]
#[template(path = "needs/form.html")]
struct FormPage {
    p: Page,
    f: NeedInput,
    errors: FormErrors,
    others: Vec<String>,
    communities: Vec<(String, String)>,
    /// The list was cut at its limit: ask the resident to narrow it by name.
    more: bool,
    find: String,
    categories: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    channels: Vec<(String, String)>,
    resident: bool,
}

async fn form_page(rc: &Rc, f: NeedInput, errors: FormErrors, find: &str) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    let resident = authz::can(actor, Perm::NeedRaise);
    let mut communities = needs::communities(&rc.app, &rc.ctx, Some(find))
        .await
        .page(rc)?;
    // Keep the chosen community selectable after a narrowed search.
    if !f.area.is_empty() && !communities.iter().any(|c| c.0 == f.area) {
        if let Some(c) = needs::communities(&rc.app, &rc.ctx, None)
            .await
            .page(rc)?
            .into_iter()
            .find(|c| c.0 == f.area)
        {
            communities.insert(0, c);
        }
    }
    let cats = needs::categories(&rc.app).await.page(rc)?;
    let shown = [
        "area",
        "category",
        "title",
        "description",
        "people",
        "urgency",
        "channel",
        "contact_name",
        "phone",
    ];
    let page = FormPage {
        p: Page::new(rc, "need-new-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/needs", rc.tr.t("needs-title"))
            .crumb("", rc.tr.t("need-new-title")),
        others: errors.others(&shown),
        more: communities.len() as i64 >= needs::COMMUNITY_CHOICES,
        find: find.to_owned(),
        f,
        errors,
        communities,
        categories: cats
            .iter()
            .filter(|c| c.active)
            .map(|c| (c.code.clone(), category_name(&cats, &rc.tr, &c.code)))
            .collect(),
        urgencies: URGENCIES
            .iter()
            .map(|u| (u.to_string(), rc.tr.t(&urgency_key(u)).to_owned()))
            .collect(),
        channels: CHANNELS[1..]
            .iter()
            .map(|c| (c.to_string(), rc.tr.t(&channel_key(c)).to_owned()))
            .collect(),
        resident,
    };
    let mut r = with_page(rc, &page);
    if !page.errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    pub find: Option<String>,
}

pub async fn new_form(rc: Rc, Query(q): Query<NewQuery>) -> PageResult {
    let f = NeedInput {
        people: "1".into(),
        urgency: "normal".into(),
        ..Default::default()
    };
    form_page(
        &rc,
        f,
        FormErrors::default(),
        q.find.as_deref().unwrap_or(""),
    )
    .await
}

pub async fn create(rc: Rc, Form(f): Form<NeedInput>) -> PageResult {
    match needs::create(&rc.app, &rc.ctx, &f).await {
        Ok(id) => Ok(redirect_flash(
            &format!("/needs/{id}"),
            "flash-need-created",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errs) => form_page(&rc, f, errs, "").await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub struct Step {
    pub at: String,
    pub who: String,
    pub event: String,
    pub to: String,
    pub note: String,
}

pub fn timeline(
    tr: &Tr,
    h: &[HistoryRow],
    key: fn(&str) -> String,
    ev: fn(&str) -> String,
) -> Vec<Step> {
    h.iter()
        .map(|r| Step {
            at: datetime(r.at),
            who: r.entry.actor_name.clone(),
            event: if r.entry.event == "create" {
                tr.t("event-create").to_owned()
            } else {
                tr.t(&ev(&r.entry.event)).to_owned()
            },
            to: tr.t(&key(&r.entry.to_state)).to_owned(),
            note: r.entry.note.clone(),
        })
        .collect()
}

pub struct Action {
    pub event: String,
    pub label: String,
    /// `reply`, `reason`, `note` or `accept` (which fields the form shows).
    pub form: &'static str,
}

#[derive(Template)]
#[template(path = "needs/detail.html")]
struct DetailPage {
    p: Page,
    n: NeedRow,
    category: String,
    state_label: String,
    urgency: String,
    channel: String,
    overdue: bool,
    steps: Vec<Step>,
    actions: Vec<Action>,
    categories: Vec<(String, String)>,
    contact: Option<(String, String)>,
    may_reveal: bool,
    proposal: Option<(i64, String)>,
    errors: Vec<String>,
    files: Vec<FileLine>,
    may_attach: bool,
}

pub struct FileLine {
    pub id: i64,
    pub name: String,
    pub size: String,
    pub at: String,
    pub removable: bool,
}

pub(crate) async fn detail_page(
    rc: &Rc,
    id: i64,
    contact: Option<(String, String)>,
    errors: Vec<String>,
) -> PageResult {
    let v = needs::get(&rc.app, &rc.ctx, id).await.page(rc)?;
    let cats = needs::categories(&rc.app).await.page(rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    let files = needs::files::list(&rc.app, &rc.ctx, id)
        .await
        .page(rc)?
        .into_iter()
        .map(|a| FileLine {
            removable: (actor.user_id.is_some() && a.created_by == actor.user_id)
                || (needs::policy::may_see_contact(actor, &v.need)
                    && !needs::policy::is_owner(actor, &v.need)),
            id: a.id,
            size: format!("{} KB", (a.size + 1023) / 1024),
            at: datetime(a.created_at),
            name: a.file_name,
        })
        .collect();
    let may_attach = needs::files::may_attach(actor, &v.need);
    let n = v.need;
    let actions = v
        .offered
        .iter()
        .map(|e| {
            let name = Needs::event_name(*e);
            Action {
                event: name.to_owned(),
                label: rc.tr.t(&event_key(name)).to_owned(),
                form: match e {
                    sanshe_domain::needs::NeedEvent::Accept => "accept",
                    sanshe_domain::needs::NeedEvent::Answer => "reply",
                    sanshe_domain::needs::NeedEvent::Reject => "reason",
                    _ => "note",
                },
            }
        })
        .collect();
    let page = DetailPage {
        p: Page::new(rc, "need-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/needs", rc.tr.t("needs-title"))
            .crumb("", format!("#{id} {}", n.title)),
        category: category_name(&cats, &rc.tr, &n.category),
        state_label: rc.tr.t(&state_key(&n.state)).to_owned(),
        urgency: rc.tr.t(&urgency_key(&n.urgency)).to_owned(),
        channel: rc.tr.t(&channel_key(&n.channel)).to_owned(),
        overdue: v.overdue,
        steps: timeline(&rc.tr, &v.history, state_key, event_key),
        actions,
        categories: cats
            .iter()
            .filter(|c| c.active)
            .map(|c| (c.code.clone(), category_name(&cats, &rc.tr, &c.code)))
            .collect(),
        contact,
        may_reveal: v.may_reveal,
        proposal: v.proposal,
        errors: errors.clone(),
        files,
        may_attach,
        n,
    };
    let mut r = with_page(rc, &page);
    if !errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::CONFLICT;
    }
    Ok(r)
}

pub async fn detail(rc: Rc, Path(id): Path<i64>) -> PageResult {
    detail_page(&rc, id, None, Vec::new()).await
}

/// Shows the resident's name and phone in full (audited) to the staff handling the need.
pub async fn reveal(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let c = needs::reveal_contact(&rc.app, &rc.ctx, id)
        .await
        .page(&rc)?;
    detail_page(&rc, id, Some(c), Vec::new()).await
}

pub async fn transition(rc: Rc, Path(id): Path<i64>, Form(f): Form<TransitionInput>) -> PageResult {
    match needs::apply(&rc.app, &rc.ctx, id, &f).await {
        Ok(_) => Ok(redirect_flash(&format!("/needs/{id}"), "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            let mut r = detail_page(&rc, id, None, errs).await?;
            *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(AppError::Conflict(e)) => detail_page(&rc, id, None, vec![rc.tr.field_error(&e)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use sanshe_app::i18n::has_key;
    use sanshe_domain::needs::Proposals;

    /// Every key built from a closed vocabulary exists (the key-parity test then covers
    /// both languages), so no raw key can reach a page.
    #[test]
    fn every_vocabulary_key_exists() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(
            Needs::STATES
                .iter()
                .map(|s| state_key(Needs::state_name(*s))),
        );
        keys.extend(
            Needs::EVENTS
                .iter()
                .map(|e| event_key(Needs::event_name(*e))),
        );
        keys.extend(URGENCIES.iter().map(|u| urgency_key(u)));
        keys.extend(super::super::purchase::vocabulary_keys());
        keys.extend(super::super::evaluations::vocabulary_keys());
        keys.extend(super::super::venture::vocabulary_keys());
        keys.extend(super::super::ratings::vocabulary_keys());
        keys.extend(super::super::award_lists::vocabulary_keys());
        keys.extend(CHANNELS.iter().map(|c| channel_key(c)));
        keys.extend(SORTS.iter().map(|s| format!("need-sort-{s}")));
        keys.extend(
            Proposals::STATES
                .iter()
                .map(|s| super::super::proposals::state_key(Proposals::state_name(*s))),
        );
        keys.extend(
            Proposals::EVENTS
                .iter()
                .map(|e| super::super::proposals::event_key(Proposals::event_name(*e))),
        );
        // Notice kinds: need.<state>, need.due, proposal.<state>.
        keys.extend(
            Needs::STATES
                .iter()
                .map(|s| super::super::inbox::kind_key(&format!("need.{}", Needs::state_name(*s)))),
        );
        keys.push(super::super::inbox::kind_key("need.due"));
        for s in ["pending", "approved", "rejected", "withdrawn", "all"] {
            keys.push(format!("fact-state-{s}"));
        }
        for s in ["pending", "approved", "rejected", "withdrawn"] {
            keys.push(super::super::inbox::kind_key(&format!("fact_change.{s}")));
        }
        for e in ["approve", "reject", "withdraw"] {
            keys.push(format!("fact-event-{e}"));
        }
        for f in sanshe_domain::facts::WORKER_FACTS {
            keys.push(format!("f-{f}"));
        }
        for k in [
            "account.password_changed",
            "account.password_reset",
            "account.mfa_reset",
        ] {
            keys.push(super::super::inbox::kind_key(k));
        }
        keys.extend(Proposals::STATES.iter().map(|s| {
            super::super::inbox::kind_key(&format!("proposal.{}", Proposals::state_name(*s)))
        }));
        let missing: Vec<&String> = keys.iter().filter(|k| !has_key(k)).collect();
        assert!(missing.is_empty(), "missing locale keys: {missing:?}");
    }
}
