//! `/api/v1/purchase/…`: budget lines, the catalog with its negative-list check, purchase
//! projects with their calls, and applications with their live eligibility.

use super::needs::{steps, Created, Step};
use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::{self as app, applications, projects};
use sanshe_app::registry::yuan;
use sanshe_domain::purchase::{Applications, Finding, Projects};
use sanshe_domain::workflow::Workflow;
use sanshe_store::purchase::{ApplicationRow, ItemRow, LineRow, ProjectRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// The budget year (default: this year).
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i64>,
}

fn range_error(rc: &Rc, field: &str, min: i64, max: i64) -> crate::error::ApiError {
    crate::error::ApiError::new(
        &sanshe_app::AppError::invalid(
            sanshe_domain::FieldError::new(field, "err-range")
                .arg("min", min)
                .arg("max", max),
        ),
        &rc.tr,
        &rc.request_id,
    )
}

fn year_of(rc: &Rc, y: Option<i64>) -> ApiResult<i64> {
    let y = y.unwrap_or_else(app::this_year);
    if (2000..=2100).contains(&y) {
        Ok(y)
    } else {
        Err(range_error(rc, "year", 2000, 2100))
    }
}

// ---- budget lines --------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetLine {
    pub id: i64,
    pub year: i64,
    pub code: String,
    pub name: String,
    /// Yuan.
    pub amount: String,
    /// Reserved by approved projects (yuan).
    pub committed: String,
    pub available: String,
}

impl From<&LineRow> for BudgetLine {
    fn from(l: &LineRow) -> Self {
        BudgetLine {
            id: l.id,
            year: l.year,
            code: l.code.clone(),
            name: l.name.clone(),
            amount: yuan(l.amount_fen),
            committed: yuan(l.committed_fen),
            available: yuan(l.available_fen()),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLineBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: Option<i64>,
    /// The line's budget classification code, unique within the year.
    #[schema(min_length = 1, max_length = 20)]
    pub code: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(
        pattern = "^([1-9][0-9]{0,7}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?)|100000000(\\.00?)?)$"
    )]
    pub amount: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BudgetLinePatch {
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// Never below what approved projects hold on it.
    #[schema(
        pattern = "^([1-9][0-9]{0,7}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?)|100000000(\\.00?)?)$"
    )]
    pub amount: String,
}

/// The district's budget lines of a year with what approved projects hold on each.
#[utoipa::path(get, operation_id = "budget_lines_list", path = "/api/v1/purchase/budget-lines", tag = "purchase", security(("bearer" = [])),
    params(YearQuery),
    responses((status = 200, body = Vec<BudgetLine>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lines_list(
    rc: Rc,
    ApiQuery(q): ApiQuery<YearQuery>,
) -> ApiResult<Json<Vec<BudgetLine>>> {
    authed(&rc)?;
    let year = year_of(&rc, q.year)?;
    let v = app::catalog(&rc.app, &rc.ctx, year, Default::default(), one())
        .await
        .api(&rc)?;
    Ok(Json(v.lines.iter().map(BudgetLine::from).collect()))
}

fn one() -> sanshe_store::PageReq {
    sanshe_store::PageReq {
        page: 1,
        per_page: 1,
    }
}

/// Add a budget line (district officers).
#[utoipa::path(post, operation_id = "budget_lines_create", path = "/api/v1/purchase/budget-lines", tag = "purchase", security(("bearer" = [])),
    request_body = BudgetLineBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lines_create(
    rc: Rc,
    ApiJson(b): ApiJson<BudgetLineBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let year = year_of(&rc, b.year)?;
    let id = app::add_line(
        &rc.app,
        &rc.ctx,
        year,
        &app::LineInput {
            code: b.code,
            name: b.name,
            amount: b.amount,
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Rename a budget line or change its amount.
#[utoipa::path(patch, operation_id = "budget_lines_update", path = "/api/v1/purchase/budget-lines/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = BudgetLinePatch,
    responses((status = 200, body = BudgetLine), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn lines_update(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<BudgetLinePatch>,
) -> ApiResult<Json<BudgetLine>> {
    authed(&rc)?;
    let l = app::update_line(
        &rc.app,
        &rc.ctx,
        id,
        &app::LineInput {
            code: String::new(),
            name: b.name,
            amount: b.amount,
        },
    )
    .await
    .api(&rc)?;
    Ok(Json(BudgetLine::from(&l)))
}

// ---- the catalog ---------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogItem {
    pub id: i64,
    pub year: i64,
    pub code: String,
    pub category: String,
    pub name: String,
    pub content: String,
    pub standards: String,
    /// Organization kinds allowed (empty: any).
    pub provider_kinds: Vec<String>,
    /// Least organization rating (0: none).
    pub min_rating: i64,
    /// Yuan.
    pub price_ceiling: String,
    pub budget_line: String,
}

impl From<&ItemRow> for CatalogItem {
    fn from(i: &ItemRow) -> Self {
        CatalogItem {
            id: i.id,
            year: i.year,
            code: i.data.code.clone(),
            category: i.data.category.clone(),
            name: i.data.name.clone(),
            content: i.data.content.clone(),
            standards: i.data.standards.clone(),
            provider_kinds: i
                .data
                .provider_kinds
                .split(',')
                .filter(|k| !k.is_empty())
                .map(str::to_owned)
                .collect(),
            min_rating: i.data.min_rating,
            price_ceiling: yuan(i.data.price_ceiling_fen),
            budget_line: i.line_code.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Catalog {
    pub year: i64,
    /// `none` before the first item is added.
    #[schema(pattern = "^(none|draft|published)$")]
    pub state: String,
    pub version: i64,
    pub published_at: Option<i64>,
    pub items: Vec<CatalogItem>,
    pub page: PageInfo,
    pub events: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CatalogQuery {
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i64>,
    #[param(max_length = 40)]
    pub category: Option<String>,
    #[param(max_length = 100)]
    pub q: Option<String>,
}

/// A year's catalog of the caller's district (officers also see drafts).
#[utoipa::path(get, operation_id = "catalog_get", path = "/api/v1/purchase/catalog", tag = "purchase", security(("bearer" = [])),
    params(CatalogQuery, Paging),
    responses((status = 200, body = Catalog), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn catalog_get(
    rc: Rc,
    ApiQuery(q): ApiQuery<CatalogQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<Catalog>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    super::QueryRules::default()
        .text("category", &q.category, 40)
        .text("q", &q.q, 100)
        .check(&rc)?;
    let year = year_of(&rc, q.year)?;
    let v = app::catalog(
        &rc.app,
        &rc.ctx,
        year,
        sanshe_store::purchase::ItemFilter {
            catalog_id: 0,
            category: q.category.filter(|v| !v.trim().is_empty()),
            q: q.q.filter(|v| !v.trim().is_empty()),
        },
        page,
    )
    .await
    .api(&rc)?;
    Ok(Json(catalog_json(&v)))
}

fn catalog_json(v: &app::CatalogView) -> Catalog {
    Catalog {
        year: v.year,
        state: v
            .catalog
            .as_ref()
            .map(|c| c.state.clone())
            .unwrap_or_else(|| "none".into()),
        version: v.catalog.as_ref().map(|c| c.version).unwrap_or(0),
        published_at: v.catalog.as_ref().and_then(|c| c.published_at),
        items: v.items.items.iter().map(CatalogItem::from).collect(),
        page: PageInfo::from(&v.items),
        events: v
            .offered
            .iter()
            .map(|e| sanshe_domain::purchase::Catalogs::event_name(*e).to_owned())
            .collect(),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogItemBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: Option<i64>,
    #[schema(min_length = 1, max_length = 20)]
    pub code: String,
    /// A need category code (the policy's ten priority categories and the district's own).
    #[schema(min_length = 1, max_length = 40)]
    pub category: String,
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub content: String,
    #[schema(max_length = 2000)]
    pub standards: Option<String>,
    /// Organization kinds allowed to apply (empty: any).
    #[schema(max_items = 4)]
    pub provider_kinds: Option<Vec<ProviderKind>>,
    #[schema(minimum = 0, maximum = 5)]
    pub min_rating: Option<i64>,
    #[schema(
        pattern = "^([1-9][0-9]{0,7}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?)|100000000(\\.00?)?)$"
    )]
    pub price_ceiling: String,
    /// A budget line code of the same year.
    #[schema(min_length = 1, max_length = 20)]
    pub budget_line: String,
    /// The officer's classification against the negative list of 财政部令第102号 Art. 10:
    /// only `service` may be bought; the others are refused with the article cited.
    pub nature: Nature,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    SocialGroup,
    SocialServiceAgency,
    Foundation,
    CommunityOrg,
}

impl ProviderKind {
    fn key(self) -> &'static str {
        match self {
            ProviderKind::SocialGroup => "social_group",
            ProviderKind::SocialServiceAgency => "social_service_agency",
            ProviderKind::Foundation => "foundation",
            ProviderKind::CommunityOrg => "community_org",
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    Service,
    NotDuty,
    GovernmentOwn,
    GoodsWorks,
    Financing,
    Staffing,
    ExcludedByLaw,
}

impl Nature {
    fn key(self) -> &'static str {
        match self {
            Nature::Service => "service",
            Nature::NotDuty => "not_duty",
            Nature::GovernmentOwn => "government_own",
            Nature::GoodsWorks => "goods_works",
            Nature::Financing => "financing",
            Nature::Staffing => "staffing",
            Nature::ExcludedByLaw => "excluded_by_law",
        }
    }
}

/// The body's own bounds that serde does not check: at most four provider kinds.
fn check_item_body(rc: &Rc, b: &CatalogItemBody) -> ApiResult<()> {
    if b.provider_kinds.as_ref().is_some_and(|k| k.len() > 4) {
        return Err(crate::error::ApiError::new(
            &sanshe_app::AppError::invalid(
                sanshe_domain::FieldError::new("provider_kinds", "err-purchase-too-many")
                    .arg("max", 4),
            ),
            &rc.tr,
            &rc.request_id,
        ));
    }
    Ok(())
}

fn item_input(b: &CatalogItemBody) -> app::ItemInput {
    app::ItemInput {
        code: b.code.clone(),
        category: b.category.clone(),
        name: b.name.clone(),
        content: b.content.clone(),
        standards: b.standards.clone().unwrap_or_default(),
        provider_kinds: b
            .provider_kinds
            .iter()
            .flatten()
            .map(|k| k.key())
            .collect::<Vec<_>>()
            .join(","),
        min_rating: b.min_rating.map(|v| v.to_string()).unwrap_or_default(),
        price_ceiling: b.price_ceiling.clone(),
        budget_line: b.budget_line.clone(),
        nature: b.nature.key().to_owned(),
    }
}

/// Add an item to a year's draft catalog (district officers); an item on the negative list
/// is refused with the article cited.
#[utoipa::path(post, operation_id = "catalog_items_create", path = "/api/v1/purchase/catalog-items", tag = "purchase", security(("bearer" = [])),
    request_body = CatalogItemBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn items_create(
    rc: Rc,
    ApiJson(b): ApiJson<CatalogItemBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    check_item_body(&rc, &b)?;
    let year = year_of(&rc, b.year)?;
    let id = app::save_item(&rc.app, &rc.ctx, year, None, &item_input(&b))
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A catalog item.
#[utoipa::path(get, operation_id = "catalog_items_get", path = "/api/v1/purchase/catalog-items/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = CatalogItem), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn items_get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<CatalogItem>> {
    authed(&rc)?;
    let i = app::get_item(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(CatalogItem::from(&i)))
}

/// Replace an item of a draft catalog (the body is the whole item; `year` is ignored).
#[utoipa::path(put, operation_id = "catalog_items_update", path = "/api/v1/purchase/catalog-items/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = CatalogItemBody,
    responses((status = 200, body = CatalogItem), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn items_update(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CatalogItemBody>,
) -> ApiResult<Json<CatalogItem>> {
    authed(&rc)?;
    check_item_body(&rc, &b)?;
    let before = app::get_item(&rc.app, &rc.ctx, id).await.api(&rc)?;
    app::save_item(&rc.app, &rc.ctx, before.year, Some(id), &item_input(&b))
        .await
        .api(&rc)?;
    let i = app::get_item(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(CatalogItem::from(&i)))
}

/// Remove an item of a draft catalog that no project uses.
#[utoipa::path(delete, operation_id = "catalog_items_delete", path = "/api/v1/purchase/catalog-items/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn items_delete(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::delete_item(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import catalog items into a year's draft catalog.
///
/// The body is the file: XLSX, or CSV in UTF-8 or GB18030, with the columns 编号, 类别, 名称,
/// 服务内容, 服务标准, 承接主体类型, 最低评估等级, 最高限价, 预算科目, 性质 (or their English keys).
/// A code already in the catalog is updated. Nothing is written unless every row is valid,
/// unless `only_valid=true`.
#[utoipa::path(post, operation_id = "catalog_items_import", path = "/api/v1/purchase/catalog-items/import", tag = "purchase", security(("bearer" = [])),
    params(YearQuery, super::areas::ImportQuery), request_body(content = super::photos::Binary, content_type = "application/octet-stream"),
    responses((status = 200, body = super::areas::ImportReport, description = "Every row valid (written unless dry run)"),
        (status = 422, body = super::areas::ImportReport, description = "Some rows invalid; see issues"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn items_import(
    rc: Rc,
    ApiQuery(y): ApiQuery<YearQuery>,
    ApiQuery(q): ApiQuery<super::areas::ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<super::areas::ImportReport>)> {
    authed(&rc)?;
    // A year out of range is reported as the import's own issue (one response shape).
    let year = y.year.unwrap_or_else(app::this_year);
    if !(2000..=2100).contains(&year) {
        let mut r = sanshe_app::areas::ImportReport::default();
        r.issues.push(
            sanshe_io::RowIssue::new(0, "year", "err-range")
                .arg("min", 2000)
                .arg("max", 2100),
        );
        return Ok(super::areas::report_json(&rc, &r));
    }
    let r = app::import_items(&rc.app, &rc.ctx, year, &body, q.options())
        .await
        .api(&rc)?;
    Ok(super::areas::report_json(&rc, &r))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogTransitionBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: Option<i64>,
    #[schema(pattern = "^(publish|revise)$")]
    pub event: String,
    pub version: Option<i64>,
}

/// Publish a year's catalog (it goes on the public portal) or take it back to draft.
#[utoipa::path(post, operation_id = "catalog_transition", path = "/api/v1/purchase/catalog/transitions", tag = "purchase", security(("bearer" = [])),
    request_body = CatalogTransitionBody,
    responses((status = 200, body = Catalog), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn catalog_transition(
    rc: Rc,
    ApiJson(b): ApiJson<CatalogTransitionBody>,
) -> ApiResult<Json<Catalog>> {
    authed(&rc)?;
    let year = year_of(&rc, b.year)?;
    app::catalog_transition(&rc.app, &rc.ctx, year, &b.event, b.version)
        .await
        .api(&rc)?;
    let v = app::catalog(
        &rc.app,
        &rc.ctx,
        year,
        Default::default(),
        sanshe_store::PageReq {
            page: 1,
            per_page: 50,
        },
    )
    .await
    .api(&rc)?;
    Ok(Json(catalog_json(&v)))
}

// ---- projects ------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct Project {
    pub id: i64,
    pub year: i64,
    pub item: i64,
    pub item_code: String,
    pub item_name: String,
    pub category: String,
    pub proposal: Option<i64>,
    pub title: String,
    pub description: String,
    /// Yuan.
    pub amount: String,
    pub beneficiaries: i64,
    pub service_hours: i64,
    pub activities: i64,
    pub outcomes: String,
    #[schema(pattern = "^(public_call|negotiation|single_source)$")]
    pub method: String,
    pub justification: String,
    pub single_source_org: Option<i64>,
    pub min_team: i64,
    pub min_intermediate: i64,
    pub one_per_org: bool,
    pub start_date: String,
    pub end_date: String,
    pub apply_days: i64,
    pub published_on: Option<String>,
    /// The last day applications are accepted.
    pub deadline: Option<String>,
    #[schema(
        pattern = "^(draft|approved|open|closed|reviewing|reviewed|awarded|confirmed|cancelled)$"
    )]
    pub state: String,
    pub version: i64,
    pub submitted: i64,
    /// The rubric's weights the panel scores against.
    pub rubric: RubricWeights,
    /// The call's own guidance per criterion (null: the default guidance).
    pub guidance: RubricGuidance,
    /// 优胜劣汰: the least grade of an applicant's latest final evaluations ('' for none).
    #[schema(pattern = "^(|excellent|good|fair)$")]
    pub history_min_grade: String,
    /// 优胜劣汰: a 差 or a halted contract within the policy's years bars an applicant.
    pub history_exclude_poor: bool,
    /// 优胜劣汰 in the ranking: points added when the applicant's latest final evaluation is 优.
    pub history_bonus: i64,
    /// 优胜劣汰 in the ranking: points taken after a 差, a halted contract or a failed
    /// rectification within the policy's years.
    pub history_penalty: i64,
}

impl From<&ProjectRow> for Project {
    fn from(p: &ProjectRow) -> Self {
        Project {
            id: p.id,
            year: p.year,
            item: p.data.item_id,
            item_code: p.item_code.clone(),
            item_name: p.item_name.clone(),
            category: p.category.clone(),
            proposal: p.data.proposal_id,
            title: p.data.title.clone(),
            description: p.data.description.clone(),
            amount: yuan(p.data.amount_fen),
            beneficiaries: p.data.beneficiaries,
            service_hours: p.data.service_hours,
            activities: p.data.activities,
            outcomes: p.data.outcomes.clone(),
            method: p.data.method.clone(),
            justification: p.data.justification.clone(),
            single_source_org: p.data.single_source_org,
            min_team: p.data.min_team,
            min_intermediate: p.data.min_intermediate,
            one_per_org: p.data.one_per_org,
            start_date: p.data.start_date.clone(),
            end_date: p.data.end_date.clone(),
            apply_days: p.data.apply_days,
            published_on: p.published_on.clone(),
            deadline: p.deadline.clone(),
            state: p.state.clone(),
            version: p.version,
            submitted: p.submitted,
            rubric: RubricWeights::of(&p.data.rubric),
            guidance: RubricGuidance::of(&p.data.rubric_guide),
            history_min_grade: p.data.history_min_grade.clone(),
            history_exclude_poor: p.data.history_exclude_poor,
            history_bonus: p.data.history_bonus,
            history_penalty: p.data.history_penalty,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<Project>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    #[param(max_length = 100)]
    pub q: Option<String>,
    #[param(
        pattern = "^(|draft|approved|open|closed|reviewing|reviewed|awarded|confirmed|cancelled)$"
    )]
    pub state: Option<String>,
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i64>,
}

const PROJECT_STATES: [&str; 9] = [
    "draft",
    "approved",
    "open",
    "closed",
    "reviewing",
    "reviewed",
    "awarded",
    "confirmed",
    "cancelled",
];

/// Projects of the caller's district (officers), serving the caller's area (street and
/// community staff), or the published calls of its district (organizations).
#[utoipa::path(get, operation_id = "projects_list", path = "/api/v1/purchase/projects", tag = "purchase", security(("bearer" = [])),
    params(ProjectQuery, Paging),
    responses((status = 200, body = ProjectPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn projects_list(
    rc: Rc,
    ApiQuery(q): ApiQuery<ProjectQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<ProjectPage>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    super::QueryRules::default()
        .text("q", &q.q, 100)
        .choice("state", &q.state, &PROJECT_STATES)
        .check(&rc)?;
    if q.year.is_some_and(|y| !(2000..=2100).contains(&y)) {
        return Err(range_error(&rc, "year", 2000, 2100));
    }
    let res = projects::list(
        &rc.app,
        &rc.ctx,
        sanshe_store::purchase::ProjectFilter {
            q: q.q.filter(|v| !v.trim().is_empty()),
            state: q.state.filter(|v| !v.trim().is_empty()),
            year: q.year,
            ..Default::default()
        },
        page,
    )
    .await
    .api(&rc)?;
    Ok(Json(ProjectPage {
        items: res.items.iter().map(Project::from).collect(),
        page: PageInfo::from(&res),
    }))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    PublicCall,
    Negotiation,
    SingleSource,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectBody {
    /// A catalog item of the district.
    #[schema(minimum = 1)]
    pub item: i64,
    /// An adopted proposal this project carries out.
    #[schema(minimum = 1)]
    pub proposal: Option<i64>,
    #[schema(min_length = 1, max_length = 60)]
    pub title: String,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Yuan, at most the item's price ceiling.
    #[schema(
        pattern = "^([1-9][0-9]{0,7}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?)|100000000(\\.00?)?)$"
    )]
    pub amount: String,
    #[schema(minimum = 0, maximum = 10000000)]
    pub beneficiaries: Option<i64>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub service_hours: Option<i64>,
    #[schema(minimum = 0, maximum = 100000)]
    pub activities: Option<i64>,
    #[schema(max_length = 2000)]
    pub outcomes: Option<String>,
    pub method: Method,
    /// Required for a single source: why this organization.
    #[schema(max_length = 2000)]
    pub justification: Option<String>,
    #[schema(minimum = 1)]
    pub single_source_org: Option<i64>,
    /// Least team members with a certificate registered on the start date.
    #[schema(minimum = 0, maximum = 50)]
    pub min_team: Option<i64>,
    /// …of whom at intermediate level or above (at most `min_team`).
    #[schema(minimum = 0, maximum = 50)]
    pub min_intermediate: Option<i64>,
    /// One application per organization (default true).
    pub one_per_org: Option<bool>,
    #[schema(format = Date)]
    pub start_date: String,
    #[schema(format = Date)]
    pub end_date: String,
    /// Working days the call stays open (at least the policy profile's minimum).
    #[schema(minimum = 1, maximum = 60)]
    pub apply_days: Option<i64>,
    /// Community codes served (default: those of the proposal).
    #[schema(max_items = 200)]
    pub communities: Option<Vec<CommunityCode>>,
    /// The rubric's weights for this call (default 25/15/15/30/15); together 100.
    pub rubric: Option<RubricWeights>,
    /// What the panel looks for under each criterion on this call (absent or blank: the
    /// default guidance).
    pub guidance: Option<RubricGuidance>,
    /// 优胜劣汰: the least grade (excellent, good, fair) each of an applicant's latest three
    /// final evaluations must reach; absent or blank for none.
    #[schema(pattern = "^(|excellent|good|fair)$")]
    pub history_min_grade: Option<String>,
    /// 优胜劣汰: a 差 or a halted contract within the policy profile's
    /// `evaluation_exclusion_years` bars an applicant (default false).
    pub history_exclude_poor: Option<bool>,
    /// 优胜劣汰 in the panel ranking: points added to an applicant whose latest final
    /// evaluation is 优 (0–10, default 0).
    #[schema(minimum = 0, maximum = 10)]
    pub history_bonus: Option<i64>,
    /// 优胜劣汰 in the panel ranking: points taken from an applicant with a 差, a halted
    /// contract or a failed rectification within `evaluation_exclusion_years` (0–10, default 0).
    #[schema(minimum = 0, maximum = 10)]
    pub history_penalty: Option<i64>,
}

/// A call's guidance for the panel per criterion of the rubric.
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricGuidance {
    /// 需求度
    #[schema(max_length = 200)]
    pub need: Option<String>,
    /// 接纳度
    #[schema(max_length = 200)]
    pub acceptance: Option<String>,
    /// 创新性
    #[schema(max_length = 200)]
    pub innovation: Option<String>,
    /// 有效性
    #[schema(max_length = 200)]
    pub effectiveness: Option<String>,
    /// 复制性
    #[schema(max_length = 200)]
    pub replicability: Option<String>,
}

impl RubricGuidance {
    pub fn of(stored: &str) -> RubricGuidance {
        let [need, acceptance, innovation, effectiveness, replicability] =
            sanshe_domain::purchase::guides(stored);
        RubricGuidance {
            need,
            acceptance,
            innovation,
            effectiveness,
            replicability,
        }
    }
}

/// A call's weights for the five criteria of the rubric, whole points adding up to 100.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RubricWeights {
    /// 需求度
    #[schema(minimum = 0, maximum = 100)]
    pub need: i64,
    /// 接纳度
    #[schema(minimum = 0, maximum = 100)]
    pub acceptance: i64,
    /// 创新性
    #[schema(minimum = 0, maximum = 100)]
    pub innovation: i64,
    /// 有效性
    #[schema(minimum = 0, maximum = 100)]
    pub effectiveness: i64,
    /// 复制性
    #[schema(minimum = 0, maximum = 100)]
    pub replicability: i64,
}

impl RubricWeights {
    pub fn of(stored: &str) -> RubricWeights {
        let w = sanshe_domain::purchase::weights(stored);
        RubricWeights {
            need: w[0],
            acceptance: w[1],
            innovation: w[2],
            effectiveness: w[3],
            replicability: w[4],
        }
    }
}

/// A 12-digit community code.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(value_type = String, pattern = "^[0-9]{12}$")]
pub struct CommunityCode(pub String);

/// Ids the body names must be ids (at least 1), whatever the method.
fn check_project_body(rc: &Rc, b: &ProjectBody) -> ApiResult<()> {
    for (f, v) in [
        ("proposal", b.proposal),
        ("single_source_org", b.single_source_org),
    ] {
        if v.is_some_and(|v| v < 1) {
            return Err(range_error(rc, f, 1, i64::MAX));
        }
    }
    Ok(())
}

fn project_input(mut b: ProjectBody) -> projects::ProjectInput {
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    let g = b.guidance.take().unwrap_or_default();
    projects::ProjectInput {
        item: b.item.to_string(),
        proposal: n(b.proposal),
        title: b.title,
        description: b.description.unwrap_or_default(),
        amount: b.amount,
        beneficiaries: n(b.beneficiaries),
        service_hours: n(b.service_hours),
        activities: n(b.activities),
        outcomes: b.outcomes.unwrap_or_default(),
        method: match b.method {
            Method::PublicCall => "public_call",
            Method::Negotiation => "negotiation",
            Method::SingleSource => "single_source",
        }
        .into(),
        justification: b.justification.unwrap_or_default(),
        single_source_org: n(b.single_source_org),
        min_team: n(b.min_team),
        min_intermediate: n(b.min_intermediate),
        one_per_org: if b.one_per_org == Some(false) {
            "false".into()
        } else {
            "true".into()
        },
        start_date: b.start_date,
        end_date: b.end_date,
        apply_days: n(b.apply_days),
        communities: b
            .communities
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.0)
            .collect(),
        w_need: b
            .rubric
            .as_ref()
            .map(|r| r.need.to_string())
            .unwrap_or_default(),
        w_acceptance: b
            .rubric
            .as_ref()
            .map(|r| r.acceptance.to_string())
            .unwrap_or_default(),
        w_innovation: b
            .rubric
            .as_ref()
            .map(|r| r.innovation.to_string())
            .unwrap_or_default(),
        w_effectiveness: b
            .rubric
            .as_ref()
            .map(|r| r.effectiveness.to_string())
            .unwrap_or_default(),
        w_replicability: b
            .rubric
            .as_ref()
            .map(|r| r.replicability.to_string())
            .unwrap_or_default(),
        g_need: g.need.unwrap_or_default(),
        g_acceptance: g.acceptance.unwrap_or_default(),
        g_innovation: g.innovation.unwrap_or_default(),
        g_effectiveness: g.effectiveness.unwrap_or_default(),
        g_replicability: g.replicability.unwrap_or_default(),
        history_min_grade: b.history_min_grade.unwrap_or_default(),
        history_exclude_poor: b.history_exclude_poor.unwrap_or(false).to_string(),
        history_bonus: b.history_bonus.unwrap_or(0).to_string(),
        history_penalty: b.history_penalty.unwrap_or(0).to_string(),
    }
}

/// Design a draft project from a catalog item (district officers).
#[utoipa::path(post, operation_id = "projects_create", path = "/api/v1/purchase/projects", tag = "purchase", security(("bearer" = [])),
    request_body = ProjectBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn projects_create(
    rc: Rc,
    ApiJson(b): ApiJson<ProjectBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    check_project_body(&rc, &b)?;
    let id = projects::create(&rc.app, &rc.ctx, &project_input(b))
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Replace a draft project's fields.
#[utoipa::path(put, operation_id = "projects_update", path = "/api/v1/purchase/projects/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ProjectBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn projects_update(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ProjectBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    check_project_body(&rc, &b)?;
    projects::update(&rc.app, &rc.ctx, id, &project_input(b))
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProjectDetail {
    #[serde(flatten)]
    pub project: Project,
    pub communities: Vec<String>,
    pub timeline: Vec<Step>,
    pub events: Vec<String>,
    /// Submitted and withdrawn applications (district officers only).
    pub applications: Vec<Application>,
    /// The caller's organization may start an application now.
    pub can_apply: bool,
}

/// A project with its call, communities, timeline and the caller's events.
#[utoipa::path(get, operation_id = "projects_get", path = "/api/v1/purchase/projects/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = ProjectDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn projects_get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<ProjectDetail>> {
    authed(&rc)?;
    let v = projects::get(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(ProjectDetail {
        project: Project::from(&v.project),
        communities: v.communities.into_iter().map(|c| c.0).collect(),
        timeline: steps(&v.history),
        events: v
            .offered
            .iter()
            .map(|e| Projects::event_name(*e).to_owned())
            .collect(),
        applications: v.applications.iter().map(Application::from).collect(),
        can_apply: v.can_apply,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectTransitionBody {
    #[schema(pattern = "^(approve|publish|close|confirm|cancel)$")]
    pub event: String,
    pub version: Option<i64>,
    /// Cancel: the reason (required). Otherwise a note.
    #[schema(max_length = 1000)]
    pub text: Option<String>,
}

/// Approve (reserves the amount on the budget line), publish (opens the call until a
/// deadline in working days), close (after the deadline) or cancel (releases the amount).
#[utoipa::path(post, operation_id = "projects_transition", path = "/api/v1/purchase/projects/{id}/transitions", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ProjectTransitionBody,
    responses((status = 200, body = Project), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn projects_transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ProjectTransitionBody>,
) -> ApiResult<Json<Project>> {
    authed(&rc)?;
    let p = projects::apply(
        &rc.app,
        &rc.ctx,
        id,
        &projects::ProjectTransition {
            event: b.event,
            version: b.version,
            text: b.text.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(Json(Project::from(&p)))
}

// ---- applications --------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct Application {
    pub id: i64,
    pub project: i64,
    pub project_title: String,
    pub organization: i64,
    pub organization_name: String,
    /// Yuan.
    pub amount: String,
    pub needs_analysis: String,
    pub plan: String,
    pub outputs: String,
    pub outcomes: String,
    pub budget_breakdown: String,
    pub direct_beneficiaries: i64,
    pub indirect_beneficiaries: i64,
    pub declared: bool,
    #[schema(pattern = "^(draft|submitted|withdrawn)$")]
    pub state: String,
    pub version: i64,
    pub submitted_at: Option<i64>,
    pub team_size: i64,
}

impl From<&ApplicationRow> for Application {
    fn from(a: &ApplicationRow) -> Self {
        Application {
            id: a.id,
            project: a.project_id,
            project_title: a.project_title.clone(),
            organization: a.org_id,
            organization_name: a.org_name.clone(),
            amount: yuan(a.data.amount_fen),
            needs_analysis: a.data.needs_analysis.clone(),
            plan: a.data.plan.clone(),
            outputs: a.data.outputs.clone(),
            outcomes: a.data.outcomes.clone(),
            budget_breakdown: a.data.budget_breakdown.clone(),
            direct_beneficiaries: a.data.direct_beneficiaries,
            indirect_beneficiaries: a.data.indirect_beneficiaries,
            declared: a.data.declared,
            state: a.state.clone(),
            version: a.version,
            submitted_at: a.submitted_at,
            team_size: a.team_size,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<Application>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    #[param(minimum = 1)]
    pub project: Option<i64>,
    #[param(pattern = "^(|draft|submitted|withdrawn)$")]
    pub state: Option<String>,
    #[param(max_length = 100)]
    pub q: Option<String>,
}

/// The caller organization's own applications, or (district officers) the submitted and
/// withdrawn applications to the district's calls.
#[utoipa::path(get, operation_id = "applications_list", path = "/api/v1/purchase/applications", tag = "purchase", security(("bearer" = [])),
    params(ApplicationQuery, Paging),
    responses((status = 200, body = ApplicationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn applications_list(
    rc: Rc,
    ApiQuery(q): ApiQuery<ApplicationQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<ApplicationPage>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    super::QueryRules::default()
        .text("q", &q.q, 100)
        .choice("state", &q.state, &["draft", "submitted", "withdrawn"])
        .check(&rc)?;
    if q.project.is_some_and(|p| p < 1) {
        return Err(range_error(&rc, "project", 1, i64::MAX));
    }
    let res = applications::list(
        &rc.app,
        &rc.ctx,
        sanshe_store::purchase::ApplicationFilter {
            project: q.project,
            state: q.state.filter(|v| !v.trim().is_empty()),
            q: q.q.filter(|v| !v.trim().is_empty()),
            ..Default::default()
        },
        page,
    )
    .await
    .api(&rc)?;
    Ok(Json(ApplicationPage {
        items: res.items.iter().map(Application::from).collect(),
        page: PageInfo::from(&res),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationBody {
    /// Yuan requested, at most the call's amount.
    #[schema(
        pattern = "^([1-9][0-9]{0,7}(\\.[0-9]{1,2})?|0\\.(0[1-9]|[1-9][0-9]?)|100000000(\\.00?)?)$"
    )]
    pub amount: String,
    #[schema(max_length = 2000)]
    pub needs_analysis: Option<String>,
    #[schema(max_length = 2000)]
    pub plan: Option<String>,
    #[schema(max_length = 2000)]
    pub outputs: Option<String>,
    #[schema(max_length = 2000)]
    pub outcomes: Option<String>,
    #[schema(max_length = 2000)]
    pub budget_breakdown: Option<String>,
    #[schema(minimum = 0, maximum = 10000000)]
    pub direct_beneficiaries: Option<i64>,
    #[schema(minimum = 0, maximum = 10000000)]
    pub indirect_beneficiaries: Option<i64>,
    /// The declaration of truthfulness (required to submit).
    pub declared: Option<bool>,
    /// The organization's own social workers (ids).
    #[schema(max_items = 50)]
    pub team: Option<Vec<i64>>,
}

fn application_input(b: ApplicationBody) -> applications::ApplicationInput {
    let n = |v: Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
    applications::ApplicationInput {
        amount: b.amount,
        needs_analysis: b.needs_analysis.unwrap_or_default(),
        plan: b.plan.unwrap_or_default(),
        outputs: b.outputs.unwrap_or_default(),
        outcomes: b.outcomes.unwrap_or_default(),
        budget_breakdown: b.budget_breakdown.unwrap_or_default(),
        direct_beneficiaries: n(b.direct_beneficiaries),
        indirect_beneficiaries: n(b.indirect_beneficiaries),
        declared: if b.declared == Some(true) { "1" } else { "" }.into(),
        team: b.team.unwrap_or_default(),
    }
}

/// Start a draft application to an open call (an organization's account).
#[utoipa::path(post, operation_id = "applications_create", path = "/api/v1/purchase/projects/{id}/applications", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ApplicationBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn applications_create(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ApplicationBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = applications::start(&rc.app, &rc.ctx, id, &application_input(b))
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Replace a draft application's fields and team.
#[utoipa::path(put, operation_id = "applications_update", path = "/api/v1/purchase/applications/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ApplicationBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn applications_update(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ApplicationBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    applications::update(&rc.app, &rc.ctx, id, &application_input(b))
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// One rule of the eligibility screen.
#[derive(Debug, Serialize, ToSchema)]
pub struct EligibilityLine {
    /// The rule (`elig-…`).
    pub code: String,
    #[schema(pattern = "^(pass|warn|fail)$")]
    pub level: String,
    /// The rule and its figures in the caller's language.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamMember {
    pub worker: i64,
    pub name: String,
    pub cert_level: String,
    /// Registration periods as [start, end].
    pub registrations: Vec<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationDetail {
    #[serde(flatten)]
    pub application: Application,
    pub team: Vec<TeamMember>,
    /// Computed now from the registries.
    pub eligible: bool,
    pub eligibility: Vec<EligibilityLine>,
    pub timeline: Vec<Step>,
    pub events: Vec<String>,
}

pub(crate) fn lines(rc: &Rc, f: &[Finding]) -> Vec<EligibilityLine> {
    f.iter()
        .map(|x| EligibilityLine {
            code: x.code.to_owned(),
            level: match x.level {
                sanshe_domain::purchase::Level::Pass => "pass",
                sanshe_domain::purchase::Level::Warn => "warn",
                sanshe_domain::purchase::Level::Fail => "fail",
            }
            .into(),
            message: crate::pages::purchase::finding_text(&rc.tr, x),
        })
        .collect()
}

/// An application with its team, its eligibility (computed now) and its timeline.
#[utoipa::path(get, operation_id = "applications_get", path = "/api/v1/purchase/applications/{id}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = ApplicationDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn applications_get(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ApplicationDetail>> {
    authed(&rc)?;
    let v = applications::get(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(ApplicationDetail {
        application: Application::from(&v.application),
        team: v
            .team
            .iter()
            .map(|m| TeamMember {
                worker: m.worker_id,
                name: m.name.clone(),
                cert_level: m.cert_level.clone(),
                registrations: m
                    .registrations
                    .iter()
                    .map(|(s, e)| vec![s.clone(), e.clone()])
                    .collect(),
            })
            .collect(),
        eligible: v.eligible,
        eligibility: lines(&rc, &v.findings),
        timeline: steps(&v.history),
        events: v
            .offered
            .iter()
            .map(|e| Applications::event_name(*e).to_owned())
            .collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationTransitionBody {
    #[schema(pattern = "^(submit|recall|withdraw)$")]
    pub event: String,
    pub version: Option<i64>,
}

/// Submit (before the deadline, eligible, declared), recall to draft (before the deadline)
/// or withdraw.
#[utoipa::path(post, operation_id = "applications_transition", path = "/api/v1/purchase/applications/{id}/transitions", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ApplicationTransitionBody,
    responses((status = 200, body = Application), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn applications_transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ApplicationTransitionBody>,
) -> ApiResult<Json<Application>> {
    authed(&rc)?;
    let a = applications::apply(
        &rc.app,
        &rc.ctx,
        id,
        &applications::ApplicationTransition {
            event: b.event,
            version: b.version,
        },
    )
    .await
    .api(&rc)?;
    Ok(Json(Application::from(&a)))
}
