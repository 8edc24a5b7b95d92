//! The needs export (CSV/XLSX) and the picture of needs by community × category.

use super::*;
use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{datetime, with_page, Page};
use askama::Template;
use axum::extract::{Path, Query};
use sanshe_app::needs::{self};
use sanshe_app::AppError;
use sanshe_domain::needs::Needs;
use sanshe_domain::workflow::Workflow;

pub async fn export(rc: Rc, Path(format): Path<String>, Query(q): Query<NeedQuery>) -> PageResult {
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(PageError::new(AppError::NotFound, &rc));
    }
    let rows = needs::export(
        &rc.app,
        &rc.ctx,
        filter_of(&q),
        q.sort.as_deref().unwrap_or(""),
    )
    .await
    .page(&rc)?;
    let cats = needs::categories(&rc.app).await.page(&rc)?;
    let t = |k: &str| rc.tr.t(k).to_owned();
    let headers_owned = [
        "#".to_owned(),
        t("col-title"),
        t("need-community"),
        t("need-category"),
        t("col-state"),
        t("need-urgency"),
        t("need-channel"),
        t("need-people"),
        t("need-contact"),
        t("need-phone"),
        t("need-raised"),
        t("need-due"),
        t("need-overdue"),
        t("need-reply"),
    ];
    let headers: Vec<&str> = headers_owned.iter().map(String::as_str).collect();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|n| {
            vec![
                n.id.to_string(),
                n.title.clone(),
                format!("{} {}", n.area_code, n.area_name),
                category_name(&cats, &rc.tr, &n.category),
                rc.tr.t(&state_key(&n.state)).to_owned(),
                rc.tr.t(&urgency_key(&n.urgency)).to_owned(),
                rc.tr.t(&channel_key(&n.channel)).to_owned(),
                n.people.to_string(),
                n.contact_name_masked.clone(),
                n.phone_masked.clone(),
                datetime(n.created_at),
                n.due_on.clone(),
                if needs::is_overdue(n) {
                    t("yes")
                } else {
                    String::new()
                },
                if n.reply.is_empty() {
                    n.reason.clone()
                } else {
                    n.reply.clone()
                },
            ]
        })
        .collect();
    let name = format!("needs-{}", sanshe_app::registry::today());
    crate::pages::areas::file_response(&rc, &format, &name, &headers, &table)
}

pub struct StatRow {
    pub code: String,
    pub name: String,
    /// Per category column: total needs.
    pub cells: Vec<i64>,
    /// Heat shade 0–4 of each cell (its share of the table's largest cell).
    pub shades: Vec<i64>,
    pub total: i64,
    pub open: i64,
    pub overdue: i64,
    pub max: i64,
}

#[derive(Template)]
#[template(path = "needs/stats.html")]
struct StatsPage {
    p: Page,
    columns: Vec<(String, String)>,
    rows: Vec<StatRow>,
    states: Vec<(String, i64)>,
    col_totals: Vec<i64>,
    total: i64,
    overdue: i64,
    max: i64,
    q: NeedQuery,
    categories: Vec<Opt>,
}

/// Heat table: communities (rows) × categories (columns), with counts by state and overdue.
pub async fn stats(rc: Rc, Query(q): Query<NeedQuery>) -> PageResult {
    let mut f = filter_of(&q);
    // The table is per category; a category filter narrows the columns only.
    let only_cat = f.category.take();
    let cells = needs::stats(&rc.app, &rc.ctx, f).await.page(&rc)?;
    let cats = needs::categories(&rc.app).await.page(&rc)?;
    let columns: Vec<(String, String)> = cats
        .iter()
        .filter(|c| only_cat.as_deref().is_none_or(|o| o == c.code))
        .map(|c| (c.code.clone(), category_name(&cats, &rc.tr, &c.code)))
        .collect();
    let mut rows: Vec<StatRow> = Vec::new();
    let mut states: Vec<(String, i64)> = Needs::STATES
        .iter()
        .map(|s| (Needs::state_name(*s).to_owned(), 0))
        .collect();
    for c in cells
        .iter()
        .filter(|c| only_cat.as_deref().is_none_or(|o| o == c.category))
    {
        if rows.last().is_none_or(|r| r.code != c.area_code) {
            rows.push(StatRow {
                code: c.area_code.clone(),
                name: c.area_name.clone(),
                cells: vec![0; columns.len()],
                shades: Vec::new(),
                total: 0,
                open: 0,
                overdue: 0,
                max: 0,
            });
        }
        if let Some(r) = rows.last_mut() {
            if let Some(i) = columns.iter().position(|(k, _)| *k == c.category) {
                r.cells[i] += c.count;
            }
            r.total += c.count;
            r.overdue += c.overdue;
            if c.state == "submitted" || c.state == "accepted" {
                r.open += c.count;
            }
        }
        if let Some(s) = states.iter_mut().find(|(k, _)| *k == c.state) {
            s.1 += c.count;
        }
    }
    let mut max = 0;
    for r in rows.iter_mut() {
        r.max = r.cells.iter().copied().max().unwrap_or(0);
        max = max.max(r.max);
    }
    for r in rows.iter_mut() {
        r.shades = r.cells.iter().map(|n| heat(*n, max)).collect();
    }
    let col_totals = (0..columns.len())
        .map(|i| rows.iter().map(|r| r.cells[i]).sum())
        .collect();
    let all = rc.tr.t("all").to_owned();
    let page = StatsPage {
        p: Page::new(&rc, "needs-stats-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/needs", rc.tr.t("needs-title"))
            .crumb("", rc.tr.t("needs-stats-title")),
        total: rows.iter().map(|r| r.total).sum(),
        overdue: rows.iter().map(|r| r.overdue).sum(),
        states: states
            .into_iter()
            .map(|(k, n)| (rc.tr.t(&state_key(&k)).to_owned(), n))
            .collect(),
        categories: opts(
            &all,
            cats.iter()
                .map(|c| (c.code.clone(), category_name(&cats, &rc.tr, &c.code)))
                .collect(),
            &only_cat,
        ),
        columns,
        rows,
        col_totals,
        max,
        q,
    };
    Ok(with_page(&rc, &page))
}

/// Shade of a heat-table cell: 0–4 by the count's share of the largest.
pub fn heat(n: i64, max: i64) -> i64 {
    if n <= 0 || max <= 0 {
        0
    } else {
        1 + (n * 3 / max).min(3)
    }
}

#[derive(Template)]
#[template(path = "needs/categories.html")]
struct CategoriesPage {
    p: Page,
    cats: Vec<Category>,
    errors: Vec<String>,
}

async fn categories_page(rc: &Rc, errors: Vec<String>) -> PageResult {
    sanshe_app::authz::require(
        rc.actor().ok_or(AppError::Unauthenticated).page(rc)?,
        sanshe_app::authz::Perm::NeedConfigure,
    )
    .page(rc)?;
    let page = CategoriesPage {
        p: Page::new(rc, "need-categories-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/needs", rc.tr.t("needs-title"))
            .crumb("", rc.tr.t("need-categories-title")),
        cats: needs::categories(&rc.app).await.page(rc)?,
        errors: errors.clone(),
    };
    let mut r = with_page(rc, &page);
    if !errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

/// The need categories (district administrator).
pub async fn categories(rc: Rc) -> PageResult {
    categories_page(&rc, Vec::new()).await
}

#[derive(serde::Deserialize, Default)]
pub struct CategoryForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    active: Option<String>,
}

pub async fn save_category(rc: Rc, axum::Form(f): axum::Form<CategoryForm>) -> PageResult {
    let input = sanshe_app::needs::CategoryInput {
        code: f.code,
        name_zh: f.name_zh,
        name_en: f.name_en,
        active: f.active.is_some(),
    };
    match needs::set_category(&rc.app, &rc.ctx, &input).await {
        Ok(_) => Ok(crate::view::redirect_flash(
            "/needs/categories",
            "flash-saved",
        )),
        Err(AppError::Invalid(fs)) => {
            let errs = fs.iter().map(|e| rc.tr.field_error(e)).collect();
            categories_page(&rc, errs).await
        }
        Err(e) => Err(crate::error::PageError::new(e, &rc)),
    }
}
