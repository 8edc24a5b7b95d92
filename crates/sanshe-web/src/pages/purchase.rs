//! Purchase of services: the catalog page with budget lines, import and export; the project
//! list, form and page (the call, its applications and actions); an organization's
//! application form and page with its eligibility screen.

use super::needs::{category_name, timeline, Step};
use super::registry::ConfirmPage;
use super::{opt_i64, read_upload, FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{datetime, opt_datetime, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Multipart, Path, Query, RawForm};
use axum::Form;
use sanshe_app::authz::{self, Perm};
use sanshe_app::purchase::{self as app, applications, projects};
use sanshe_app::registry::yuan;
use sanshe_app::AppError;
use sanshe_domain::purchase::{Applications, Catalogs, Level, Projects, METHODS, NATURES};
use sanshe_domain::workflow::Workflow;
use sanshe_store::needs::Category;
use sanshe_store::purchase::{ApplicationRow, ItemFilter, LineRow, ProjectFilter, ProjectRow};
use serde::Deserialize;

pub fn project_state_key(s: &str) -> String {
    format!("project-state-{s}")
}
pub fn project_event_key(e: &str) -> String {
    format!("project-event-{e}")
}
pub fn application_state_key(s: &str) -> String {
    format!("application-state-{s}")
}
pub fn application_event_key(e: &str) -> String {
    format!("application-event-{e}")
}
pub fn catalog_state_key(s: &str) -> String {
    format!("catalog-state-{s}")
}
pub fn catalog_event_key(e: &str) -> String {
    format!("catalog-event-{e}")
}

/// Every locale key built from the purchase vocabularies (for the key test).
#[cfg(test)]
pub fn vocabulary_keys() -> Vec<String> {
    let mut k: Vec<String> = Vec::new();
    k.extend(
        Projects::STATES
            .iter()
            .map(|s| project_state_key(Projects::state_name(*s))),
    );
    k.extend(
        Projects::EVENTS
            .iter()
            .map(|e| project_event_key(Projects::event_name(*e))),
    );
    k.extend(
        Projects::EVENTS
            .iter()
            .map(|e| format!("project-hint-{}", Projects::event_name(*e))),
    );
    k.extend(
        Applications::STATES
            .iter()
            .map(|s| application_state_key(Applications::state_name(*s))),
    );
    k.extend(
        Applications::EVENTS
            .iter()
            .map(|e| application_event_key(Applications::event_name(*e))),
    );
    k.extend(
        Catalogs::STATES
            .iter()
            .map(|s| catalog_state_key(Catalogs::state_name(*s))),
    );
    k.extend(
        Catalogs::EVENTS
            .iter()
            .map(|e| catalog_event_key(Catalogs::event_name(*e))),
    );
    k.extend(NATURES.iter().map(|(n, _)| format!("nature-{n}")));
    k.extend(METHODS.iter().map(|m| format!("method-{m}")));
    k.extend(
        sanshe_domain::purchase::POOL_KINDS
            .iter()
            .map(|p| format!("pool-kind-{p}")),
    );
    k.extend(
        sanshe_domain::purchase::DEFAULT_RUBRIC
            .iter()
            .map(|c| format!("criterion-guide-{}", c.key)),
    );
    k.extend(
        sanshe_domain::purchase::FINDINGS
            .iter()
            .map(|f| (*f).to_owned()),
    );
    for s in ["pass", "warn", "fail"] {
        k.push(format!("elig-level-{s}"));
    }
    for s in ["drawn", "cleared", "recused"] {
        k.push(format!("member-state-{s}"));
    }
    for r in sanshe_domain::purchase::TIE_RELATIONS {
        k.push(format!("tie-{r}"));
    }
    for s in ["pending", "upheld", "dismissed"] {
        k.push(format!("objection-state-{s}"));
        k.push(super::inbox::kind_key(&format!("objection.{s}")));
    }
    for e in ["uphold", "dismiss"] {
        k.push(format!("objection-event-{e}"));
    }
    for s in ["draft", "signed", "completed"] {
        k.push(format!("contract-state-{s}"));
    }
    for s in ["scheduled", "ready", "paid"] {
        k.push(format!("tranche-state-{s}"));
    }
    {
        use sanshe_domain::purchase::Reports;
        k.extend(
            Reports::STATES
                .iter()
                .map(|s| format!("report-state-{}", Reports::state_name(*s))),
        );
        k.extend(
            Reports::EVENTS
                .iter()
                .map(|e| format!("report-event-{}", Reports::event_name(*e))),
        );
        for e in Reports::EVENTS {
            k.push(super::inbox::kind_key(&format!(
                "report.{}",
                Reports::event_name(*e)
            )));
        }
        k.extend(
            sanshe_domain::purchase::REPORT_KINDS
                .iter()
                .map(|r| format!("report-kind-{r}")),
        );
        for step in [
            "award",
            "answer_objection",
            "sign_contract",
            "pay_tranche",
            "review_report",
        ] {
            k.push(format!("step-{step}"));
            k.push(super::inbox::kind_key(&format!("reminder.{step}")));
            k.push(super::inbox::kind_key(&format!("reminder.{step}.overdue")));
        }
        for kind in [
            "question.asked",
            "question.answered",
            "recusal.requested",
            "recusal.upheld",
            "recusal.dismissed",
        ] {
            k.push(super::inbox::kind_key(kind));
        }
        for kind in [
            "report.submitted",
            "delivery.lapsed",
            "contract.team",
            "contract.completed",
            "reminder.apply",
            "reminder.registration",
        ] {
            k.push(super::inbox::kind_key(kind));
        }
    }
    for g in sanshe_domain::purchase::GATES {
        k.push(format!("gate-{g}"));
    }
    for c in sanshe_domain::purchase::CLAUSES {
        k.push(format!("clause-{c}"));
    }
    for n in [
        "panel.drawn",
        "panel.recused",
        "award.won",
        "award.result",
        "contract.signed",
        "tranche.paid",
    ] {
        k.push(super::inbox::kind_key(n));
    }
    for s in Projects::STATES {
        k.push(super::inbox::kind_key(&format!(
            "project.{}",
            Projects::state_name(*s)
        )));
    }
    k
}

/// A finding in words: the rule with its figures, codes of vocabularies in words.
pub fn finding_text(tr: &sanshe_app::i18n::Tr, f: &sanshe_domain::purchase::Finding) -> String {
    let args: Vec<(&str, String)> = f
        .args
        .iter()
        .map(|(k, v)| {
            let shown = match *k {
                "status" => tr.t(&format!("org-status-{v}")).to_owned(),
                "result" => tr.t(&format!("annual-result-{v}")).to_owned(),
                "kind" => tr.t(&format!("org-kind-{v}")).to_owned(),
                "grade" => tr.t(&format!("grade-{v}")).to_owned(),
                // The grade below the minimum, if any: "（良）".
                "below" if !v.is_empty() => tr.f(
                    "elig-history-below",
                    &[("grade", tr.t(&format!("grade-{v}")))],
                ),
                _ => v.clone(),
            };
            (*k, shown)
        })
        .collect();
    tr.f(f.code, &args)
}

/// The first step of a record is its creation: named as such (not "submitted").
fn created_as(mut steps: Vec<Step>, label: &str) -> Vec<Step> {
    if let Some(first) = steps.first_mut() {
        first.event = label.to_owned();
    }
    steps
}

fn categories_for(rc: &Rc, cats: &[Category]) -> Vec<(String, String)> {
    cats.iter()
        .filter(|c| c.active)
        .map(|c| (c.code.clone(), category_name(cats, &rc.tr, &c.code)))
        .collect()
}

fn base(rc: &Rc, title: &str) -> Page {
    Page::new(rc, title)
        .crumb("/", rc.tr.t("nav-home"))
        .crumb("/purchase/projects", rc.tr.t("nav-purchase"))
}

// ---- the catalog ---------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct CatalogQuery {
    pub year: Option<String>,
    pub q: Option<String>,
    pub category: Option<String>,
    pub page: Option<String>,
}

impl CatalogQuery {
    fn year(&self) -> i64 {
        opt_i64(&self.year)
            .ok()
            .flatten()
            .unwrap_or_else(app::this_year)
    }
}

pub struct ItemLine {
    pub id: i64,
    pub code: String,
    pub category: String,
    pub name: String,
    pub content: String,
    pub kinds: String,
    pub min_rating: i64,
    pub ceiling: String,
    pub line: String,
}

pub struct BudgetLineView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub amount: String,
    pub committed: String,
    pub available: String,
    pub share: i64,
}

fn budget_lines(lines: &[LineRow]) -> Vec<BudgetLineView> {
    lines
        .iter()
        .map(|l| BudgetLineView {
            id: l.id,
            code: l.code.clone(),
            name: l.name.clone(),
            amount: yuan(l.amount_fen),
            committed: yuan(l.committed_fen),
            available: yuan(l.available_fen()),
            share: if l.amount_fen > 0 {
                l.committed_fen * 100 / l.amount_fen
            } else {
                0
            },
        })
        .collect()
}

fn kinds_label(rc: &Rc, kinds: &str) -> String {
    if kinds.is_empty() {
        return rc.tr.t("purchase-any-kind").to_owned();
    }
    kinds
        .split(',')
        .map(|k| rc.tr.t(&format!("org-kind-{k}")).to_owned())
        .collect::<Vec<_>>()
        .join("、")
}

fn item_lines(rc: &Rc, cats: &[Category], v: &app::CatalogView) -> Vec<ItemLine> {
    v.items
        .items
        .iter()
        .map(|i| ItemLine {
            id: i.id,
            code: i.data.code.clone(),
            category: category_name(cats, &rc.tr, &i.data.category),
            name: i.data.name.clone(),
            content: i.data.content.clone(),
            kinds: kinds_label(rc, &i.data.provider_kinds),
            min_rating: i.data.min_rating,
            ceiling: yuan(i.data.price_ceiling_fen),
            line: format!("{} {}", i.line_code, i.line_name),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "purchase/catalog.html")]
struct CatalogPage {
    p: Page,
    q: CatalogQuery,
    year: i64,
    years: Vec<i64>,
    state: String,
    state_label: String,
    version: i64,
    published: String,
    events: Vec<(String, String)>,
    lines: Vec<BudgetLineView>,
    items: Vec<ItemLine>,
    categories: Vec<(String, String)>,
    pager: Pager,
    can_manage: bool,
    draft: bool,
    messages: Vec<String>,
}

async fn catalog_page(rc: &Rc, q: CatalogQuery, messages: Vec<String>) -> PageResult {
    let year = q.year();
    let page = opt_i64(&q.page).unwrap_or(None);
    let v = app::catalog(
        &rc.app,
        &rc.ctx,
        year,
        ItemFilter {
            catalog_id: 0,
            category: q.category.clone().filter(|v| !v.trim().is_empty()),
            q: q.q.clone().filter(|v| !v.trim().is_empty()),
        },
        crate::view::page_req(page, Some(50)),
    )
    .await
    .page(rc)?;
    let cats = sanshe_app::needs::categories(&rc.app).await.page(rc)?;
    let state = v
        .catalog
        .as_ref()
        .map(|c| c.state.clone())
        .unwrap_or_else(|| "draft".into());
    let mut years = v.years.clone();
    for y in [app::this_year(), app::this_year() + 1, year] {
        if !years.contains(&y) {
            years.push(y);
        }
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let params = vec![
        ("year", year.to_string()),
        ("q", q.q.clone().unwrap_or_default()),
        ("category", q.category.clone().unwrap_or_default()),
    ];
    let page = CatalogPage {
        p: base(rc, "catalog-title").crumb("", format!("{} {year}", rc.tr.t("catalog-title"))),
        year,
        years,
        state_label: rc.tr.t(&catalog_state_key(&state)).to_owned(),
        draft: state == "draft",
        state,
        version: v.catalog.as_ref().map(|c| c.version).unwrap_or(0),
        published: opt_datetime(v.catalog.as_ref().and_then(|c| c.published_at)),
        events: v
            .offered
            .iter()
            .map(|e| {
                let n = Catalogs::event_name(*e);
                (n.to_owned(), rc.tr.t(&catalog_event_key(n)).to_owned())
            })
            .collect(),
        lines: budget_lines(&v.lines),
        items: item_lines(rc, &cats, &v),
        categories: categories_for(rc, &cats),
        pager: Pager::new("/purchase/catalog", &params, &v.items),
        can_manage: v.can_manage,
        messages,
        q,
    };
    Ok(with_page(rc, &page))
}

pub async fn catalog(rc: Rc, Query(q): Query<CatalogQuery>) -> PageResult {
    catalog_page(&rc, q, Vec::new()).await
}

#[derive(Deserialize, Default)]
pub struct LineForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub amount: String,
}

fn errors_text(rc: &Rc, e: &AppError) -> Option<Vec<String>> {
    match e {
        AppError::Invalid(fs) => Some(fs.iter().map(|f| rc.tr.field_error(f)).collect()),
        AppError::Conflict(f) => Some(vec![rc.tr.field_error(f)]),
        _ => None,
    }
}

fn year_query(year: &str) -> CatalogQuery {
    CatalogQuery {
        year: Some(year.to_owned()),
        ..Default::default()
    }
}

pub async fn add_line(rc: Rc, Form(f): Form<LineForm>) -> PageResult {
    let q = year_query(&f.year);
    let year = q.year();
    let r = app::add_line(
        &rc.app,
        &rc.ctx,
        year,
        &app::LineInput {
            code: f.code,
            name: f.name,
            amount: f.amount,
        },
    )
    .await;
    match r {
        Ok(_) => Ok(redirect_flash(
            &format!("/purchase/catalog?year={year}"),
            "flash-saved",
        )),
        Err(e) => match errors_text(&rc, &e) {
            Some(m) => unprocessable(catalog_page(&rc, q, m).await),
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn update_line(rc: Rc, Path(id): Path<i64>, Form(f): Form<LineForm>) -> PageResult {
    let q = year_query(&f.year);
    let year = q.year();
    let r = app::update_line(
        &rc.app,
        &rc.ctx,
        id,
        &app::LineInput {
            code: String::new(),
            name: f.name,
            amount: f.amount,
        },
    )
    .await;
    match r {
        Ok(_) => Ok(redirect_flash(
            &format!("/purchase/catalog?year={year}"),
            "flash-saved",
        )),
        Err(e) => match errors_text(&rc, &e) {
            Some(m) => unprocessable(catalog_page(&rc, q, m).await),
            None => Err(PageError::new(e, &rc)),
        },
    }
}

fn unprocessable(r: PageResult) -> PageResult {
    let mut r = r?;
    *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

#[derive(Deserialize, Default)]
pub struct CatalogTransitionForm {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub version: Option<i64>,
}

pub async fn catalog_transition(rc: Rc, Form(f): Form<CatalogTransitionForm>) -> PageResult {
    let q = year_query(&f.year);
    let year = q.year();
    match app::catalog_transition(&rc.app, &rc.ctx, year, &f.event, f.version).await {
        Ok(_) => Ok(redirect_flash(
            &format!("/purchase/catalog?year={year}"),
            "flash-saved",
        )),
        Err(e) => match errors_text(&rc, &e) {
            Some(m) => unprocessable(catalog_page(&rc, q, m).await),
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn import_items(rc: Rc, Query(q): Query<CatalogQuery>, mp: Multipart) -> PageResult {
    authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?,
        Perm::PurchaseManage,
    )
    .page(&rc)?;
    let year = q.year();
    let (file, opts) = read_upload(mp).await;
    let Some(bytes) = file else {
        let m = vec![rc.tr.t("err-import-no-file").to_owned()];
        return unprocessable(catalog_page(&rc, q, m).await);
    };
    let r = app::import_items(&rc.app, &rc.ctx, year, &bytes, opts)
        .await
        .page(&rc)?;
    if r.committed && r.issues.is_empty() {
        return Ok(redirect_flash(
            &format!("/purchase/catalog?year={year}"),
            "flash-imported",
        ));
    }
    let mut m: Vec<String> = super::import_messages(&rc, &r);
    if r.dry_run && r.issues.is_empty() {
        m.push(
            rc.tr
                .f("import-dry-run-ok", &[("n", r.valid_rows.to_string())]),
        );
    }
    let mut resp = catalog_page(&rc, q, m).await?;
    if !r.issues.is_empty() {
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

pub async fn export_items(
    rc: Rc,
    Path(format): Path<String>,
    Query(q): Query<CatalogQuery>,
) -> PageResult {
    let year = q.year();
    let rows = app::export_rows(&rc.app, &rc.ctx, year).await.page(&rc)?;
    let headers: Vec<&str> = app::COLUMNS.iter().map(|c| c.zh).collect();
    super::areas::file_response(&rc, &format, &format!("catalog-{year}"), &headers, &rows)
}

#[derive(Template)]
#[template(path = "purchase/item_form.html")]
struct ItemFormPage {
    p: Page,
    id: Option<i64>,
    year: i64,
    f: app::ItemInput,
    errors: FormErrors,
    others: Vec<String>,
    categories: Vec<(String, String)>,
    lines: Vec<(String, String)>,
    kinds: Vec<(String, String, bool)>,
    natures: Vec<(String, String)>,
}

async fn item_form(
    rc: &Rc,
    id: Option<i64>,
    year: i64,
    f: app::ItemInput,
    errors: FormErrors,
) -> PageResult {
    authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(rc)?,
        Perm::PurchaseManage,
    )
    .page(rc)?;
    let v = app::catalog(
        &rc.app,
        &rc.ctx,
        year,
        ItemFilter::default(),
        crate::view::page_req(None, Some(1)),
    )
    .await
    .page(rc)?;
    let cats = sanshe_app::needs::categories(&rc.app).await.page(rc)?;
    let chosen: Vec<&str> = f.provider_kinds.split(',').map(str::trim).collect();
    let title = if id.is_some() {
        "catalog-item-edit"
    } else {
        "catalog-item-new"
    };
    let page = ItemFormPage {
        p: base(rc, title)
            .crumb(
                &format!("/purchase/catalog?year={year}"),
                format!("{} {year}", rc.tr.t("catalog-title")),
            )
            .crumb("", rc.tr.t(title)),
        id,
        year,
        others: errors.others(&[
            "code",
            "category",
            "name",
            "content",
            "standards",
            "provider_kinds",
            "min_rating",
            "price_ceiling",
            "budget_line",
            "nature",
        ]),
        categories: categories_for(rc, &cats),
        lines: v
            .lines
            .iter()
            .map(|l| {
                (
                    l.code.clone(),
                    format!("{} {} (¥{})", l.code, l.name, yuan(l.available_fen())),
                )
            })
            .collect(),
        kinds: sanshe_domain::registry::ORG_KIND
            .keys
            .iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    rc.tr.t(&format!("org-kind-{k}")).to_owned(),
                    chosen.contains(k),
                )
            })
            .collect(),
        natures: NATURES
            .iter()
            .map(|(n, _)| ((*n).to_owned(), rc.tr.t(&format!("nature-{n}")).to_owned()))
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

pub async fn new_item(rc: Rc, Query(q): Query<CatalogQuery>) -> PageResult {
    item_form(
        &rc,
        None,
        q.year(),
        app::ItemInput {
            nature: "service".into(),
            ..Default::default()
        },
        FormErrors::default(),
    )
    .await
}

/// The item form posts `provider_kinds` once per ticked box.
fn item_from_form(body: &[u8]) -> (String, app::ItemInput) {
    let mut f = app::ItemInput::default();
    let mut year = String::new();
    let mut kinds = Vec::new();
    for (k, v) in form_urlencoded::parse(body) {
        let v = v.into_owned();
        match k.as_ref() {
            "year" => year = v,
            "code" => f.code = v,
            "category" => f.category = v,
            "name" => f.name = v,
            "content" => f.content = v,
            "standards" => f.standards = v,
            "provider_kinds" => kinds.push(v),
            "min_rating" => f.min_rating = v,
            "price_ceiling" => f.price_ceiling = v,
            "budget_line" => f.budget_line = v,
            "nature" => f.nature = v,
            _ => {}
        }
    }
    f.provider_kinds = kinds.join(",");
    (year, f)
}

pub async fn create_item(rc: Rc, RawForm(body): RawForm) -> PageResult {
    let (year, f) = item_from_form(&body);
    let year = year_query(&year).year();
    match app::save_item(&rc.app, &rc.ctx, year, None, &f).await {
        Ok(_) => Ok(redirect_flash(
            &format!("/purchase/catalog?year={year}"),
            "flash-saved",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errs) => item_form(&rc, None, year, f, errs).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn edit_item(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let i = app::get_item(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let f = app::ItemInput {
        code: i.data.code.clone(),
        category: i.data.category.clone(),
        name: i.data.name.clone(),
        content: i.data.content.clone(),
        standards: i.data.standards.clone(),
        provider_kinds: i.data.provider_kinds.clone(),
        min_rating: i.data.min_rating.to_string(),
        price_ceiling: yuan(i.data.price_ceiling_fen),
        budget_line: i.line_code.clone(),
        nature: "service".into(),
    };
    item_form(&rc, Some(id), i.year, f, FormErrors::default()).await
}

pub async fn update_item(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let i = app::get_item(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let (_, f) = item_from_form(&body);
    match app::save_item(&rc.app, &rc.ctx, i.year, Some(id), &f).await {
        Ok(_) => Ok(redirect_flash(
            &format!("/purchase/catalog?year={}", i.year),
            "flash-saved",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errs) => item_form(&rc, Some(id), i.year, f, errs).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn delete_item_form(rc: Rc, Path(id): Path<i64>) -> PageResult {
    authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?,
        Perm::PurchaseManage,
    )
    .page(&rc)?;
    let i = app::get_item(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let page = ConfirmPage {
        p: base(&rc, "delete-title").crumb("", rc.tr.t("delete-title")),
        message: rc.tr.f(
            "delete-confirm",
            &[("name", format!("{} {}", i.data.code, i.data.name))],
        ),
        action: format!("/purchase/catalog/items/{id}/delete"),
        cancel: format!("/purchase/catalog?year={}", i.year),
    };
    Ok(with_page(&rc, &page))
}

pub async fn delete_item(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<super::registry::DeleteForm>,
) -> PageResult {
    authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?,
        Perm::PurchaseManage,
    )
    .page(&rc)?;
    if f.confirm != "yes" {
        return Err(PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new("confirm", "err-confirm")),
            &rc,
        ));
    }
    let i = app::get_item(&rc.app, &rc.ctx, id).await.page(&rc)?;
    match app::delete_item(&rc.app, &rc.ctx, id).await {
        Ok(()) => Ok(redirect_flash(
            &format!("/purchase/catalog?year={}", i.year),
            "flash-deleted",
        )),
        Err(e) => match errors_text(&rc, &e) {
            Some(m) => {
                let mut r = catalog_page(&rc, year_query(&i.year.to_string()), m).await?;
                *r.status_mut() = axum::http::StatusCode::CONFLICT;
                Ok(r)
            }
            None => Err(PageError::new(e, &rc)),
        },
    }
}

// ---- projects ------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct ProjectQuery {
    pub q: Option<String>,
    pub state: Option<String>,
    pub page: Option<String>,
}

pub struct ProjectLine {
    pub id: i64,
    pub title: String,
    pub item: String,
    pub category: String,
    pub amount: String,
    pub state: String,
    pub state_label: String,
    pub deadline: String,
    pub submitted: i64,
}

fn project_line(rc: &Rc, cats: &[Category], p: &ProjectRow) -> ProjectLine {
    ProjectLine {
        id: p.id,
        title: p.data.title.clone(),
        item: format!("{} {}", p.item_code, p.item_name),
        category: category_name(cats, &rc.tr, &p.category),
        amount: yuan(p.data.amount_fen),
        state_label: rc.tr.t(&project_state_key(&p.state)).to_owned(),
        state: p.state.clone(),
        deadline: p.deadline.clone().unwrap_or_default(),
        submitted: p.submitted,
    }
}

#[derive(Template)]
#[template(path = "purchase/projects.html")]
struct ProjectsPage {
    p: Page,
    q: ProjectQuery,
    states: Vec<(String, String)>,
    rows: Vec<ProjectLine>,
    pager: Pager,
    can_manage: bool,
    is_org: bool,
    is_evaluator: bool,
}

pub async fn projects(rc: Rc, Query(q): Query<ProjectQuery>) -> PageResult {
    let page = opt_i64(&q.page).unwrap_or(None);
    let f = ProjectFilter {
        q: q.q.clone().filter(|v| !v.trim().is_empty()),
        state: q
            .state
            .clone()
            .filter(|s| Projects::parse_state(s).is_some()),
        ..Default::default()
    };
    let res = projects::list(&rc.app, &rc.ctx, f, crate::view::page_req(page, Some(30)))
        .await
        .page(&rc)?;
    let cats = sanshe_app::needs::categories(&rc.app).await.page(&rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    let params = vec![
        ("q", q.q.clone().unwrap_or_default()),
        ("state", q.state.clone().unwrap_or_default()),
    ];
    let page = ProjectsPage {
        p: Page::new(&rc, "projects-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("", rc.tr.t("nav-purchase")),
        states: Projects::STATES
            .iter()
            .map(|s| {
                let n = Projects::state_name(*s);
                (n.to_owned(), rc.tr.t(&project_state_key(n)).to_owned())
            })
            .collect(),
        rows: res
            .items
            .iter()
            .map(|p| project_line(&rc, &cats, p))
            .collect(),
        pager: Pager::new("/purchase/projects", &params, &res),
        can_manage: authz::can(actor, Perm::PurchaseManage),
        is_org: authz::can(actor, Perm::PurchaseApply),
        is_evaluator: authz::can(actor, Perm::PanelServe),
        q,
    };
    Ok(with_page(&rc, &page))
}

#[derive(Template)]
#[template(path = "purchase/project_form.html")]
struct ProjectFormPage {
    p: Page,
    id: Option<i64>,
    f: projects::ProjectInput,
    errors: FormErrors,
    others: Vec<String>,
    items: Vec<(String, String)>,
    methods: Vec<(String, String)>,
    communities: String,
    /// (criterion key, weight as typed, guidance as typed)
    weights: Vec<(&'static str, String, String)>,
}

async fn project_form(
    rc: &Rc,
    id: Option<i64>,
    f: projects::ProjectInput,
    errors: FormErrors,
) -> PageResult {
    authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(rc)?,
        Perm::PurchaseManage,
    )
    .page(rc)?;
    let mut items = Vec::new();
    for y in [app::this_year(), app::this_year() + 1] {
        let v = app::catalog(
            &rc.app,
            &rc.ctx,
            y,
            ItemFilter::default(),
            sanshe_store::PageReq {
                page: 1,
                per_page: 1000,
            },
        )
        .await
        .page(rc)?;
        items.extend(v.items.items.iter().map(|i| {
            (
                i.id.to_string(),
                format!(
                    "{} {} {} (≤ ¥{})",
                    i.year,
                    i.data.code,
                    i.data.name,
                    yuan(i.data.price_ceiling_fen)
                ),
            )
        }));
    }
    let title = if id.is_some() {
        "project-edit"
    } else {
        "project-new"
    };
    let page = ProjectFormPage {
        weights: vec![
            ("need", f.w_need.clone(), f.g_need.clone()),
            ("acceptance", f.w_acceptance.clone(), f.g_acceptance.clone()),
            ("innovation", f.w_innovation.clone(), f.g_innovation.clone()),
            (
                "effectiveness",
                f.w_effectiveness.clone(),
                f.g_effectiveness.clone(),
            ),
            (
                "replicability",
                f.w_replicability.clone(),
                f.g_replicability.clone(),
            ),
        ],
        p: base(rc, title).crumb("", rc.tr.t(title)),
        id,
        others: errors.others(&[
            "history_min_grade",
            "history_bonus",
            "history_penalty",
            "item",
            "proposal",
            "title",
            "description",
            "amount",
            "beneficiaries",
            "service_hours",
            "activities",
            "outcomes",
            "method",
            "justification",
            "single_source_org",
            "min_team",
            "min_intermediate",
            "start_date",
            "end_date",
            "apply_days",
            "communities",
            "rubric",
            "w_need",
            "w_acceptance",
            "w_innovation",
            "w_effectiveness",
            "w_replicability",
            "g_need",
            "g_acceptance",
            "g_innovation",
            "g_effectiveness",
            "g_replicability",
        ]),
        items,
        methods: METHODS
            .iter()
            .map(|m| ((*m).to_owned(), rc.tr.t(&format!("method-{m}")).to_owned()))
            .collect(),
        communities: f.communities.join(" "),
        f,
        errors,
    };
    let mut r = with_page(rc, &page);
    if !page.errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

#[derive(Deserialize, Default)]
pub struct NewProjectQuery {
    pub proposal: Option<String>,
}

pub async fn new_project(rc: Rc, Query(q): Query<NewProjectQuery>) -> PageResult {
    project_form(
        &rc,
        None,
        projects::ProjectInput {
            proposal: q.proposal.unwrap_or_default(),
            method: "public_call".into(),
            one_per_org: "true".into(),
            min_team: "2".into(),
            min_intermediate: "1".into(),
            ..Default::default()
        },
        FormErrors::default(),
    )
    .await
}

fn project_from_form(body: &[u8]) -> projects::ProjectInput {
    let mut f = projects::ProjectInput::default();
    let mut one = false;
    for (k, v) in form_urlencoded::parse(body) {
        let v = v.into_owned();
        match k.as_ref() {
            "item" => f.item = v,
            "proposal" => f.proposal = v,
            "title" => f.title = v,
            "description" => f.description = v,
            "amount" => f.amount = v,
            "beneficiaries" => f.beneficiaries = v,
            "service_hours" => f.service_hours = v,
            "activities" => f.activities = v,
            "outcomes" => f.outcomes = v,
            "method" => f.method = v,
            "justification" => f.justification = v,
            "single_source_org" => f.single_source_org = v,
            "min_team" => f.min_team = v,
            "min_intermediate" => f.min_intermediate = v,
            "one_per_org" => one = true,
            "history_min_grade" => f.history_min_grade = v,
            "history_exclude_poor" => f.history_exclude_poor = v,
            "history_bonus" => f.history_bonus = v,
            "history_penalty" => f.history_penalty = v,
            "start_date" => f.start_date = v,
            "end_date" => f.end_date = v,
            "apply_days" => f.apply_days = v,
            "w_need" => f.w_need = v,
            "w_acceptance" => f.w_acceptance = v,
            "w_innovation" => f.w_innovation = v,
            "w_effectiveness" => f.w_effectiveness = v,
            "w_replicability" => f.w_replicability = v,
            "g_need" => f.g_need = v,
            "g_acceptance" => f.g_acceptance = v,
            "g_innovation" => f.g_innovation = v,
            "g_effectiveness" => f.g_effectiveness = v,
            "g_replicability" => f.g_replicability = v,
            "communities" => f.communities.extend(
                v.split([' ', ',', '，', '、', '\n', '\r', '\t'])
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            ),
            _ => {}
        }
    }
    f.one_per_org = if one { "true" } else { "false" }.into();
    f
}

pub async fn create_project(rc: Rc, RawForm(body): RawForm) -> PageResult {
    let f = project_from_form(&body);
    match projects::create(&rc.app, &rc.ctx, &f).await {
        Ok(id) => Ok(redirect_flash(
            &format!("/purchase/projects/{id}"),
            "flash-saved",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errs) => project_form(&rc, None, f, errs).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

fn project_input(p: &ProjectRow, communities: &[(String, String)]) -> projects::ProjectInput {
    let d = &p.data;
    let w = sanshe_domain::purchase::weights(&d.rubric);
    let [g_need, g_acceptance, g_innovation, g_effectiveness, g_replicability] =
        sanshe_domain::purchase::guides(&d.rubric_guide).map(Option::unwrap_or_default);
    projects::ProjectInput {
        g_need,
        g_acceptance,
        g_innovation,
        g_effectiveness,
        g_replicability,
        item: d.item_id.to_string(),
        proposal: d.proposal_id.map(|v| v.to_string()).unwrap_or_default(),
        title: d.title.clone(),
        description: d.description.clone(),
        amount: yuan(d.amount_fen),
        beneficiaries: d.beneficiaries.to_string(),
        service_hours: d.service_hours.to_string(),
        activities: d.activities.to_string(),
        outcomes: d.outcomes.clone(),
        method: d.method.clone(),
        justification: d.justification.clone(),
        single_source_org: d
            .single_source_org
            .map(|v| v.to_string())
            .unwrap_or_default(),
        min_team: d.min_team.to_string(),
        min_intermediate: d.min_intermediate.to_string(),
        one_per_org: d.one_per_org.to_string(),
        start_date: d.start_date.clone(),
        end_date: d.end_date.clone(),
        apply_days: d.apply_days.to_string(),
        communities: communities.iter().map(|c| c.0.clone()).collect(),
        w_need: w[0].to_string(),
        w_acceptance: w[1].to_string(),
        w_innovation: w[2].to_string(),
        w_effectiveness: w[3].to_string(),
        w_replicability: w[4].to_string(),
        history_min_grade: d.history_min_grade.clone(),
        history_exclude_poor: d.history_exclude_poor.to_string(),
        history_bonus: d.history_bonus.to_string(),
        history_penalty: d.history_penalty.to_string(),
    }
}

pub async fn edit_project(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let v = projects::get(&rc.app, &rc.ctx, id).await.page(&rc)?;
    if !v.can_manage {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    project_form(
        &rc,
        Some(id),
        project_input(&v.project, &v.communities),
        FormErrors::default(),
    )
    .await
}

pub async fn update_project(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let f = project_from_form(&body);
    match projects::update(&rc.app, &rc.ctx, id, &f).await {
        Ok(()) => Ok(redirect_flash(
            &format!("/purchase/projects/{id}"),
            "flash-saved",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errs) => project_form(&rc, Some(id), f, errs).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub struct AppLine {
    pub id: i64,
    pub org: String,
    pub amount: String,
    pub state: String,
    pub state_label: String,
    pub submitted: String,
    pub team: i64,
    pub beneficiaries: String,
}

fn app_line(rc: &Rc, a: &ApplicationRow) -> AppLine {
    AppLine {
        id: a.id,
        org: a.org_name.clone(),
        amount: yuan(a.data.amount_fen),
        state_label: rc.tr.t(&application_state_key(&a.state)).to_owned(),
        state: a.state.clone(),
        submitted: opt_datetime(a.submitted_at),
        team: a.team_size,
        beneficiaries: format!(
            "{} / {}",
            a.data.direct_beneficiaries, a.data.indirect_beneficiaries
        ),
    }
}

pub struct ProjectAction {
    pub event: String,
    pub label: String,
    pub hint: String,
    pub needs_reason: bool,
}

#[derive(Template)]
#[template(path = "purchase/project.html")]
struct ProjectPage {
    p: Page,
    pr: ProjectRow,
    category: String,
    state_label: String,
    method: String,
    amount: String,
    kinds: String,
    communities: Vec<(String, String)>,
    applications: Vec<AppLine>,
    own: Vec<AppLine>,
    can_manage: bool,
    can_apply: bool,
    actions: Vec<ProjectAction>,
    steps: Vec<Step>,
    errors: Vec<String>,
    panel: PanelSection,
    award: AwardSection,
    contract: ContractSection,
    qa: super::questions::QaSection,
}

pub struct ObjectionView {
    pub id: i64,
    pub org: String,
    pub text: String,
    pub state: String,
    pub state_label: String,
    pub due_on: String,
    pub reply: String,
    pub version: i64,
    pub created: String,
}

#[derive(Default)]
pub struct AwardSection {
    pub shown: bool,
    pub winner: Option<(i64, String, String)>,
    pub notice_until: String,
    pub objections: Vec<ObjectionView>,
    pub can_award: bool,
    pub can_object: bool,
    pub can_answer: bool,
    pub decide_by: String,
    /// Ranked candidates for the award form: (application id, label).
    pub candidates: Vec<(i64, String)>,
}

async fn award_section(
    rc: &Rc,
    p: &ProjectRow,
    can_manage: bool,
) -> Result<AwardSection, PageError> {
    if !matches!(p.state.as_str(), "reviewed" | "awarded" | "confirmed") {
        return Ok(AwardSection::default());
    }
    let v = sanshe_app::purchase::awards::view(&rc.app, &rc.ctx, p)
        .await
        .page(rc)?;
    let candidates = if v.can_award {
        let mut c = rc
            .app
            .db
            .acquire()
            .await
            .map_err(|e| PageError::new(e.into(), rc))?;
        sanshe_app::purchase::panel::report(&mut c, p)
            .await
            .page(rc)?
            .iter()
            .map(|l| {
                (
                    l.application.id,
                    format!(
                        "#{} {} — {} (¥{})",
                        l.rank.map(|r| r.to_string()).unwrap_or_default(),
                        l.application.org_name,
                        l.score.map(|s| format!("{s:.2}")).unwrap_or_default(),
                        yuan(l.application.data.amount_fen)
                    ),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(AwardSection {
        shown: true,
        winner: v
            .winner
            .as_ref()
            .map(|w| (w.id, w.org_name.clone(), yuan(w.data.amount_fen))),
        notice_until: v.notice_until.clone().unwrap_or_default(),
        objections: v
            .objections
            .iter()
            .map(|o| ObjectionView {
                id: o.id,
                org: o.org_name.clone(),
                text: o.text.clone(),
                state_label: rc.tr.t(&format!("objection-state-{}", o.state)).to_owned(),
                state: o.state.clone(),
                due_on: o.due_on.clone(),
                reply: o.reply.clone(),
                version: o.version,
                created: datetime(o.created_at),
            })
            .collect(),
        can_award: v.can_award,
        can_object: v.can_object,
        can_answer: can_manage,
        decide_by: v.decide_by.clone().unwrap_or_default(),
        candidates,
    })
}

#[derive(Deserialize, Default)]
pub struct AwardForm {
    #[serde(default)]
    pub application: String,
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub text: String,
}

pub async fn award(rc: Rc, Path(id): Path<i64>, Form(f): Form<AwardForm>) -> PageResult {
    let r = sanshe_app::purchase::awards::award(
        &rc.app,
        &rc.ctx,
        id,
        &sanshe_app::purchase::awards::AwardInput {
            application: f.application,
            version: f.version,
            text: f.text,
        },
    )
    .await;
    after_panel_step(&rc, id, r).await
}

pub async fn object(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<sanshe_app::purchase::awards::ObjectionInput>,
) -> PageResult {
    let r = sanshe_app::purchase::awards::object(&rc.app, &rc.ctx, id, &f)
        .await
        .map(|_| ());
    after_panel_step(&rc, id, r).await
}

pub async fn answer(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<sanshe_app::purchase::awards::AnswerInput>,
) -> PageResult {
    let project = {
        let mut c = rc
            .app
            .db
            .acquire()
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?;
        sanshe_store::purchase::objection(&mut c, id)
            .await
            .map_err(|e| PageError::new(e.into(), &rc))?
            .map(|o| o.project_id)
    };
    let r = sanshe_app::purchase::awards::answer(&rc.app, &rc.ctx, id, &f).await;
    match project {
        Some(p) => after_panel_step(&rc, p, r).await,
        None => Err(PageError::new(r.err().unwrap_or(AppError::NotFound), &rc)),
    }
}

pub struct MemberView {
    pub id: i64,
    pub seat: i64,
    pub name: String,
    /// Set for a purchaser's representative: the label shown beside the name.
    pub kind_label: String,
    pub affiliation: String,
    pub chair: bool,
    pub state: String,
    pub state_label: String,
    pub declaration: String,
    pub has_account: bool,
}

pub struct ResultView {
    pub rank: String,
    pub app_id: i64,
    pub org: String,
    pub score: String,
    pub flags: String,
    pub totals: String,
}

pub struct ScoreForm {
    pub app_id: i64,
    pub org: String,
    /// (key, label, max, guide, entered value)
    pub criteria: Vec<(String, String, i64, String, String)>,
}

#[derive(Default)]
pub struct PanelSection {
    pub shown: bool,
    pub drawn: bool,
    pub size: i64,
    pub min_size: i64,
    pub members: Vec<MemberView>,
    pub me: Option<(i64, String, bool)>,
    pub results: Option<Vec<ResultView>>,
    pub scoring: Vec<ScoreForm>,
    /// Cleared members an officer may enter a paper sheet for: (id, name).
    pub cleared: Vec<(i64, String)>,
    pub can_draw: bool,
    pub can_sign: bool,
    pub can_manage: bool,
    pub complete: bool,
    pub signed: String,
    /// The pool's representatives the officer may name at the draw: (id, name, affiliation).
    pub representatives: Vec<(i64, String, String)>,
}

async fn panel_section(rc: &Rc, p: &ProjectRow) -> Result<PanelSection, PageError> {
    if !matches!(p.state.as_str(), "closed" | "reviewing" | "reviewed") {
        return Ok(PanelSection::default());
    }
    let v = sanshe_app::purchase::panel::view(&rc.app, &rc.ctx, p)
        .await
        .page(rc)?;
    let me_id = v.me.as_ref().map(|m| m.id);
    let representatives = if v.can_draw && v.panel.is_none() {
        sanshe_app::purchase::panel::pool(&rc.app, &rc.ctx)
            .await
            .page(rc)?
            .experts
            .into_iter()
            .filter(|e| e.active && e.kind == "purchaser")
            .map(|e| (e.id, e.name, e.affiliation))
            .collect()
    } else {
        Vec::new()
    };
    let rubric = sanshe_domain::purchase::DEFAULT_RUBRIC;
    let label = |c: &sanshe_domain::purchase::Criterion| match rc.tr.lang {
        sanshe_app::i18n::Lang::Zh => c.zh.to_owned(),
        sanshe_app::i18n::Lang::En => c.en.to_owned(),
    };
    Ok(PanelSection {
        representatives,
        shown: v.can_manage || v.me.is_some(),
        drawn: v.panel.is_some(),
        size: v.panel.as_ref().map(|x| x.size).unwrap_or(0),
        min_size: v.min_size,
        members: v
            .members
            .iter()
            .map(|m| MemberView {
                id: m.id,
                seat: m.seat,
                name: m.name.clone(),
                kind_label: if m.kind == "purchaser" {
                    rc.tr.t("pool-kind-purchaser").to_owned()
                } else {
                    String::new()
                },
                affiliation: m.affiliation.clone(),
                chair: m.chair,
                state_label: rc.tr.t(&format!("member-state-{}", m.state)).to_owned(),
                state: m.state.clone(),
                declaration: m.declaration.clone(),
                has_account: m.user_id.is_some(),
            })
            .collect(),
        me: v.me.as_ref().map(|m| (m.id, m.state.clone(), m.chair)),
        results: v.results.as_ref().map(|r| {
            r.iter()
                .map(|l| ResultView {
                    rank: l.rank.map(|x| x.to_string()).unwrap_or_else(|| "—".into()),
                    app_id: l.application.id,
                    org: l.application.org_name.clone(),
                    score: l
                        .score
                        .map(|s| format!("{s:.2}"))
                        .unwrap_or_else(|| "—".into()),
                    flags: {
                        let mut f = Vec::new();
                        if l.history != 0 {
                            f.push(rc.tr.f(
                                "panel-flag-history",
                                &[("points", format!("{:+}", l.history))],
                            ));
                        }
                        if l.tie {
                            f.push(rc.tr.t("panel-flag-tie").to_owned());
                        }
                        if l.aggregate.as_ref().is_some_and(|a| a.gap) {
                            f.push(rc.tr.t("panel-flag-gap").to_owned());
                        }
                        if l.aggregate.as_ref().is_some_and(|a| a.trimmed) {
                            f.push(rc.tr.t("panel-flag-trimmed").to_owned());
                        }
                        f.join("、")
                    },
                    totals: l
                        .totals
                        .iter()
                        .map(|t| t.1.to_string())
                        .collect::<Vec<_>>()
                        .join(" / "),
                })
                .collect()
        }),
        scoring: if v.panel.as_ref().is_some_and(|x| x.signed_at.is_none())
            && p.state == "reviewing"
        {
            v.to_score
                .iter()
                .map(|(a, sheet)| ScoreForm {
                    app_id: a.id,
                    org: a.org_name.clone(),
                    criteria: rubric
                        .iter()
                        .zip(sanshe_domain::purchase::weights(&p.data.rubric))
                        .zip(sanshe_domain::purchase::guides(&p.data.rubric_guide))
                        .map(|((c, weight), guide)| {
                            let entered = sheet
                                .iter()
                                .find(|(m, k, _)| Some(*m) == me_id && k == c.key)
                                .map(|x| x.2.to_string())
                                .unwrap_or_default();
                            (
                                c.key.to_owned(),
                                label(c),
                                weight,
                                guide.unwrap_or_else(|| {
                                    rc.tr.t(&format!("criterion-guide-{}", c.key)).to_owned()
                                }),
                                entered,
                            )
                        })
                        .collect(),
                })
                .collect()
        } else {
            Vec::new()
        },
        cleared: if v.can_manage {
            v.members
                .iter()
                .filter(|m| m.state == "cleared" && m.user_id.is_none())
                .map(|m| (m.id, m.name.clone()))
                .collect()
        } else {
            Vec::new()
        },
        can_draw: v.can_draw,
        can_sign: v.can_sign,
        can_manage: v.can_manage,
        complete: v.complete,
        signed: match v.panel.as_ref().and_then(|x| x.signed_at) {
            Some(t) => format!(
                "{} {}",
                datetime(t),
                v.panel
                    .as_ref()
                    .and_then(|x| x.signed_by.clone())
                    .unwrap_or_default()
            ),
            None => String::new(),
        },
    })
}

/// The draw form: the size and the representatives ticked (repeated `representatives`).
pub async fn panel_draw(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let mut input = sanshe_app::purchase::panel::DrawInput::default();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "size" => input.size = v.into_owned(),
            "version" => input.version = v.parse().ok(),
            "representatives" => input.representatives.push(v.into_owned()),
            _ => {}
        }
    }
    let r = sanshe_app::purchase::panel::draw(&rc.app, &rc.ctx, id, &input).await;
    after_panel_step(&rc, id, r).await
}

async fn after_panel_step(rc: &Rc, id: i64, r: Result<(), AppError>) -> PageResult {
    match r {
        Ok(()) => Ok(redirect_flash(
            &format!("/purchase/projects/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            unprocessable(project_page(rc, id, errs).await)
        }
        Err(AppError::Conflict(e)) => project_page(rc, id, vec![rc.tr.field_error(&e)]).await,
        Err(e) => Err(PageError::new(e, rc)),
    }
}

#[derive(Deserialize, Default)]
pub struct DeclareForm {
    #[serde(default)]
    pub member: String,
    #[serde(default)]
    pub declaration: String,
    #[serde(default)]
    pub note: String,
}

pub async fn panel_declare(rc: Rc, Path(id): Path<i64>, Form(f): Form<DeclareForm>) -> PageResult {
    if !sanshe_app::authz::can(
        rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?,
        Perm::PanelServe,
    ) && !sanshe_app::authz::can(
        rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?,
        Perm::PurchaseManage,
    ) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let member: i64 = f.member.trim().parse().unwrap_or(0);
    let r = sanshe_app::purchase::panel::declare(
        &rc.app,
        &rc.ctx,
        member,
        &sanshe_app::purchase::panel::DeclarationInput {
            declaration: f.declaration,
            note: f.note,
        },
    )
    .await;
    let r = match r {
        Err(AppError::NotFound | AppError::Hidden) if member == 0 => Err(AppError::invalid(
            sanshe_domain::FieldError::new("member", "err-purchase-choice"),
        )),
        other => other,
    };
    after_panel_step(&rc, id, r).await
}

pub async fn panel_score(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    if !sanshe_app::authz::can(actor, Perm::PanelServe)
        && !sanshe_app::authz::can(actor, Perm::PurchaseManage)
    {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let mut member = 0i64;
    let mut application = 0i64;
    let mut input = sanshe_app::purchase::panel::ScoreInput::default();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "member" => member = v.trim().parse().unwrap_or(0),
            "application" => application = v.trim().parse().unwrap_or(0),
            "comment" => input.comment = v.into_owned(),
            key if sanshe_domain::purchase::DEFAULT_RUBRIC
                .iter()
                .any(|c| c.key == key) =>
            {
                input.scores.push((key.to_owned(), v.into_owned()))
            }
            _ => {}
        }
    }
    let r = sanshe_app::purchase::panel::score(&rc.app, &rc.ctx, member, application, &input).await;
    let r = match r {
        Err(AppError::NotFound | AppError::Hidden) if member == 0 || application == 0 => {
            Err(AppError::invalid(sanshe_domain::FieldError::new(
                "member",
                "err-purchase-choice",
            )))
        }
        other => other,
    };
    after_panel_step(&rc, id, r).await
}

pub async fn panel_sign(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let r = sanshe_app::purchase::panel::sign(&rc.app, &rc.ctx, id).await;
    after_panel_step(&rc, id, r).await
}

async fn project_page(rc: &Rc, id: i64, errors: Vec<String>) -> PageResult {
    let v = projects::get(&rc.app, &rc.ctx, id).await.page(rc)?;
    let cats = sanshe_app::needs::categories(&rc.app).await.page(rc)?;
    let page = ProjectPage {
        p: base(rc, "project-title").crumb("", format!("#{id} {}", v.project.data.title)),
        category: category_name(&cats, &rc.tr, &v.project.category),
        state_label: rc.tr.t(&project_state_key(&v.project.state)).to_owned(),
        method: rc
            .tr
            .t(&format!("method-{}", v.project.data.method))
            .to_owned(),
        amount: yuan(v.project.data.amount_fen),
        kinds: kinds_label(rc, &v.project.provider_kinds),
        communities: v.communities,
        applications: v.applications.iter().map(|a| app_line(rc, a)).collect(),
        own: v.own.iter().map(|a| app_line(rc, a)).collect(),
        can_manage: v.can_manage,
        can_apply: v.can_apply,
        actions: v
            .offered
            .iter()
            .map(|e| {
                let n = Projects::event_name(*e);
                ProjectAction {
                    event: n.to_owned(),
                    label: rc.tr.t(&project_event_key(n)).to_owned(),
                    hint: rc.tr.t(&format!("project-hint-{n}")).to_owned(),
                    needs_reason: n == "cancel",
                }
            })
            .collect(),
        steps: created_as(
            timeline(&rc.tr, &v.history, project_state_key, project_event_key),
            rc.tr.t("project-created"),
        ),
        errors: errors.clone(),
        panel: panel_section(rc, &v.project).await?,
        award: award_section(rc, &v.project, v.can_manage).await?,
        contract: contract_section(rc, &v.project, v.can_manage).await?,
        qa: super::questions::section(rc, &v.project, v.can_manage).await?,
        pr: v.project,
    };
    let mut r = with_page(rc, &page);
    if !errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::CONFLICT;
    }
    Ok(r)
}

/// The project page with errors shown (for the sections' forms).
pub async fn project_page_with(rc: &Rc, id: i64, errors: Vec<String>) -> PageResult {
    project_page(rc, id, errors).await
}

pub async fn project(rc: Rc, Path(id): Path<i64>) -> PageResult {
    project_page(&rc, id, Vec::new()).await
}

pub async fn project_transition(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<projects::ProjectTransition>,
) -> PageResult {
    match projects::apply(&rc.app, &rc.ctx, id, &f).await {
        Ok(_) => Ok(redirect_flash(
            &format!("/purchase/projects/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            unprocessable(project_page(&rc, id, errs).await)
        }
        Err(AppError::Conflict(e)) => project_page(&rc, id, vec![rc.tr.field_error(&e)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

// ---- applications --------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "purchase/application_form.html")]
struct ApplicationFormPage {
    p: Page,
    project: ProjectRow,
    id: Option<i64>,
    f: applications::ApplicationInput,
    errors: FormErrors,
    others: Vec<String>,
    staff: Vec<(i64, String, String, bool)>,
    amount: String,
}

async fn application_form(
    rc: &Rc,
    project: i64,
    id: Option<i64>,
    f: applications::ApplicationInput,
    errors: FormErrors,
) -> PageResult {
    let v = projects::get(&rc.app, &rc.ctx, project).await.page(rc)?;
    let staff = applications::staff(&rc.app, &rc.ctx).await.page(rc)?;
    let title = if id.is_some() {
        "application-edit"
    } else {
        "application-new"
    };
    let page = ApplicationFormPage {
        p: base(rc, title)
            .crumb(
                &format!("/purchase/projects/{project}"),
                format!("#{project} {}", v.project.data.title),
            )
            .crumb("", rc.tr.t(title)),
        id,
        others: errors.others(&[
            "amount",
            "needs_analysis",
            "plan",
            "outputs",
            "outcomes",
            "budget_breakdown",
            "direct_beneficiaries",
            "indirect_beneficiaries",
            "team",
        ]),
        staff: staff
            .into_iter()
            .map(|(wid, name, level)| {
                let ticked = f.team.contains(&wid);
                (
                    wid,
                    name,
                    rc.tr.t(&format!("cert-level-{level}")).to_owned(),
                    ticked,
                )
            })
            .collect(),
        amount: yuan(v.project.data.amount_fen),
        project: v.project,
        f,
        errors,
    };
    let mut r = with_page(rc, &page);
    if !page.errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn new_application(rc: Rc, Path(project): Path<i64>) -> PageResult {
    authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?,
        Perm::PurchaseApply,
    )
    .page(&rc)?;
    let v = projects::get(&rc.app, &rc.ctx, project).await.page(&rc)?;
    application_form(
        &rc,
        project,
        None,
        applications::ApplicationInput {
            amount: yuan(v.project.data.amount_fen),
            ..Default::default()
        },
        FormErrors::default(),
    )
    .await
}

fn application_from_form(body: &[u8]) -> applications::ApplicationInput {
    let mut f = applications::ApplicationInput::default();
    for (k, v) in form_urlencoded::parse(body) {
        let v = v.into_owned();
        match k.as_ref() {
            "amount" => f.amount = v,
            "needs_analysis" => f.needs_analysis = v,
            "plan" => f.plan = v,
            "outputs" => f.outputs = v,
            "outcomes" => f.outcomes = v,
            "budget_breakdown" => f.budget_breakdown = v,
            "direct_beneficiaries" => f.direct_beneficiaries = v,
            "indirect_beneficiaries" => f.indirect_beneficiaries = v,
            "declared" => f.declared = v,
            "team" => {
                if let Ok(id) = v.trim().parse() {
                    f.team.push(id);
                }
            }
            _ => {}
        }
    }
    f
}

pub async fn create_application(
    rc: Rc,
    Path(project): Path<i64>,
    RawForm(body): RawForm,
) -> PageResult {
    let f = application_from_form(&body);
    match applications::start(&rc.app, &rc.ctx, project, &f).await {
        Ok(id) => Ok(redirect_flash(
            &format!("/purchase/applications/{id}"),
            "flash-saved",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errs) => application_form(&rc, project, None, f, errs).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn edit_application(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let v = applications::get(&rc.app, &rc.ctx, id).await.page(&rc)?;
    if !v.editable {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let a = &v.application.data;
    let f = applications::ApplicationInput {
        amount: yuan(a.amount_fen),
        needs_analysis: a.needs_analysis.clone(),
        plan: a.plan.clone(),
        outputs: a.outputs.clone(),
        outcomes: a.outcomes.clone(),
        budget_breakdown: a.budget_breakdown.clone(),
        direct_beneficiaries: a.direct_beneficiaries.to_string(),
        indirect_beneficiaries: a.indirect_beneficiaries.to_string(),
        declared: if a.declared { "1" } else { "" }.into(),
        team: v.team.iter().map(|m| m.worker_id).collect(),
    };
    application_form(&rc, v.project.id, Some(id), f, FormErrors::default()).await
}

pub async fn update_application(rc: Rc, Path(id): Path<i64>, RawForm(body): RawForm) -> PageResult {
    let f = application_from_form(&body);
    match applications::update(&rc.app, &rc.ctx, id, &f).await {
        Ok(()) => Ok(redirect_flash(
            &format!("/purchase/applications/{id}"),
            "flash-saved",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errs) => {
                let v = applications::get(&rc.app, &rc.ctx, id).await.page(&rc)?;
                application_form(&rc, v.project.id, Some(id), f, errs).await
            }
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub struct FindingLine {
    pub level: &'static str,
    pub level_label: String,
    pub text: String,
}

pub struct MemberLine {
    pub id: i64,
    pub name: String,
    pub level: String,
    pub registration: String,
}

#[derive(Template)]
#[template(path = "purchase/application.html")]
struct ApplicationPage {
    p: Page,
    a: ApplicationRow,
    project: ProjectRow,
    state_label: String,
    amount: String,
    team: Vec<MemberLine>,
    findings: Vec<FindingLine>,
    eligible: bool,
    editable: bool,
    actions: Vec<(String, String)>,
    steps: Vec<Step>,
    errors: Vec<String>,
    created: String,
    submitted: String,
    /// (id, name, size in KiB)
    files: Vec<(i64, String, i64)>,
    can_attach: bool,
}

async fn application_page(rc: &Rc, id: i64, errors: Vec<String>) -> PageResult {
    let v = applications::get(&rc.app, &rc.ctx, id).await.page(rc)?;
    let files = applications::files(&rc.app, &rc.ctx, id)
        .await
        .page(rc)?
        .into_iter()
        .map(|a| (a.id, a.file_name, (a.size + 1023) / 1024))
        .collect();
    let can_attach = v.application.state == "draft"
        && rc
            .actor()
            .is_some_and(|a| sanshe_app::purchase::policy::is_applicant(a, &v.application));
    let page = ApplicationPage {
        p: base(rc, "application-title")
            .crumb(
                &format!("/purchase/projects/{}", v.project.id),
                format!("#{} {}", v.project.id, v.project.data.title),
            )
            .crumb("", format!("{} #{id}", rc.tr.t("application-title"))),
        state_label: rc
            .tr
            .t(&application_state_key(&v.application.state))
            .to_owned(),
        amount: yuan(v.application.data.amount_fen),
        team: v
            .team
            .iter()
            .map(|m| MemberLine {
                id: m.worker_id,
                name: m.name.clone(),
                level: rc.tr.t(&format!("cert-level-{}", m.cert_level)).to_owned(),
                registration: m
                    .registrations
                    .last()
                    .map(|(s, e)| format!("{s} – {e}"))
                    .unwrap_or_else(|| "—".into()),
            })
            .collect(),
        findings: v
            .findings
            .iter()
            .map(|f| {
                let level = match f.level {
                    Level::Pass => "pass",
                    Level::Warn => "warn",
                    Level::Fail => "fail",
                };
                FindingLine {
                    level,
                    level_label: rc.tr.t(&format!("elig-level-{level}")).to_owned(),
                    text: finding_text(&rc.tr, f),
                }
            })
            .collect(),
        eligible: v.eligible,
        editable: v.editable,
        actions: v
            .offered
            .iter()
            .map(|e| {
                let n = Applications::event_name(*e);
                (n.to_owned(), rc.tr.t(&application_event_key(n)).to_owned())
            })
            .collect(),
        steps: created_as(
            timeline(
                &rc.tr,
                &v.history,
                application_state_key,
                application_event_key,
            ),
            rc.tr.t("application-created"),
        ),
        errors: errors.clone(),
        created: datetime(v.application.created_at),
        submitted: opt_datetime(v.application.submitted_at),
        files,
        can_attach,
        project: v.project,
        a: v.application,
    };
    let mut r = with_page(rc, &page);
    if !errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn application(rc: Rc, Path(id): Path<i64>) -> PageResult {
    application_page(&rc, id, Vec::new()).await
}

pub async fn application_transition(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<applications::ApplicationTransition>,
) -> PageResult {
    match applications::apply(&rc.app, &rc.ctx, id, &f).await {
        Ok(_) => Ok(redirect_flash(
            &format!("/purchase/applications/{id}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            application_page(&rc, id, errs).await
        }
        Err(AppError::Conflict(e)) => {
            let mut r = application_page(&rc, id, vec![rc.tr.field_error(&e)]).await?;
            *r.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(r)
        }
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct ApplicationQuery {
    pub q: Option<String>,
    pub state: Option<String>,
    pub page: Option<String>,
}

#[derive(Template)]
#[template(path = "purchase/applications.html")]
struct ApplicationsPage {
    p: Page,
    q: ApplicationQuery,
    states: Vec<(String, String)>,
    rows: Vec<(AppLine, i64, String)>,
    pager: Pager,
}

pub async fn applications_list(rc: Rc, Query(q): Query<ApplicationQuery>) -> PageResult {
    let page = opt_i64(&q.page).unwrap_or(None);
    let res = applications::list(
        &rc.app,
        &rc.ctx,
        sanshe_store::purchase::ApplicationFilter {
            q: q.q.clone().filter(|v| !v.trim().is_empty()),
            state: q
                .state
                .clone()
                .filter(|s| Applications::parse_state(s).is_some()),
            ..Default::default()
        },
        crate::view::page_req(page, Some(30)),
    )
    .await
    .page(&rc)?;
    let params = vec![
        ("q", q.q.clone().unwrap_or_default()),
        ("state", q.state.clone().unwrap_or_default()),
    ];
    let page = ApplicationsPage {
        p: base(&rc, "applications-title").crumb("", rc.tr.t("applications-title")),
        states: Applications::STATES
            .iter()
            .map(|s| {
                let n = Applications::state_name(*s);
                (n.to_owned(), rc.tr.t(&application_state_key(n)).to_owned())
            })
            .collect(),
        rows: res
            .items
            .iter()
            .map(|a| (app_line(&rc, a), a.project_id, a.project_title.clone()))
            .collect(),
        pager: Pager::new("/purchase/applications", &params, &res),
        q,
    };
    Ok(with_page(&rc, &page))
}

// ---- the public portal ---------------------------------------------------------------------

fn public_page(rc: &Rc, title: &str) -> Page {
    let mut p = Page::new(rc, title);
    p.nav.clear();
    p
}

#[derive(Template)]
#[template(path = "public/catalog.html")]
struct PublicCatalogPage {
    p: Page,
    here: &'static str,
    q: CatalogQuery,
    year: i64,
    published: bool,
    items: Vec<ItemLine>,
    categories: Vec<(String, String)>,
    pager: Pager,
}

pub async fn public_catalog(rc: Rc, Query(q): Query<CatalogQuery>) -> PageResult {
    let year = q.year();
    let page = opt_i64(&q.page).unwrap_or(None);
    let v = app::public_catalog(
        &rc.app,
        year,
        ItemFilter {
            catalog_id: 0,
            category: q.category.clone().filter(|v| !v.trim().is_empty()),
            q: q.q.clone().filter(|v| !v.trim().is_empty()),
        },
        crate::view::page_req(page, Some(50)),
    )
    .await
    .page(&rc)?;
    let cats = sanshe_app::needs::categories(&rc.app).await.page(&rc)?;
    let params = vec![
        ("year", year.to_string()),
        ("q", q.q.clone().unwrap_or_default()),
        ("category", q.category.clone().unwrap_or_default()),
    ];
    let empty = sanshe_store::Paged {
        items: Vec::<()>::new(),
        total: 0,
        page: 1,
        per_page: 50,
    };
    let page = PublicCatalogPage {
        p: public_page(&rc, "public-catalog"),
        here: "catalog",
        year,
        published: v.is_some(),
        items: v
            .as_ref()
            .map(|v| item_lines(&rc, &cats, v))
            .unwrap_or_default(),
        categories: categories_for(&rc, &cats),
        pager: match &v {
            Some(v) => Pager::new("/public/catalog", &params, &v.items),
            None => Pager::new("/public/catalog", &params, &empty),
        },
        q,
    };
    Ok(with_page(&rc, &page))
}

#[derive(Template)]
#[template(path = "public/calls.html")]
struct PublicCallsPage {
    p: Page,
    here: &'static str,
    q: ProjectQuery,
    rows: Vec<ProjectLine>,
    pager: Pager,
}

pub async fn public_calls(rc: Rc, Query(q): Query<ProjectQuery>) -> PageResult {
    let page = opt_i64(&q.page).unwrap_or(None);
    let res = projects::public_list(
        &rc.app,
        ProjectFilter {
            q: q.q.clone().filter(|v| !v.trim().is_empty()),
            state: q.state.clone().filter(|v| !v.trim().is_empty()),
            ..Default::default()
        },
        crate::view::page_req(page, Some(30)),
    )
    .await
    .page(&rc)?;
    let cats = sanshe_app::needs::categories(&rc.app).await.page(&rc)?;
    let params = vec![
        ("q", q.q.clone().unwrap_or_default()),
        ("state", q.state.clone().unwrap_or_default()),
    ];
    let page = PublicCallsPage {
        p: public_page(&rc, "public-calls"),
        here: "calls",
        rows: res
            .items
            .iter()
            .map(|p| project_line(&rc, &cats, p))
            .collect(),
        pager: Pager::new("/public/calls", &params, &res),
        q,
    };
    Ok(with_page(&rc, &page))
}

#[derive(Template)]
#[template(path = "public/call.html")]
struct PublicCallPage {
    p: Page,
    here: &'static str,
    notice: Option<NoticeView>,
    contract: Option<ContractSection>,
    /// Delivery so far (activities, direct and indirect beneficiaries, hours).
    delivery: Option<(i64, i64, i64, String)>,
    /// Answered questions (question, answer).
    qa: Vec<(String, String)>,
    /// Published evaluations of the contract.
    evaluations: Vec<super::evaluations::EvalLine>,
    pr: ProjectRow,
    category: String,
    state_label: String,
    method: String,
    amount: String,
    kinds: String,
    communities: Vec<(String, String)>,
}

pub struct NoticeView {
    pub winner: String,
    pub amount: String,
    pub awarded_on: String,
    pub notice_until: String,
    pub panel: Vec<(String, String)>,
}

pub async fn public_call(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let (pr, communities) = projects::public_get(&rc.app, id).await.page(&rc)?;
    let notice = sanshe_app::purchase::awards::public_notice(&rc.app, &pr)
        .await
        .page(&rc)?
        .map(|n| NoticeView {
            winner: n.winner,
            amount: yuan(n.amount_fen),
            awarded_on: n.awarded_on,
            notice_until: n.notice_until,
            panel: n.panel,
        });
    let cats = sanshe_app::needs::categories(&rc.app).await.page(&rc)?;
    let contract = sanshe_app::purchase::contracts::public_of_project(&rc.app, pr.id)
        .await
        .page(&rc)?;
    let delivery = match &contract {
        Some(v) => {
            let t = sanshe_app::purchase::delivery::public_totals(&rc.app, v.contract.id)
                .await
                .page(&rc)?;
            Some((
                t.activities,
                t.direct,
                t.indirect,
                sanshe_app::purchase::delivery::hours_text(t.hours_tenths),
            ))
        }
        None => None,
    };
    let page = PublicCallPage {
        p: public_page(&rc, "public-call"),
        here: "calls",
        notice,
        contract: contract.map(|v| contract_section_from(&rc, &v)),
        delivery,
        qa: sanshe_app::purchase::questions::public_answered(&rc.app, pr.id)
            .await
            .page(&rc)?,
        evaluations: sanshe_app::purchase::evaluations::public_of_project(&rc.app, pr.id)
            .await
            .page(&rc)?
            .iter()
            .map(|e| super::evaluations::line(&rc, e))
            .collect(),
        category: category_name(&cats, &rc.tr, &pr.category),
        state_label: rc.tr.t(&project_state_key(&pr.state)).to_owned(),
        method: rc.tr.t(&format!("method-{}", pr.data.method)).to_owned(),
        amount: yuan(pr.data.amount_fen),
        kinds: kinds_label(&rc, &pr.provider_kinds),
        communities,
        pr,
    };
    Ok(with_page(&rc, &page))
}

// ---- the expert pool -----------------------------------------------------------------------

pub struct ExpertLine {
    pub id: i64,
    pub name: String,
    pub kind_label: String,
    pub affiliation: String,
    pub specialty: String,
    pub account: String,
    pub ties: Vec<String>,
}

#[derive(Template)]
#[template(path = "purchase/experts.html")]
struct ExpertsPage {
    p: Page,
    experts: Vec<ExpertLine>,
    kinds: Vec<(String, String)>,
    relations: Vec<(String, String)>,
    messages: Vec<String>,
}

async fn experts_page(rc: &Rc, messages: Vec<String>) -> PageResult {
    let pool = sanshe_app::purchase::panel::pool(&rc.app, &rc.ctx)
        .await
        .page(rc)?;
    let page = ExpertsPage {
        kinds: sanshe_domain::purchase::POOL_KINDS
            .iter()
            .map(|k| {
                (
                    (*k).to_owned(),
                    rc.tr.t(&format!("pool-kind-{k}")).to_owned(),
                )
            })
            .collect(),
        p: base(rc, "experts-title").crumb("", rc.tr.t("experts-title")),
        experts: pool
            .experts
            .iter()
            .map(|e| ExpertLine {
                id: e.id,
                name: e.name.clone(),
                affiliation: e.affiliation.clone(),
                specialty: e.specialty.clone(),
                kind_label: rc.tr.t(&format!("pool-kind-{}", e.kind)).to_owned(),
                account: e.username.clone().unwrap_or_default(),
                ties: pool
                    .ties
                    .iter()
                    .filter(|t| t.expert_id == e.id)
                    .map(|t| {
                        format!(
                            "{} ({}{})",
                            t.org_name,
                            rc.tr.t(&format!("tie-{}", t.relation)),
                            t.ended_on
                                .as_ref()
                                .map(|d| format!(", {} {d}", rc.tr.t("tie-ended")))
                                .unwrap_or_default()
                        )
                    })
                    .collect(),
            })
            .collect(),
        relations: sanshe_domain::purchase::TIE_RELATIONS
            .iter()
            .map(|r| ((*r).to_owned(), rc.tr.t(&format!("tie-{r}")).to_owned()))
            .collect(),
        messages,
    };
    let mut r = with_page(rc, &page);
    if !page.messages.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn experts(rc: Rc) -> PageResult {
    experts_page(&rc, Vec::new()).await
}

pub async fn add_expert(
    rc: Rc,
    Form(f): Form<sanshe_app::purchase::panel::ExpertInput>,
) -> PageResult {
    match sanshe_app::purchase::panel::add_expert(&rc.app, &rc.ctx, &f).await {
        Ok(_) => Ok(redirect_flash("/purchase/experts", "flash-saved")),
        Err(e) => match errors_text(&rc, &e) {
            Some(m) => experts_page(&rc, m).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn add_tie(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<sanshe_app::purchase::panel::TieInput>,
) -> PageResult {
    match sanshe_app::purchase::panel::add_tie(&rc.app, &rc.ctx, id, &f).await {
        Ok(_) => Ok(redirect_flash("/purchase/experts", "flash-saved")),
        Err(e) => match errors_text(&rc, &e) {
            Some(m) => experts_page(&rc, m).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn import_experts(rc: Rc, mp: Multipart) -> PageResult {
    authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?,
        Perm::PurchaseManage,
    )
    .page(&rc)?;
    let (file, opts) = read_upload(mp).await;
    let Some(bytes) = file else {
        return experts_page(&rc, vec![rc.tr.t("err-import-no-file").to_owned()]).await;
    };
    let r = sanshe_app::purchase::panel::import_experts(&rc.app, &rc.ctx, &bytes, opts)
        .await
        .page(&rc)?;
    if r.committed && r.issues.is_empty() {
        return Ok(redirect_flash("/purchase/experts", "flash-imported"));
    }
    let mut m: Vec<String> = super::import_messages(&rc, &r);
    if m.is_empty() {
        m.push(
            rc.tr
                .f("import-dry-run-ok", &[("n", r.valid_rows.to_string())]),
        );
        let mut resp = experts_page(&rc, m).await?;
        *resp.status_mut() = axum::http::StatusCode::OK;
        return Ok(resp);
    }
    experts_page(&rc, m).await
}

// ---- contracts and tranches ----------------------------------------------------------------

pub struct TrancheView {
    pub id: i64,
    pub seq: i64,
    pub label: String,
    pub amount: String,
    pub due_on: String,
    pub gate: String,
    pub state: String,
    pub state_label: String,
    pub paid: String,
}

pub struct PaymentView {
    pub amount: String,
    pub paid_on: String,
    pub voucher: String,
    pub reason: String,
    pub negative: bool,
}

#[derive(Default)]
pub struct ContractSection {
    pub shown: bool,
    pub can_create: bool,
    pub id: i64,
    pub state: String,
    pub state_label: String,
    pub version: i64,
    pub revision: i64,
    pub signed_on: String,
    pub org: String,
    pub amount: String,
    pub paid: String,
    /// (key, label, value) of the clause fields.
    pub clauses: Vec<(String, String, String)>,
    pub start_date: String,
    pub end_date: String,
    pub term_justification: String,
    pub tranches: Vec<TrancheView>,
    pub payments: Vec<PaymentView>,
    pub versions: Vec<(i64, String, String, String)>,
    pub can_manage: bool,
    pub gates: Vec<(String, String)>,
    pub today: String,
    /// Third-party evaluations of the contract, and the assignment form.
    pub evals: super::evaluations::EvalSection,
}

fn contract_section_from(
    rc: &Rc,
    v: &sanshe_app::purchase::contracts::ContractView,
) -> ContractSection {
    let k = &v.contract;
    let c = &k.clauses;
    let clause = |key: &str, val: &str| {
        (
            key.to_owned(),
            rc.tr.t(&format!("clause-{key}")).to_owned(),
            val.to_owned(),
        )
    };
    ContractSection {
        shown: true,
        can_create: false,
        id: k.id,
        state_label: rc.tr.t(&format!("contract-state-{}", k.state)).to_owned(),
        state: k.state.clone(),
        version: k.version,
        revision: k.revision,
        signed_on: k.signed_on.clone().unwrap_or_default(),
        org: k.org_name.clone(),
        amount: yuan(c.amount_fen),
        paid: yuan(k.paid_fen),
        clauses: vec![
            clause("content", &c.content),
            clause("quantity", &c.quantity),
            clause("quality", &c.quality),
            clause("price", &c.price),
            clause("settlement", &c.settlement),
            clause("rights", &c.rights),
            clause("liability", &c.liability),
        ],
        start_date: c.start_date.clone(),
        end_date: c.end_date.clone(),
        term_justification: c.term_justification.clone(),
        tranches: v
            .tranches
            .iter()
            .map(|t| TrancheView {
                id: t.id,
                seq: t.seq,
                label: t.label.clone(),
                amount: yuan(t.amount_fen),
                due_on: t.due_on.clone(),
                gate: rc.tr.t(&format!("gate-{}", t.gate)).to_owned(),
                state_label: rc.tr.t(&format!("tranche-state-{}", t.state)).to_owned(),
                state: t.state.clone(),
                paid: match (&t.paid_on, &t.voucher) {
                    (Some(d), Some(v)) => format!("{d} · {v}"),
                    _ => String::new(),
                },
            })
            .collect(),
        payments: v
            .payments
            .iter()
            .map(|p| PaymentView {
                amount: yuan(p.amount_fen),
                paid_on: p.paid_on.clone(),
                voucher: p.voucher.clone(),
                reason: p.reason.clone(),
                negative: p.amount_fen < 0,
            })
            .collect(),
        versions: v
            .versions
            .iter()
            .map(|x| {
                (
                    x.revision,
                    datetime(x.at),
                    x.by_name.clone(),
                    x.reason.clone(),
                )
            })
            .collect(),
        can_manage: v.can_manage,
        gates: sanshe_domain::purchase::GATES
            .iter()
            .map(|g| ((*g).to_owned(), rc.tr.t(&format!("gate-{g}")).to_owned()))
            .collect(),
        today: sanshe_app::calendar::today().to_string(),
        evals: Default::default(),
    }
}

async fn contract_section(
    rc: &Rc,
    p: &ProjectRow,
    can_manage: bool,
) -> Result<ContractSection, PageError> {
    if p.state != "confirmed" {
        return Ok(ContractSection::default());
    }
    match sanshe_app::purchase::contracts::of_project(&rc.app, &rc.ctx, p.id)
        .await
        .page(rc)?
    {
        Some(v) => {
            let mut s = contract_section_from(rc, &v);
            s.evals = super::evaluations::section(rc, &v.contract, v.can_manage).await?;
            Ok(s)
        }
        None => Ok(ContractSection {
            shown: can_manage,
            can_create: can_manage,
            ..Default::default()
        }),
    }
}

async fn project_of_contract(rc: &Rc, id: i64) -> Result<i64, PageError> {
    let mut c = rc
        .app
        .db
        .acquire()
        .await
        .map_err(|e| PageError::new(e.into(), rc))?;
    sanshe_store::contracts::get(&mut c, id)
        .await
        .map_err(|e| PageError::new(e.into(), rc))?
        .map(|k| k.project_id)
        .ok_or_else(|| PageError::new(AppError::NotFound, rc))
}

async fn project_of_tranche(rc: &Rc, id: i64) -> Result<i64, PageError> {
    let contract = {
        let mut c = rc
            .app
            .db
            .acquire()
            .await
            .map_err(|e| PageError::new(e.into(), rc))?;
        sanshe_store::contracts::tranche(&mut c, id)
            .await
            .map_err(|e| PageError::new(e.into(), rc))?
            .map(|t| t.contract_id)
            .ok_or_else(|| PageError::new(AppError::NotFound, rc))?
    };
    project_of_contract(rc, contract).await
}

fn require_manage_page(rc: &Rc) -> Result<(), PageError> {
    authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(rc)?,
        Perm::PurchaseManage,
    )
    .page(rc)
}

pub async fn contract_create(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let r = sanshe_app::purchase::contracts::create(&rc.app, &rc.ctx, id)
        .await
        .map(|_| ());
    after_panel_step(&rc, id, r).await
}

pub async fn contract_edit(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<sanshe_app::purchase::contracts::ContractInput>,
) -> PageResult {
    require_manage_page(&rc)?;
    let p = project_of_contract(&rc, id).await?;
    let r = sanshe_app::purchase::contracts::update(&rc.app, &rc.ctx, id, &f).await;
    after_panel_step(&rc, p, r).await
}

pub async fn contract_sign(rc: Rc, Path(id): Path<i64>) -> PageResult {
    require_manage_page(&rc)?;
    let p = project_of_contract(&rc, id).await?;
    let r = sanshe_app::purchase::contracts::sign(&rc.app, &rc.ctx, id).await;
    after_panel_step(&rc, p, r).await
}

pub async fn contract_complete(rc: Rc, Path(id): Path<i64>) -> PageResult {
    require_manage_page(&rc)?;
    let p = project_of_contract(&rc, id).await?;
    let r = sanshe_app::purchase::contracts::complete(&rc.app, &rc.ctx, id).await;
    after_panel_step(&rc, p, r).await
}

pub async fn tranche_add(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<sanshe_app::purchase::contracts::TrancheInput>,
) -> PageResult {
    require_manage_page(&rc)?;
    let p = project_of_contract(&rc, id).await?;
    let r = sanshe_app::purchase::contracts::add_tranche(&rc.app, &rc.ctx, id, &f)
        .await
        .map(|_| ());
    after_panel_step(&rc, p, r).await
}

pub async fn clawback(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<sanshe_app::purchase::contracts::ClawbackInput>,
) -> PageResult {
    require_manage_page(&rc)?;
    let p = project_of_contract(&rc, id).await?;
    let r = sanshe_app::purchase::contracts::clawback(&rc.app, &rc.ctx, id, &f).await;
    after_panel_step(&rc, p, r).await
}

pub async fn tranche_accept(rc: Rc, Path(id): Path<i64>) -> PageResult {
    require_manage_page(&rc)?;
    let p = project_of_tranche(&rc, id).await?;
    let r = sanshe_app::purchase::contracts::accept(&rc.app, &rc.ctx, id).await;
    after_panel_step(&rc, p, r).await
}

pub async fn tranche_pay(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<sanshe_app::purchase::contracts::PayInput>,
) -> PageResult {
    require_manage_page(&rc)?;
    let p = project_of_tranche(&rc, id).await?;
    let r = sanshe_app::purchase::contracts::pay(&rc.app, &rc.ctx, id, &f).await;
    after_panel_step(&rc, p, r).await
}

#[derive(Template)]
#[template(path = "purchase/contract_print.html")]
struct ContractPrintPage {
    p: Page,
    k: ContractSection,
    project: String,
    district: String,
}

/// The printable contract (the browser's print stylesheet hides the navigation).
pub async fn contract_print(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let v = sanshe_app::purchase::contracts::get(&rc.app, &rc.ctx, id)
        .await
        .page(&rc)?;
    let district = sanshe_app::public::district(&rc.app)
        .await
        .page(&rc)?
        .map(|d| d.1)
        .unwrap_or_default();
    let page = ContractPrintPage {
        p: base(&rc, "contract-title").crumb(
            &format!("/purchase/projects/{}", v.contract.project_id),
            v.contract.project_title.clone(),
        ),
        project: v.contract.project_title.clone(),
        k: contract_section_from(&rc, &v),
        district,
    };
    Ok(with_page(&rc, &page))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod finding_tests {
    use sanshe_app::i18n::{Lang, Tr};
    use sanshe_domain::evaluation::{history_rules, PastResult};
    use sanshe_domain::purchase::{Finding, Level};

    #[test]
    fn history_findings_name_the_grades_in_words() {
        let past = [PastResult {
            stage: "final".into(),
            grade: "good".into(),
            on: "2025-12-20".into(),
        }];
        let (code, ok, args) = history_rules("2026-11-30", "excellent", false, 2, &past).remove(0);
        let f = Finding {
            code,
            level: if ok { Level::Pass } else { Level::Fail },
            args,
        };
        let zh = super::finding_text(&Tr::new(Lang::Zh), &f);
        assert!(
            zh.contains("“优”") && zh.contains("2025-12-20（良）"),
            "{zh}"
        );
        let en = super::finding_text(&Tr::new(Lang::En), &f);
        assert!(en.contains("“Excellent”") && en.contains("(Good)"), "{en}");
        assert!(
            !zh.contains("excellent") && !en.contains("good)"),
            "{zh} {en}"
        );
    }
}
