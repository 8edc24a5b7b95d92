//! `/api/v1/calendar`: public holidays and adjusted working days, and deadlines in working
//! days.

use super::areas::{report_json, ImportQuery, ImportReport};
use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::calendar::{self, DayInput};
use sanshe_domain::calendar::Day;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub day: String,
    /// `holiday`: a day off; `workday`: a weekend day worked (调休).
    #[schema(pattern = "^(holiday|workday)$")]
    pub kind: String,
    pub name: String,
    pub source: String,
}

impl From<&sanshe_store::calendar::CalendarDay> for CalendarDay {
    fn from(d: &sanshe_store::calendar::CalendarDay) -> Self {
        CalendarDay {
            day: d.day.clone(),
            kind: d.kind.clone(),
            name: d.name.clone(),
            source: d.source.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarYear {
    pub year: i32,
    pub days: Vec<CalendarDay>,
    /// Years with a schedule.
    pub years: Vec<i32>,
    /// A year that needs its schedule entered (this year, or the next from November).
    pub missing_year: Option<i32>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    /// Default: the current year.
    #[param(minimum = 1900, maximum = 2999)]
    pub year: Option<i32>,
}

/// One year's public holidays and adjusted working days.
#[utoipa::path(get, operation_id = "calendar_year", path = "/api/v1/calendar", tag = "calendar", security(("bearer" = [])),
    params(YearQuery),
    responses((status = 200, body = CalendarYear), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn year(rc: Rc, ApiQuery(q): ApiQuery<YearQuery>) -> ApiResult<Json<CalendarYear>> {
    authed(&rc)?;
    let y = q.year.unwrap_or_else(|| calendar::today().year());
    let v = calendar::year(&rc.app, &rc.ctx, y).await.api(&rc)?;
    Ok(Json(CalendarYear {
        year: v.year,
        days: v.days.iter().map(CalendarDay::from).collect(),
        years: v.years,
        missing_year: v.missing_year,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayBody {
    #[schema(pattern = "^(holiday|workday)$")]
    pub kind: String,
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    #[schema(max_length = 200)]
    pub source: Option<String>,
}

/// Set one day as a holiday or an adjusted working day (district administrator).
#[utoipa::path(put, operation_id = "calendar_put_day", path = "/api/v1/calendar/{day}", tag = "calendar", security(("bearer" = [])),
    params(("day" = String, Path, format = Date, pattern = "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", description = "YYYY-MM-DD, years 1900 to 2999")),
    request_body = DayBody,
    responses((status = 200, body = CalendarDay), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_day(
    rc: Rc,
    ApiPath(day): ApiPath<String>,
    ApiJson(b): ApiJson<DayBody>,
) -> ApiResult<Json<CalendarDay>> {
    authed(&rc)?;
    let d = calendar::set_day(
        &rc.app,
        &rc.ctx,
        &DayInput {
            day,
            kind: b.kind,
            name: b.name,
            source: b.source.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(Json(CalendarDay::from(&d)))
}

/// Remove a listed day: it follows the weekday rule again (district administrator).
#[utoipa::path(delete, operation_id = "calendar_delete_day", path = "/api/v1/calendar/{day}", tag = "calendar", security(("bearer" = [])),
    params(("day" = String, Path, format = Date, pattern = "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", description = "YYYY-MM-DD, years 1900 to 2999")),
    responses((status = 204, description = "Removed"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_day(rc: Rc, ApiPath(day): ApiPath<String>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    calendar::remove_day(&rc.app, &rc.ctx, &day)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import days from a CSV or XLSX sheet with the columns 日期 (date), 类型 (kind: holiday /
/// workday, 休 / 班), 名称 (name) and optionally 依据 (source).
#[utoipa::path(post, operation_id = "calendar_import", path = "/api/v1/calendar/import", tag = "calendar", security(("bearer" = [])),
    params(ImportQuery), request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ImportReport, description = "Every row valid (written unless dry run)"),
        (status = 422, body = ImportReport, description = "Some rows invalid; see issues"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import(
    rc: Rc,
    ApiQuery(q): ApiQuery<ImportQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<ImportReport>)> {
    authed(&rc)?;
    let r = calendar::import(&rc.app, &rc.ctx, &body, q.options())
        .await
        .api(&rc)?;
    Ok(report_json(&rc, &r))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlineQuery {
    /// The start date, `YYYY-MM-DD` (not itself counted).
    #[param(format = Date, pattern = "^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub from: String,
    /// Working days to add (negative: count backwards).
    #[param(minimum = -3660, maximum = 3660)]
    pub days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deadline {
    #[schema(format = Date)]
    pub from: String,
    pub days: i64,
    #[schema(format = Date)]
    pub due: String,
}

/// The date `days` working days after `from`, by the calendar.
#[utoipa::path(get, operation_id = "calendar_deadline", path = "/api/v1/calendar/deadline", tag = "calendar", security(("bearer" = [])),
    params(DeadlineQuery),
    responses((status = 200, body = Deadline), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn deadline(rc: Rc, ApiQuery(q): ApiQuery<DeadlineQuery>) -> ApiResult<Json<Deadline>> {
    authed(&rc)?;
    let bad = |field: &str, key: &str| {
        crate::error::ApiError::new(
            &sanshe_app::AppError::invalid(sanshe_domain::FieldError::new(field, key)),
            &rc.tr,
            &rc.request_id,
        )
    };
    let from = Day::parse(q.from.trim()).ok_or_else(|| bad("from", "err-calendar-day"))?;
    if q.days.unsigned_abs() > sanshe_domain::calendar::MAX_WORKING_DAYS as u64 {
        return Err(bad("days", "err-calendar-days"));
    }
    let due = calendar::working_day_after(&rc.app, &rc.ctx, from, q.days)
        .await
        .api(&rc)?;
    Ok(Json(Deadline {
        from: from.to_string(),
        days: q.days,
        due: due.to_string(),
    }))
}
