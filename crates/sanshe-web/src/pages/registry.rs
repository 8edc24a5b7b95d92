//! Pages shared by every registry (facilities, organizations, social workers, posts):
//! list with search, filters, sorting and pagination; export; create, detail, edit and
//! delete (with a confirmation page); spreadsheet import with a row-by-row report; the
//! XLSX template. Generic over [`Registry`], so all four behave alike.

use super::{FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{query_string, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Multipart, Path, Query};
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Form;
use sanshe_app::authz::{self, Perm};
use sanshe_app::registry::Cell;
use sanshe_app::registry::{
    self as reg, FilterDef, ImportReport, Input, ListQuery, Registry, Section,
};
use sanshe_app::AppError;
use std::collections::HashMap;

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

fn base_page<R: Registry>(rc: &Rc, title: &str) -> Page {
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
#[template(path = "registry_list.html")]
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

/// Every matching row, in the import columns (so an export can be edited and imported).
pub async fn export<R: Registry>(
    rc: Rc,
    Path(format): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let lq = list_query::<R>(&q);
    let reveal = q.get("reveal").is_some_and(|v| v == "1");
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
                Input::Int(..) | Input::Decimal => ("number", vec![]),
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
#[template(path = "registry_form.html")]
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
#[template(path = "registry_detail.html")]
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

pub async fn detail<R: Registry>(
    rc: Rc,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let r = reg::get::<R>(&rc.app, &rc.ctx, id).await.page(&rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    let has_secret = R::fields().iter().any(|f| matches!(f.input, Input::Secret));
    let reveal = has_secret && q.get("reveal").is_some_and(|v| v == "1");
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
#[template(path = "confirm.html")]
struct ConfirmPage {
    p: Page,
    message: String,
    action: String,
    cancel: String,
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
    confirm: String,
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

pub struct ReportView {
    pub summary: String,
    pub committed: bool,
    pub dry_run: bool,
    pub issues: Vec<(usize, String, String)>,
}

pub fn report_view(rc: &Rc, r: &ImportReport) -> ReportView {
    let tr = rc.tr;
    ReportView {
        summary: tr.f(
            "import-summary",
            &[
                ("total", r.total_rows.to_string()),
                ("valid", r.valid_rows.to_string()),
                ("existing", r.existing_rows.to_string()),
                ("inserted", r.inserted.to_string()),
                ("issues", r.issues.len().to_string()),
            ],
        ),
        committed: r.committed,
        dry_run: r.dry_run,
        issues: r
            .issues
            .iter()
            .map(|i| (i.row, i.column.clone(), tr.f(&i.code, &i.args)))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "registry_import.html")]
pub(crate) struct ImportPage {
    pub(crate) p: Page,
    pub(crate) base: String,
    pub(crate) columns: Vec<(String, bool, String)>,
    pub(crate) report: Option<ReportView>,
    pub(crate) error: Option<String>,
}

fn import_page<R: Registry>(
    rc: &Rc,
    report: Option<ReportView>,
    error: Option<String>,
) -> ImportPage {
    ImportPage {
        p: base_page::<R>(rc, "registry-import-title").crumb("", rc.tr.t("registry-import-title")),
        base: path::<R>(),
        columns: R::fields()
            .iter()
            .map(|f| {
                let hint_key = format!("hint-{}", f.col.key);
                (
                    f.col.zh.to_owned(),
                    f.col.required,
                    if sanshe_app::i18n::has_key(&hint_key) {
                        rc.tr.t(&hint_key).to_owned()
                    } else {
                        rc.tr.t(&format!("f-{}", f.col.key)).to_owned()
                    },
                )
            })
            .collect(),
        report,
        error,
    }
}

pub async fn import_form<R: Registry>(rc: Rc) -> PageResult {
    require_create::<R>(&rc)?;
    Ok(with_page(&rc, &import_page::<R>(&rc, None, None)))
}

pub async fn import<R: Registry>(
    rc: Rc,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    require_create::<R>(&rc)?;
    let mp = mp.map_err(|_| {
        PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new("file", "err-import-no-file")),
            &rc,
        )
    })?;
    let (file, opts) = super::read_upload(mp).await;
    let Some(bytes) = file else {
        let mut r = with_page(
            &rc,
            &import_page::<R>(&rc, None, Some(rc.tr.t("err-import-no-file").to_owned())),
        );
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    // The import runs as a job: a small file finishes while we wait and its report is shown
    // right here; a large one continues in the background and the browser follows its
    // progress on the job page.
    let owner = rc.actor().and_then(|a| a.user_id);
    let (job, progress) = sanshe_app::jobs::start(&rc.app, &rc.ctx, owner, R::KIND)
        .await
        .page(&rc)?;
    let (app, ctx, jid) = (rc.app.clone(), rc.ctx.clone(), job.clone());
    let handle = tokio::spawn(async move {
        let report = |stage: &str, done: usize, total: usize| progress.set(stage, done, total);
        let r = reg::import::<R>(&app, &ctx, &bytes, opts, Some(&report)).await;
        drop(progress);
        if let Err(e) =
            sanshe_app::jobs::finish(&app, &ctx, &jid, r.map_err(|e| e.to_string())).await
        {
            tracing::error!(job = %jid, error = %e, "could not record an import's outcome");
        }
    });
    let waited = tokio::time::timeout(std::time::Duration::from_millis(1500), handle).await;
    if waited.is_err() {
        return Ok(axum::response::Redirect::to(&format!("/imports/{job}")).into_response());
    }
    let done = sanshe_app::jobs::get(&rc.app, &job, owner)
        .await
        .page(&rc)?
        .ok_or(AppError::NotFound)
        .page(&rc)?;
    let Some(report) = done.report else {
        return Err(PageError::new(
            AppError::Internal(done.error.unwrap_or_default()),
            &rc,
        ));
    };
    let status = if report.issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = with_page(
        &rc,
        &import_page::<R>(&rc, Some(report_view(&rc, &report)), None),
    );
    *r.status_mut() = status;
    Ok(r)
}

/// The XLSX template: Chinese headers (required ones starred) and one example row.
pub async fn template<R: Registry + Example>(rc: Rc) -> PageResult {
    require_create::<R>(&rc)?;
    let bytes = reg::template::<R>(R::EXAMPLE).page(&rc)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}-template.xlsx\"", R::KIND),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The example row of each registry's template.
pub trait Example {
    const EXAMPLE: &'static [&'static str];
}

impl Example for sanshe_app::facilities::Facilities {
    const EXAMPLE: &'static [&'static str] = &[
        "320412100002",
        "示例社区党群服务中心",
        "城乡社区综合服务站",
        "650",
        "示例路1号",
        "08:30-17:30,08:30-17:30,08:30-17:30,08:30-17:30,08:30-17:30,09:00-12:00,休",
        "议事协商、养老服务、文化活动",
        "在用",
    ];
}

impl Example for sanshe_app::orgs::Orgs {
    const EXAMPLE: &'static [&'static str] = &[
        "示例社会工作服务中心",
        "52320412MJ000000XF",
        "",
        "常州市武进区民政局",
        "",
        "320412100",
        "否",
        "养老照护、为民服务",
        "",
        "张三",
        "2018-09-10",
        "示例路2号",
        "8",
        "20",
        "",
        "",
        "",
        "",
    ];
}

impl Example for sanshe_app::workers::Workers {
    const EXAMPLE: &'static [&'static str] = &[
        "李四",
        "320412199003070024",
        "13800138000",
        "320412100002",
        "",
        "社区（村）两委",
        "助理社会工作师",
        "A123456",
        "2019",
        "是",
        "是",
        "否",
        "2019-12-01",
        "",
        "在职",
    ];
}

impl Example for sanshe_app::posts::Posts {
    const EXAMPLE: &'static [&'static str] = &["320412100002", "专职社工（一）", "是", "否", ""];
}

// ---- kind-specific actions ------------------------------------------------------------------

pub async fn add_photo(
    rc: Rc,
    Path(id): Path<i64>,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    // Permission first: a denied user learns nothing from the form's shape.
    may_change_facility(&rc, id).await?;
    let mut mp = mp.map_err(|_| {
        PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new(
                "photo",
                "err-import-no-file",
            )),
            &rc,
        )
    })?;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some("photo") {
            let name = field.file_name().unwrap_or("").to_owned();
            file = field.bytes().await.ok().map(|b| (name, b.to_vec()));
        }
    }
    let (name, bytes) = file.filter(|(_, b)| !b.is_empty()).ok_or_else(|| {
        PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new(
                "photo",
                "err-import-no-file",
            )),
            &rc,
        )
    })?;
    sanshe_app::facilities::add_photo(&rc.app, &rc.ctx, id, &name, &bytes)
        .await
        .page(&rc)?;
    Ok(redirect_flash(&format!("/facilities/{id}"), "flash-saved"))
}

/// Write access to a facility (its photos), checked before anything else is looked at.
async fn may_change_facility(rc: &Rc, id: i64) -> Result<(), PageError> {
    type F = sanshe_app::facilities::Facilities;
    let f = reg::get::<F>(&rc.app, &rc.ctx, id).await.page(rc)?;
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    if !F::can_write(actor, &f) {
        return Err(PageError::new(AppError::Forbidden, rc));
    }
    Ok(())
}

/// Confirmation page before a photo is deleted.
pub async fn delete_photo_form(rc: Rc, Path((id, pid)): Path<(i64, i64)>) -> PageResult {
    type F = sanshe_app::facilities::Facilities;
    may_change_facility(&rc, id).await?;
    let p = sanshe_app::facilities::photos(&rc.app, &rc.ctx, id)
        .await
        .page(&rc)?
        .into_iter()
        .find(|p| p.id == pid)
        .ok_or(AppError::NotFound)
        .page(&rc)?;
    let page = ConfirmPage {
        p: base_page::<F>(&rc, "delete-title").crumb("", rc.tr.t("delete-title")),
        message: rc.tr.f("delete-confirm", &[("name", p.file_name)]),
        action: format!("/facilities/{id}/photos/{pid}/delete"),
        cancel: format!("/facilities/{id}"),
    };
    Ok(with_page(&rc, &page))
}

pub async fn delete_photo(
    rc: Rc,
    Path((id, pid)): Path<(i64, i64)>,
    Form(f): Form<DeleteForm>,
) -> PageResult {
    may_change_facility(&rc, id).await?;
    if f.confirm != "yes" {
        return Err(PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new("confirm", "err-confirm")),
            &rc,
        ));
    }
    sanshe_app::facilities::delete_photo(&rc.app, &rc.ctx, id, pid)
        .await
        .page(&rc)?;
    Ok(redirect_flash(
        &format!("/facilities/{id}"),
        "flash-deleted",
    ))
}

pub async fn photo(rc: Rc, Path((id, pid)): Path<(i64, i64)>) -> PageResult {
    let (ctype, bytes) = sanshe_app::facilities::photo(&rc.app, &rc.ctx, id, pid)
        .await
        .page(&rc)?;
    Ok((
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(serde::Deserialize, Default)]
pub struct SubsidyForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    paid_on: String,
}

pub async fn add_subsidy(rc: Rc, Path(id): Path<i64>, Form(f): Form<SubsidyForm>) -> PageResult {
    sanshe_app::workers::add_subsidy(&rc.app, &rc.ctx, id, &f.year, &f.amount, &f.paid_on)
        .await
        .page(&rc)?;
    Ok(redirect_flash(&format!("/workers/{id}"), "flash-saved"))
}

#[derive(serde::Deserialize, Default)]
pub struct CpdForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    provider: String,
}

pub async fn add_cpd(rc: Rc, Path(id): Path<i64>, Form(f): Form<CpdForm>) -> PageResult {
    sanshe_app::workers::add_cpd(
        &rc.app,
        &rc.ctx,
        id,
        &f.date,
        &f.hours,
        &f.topic,
        &f.provider,
    )
    .await
    .page(&rc)?;
    Ok(redirect_flash(&format!("/workers/{id}"), "flash-saved"))
}

pub async fn add_fund(
    rc: Rc,
    Path(id): Path<i64>,
    Form(f): Form<sanshe_app::orgs::FundInput>,
) -> PageResult {
    sanshe_app::orgs::add_fund_entry(&rc.app, &rc.ctx, id, &f)
        .await
        .page(&rc)?;
    Ok(redirect_flash(&format!("/orgs/{id}"), "flash-saved"))
}

#[derive(Template)]
#[template(path = "import_job.html")]
struct JobPage {
    p: Page,
    kind: String,
    finished: bool,
    stage: String,
    done: usize,
    total: usize,
    percent: usize,
    report: Option<ReportView>,
    error: Option<String>,
}

/// A background import's progress, then its report (only for the account that started it).
pub async fn job(rc: Rc, Path(id): Path<String>) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    let j = sanshe_app::jobs::get(&rc.app, &id, actor.user_id)
        .await
        .page(&rc)?
        .ok_or(AppError::NotFound)
        .page(&rc)?;
    let page = JobPage {
        p: Page::new(&rc, "job-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb(
                &format!("/{}", j.kind),
                rc.tr.t(&format!("{}-title", j.kind)),
            )
            .crumb("", rc.tr.t("job-title")),
        finished: j.finished.is_some(),
        stage: rc.tr.t(&format!("job-stage-{}", j.stage)).to_owned(),
        done: j.done,
        total: j.total.max(1),
        percent: j.done * 100 / j.total.max(1),
        report: j.report.as_ref().map(|r| report_view(&rc, r)),
        error: j.error.clone(),
        kind: j.kind,
    };
    Ok(with_page(&rc, &page))
}

/// A foundation's ledger as CSV or XLSX (everyone who may see the organization; audited).
pub async fn fund_export(rc: Rc, Path((id, format)): Path<(i64, String)>) -> PageResult {
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(PageError::new(AppError::NotFound, &rc));
    }
    let entries = sanshe_app::orgs::fund_ledger(&rc.app, &rc.ctx, id)
        .await
        .page(&rc)?;
    let t = |k: &str| rc.tr.t(k).to_owned();
    let headers_owned = [
        t("col-date"),
        t("col-fund-kind"),
        t("col-amount"),
        t("col-balance"),
        t("col-counterparty"),
        t("col-memo"),
    ];
    let headers: Vec<&str> = headers_owned.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                e.entry_date.clone(),
                t(&format!("fund-{}", e.kind)),
                sanshe_app::registry::yuan(e.amount_fen),
                sanshe_app::registry::yuan(e.balance_fen),
                e.counterparty.clone().unwrap_or_default(),
                e.memo.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let name = format!("fund-{id}-{}", sanshe_app::registry::today());
    super::areas::file_response(&rc, &format, &name, &headers, &rows)
}
