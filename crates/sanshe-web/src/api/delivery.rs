//! `/api/v1/purchase/…/delivery`: a signed contract's team, activity logs with hours per
//! member and evidence, and milestone reports compiled from the logs.

use super::needs::{AttachQuery, Attachment, Created};
use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::delivery as app;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryMember {
    pub worker_id: i64,
    pub name: String,
    pub cert_level: String,
    /// The end of the latest registration.
    pub registered_until: Option<String>,
    /// Whether a registration covers today.
    pub current: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogHours {
    pub worker_id: i64,
    pub name: String,
    /// Hours, e.g. `1.5`.
    pub hours: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryLog {
    pub id: i64,
    pub day: String,
    pub community: String,
    pub community_name: String,
    pub content: String,
    pub direct: i64,
    pub indirect: i64,
    pub members: Vec<LogHours>,
    /// Evidence files attached.
    pub evidence: i64,
    pub by_name: String,
    pub created_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryTotals {
    pub activities: i64,
    pub direct: i64,
    pub indirect: i64,
    pub hours: String,
}

impl From<&sanshe_store::delivery::Totals> for DeliveryTotals {
    fn from(t: &sanshe_store::delivery::Totals) -> Self {
        DeliveryTotals {
            activities: t.activities,
            direct: t.direct,
            indirect: t.indirect,
            hours: app::hours_text(t.hours_tenths),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneReport {
    pub id: i64,
    #[schema(pattern = "^(midterm|final)$")]
    pub kind: String,
    pub tranche_id: Option<i64>,
    pub period_from: String,
    pub period_to: String,
    pub summary: String,
    /// Compiled from the period's logs when submitted.
    pub totals: DeliveryTotals,
    /// The officer's reasons or remarks.
    pub answer: String,
    #[schema(pattern = "^(submitted|accepted|returned)$")]
    pub state: String,
    pub version: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Delivery {
    pub contract_id: i64,
    pub team: Vec<DeliveryMember>,
    pub totals: DeliveryTotals,
    pub reports: Vec<MilestoneReport>,
    pub logs: Vec<DeliveryLog>,
    pub page: PageInfo,
}

pub fn log_json(l: &sanshe_store::delivery::LogRow) -> DeliveryLog {
    DeliveryLog {
        id: l.id,
        day: l.data.day.clone(),
        community: l.data.community.clone(),
        community_name: l.community_name.clone(),
        content: l.data.content.clone(),
        direct: l.data.direct,
        indirect: l.data.indirect,
        members: l
            .members
            .iter()
            .map(|(w, n, t)| LogHours {
                worker_id: *w,
                name: n.clone(),
                hours: app::hours_text(*t),
            })
            .collect(),
        evidence: l.evidence,
        by_name: l.by_name.clone(),
        created_at: l.created_at,
    }
}

pub fn report_json(r: &sanshe_store::delivery::ReportRow) -> MilestoneReport {
    MilestoneReport {
        id: r.id,
        kind: r.kind.clone(),
        tranche_id: r.tranche_id,
        period_from: r.period_from.clone(),
        period_to: r.period_to.clone(),
        summary: r.summary.clone(),
        totals: (&r.totals).into(),
        answer: r.answer.clone(),
        state: r.state.clone(),
        version: r.version,
    }
}

/// A signed contract's delivery: its team with their registrations, a page of activity logs
/// (newest first), the totals and the milestone reports.
#[utoipa::path(get, operation_id = "delivery_get", path = "/api/v1/purchase/contracts/{id}/delivery", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), Paging),
    responses((status = 200, body = Delivery), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(p): ApiQuery<Paging>,
) -> ApiResult<Json<Delivery>> {
    authed(&rc)?;
    let page = p.req(&rc)?;
    let v = app::view(&rc.app, &rc.ctx, id, page).await.api(&rc)?;
    Ok(Json(Delivery {
        contract_id: id,
        team: v
            .team
            .iter()
            .map(|m| DeliveryMember {
                worker_id: m.worker_id,
                name: m.name.clone(),
                cert_level: m.cert_level.clone(),
                registered_until: m.registered_until.clone(),
                current: m.current,
            })
            .collect(),
        totals: (&v.totals).into(),
        reports: v.reports.iter().map(report_json).collect(),
        page: (&v.logs).into(),
        logs: v.logs.items.iter().map(log_json).collect(),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HoursBody {
    /// A team member (social worker id).
    #[schema(minimum = 1)]
    pub worker: i64,
    /// Hours, 0.1 to 24 with at most one decimal.
    #[schema(pattern = "^(0\\.[1-9]|([1-9]|1[0-9]|2[0-3])(\\.[0-9])?|24(\\.0)?)$")]
    pub hours: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogBody {
    /// Within the contract's term and not after today.
    #[schema(format = Date)]
    pub day: String,
    /// One of the project's communities (area code).
    #[schema(min_length = 1, max_length = 12)]
    pub community: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub content: String,
    #[schema(minimum = 0, maximum = 1000000)]
    pub direct: i64,
    #[schema(minimum = 0, maximum = 1000000)]
    pub indirect: i64,
    /// Each member who took part, once; their registration must cover the day.
    #[schema(min_items = 1, max_items = 50)]
    pub hours: Vec<HoursBody>,
}

/// Log an activity of the contracted team (the organization's).
#[utoipa::path(post, operation_id = "delivery_log", path = "/api/v1/purchase/contracts/{id}/delivery-logs", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = LogBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn log(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<LogBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let lid = app::log(
        &rc.app,
        &rc.ctx,
        id,
        &app::LogInput {
            day: b.day,
            community: b.community,
            content: b.content,
            direct: Some(b.direct),
            indirect: Some(b.indirect),
            hours: b
                .hours
                .into_iter()
                .map(|h| app::HoursInput {
                    worker: h.worker,
                    hours: h.hours,
                })
                .collect(),
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: lid })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplaceBody {
    /// The member leaving.
    #[schema(minimum = 1)]
    pub from: i64,
    /// The member joining (an active social worker of the organization, registered today).
    #[schema(minimum = 1)]
    pub to: i64,
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Replace a team member by a contract amendment (the district's officer).
#[utoipa::path(post, operation_id = "delivery_replace", path = "/api/v1/purchase/contracts/{id}/team", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ReplaceBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn replace(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReplaceBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::replace_member(
        &rc.app,
        &rc.ctx,
        id,
        &app::ReplaceInput {
            from: b.from,
            to: b.to,
            reason: b.reason,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    #[schema(pattern = "^(midterm|final)$")]
    pub kind: String,
    /// The unpaid `on_acceptance` tranche this report opens once accepted.
    #[schema(minimum = 1)]
    pub tranche: Option<i64>,
    #[schema(format = Date)]
    pub period_from: String,
    #[schema(format = Date)]
    pub period_to: String,
    #[schema(min_length = 1, max_length = 5000)]
    pub summary: String,
}

/// Submit a milestone report compiled from the period's logs (the organization's).
#[utoipa::path(post, operation_id = "delivery_report", path = "/api/v1/purchase/contracts/{id}/reports", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ReportBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn report(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReportBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let rid = app::submit(
        &rc.app,
        &rc.ctx,
        id,
        &app::ReportInput {
            kind: b.kind,
            tranche: b.tranche,
            period_from: b.period_from,
            period_to: b.period_to,
            summary: b.summary,
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: rid })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportTransitionBody {
    /// `accept` or `return` (the officer), `resubmit` (the organization, after a return).
    #[schema(pattern = "^(accept|return|resubmit)$")]
    pub event: String,
    /// The version read (compare-and-set); omitted: the current one.
    #[schema(minimum = 0)]
    pub version: Option<i64>,
    /// Reasons (required to return) or the corrected report (required to resubmit).
    #[schema(max_length = 5000)]
    pub text: Option<String>,
}

/// Accept, return or resubmit a milestone report. Accepting a report for a tranche opens
/// that tranche for payment.
#[utoipa::path(post, operation_id = "delivery_report_transition", path = "/api/v1/purchase/reports/{id}/transitions", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ReportTransitionBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn report_transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReportTransitionBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::decide(
        &rc.app,
        &rc.ctx,
        id,
        &app::ReportTransition {
            event: b.event,
            version: b.version,
            text: b.text.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The evidence attached to an activity.
#[utoipa::path(get, operation_id = "delivery_evidence", path = "/api/v1/purchase/delivery-logs/{id}/attachments", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Vec<Attachment>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn evidence(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Attachment>>> {
    authed(&rc)?;
    let rows = app::evidence(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(super::files::listing(
        rows,
        &format!("/api/v1/purchase/delivery-logs/{id}/attachments"),
    ))
}

/// Attach evidence to an activity: the raw bytes as the request body (photos, PDF, Office).
#[utoipa::path(post, operation_id = "delivery_attach", path = "/api/v1/purchase/delivery-logs/{id}/attachments", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), AttachQuery),
    request_body(description = "The file", content((super::photos::Binary = "application/octet-stream"))),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn attach(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AttachQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let name = super::files::upload_name(&rc, &q)?;
    let aid = app::attach(&rc.app, &rc.ctx, id, name, &body)
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })))
}

/// Download an evidence file.
#[utoipa::path(get, operation_id = "delivery_evidence_file", path = "/api/v1/purchase/delivery-logs/{id}/attachments/{aid}", tag = "purchase", security(("bearer" = [])),
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

/// One contract of a social worker's own service.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceContract {
    pub contract: i64,
    pub project: i64,
    pub project_title: String,
    pub organization_name: String,
    pub start_date: String,
    pub end_date: String,
    #[schema(pattern = "^(signed|completed)$")]
    pub state: String,
    /// The worker's own hours logged on it.
    pub hours: String,
    pub activities: i64,
    pub last_day: Option<String>,
    /// Running, and the worker's registration ends before it does.
    pub lapses_first: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyService {
    /// The social worker record the account is linked to (null: not linked).
    pub worker: Option<i64>,
    pub registered_until: Option<String>,
    /// Renew the registration by this day to go on being logged (set when a running contract
    /// outlasts it).
    pub renew_by: Option<String>,
    pub contracts: Vec<ServiceContract>,
}

/// A social worker's own service: the contracts whose team they are on, their hours, and
/// whether their registration must be renewed to go on (social workers).
#[utoipa::path(get, operation_id = "my_service", path = "/api/v1/purchase/my-service", tag = "purchase", security(("bearer" = [])),
    responses((status = 200, body = MyService), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn my_service(rc: Rc) -> ApiResult<Json<MyService>> {
    authed(&rc)?;
    let v = app::my_service(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(MyService {
        worker: v.worker_id,
        registered_until: v.registered_until,
        renew_by: v.renew_by,
        contracts: v
            .contracts
            .into_iter()
            .map(|x| ServiceContract {
                contract: x.contract.id,
                project: x.contract.project_id,
                project_title: x.contract.project_title,
                organization_name: x.contract.org_name,
                start_date: x.contract.clauses.start_date,
                end_date: x.contract.clauses.end_date,
                state: x.contract.state,
                hours: app::hours_text(x.share.hours_tenths),
                activities: x.share.activities,
                last_day: x.share.last_day,
                lapses_first: x.lapses_first,
            })
            .collect(),
    }))
}
