//! Pages shared by every registry (facilities, organizations, social workers, posts):
//! list with search, filters, sorting and pagination; export; create, detail, edit and
//! delete (with a confirmation page); spreadsheet import with a row-by-row report; the
//! XLSX template. Generic over [`Registry`], so all four behave alike.

use super::{FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{query_string, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::Form;
use sanshe_app::authz::{self, Perm};
use sanshe_app::registry::Cell;
use sanshe_app::registry::{self as reg, FilterDef, Input, ListQuery, Registry, Section};
use sanshe_app::AppError;
use std::collections::HashMap;

mod import;

pub use import::*;

/// May the actor add records here at all (its own scope as the place)?
pub fn require_create<R: Registry>(rc: &Rc) -> Result<(), PageError> {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    authz::require(actor, R::WRITE).page(rc)?;
    let area = match &actor.scope {
        sanshe_domain::Scope::Area { code } => Some(code.as_str()),
        _ => None,
    };
    if actor.is_cli || R::can_create(actor, area) {
        Ok(())
    } else {
        Err(PageError::new(AppError::Forbidden, rc))
    }
}

pub fn path<R: Registry>() -> String {
    format!("/{}", R::KIND)
}

fn title_key<R: Registry>() -> String {
    format!("{}-title", R::KIND)
}

pub(crate) fn base_page<R: Registry>(rc: &Rc, title: &str) -> Page {
    let p = Page::new(rc, title).crumb("/", rc.tr.t("nav-home"));
    if title == title_key::<R>() {
        p.crumb("", rc.tr.t(&title_key::<R>()))
    } else {
        p.crumb(&path::<R>(), rc.tr.t(&title_key::<R>()))
    }
}

/// A list request from query parameters (pages, exports).
pub fn list_query<R: Registry>(q: &HashMap<String, String>) -> ListQuery {
    let get = |k: &str| {
        q.get(k)
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
    };
    ListQuery {
        q: get("q"),
        within: get("within"),
        filters: R::filters()
            .iter()
            .filter_map(|f| get(f.key).map(|v| (f.key.to_owned(), v)))
            .collect(),
        sort: get("sort").filter(|s| R::sorts().contains(&s.as_str())),
    }
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub struct FilterView {
    pub key: String,
    pub label: String,
    pub options: Vec<Opt>,
}

fn options(rc: &Rc, input: Input, current: &str, blank: &str) -> Vec<Opt> {
    let mut out = vec![Opt {
        value: String::new(),
        label: blank.to_owned(),
        selected: current.is_empty(),
    }];
    match input {
        Input::Select(v) | Input::Multi(v) => {
            for k in v.keys {
                out.push(Opt {
                    value: (*k).to_owned(),
                    label: rc.tr.t(&v.label_key(k)).to_owned(),
                    selected: current.split(',').any(|c| c == *k),
                })
            }
        }
        Input::Bool => {
            let cur = sanshe_domain::cell::parse_bool(current).ok().flatten();
            for (v, k, b) in [("true", "yes", true), ("false", "no", false)] {
                out.push(Opt {
                    value: v.into(),
                    label: rc.tr.t(k).to_owned(),
                    selected: cur == Some(b),
                })
            }
        }
        _ => {}
    }
    out
}

fn filter_views<R: Registry>(rc: &Rc, q: &HashMap<String, String>) -> Vec<FilterView> {
    R::filters()
        .iter()
        .map(|f: &FilterDef| FilterView {
            key: f.key.to_owned(),
            label: rc.tr.t(&format!("f-{}", f.key)).to_owned(),
            options: options(
                rc,
                f.input,
                q.get(f.key).map(String::as_str).unwrap_or(""),
                rc.tr.t("all"),
            ),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "registry/list.html")]
struct ListPage {
    p: Page,
    base: String,
    q: String,
    within: String,
    filters: Vec<FilterView>,
    sorts: Vec<Opt>,
    headers: Vec<String>,
    rows: Vec<(i64, Vec<String>)>,
    pager: Pager,
    export_qs: String,
    can_write: bool,
    can_reveal: bool,
    empty_key: String,
}

pub async fn list<R: Registry>(rc: Rc, Query(q): Query<HashMap<String, String>>) -> PageResult {
    let lq = list_query::<R>(&q);
    let page_no = q.get("page").and_then(|p| p.trim().parse().ok());
    let res = reg::list::<R>(
        &rc.app,
        &rc.ctx,
        &lq,
        crate::view::page_req(page_no, Some(50)),
    )
    .await
    .page(&rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    let mut params: Vec<(&str, String)> = vec![
        ("q", lq.q.clone().unwrap_or_default()),
        ("within", lq.within.clone().unwrap_or_default()),
        ("sort", lq.sort.clone().unwrap_or_default()),
    ];
    for f in R::filters() {
        params.push((f.key, lq.filters.get(f.key).cloned().unwrap_or_default()));
    }
    let base = path::<R>();
    let cur_sort = lq.sort.clone().unwrap_or_default();
    let page = ListPage {
        p: base_page::<R>(&rc, &title_key::<R>()),
        q: lq.q.clone().unwrap_or_default(),
        within: lq.within.clone().unwrap_or_default(),
        filters: filter_views::<R>(&rc, &q),
        sorts: R::sorts()
            .iter()
            .map(|s| Opt {
                value: (*s).to_owned(),
                label: rc.tr.t(&format!("sort-{s}")).to_owned(),
                selected: *s == cur_sort,
            })
            .collect(),
        headers: R::list_headers()
            .iter()
            .map(|h| rc.tr.t(h).to_owned())
            .collect(),
        rows: res
            .items
            .iter()
            .map(|r| (R::row_id(r), R::list_cells(&rc.tr, r)))
            .collect(),
        pager: Pager::new(&base, &params, &res),
        export_qs: query_string(&params),
        can_write: authz::can(actor, R::WRITE),
        can_reveal: authz::can(actor, Perm::PiiReveal)
            && R::fields().iter().any(|f| matches!(f.input, Input::Secret)),
        empty_key: if lq.q.is_some() || !lq.filters.is_empty() || lq.within.is_some() {
            "list-empty-search".into()
        } else {
            format!("{}-empty", R::KIND)
        },
        base,
    };
    Ok(with_page(&rc, &page))
}

/// Every matching row, in the import columns (so an export can be edited and imported),
/// personal data masked. Following a link never reveals anything: see [`export_revealed`].
pub async fn export<R: Registry>(
    rc: Rc,
    Path(format): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    export_rows::<R>(rc, format, q, false).await
}

/// The same export with personal data in full: a CSRF-checked POST (its filter in the form's
/// `query` field), refused without the reveal permission, audited.
pub async fn export_revealed<R: Registry>(
    rc: Rc,
    Path(format): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    authz::require(actor, Perm::PiiReveal).page(&rc)?;
    let q: HashMap<String, String> =
        form_urlencoded::parse(f.get("query").map(String::as_str).unwrap_or("").as_bytes())
            .into_owned()
            .collect();
    export_rows::<R>(rc, format, q, true).await
}

async fn export_rows<R: Registry>(
    rc: Rc,
    format: String,
    q: HashMap<String, String>,
    reveal: bool,
) -> PageResult {
    let lq = list_query::<R>(&q);
    let res = reg::list::<R>(
        &rc.app,
        &rc.ctx,
        &lq,
        sanshe_store::PageReq {
            page: 1,
            per_page: 1_000_000,
        },
    )
    .await
    .page(&rc)?;
    reg::audit_export::<R>(&rc.app, &rc.ctx, res.items.len(), reveal)
        .await
        .page(&rc)?;
    let headers: Vec<&str> = R::fields().iter().map(|f| f.col.zh).collect();
    let rows: Vec<Vec<String>> = res
        .items
        .iter()
        .map(|r| R::cells(&rc.app, &rc.tr, r, reveal))
        .collect();
    let name = format!("{}-{}", R::KIND, sanshe_app::registry::today());
    super::areas::file_response(&rc, &format, &name, &headers, &rows)
}

pub struct FieldView {
    pub key: String,
    pub label: String,
    /// text, textarea, select, multi, date, number
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<Opt>,
    pub required: bool,
    pub hint: String,
    pub error: Option<String>,
}

fn field_views<R: Registry>(rc: &Rc, values: &[String], errors: &FormErrors) -> Vec<FieldView> {
    R::fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let v = values.get(i).cloned().unwrap_or_default();
            let (kind, options) = match f.input {
                Input::Select(_) | Input::Bool => (
                    "select",
                    options(rc, f.input, &raw_key(f.input, &v, rc), "—"),
                ),
                Input::Multi(_) => ("multi", options(rc, f.input, &raw_key(f.input, &v, rc), "")),
                Input::LongText(_) | Input::Hours | Input::Areas => ("textarea", vec![]),
                Input::Date => ("date", vec![]),
                Input::Int(..) | Input::Decimal(_) => ("number", vec![]),
                _ => ("text", vec![]),
            };
            let hint_key = format!("hint-{}", f.col.key);
            FieldView {
                key: f.col.key.to_owned(),
                label: rc.tr.t(&format!("f-{}", f.col.key)).to_owned(),
                kind,
                value: v,
                options: options
                    .into_iter()
                    .filter(|o| kind != "multi" || !o.value.is_empty())
                    .collect(),
                required: f.col.required,
                hint: if sanshe_app::i18n::has_key(&hint_key) {
                    rc.tr.t(&hint_key).to_owned()
                } else {
                    String::new()
                },
                error: errors.get(f.col.key).cloned(),
            }
        })
        .collect()
}

fn raw_key(input: Input, v: &str, _rc: &Rc) -> String {
    reg::cell_key(input, v)
}

#[derive(Template)]
#[template(path = "registry/form.html")]
struct FormPage {
    p: Page,
    action: String,
    cancel: String,
    fields: Vec<FieldView>,
    others: Vec<String>,
}

fn form_page<R: Registry>(
    rc: &Rc,
    id: Option<i64>,
    values: &[String],
    errors: FormErrors,
) -> axum::response::Response {
    let keys: Vec<&str> = R::fields().iter().map(|f| f.col.key).collect();
    let title = format!("{}-{}", R::KIND, if id.is_some() { "edit" } else { "new" });
    let base = path::<R>();
    let page = FormPage {
        p: base_page::<R>(rc, &title).crumb("", rc.tr.t(&title)),
        action: match id {
            Some(i) => format!("{base}/{i}/edit"),
            None => format!("{base}/new"),
        },
        cancel: match id {
            Some(i) => format!("{base}/{i}"),
            None => base.clone(),
        },
        fields: field_views::<R>(rc, values, &errors),
        others: errors.others(&keys),
    };
    let invalid = !errors.is_empty();
    let mut r = with_page(rc, &page);
    if invalid {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    r
}

pub async fn new_form<R: Registry>(rc: Rc) -> PageResult {
    require_create::<R>(&rc)?;
    Ok(form_page::<R>(&rc, None, &[], FormErrors::default()))
}

/// Form pairs → named values (repeated names, e.g. checkboxes, joined by commas).
fn form_map(pairs: Vec<(String, String)>) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = HashMap::new();
    for (k, v) in pairs {
        m.entry(k)
            .and_modify(|e| {
                if !v.is_empty() {
                    if !e.is_empty() {
                        e.push(',');
                    }
                    e.push_str(&v);
                }
            })
            .or_insert(v);
    }
    m
}

pub async fn create<R: Registry>(rc: Rc, Form(pairs): Form<Vec<(String, String)>>) -> PageResult {
    require_create::<R>(&rc)?;
    let m = form_map(pairs);
    let cells = reg::cells_from_map::<R>(&m);
    match reg::create::<R>(&rc.app, &rc.ctx, &cells).await {
        Ok(id) => Ok(redirect_flash(
            &format!("{}/{id}", path::<R>()),
            "flash-saved",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errors) => Ok(form_page::<R>(&rc, None, &cells, errors)),
            None => Err(PageError::new(e, &rc)),
        },
    }
}

#[derive(Template)]
#[template(path = "registry/detail.html")]
struct DetailPage {
    p: Page,
    base: String,
    id: i64,
    kind: String,
    values: Vec<(String, String)>,
    sections: Vec<Section>,
    can_write: bool,
    can_reveal: bool,
    can_supervise: bool,
    revealed: bool,
}

pub async fn detail<R: Registry>(rc: Rc, Path(id): Path<i64>) -> PageResult {
    detail_page::<R>(rc, id, false).await
}

/// The record with its personal data in full: a CSRF-checked POST (a link cannot reveal),
/// audited by the use case.
pub async fn reveal<R: Registry>(rc: Rc, Path(id): Path<i64>) -> PageResult {
    detail_page::<R>(rc, id, true).await
}

async fn detail_page<R: Registry>(rc: Rc, id: i64, reveal: bool) -> PageResult {
    let r = reg::get::<R>(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    let has_secret = R::fields().iter().any(|f| matches!(f.input, Input::Secret));
    let reveal = has_secret && reveal;
    let cells = reg::cells::<R>(&rc.app, &rc.ctx, &rc.tr, &r, reveal)
        .await
        .page(&rc)?;
    let sections = reg::sections::<R>(&rc.app, &r).await.page(&rc)?;
    let label = R::row_label(&r);
    let cells = with_area_names::<R>(&rc, cells).await?;
    let page = DetailPage {
        p: base_page::<R>(&rc, &format!("{}-detail", R::KIND)).crumb("", label),
        base: path::<R>(),
        id,
        kind: R::KIND.to_owned(),
        values: R::fields()
            .iter()
            .zip(cells)
            .filter(|(f, v)| !v.is_empty() || f.col.required)
            .map(|(f, v)| (rc.tr.t(&format!("f-{}", f.col.key)).to_owned(), v))
            .collect(),
        sections,
        can_write: R::can_write(actor, &r),
        can_reveal: has_secret && authz::can(actor, Perm::PiiReveal),
        can_supervise: authz::can(actor, Perm::OrgSupervise),
        revealed: reveal,
    };
    Ok(with_page(&rc, &page))
}

/// Area cells hold codes (the import format); on the detail page each code is shown with
/// its name: `湖塘镇（320412100）`.
async fn with_area_names<R: Registry>(
    rc: &Rc,
    mut cells: Vec<String>,
) -> Result<Vec<String>, PageError> {
    let split = |v: &str| -> Vec<String> {
        v.split(['、', ','])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let area_cols: Vec<usize> = R::fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.input, Input::Area(_) | Input::Areas))
        .map(|(i, _)| i)
        .collect();
    let codes: Vec<String> = area_cols
        .iter()
        .filter_map(|i| cells.get(*i))
        .flat_map(|v| split(v))
        .collect();
    if codes.is_empty() {
        return Ok(cells);
    }
    let names = sanshe_app::areas::names(&rc.app, &codes).await.page(rc)?;
    for i in area_cols {
        if let Some(v) = cells.get_mut(i) {
            *v = split(v)
                .iter()
                .map(|c| match names.get(c) {
                    Some(n) => format!("{n}（{c}）"),
                    None => c.clone(),
                })
                .collect::<Vec<_>>()
                .join("、");
        }
    }
    Ok(cells)
}

pub async fn edit_form<R: Registry>(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let r = reg::get::<R>(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    if !R::can_write(actor, &r) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let cells = R::cells(&rc.app, &rc.tr, &r, false);
    Ok(form_page::<R>(&rc, Some(id), &cells, FormErrors::default()))
}

pub async fn edit<R: Registry>(
    rc: Rc,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let m = form_map(pairs);
    let cells = reg::cells_from_map::<R>(&m);
    match reg::update::<R>(&rc.app, &rc.ctx, id, &cells).await {
        Ok(()) => Ok(redirect_flash(
            &format!("{}/{id}", path::<R>()),
            "flash-saved",
        )),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(errors) => Ok(form_page::<R>(&rc, Some(id), &cells, errors)),
            None => Err(PageError::new(e, &rc)),
        },
    }
}

#[derive(Template)]
#[template(path = "layout/confirm.html")]
pub(crate) struct ConfirmPage {
    pub(crate) p: Page,
    pub(crate) message: String,
    pub(crate) action: String,
    pub(crate) cancel: String,
}

pub async fn delete_form<R: Registry>(rc: Rc, Path(id): Path<i64>) -> PageResult {
    let r = reg::get::<R>(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    if !R::can_write(actor, &r) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    let base = path::<R>();
    let label = R::row_label(&r);
    let page = ConfirmPage {
        p: base_page::<R>(&rc, "delete-title").crumb("", rc.tr.t("delete-title")),
        message: rc.tr.f("delete-confirm", &[("name", label)]),
        action: format!("{base}/{id}/delete"),
        cancel: format!("{base}/{id}"),
    };
    Ok(with_page(&rc, &page))
}

#[derive(serde::Deserialize, Default)]
pub struct DeleteForm {
    #[serde(default)]
    pub(crate) confirm: String,
}

pub async fn delete<R: Registry>(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<DeleteForm>,
) -> PageResult {
    let r = reg::get::<R>(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    if !R::can_write(actor, &r) {
        return Err(PageError::new(AppError::Forbidden, &rc));
    }
    if f.confirm != "yes" {
        return Err(PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new("confirm", "err-confirm")),
            &rc,
        ));
    }
    reg::delete::<R>(&rc.app, &rc.ctx, id).await.page(&rc)?;
    Ok(redirect_flash(&path::<R>(), "flash-deleted"))
}
