//! 以奖代补 pages: the district's lists with a form for a new one, one list with its scheme
//! (editable as lines while a draft), its steps, the officers' score form, the entries with
//! their formulas and payments, the export, and the portal's published lists.

use super::{form_get, form_pairs, label, require_perm, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{datetime, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query, RawForm};
use sanshe_app::authz::Perm;
use sanshe_app::purchase::award_lists as app;
use sanshe_app::AppError;
use sanshe_domain::award::{self as domain, Lists, SUBJECTS};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::award_lists::{EntryRow, ListRow};
use serde::Deserialize;

#[cfg_attr(not(test), allow(dead_code))]
pub fn vocabulary_keys() -> Vec<String> {
    let mut k = Vec::new();
    for s in Lists::STATES {
        k.push(format!("award-state-{}", Lists::state_name(*s)));
    }
    for e in Lists::EVENTS {
        k.push(format!("award-event-{}", Lists::event_name(*e)));
    }
    for s in SUBJECTS {
        k.push(format!("award-subject-{s}"));
    }
    for m in domain::MODES {
        k.push(format!("award-mode-{m}"));
    }
    for src in domain::SOURCES {
        k.push(format!("award-source-{src}"));
    }
    k.push(super::inbox::kind_key("award.appeal"));
    k.push(super::inbox::kind_key("reminder.award_notice_over"));
    for c in app::EXPORT_COLUMNS {
        k.push(c.to_owned());
    }
    k
}

/// A scheme as the lines its form shows: indicators `code,name,points`, grades
/// `name,least total,award in yuan`.
fn scheme_lines(s: &domain::Scheme) -> (String, String) {
    (
        s.indicators
            .iter()
            .map(|i| format!("{},{},{}", i.code, i.name, i.points))
            .collect::<Vec<_>>()
            .join("\n"),
        s.grades
            .iter()
            .map(|g| format!("{},{},{}", g.name, g.min, domain::yuan(g.award_fen)))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// A scheme read back from its form.
fn scheme_from(form: &[(String, String)]) -> Result<domain::Scheme, Vec<FieldError>> {
    let mut e = Vec::new();
    let split =
        |l: &str| -> Vec<String> { l.split([',', '，']).map(|x| x.trim().to_owned()).collect() };
    let mut indicators = Vec::new();
    for l in form_get(form, "indicators")
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let p = split(l);
        let target = match p.get(4) {
            None => Some(0),
            Some(t) => t.parse().ok(),
        };
        match (
            p.first(),
            p.get(1),
            p.get(2).and_then(|x| x.parse().ok()),
            target,
        ) {
            (Some(c), Some(n), Some(points), Some(target)) if (3..=5).contains(&p.len()) => {
                indicators.push(domain::Indicator {
                    code: c.clone(),
                    name: n.clone(),
                    points,
                    source: p.get(3).cloned().unwrap_or_default(),
                    target,
                })
            }
            _ => e.push(FieldError::new("indicators", "err-award-line").arg("line", l.trim())),
        }
    }
    let mut grades = Vec::new();
    for l in form_get(form, "grades")
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        let p = split(l);
        let award = p
            .get(2)
            .and_then(|x| sanshe_domain::cell::parse_decimal_centi(x).ok().flatten());
        match (p.first(), p.get(1).and_then(|x| x.parse().ok()), award) {
            (Some(n), Some(min), Some(award_fen)) if p.len() == 3 => grades.push(domain::Grade {
                name: n.clone(),
                min,
                award_fen,
            }),
            _ => e.push(FieldError::new("grades", "err-award-line").arg("line", l.trim())),
        }
    }
    let fen = |k: &str, e: &mut Vec<FieldError>| -> i64 {
        match sanshe_domain::cell::parse_decimal_centi(form_get(form, k)) {
            Ok(Some(f)) => f,
            Ok(None) => 0,
            Err(_) => {
                e.push(FieldError::new(k, "err-number"));
                0
            }
        }
    };
    let unit_fen = fen("unit", &mut e);
    let cap_fen = fen("cap", &mut e);
    let team_share = form_get(form, "team_share")
        .trim()
        .parse()
        .unwrap_or_else(|_| {
            e.push(FieldError::new("team_share", "err-number"));
            0
        });
    if e.is_empty() {
        Ok(domain::Scheme {
            indicators,
            grades,
            mode: form_get(form, "mode").to_owned(),
            unit_fen,
            cap_fen,
            team_share,
        })
    } else {
        Err(e)
    }
}

fn list_input(form: &[(String, String)]) -> Result<app::ListInput, Vec<FieldError>> {
    let scheme = scheme_from(form)?;
    let mut e = Vec::new();
    let num = |k: &str, e: &mut Vec<FieldError>| -> i64 {
        form_get(form, k).trim().parse().unwrap_or_else(|_| {
            e.push(FieldError::new(k, "err-number"));
            0
        })
    };
    let year = num("year", &mut e);
    let notice_days = num("notice_days", &mut e);
    let line = form_get(form, "budget_line").trim();
    let budget_line = if line.is_empty() {
        None
    } else {
        Some(num("budget_line", &mut e))
    };
    if !e.is_empty() {
        return Err(e);
    }
    Ok(app::ListInput {
        year,
        subject: form_get(form, "subject").to_owned(),
        title: form_get(form, "title").to_owned(),
        notice_days,
        budget_line,
        scheme,
        version: form_get(form, "version").parse().ok(),
    })
}

pub struct ListLine {
    pub id: i64,
    pub year: i64,
    pub title: String,
    pub subject: String,
    pub entries: i64,
    pub total: String,
    pub paid: String,
    pub state: String,
    pub state_label: String,
}

fn line(rc: &Rc, l: &ListRow) -> ListLine {
    ListLine {
        id: l.id,
        year: l.year,
        title: l.title.clone(),
        subject: label(rc, format!("award-subject-{}", l.subject)),
        entries: l.entries,
        total: domain::yuan(l.total_fen),
        paid: domain::yuan(l.paid_fen),
        state_label: label(rc, format!("award-state-{}", l.state)),
        state: l.state.clone(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub page: Option<i64>,
}

#[derive(Template)]
#[template(path = "awards/lists.html")]
struct ListsPage {
    p: Page,
    rows: Vec<ListLine>,
    pager: Pager,
    manage: bool,
    subjects: Vec<(String, String)>,
    year: i64,
    indicators: String,
    grades: String,
    errors: Vec<String>,
    form_mode: String,
    form_unit: String,
    form_cap: String,
    form_share: i64,
}

async fn lists_with(rc: &Rc, page: Option<i64>, errors: Vec<String>) -> PageResult {
    let r = app::list(&rc.app, &rc.ctx, crate::view::page_req(page, Some(30)))
        .await
        .page(rc)?;
    let actor = rc.ctx.actor().map_err(|e| PageError::new(e, rc))?;
    let (indicators, grades) = scheme_lines(&domain::Scheme::default());
    let status = errors.is_empty();
    let p = ListsPage {
        p: Page::new(rc, "awards-title").crumb("/", rc.tr.t("nav-home")),
        rows: r.items.iter().map(|l| line(rc, l)).collect(),
        pager: Pager::new("/award-lists", &[], &r),
        manage: sanshe_app::authz::can(actor, Perm::PurchaseManage),
        subjects: SUBJECTS
            .iter()
            .map(|s| ((*s).to_owned(), label(rc, format!("award-subject-{s}"))))
            .collect(),
        year: i64::from(sanshe_app::calendar::today().year()),
        indicators,
        grades,
        errors,
        form_mode: "table".into(),
        form_unit: domain::yuan(domain::Scheme::default().unit_fen),
        form_cap: domain::yuan(domain::Scheme::default().cap_fen),
        form_share: domain::Scheme::default().team_share,
    };
    let mut resp = with_page(rc, &p);
    if !status {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn lists(rc: Rc, Query(q): Query<ListQuery>) -> PageResult {
    lists_with(&rc, q.page, Vec::new()).await
}

pub async fn create(rc: Rc, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let r = match list_input(&form) {
        Ok(i) => app::create(&rc.app, &rc.ctx, &i).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    match r {
        Ok(id) => Ok(redirect_flash(&format!("/award-lists/{id}"), "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            lists_with(&rc, None, fs.iter().map(|e| rc.tr.field_error(e)).collect()).await
        }
        Err(AppError::Conflict(f)) => lists_with(&rc, None, vec![rc.tr.field_error(&f)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

pub struct EntryLine {
    pub id: i64,
    pub rank: usize,
    pub name: String,
    pub scores: String,
    pub total: i64,
    pub grade: String,
    pub award: String,
    pub team: String,
    pub formula: String,
    pub paid_on: String,
    pub voucher: String,
    pub payable: bool,
    pub key: String,
    pub self_scores: String,
    pub appeal: String,
    pub appeal_answer: String,
}

fn entry_line(n: usize, e: &EntryRow) -> EntryLine {
    EntryLine {
        id: e.id,
        rank: n + 1,
        name: e.subject_name.clone(),
        scores: e.scores.replace(',', " / "),
        total: e.total,
        grade: e.grade.clone(),
        award: domain::yuan(e.award_fen),
        team: domain::yuan(e.team_fen),
        formula: e.formula.clone(),
        paid_on: e.paid_on.clone().unwrap_or_default(),
        voucher: e.voucher.clone().unwrap_or_default(),
        payable: e.paid_on.is_none() && e.award_fen > 0,
        key: e.subject_key.clone(),
        self_scores: e.self_scores.clone(),
        appeal: e.appeal.clone(),
        appeal_answer: e.appeal_answer.clone(),
    }
}

#[derive(Template)]
#[template(path = "awards/list.html")]
struct DetailPage {
    p: Page,
    l: ListLine,
    scheme_version: i64,
    notice_until: String,
    published_on: String,
    budget_line: String,
    notice_days: i64,
    s: domain::Scheme,
    mode_label: String,
    indicators: String,
    grades: String,
    entries: Vec<EntryLine>,
    subjects: Vec<(String, String)>,
    events: Vec<(String, String)>,
    manage: bool,
    version: i64,
    errors: Vec<String>,
    timeline: Vec<(String, String, String, String)>,
    /// (code, name, points, source label) — empty source label: scored by hand.
    indicator_rows: Vec<(String, String, i64, String)>,
    can_fill: bool,
    own_community: String,
    /// (street, communities, mean total, bar width %)
    chart: Vec<(String, i64, i64, i64)>,
    form_mode: String,
    form_unit: String,
    form_cap: String,
    form_share: i64,
    /// The filter of the entries and its choices (street code, name).
    q: EntryQuery,
    streets: Vec<(String, String)>,
    pager: Pager,
    /// All entries of the list (the filter may show fewer).
    entries_total: usize,
}

/// How many entries a page of a list shows.
const ENTRIES_PER_PAGE: usize = 50;

/// The entries' filter: a street (community lists), a name, a page.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct EntryQuery {
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub page: Option<i64>,
}

async fn detail_with(rc: &Rc, id: i64, errors: Vec<String>) -> PageResult {
    detail_filtered(rc, id, errors, EntryQuery::default()).await
}

async fn detail_filtered(rc: &Rc, id: i64, errors: Vec<String>, q: EntryQuery) -> PageResult {
    let v = app::get(&rc.app, &rc.ctx, id).await.page(rc)?;
    // Ranks count the whole list; the filter and the page only choose which lines show.
    let q = EntryQuery {
        street: q
            .street
            .chars()
            .filter(char::is_ascii_digit)
            .take(9)
            .collect(),
        q: q.q.trim().chars().take(60).collect(),
        page: q.page,
    };
    let shown: Vec<EntryLine> = v
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| q.street.is_empty() || e.subject_key.starts_with(&q.street))
        .filter(|(_, e)| q.q.is_empty() || e.subject_name.contains(&q.q))
        .map(|(n, e)| entry_line(n, e))
        .collect();
    let streets = if v.list.subject == "community" && v.entries.len() > ENTRIES_PER_PAGE / 5 {
        app::streets(&rc.app, &v.list.district)
            .await
            .page(rc)?
            .into_iter()
            .filter(|(code, _)| v.entries.iter().any(|e| e.subject_key.starts_with(code)))
            .collect()
    } else {
        Vec::new()
    };
    let total = shown.len() as i64;
    let per = ENTRIES_PER_PAGE as i64;
    let page_no = q
        .page
        .unwrap_or(1)
        .clamp(1, ((total + per - 1) / per).max(1));
    let paged = sanshe_store::Paged {
        items: shown
            .into_iter()
            .skip(((page_no - 1) * per) as usize)
            .take(ENTRIES_PER_PAGE)
            .collect::<Vec<EntryLine>>(),
        total,
        page: page_no,
        per_page: per,
    };
    let pager = Pager::new(
        &format!("/award-lists/{id}"),
        &[("street", q.street.clone()), ("q", q.q.clone())],
        &paged,
    );
    let shown = paged.items;
    let (indicators, grades) = scheme_lines(&v.scheme);
    let status = errors.is_empty();
    let page = DetailPage {
        p: Page::new(rc, "award-list")
            .crumb("/award-lists", rc.tr.t("awards-title"))
            .crumb("", v.list.title.clone()),
        l: line(rc, &v.list),
        scheme_version: v.list.scheme_version,
        notice_until: v.list.notice_until.clone().unwrap_or_default(),
        published_on: v.list.published_on.clone().unwrap_or_default(),
        budget_line: v
            .list
            .budget_line_id
            .map(|b| b.to_string())
            .unwrap_or_default(),
        notice_days: v.list.notice_days,
        mode_label: label(rc, format!("award-mode-{}", v.scheme.mode)),
        indicators,
        grades,
        entries: shown,
        entries_total: v.entries.len(),
        q,
        streets,
        pager,
        subjects: v.subjects.clone(),
        events: v
            .offered
            .iter()
            .map(|e| {
                let n = Lists::event_name(*e);
                (n.to_owned(), label(rc, format!("award-event-{n}")))
            })
            .collect(),
        manage: v.may_manage,
        version: v.list.version,
        errors,
        timeline: v
            .history
            .iter()
            .map(|h| {
                (
                    datetime(h.at),
                    h.entry.actor_name.clone(),
                    label(rc, format!("award-event-{}", h.entry.event)),
                    h.entry.note.clone(),
                )
            })
            .collect(),
        indicator_rows: v
            .scheme
            .indicators
            .iter()
            .map(|i| {
                (
                    i.code.clone(),
                    i.name.clone(),
                    i.points,
                    if i.source.is_empty() {
                        String::new()
                    } else {
                        label(rc, format!("award-source-{}", i.source))
                    },
                )
            })
            .collect(),
        can_fill: v.may_manage
            && v.list.state == "scoring"
            && v.list.subject != "org"
            && v.scheme.has_sources(),
        own_community: v.own_community.clone().unwrap_or_default(),
        chart: v
            .by_street
            .iter()
            .map(|(n, c, m)| (n.clone(), *c, *m, (*m).clamp(0, 100)))
            .collect(),
        form_mode: v.scheme.mode.clone(),
        form_unit: domain::yuan(v.scheme.unit_fen),
        form_cap: domain::yuan(v.scheme.cap_fen),
        form_share: v.scheme.team_share,
        s: v.scheme,
    };
    let mut r = with_page(rc, &page);
    if !status {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn detail(rc: Rc, Path(id): Path<i64>, Query(q): Query<EntryQuery>) -> PageResult {
    detail_filtered(&rc, id, Vec::new(), q).await
}

async fn after(rc: &Rc, id: i64, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(redirect_flash(&format!("/award-lists/{id}"), "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            detail_with(rc, id, fs.iter().map(|e| rc.tr.field_error(e)).collect()).await
        }
        Err(AppError::Conflict(f)) => detail_with(rc, id, vec![rc.tr.field_error(&f)]).await,
        Err(e) => Err(PageError::new(e, rc)),
    }
}

pub async fn save_scheme(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let r = match list_input(&form) {
        Ok(i) => app::set_scheme(&rc.app, &rc.ctx, id, &i).await,
        Err(e) => Err(AppError::Invalid(e)),
    };
    after(&rc, id, r).await
}

pub async fn transition(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let form = form_pairs(&body);
    let r = app::step(
        &rc.app,
        &rc.ctx,
        id,
        form_get(&form, "event"),
        form_get(&form, "version").parse().ok(),
    )
    .await;
    after(&rc, id, r).await
}

pub async fn score(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let typed: Vec<(String, String)> = form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("score_").map(|c| (c.to_owned(), v.clone())))
        .collect();
    let r = app::score(&rc.app, &rc.ctx, id, form_get(&form, "subject"), &typed)
        .await
        .map(|_| ());
    after(&rc, id, r).await
}

pub async fn pay(
    rc: Rc,
    Path((id, entry)): Path<(i64, i64)>,
    RawForm(body): RawForm,
) -> PageResult {
    require_perm(&rc, Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let r = app::pay(&rc.app, &rc.ctx, entry, form_get(&form, "voucher")).await;
    after(&rc, id, r).await
}

pub async fn export(rc: Rc, Path((id, format)): Path<(i64, String)>) -> PageResult {
    let v = app::get(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let headers: Vec<&str> = app::EXPORT_COLUMNS.iter().map(|c| rc.tr.t(c)).collect();
    let rows = app::export_rows(&v.entries);
    super::areas::file_response(&rc, &format, "awards", &headers, &rows)
}

/// The score sheet to fill in: every subject × hand-scored indicator with the points so far.
pub async fn score_sheet(rc: Rc, Path((id, format)): Path<(i64, String)>) -> PageResult {
    let rows = app::score_sheet(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let headers: Vec<&str> = app::SCORE_COLUMNS.iter().map(|c| c.zh).collect();
    super::areas::file_response(&rc, &format, "award-scores", &headers, &rows)
}

/// Imports hand scores from a sheet (officers, while the list is scored).
pub async fn import_scores(
    rc: Rc,
    Path(id): Path<i64>,
    mp: axum::extract::Multipart,
) -> PageResult {
    require_perm(&rc, Perm::PurchaseManage)?;
    let (file, opts) = super::read_upload(mp).await;
    let Some(bytes) = file else {
        return detail_with(&rc, id, vec![rc.tr.t("err-import-no-file").to_owned()]).await;
    };
    let r = match app::import_scores(&rc.app, &rc.ctx, id, &bytes, opts).await {
        Ok(r) => r,
        Err(AppError::Conflict(f)) => {
            return detail_with(&rc, id, vec![rc.tr.field_error(&f)]).await;
        }
        Err(e) => return Err(PageError::new(e, &rc)),
    };
    if r.committed && r.issues.is_empty() {
        return Ok(redirect_flash(
            &format!("/award-lists/{id}"),
            "flash-imported",
        ));
    }
    let mut m: Vec<String> = super::import_messages(&rc, &r);
    if m.is_empty() {
        m.push(
            rc.tr
                .f("import-dry-run-ok", &[("n", r.valid_rows.to_string())]),
        );
        let mut resp = detail_with(&rc, id, m).await?;
        *resp.status_mut() = axum::http::StatusCode::OK;
        return Ok(resp);
    }
    if r.committed {
        m.insert(
            0,
            rc.tr.f("import-partial", &[("n", r.inserted.to_string())]),
        );
    }
    detail_with(&rc, id, m).await
}

#[derive(Template)]
#[template(path = "public/awards.html")]
struct PublicPage {
    p: Page,
    here: &'static str,
    /// (list, scheme summary, entries)
    lists: Vec<(ListLine, i64, String, String, Vec<EntryLine>)>,
}

pub async fn public(rc: Rc) -> PageResult {
    let lists = app::public(&rc.app).await.page(&rc)?;
    let mut p = Page::new(&rc, "public-awards");
    p.nav.clear();
    let page = PublicPage {
        p,
        here: "awards",
        lists: lists
            .iter()
            .map(|(l, s, e)| {
                let ind = s
                    .indicators
                    .iter()
                    .map(|i| format!("{} {}", i.name, i.points))
                    .collect::<Vec<_>>()
                    .join("、");
                let grades = s
                    .grades
                    .iter()
                    .map(|g| {
                        if s.mode == "table" {
                            format!("{} ≥ {} ¥{}", g.name, g.min, domain::yuan(g.award_fen))
                        } else {
                            format!("{} ≥ {}", g.name, g.min)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("；");
                (
                    line(&rc, l),
                    l.scheme_version,
                    ind,
                    grades,
                    e.iter()
                        .enumerate()
                        .map(|(n, x)| entry_line(n, x))
                        .collect(),
                )
            })
            .collect(),
    };
    Ok(with_page(&rc, &page))
}

pub async fn fill(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let r = app::fill(&rc.app, &rc.ctx, id).await.map(|_| ());
    after(&rc, id, r).await
}

pub async fn self_assess(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    require_perm(&rc, Perm::PurchaseRead)?;
    let form = form_pairs(&body);
    let typed: Vec<(String, String)> = form
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("score_").map(|c| (c.to_owned(), v.clone())))
        .collect();
    let r = app::self_assess(&rc.app, &rc.ctx, id, &typed).await;
    after(&rc, id, r).await
}

pub async fn appeal(
    rc: Rc,
    Path((id, entry)): Path<(i64, i64)>,
    RawForm(body): RawForm,
) -> PageResult {
    require_perm(&rc, Perm::PurchaseRead)?;
    let form = form_pairs(&body);
    let r = app::appeal(&rc.app, &rc.ctx, entry, form_get(&form, "text")).await;
    after(&rc, id, r).await
}

pub async fn answer(
    rc: Rc,
    Path((id, entry)): Path<(i64, i64)>,
    RawForm(body): RawForm,
) -> PageResult {
    require_perm(&rc, Perm::PurchaseManage)?;
    let form = form_pairs(&body);
    let typed: Vec<(String, String)> = form
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .filter_map(|(k, v)| k.strip_prefix("score_").map(|c| (c.to_owned(), v.clone())))
        .collect();
    let r = app::answer_appeal(&rc.app, &rc.ctx, entry, form_get(&form, "text"), &typed).await;
    after(&rc, id, r).await
}

// ---- an entry and its evidence -------------------------------------------------------------

#[derive(Template)]
#[template(path = "awards/entry.html")]
struct EntryPage {
    p: Page,
    list_id: i64,
    entry_id: i64,
    list_title: String,
    subject: String,
    /// (indicator, points, where they come from)
    rows: Vec<(String, String, String)>,
    total: i64,
    grade: String,
    /// (id, file name, when)
    files: Vec<(i64, String, String)>,
    may_attach: bool,
    messages: Vec<String>,
}

async fn entry_page(rc: &Rc, entry: i64, messages: Vec<String>) -> PageResult {
    let v = app::entry_view(&rc.app, &rc.ctx, entry).await.page(rc)?;
    let points: Vec<&str> = v.entry.scores.split(',').collect();
    let page = EntryPage {
        p: Page::new(rc, "award-entry-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/award-lists", rc.tr.t("awards-title"))
            .crumb(&format!("/award-lists/{}", v.list.id), v.list.title.clone())
            .crumb("", v.entry.subject_name.clone()),
        list_id: v.list.id,
        entry_id: entry,
        list_title: v.list.title.clone(),
        subject: v.entry.subject_name.clone(),
        rows: v
            .scheme
            .indicators
            .iter()
            .enumerate()
            .map(|(n, i)| {
                (
                    i.name.clone(),
                    points.get(n).copied().unwrap_or("").to_owned(),
                    if i.source.is_empty() {
                        rc.tr.t("award-by-hand").to_owned()
                    } else {
                        rc.tr.t(&format!("award-source-{}", i.source)).to_owned()
                    },
                )
            })
            .collect(),
        total: v.entry.total,
        grade: v.entry.grade.clone(),
        files: v
            .files
            .iter()
            .map(|f| (f.id, f.file_name.clone(), datetime(f.created_at)))
            .collect(),
        may_attach: v.may_attach,
        messages,
    };
    let mut r = with_page(rc, &page);
    if !page.messages.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn entry(rc: Rc, Path(id): Path<i64>) -> PageResult {
    entry_page(&rc, id, Vec::new()).await
}

/// Adds evidence from the entry's page (a photo, minutes, a document).
pub async fn attach(
    rc: Rc,
    Path(id): Path<i64>,
    mp: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    // Refused before the upload is read: readers of purchase lists only.
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    if !sanshe_app::authz::can(actor, sanshe_app::authz::Perm::PurchaseRead) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let file = match mp {
        Ok(mp) => crate::pages::read_file_field(mp, "file").await,
        Err(_) => None,
    };
    let r = match file {
        Some((name, bytes)) => app::attach(&rc.app, &rc.ctx, id, &name, &bytes)
            .await
            .map(|_| ()),
        None => Err(AppError::invalid(sanshe_domain::FieldError::new(
            "file",
            "err-import-no-file",
        ))),
    };
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/award-entries/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            entry_page(&rc, id, fs.iter().map(|f| rc.tr.field_error(f)).collect()).await
        }
        Err(AppError::Conflict(f)) => entry_page(&rc, id, vec![rc.tr.field_error(&f)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

pub async fn file(rc: Rc, Path((id, aid)): Path<(i64, i64)>) -> PageResult {
    let (a, bytes) = app::evidence_file(&rc.app, &rc.ctx, id, aid)
        .await
        .page(&rc)?;
    Ok(crate::pages::file_download(
        &a.file_name,
        &a.content_type,
        bytes,
    ))
}
