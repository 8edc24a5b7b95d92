//! Awards instead of subsidies (以奖代补): the district keeps one list a year for each kind of
//! subject under a scheme it edits until scoring begins (each edit a new scheme version);
//! officers record each subject's scores and the award is computed from them and the scheme
//! (`domain::award::compute`, with the formula in words); the list goes on notice for its
//! working days and is then published on the portal with every score, the scheme and its
//! version, so anyone can recompute each award; each award is paid once against the list's
//! budget line, whose ceiling holds.

use super::policy;
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self as wf, At};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::award::{self as domain, ListEvent, ListState, Lists, Scheme, SUBJECTS};
use sanshe_domain::text;
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::award_lists::{self as store, EntryFields, EntryRow, Filter, ListRow};
use sanshe_store::workflow::{HistoryRow, Table};
use sanshe_store::{Conn, PageReq, Paged};

fn audit(verb: &'static str) -> Action {
    Action::Purchase {
        object: "award_list",
        verb,
    }
}

fn today() -> String {
    crate::calendar::today().to_string()
}

pub fn scheme_of(l: &ListRow) -> Result<Scheme, AppError> {
    serde_json::from_str(&l.scheme)
        .map_err(|e| AppError::Internal(format!("award list {}: {e}", l.id)))
}

/// What a list's creation or scheme edit carries.
#[derive(Debug, Clone)]
pub struct ListInput {
    pub year: i64,
    pub subject: String,
    pub title: String,
    pub notice_days: i64,
    pub budget_line: Option<i64>,
    pub scheme: Scheme,
    pub version: Option<i64>,
}

async fn check(
    conn: &mut Conn,
    district: &str,
    i: &ListInput,
) -> Result<(String, String), AppError> {
    let mut e = match i.scheme.validate() {
        Ok(()) => Vec::new(),
        Err(e) => e,
    };
    if !SUBJECTS.contains(&i.subject.as_str()) {
        e.push(FieldError::new("subject", "err-choice").arg("choices", SUBJECTS.join("、")));
    }
    if !(2000..=2100).contains(&i.year) {
        e.push(
            FieldError::new("year", "err-range")
                .arg("min", 2000)
                .arg("max", 2100),
        );
    }
    if !(0..=30).contains(&i.notice_days) {
        e.push(
            FieldError::new("notice_days", "err-range")
                .arg("min", 0)
                .arg("max", 30),
        );
    }
    let title = i.title.trim().to_owned();
    if title.is_empty() {
        e.push(FieldError::new("title", "err-required"));
    } else if let Err(x) = text::check("title", &title, 100) {
        e.push(x);
    }
    for ind in &i.scheme.indicators {
        if text::has_control(&ind.name) {
            e.push(FieldError::new("indicators", "err-award-indicator").arg("code", &ind.code));
        }
    }
    for g in &i.scheme.grades {
        if text::has_control(&g.name) {
            e.push(FieldError::new("grades", "err-award-grades").arg("max", domain::MAX_GRADES));
        }
    }
    if let Some(line) = i.budget_line {
        let ok = sanshe_store::purchase::lines(conn, district, i.year)
            .await?
            .iter()
            .any(|l| l.id == line);
        if !ok {
            e.push(FieldError::new("budget_line", "err-award-line-year").arg("year", i.year));
        }
    }
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let body = serde_json::to_string(&i.scheme).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((title, body))
}

pub async fn create(app: &App, ctx: &Ctx, i: &ListInput) -> Result<i64, AppError> {
    let district = super::managed_district(app, ctx).await?;
    let actor = ctx.actor()?;
    let mut tx = Uow::begin(app).await?;
    let (title, body) = check(&mut tx, &district, i).await?;
    let Some(id) = store::insert(
        &mut tx,
        &district,
        i.year,
        &i.subject,
        &title,
        &body,
        i.notice_days,
        i.budget_line,
        false,
    )
    .await?
    else {
        return Err(AppError::Conflict(
            FieldError::new("subject", "err-award-list-exists")
                .arg("year", i.year)
                .arg("subject", &i.subject),
        ));
    };
    wf::created::<Lists>(&mut tx, actor, id, ListState::Draft, &title).await?;
    tx.commit(ctx.audit_entry(
        audit("create"),
        Some(id.to_string()),
        format!("{title} ({}, {})", i.year, i.subject),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// Edits a draft's scheme (a new scheme version), notice days and budget line.
pub async fn set_scheme(app: &App, ctx: &Ctx, id: i64, i: &ListInput) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut tx = Uow::begin(app).await?;
    let l = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &l.district) {
        return Err(AppError::Hidden);
    }
    let input = ListInput {
        year: l.year,
        subject: l.subject.clone(),
        title: l.title.clone(),
        ..i.clone()
    };
    let (_, body) = check(&mut tx, &l.district, &input).await?;
    if l.state != "draft" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-award-scheme-fixed").arg("state", &l.state),
        ));
    }
    if !store::set_scheme(
        &mut tx,
        id,
        i.version.unwrap_or(l.version),
        &body,
        i.notice_days,
        i.budget_line,
    )
    .await?
    {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    tx.commit(ctx.audit_entry(
        audit("scheme.edit"),
        Some(id.to_string()),
        format!("{} v{}", l.title, l.scheme_version + 1),
        Outcome::Success,
    ))
    .await
}

fn reader(actor: &crate::Actor) -> bool {
    authz::can(actor, Perm::PurchaseRead)
}

pub async fn list(app: &App, ctx: &Ctx, page: PageReq) -> Result<Paged<ListRow>, AppError> {
    let actor = ctx.actor()?;
    if !reader(actor) {
        return Err(AppError::Forbidden);
    }
    let district = super::district_of(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    Ok(store::list(
        &mut c,
        &Filter {
            public_only: !policy::may_manage(actor, &district),
            district: Some(district),
            year: None,
        },
        page,
    )
    .await?)
}

pub struct ListView {
    pub list: ListRow,
    pub scheme: Scheme,
    pub entries: Vec<EntryRow>,
    pub history: Vec<HistoryRow>,
    pub offered: Vec<ListEvent>,
    pub may_manage: bool,
    /// (code, name) of the subjects an officer may score.
    pub subjects: Vec<(String, String)>,
}

fn offered(actor: &crate::Actor, l: &ListRow) -> Vec<ListEvent> {
    let Some(s) = Lists::parse_state(&l.state) else {
        return Vec::new();
    };
    if !policy::may_manage(actor, &l.district) {
        return Vec::new();
    }
    Lists::EVENTS
        .iter()
        .copied()
        .filter(|e| Lists::next(s, *e).is_some())
        .collect()
}

async fn subjects(
    conn: &mut Conn,
    district: &str,
    subject: &str,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(match subject {
        "org" => store::orgs_in(conn, district)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        _ => {
            let mut out = Vec::new();
            for street in sanshe_store::areas::children(conn, district, 0).await? {
                if subject == "street" {
                    out.push((street.code.clone(), street.name.clone()));
                } else {
                    for c in sanshe_store::areas::children(conn, &street.code, 0).await? {
                        out.push((c.code, format!("{}·{}", street.name, c.name)));
                    }
                }
            }
            out
        }
    })
}

pub async fn get(app: &App, ctx: &Ctx, id: i64) -> Result<ListView, AppError> {
    let actor = ctx.actor()?;
    if !reader(actor) {
        return Err(AppError::Forbidden);
    }
    let mut c = app.db.acquire().await?;
    let l = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    let manage = policy::may_manage(actor, &l.district);
    drop(c);
    let visible = manage
        || (matches!(l.state.as_str(), "notice" | "published")
            && super::district_of(app, ctx).await? == l.district);
    if !visible {
        return Err(AppError::Hidden);
    }
    let mut c = app.db.acquire().await?;
    let entries = store::entries(&mut c, id).await?;
    let history = sanshe_store::workflow::history(&mut c, Lists::KIND, id).await?;
    let subjects = if manage && l.state == "scoring" {
        subjects(&mut c, &l.district, &l.subject).await?
    } else {
        Vec::new()
    };
    Ok(ListView {
        scheme: scheme_of(&l)?,
        offered: offered(actor, &l),
        may_manage: manage,
        entries,
        history,
        subjects,
        list: l,
    })
}

/// A step of the list (officers).
pub async fn step(
    app: &App,
    ctx: &Ctx,
    id: i64,
    event: &str,
    version: Option<i64>,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let Some(event) = Lists::parse_event(event) else {
        return Err(AppError::invalid(
            FieldError::new("event", "err-choice").arg("choices", "open、announce、publish"),
        ));
    };
    let mut tx = Uow::begin(app).await?;
    store::lock(&mut tx, id).await?;
    let l = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &l.district) {
        return Err(AppError::Hidden);
    }
    let from = Lists::parse_state(&l.state).ok_or_else(|| AppError::Internal(l.state.clone()))?;
    let mut note = String::new();
    match event {
        ListEvent::Announce => {
            if l.entries == 0 {
                return Err(AppError::Conflict(FieldError::new(
                    "",
                    "err-award-no-entries",
                )));
            }
            let until =
                crate::calendar::deadline(app, crate::calendar::today(), l.notice_days).await?;
            note = until.to_string();
            store::set_dates(&mut tx, id, Some(&note), None).await?;
        }
        ListEvent::Publish => {
            if l.notice_until
                .as_deref()
                .is_some_and(|u| today().as_str() <= u)
                && l.notice_days > 0
            {
                return Err(AppError::Conflict(
                    FieldError::new("", "err-award-notice-open")
                        .arg("day", l.notice_until.clone().unwrap_or_default()),
                ));
            }
            store::set_dates(&mut tx, id, None, Some(&today())).await?;
        }
        ListEvent::Open => note = format!("v{}", l.scheme_version),
    }
    let at = At {
        id,
        version: version.unwrap_or(l.version),
        state: from,
    };
    let to = wf::transition::<Lists>(&mut tx, Table::AwardLists, actor, at, event, &note).await?;
    wf::commit::<Lists>(tx, ctx, id, &l.title, from, event, to).await
}

/// An officer records a subject's scores while the list is being scored; the award follows.
pub async fn score(
    app: &App,
    ctx: &Ctx,
    id: i64,
    subject: &str,
    typed: &[(String, String)],
) -> Result<domain::Computed, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut tx = Uow::begin(app).await?;
    store::lock(&mut tx, id).await?;
    let l = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &l.district) {
        return Err(AppError::Hidden);
    }
    let scheme = scheme_of(&l)?;
    let points = scheme.scores(typed).map_err(AppError::Invalid)?;
    let all = subjects(&mut tx, &l.district, &l.subject).await?;
    let Some((key, name)) = all.into_iter().find(|(k, _)| k == subject) else {
        return Err(AppError::invalid(FieldError::new(
            "subject",
            "err-award-subject",
        )));
    };
    if l.state != "scoring" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-award-not-scoring").arg("state", &l.state),
        ));
    }
    let c = domain::compute(&scheme, &points);
    let scores = points
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    store::put_entry(
        &mut tx,
        id,
        &EntryFields {
            subject_key: &key,
            subject_name: &name,
            scores: &scores,
            total: c.total,
            grade: &c.grade,
            award_fen: c.award_fen,
            team_fen: c.team_fen,
            formula: &c.formula,
            by: &actor.display_name,
        },
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("score"),
        Some(id.to_string()),
        format!(
            "{name}: {} {} ¥{}",
            c.total,
            c.grade,
            domain::yuan(c.award_fen)
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(c)
}

/// Pays a published award once, against the list's budget line (never over its amount).
pub async fn pay(app: &App, ctx: &Ctx, entry: i64, voucher: &str) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let voucher = text::check("voucher", voucher.trim(), 60).map_err(AppError::invalid)?;
    if voucher.is_empty() {
        return Err(AppError::invalid(FieldError::new(
            "voucher",
            "err-required",
        )));
    }
    let mut tx = Uow::begin(app).await?;
    let e = store::entry(&mut tx, entry)
        .await?
        .ok_or(AppError::NotFound)?;
    store::lock(&mut tx, e.list_id).await?;
    let l = store::get(&mut tx, e.list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &l.district) {
        return Err(AppError::Hidden);
    }
    if l.state != "published" {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-award-not-published",
        )));
    }
    if e.award_fen == 0 {
        return Err(AppError::Conflict(FieldError::new("", "err-award-nothing")));
    }
    let Some(line) = l.budget_line_id else {
        return Err(AppError::Conflict(FieldError::new(
            "budget_line",
            "err-award-no-line",
        )));
    };
    if !store::set_paid(&mut tx, entry, &today(), &voucher).await? {
        return Err(AppError::Conflict(FieldError::new("", "err-award-paid")));
    }
    if !sanshe_store::purchase::reserve(&mut tx, line, e.award_fen).await? {
        let l = sanshe_store::purchase::get_line(&mut tx, line).await?;
        return Err(AppError::Conflict(
            FieldError::new("budget_line", "err-budget-exceeded").arg(
                "available",
                crate::registry::yuan(l.map(|l| l.available_fen()).unwrap_or(0)),
            ),
        ));
    }
    tx.commit(ctx.audit_entry(
        audit("pay"),
        Some(entry.to_string()),
        format!(
            "{} ¥{} {voucher}",
            e.subject_name,
            domain::yuan(e.award_fen)
        ),
        Outcome::Success,
    ))
    .await
}

/// Published lists and those on notice of the deployment's district (the portal), with their
/// entries.
pub async fn public(app: &App) -> Result<Vec<(ListRow, Scheme, Vec<EntryRow>)>, AppError> {
    let Some((district, _)) = crate::public::district(app).await? else {
        return Ok(Vec::new());
    };
    let mut c = app.db.acquire().await?;
    let lists = store::list(
        &mut c,
        &Filter {
            district: Some(district),
            public_only: true,
            year: None,
        },
        PageReq {
            page: 1,
            per_page: 20,
        },
    )
    .await?
    .items;
    let mut out = Vec::new();
    for l in lists {
        let e = store::entries(&mut c, l.id).await?;
        out.push((scheme_of(&l)?, e, l));
    }
    Ok(out.into_iter().map(|(s, e, l)| (l, s, e)).collect())
}

pub const EXPORT_COLUMNS: [&str; 9] = [
    "award-col-subject",
    "award-col-scores",
    "award-col-total",
    "award-col-grade",
    "award-col-award",
    "award-col-team",
    "award-col-formula",
    "award-col-paid",
    "award-col-voucher",
];

pub fn export_rows(entries: &[EntryRow]) -> Vec<Vec<String>> {
    entries
        .iter()
        .map(|e| {
            vec![
                e.subject_name.clone(),
                e.scores.clone(),
                e.total.to_string(),
                e.grade.clone(),
                domain::yuan(e.award_fen),
                domain::yuan(e.team_fen),
                e.formula.clone(),
                e.paid_on.clone().unwrap_or_default(),
                e.voucher.clone().unwrap_or_default(),
            ]
        })
        .collect()
}

/// Last year's demo list for the communities of the demo street: published, its awards
/// still to be paid.
pub async fn demo(
    c: &mut Conn,
    district: &str,
    year: i64,
    street: &str,
    line: Option<i64>,
    officer: Option<i64>,
    today: sanshe_domain::calendar::Day,
) -> Result<(), AppError> {
    use sanshe_store::workflow::{append_history_at, HistoryEntry};
    let s = Scheme::default();
    let body = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(id) = store::insert(
        c,
        district,
        year - 1,
        "community",
        &format!("{}年度和谐社区建设以奖代补", year - 1),
        &body,
        5,
        line,
        true,
    )
    .await?
    else {
        return Ok(());
    };
    let communities = sanshe_store::areas::children(c, street, 0).await?;
    for (n, a) in communities.iter().enumerate().take(16) {
        let p = [
            25 - (n as i64 * 3) % 9,
            24 - (n as i64 * 5) % 8,
            23 - (n as i64 * 2) % 7,
            22 - (n as i64 * 7) % 6,
        ];
        let comp = domain::compute(&s, &p);
        let scores = p.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        store::put_entry(
            c,
            id,
            &EntryFields {
                subject_key: &a.code,
                subject_name: &a.name,
                scores: &scores,
                total: comp.total,
                grade: &comp.grade,
                award_fen: comp.award_fen,
                team_fen: comp.team_fen,
                formula: &comp.formula,
                by: "武进区民政局（演示）",
            },
        )
        .await?;
    }
    let noon = |d: sanshe_domain::calendar::Day| d.unix_cst_midnight() + 12 * 3600;
    let notice = today.plus_days(-40).to_string();
    let published = today.plus_days(-30).to_string();
    store::set_dates(c, id, Some(&notice), Some(&published)).await?;
    sanshe_store::purchase::demo_settle(
        c,
        Table::AwardLists,
        id,
        "published",
        3,
        noon(today.plus_days(-30)),
    )
    .await?;
    let mut from: Option<String> = None;
    for (to, ev, d) in [
        ("draft", "create", -80),
        ("scoring", "open", -70),
        ("notice", "announce", -47),
        ("published", "publish", -30),
    ] {
        append_history_at(
            c,
            &HistoryEntry {
                kind: Lists::KIND.into(),
                record_id: id,
                actor_id: officer,
                actor_name: "武进区民政局（演示）".into(),
                from_state: from.clone(),
                to_state: to.into(),
                event: ev.into(),
                note: String::new(),
            },
            noon(today.plus_days(d)),
        )
        .await?;
        from = Some(to.into());
    }
    Ok(())
}
