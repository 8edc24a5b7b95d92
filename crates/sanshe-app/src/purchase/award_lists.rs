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
            community_scoring: own_community(actor).is_some(),
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
    /// The caller's community, when its staff (self-assessment, appeal).
    pub own_community: Option<String>,
    /// Per street: (street, communities, mean total).
    pub by_street: Vec<(String, i64, i64)>,
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
            // Two statements: the streets, then all their communities.
            let streets = sanshe_store::areas::children_of(conn, &[district.to_owned()]).await?;
            if subject == "street" {
                return Ok(streets
                    .into_iter()
                    .map(|(_, code, name)| (code, name))
                    .collect());
            }
            let codes: Vec<String> = streets.iter().map(|s| s.1.clone()).collect();
            let mut under: std::collections::HashMap<String, Vec<(String, String)>> =
                std::collections::HashMap::new();
            for (parent, code, name) in sanshe_store::areas::children_of(conn, &codes).await? {
                under.entry(parent).or_default().push((code, name));
            }
            let mut out = Vec::new();
            for (_, street, street_name) in streets {
                for (code, name) in under.remove(&street).unwrap_or_default() {
                    out.push((code, format!("{street_name}·{name}")));
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
    let assessing = l.state == "scoring"
        && l.subject == "community"
        && own_community(actor).is_some_and(|c| c.starts_with(&l.district));
    let visible = manage
        || assessing
        || (matches!(l.state.as_str(), "notice" | "published")
            && super::district_of(app, ctx).await? == l.district);
    if !visible {
        return Err(AppError::Hidden);
    }
    let mut c = app.db.acquire().await?;
    let mut entries = store::entries(&mut c, id).await?;
    // While scored, a community's staff see only their own community.
    if assessing && !manage {
        let own = own_community(actor).unwrap_or_default();
        entries.retain(|e| e.subject_key == own);
    }
    let history = sanshe_store::workflow::history(&mut c, Lists::KIND, id).await?;
    let subjects = if manage && l.state == "scoring" {
        subjects(&mut c, &l.district, &l.subject).await?
    } else {
        Vec::new()
    };
    drop(c);
    let by_street = if l.subject == "community" && (manage || !assessing) {
        by_street(&entries, &streets(app, &l.district).await?)
    } else {
        Vec::new()
    };
    Ok(ListView {
        scheme: scheme_of(&l)?,
        offered: offered(actor, &l),
        may_manage: manage,
        own_community: own_community(actor).filter(|c| c.starts_with(&l.district)),
        by_street,
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
    let figs = if let Some(level) = level_of(&l).filter(|_| scheme.has_sources()) {
        // One subject's figures: count its subtree only.
        let root = if subject.starts_with(&l.district) {
            subject
        } else {
            &l.district
        };
        figures(&mut tx, root, l.year, level)
            .await?
            .get(subject)
            .copied()
            .or(Some(domain::Figures::default()))
    } else {
        None
    };
    let points = scheme
        .scores_with(typed, figs.as_ref())
        .map_err(AppError::Invalid)?;
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
    let c = record(
        &mut tx,
        &l,
        &scheme,
        &key,
        &name,
        &points,
        &actor.display_name,
    )
    .await?;
    store::mark_district(&mut tx, id, &key).await?;
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

// ---- scores from a spreadsheet -------------------------------------------------------------

/// A subject's typed (indicator, points) pairs and the sheet lines they came from.
type TypedRows = (Vec<(String, String)>, Vec<usize>);

/// The score sheet: one row per subject and hand-scored indicator (the subject's name is for
/// the reader; the code decides).
pub const SCORE_COLUMNS: [sanshe_io::sheet::Column; 4] = [
    sanshe_io::sheet::Column {
        key: "subject",
        zh: "对象编码",
        aliases: &["编码", "代码", "区划代码", "subject", "code"],
        required: true,
    },
    sanshe_io::sheet::Column {
        key: "subject_name",
        zh: "对象名称",
        aliases: &["名称", "name"],
        required: false,
    },
    sanshe_io::sheet::Column {
        key: "indicator",
        zh: "指标",
        aliases: &["指标编码", "指标名称", "indicator"],
        required: true,
    },
    sanshe_io::sheet::Column {
        key: "points",
        zh: "得分",
        aliases: &["分数", "points", "score"],
        required: true,
    },
];

/// The score sheet of a list as it stands: every subject × hand-scored indicator with the
/// points recorded so far (blank when none) — the file to fill in and import.
pub async fn score_sheet(app: &App, ctx: &Ctx, id: i64) -> Result<Vec<Vec<String>>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut c = app.db.acquire().await?;
    let l = store::get(&mut c, id).await?.ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &l.district) {
        return Err(AppError::Hidden);
    }
    let scheme = scheme_of(&l)?;
    let entries = store::entries(&mut c, id).await?;
    let mut rows = Vec::new();
    for (key, name) in subjects(&mut c, &l.district, &l.subject).await? {
        let typed = hand_scores(&scheme, entries.iter().find(|e| e.subject_key == key));
        for i in scheme.indicators.iter().filter(|i| i.source.is_empty()) {
            let v = typed
                .iter()
                .find(|(k, _)| *k == i.code)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            rows.push(vec![key.clone(), name.clone(), i.code.clone(), v]);
        }
    }
    Ok(rows)
}

/// Imports the district's hand scores of a list being scored from a sheet (one row per
/// subject and indicator). Every row is checked — the subject belongs to the list, the
/// indicator is scored by hand, the points lie within it, no pair twice — and each subject's
/// award is computed as when scored on the page (its other hand scores kept). Nothing is
/// written unless every row is clean, or the caller asks for the clean subjects only (a
/// subject with one bad row is left out whole).
pub async fn import_scores(
    app: &App,
    ctx: &Ctx,
    id: i64,
    bytes: &[u8],
    opts: crate::areas::ImportOptions,
) -> Result<crate::areas::ImportReport, AppError> {
    use crate::areas::ImportReport;
    use sanshe_io::RowIssue;
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let sheet = match sanshe_io::sheet::read(bytes, &SCORE_COLUMNS) {
        Ok(s) => s,
        Err(issue) => {
            report.issues.push(issue);
            return Ok(report);
        }
    };
    report.total_rows = sheet.rows.len();
    report.issues.extend(sheet.example_issues());
    let mut tx = Uow::begin(app).await?;
    store::lock(&mut tx, id).await?;
    let l = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &l.district) {
        return Err(AppError::Hidden);
    }
    if l.state != "scoring" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-award-not-scoring").arg("state", &l.state),
        ));
    }
    let scheme = scheme_of(&l)?;
    let named: std::collections::BTreeMap<String, String> =
        subjects(&mut tx, &l.district, &l.subject)
            .await?
            .into_iter()
            .collect();
    let entries = store::entries(&mut tx, id).await?;
    // Per subject: the typed pairs and the lines they came from.
    let mut typed: std::collections::BTreeMap<String, TypedRows> = Default::default();
    let mut bad: std::collections::BTreeSet<String> = Default::default();
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let subject = row.get(0).trim().to_owned();
        let which = row.get(2).trim();
        let points = row.get(3).trim().to_owned();
        if points.is_empty() {
            // A blank cell of the downloaded sheet: nothing to change.
            continue;
        }
        if !named.contains_key(&subject) {
            report.issues.push(
                RowIssue::new(row.line, "subject", "err-award-import-subject")
                    .arg("value", &subject),
            );
            continue;
        }
        let Some(ind) = scheme
            .indicators
            .iter()
            .find(|i| i.code == which || i.name == which)
        else {
            report.issues.push(
                RowIssue::new(row.line, "indicator", "err-award-import-indicator")
                    .arg("value", which),
            );
            bad.insert(subject);
            continue;
        };
        if !ind.source.is_empty() {
            report.issues.push(
                RowIssue::new(row.line, "indicator", "err-award-import-platform")
                    .arg("name", &ind.name),
            );
            bad.insert(subject);
            continue;
        }
        if let Some(first) = seen.insert((subject.clone(), ind.code.clone()), row.line) {
            report.issues.push(
                RowIssue::new(row.line, "indicator", "err-duplicate-in-file").arg("row", first),
            );
            bad.insert(subject);
            continue;
        }
        let t = typed.entry(subject).or_default();
        t.0.push((ind.code.clone(), points));
        t.1.push(row.line);
    }
    let figs = if let Some(level) = level_of(&l).filter(|_| scheme.has_sources()) {
        Some(figures(&mut tx, &l.district, l.year, level).await?)
    } else {
        None
    };
    let mut valid = Vec::new();
    for (subject, (pairs, lines)) in typed {
        // The subject's other hand scores stay as recorded.
        let mut merged: Vec<(String, String)> =
            hand_scores(&scheme, entries.iter().find(|e| e.subject_key == subject))
                .into_iter()
                .filter(|(k, _)| !pairs.iter().any(|(c, _)| c == k))
                .collect();
        merged.extend(pairs);
        let f = figs
            .as_ref()
            .map(|m| m.get(&subject).copied().unwrap_or_default());
        match scheme.scores_with(&merged, f.as_ref()) {
            Ok(points) if !bad.contains(&subject) => valid.push((subject, points, lines.len())),
            Ok(_) => {}
            Err(errs) => {
                for e in errs {
                    let mut issue = RowIssue::new(lines[0], &e.field, &e.code);
                    issue.args = e.args;
                    report.issues.push(issue);
                }
            }
        }
    }
    report.valid_rows = valid.iter().map(|v| v.2).sum();
    if !crate::registry::import_writes(&report, opts) {
        return Ok(report);
    }
    for (subject, points, _) in &valid {
        let name = named.get(subject).cloned().unwrap_or_default();
        record(
            &mut tx,
            &l,
            &scheme,
            subject,
            &name,
            points,
            &actor.display_name,
        )
        .await?;
        store::mark_district(&mut tx, id, subject).await?;
    }
    report.inserted = valid.len();
    report.committed = true;
    tx.commit(ctx.audit_entry(
        audit("import"),
        Some(id.to_string()),
        crate::registry::import_summary("scores", &report, opts),
        Outcome::Success,
    ))
    .await?;
    Ok(report)
}

/// The `purchase.deadlines` job: the district's officers are told once when a list's notice
/// has ended and it can be published.
pub async fn remind(app: &App, ctx: &Ctx, district: &str) -> Result<usize, AppError> {
    let over = {
        let mut c = app.db.acquire().await?;
        store::notice_over(&mut c, district, &today()).await?
    };
    let due = over
        .into_iter()
        .map(|l| super::Due {
            body: l.notice_until.clone().unwrap_or_default(),
            link: format!("/award-lists/{}", l.id),
            record: l.id,
            title: l.title,
        })
        .collect();
    super::remind_officers(app, ctx, district, "reminder.award_notice_over", due).await
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
    let e0 = store::entry(&mut tx, entry)
        .await?
        .ok_or(AppError::NotFound)?;
    store::lock(&mut tx, e0.list_id).await?;
    // Read again under the list's lock: an appeal's answer may have changed the award.
    let e = store::entry(&mut tx, entry)
        .await?
        .ok_or(AppError::NotFound)?;
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
            community_scoring: false,
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

// ---- the harmonious-community assessment (和谐社区建设考评) ------------------------------

/// The length of a list's subjects' area codes when its indicators may be drawn from the
/// platform: a community's (12) or a street's (9); organizations have none.
pub fn level_of(l: &ListRow) -> Option<usize> {
    match l.subject.as_str() {
        "community" => Some(12),
        "street" => Some(9),
        _ => None,
    }
}

/// Every community's (`level` 12) or street's (`level` 9) figures below `district` (a
/// district, or one subject) for a year, from what the platform holds: the policy targets'
/// counts and the needs raised that year (late: answered after, or still unanswered past,
/// their due day), and the year's decided evaluations of services bought for them. A
/// street's figures are its communities' together: how many of them have a station or reach
/// the area goal, out of how many.
pub async fn figures(
    conn: &mut Conn,
    district: &str,
    year: i64,
    level: usize,
) -> Result<std::collections::BTreeMap<String, domain::Figures>, AppError> {
    let p = crate::targets::profile_in(conn, year).await?;
    let groups = sanshe_store::targets::counts(
        conn,
        district,
        year,
        level,
        (p.facility_area_total * 100.0).round() as i64,
        (p.facility_hours_per_day * 60.0).round() as i64,
        p.facility_open_days,
    )
    .await?;
    let mut out = std::collections::BTreeMap::new();
    for (code, t) in groups {
        let a = t.all();
        let one = level >= 12;
        out.insert(
            code,
            domain::Figures {
                communities: a.communities,
                station: if one {
                    a.communities_with_station.min(1)
                } else {
                    a.communities_with_station
                },
                facility_area: if one {
                    a.communities_area_ok.min(1)
                } else {
                    a.communities_area_ok
                },
                community_orgs: a.community_orgs,
                professional_posts: a.professional_posts,
                committee_members: a.committee_members,
                committee_certified: a.committee_certified,
                needs: 0,
                needs_overdue: 0,
                evaluated: 0,
                evaluated_passed: 0,
            },
        );
    }
    let y = i32::try_from(year).unwrap_or(2000);
    let from = sanshe_domain::calendar::Day::from_ymd(y, 1, 1)
        .map(|d| d.unix_cst_midnight())
        .unwrap_or(0);
    let to = sanshe_domain::calendar::Day::from_ymd(y + 1, 1, 1)
        .map(|d| d.unix_cst_midnight())
        .unwrap_or(i64::MAX);
    let day = today();
    let key = |area: String| -> String { area.chars().take(level).collect() };
    // A street counts an evaluation once, however many of its communities the project serves.
    let mut seen = std::collections::HashSet::new();
    for (id, area, grade) in store::evaluations_of(conn, district, year).await? {
        let area = key(area);
        if !seen.insert((id, area.clone())) {
            continue;
        }
        let f = out.entry(area).or_default();
        f.evaluated += 1;
        if sanshe_domain::evaluation::passes(&grade) {
            f.evaluated_passed += 1;
        }
    }
    for (area, due, responded) in store::needs_of(conn, district, from, to).await? {
        let f = out.entry(key(area)).or_default();
        f.needs += 1;
        let late = match responded {
            Some(at) => sanshe_domain::calendar::Day::from_unix_cst(at).to_string() > due,
            None => day > due,
        };
        if late {
            f.needs_overdue += 1;
        }
    }
    Ok(out)
}

/// The hand-scored points of a subject, as typed pairs: the district's once it has scored
/// them, until then the community's self-assessment.
fn hand_scores(s: &Scheme, e: Option<&EntryRow>) -> Vec<(String, String)> {
    let Some(e) = e else {
        return Vec::new();
    };
    let recorded: Vec<&str> = e.scores.split(',').collect();
    s.indicators
        .iter()
        .enumerate()
        .filter(|(_, i)| i.source.is_empty())
        .filter_map(|(n, i)| {
            let own = e.self_scores.split(',').find_map(|kv| {
                kv.split_once('=')
                    .filter(|(k, _)| *k == i.code)
                    .map(|(_, v)| v)
            });
            let district = recorded.get(n).copied().filter(|v| !v.is_empty());
            // The district's points stand once it has scored; until then, the community's own.
            let v = if e.hand_by_district {
                district
            } else {
                own.or(district)
            };
            v.map(|v| (i.code.clone(), v.to_owned()))
        })
        .collect()
}

async fn record(
    tx: &mut Uow,
    l: &ListRow,
    s: &Scheme,
    key: &str,
    name: &str,
    points: &[i64],
    by: &str,
) -> Result<domain::Computed, AppError> {
    let c = domain::compute(s, points);
    let scores = points
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    store::put_entry(
        tx,
        l.id,
        &EntryFields {
            subject_key: key,
            subject_name: name,
            scores: &scores,
            total: c.total,
            grade: &c.grade,
            award_fen: c.award_fen,
            team_fen: c.team_fen,
            formula: &c.formula,
            by,
        },
    )
    .await?;
    Ok(c)
}

/// Fills every community's indicators drawn from the platform (officers, while scoring a
/// community list); hand-scored points already recorded are kept, missing ones count 0 until
/// scored. Returns how many communities.
pub async fn fill(app: &App, ctx: &Ctx, id: i64) -> Result<usize, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let mut tx = Uow::begin(app).await?;
    store::lock(&mut tx, id).await?;
    let l = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !policy::may_manage(actor, &l.district) {
        return Err(AppError::Hidden);
    }
    let s = scheme_of(&l)?;
    let Some(level) = level_of(&l).filter(|_| s.has_sources()) else {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-award-no-sources",
        )));
    };
    if l.state != "scoring" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-award-not-scoring").arg("state", &l.state),
        ));
    }
    let figs = figures(&mut tx, &l.district, l.year, level).await?;
    let all = subjects(&mut tx, &l.district, &l.subject).await?;
    let mut n = 0;
    for (key, name) in &all {
        let f = figs.get(key).copied().unwrap_or_default();
        let e = store::entry_of(&mut tx, id, key).await?;
        let typed = hand_scores(&s, e.as_ref());
        let points: Vec<i64> = s
            .indicators
            .iter()
            .map(|i| {
                domain::auto_points(i, &f).unwrap_or_else(|| {
                    typed
                        .iter()
                        .find(|(k, _)| *k == i.code)
                        .and_then(|(_, v)| v.parse::<i64>().ok())
                        .map_or(0, |p| p.clamp(0, i.points))
                })
            })
            .collect();
        record(&mut tx, &l, &s, key, name, &points, &actor.display_name).await?;
        n += 1;
    }
    tx.commit(ctx.audit_entry(
        audit("fill"),
        Some(id.to_string()),
        format!("{}: {n}", l.title),
        Outcome::Success,
    ))
    .await?;
    Ok(n)
}

/// The community the caller's account is bound to, if a community's staff.
fn own_community(actor: &crate::Actor) -> Option<String> {
    match &actor.scope {
        sanshe_domain::Scope::Area { code }
            if code.len() == 12 && authz::can(actor, Perm::PurchaseRead) =>
        {
            Some(code.clone())
        }
        _ => None,
    }
}

/// A community's self-assessment of the hand-scored indicators, while the list is scored
/// (its staff). The figures from the platform are filled in; the district's scores replace
/// the self-assessment where it records its own.
pub async fn self_assess(
    app: &App,
    ctx: &Ctx,
    id: i64,
    typed: &[(String, String)],
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    let Some(code) = own_community(actor) else {
        return Err(AppError::Forbidden);
    };
    authz::require(actor, Perm::PurchaseRead)?;
    let mut tx = Uow::begin(app).await?;
    store::lock(&mut tx, id).await?;
    let l = store::get(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if l.subject != "community" || !code.starts_with(&l.district) {
        return Err(AppError::Hidden);
    }
    let s = scheme_of(&l)?;
    let figs = figures(&mut tx, &code, l.year, 12).await?;
    let f = figs.get(&code).copied().unwrap_or_default();
    let points = s.scores_with(typed, Some(&f)).map_err(AppError::Invalid)?;
    if l.state != "scoring" {
        return Err(AppError::Conflict(
            FieldError::new("", "err-award-not-scoring").arg("state", &l.state),
        ));
    }
    let name = subjects(&mut tx, &l.district, "community")
        .await?
        .into_iter()
        .find(|(k, _)| *k == code)
        .map(|(_, n)| n)
        .unwrap_or_else(|| code.clone());
    let own = s
        .indicators
        .iter()
        .zip(&points)
        .filter(|(i, _)| i.source.is_empty())
        .map(|(i, p)| format!("{}={p}", i.code))
        .collect::<Vec<_>>()
        .join(",");
    // The entry takes the self-assessed points where the district has recorded none.
    let existing = store::entry_of(&mut tx, id, &code).await?;
    if !existing.as_ref().is_some_and(|e| e.hand_by_district) {
        record(&mut tx, &l, &s, &code, &name, &points, &actor.display_name).await?;
    }
    let e = store::entry_of(&mut tx, id, &code)
        .await?
        .ok_or(AppError::NotFound)?;
    store::set_self(&mut tx, e.id, &own).await?;
    tx.commit(ctx.audit_entry(
        audit("self_assess"),
        Some(e.id.to_string()),
        format!("{name}: {own}"),
        Outcome::Success,
    ))
    .await
}

/// A community appeals its result during the notice (its staff; once).
pub async fn appeal(app: &App, ctx: &Ctx, entry: i64, text_in: &str) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    let Some(code) = own_community(actor) else {
        return Err(AppError::Forbidden);
    };
    authz::require(actor, Perm::PurchaseRead)?;
    let t = text::check("text", text_in.trim(), 2000).map_err(AppError::invalid)?;
    if t.is_empty() {
        return Err(AppError::invalid(FieldError::new("text", "err-required")));
    }
    let mut tx = Uow::begin(app).await?;
    let e = store::entry(&mut tx, entry)
        .await?
        .ok_or(AppError::NotFound)?;
    if e.subject_key != code {
        return Err(AppError::Hidden);
    }
    store::lock(&mut tx, e.list_id).await?;
    let l = store::get(&mut tx, e.list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if l.state != "notice" {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-award-appeal-closed",
        )));
    }
    if !store::set_appeal(&mut tx, entry, &t).await? {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-award-appealed",
        )));
    }
    let officers = sanshe_store::inbox::staff_covering(
        &mut tx,
        &l.district,
        &[sanshe_domain::Role::DistrictAdmin],
    )
    .await?;
    crate::inbox::notify(
        &mut tx,
        &officers,
        "award.appeal",
        &e.subject_name,
        &t,
        &format!("/award-lists/{}", l.id),
    )
    .await?;
    tx.commit(ctx.audit_entry(
        audit("appeal"),
        Some(entry.to_string()),
        format!("{}: {t}", e.subject_name),
        Outcome::Success,
    ))
    .await
}

/// The district answers an appeal during the notice, correcting the hand-scored points if it
/// upholds it (officers).
pub async fn answer_appeal(
    app: &App,
    ctx: &Ctx,
    entry: i64,
    text_in: &str,
    typed: &[(String, String)],
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let t = text::check("text", text_in.trim(), 2000).map_err(AppError::invalid)?;
    if t.is_empty() {
        return Err(AppError::invalid(FieldError::new("text", "err-required")));
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
    if l.state != "notice" || e.appeal.is_empty() {
        return Err(AppError::Conflict(FieldError::new(
            "",
            "err-award-no-appeal",
        )));
    }
    if !typed.is_empty() {
        let s = scheme_of(&l)?;
        let level = level_of(&l).filter(|_| s.has_sources());
        let f = match level {
            Some(level) => figures(&mut tx, &e.subject_key, l.year, level)
                .await?
                .get(&e.subject_key)
                .copied(),
            None => None,
        };
        let points = s
            .scores_with(typed, f.as_ref())
            .map_err(AppError::Invalid)?;
        record(
            &mut tx,
            &l,
            &s,
            &e.subject_key,
            &e.subject_name,
            &points,
            &actor.display_name,
        )
        .await?;
        store::mark_district(&mut tx, l.id, &e.subject_key).await?;
    }
    store::set_appeal_answer(&mut tx, entry, &t).await?;
    tx.commit(ctx.audit_entry(
        audit("appeal.answer"),
        Some(entry.to_string()),
        format!("{}: {t}", e.subject_name),
        Outcome::Success,
    ))
    .await
}

/// Per street: (street, communities scored, mean total) — the ranking's chart.
pub fn by_street(
    entries: &[EntryRow],
    subjects_named: &[(String, String)],
) -> Vec<(String, i64, i64)> {
    let mut m: std::collections::BTreeMap<String, (i64, i64)> = std::collections::BTreeMap::new();
    for e in entries {
        let street: String = e.subject_key.chars().take(9).collect();
        let x = m.entry(street).or_default();
        x.0 += 1;
        x.1 += e.total;
    }
    let mut out: Vec<(String, i64, i64)> = m
        .into_iter()
        .map(|(code, (n, sum))| {
            let name = subjects_named
                .iter()
                .find(|(k, _)| *k == code)
                .map_or(code.clone(), |(_, v)| v.clone());
            (name, n, if n > 0 { sum / n } else { 0 })
        })
        .collect();
    out.sort_by_key(|b| std::cmp::Reverse(b.2));
    out
}

/// The district's streets (code, name), for naming the chart.
pub async fn streets(app: &App, district: &str) -> Result<Vec<(String, String)>, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(sanshe_store::areas::children(&mut c, district, 0)
        .await?
        .into_iter()
        .map(|a| (a.code, a.name))
        .collect())
}

/// This year's demo assessment (和谐社区建设考评), being scored: every community's indicators
/// from the platform filled in, the hand-scored ones recorded for most communities, and the
/// demo community's self-assessment waiting for the district's scores.
pub async fn demo_assessment(
    c: &mut Conn,
    district: &str,
    year: i64,
    own_community: &str,
    officer: Option<i64>,
    today: sanshe_domain::calendar::Day,
) -> Result<(), AppError> {
    use sanshe_store::workflow::{append_history_at, HistoryEntry};
    let s = Scheme::assessment();
    let body = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(id) = store::insert(
        c,
        district,
        year,
        "community",
        &format!("{year}年度和谐社区建设考评"),
        &body,
        5,
        None,
        true,
    )
    .await?
    else {
        return Ok(());
    };
    let figs = figures(c, district, year, 12).await?;
    for (n, (key, name)) in subjects(c, district, "community")
        .await?
        .into_iter()
        .enumerate()
    {
        let f = figs.get(&key).copied().unwrap_or_default();
        let mine = key == own_community;
        let n = n as i64;
        let points: Vec<i64> = s
            .indicators
            .iter()
            .map(|i| {
                domain::auto_points(i, &f).unwrap_or(match (mine, i.code.as_str()) {
                    (true, "governance") => 18,
                    (true, "satisfaction") => 13,
                    _ => (i.points - 1 - (n * 7 + i.points) % 6).max(0),
                })
            })
            .collect();
        let comp = domain::compute(&s, &points);
        let scores = points
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        store::put_entry(
            c,
            id,
            &EntryFields {
                subject_key: &key,
                subject_name: &name,
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
        if mine {
            if let Some(e) = store::entry_of(c, id, &key).await? {
                store::set_self(c, e.id, "governance=18,satisfaction=13").await?;
            }
        } else {
            store::mark_district(c, id, &key).await?;
        }
    }
    let noon = |d: sanshe_domain::calendar::Day| d.unix_cst_midnight() + 12 * 3600;
    sanshe_store::purchase::demo_settle(
        c,
        Table::AwardLists,
        id,
        "scoring",
        1,
        noon(today.plus_days(-10)),
    )
    .await?;
    let mut from: Option<String> = None;
    for (to, ev, d) in [("draft", "create", -14), ("scoring", "open", -10)] {
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

// ---- evidence of hand-scored indicators ----------------------------------------------------

/// The attachment owner kind of an entry's evidence.
pub const EVIDENCE: &str = "award_entry";

/// A list's entry as the caller may see its evidence: the district's officers, and the
/// staff of the community the entry scores (evidence may name people, so it is not public).
/// Returns the list, the entry and whether the caller manages the list.
async fn evidence_entry(
    conn: &mut Conn,
    actor: &crate::Actor,
    entry: i64,
) -> Result<(ListRow, EntryRow, bool), AppError> {
    if !reader(actor) {
        return Err(AppError::Forbidden);
    }
    let e = store::entry(conn, entry).await?.ok_or(AppError::NotFound)?;
    let l = store::get(conn, e.list_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let manage = policy::may_manage(actor, &l.district);
    let own = l.subject == "community" && own_community(actor).is_some_and(|c| c == e.subject_key);
    if !(manage || own) {
        return Err(AppError::Hidden);
    }
    Ok((l, e, manage))
}

/// The evidence of an entry (photos, minutes, documents behind its hand-scored points).
pub async fn evidence(
    app: &App,
    ctx: &Ctx,
    entry: i64,
) -> Result<Vec<sanshe_store::attachments::AttachmentRow>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    evidence_entry(&mut c, actor, entry).await?;
    Ok(sanshe_store::attachments::list(&mut c, EVIDENCE, entry).await?)
}

/// Adds evidence to an entry while the list is scored: the district's officers, or the
/// community's staff for their own self-assessment.
pub async fn attach(
    app: &App,
    ctx: &Ctx,
    entry: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    use crate::attachments::{self, Accept};
    let actor = ctx.actor()?;
    let (l, e, _) = {
        let mut c = app.db.acquire().await?;
        evidence_entry(&mut c, actor, entry).await?
    };
    if l.state != "scoring" {
        return Err(AppError::Conflict(
            FieldError::new("file", "err-award-evidence-closed").arg("state", &l.state),
        ));
    }
    let saved = attachments::save(app, "file", file_name, bytes, Accept::Documents)?;
    let written = async {
        let mut tx = Uow::begin(app).await?;
        store::lock(&mut tx, l.id).await?;
        // The list may have left scoring while the file was stored.
        let now = store::get(&mut tx, l.id).await?.ok_or(AppError::NotFound)?;
        if now.state != "scoring" {
            return Err(AppError::Conflict(
                FieldError::new("file", "err-award-evidence-closed").arg("state", &now.state),
            ));
        }
        attachments::record_counted(
            tx,
            ctx,
            EVIDENCE,
            entry,
            &saved,
            "evidence",
            Action::Purchase {
                object: "award_entry",
                verb: "attach",
            },
            |s| format!("{} — {}: {s}", l.title, e.subject_name),
        )
        .await
    }
    .await;
    attachments::settle(app, &saved, written)
}

/// One evidence file of an entry.
pub async fn evidence_file(
    app: &App,
    ctx: &Ctx,
    entry: i64,
    file: i64,
) -> Result<(sanshe_store::attachments::AttachmentRow, Vec<u8>), AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    evidence_entry(&mut c, actor, entry).await?;
    crate::attachments::fetch(app, &mut c, EVIDENCE, entry, file).await
}

/// One entry with its scheme and evidence, as its page shows it.
pub struct EntryView {
    pub list: ListRow,
    pub scheme: Scheme,
    pub entry: EntryRow,
    pub files: Vec<sanshe_store::attachments::AttachmentRow>,
    /// The caller may add evidence now (the list is scored).
    pub may_attach: bool,
}

pub async fn entry_view(app: &App, ctx: &Ctx, entry: i64) -> Result<EntryView, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let (l, e, _) = evidence_entry(&mut c, actor, entry).await?;
    let files = sanshe_store::attachments::list(&mut c, EVIDENCE, entry).await?;
    Ok(EntryView {
        scheme: scheme_of(&l)?,
        may_attach: l.state == "scoring",
        list: l,
        entry: e,
        files,
    })
}
