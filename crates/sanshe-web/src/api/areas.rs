//! `/api/v1/areas`: browse, edit, populations, import.

use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::{ApiError, ErrorBody};
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::areas::{self, AreaUpdate, ImportOptions};
use sanshe_app::AppError;
use sanshe_store::areas::{AreaFilter, AreaRow, AreaSort, PopulationRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An area (district, street/town or community/village).
#[derive(Debug, Serialize, ToSchema)]
pub struct Area {
    /// 6-, 9- or 12-digit division code.
    pub code: String,
    pub parent_code: Option<String>,
    /// `district`, `street` or `community`.
    pub level: String,
    pub name: String,
    pub urban: bool,
    /// True when `urban` differs from the default derived from the code.
    pub urban_overridden: bool,
    /// Demo data, not real figures.
    pub demo: bool,
    /// Residents in the requested year (sum over communities for higher levels).
    pub residents: Option<i64>,
    pub households: Option<i64>,
    /// Number of direct children.
    pub children: i64,
}

impl From<&AreaRow> for Area {
    fn from(a: &AreaRow) -> Self {
        Area {
            code: a.code.clone(),
            parent_code: a.parent_code.clone(),
            level: a.level.clone(),
            name: a.name.clone(),
            urban: a.urban,
            urban_overridden: a.urban_overridden,
            demo: a.demo,
            residents: a.residents,
            households: a.households,
            children: a.children,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaPage {
    pub items: Vec<Area>,
    pub page: PageInfo,
    /// The population year the figures are for.
    pub year: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AreaListQuery {
    /// Substring of the name, or prefix of the code.
    #[param(max_length = 100)]
    pub q: Option<String>,
    /// `district`, `street` or `community`.
    #[param(pattern = "^(|district|street|community)$")]
    pub level: Option<String>,
    /// Only the direct children of this code.
    #[param(pattern = "^([0-9]{6}([0-9]{3}([0-9]{3})?)?)?$")]
    pub parent: Option<String>,
    /// Only areas inside this code's subtree (narrows the caller's scope).
    #[param(pattern = "^([0-9]{6}([0-9]{3}([0-9]{3})?)?)?$")]
    pub within: Option<String>,
    pub urban: Option<bool>,
    /// `code` (default), `name` or `residents`.
    #[param(pattern = "^(|code|name|residents)$")]
    pub sort: Option<String>,
    /// Population year (default: the latest recorded).
    #[param(minimum = 1949, maximum = 2100)]
    pub year: Option<i64>,
}

async fn year_or_default(rc: &Rc, y: Option<i64>) -> ApiResult<i64> {
    match y {
        Some(y) if (1949..=2100).contains(&y) => Ok(y),
        Some(_) => Err(ApiError::new(
            &AppError::invalid(
                sanshe_domain::FieldError::new("year", "err-range")
                    .arg("min", 1949)
                    .arg("max", 2100),
            ),
            &rc.tr,
            &rc.request_id,
        )),
        None => areas::default_year(&rc.app).await.api(rc),
    }
}

fn invalid(rc: &Rc, field: &str, code: &str) -> ApiError {
    ApiError::new(
        &AppError::invalid(sanshe_domain::FieldError::new(field, code)),
        &rc.tr,
        &rc.request_id,
    )
}

/// List areas within the caller's scope.
#[utoipa::path(get, operation_id = "areas_list", path = "/api/v1/areas", tag = "areas", security(("bearer" = [])),
    params(AreaListQuery, Paging),
    responses((status = 200, body = AreaPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    rc: Rc,
    ApiQuery(q): ApiQuery<AreaListQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<AreaPage>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    super::QueryRules::default()
        .text("q", &q.q, 100)
        .choice("level", &q.level, &["district", "street", "community"])
        .area("parent", &q.parent)
        .area("within", &q.within)
        .choice("sort", &q.sort, &["code", "name", "residents"])
        .check(&rc)?;
    let year = year_or_default(&rc, q.year).await?;
    let level = match q.level.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(l) if sanshe_domain::AreaLevel::parse(l).is_some() => Some(l.to_owned()),
        Some(_) => return Err(invalid(&rc, "level", "err-level")),
    };
    let sort = match q.sort.as_deref() {
        None | Some("") | Some("code") => AreaSort::Code,
        Some("name") => AreaSort::Name,
        Some("residents") => AreaSort::Residents,
        Some(_) => return Err(invalid(&rc, "sort", "err-sort")),
    };
    let f = AreaFilter {
        within: q.within.filter(|s| !s.trim().is_empty()),
        parent: q.parent.filter(|s| !s.trim().is_empty()),
        level,
        urban: q.urban,
        q: q.q.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()),
    };
    let res = areas::list(&rc.app, &rc.ctx, f, sort, year, page)
        .await
        .api(&rc)?;
    Ok(Json(AreaPage {
        items: res.items.iter().map(Area::from).collect(),
        page: PageInfo::from(&res),
        year,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Population {
    pub year: i64,
    pub residents: i64,
    pub households: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AreaDetail {
    pub area: Area,
    /// From the district down to the parent.
    pub ancestors: Vec<Area>,
    pub children: Vec<Area>,
    /// Recorded figures per year (communities), newest first.
    pub populations: Vec<Population>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    #[param(minimum = 1949, maximum = 2100)]
    pub year: Option<i64>,
}

/// One area with its ancestors, children and population history.
#[utoipa::path(get, operation_id = "areas_get", path = "/api/v1/areas/{code}", tag = "areas", security(("bearer" = [])),
    params(("code" = String, Path, description = "Division code"), YearQuery),
    responses((status = 200, body = AreaDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    rc: Rc,
    ApiPath(code): ApiPath<String>,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<AreaDetail>> {
    authed(&rc)?;
    let year = year_or_default(&rc, q.year).await?;
    let d = areas::get(&rc.app, &rc.ctx, &code, year).await.api(&rc)?;
    Ok(Json(AreaDetail {
        area: Area::from(&d.area),
        ancestors: d.ancestors.iter().map(Area::from).collect(),
        children: d.children.iter().map(Area::from).collect(),
        populations: d
            .populations
            .iter()
            .map(|p| Population {
                year: p.year,
                residents: p.residents,
                households: p.households,
            })
            .collect(),
    }))
}

/// Changes to an area; omitted fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaPatch {
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// `urban`, `rural`, or `default` (derive from the code again).
    #[schema(pattern = "^(urban|rural|default)$")]
    pub classification: Option<String>,
}

/// Rename an area or override its urban/rural classification.
#[utoipa::path(patch, operation_id = "areas_patch", path = "/api/v1/areas/{code}", tag = "areas", security(("bearer" = [])),
    params(("code" = String, Path, description = "Division code")), request_body = AreaPatch,
    responses((status = 200, body = Area), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    rc: Rc,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<AreaPatch>,
) -> ApiResult<Json<Area>> {
    authed(&rc)?;
    super::QueryRules::default()
        .text("name", &b.name, 100)
        .check(&rc)?;
    let urban = match b.classification.as_deref() {
        None => None,
        Some("urban") => Some(Some(true)),
        Some("rural") => Some(Some(false)),
        Some("default") => Some(None),
        Some(_) => return Err(invalid(&rc, "classification", "err-classification")),
    };
    areas::update(
        &rc.app,
        &rc.ctx,
        &code,
        &AreaUpdate {
            name: b.name,
            urban,
        },
    )
    .await
    .api(&rc)?;
    let year = areas::default_year(&rc.app).await.api(&rc)?;
    let d = areas::get(&rc.app, &rc.ctx, &code, year).await.api(&rc)?;
    Ok(Json(Area::from(&d.area)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PopulationInput {
    #[schema(minimum = 0, maximum = 5000000)]
    pub residents: i64,
    #[schema(minimum = 0, maximum = 5000000)]
    pub households: i64,
}

/// Record a community's residents and households for a year.
#[utoipa::path(put, operation_id = "areas_put_population", path = "/api/v1/areas/{code}/populations/{year}", tag = "areas", security(("bearer" = [])),
    params(("code" = String, Path, description = "12-digit community code"), ("year" = i64, Path, minimum = 1949, maximum = 2100)),
    request_body = PopulationInput,
    responses((status = 200, body = Population), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_population(
    rc: Rc,
    ApiPath((code, year)): ApiPath<(String, i64)>,
    ApiJson(b): ApiJson<PopulationInput>,
) -> ApiResult<Json<Population>> {
    authed(&rc)?;
    let p = PopulationRow {
        year,
        residents: b.residents,
        households: b.households,
    };
    areas::set_population(&rc.app, &rc.ctx, &code, &p)
        .await
        .api(&rc)?;
    Ok(Json(Population {
        year,
        residents: b.residents,
        households: b.households,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Validate and report only.
    pub dry_run: Option<bool>,
    /// Write the valid rows even if some rows are bad.
    pub only_valid: Option<bool>,
}

impl ImportQuery {
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            dry_run: self.dry_run.unwrap_or(false),
            only_valid: self.only_valid.unwrap_or(false),
            demo: false,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportIssue {
    /// Line in the file (the header is line 1).
    pub row: usize,
    pub column: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReport {
    pub total_rows: usize,
    pub valid_rows: usize,
    pub existing_rows: usize,
    pub inserted: usize,
    /// True when rows were written.
    pub committed: bool,
    pub dry_run: bool,
    pub issues: Vec<ImportIssue>,
}

/// Import divisions from an NBS-format CSV (counties, streets/towns or communities). Nothing
/// is written unless every row is valid, unless `only_valid=true`.
#[utoipa::path(post, operation_id = "areas_import", path = "/api/v1/areas/import", tag = "areas", security(("bearer" = [])),
    params(ImportQuery), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReport, description = "Every row valid (written unless dry run)"),
        (status = 422, body = ImportReport, description = "Some rows invalid; see issues"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import(
    rc: Rc,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportReport>)> {
    authed(&rc)?;
    let r = areas::import(&rc.app, &rc.ctx, &body, q.options())
        .await
        .api(&rc)?;
    Ok(report_json(&rc, &r))
}

/// An import report as the API returns it: 200 when every row is valid, else 422.
pub fn report_json(rc: &Rc, r: &areas::ImportReport) -> (StatusCode, Json<ImportReport>) {
    let status = if r.issues.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        Json(ImportReport {
            total_rows: r.total_rows,
            valid_rows: r.valid_rows,
            existing_rows: r.existing_rows,
            inserted: r.inserted,
            committed: r.committed,
            dry_run: r.dry_run,
            issues: r
                .issues
                .iter()
                .map(|i| ImportIssue {
                    row: i.row,
                    column: i.column.clone(),
                    code: i.code.clone(),
                    message: rc.tr.f(&i.code, &i.args),
                })
                .collect(),
        }),
    )
}
