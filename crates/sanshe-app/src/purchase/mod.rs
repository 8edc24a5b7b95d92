//! Government purchase of services (政府购买服务): the yearly catalog and the budget lines
//! that fund it (here), purchase projects with their calls (`projects`), applications with
//! their teams and live eligibility (`applications`), the job closing calls at their
//! deadline (`closing`) and the demo year (`demo`). `policy` decides who may.

pub mod applications;
pub mod award_lists;
pub mod awards;
pub mod closing;
pub mod contracts;
pub mod dashboard;
pub mod delivery;
pub mod demo;
pub mod evaluations;
pub mod history;
pub mod ocds;
pub mod panel;
pub mod policy;
pub mod projects;
pub mod questions;
pub mod ratings;
pub mod rectification;
pub mod venture;
pub mod venture_demo;

use crate::areas::{ImportOptions, ImportReport};
use crate::authz::{self, Perm};
use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::needs as rules;
use sanshe_domain::purchase::{self as domain, CatalogEvent, CatalogState, Catalogs};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_io::sheet::{self, Column};
use sanshe_io::RowIssue;
use sanshe_store::purchase::{self as store, CatalogRow, ItemData, ItemFilter, ItemRow, LineRow};
use sanshe_store::workflow::Table;
use sanshe_store::{PageReq, Paged};

/// The district an actor works in: its area's first six digits, or the district of the
/// organization it acts for.
pub async fn district_of(app: &App, ctx: &Ctx) -> Result<String, AppError> {
    let actor = ctx.actor()?;
    if let sanshe_domain::Scope::Area { code } = &actor.scope {
        return Ok(code.chars().take(6).collect());
    }
    if let Some(org) = authz::own_org(actor) {
        let mut c = app.db.acquire().await?;
        if let Some(o) = store::org(&mut c, org).await? {
            if let Some(a) = o.area_code {
                return Ok(a.chars().take(6).collect());
            }
        }
    }
    if actor.is_cli {
        // The command line works in the deployment's district.
        if let Some((code, _)) = crate::public::district(app).await? {
            return Ok(code);
        }
    }
    Err(AppError::Forbidden)
}

/// The district officer's district (refuses everyone else).
pub(crate) async fn managed_district(app: &App, ctx: &Ctx) -> Result<String, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseManage)?;
    let d = district_of(app, ctx).await?;
    if policy::may_manage(actor, &d) {
        Ok(d)
    } else {
        Err(AppError::Forbidden)
    }
}

/// A year a catalog may be kept for.
pub fn check_year(year: i64) -> Result<i64, AppError> {
    if (2000..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::NotFound)
    }
}

pub fn this_year() -> i64 {
    crate::calendar::today().ymd().0 as i64
}

// ---- budget lines --------------------------------------------------------------------------

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LineInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    /// Yuan.
    #[serde(default)]
    pub amount: String,
}

pub const CODE_MAX: usize = 20;
pub const NAME_MAX: usize = 100;

fn line_fields(i: &LineInput, with_code: bool) -> Result<(String, String, i64), AppError> {
    let mut errs = Vec::new();
    let code = if with_code {
        rules::text("code", &i.code, CODE_MAX, true)
            .map_err(|e| errs.push(e))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let name = rules::text("name", &i.name, NAME_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let amount = domain::amount("amount", &i.amount)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    if errs.is_empty() {
        Ok((code, name, amount))
    } else {
        Err(AppError::Invalid(errs))
    }
}

pub async fn add_line(app: &App, ctx: &Ctx, year: i64, i: &LineInput) -> Result<i64, AppError> {
    let district = managed_district(app, ctx).await?;
    let year = check_year(year)?;
    let (code, name, amount) = line_fields(i, true)?;
    let mut tx = Uow::begin(app).await?;
    if store::lines(&mut tx, &district, year)
        .await?
        .iter()
        .any(|l| l.code == code)
    {
        return Err(AppError::invalid(
            FieldError::new("code", "err-purchase-duplicate").arg("value", &code),
        ));
    }
    let id = store::insert_line(&mut tx, &district, year, &code, &name, amount, false).await?;
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "budget_line",
            verb: "create",
        },
        Some(id.to_string()),
        format!("{year} {code} {name}: ¥{}", crate::registry::yuan(amount)),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// Renames a line or changes its amount; never below what approved projects hold on it.
pub async fn update_line(
    app: &App,
    ctx: &Ctx,
    id: i64,
    i: &LineInput,
) -> Result<LineRow, AppError> {
    let district = managed_district(app, ctx).await?;
    let (_, name, amount) = line_fields(i, false)?;
    let mut tx = Uow::begin(app).await?;
    let before = store::get_line(&mut tx, id)
        .await?
        .filter(|l| l.district == district)
        .ok_or(AppError::NotFound)?;
    if !store::update_line(&mut tx, id, &name, amount).await? {
        return Err(AppError::invalid(
            FieldError::new("amount", "err-budget-below-committed")
                .arg("committed", crate::registry::yuan(before.committed_fen)),
        ));
    }
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "budget_line",
            verb: "update",
        },
        Some(id.to_string()),
        format!(
            "{} {}: ¥{} → ¥{}",
            before.code,
            name,
            crate::registry::yuan(before.amount_fen),
            crate::registry::yuan(amount)
        ),
        Outcome::Success,
    ))
    .await?;
    let mut c = app.db.acquire().await?;
    store::get_line(&mut c, id).await?.ok_or(AppError::NotFound)
}

// ---- the catalog ---------------------------------------------------------------------------

pub struct CatalogView {
    pub district: String,
    pub year: i64,
    pub years: Vec<i64>,
    pub catalog: Option<CatalogRow>,
    pub lines: Vec<LineRow>,
    pub items: Paged<ItemRow>,
    pub can_manage: bool,
    pub offered: Vec<CatalogEvent>,
}

/// A district's catalog of a year for its staff (officers see drafts; street and
/// community staff read it too).
pub async fn catalog(
    app: &App,
    ctx: &Ctx,
    year: i64,
    f: ItemFilter,
    page: PageReq,
) -> Result<CatalogView, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseRead)?;
    let year = check_year(year)?;
    let district = district_of(app, ctx).await?;
    let can_manage = policy::may_manage(actor, &district);
    view(app, &district, year, f, page, can_manage).await
}

/// The published catalog of the deployment's district for the public portal (None: not
/// published).
pub async fn public_catalog(
    app: &App,
    year: i64,
    f: ItemFilter,
    page: PageReq,
) -> Result<Option<CatalogView>, AppError> {
    let year = check_year(year)?;
    let Some((district, _)) = crate::public::district(app).await? else {
        return Ok(None);
    };
    let v = view(app, &district, year, f, page, false).await?;
    Ok(v.catalog
        .as_ref()
        .is_some_and(|c| c.state == "published")
        .then_some(v))
}

async fn view(
    app: &App,
    district: &str,
    year: i64,
    mut f: ItemFilter,
    page: PageReq,
    can_manage: bool,
) -> Result<CatalogView, AppError> {
    let mut c = app.db.acquire().await?;
    let catalog = store::catalog(&mut c, district, year).await?;
    let items = match &catalog {
        Some(cat) => {
            f.catalog_id = cat.id;
            store::items(&mut c, &f, page).await?
        }
        None => Paged {
            items: Vec::new(),
            total: 0,
            page: page.page,
            per_page: page.per_page,
        },
    };
    let offered = match &catalog {
        Some(cat) if can_manage => Catalogs::parse_state(&cat.state)
            .map(|s| {
                Catalogs::EVENTS
                    .iter()
                    .copied()
                    .filter(|e| Catalogs::next(s, *e).is_some())
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok(CatalogView {
        district: district.to_owned(),
        year,
        years: store::catalog_years(&mut c, district).await?,
        lines: store::lines(&mut c, district, year).await?,
        catalog,
        items,
        can_manage,
        offered,
    })
}

/// A catalog item's fields as typed (forms, JSON and spreadsheet rows alike).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ItemInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub standards: String,
    /// Organization kinds, separated by commas (empty: any).
    #[serde(default)]
    pub provider_kinds: String,
    #[serde(default)]
    pub min_rating: String,
    /// Yuan.
    #[serde(default)]
    pub price_ceiling: String,
    /// The code of a budget line of the same year.
    #[serde(default)]
    pub budget_line: String,
    /// The officer's classification against the negative list (102号令 Art. 10).
    #[serde(default)]
    pub nature: String,
}

/// Whether a cell holds a vocabulary entry's label in either language.
fn label_is(key: &str, cell: &str) -> bool {
    use crate::i18n::{Lang, Tr};
    !cell.is_empty()
        && [Lang::Zh, Lang::En]
            .iter()
            .any(|l| Tr::new(*l).t(key) == cell)
}

/// The one check of a catalog item.
pub fn parse_item(
    i: &ItemInput,
    lines: &[LineRow],
    categories: &[sanshe_store::needs::Category],
) -> Result<ItemData, Vec<FieldError>> {
    let mut errs = Vec::new();
    let code = rules::text("code", &i.code, CODE_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let name = rules::text("name", &i.name, NAME_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let content = rules::text("content", &i.content, rules::TEXT_MAX, true)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let standards = rules::text("standards", &i.standards, rules::TEXT_MAX, false)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    // A category by its code or its name in either language (spreadsheets carry names).
    let category = i.category.trim();
    let category = categories
        .iter()
        .find(|c| {
            c.active && (c.code == category || c.name_zh == category || c.name_en == category)
        })
        .map(|c| c.code.as_str())
        .unwrap_or_else(|| {
            errs.push(FieldError::new("category", "err-need-category"));
            ""
        });
    let mut kinds = Vec::new();
    for k in i
        .provider_kinds
        .split([',', '，', '、', ' '])
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        let key = sanshe_domain::registry::ORG_KIND
            .keys
            .iter()
            .find(|x| **x == k || label_is(&format!("org-kind-{x}"), k))
            .copied();
        match key {
            Some(k) if !kinds.contains(&k) => kinds.push(k),
            Some(_) => {}
            None => errs.push(FieldError::new("provider_kinds", "err-purchase-choice")),
        }
    }
    let min_rating = if i.min_rating.trim().is_empty() {
        0
    } else {
        domain::count("min_rating", &i.min_rating, 0, 5)
            .map_err(|e| errs.push(e))
            .unwrap_or_default()
    };
    let price = domain::amount("price_ceiling", &i.price_ceiling)
        .map_err(|e| errs.push(e))
        .unwrap_or_default();
    let nature = i.nature.trim();
    let nature = domain::NATURES
        .iter()
        .find(|(k, _)| label_is(&format!("nature-{k}"), nature))
        .map(|(k, _)| *k)
        .unwrap_or(nature);
    if let Err(e) = domain::check_nature("nature", nature) {
        errs.push(e);
    }
    let line = lines.iter().find(|l| l.code == i.budget_line.trim());
    if line.is_none() {
        errs.push(FieldError::new("budget_line", "err-budget-line-missing"));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    Ok(ItemData {
        code,
        category: category.to_owned(),
        name,
        content,
        standards,
        provider_kinds: kinds.join(","),
        min_rating,
        price_ceiling_fen: price,
        budget_line_id: line.map(|l| l.id).unwrap_or_default(),
    })
}

/// The catalog to edit: the district's draft of that year (created when missing).
async fn draft_catalog(tx: &mut Uow, district: &str, year: i64) -> Result<CatalogRow, AppError> {
    let cat = store::ensure_catalog(tx, district, year).await?;
    store::lock_catalog(tx, cat.id).await?;
    if cat.state != "draft" {
        return Err(AppError::Conflict(FieldError::new(
            "catalog",
            "err-catalog-published",
        )));
    }
    Ok(cat)
}

/// Adds an item (`id` None) or edits one, in the draft catalog of `year`.
pub async fn save_item(
    app: &App,
    ctx: &Ctx,
    year: i64,
    id: Option<i64>,
    i: &ItemInput,
) -> Result<i64, AppError> {
    let district = managed_district(app, ctx).await?;
    let year = check_year(year)?;
    let categories = crate::needs::categories(app).await?;
    let mut tx = Uow::begin(app).await?;
    let lines = store::lines(&mut tx, &district, year).await?;
    let d = parse_item(i, &lines, &categories).map_err(AppError::Invalid)?;
    let cat = draft_catalog(&mut tx, &district, year).await?;
    let codes = store::item_codes(&mut tx, cat.id).await?;
    if codes.iter().any(|(c, x)| *c == d.code && Some(*x) != id) {
        return Err(AppError::invalid(
            FieldError::new("code", "err-purchase-duplicate").arg("value", &d.code),
        ));
    }
    let (id, verb) = match id {
        Some(id) => {
            if !codes.iter().any(|(_, x)| *x == id) {
                return Err(AppError::NotFound);
            }
            // A project's reservation and ceiling rest on its item: they stay while used.
            if let Some(before) = store::get_item(&mut tx, id).await? {
                let moved = before.data.budget_line_id != d.budget_line_id
                    || before.data.price_ceiling_fen != d.price_ceiling_fen;
                if moved && store::item_in_use(&mut tx, id).await? {
                    return Err(AppError::Conflict(FieldError::new(
                        "budget_line",
                        "err-item-in-use-money",
                    )));
                }
            }
            store::update_item(&mut tx, id, &d).await?;
            (id, "update")
        }
        None => (
            store::insert_item(&mut tx, cat.id, &d, false).await?,
            "create",
        ),
    };
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "catalog_item",
            verb,
        },
        Some(id.to_string()),
        format!("{year} {} {}", d.code, d.name),
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}

pub async fn get_item(app: &App, ctx: &Ctx, id: i64) -> Result<ItemRow, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PurchaseRead)?;
    let district = district_of(app, ctx).await?;
    let mut c = app.db.acquire().await?;
    store::get_item(&mut c, id)
        .await?
        .filter(|i| i.district == district)
        .ok_or(AppError::NotFound)
}

/// Removes an item of a draft catalog that no project uses.
pub async fn delete_item(app: &App, ctx: &Ctx, id: i64) -> Result<(), AppError> {
    let district = managed_district(app, ctx).await?;
    let mut tx = Uow::begin(app).await?;
    let item = store::get_item(&mut tx, id)
        .await?
        .filter(|i| i.district == district)
        .ok_or(AppError::NotFound)?;
    draft_catalog(&mut tx, &district, item.year).await?;
    if !store::delete_item(&mut tx, id).await? {
        return Err(AppError::Conflict(FieldError::new("", "err-item-in-use")));
    }
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "catalog_item",
            verb: "delete",
        },
        Some(id.to_string()),
        format!("{} {} {}", item.year, item.data.code, item.data.name),
        Outcome::Success,
    ))
    .await
}

/// Publishes the catalog of a year (it needs at least one item) or takes it back to draft.
pub async fn catalog_transition(
    app: &App,
    ctx: &Ctx,
    year: i64,
    event: &str,
    version: Option<i64>,
) -> Result<CatalogRow, AppError> {
    let district = managed_district(app, ctx).await?;
    let year = check_year(year)?;
    let actor = ctx.actor()?;
    let event = Catalogs::parse_event(event.trim())
        .ok_or_else(|| AppError::invalid(FieldError::new("event", "err-need-event")))?;
    if !policy::may_catalog(actor, &district, event) {
        return Err(AppError::Forbidden);
    }
    let mut tx = Uow::begin(app).await?;
    let cat = store::catalog(&mut tx, &district, year)
        .await?
        .ok_or(AppError::NotFound)?;
    if version.is_some_and(|v| v != cat.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let state = Catalogs::parse_state(&cat.state)
        .ok_or_else(|| AppError::Internal(format!("catalog {} state {}", cat.id, cat.state)))?;
    if event == CatalogEvent::Publish {
        let n = store::item_codes(&mut tx, cat.id).await?.len();
        if n == 0 {
            return Err(AppError::invalid(FieldError::new(
                "catalog",
                "err-catalog-empty",
            )));
        }
    }
    let at = At {
        id: cat.id,
        version: cat.version,
        state,
    };
    let to =
        workflow::transition::<Catalogs>(&mut tx, Table::Catalogs, actor, at, event, "").await?;
    store::set_published_at(
        &mut tx,
        cat.id,
        (to == CatalogState::Published).then(sanshe_store::audit::now),
    )
    .await?;
    workflow::commit::<Catalogs>(
        tx,
        ctx,
        cat.id,
        &format!("{district} {year}"),
        state,
        event,
        to,
    )
    .await?;
    let mut c = app.db.acquire().await?;
    store::catalog(&mut c, &district, year)
        .await?
        .ok_or(AppError::NotFound)
}

/// The columns of a catalog sheet.
pub static COLUMNS: [Column; 10] = [
    Column {
        key: "code",
        zh: "编号",
        aliases: &["项目编号", "code"],
        required: true,
    },
    Column {
        key: "category",
        zh: "类别",
        aliases: &["服务类别", "category"],
        required: true,
    },
    Column {
        key: "name",
        zh: "名称",
        aliases: &["项目名称", "服务项目", "name"],
        required: true,
    },
    Column {
        key: "content",
        zh: "服务内容",
        aliases: &["内容", "content"],
        required: true,
    },
    Column {
        key: "standards",
        zh: "服务标准",
        aliases: &["标准", "standards"],
        required: false,
    },
    Column {
        key: "provider_kinds",
        zh: "承接主体类型",
        aliases: &["承接主体", "providerkinds"],
        required: false,
    },
    Column {
        key: "min_rating",
        zh: "最低评估等级",
        aliases: &["评估等级", "minrating"],
        required: false,
    },
    Column {
        key: "price_ceiling",
        zh: "最高限价",
        aliases: &["限价", "限价（元）", "priceceiling"],
        required: true,
    },
    Column {
        key: "budget_line",
        zh: "预算科目",
        aliases: &["预算编号", "budgetline"],
        required: true,
    },
    Column {
        key: "nature",
        zh: "性质",
        aliases: &["事项性质", "nature"],
        required: true,
    },
];

fn item_from_cells(get: impl Fn(usize) -> String) -> ItemInput {
    ItemInput {
        code: get(0),
        category: get(1),
        name: get(2),
        content: get(3),
        standards: get(4),
        provider_kinds: get(5),
        min_rating: get(6),
        price_ceiling: get(7),
        budget_line: get(8),
        nature: get(9),
    }
}

/// Imports items into the draft catalog of a year: every row checked (a code twice in the
/// file is an issue; a code already in the catalog is updated), nothing written unless all
/// rows are valid or the caller asked for the valid ones.
pub async fn import_items(
    app: &App,
    ctx: &Ctx,
    year: i64,
    bytes: &[u8],
    opts: ImportOptions,
) -> Result<ImportReport, AppError> {
    let district = managed_district(app, ctx).await?;
    let year = check_year(year)?;
    let categories = crate::needs::categories(app).await?;
    let mut report = ImportReport {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    let sheet = match sheet::read(bytes, &COLUMNS) {
        Ok(s) => s,
        Err(issue) => {
            report.issues.push(issue);
            return Ok(report);
        }
    };
    report.total_rows = sheet.rows.len();
    report.issues.extend(sheet.example_issues());
    let mut tx = Uow::begin(app).await?;
    let lines = store::lines(&mut tx, &district, year).await?;
    let mut valid = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for row in &sheet.rows {
        let input = item_from_cells(|i| row.get(i).to_owned());
        match parse_item(&input, &lines, &categories) {
            Ok(d) => {
                if let Some(first) = seen.insert(d.code.clone(), row.line) {
                    report.issues.push(
                        RowIssue::new(row.line, "code", "err-duplicate-in-file").arg("row", first),
                    );
                } else {
                    valid.push(d);
                }
            }
            Err(errs) => {
                for e in errs {
                    let mut issue = RowIssue::new(row.line, &e.field, &e.code);
                    issue.args = e.args;
                    report.issues.push(issue);
                }
            }
        }
    }
    report.valid_rows = valid.len();
    if !crate::registry::import_writes(&report, opts) {
        return Ok(report);
    }
    let cat = draft_catalog(&mut tx, &district, year).await?;
    let codes: std::collections::HashMap<String, i64> = store::item_codes(&mut tx, cat.id)
        .await?
        .into_iter()
        .collect();
    for d in &valid {
        match codes.get(&d.code) {
            Some(id) => {
                if let Some(before) = store::get_item(&mut tx, *id).await? {
                    let moved = before.data.budget_line_id != d.budget_line_id
                        || before.data.price_ceiling_fen != d.price_ceiling_fen;
                    if moved && store::item_in_use(&mut tx, *id).await? {
                        return Err(AppError::Conflict(
                            FieldError::new("budget_line", "err-item-in-use-money")
                                .arg("code", &d.code),
                        ));
                    }
                }
                store::update_item(&mut tx, *id, d).await?;
                report.existing_rows += 1;
            }
            None => {
                store::insert_item(&mut tx, cat.id, d, opts.demo).await?;
                report.inserted += 1;
            }
        }
    }
    tx.commit(ctx.audit_entry(
        Action::Purchase {
            object: "catalog_item",
            verb: "import",
        },
        None,
        crate::registry::import_summary(&format!("{year} catalog items"), &report, opts),
        Outcome::Success,
    ))
    .await?;
    report.committed = true;
    Ok(report)
}

/// The catalog of a year as spreadsheet rows (the import's columns, so an export imports
/// back unchanged).
pub async fn export_rows(app: &App, ctx: &Ctx, year: i64) -> Result<Vec<Vec<String>>, AppError> {
    let cats = crate::needs::categories(app).await?;
    let v = catalog(
        app,
        ctx,
        year,
        ItemFilter::default(),
        PageReq {
            page: 1,
            per_page: 10_000,
        },
    )
    .await?;
    Ok(item_rows(&v, &cats))
}

/// Items as sheet rows: the category by its Chinese name, everything else as imported.
pub fn item_rows(v: &CatalogView, cats: &[sanshe_store::needs::Category]) -> Vec<Vec<String>> {
    v.items
        .items
        .iter()
        .map(|i| {
            vec![
                i.data.code.clone(),
                cats.iter()
                    .find(|c| c.code == i.data.category)
                    .map(|c| c.name_zh.clone())
                    .unwrap_or_else(|| i.data.category.clone()),
                i.data.name.clone(),
                i.data.content.clone(),
                i.data.standards.clone(),
                i.data.provider_kinds.clone(),
                i.data.min_rating.to_string(),
                crate::registry::yuan(i.data.price_ceiling_fen),
                i.line_code.clone(),
                "service".to_owned(),
            ]
        })
        .collect()
}

/// One reminder about a record: its title, the text (usually the date), the link and the
/// record's id for the audit entry.
pub(crate) struct Due {
    pub title: String,
    pub body: String,
    pub link: String,
    pub record: i64,
}

/// Reminds a district's officers once of each record in `due` (see [`remind_once`]).
/// Returns how many notices went out.
pub(crate) async fn remind_officers(
    app: &App,
    ctx: &Ctx,
    district: &str,
    kind: &str,
    due: Vec<Due>,
) -> Result<usize, AppError> {
    if due.is_empty() {
        return Ok(0);
    }
    let officers = {
        let mut c = app.db.acquire().await?;
        sanshe_store::inbox::staff_covering(&mut c, district, &[sanshe_domain::Role::DistrictAdmin])
            .await?
    };
    let mut sent = 0;
    for d in due {
        sent += remind_once(
            app, ctx, &officers, kind, &d.title, &d.body, &d.link, d.record,
        )
        .await?;
    }
    Ok(sent)
}

/// One reminder of the `purchase.deadlines` job: sent to each of `to` once (the kind, link
/// and title identify it however often the job runs), each with its audit entry. Returns
/// how many were sent.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn remind_once(
    app: &App,
    ctx: &Ctx,
    to: &[i64],
    kind: &str,
    title: &str,
    body: &str,
    link: &str,
    record: i64,
) -> Result<usize, AppError> {
    let title: String = title.chars().take(200).collect();
    let mut sent = 0;
    for u in to {
        let mut tx = Uow::begin(app).await?;
        if sanshe_store::inbox::exists(&mut tx, *u, kind, link, &title).await? {
            continue;
        }
        crate::inbox::notify(&mut tx, &[*u], kind, &title, body, link).await?;
        tx.commit(ctx.audit_entry(
            Action::Purchase {
                object: "reminder",
                verb: "send",
            },
            Some(record.to_string()),
            format!("{kind} {title}: {body}"),
            Outcome::Success,
        ))
        .await?;
        sent += 1;
    }
    Ok(sent)
}
