//! `/api/v1/award-lists…`: awards instead of subsidies (以奖代补) — a district's yearly list
//! for communities, streets or organizations, its scheme, each subject's scores with the award
//! computed from them (and the formula), notice, publication and payment.

use super::needs::{steps, Created, Step as TimelineStep};
use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::award_lists as app;
use sanshe_domain::award::{self as domain, Lists};
use sanshe_domain::workflow::Workflow;
use sanshe_store::award_lists::{EntryRow, ListRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardIndicator {
    #[schema(min_length = 1, max_length = 30, pattern = "^[a-z0-9_]+$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    /// The indicators' points sum to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub points: i64,
    /// A figure the platform holds (community lists): the points are its share; empty or
    /// absent: scored by hand.
    #[schema(
        pattern = "^(|station|facility_area|community_orgs|professional_posts|certified_committee|needs_on_time|purchase_results)$"
    )]
    pub source: Option<String>,
    /// For a count: the figure that earns full points.
    #[schema(minimum = 0, maximum = 10000)]
    pub target: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardGrade {
    #[schema(min_length = 1, max_length = 10)]
    pub name: String,
    /// The least total (bounds fall from the first grade to the last).
    #[schema(minimum = 1, maximum = 100)]
    pub min: i64,
    /// The grade's award in fen (table mode).
    #[schema(minimum = 0, maximum = 10000000000_i64)]
    pub award_fen: i64,
}

/// A scheme: indicators, grades, and the award by grade (`table`) or total × unit up to the
/// cap (`formula`); the team's share of each award.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardSchemeBody {
    #[schema(min_items = 1, max_items = 12)]
    pub indicators: Vec<AwardIndicator>,
    #[schema(min_items = 1, max_items = 8)]
    pub grades: Vec<AwardGrade>,
    #[schema(pattern = "^(table|formula)$")]
    pub mode: String,
    #[schema(minimum = 0, maximum = 100000000)]
    pub unit_fen: i64,
    #[schema(minimum = 0, maximum = 10000000000_i64)]
    pub cap_fen: i64,
    #[schema(minimum = 0, maximum = 100)]
    pub team_share: i64,
}

impl AwardSchemeBody {
    fn of(s: &domain::Scheme) -> Self {
        AwardSchemeBody {
            indicators: s
                .indicators
                .iter()
                .map(|i| AwardIndicator {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    points: i.points,
                    source: Some(i.source.clone()),
                    target: Some(i.target),
                })
                .collect(),
            grades: s
                .grades
                .iter()
                .map(|g| AwardGrade {
                    name: g.name.clone(),
                    min: g.min,
                    award_fen: g.award_fen,
                })
                .collect(),
            mode: s.mode.clone(),
            unit_fen: s.unit_fen,
            cap_fen: s.cap_fen,
            team_share: s.team_share,
        }
    }

    fn scheme(self) -> domain::Scheme {
        domain::Scheme {
            indicators: self
                .indicators
                .into_iter()
                .map(|i| domain::Indicator {
                    code: i.code,
                    name: i.name,
                    points: i.points,
                    source: i.source.unwrap_or_default(),
                    target: i.target.unwrap_or(0),
                })
                .collect(),
            grades: self
                .grades
                .into_iter()
                .map(|g| domain::Grade {
                    name: g.name,
                    min: g.min,
                    award_fen: g.award_fen,
                })
                .collect(),
            mode: self.mode,
            unit_fen: self.unit_fen,
            cap_fen: self.cap_fen,
            team_share: self.team_share,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardListBody {
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i64,
    #[schema(pattern = "^(community|street|org)$")]
    pub subject: String,
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    /// Working days of public notice before publication.
    #[schema(minimum = 0, maximum = 30)]
    pub notice_days: i64,
    /// The district's budget line of the year that pays the awards.
    #[schema(minimum = 1)]
    pub budget_line: Option<i64>,
    pub scheme: AwardSchemeBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardList {
    pub id: i64,
    pub year: i64,
    #[schema(pattern = "^(community|street|org)$")]
    pub subject: String,
    pub title: String,
    pub scheme_version: i64,
    pub notice_days: i64,
    pub notice_until: Option<String>,
    pub published_on: Option<String>,
    pub budget_line: Option<i64>,
    #[schema(pattern = "^(draft|scoring|notice|published)$")]
    pub state: String,
    pub version: i64,
    pub entries: i64,
    pub total_fen: i64,
    pub paid_fen: i64,
}

impl From<&ListRow> for AwardList {
    fn from(l: &ListRow) -> Self {
        AwardList {
            id: l.id,
            year: l.year,
            subject: l.subject.clone(),
            title: l.title.clone(),
            scheme_version: l.scheme_version,
            notice_days: l.notice_days,
            notice_until: l.notice_until.clone(),
            published_on: l.published_on.clone(),
            budget_line: l.budget_line_id,
            state: l.state.clone(),
            version: l.version,
            entries: l.entries,
            total_fen: l.total_fen,
            paid_fen: l.paid_fen,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardListPage {
    pub items: Vec<AwardList>,
    pub page: PageInfo,
}

/// The district's lists (officers every list; other purchase staff those on notice and
/// published).
#[utoipa::path(get, operation_id = "award_lists_list", path = "/api/v1/award-lists", tag = "awards", security(("bearer" = [])),
    params(Paging),
    responses((status = 200, body = AwardListPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(rc: Rc, ApiQuery(paging): ApiQuery<Paging>) -> ApiResult<Json<AwardListPage>> {
    authed(&rc)?;
    let page = paging.req(&rc)?;
    let r = app::list(&rc.app, &rc.ctx, page).await.api(&rc)?;
    Ok(Json(AwardListPage {
        items: r.items.iter().map(AwardList::from).collect(),
        page: PageInfo::from(&r),
    }))
}

/// Create a year's list for one kind of subject (district officers; one per year and kind).
#[utoipa::path(post, operation_id = "award_lists_create", path = "/api/v1/award-lists", tag = "awards", security(("bearer" = [])),
    request_body = AwardListBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    rc: Rc,
    ApiJson(b): ApiJson<AwardListBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = app::create(
        &rc.app,
        &rc.ctx,
        &app::ListInput {
            year: b.year,
            subject: b.subject,
            title: b.title,
            notice_days: b.notice_days,
            budget_line: b.budget_line,
            scheme: b.scheme.scheme(),
            version: None,
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardSchemeEdit {
    #[schema(minimum = 0, maximum = 30)]
    pub notice_days: i64,
    #[schema(minimum = 1)]
    pub budget_line: Option<i64>,
    pub scheme: AwardSchemeBody,
    pub version: Option<i64>,
}

/// Edit a draft list's scheme (a new scheme version), notice days and budget line.
#[utoipa::path(put, operation_id = "award_lists_scheme", path = "/api/v1/award-lists/{id}/scheme", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AwardSchemeEdit,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn set_scheme(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AwardSchemeEdit>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::set_scheme(
        &rc.app,
        &rc.ctx,
        id,
        &app::ListInput {
            year: 2000,
            subject: String::new(),
            title: String::new(),
            notice_days: b.notice_days,
            budget_line: b.budget_line,
            scheme: b.scheme.scheme(),
            version: b.version,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardEntry {
    pub id: i64,
    /// An area code, or an organization id.
    pub subject: String,
    pub subject_name: String,
    /// Points per indicator, in the scheme's order.
    pub scores: Vec<i64>,
    pub total: i64,
    /// Empty below the lowest grade.
    pub grade: String,
    pub award_fen: i64,
    /// The share that must go to the team.
    pub team_fen: i64,
    /// How the award follows from the total and the scheme.
    pub formula: String,
    pub paid_on: Option<String>,
    pub voucher: Option<String>,
    /// The community's self-assessment (`code=points`, comma-separated).
    pub self_scores: String,
    pub appeal: String,
    pub appeal_answer: String,
}

impl From<&EntryRow> for AwardEntry {
    fn from(e: &EntryRow) -> Self {
        AwardEntry {
            id: e.id,
            subject: e.subject_key.clone(),
            subject_name: e.subject_name.clone(),
            scores: e.scores.split(',').filter_map(|x| x.parse().ok()).collect(),
            total: e.total,
            grade: e.grade.clone(),
            award_fen: e.award_fen,
            team_fen: e.team_fen,
            formula: e.formula.clone(),
            paid_on: e.paid_on.clone(),
            voucher: e.voucher.clone(),
            self_scores: e.self_scores.clone(),
            appeal: e.appeal.clone(),
            appeal_answer: e.appeal_answer.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardListDetail {
    pub list: AwardList,
    pub scheme: AwardSchemeBody,
    pub entries: Vec<AwardEntry>,
    pub timeline: Vec<TimelineStep>,
    pub events: Vec<String>,
}

/// One list with its scheme and every entry (purchase staff once on notice).
#[utoipa::path(get, operation_id = "award_lists_get", path = "/api/v1/award-lists/{id}", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = AwardListDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<AwardListDetail>> {
    authed(&rc)?;
    let v = app::get(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(AwardListDetail {
        scheme: AwardSchemeBody::of(&v.scheme),
        entries: v.entries.iter().map(AwardEntry::from).collect(),
        timeline: steps(&v.history),
        events: v
            .offered
            .iter()
            .map(|e| Lists::event_name(*e).to_owned())
            .collect(),
        list: AwardList::from(&v.list),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardListTransition {
    #[schema(pattern = "^(open|announce|publish)$")]
    pub event: String,
    pub version: Option<i64>,
}

/// A step of the list (district officers): open for scoring (the scheme is fixed), announce
/// (the notice runs its working days), publish (after the notice).
#[utoipa::path(post, operation_id = "award_lists_transition", path = "/api/v1/award-lists/{id}/transitions", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AwardListTransition,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AwardListTransition>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::step(&rc.app, &rc.ctx, id, &b.event, b.version)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardScoreBody {
    /// An area code (communities, streets) or an organization id, in the district.
    #[schema(min_length = 1, max_length = 20)]
    pub subject: String,
    /// Whole points per indicator code, each within the indicator's points.
    pub scores: std::collections::BTreeMap<String, i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardComputed {
    pub total: i64,
    pub grade: String,
    pub award_fen: i64,
    pub team_fen: i64,
    pub formula: String,
}

/// Record a subject's scores while the list is scored (district officers; again replaces):
/// the award follows from the scheme.
#[utoipa::path(put, operation_id = "award_lists_score", path = "/api/v1/award-lists/{id}/entries", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AwardScoreBody,
    responses((status = 200, body = AwardComputed), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn score(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AwardScoreBody>,
) -> ApiResult<Json<AwardComputed>> {
    authed(&rc)?;
    let typed: Vec<(String, String)> = b
        .scores
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    let c = app::score(&rc.app, &rc.ctx, id, &b.subject, &typed)
        .await
        .api(&rc)?;
    Ok(Json(AwardComputed {
        total: c.total,
        grade: c.grade,
        award_fen: c.award_fen,
        team_fen: c.team_fen,
        formula: c.formula,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardPayBody {
    #[schema(min_length = 1, max_length = 60)]
    pub voucher: String,
}

/// Pay a published award once, against the list's budget line (district officers).
#[utoipa::path(post, operation_id = "award_entries_pay", path = "/api/v1/award-entries/{id}/pay", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AwardPayBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn pay(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AwardPayBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::pay(&rc.app, &rc.ctx, id, &b.voucher).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FillOutcome {
    /// Communities whose figures were filled in.
    pub communities: i64,
}

/// Fill every community's indicators drawn from the platform's figures (district officers,
/// while a community list with such indicators is scored); hand-scored points are kept.
#[utoipa::path(post, operation_id = "award_lists_fill", path = "/api/v1/award-lists/{id}/fill", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = FillOutcome), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn fill(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<FillOutcome>> {
    authed(&rc)?;
    let n = app::fill(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(FillOutcome {
        communities: i64::try_from(n).unwrap_or(0),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfAssessBody {
    /// Whole points per hand-scored indicator code.
    pub scores: std::collections::BTreeMap<String, i64>,
}

/// A community's self-assessment of the hand-scored indicators (its staff, while scored).
#[utoipa::path(put, operation_id = "award_lists_self", path = "/api/v1/award-lists/{id}/self", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = SelfAssessBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn self_assess(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<SelfAssessBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    let typed: Vec<(String, String)> = b
        .scores
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    app::self_assess(&rc.app, &rc.ctx, id, &typed)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealBody {
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

/// A community appeals its result during the notice (its staff; once).
#[utoipa::path(post, operation_id = "award_entries_appeal", path = "/api/v1/award-entries/{id}/appeal", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AppealBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn appeal(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AppealBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::appeal(&rc.app, &rc.ctx, id, &b.text).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppealAnswerBody {
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
    /// Corrected hand-scored points, when the appeal is upheld.
    pub scores: Option<std::collections::BTreeMap<String, i64>>,
}

/// Answer a community's appeal during the notice, correcting its hand-scored points if upheld
/// (district officers).
#[utoipa::path(post, operation_id = "award_entries_answer", path = "/api/v1/award-entries/{id}/answer", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AppealAnswerBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AppealAnswerBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    let typed: Vec<(String, String)> = b
        .scores
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
    app::answer_appeal(&rc.app, &rc.ctx, id, &b.text, &typed)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import the district's hand scores of a list being scored from a sheet: one row per subject
/// and indicator, columns 对象编码, 对象名称, 指标, 得分 (or `subject`, `subject_name`,
/// `indicator`, `points`; the indicator by code or name). Each subject's award is computed as
/// when scored one by one; nothing is written unless every row is clean (or `only_valid`:
/// the clean subjects only).
#[utoipa::path(post, operation_id = "award_scores_import", path = "/api/v1/award-lists/{id}/scores/import", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), super::areas::ImportQuery),
    request_body(content = super::photos::Binary, content_type = "application/octet-stream"),
    responses((status = 200, body = super::areas::ImportReport, description = "Every row valid (written unless dry run)"),
        (status = 422, body = super::areas::ImportReport, description = "Some rows invalid; see issues"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn import_scores(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<super::areas::ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<super::areas::ImportReport>)> {
    authed(&rc)?;
    let r = app::import_scores(&rc.app, &rc.ctx, id, &body, q.options())
        .await
        .api(&rc)?;
    Ok(super::areas::report_json(&rc, &r))
}

/// The evidence of an entry's hand-scored points (the district's officers; the community's
/// staff for their own community).
#[utoipa::path(get, operation_id = "award_entry_evidence", path = "/api/v1/award-entries/{id}/attachments", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Vec<super::needs::Attachment>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn evidence(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Vec<super::needs::Attachment>>> {
    authed(&rc)?;
    let rows = app::evidence(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(super::files::listing(
        rows,
        &format!("/api/v1/award-entries/{id}/attachments"),
    ))
}

/// Attach evidence to an entry while the list is scored (the district's officers; the
/// community's staff for their own self-assessment): the raw bytes as the request body
/// (photos, PDF, Office).
#[utoipa::path(post, operation_id = "award_entry_attach", path = "/api/v1/award-entries/{id}/attachments", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), super::needs::AttachQuery),
    request_body(description = "The file", content((super::photos::Binary = "application/octet-stream"))),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn attach(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<super::needs::AttachQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let name = super::files::upload_name(&rc, &q)?;
    let aid = app::attach(&rc.app, &rc.ctx, id, name, &body)
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })))
}

/// Download an entry's evidence file.
#[utoipa::path(get, operation_id = "award_entry_evidence_file", path = "/api/v1/award-entries/{id}/attachments/{aid}", tag = "awards", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), ("aid" = i64, Path, minimum = 1)),
    responses(super::files::FileDownload))]
pub async fn evidence_file(
    rc: Rc,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> ApiResult<axum::response::Response> {
    authed(&rc)?;
    Ok(super::files::download(
        app::evidence_file(&rc.app, &rc.ctx, id, aid)
            .await
            .api(&rc)?,
    ))
}
