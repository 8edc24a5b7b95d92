//! Area pages: list (search, filters, sort, pagination, export), tree, detail, edit,
//! population, import.

use super::registry::{report_view, ImportPage, ReportView};
use super::{opt_i64, FormErrors, OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{num, query_string, redirect_flash, with_page, Page, Pager};
use askama::Template;
use axum::extract::{Multipart, Path, Query};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Form;
use sanshe_app::areas::{self, AreaUpdate};
use sanshe_app::AppError;
use sanshe_store::areas::{AreaFilter, AreaRow, AreaSort, PopulationRow};
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct ListQuery {
    q: Option<String>,
    level: Option<String>,
    urban: Option<String>,
    parent: Option<String>,
    sort: Option<String>,
    year: Option<String>,
    page: Option<String>,
    view: Option<String>,
}

pub struct Parsed {
    pub filter: AreaFilter,
    pub sort: AreaSort,
    pub year: i64,
    pub page: sanshe_store::PageReq,
}

fn nonempty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

async fn parse_list(rc: &Rc, q: &ListQuery) -> Result<Parsed, PageError> {
    let bad = |field: &str| {
        PageError::new(
            AppError::invalid(sanshe_domain::FieldError::new(field, "err-number")),
            rc,
        )
    };
    let year = match opt_i64(&q.year).map_err(|_| bad("year"))? {
        Some(y) => y,
        None => areas::default_year(&rc.app).await.page(rc)?,
    };
    let page = opt_i64(&q.page).map_err(|_| bad("page"))?;
    Ok(Parsed {
        filter: AreaFilter {
            within: None,
            parent: nonempty(&q.parent),
            level: nonempty(&q.level).filter(|l| sanshe_domain::AreaLevel::parse(l).is_some()),
            urban: match q.urban.as_deref() {
                Some("urban") => Some(true),
                Some("rural") => Some(false),
                _ => None,
            },
            q: nonempty(&q.q),
        },
        sort: match q.sort.as_deref() {
            Some("name") => AreaSort::Name,
            Some("residents") => AreaSort::Residents,
            _ => AreaSort::Code,
        },
        year,
        page: crate::view::page_req(page, Some(50)),
    })
}

pub struct AreaView {
    pub code: String,
    pub name: String,
    pub level: String,
    pub urban: String,
    pub residents: String,
    pub households: String,
    pub children: i64,
    pub demo: bool,
}

fn view(rc: &Rc, a: &AreaRow) -> AreaView {
    AreaView {
        code: a.code.clone(),
        name: a.name.clone(),
        level: rc.tr.t(&format!("level-{}", a.level)).to_owned(),
        urban: rc.tr.t(if a.urban { "urban" } else { "rural" }).to_owned(),
        residents: num(a.residents),
        households: num(a.households),
        children: a.children,
        demo: a.demo,
    }
}

#[derive(Template)]
#[template(path = "areas/list.html")]
struct AreasPage {
    p: Page,
    q: ListQuery,
    year: i64,
    rows: Vec<AreaView>,
    pager: Pager,
    export_qs: String,
    tree: Vec<(AreaView, Vec<AreaView>)>,
    tree_view: bool,
}

pub async fn list(rc: Rc, Query(q): Query<ListQuery>) -> PageResult {
    let parsed = parse_list(&rc, &q).await?;
    let tree_view = q.view.as_deref() == Some("tree");
    let params = [
        ("q", q.q.clone().unwrap_or_default()),
        ("level", q.level.clone().unwrap_or_default()),
        ("urban", q.urban.clone().unwrap_or_default()),
        ("parent", q.parent.clone().unwrap_or_default()),
        ("sort", q.sort.clone().unwrap_or_default()),
        ("year", parsed.year.to_string()),
    ];
    let mut tree = Vec::new();
    let (rows, pager) = if tree_view {
        // Roots with their children; each child links to its own page for the next level.
        for root in areas::tree_roots(&rc.app, &rc.ctx, parsed.year)
            .await
            .page(&rc)?
        {
            let kids = areas::children(&rc.app, &rc.ctx, &root.code, parsed.year)
                .await
                .page(&rc)?;
            tree.push((
                view(&rc, &root),
                kids.iter().map(|k| view(&rc, k)).collect(),
            ));
        }
        let empty: sanshe_store::Paged<AreaRow> = sanshe_store::Paged {
            items: vec![],
            total: 0,
            page: 1,
            per_page: 50,
        };
        (Vec::new(), Pager::new("/areas", &params, &empty))
    } else {
        let res = areas::list(
            &rc.app,
            &rc.ctx,
            parsed.filter,
            parsed.sort,
            parsed.year,
            parsed.page,
        )
        .await
        .page(&rc)?;
        (
            res.items.iter().map(|a| view(&rc, a)).collect(),
            Pager::new("/areas", &params, &res),
        )
    };
    let page = AreasPage {
        p: Page::new(&rc, "areas-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("", rc.tr.t("areas-title")),
        year: parsed.year,
        export_qs: query_string(&params),
        q,
        rows,
        pager,
        tree,
        tree_view,
    };
    Ok(with_page(&rc, &page))
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(flatten)]
    list: ListQuery,
}

pub async fn export(
    rc: Rc,
    Path(format): Path<String>,
    Query(q): Query<ExportQuery>,
) -> PageResult {
    let q = q.list;
    let mut parsed = parse_list(&rc, &q).await?;
    parsed.page = sanshe_store::PageReq {
        page: 1,
        per_page: 1_000_000,
    };
    let res = areas::list(
        &rc.app,
        &rc.ctx,
        parsed.filter,
        parsed.sort,
        parsed.year,
        parsed.page,
    )
    .await
    .page(&rc)?;
    let tr = rc.tr;
    let headers: Vec<&str> = [
        "col-code",
        "col-name",
        "col-level",
        "col-parent",
        "col-urban",
        "col-residents",
        "col-households",
    ]
    .iter()
    .map(|k| tr.t(k))
    .collect();
    let rows: Vec<Vec<String>> = res
        .items
        .iter()
        .map(|a| {
            vec![
                a.code.clone(),
                a.name.clone(),
                tr.t(&format!("level-{}", a.level)).to_owned(),
                a.parent_code.clone().unwrap_or_default(),
                tr.t(if a.urban { "urban" } else { "rural" }).to_owned(),
                a.residents.map(|v| v.to_string()).unwrap_or_default(),
                a.households.map(|v| v.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    let name = format!("areas-{}", parsed.year);
    file_response(&rc, &format, &name, &headers, &rows)
}

/// A CSV or XLSX download of a table.
pub fn file_response(
    rc: &Rc,
    format: &str,
    name: &str,
    headers: &[&str],
    rows: &[Vec<String>],
) -> PageResult {
    let (bytes, ctype, ext) = match format {
        "csv" => (
            sanshe_io::export::csv(headers, rows),
            "text/csv; charset=utf-8",
            "csv",
        ),
        "xlsx" => (
            sanshe_io::export::xlsx(name.split('-').next().unwrap_or("sheet"), headers, rows),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => return Err(PageError::new(AppError::NotFound, rc)),
    };
    let bytes = bytes.map_err(|e| PageError::new(AppError::Internal(e.to_string()), rc))?;
    Ok((
        [
            (header::CONTENT_TYPE, ctype.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "areas/detail.html")]
struct AreaPage {
    p: Page,
    a: AreaView,
    urban_overridden: bool,
    parent: Option<(String, String)>,
    children: Vec<AreaView>,
    populations: Vec<(i64, String, String)>,
    can_edit: bool,
    is_community: bool,
    year: i64,
}

#[derive(Deserialize, Default)]
pub struct YearQuery {
    year: Option<String>,
}

fn area_crumbs(rc: &Rc, mut p: Page, ancestors: &[AreaRow], last: Option<&AreaRow>) -> Page {
    p = p
        .crumb("/", rc.tr.t("nav-home"))
        .crumb("/areas", rc.tr.t("areas-title"));
    let actor = rc.actor();
    for a in ancestors {
        // Ancestors above the actor's scope are shown as text, not links.
        let link = actor.is_some_and(|ac| sanshe_app::authz::area_in_scope(ac, &a.code));
        p = p.crumb(
            if link {
                format!("/areas/{}", a.code)
            } else {
                String::new()
            }
            .as_str(),
            a.name.clone(),
        );
    }
    if let Some(a) = last {
        p = p.crumb("", a.name.clone());
    }
    p
}

pub async fn detail(rc: Rc, Path(code): Path<String>, Query(q): Query<YearQuery>) -> PageResult {
    let year = match opt_i64(&q.year) {
        Ok(Some(y)) => y,
        _ => areas::default_year(&rc.app).await.page(&rc)?,
    };
    let d = areas::get(&rc.app, &rc.ctx, &code, year).await.page(&rc)?;
    let p = area_crumbs(
        &rc,
        Page::new(&rc, "area-title"),
        &d.ancestors,
        Some(&d.area),
    );
    let page = AreaPage {
        p,
        a: view(&rc, &d.area),
        urban_overridden: d.area.urban_overridden,
        parent: d.ancestors.last().map(|a| (a.code.clone(), a.name.clone())),
        children: d.children.iter().map(|c| view(&rc, c)).collect(),
        populations: d
            .populations
            .iter()
            .map(|p| (p.year, num(Some(p.residents)), num(Some(p.households))))
            .collect(),
        can_edit: d.can_edit,
        is_community: d.area.level == "community",
        year,
    };
    Ok(with_page(&rc, &page))
}

#[derive(Template)]
#[template(path = "areas/form.html")]
struct AreaEditPage {
    p: Page,
    code: String,
    name: String,
    urban_choice: String,
    default_urban: String,
    is_community: bool,
    /// (field, value, label)
    pop_fields: Vec<(String, String, String)>,
    errors: FormErrors,
}

#[derive(Deserialize, Default)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    urban: String,
}

#[derive(Deserialize, Default)]
pub struct PopulationForm {
    #[serde(default)]
    year: String,
    #[serde(default)]
    residents: String,
    #[serde(default)]
    households: String,
}

async fn edit_page(
    rc: &Rc,
    code: &str,
    form: Option<EditForm>,
    pop: Option<PopulationForm>,
    errors: FormErrors,
) -> PageResult {
    let year = areas::default_year(&rc.app).await.page(rc)?;
    let d = areas::get(&rc.app, &rc.ctx, code, year).await.page(rc)?;
    if !d.can_edit {
        return Err(PageError::new(AppError::Forbidden, rc));
    }
    let parsed = sanshe_domain::AreaCode::parse(code)
        .map_err(|e| PageError::new(AppError::invalid(e), rc))?;
    let p = area_crumbs(rc, Page::new(rc, "area-edit-title"), &d.ancestors, None)
        .crumb(&format!("/areas/{code}"), d.area.name.clone())
        .crumb("", rc.tr.t("area-edit-title"));
    let cur = d.populations.iter().find(|p| p.year == year);
    let page = AreaEditPage {
        p,
        code: code.to_owned(),
        name: form
            .as_ref()
            .map(|f| f.name.clone())
            .unwrap_or_else(|| d.area.name.clone()),
        urban_choice: form.map(|f| f.urban).unwrap_or_else(|| {
            if !d.area.urban_overridden {
                "default".into()
            } else if d.area.urban {
                "urban".into()
            } else {
                "rural".into()
            }
        }),
        default_urban: rc
            .tr
            .t(if parsed.default_urban() {
                "urban"
            } else {
                "rural"
            })
            .to_owned(),
        is_community: d.area.level == "community",
        pop_fields: vec![
            (
                "year".into(),
                pop.as_ref()
                    .map(|p| p.year.clone())
                    .unwrap_or_else(|| year.to_string()),
                rc.tr.t("col-year").into(),
            ),
            (
                "residents".into(),
                pop.as_ref()
                    .map(|p| p.residents.clone())
                    .unwrap_or_else(|| cur.map(|c| c.residents.to_string()).unwrap_or_default()),
                rc.tr.t("col-residents").into(),
            ),
            (
                "households".into(),
                pop.as_ref()
                    .map(|p| p.households.clone())
                    .unwrap_or_else(|| cur.map(|c| c.households.to_string()).unwrap_or_default()),
                rc.tr.t("col-households").into(),
            ),
        ],
        errors,
    };
    let mut r = with_page(rc, &page);
    if !page.errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn edit_form(rc: Rc, Path(code): Path<String>) -> PageResult {
    edit_page(&rc, &code, None, None, FormErrors::default()).await
}

pub async fn edit(rc: Rc, Path(code): Path<String>, Form(f): Form<EditForm>) -> PageResult {
    let urban = match f.urban.as_str() {
        "urban" => Some(Some(true)),
        "rural" => Some(Some(false)),
        "default" => Some(None),
        _ => None,
    };
    let upd = AreaUpdate {
        name: Some(f.name.clone()),
        urban,
    };
    match areas::update(&rc.app, &rc.ctx, &code, &upd).await {
        Ok(()) => Ok(redirect_flash(&format!("/areas/{code}"), "flash-saved")),
        Err(e) => match FormErrors::from_app(&e, &rc) {
            Some(fe) => edit_page(&rc, &code, Some(f), None, fe).await,
            None => Err(PageError::new(e, &rc)),
        },
    }
}

pub async fn population(
    rc: Rc,
    Path(code): Path<String>,
    Form(f): Form<PopulationForm>,
) -> PageResult {
    let mut fe = FormErrors::default();
    let mut parse = |field: &str, v: &str| -> i64 {
        match v.trim().replace([',', '，', ' '], "").parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                fe.0.insert(field.into(), rc.tr.t("err-number").to_owned());
                -1
            }
        }
    };
    let p = PopulationRow {
        year: parse("year", &f.year),
        residents: parse("residents", &f.residents),
        households: parse("households", &f.households),
    };
    let res = if fe.is_empty() {
        areas::set_population(&rc.app, &rc.ctx, &code, &p).await
    } else {
        Err(AppError::Invalid(vec![]))
    };
    match res {
        Ok(()) => Ok(redirect_flash(&format!("/areas/{code}"), "flash-saved")),
        Err(e) => {
            if let Some(more) = FormErrors::from_app(&e, &rc) {
                fe.0.extend(more.0);
            } else {
                return Err(PageError::new(e, &rc));
            }
            edit_page(&rc, &code, None, Some(f), fe).await
        }
    }
}

/// The division import page: the shared import page without a column table (the NBS
/// file's columns are fixed).
fn import_page(rc: &Rc, report: Option<ReportView>, error: Option<String>) -> ImportPage {
    ImportPage {
        p: Page::new(rc, "import-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/areas", rc.tr.t("areas-title"))
            .crumb("", rc.tr.t("import-title")),
        base: "/areas".into(),
        intro: rc.tr.t("import-intro").to_owned(),
        template_href: "/areas/import/template.csv".into(),
        accept: ".csv,text/csv",
        columns: Vec::new(),
        report,
        error,
    }
}

pub async fn import_form(rc: Rc) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    sanshe_app::authz::require(actor, sanshe_app::authz::Perm::AreaImport).page(&rc)?;
    Ok(with_page(&rc, &import_page(&rc, None, None)))
}

pub async fn import(rc: Rc, mp: Multipart) -> PageResult {
    let (file, opts) = super::read_upload(mp).await;
    let Some(bytes) = file else {
        // Permission first: a denied user learns nothing about the form.
        let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
        sanshe_app::authz::require(actor, sanshe_app::authz::Perm::AreaImport).page(&rc)?;
        let error = Some(rc.tr.t("err-import-no-file").to_owned());
        let mut r = with_page(&rc, &import_page(&rc, None, error));
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    };
    let report = areas::import(&rc.app, &rc.ctx, &bytes, opts)
        .await
        .page(&rc)?;
    let status = if report.issues.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut r = with_page(
        &rc,
        &import_page(&rc, Some(report_view(&rc, &report)), None),
    );
    *r.status_mut() = status;
    Ok(r)
}

/// The template for the division import: the NBS header and one example row.
pub async fn import_template(rc: Rc) -> PageResult {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(&rc)?;
    sanshe_app::authz::require(actor, sanshe_app::authz::Perm::AreaImport).page(&rc)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"divisions-template.csv\""),
        ],
        "\u{feff}code,name,streetCode,provinceCode,cityCode,areaCode\n320412100001,示例社区居委会,320412100,32,3204,320412\n",
    )
        .into_response())
}
