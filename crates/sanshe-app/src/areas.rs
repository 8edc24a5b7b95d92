//! Areas: browse within scope, edit, populations, and division import.

use crate::authz::{self, Perm};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::{AreaCode, FieldError};
use sanshe_io::divisions::{self, DivisionFile};
use sanshe_io::RowIssue;
use sanshe_store::areas::{self as store, AreaFilter, AreaRow, AreaSort, PopulationRow};
use sanshe_store::{PageReq, Paged};
use std::collections::{HashMap, HashSet};

/// The year lists default to: the latest with population figures, else this year.
pub async fn default_year(app: &App) -> Result<i64, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(store::latest_year(&mut c, crate::current_year())
        .await?
        .unwrap_or_else(crate::current_year))
}

pub async fn list(
    app: &App,
    ctx: &Ctx,
    mut f: AreaFilter,
    sort: AreaSort,
    year: i64,
    page: PageReq,
) -> Result<Paged<AreaRow>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::AreaRead)?;
    // The scope always narrows; a requested subtree outside the scope yields nothing.
    if let Some(root) = authz::area_root(actor) {
        match &f.within {
            Some(w) if w.starts_with(&root) => {}
            Some(_) => f.within = Some("-".into()),
            None => f.within = Some(root),
        }
    }
    let mut c = app.db.acquire().await?;
    Ok(store::list(&mut c, &f, sort, year, page).await?)
}

/// An area with its ancestors (for breadcrumbs), children and population history.
pub struct AreaDetail {
    pub area: AreaRow,
    pub ancestors: Vec<AreaRow>,
    pub children: Vec<AreaRow>,
    pub populations: Vec<PopulationRow>,
    pub can_edit: bool,
}

pub async fn get(app: &App, ctx: &Ctx, code: &str, year: i64) -> Result<AreaDetail, AppError> {
    let actor = ctx.actor()?;
    authz::require_area(actor, Perm::AreaRead, code)?;
    let mut c = app.db.acquire().await?;
    let area = store::get(&mut c, code, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut ancestors = Vec::new();
    let mut parent = area.parent_code.clone();
    while let Some(p) = parent {
        let Some(a) = store::get(&mut c, &p, year).await? else {
            break;
        };
        parent = a.parent_code.clone();
        ancestors.insert(0, a);
    }
    let children = store::children(&mut c, code, year).await?;
    let populations = store::populations(&mut c, code).await?;
    Ok(AreaDetail {
        area,
        ancestors,
        children,
        populations,
        can_edit: authz::require_area(actor, Perm::AreaWrite, code).is_ok(),
    })
}

/// Top of the tree for this actor: its scope root, or every district.
pub async fn tree_roots(app: &App, ctx: &Ctx, year: i64) -> Result<Vec<AreaRow>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::AreaRead)?;
    let mut c = app.db.acquire().await?;
    match authz::area_root(actor) {
        Some(root) => Ok(store::get(&mut c, &root, year).await?.into_iter().collect()),
        None => Ok(store::roots(&mut c, year).await?),
    }
}

pub async fn children(
    app: &App,
    ctx: &Ctx,
    code: &str,
    year: i64,
) -> Result<Vec<AreaRow>, AppError> {
    let actor = ctx.actor()?;
    authz::require_area(actor, Perm::AreaRead, code)?;
    let mut c = app.db.acquire().await?;
    Ok(store::children(&mut c, code, year).await?)
}

#[derive(Debug, Clone, Default)]
pub struct AreaUpdate {
    pub name: Option<String>,
    /// Some(Some(b)): override; Some(None): back to the default from the code.
    pub urban: Option<Option<bool>>,
}

pub async fn update(app: &App, ctx: &Ctx, code: &str, u: &AreaUpdate) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require_area(actor, Perm::AreaWrite, code)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let cur = store::get(&mut tx, code, 0)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = match &u.name {
        Some(n) => {
            let n = n.trim();
            if n.is_empty() {
                return Err(AppError::invalid(FieldError::new("name", "err-required")));
            }
            if n.chars().count() > 100 {
                return Err(AppError::invalid(
                    FieldError::new("name", "err-too-long").arg("max", 100),
                ));
            }
            n.to_owned()
        }
        None => cur.name.clone(),
    };
    let parsed = AreaCode::parse(code).map_err(AppError::invalid)?;
    let (urban, overridden) = match u.urban {
        None => (cur.urban, cur.urban_overridden),
        Some(None) => (parsed.default_urban(), false),
        Some(Some(b)) => (b, b != parsed.default_urban()),
    };
    store::update(&mut tx, code, &name, urban, overridden).await?;
    let mut changes = Vec::new();
    if name != cur.name {
        changes.push(format!("name: {} → {}", cur.name, name));
    }
    if urban != cur.urban || overridden != cur.urban_overridden {
        changes.push(format!(
            "urban: {} → {}{}",
            cur.urban,
            urban,
            if overridden { " (override)" } else { "" }
        ));
    }
    if changes.is_empty() {
        changes.push("no change".into());
    }
    tx.commit(ctx.audit_entry(
        Action::AreaUpdate,
        Some(code.to_owned()),
        changes.join("; "),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

pub fn validate_population(
    year: i64,
    residents: i64,
    households: i64,
) -> Result<(), Vec<FieldError>> {
    let mut errs = Vec::new();
    if !(1949..=2100).contains(&year) {
        errs.push(
            FieldError::new("year", "err-range")
                .arg("min", 1949)
                .arg("max", 2100),
        );
    }
    if !(0..=5_000_000).contains(&residents) {
        errs.push(
            FieldError::new("residents", "err-range")
                .arg("min", 0)
                .arg("max", 5_000_000),
        );
    }
    if !(0..=5_000_000).contains(&households) {
        errs.push(
            FieldError::new("households", "err-range")
                .arg("min", 0)
                .arg("max", 5_000_000),
        );
    } else if households > residents && residents > 0 {
        errs.push(FieldError::new("households", "err-households-exceed"));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs)
    }
}

/// Population is recorded for communities; street and district figures are their sums.
pub async fn set_population(
    app: &App,
    ctx: &Ctx,
    code: &str,
    p: &PopulationRow,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require_area(actor, Perm::AreaWrite, code)?;
    validate_population(p.year, p.residents, p.households).map_err(AppError::Invalid)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let area = store::get(&mut tx, code, p.year)
        .await?
        .ok_or(AppError::NotFound)?;
    if area.level != "community" {
        return Err(AppError::invalid(FieldError::new(
            "residents",
            "err-population-community-only",
        )));
    }
    store::set_population(&mut tx, code, p).await?;
    tx.commit(ctx.audit_entry(
        Action::AreaPopulation,
        Some(code.to_owned()),
        format!(
            "{}: residents {} → {}, households {} → {}",
            p.year,
            area.residents.map_or("-".into(), |v| v.to_string()),
            p.residents,
            area.households.map_or("-".into(), |v| v.to_string()),
            p.households
        ),
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Validate and report only; write nothing.
    pub dry_run: bool,
    /// Write the valid rows even when others are bad.
    pub only_valid: bool,
    /// Mark the rows as demo data.
    pub demo: bool,
}

#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    pub total_rows: usize,
    pub valid_rows: usize,
    /// Rows that already exist with the same code (left unchanged).
    pub existing_rows: usize,
    pub inserted: usize,
    pub issues: Vec<RowIssue>,
    pub committed: bool,
    pub dry_run: bool,
}

fn level_for(kind: DivisionFile, code: &AreaCode) -> Result<(), &'static str> {
    use sanshe_domain::AreaLevel::*;
    let expected = match kind {
        DivisionFile::Counties => District,
        DivisionFile::Streets => Street,
        DivisionFile::Communities => Community,
        DivisionFile::Generic => return Ok(()),
    };
    if code.level() == expected {
        Ok(())
    } else {
        Err("err-import-level")
    }
}

/// Imports divisions from an NBS-format CSV. Every row is validated first; unless
/// `only_valid` is set, nothing is written when any row is bad.
pub async fn import(
    app: &App,
    ctx: &Ctx,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<ImportReport, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::AreaImport)?;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let (kind, parsed) = match divisions::parse(bytes) {
        Ok(p) => p,
        Err(issue) => {
            report.issues.push(issue);
            return Ok(report);
        }
    };
    report.total_rows = parsed.rows.len()
        + parsed
            .issues
            .iter()
            .map(|i| i.row)
            .collect::<HashSet<_>>()
            .len();
    report.issues = parsed.issues;
    let pcol = divisions::parent_column(kind);
    // First pass: structure, scope, duplicates within the file.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut candidates = Vec::new();
    for r in &parsed.rows {
        let code = match AreaCode::parse(&r.code) {
            Ok(c) => c,
            Err(e) => {
                report.issues.push(RowIssue {
                    row: r.row,
                    column: "code".into(),
                    code: e.code,
                    args: e.args,
                });
                continue;
            }
        };
        if let Err(e) = level_for(kind, &code) {
            report
                .issues
                .push(RowIssue::new(r.row, "code", e).arg("len", code.as_str().len()));
            continue;
        }
        let expected_parent = code.parent().map(|p| p.as_str().to_owned());
        let given_parent = r
            .parent
            .as_deref()
            .map(|p| AreaCode::parse(p).map(|c| c.as_str().to_owned()));
        match (kind, &given_parent, &expected_parent) {
            (DivisionFile::Counties, _, _) => {}
            (_, Some(Ok(g)), Some(e)) if g == e => {}
            (DivisionFile::Generic, None, None) => {}
            (_, Some(Err(_)), _) => {
                report
                    .issues
                    .push(RowIssue::new(r.row, pcol, "err-import-parent-format"));
                continue;
            }
            _ => {
                report.issues.push(
                    RowIssue::new(r.row, pcol, "err-import-parent-mismatch").arg(
                        "expected",
                        expected_parent.clone().unwrap_or_else(|| "-".into()),
                    ),
                );
                continue;
            }
        }
        if !authz::area_in_scope(actor, code.as_str()) {
            report
                .issues
                .push(RowIssue::new(r.row, "code", "err-import-out-of-scope"));
            continue;
        }
        if let Some(first) = seen.get(code.as_str()) {
            report
                .issues
                .push(RowIssue::new(r.row, "code", "err-import-duplicate").arg("first", first));
            continue;
        }
        seen.insert(code.as_str().to_owned(), r.row);
        candidates.push((r, code, expected_parent));
    }
    // Second pass: against the database — existing codes, parents.
    let mut tx = crate::uow::Uow::begin(app).await?;
    let mut lookup: Vec<String> = candidates
        .iter()
        .map(|(_, c, _)| c.as_str().to_owned())
        .collect();
    lookup.extend(candidates.iter().filter_map(|(_, _, p)| p.clone()));
    let existing = store::existing_codes(&mut tx, &lookup).await?;
    let mut valid = Vec::new();
    for (r, code, parent) in candidates {
        if existing.contains(code.as_str()) {
            report.existing_rows += 1;
            continue;
        }
        if let Some(p) = &parent {
            if !existing.contains(p) && !seen.contains_key(p) {
                report
                    .issues
                    .push(RowIssue::new(r.row, pcol, "err-import-parent-missing").arg("code", p));
                continue;
            }
        }
        valid.push((r, code, parent));
    }
    report.issues.sort_by_key(|i| i.row);
    report.valid_rows = valid.len() + report.existing_rows;
    let clean = report.issues.is_empty();
    if opts.dry_run || (!clean && !opts.only_valid) {
        return Ok(report);
    }
    // A row whose parent is itself rejected cannot be written either (only_valid mode).
    let valid_codes: HashSet<String> = valid
        .iter()
        .map(|(_, c, _)| c.as_str().to_owned())
        .collect();
    valid.sort_by_key(|(_, c, _)| c.as_str().len());
    let mut inserted = 0;
    for (r, code, parent) in &valid {
        if let Some(p) = parent {
            if !existing.contains(p) && !valid_codes.contains(p) {
                continue;
            }
        }
        store::insert(
            &mut tx,
            &store::NewArea {
                code: code.as_str(),
                parent_code: parent.as_deref(),
                level: code.level().as_str(),
                name: &r.name,
                urban: code.default_urban(),
                demo: opts.demo,
            },
        )
        .await?;
        inserted += 1;
    }
    report.inserted = inserted;
    tx.commit(ctx.audit_entry(
        Action::AreaImport,
        None,
        format!(
            "imported {inserted} areas ({} rows, {} existing, {} issues{})",
            report.total_rows,
            report.existing_rows,
            report.issues.len(),
            if opts.only_valid {
                ", valid rows only"
            } else {
                ""
            }
        ),
        Outcome::Success,
    ))
    .await?;
    report.committed = true;
    Ok(report)
}

pub async fn count(app: &App) -> Result<i64, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(store::count(&mut c).await?)
}

pub async fn count_by_level(app: &App, ctx: &Ctx) -> Result<Vec<(String, i64)>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    let root = authz::area_root(actor);
    Ok(store::count_by_level(&mut c, root.as_deref()).await?)
}

pub async fn has_demo(app: &App) -> Result<bool, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(store::has_demo(&mut c).await?)
}

/// Names of the given area codes (code → name; unknown codes are left out). Used to show
/// names beside the codes a record stores.
pub async fn names(
    app: &App,
    codes: &[String],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    let mut c = app.db.acquire().await?;
    Ok(sanshe_store::areas::names(&mut c, codes).await?)
}
