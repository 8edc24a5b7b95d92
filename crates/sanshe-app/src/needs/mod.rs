//! Resident needs (居民需求): raised by residents online or recorded by community staff on a
//! resident's behalf, accepted, answered, rejected or merged into project proposals, with a
//! first-response deadline in working days. Every state change goes through the workflow
//! kernel ([`crate::workflow::transition`]) inside one unit of work.

pub mod deadlines;
pub mod demo;
pub mod files;
pub mod policy;
pub mod proposals;

use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{calendar, inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::needs::{self as rules, NeedEvent, NeedState, Needs};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::needs::{self as store, Category, NeedChange, NeedFilter, NeedRow, StatCell};
use sanshe_store::workflow::{HistoryRow, Table};
use sanshe_store::{PageReq, Paged};

/// Roles told about a new need or a due date in a community.
pub const HANDLERS: [sanshe_domain::Role; 1] = [sanshe_domain::Role::CommunityStaff];

/// A need as entered (form fields or a JSON body; text, validated here).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NeedInput {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub people: String,
    #[serde(default)]
    pub urgency: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub phone: String,
}

pub async fn categories(app: &App) -> Result<Vec<Category>, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(store::categories(&mut c).await?)
}

/// A category as entered by the district administrator.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CategoryInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    /// Inactive categories stay on existing needs but are not offered for new ones.
    #[serde(default)]
    pub active: bool,
}

/// Adds or changes a need category (district administrator; audited).
pub async fn set_category(app: &App, ctx: &Ctx, i: &CategoryInput) -> Result<Category, AppError> {
    authz::require(ctx.actor()?, Perm::NeedConfigure)?;
    let mut errs = Vec::new();
    let code = i.code.trim().to_owned();
    if code.is_empty()
        || code.len() > 30
        || !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        errs.push(FieldError::new("code", "err-need-category-code"));
    }
    let name_zh = rules::text("name_zh", &i.name_zh, 20, true).map_err(|e| errs.push(e));
    let name_en = rules::text("name_en", &i.name_en, 40, true).map_err(|e| errs.push(e));
    let (Ok(name_zh), Ok(name_en)) = (name_zh, name_en) else {
        return Err(AppError::Invalid(errs));
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let c = Category {
        code,
        name_zh,
        name_en,
        active: i.active,
    };
    let mut tx = Uow::begin(app).await?;
    store::upsert_category(&mut tx, &c).await?;
    tx.commit(ctx.audit_entry(
        sanshe_domain::audit::Action::NeedCategorySet,
        Some(c.code.clone()),
        format!(
            "{} {} / {}{}",
            c.code,
            c.name_zh,
            c.name_en,
            if c.active { "" } else { " (inactive)" }
        ),
        sanshe_domain::audit::Outcome::Success,
    ))
    .await?;
    Ok(c)
}

/// The longest list of communities a form offers; a resident narrows it by name.
pub const COMMUNITY_CHOICES: i64 = 3_000;

/// Communities a need can be raised in (a resident chooses; staff see their own reach).
pub async fn communities(
    app: &App,
    ctx: &Ctx,
    find: Option<&str>,
) -> Result<Vec<(String, String)>, AppError> {
    let actor = ctx.actor()?;
    let root = if authz::can(actor, Perm::NeedRaise) {
        None
    } else {
        authz::require(actor, Perm::NeedHandle)?;
        authz::area_root(actor)
    };
    let mut c = app.db.acquire().await?;
    let find = find
        .map(str::trim)
        .filter(|f| !f.is_empty() && f.chars().count() <= 50);
    Ok(
        sanshe_store::areas::communities_within(&mut c, root.as_deref(), find, COMMUNITY_CHOICES)
            .await?,
    )
}

fn person_name(field: &str, v: &str) -> Result<String, FieldError> {
    rules::text(field, v, 30, false)
}

/// Raises (resident) or records (staff) a need. Returns its id.
pub async fn create(app: &App, ctx: &Ctx, i: &NeedInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    let resident = authz::can(actor, Perm::NeedRaise);
    if !resident {
        authz::require(actor, Perm::NeedHandle)?;
    }
    let cats = categories(app).await?;
    let mut errs = Vec::new();
    let mut ok = |r: Result<String, FieldError>| match r {
        Ok(v) => v,
        Err(e) => {
            errs.push(e);
            String::new()
        }
    };
    let area = i.area.trim().to_owned();
    let category = ok(
        if cats.iter().any(|c| c.active && c.code == i.category.trim()) {
            Ok(i.category.trim().to_owned())
        } else {
            Err(FieldError::new("category", "err-need-category"))
        },
    );
    let title = ok(rules::text("title", &i.title, rules::TITLE_MAX, true));
    let description = ok(rules::text(
        "description",
        &i.description,
        rules::TEXT_MAX,
        true,
    ));
    let urgency = ok(rules::one_of(
        "urgency",
        if i.urgency.trim().is_empty() {
            "normal"
        } else {
            &i.urgency
        },
        &rules::URGENCIES,
        "err-need-urgency",
    ));
    // Residents raise needs online; staff say how the need reached them.
    let channel = if resident {
        "online".to_owned()
    } else {
        ok(rules::one_of(
            "channel",
            &i.channel,
            &rules::CHANNELS[1..],
            "err-need-channel",
        ))
    };
    let contact_name = ok(person_name("contact_name", &i.contact_name));
    let people = match rules::people("people", &i.people) {
        Ok(n) => n,
        Err(e) => {
            errs.push(e);
            0
        }
    };
    let phone = if i.phone.trim().is_empty() {
        None
    } else {
        match sanshe_domain::Phone::parse(&i.phone) {
            Ok(p) => Some(p),
            Err(e) => {
                errs.push(e);
                None
            }
        }
    };
    let community = {
        let mut c = app.db.acquire().await?;
        sanshe_store::areas::get(&mut c, &area, 0).await?
    };
    match &community {
        Some(a) if a.level == "community" => {}
        _ => errs.push(FieldError::new("area", "err-need-community")),
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    if !policy::may_create(actor, &area) {
        return Err(AppError::Forbidden);
    }
    let year = calendar::today().year() as i64;
    let days = crate::targets::profile(app, year).await?.need_response_days;
    let due = calendar::deadline(app, calendar::today(), days).await?;
    let (name_enc, name_masked) = if contact_name.is_empty() {
        (None, String::new())
    } else {
        (
            Some(app.pii.encrypt(&contact_name)?),
            mask_name(&contact_name),
        )
    };
    let (phone_enc, phone_masked) = match &phone {
        Some(p) => (Some(app.pii.encrypt(p.as_str())?), p.masked()),
        None => (None, String::new()),
    };
    let mut tx = Uow::begin(app).await?;
    let id = store::insert(
        &mut tx,
        &store::NewNeed {
            area_code: area.clone(),
            category,
            title: title.clone(),
            description,
            people,
            urgency,
            channel: channel.clone(),
            resident_user_id: if resident { actor.user_id } else { None },
            contact_name_enc: name_enc,
            contact_name_masked: name_masked,
            phone_enc,
            phone_masked,
            due_on: due.to_string(),
            created_by: actor.user_id,
            ..Default::default()
        },
    )
    .await?;
    workflow::created::<Needs>(&mut tx, actor, id, NeedState::Submitted, "").await?;
    let staff = sanshe_store::inbox::staff_covering(&mut tx, &area, &HANDLERS).await?;
    inbox::notify(
        &mut tx,
        &staff,
        "need.submitted",
        &title,
        &format!("due {due}"),
        &format!("/needs/{id}"),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        Action::NeedCreate,
        Some(id.to_string()),
        format!("{title} ({area}, {channel}, due {due})"),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// 张三 → 张*, 欧阳小明 → 欧***; a single character stays masked too.
pub fn mask_name(n: &str) -> String {
    let mut cs = n.chars();
    match cs.next() {
        Some(first) => {
            let rest = cs.count();
            format!("{first}{}", "*".repeat(rest.max(1)))
        }
        None => String::new(),
    }
}

/// A need with what its viewer may see and do.
pub struct NeedView {
    pub need: NeedRow,
    pub history: Vec<HistoryRow>,
    pub offered: Vec<NeedEvent>,
    pub overdue: bool,
    pub may_reveal: bool,
    pub proposal: Option<(i64, String)>,
}

pub(crate) async fn load_visible(app: &App, ctx: &Ctx, id: i64) -> Result<NeedRow, AppError> {
    let actor = ctx.actor()?;
    policy::require_any(actor)?;
    let mut c = app.db.acquire().await?;
    let n = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    // Out of reach answers exactly as missing.
    if !policy::may_read(actor, &n) {
        return Err(AppError::Hidden);
    }
    Ok(n)
}

pub fn is_overdue(n: &NeedRow) -> bool {
    policy::is_open(n) && n.due_on < calendar::today().to_string()
}

pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<NeedView, AppError> {
    let actor = ctx.actor()?;
    let need = load_visible(app, ctx, id).await?;
    let mut c = app.db.acquire().await?;
    let history = sanshe_store::workflow::history(&mut c, Needs::KIND, id).await?;
    let proposal = match need.proposal_id {
        Some(p) => store::get_proposal(&mut c, p)
            .await?
            .map(|p| (p.id, p.title)),
        None => None,
    };
    Ok(NeedView {
        offered: policy::offered(actor, &need),
        overdue: is_overdue(&need),
        may_reveal: policy::may_see_contact(actor, &need)
            && (need.contact_name_enc.is_some() || need.phone_enc.is_some()),
        proposal,
        history,
        need,
    })
}

/// The resident's name and phone in full, for the staff handling the need (and the resident
/// themself); each reveal is audited.
pub async fn reveal_contact(app: &App, ctx: &Ctx, id: i64) -> Result<(String, String), AppError> {
    let actor = ctx.actor()?;
    let n = load_visible(app, ctx, id).await?;
    if !policy::may_see_contact(actor, &n) {
        return Err(AppError::Forbidden);
    }
    let name = n
        .contact_name_enc
        .as_deref()
        .map(|c| app.pii.decrypt(c))
        .transpose()?
        .unwrap_or_default();
    let phone = n
        .phone_enc
        .as_deref()
        .map(|c| app.pii.decrypt(c))
        .transpose()?
        .unwrap_or_default();
    Uow::begin(app)
        .await?
        .commit(ctx.audit_entry(
            Action::NeedReveal,
            Some(id.to_string()),
            format!("revealed the contact of need {id}"),
            Outcome::Success,
        ))
        .await?;
    Ok((name, phone))
}

/// A transition as requested: the event and what it carries.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TransitionInput {
    #[serde(default)]
    pub event: String,
    /// The version the actor saw (from the page or the API); a newer one means someone else
    /// acted first.
    #[serde(default)]
    pub version: Option<i64>,
    /// Accept: the confirmed category and people affected (default: as raised).
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub people: String,
    /// Answer: the reply. Reject: the reason. Others: an optional note.
    #[serde(default)]
    pub text: String,
}

/// Applies one event to a need: may → rules → compare-and-set → effects → history and audit,
/// in one unit of work.
pub async fn apply(
    app: &App,
    ctx: &Ctx,
    id: i64,
    i: &TransitionInput,
) -> Result<NeedRow, AppError> {
    let actor = ctx.actor()?;
    policy::require_any(actor)?;
    let event = Needs::parse_event(i.event.trim())
        .ok_or_else(|| AppError::invalid(FieldError::new("event", "err-need-event")))?;
    if event == NeedEvent::Merge {
        return Err(AppError::Conflict(FieldError::new(
            "event",
            "err-need-merge-via-proposal",
        )));
    }
    let cats = categories(app).await?;
    let mut tx = Uow::begin(app).await?;
    let n = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !policy::may_read(actor, &n) {
        return Err(AppError::Hidden);
    }
    if !policy::may(actor, &n, event) {
        return Err(AppError::Forbidden);
    }
    if i.version.is_some_and(|v| v != n.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let state = Needs::parse_state(&n.state)
        .ok_or_else(|| AppError::Internal(format!("need {id} has state {}", n.state)))?;
    let mut change = NeedChange::default();
    let note = match event {
        NeedEvent::Accept => {
            let mut errs = Vec::new();
            if !i.category.trim().is_empty() {
                if cats.iter().any(|c| c.active && c.code == i.category.trim()) {
                    change.category = Some(i.category.trim().to_owned());
                } else {
                    errs.push(FieldError::new("category", "err-need-category"));
                }
            }
            if !i.people.trim().is_empty() {
                match rules::people("people", &i.people) {
                    Ok(p) => change.people = Some(p),
                    Err(e) => errs.push(e),
                }
            }
            let note = rules::text("text", &i.text, rules::NOTE_MAX, false);
            match note {
                Ok(t) if errs.is_empty() => {
                    change.responded = true;
                    t
                }
                Ok(_) => return Err(AppError::Invalid(errs)),
                Err(e) => {
                    errs.push(e);
                    return Err(AppError::Invalid(errs));
                }
            }
        }
        NeedEvent::Answer => {
            let t =
                rules::text("text", &i.text, rules::TEXT_MAX, true).map_err(AppError::invalid)?;
            change.reply = Some(t.clone());
            change.responded = true;
            t
        }
        NeedEvent::Reject => {
            let t =
                rules::text("text", &i.text, rules::NOTE_MAX, true).map_err(AppError::invalid)?;
            change.reason = Some(t.clone());
            change.responded = true;
            t
        }
        NeedEvent::Withdraw => {
            rules::text("text", &i.text, rules::NOTE_MAX, false).map_err(AppError::invalid)?
        }
        NeedEvent::Merge => String::new(),
    };
    let at = At {
        id,
        version: n.version,
        state,
    };
    let to = workflow::transition::<Needs>(&mut tx, Table::Needs, actor, at, event, &note).await?;
    store::apply_change(&mut tx, id, &change).await?;
    // Tell the people concerned: the resident of every staff step, the staff of a withdrawal.
    let link = format!("/needs/{id}");
    let kind = format!("need.{}", Needs::state_name(to));
    if let Some(owner) = n.resident_user_id.filter(|o| Some(*o) != actor.user_id) {
        inbox::notify(&mut tx, &[owner], &kind, &n.title, &note, &link).await?;
    }
    if event == NeedEvent::Withdraw {
        let staff = sanshe_store::inbox::staff_covering(&mut tx, &n.area_code, &HANDLERS).await?;
        let staff: Vec<i64> = staff
            .into_iter()
            .filter(|s| Some(*s) != actor.user_id)
            .collect();
        inbox::notify(&mut tx, &staff, &kind, &n.title, &note, &link).await?;
    }
    workflow::commit::<Needs>(tx, ctx, id, &n.title, state, event, to).await?;
    let mut c = app.db.acquire().await?;
    store::get(&mut c, id).await?.ok_or(AppError::NotFound)
}

/// Restricts a filter to what the actor may see: a resident their own needs, staff their
/// area. Anyone else sees nothing.
fn scoped(ctx: &Ctx, mut f: NeedFilter) -> Result<NeedFilter, AppError> {
    let actor = ctx.actor()?;
    if authz::can(actor, Perm::NeedRaise) {
        f.resident = Some(actor.user_id.ok_or(AppError::Forbidden)?);
    } else {
        authz::require(actor, Perm::NeedRead)?;
        f.root = authz::area_root(actor);
    }
    Ok(f)
}

pub async fn list(
    app: &App,
    ctx: &Ctx,
    f: NeedFilter,
    sort: &str,
    page: PageReq,
) -> Result<Paged<NeedRow>, AppError> {
    let f = scoped(ctx, f)?;
    let mut c = app.db.acquire().await?;
    Ok(store::list(&mut c, &f, sort, page).await?)
}

/// The largest export in one file.
pub const EXPORT_LIMIT: i64 = 50_000;

/// Rows for a spreadsheet (masked contacts); the export is audited.
pub async fn export(
    app: &App,
    ctx: &Ctx,
    f: NeedFilter,
    sort: &str,
) -> Result<Vec<NeedRow>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::NeedRead)?;
    let rows = list(
        app,
        ctx,
        f,
        sort,
        PageReq {
            page: 1,
            per_page: EXPORT_LIMIT,
        },
    )
    .await?
    .items;
    Uow::begin(app)
        .await?
        .commit(ctx.audit_entry(
            Action::NeedExport,
            None,
            format!("exported {} needs", rows.len()),
            Outcome::Success,
        ))
        .await?;
    Ok(rows)
}

/// Counts by community × category × state, with overdue counts (staff only).
pub async fn stats(app: &App, ctx: &Ctx, f: NeedFilter) -> Result<Vec<StatCell>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::NeedRead)?;
    let f = scoped(ctx, f)?;
    let mut c = app.db.acquire().await?;
    Ok(store::stats(&mut c, &f, &calendar::today().to_string()).await?)
}

/// Public, anonymous figures for the district portal: counts by category and state (no
/// record, name or community detail below the district).
pub async fn public_stats(app: &App, root: &str) -> Result<Vec<StatCell>, AppError> {
    let mut c = app.db.acquire().await?;
    let f = NeedFilter {
        root: Some(root.to_owned()),
        ..Default::default()
    };
    Ok(store::stats(&mut c, &f, &calendar::today().to_string()).await?)
}
