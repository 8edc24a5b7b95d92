//! `/api/v1/purchase/evaluations…`: third-party evaluation of purchased services — the
//! district's indicator scheme, assignment of assessors, scoring, the provider's answer, the
//! final grade (which opens or halts payments) and publication.

use super::needs::{steps, AttachQuery, Attachment, Created, Step};
use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::evaluations as app;
use sanshe_app::purchase::rectification;
use sanshe_domain::evaluation::{self as domain, Evaluations};
use sanshe_domain::workflow::Workflow;
use sanshe_store::evaluations::EvaluationRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// A stable code: lower-case letters, digits and `_`.
    #[schema(min_length = 1, max_length = 30, pattern = "^[a-z0-9_]+$")]
    pub code: String,
    #[schema(min_length = 1, max_length = 30)]
    pub name_zh: String,
    #[schema(min_length = 1, max_length = 60)]
    pub name_en: String,
    /// The most points the indicator carries; the indicators' points sum to 100.
    #[schema(minimum = 1, maximum = 100)]
    pub weight: i64,
    /// What the assessor looks for.
    #[schema(max_length = 200)]
    pub guide: Option<String>,
    /// The assessor must attach evidence or check sampled delivery logs before scoring
    /// (default false).
    pub evidence: Option<bool>,
}

/// An indicator scheme (default after 财预〔2020〕10号: 决策 15, 过程 25, 产出 30, 效益 30;
/// 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, below: 差).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchemeBody {
    #[schema(min_items = 1, max_items = 12)]
    pub indicators: Vec<Indicator>,
    /// Least total of 优.
    #[schema(minimum = 1, maximum = 100)]
    pub excellent: i64,
    /// Least total of 良.
    #[schema(minimum = 1, maximum = 100)]
    pub good: i64,
    /// Least total of 中.
    #[schema(minimum = 1, maximum = 100)]
    pub fair: i64,
    /// The provider evaluates itself before the assessor scores (default false).
    pub self_evaluation: Option<bool>,
    /// Working days from the assignment the provider has for its self-evaluation (default 10).
    #[schema(minimum = 1, maximum = 60)]
    pub self_days: Option<i64>,
    /// A self-evaluation missing at its due day makes the stage 差 (default true).
    pub late_fails: Option<bool>,
}

impl SchemeBody {
    fn of(s: &domain::Scheme) -> SchemeBody {
        SchemeBody {
            indicators: s
                .indicators
                .iter()
                .map(|i| Indicator {
                    code: i.code.clone(),
                    name_zh: i.name_zh.clone(),
                    name_en: i.name_en.clone(),
                    weight: i.weight,
                    guide: Some(i.guide.clone()),
                    evidence: Some(i.evidence),
                })
                .collect(),
            excellent: s.excellent,
            good: s.good,
            fair: s.fair,
            self_evaluation: Some(s.self_evaluation),
            self_days: Some(s.self_days),
            late_fails: Some(s.late_fails),
        }
    }

    fn scheme(self) -> domain::Scheme {
        domain::Scheme {
            indicators: self
                .indicators
                .into_iter()
                .map(|i| domain::Indicator {
                    code: i.code,
                    name_zh: i.name_zh,
                    name_en: i.name_en,
                    weight: i.weight,
                    guide: i.guide.unwrap_or_default(),
                    evidence: i.evidence.unwrap_or(false),
                })
                .collect(),
            excellent: self.excellent,
            good: self.good,
            fair: self.fair,
            self_evaluation: self.self_evaluation.unwrap_or(false),
            self_days: self.self_days.unwrap_or(domain::SELF_DAYS),
            late_fails: self.late_fails.unwrap_or(true),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeVersion {
    pub id: i64,
    pub version: i64,
    pub by: String,
    pub at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SchemeView {
    pub id: i64,
    pub version: i64,
    pub scheme: SchemeBody,
    /// Every version, newest first.
    pub versions: Vec<SchemeVersion>,
}

/// The district's current indicator scheme and its versions.
#[utoipa::path(get, operation_id = "evaluation_scheme_get", path = "/api/v1/purchase/evaluation-scheme", tag = "evaluation", security(("bearer" = [])),
    responses((status = 200, body = SchemeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn scheme(rc: Rc) -> ApiResult<Json<SchemeView>> {
    authed(&rc)?;
    let v = app::scheme(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(SchemeView {
        id: v.current.id,
        version: v.current.version,
        scheme: SchemeBody::of(&v.scheme),
        versions: v
            .versions
            .iter()
            .map(|s| SchemeVersion {
                id: s.id,
                version: s.version,
                by: s.by_name.clone(),
                at: s.at,
            })
            .collect(),
    }))
}

/// Add a version of the district's scheme (district officers). Evaluations already assigned
/// keep the version they were assigned with.
#[utoipa::path(put, operation_id = "evaluation_scheme_put", path = "/api/v1/purchase/evaluation-scheme", tag = "evaluation", security(("bearer" = [])),
    request_body = SchemeBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_scheme(
    rc: Rc,
    ApiJson(b): ApiJson<SchemeBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = app::set_scheme(&rc.app, &rc.ctx, &b.scheme())
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Assessor {
    /// The evaluator account.
    pub id: i64,
    pub name: String,
    pub agency: i64,
    pub agency_name: String,
}

/// Evaluator accounts of independent agencies that may be assigned (district officers).
#[utoipa::path(get, operation_id = "evaluation_assessors", path = "/api/v1/purchase/assessors", tag = "evaluation", security(("bearer" = [])),
    responses((status = 200, body = Vec<Assessor>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn assessors(rc: Rc) -> ApiResult<Json<Vec<Assessor>>> {
    authed(&rc)?;
    let a = app::assessors(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(
        a.into_iter()
            .map(|a| Assessor {
                id: a.user_id,
                name: a.name,
                agency: a.agency_id,
                agency_name: a.agency_name,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrgTie {
    pub id: i64,
    /// The organization the agency is tied to.
    pub organization: i64,
    pub organization_name: String,
    #[schema(pattern = "^(controller|director|founder)$")]
    pub relation: String,
    /// When the tie ended (null while it lasts).
    pub ended_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Agency {
    /// The agency (an organization with evaluator accounts).
    pub id: i64,
    pub name: String,
    /// Its evaluator accounts' names.
    pub assessors: Vec<String>,
    /// Its recorded ties: it is refused for these organizations' contracts, and reviewers
    /// acting for it for their venture projects, while a tie lasts and three years after.
    pub ties: Vec<OrgTie>,
}

fn org_tie(t: sanshe_store::evaluations::OrgTieRow) -> OrgTie {
    OrgTie {
        id: t.id,
        organization: t.other_org_id,
        organization_name: t.other_name,
        relation: t.relation,
        ended_on: t.ended_on,
    }
}

/// Evaluation agencies with their ties (district officers).
#[utoipa::path(get, operation_id = "evaluation_agencies", path = "/api/v1/purchase/agencies", tag = "evaluation", security(("bearer" = [])),
    responses((status = 200, body = Vec<Agency>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn agencies(rc: Rc) -> ApiResult<Json<Vec<Agency>>> {
    authed(&rc)?;
    let a = app::agencies(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(
        a.into_iter()
            .map(|a| Agency {
                id: a.id,
                name: a.name,
                assessors: a.assessors,
                ties: a.ties.into_iter().map(org_tie).collect(),
            })
            .collect(),
    ))
}

/// The ties recorded for an organization as an evaluation agency (district officers).
#[utoipa::path(get, operation_id = "evaluation_agency_ties", path = "/api/v1/purchase/agencies/{id}/ties", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Vec<OrgTie>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn agency_ties(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<OrgTie>>> {
    authed(&rc)?;
    let t = app::agency_ties(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(t.into_iter().map(org_tie).collect()))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgRelation {
    Controller,
    Director,
    Founder,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgencyTieBody {
    /// The organization the agency is tied to.
    #[schema(minimum = 1)]
    pub organization: i64,
    /// One controls the other, they share a director or legal representative, or one
    /// founded the other.
    pub relation: OrgRelation,
    /// When the tie ended (absent: it lasts). A tie counts for three years after it ends.
    #[schema(format = Date)]
    pub ended_on: Option<String>,
}

/// Record a tie between an evaluation agency (an organization with evaluator accounts) and
/// another organization (district officers): the agency cannot be assigned to that
/// organization's contracts, nor its reviewers score that organization's venture projects,
/// within three years of the tie's end. The same lasting tie is recorded once (409).
#[utoipa::path(post, operation_id = "evaluation_agency_tie", path = "/api/v1/purchase/agencies/{id}/ties", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AgencyTieBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_agency_tie(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AgencyTieBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let tie = app::add_agency_tie(
        &rc.app,
        &rc.ctx,
        id,
        &sanshe_app::purchase::panel::TieInput {
            org: b.organization.to_string(),
            relation: match b.relation {
                OrgRelation::Controller => "controller",
                OrgRelation::Director => "director",
                OrgRelation::Founder => "founder",
            }
            .into(),
            // An empty date is refused like any other that is not one.
            ended_on: b
                .ended_on
                .map(|d| if d.trim().is_empty() { "-".into() } else { d })
                .unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: tie })))
}

/// Remove a tie recorded by mistake (district officers). A tie that ended is recorded with
/// its end date instead: it still counts for three years.
#[utoipa::path(delete, operation_id = "evaluation_agency_untie", path = "/api/v1/purchase/agency-ties/{id}", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_agency_tie(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::remove_agency_tie(&rc.app, &rc.ctx, id)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    #[schema(pattern = "^(pre|midterm|final|spot)$")]
    pub stage: String,
    /// An evaluator account (`GET /api/v1/purchase/assessors`).
    #[schema(minimum = 1)]
    pub assessor: i64,
}

/// Assign an assessor to a stage of a signed contract (district officers). Refused when the
/// assessor's agency is the provider or the assessor is tied to it (employed, or a declared
/// tie within three years); pre, mid-term and final at most once each.
#[utoipa::path(post, operation_id = "evaluations_assign", path = "/api/v1/purchase/contracts/{id}/evaluations", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AssignBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn assign(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AssignBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let eid = app::assign(
        &rc.app,
        &rc.ctx,
        id,
        &app::AssignInput {
            stage: b.stage,
            assessor: Some(b.assessor),
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: eid })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Evaluation {
    pub id: i64,
    pub contract: i64,
    pub project: i64,
    pub project_title: String,
    /// The provider.
    pub organization: i64,
    pub organization_name: String,
    #[schema(pattern = "^(pre|midterm|final|spot)$")]
    pub stage: String,
    pub agency: i64,
    pub agency_name: String,
    pub assessor: i64,
    pub assessor_name: String,
    pub scheme_version: i64,
    /// Points out of 100, one decimal (null until scored).
    pub total: Option<String>,
    #[schema(pattern = "^(excellent|good|fair|poor)$")]
    pub grade: Option<String>,
    #[schema(pattern = "^(assigned|draft|final|published|recused)$")]
    pub state: String,
    pub version: i64,
    /// The last day the provider may answer the draft.
    pub answer_by: Option<String>,
    /// The day the grade took effect.
    pub decided_on: Option<String>,
    /// The day the provider's self-evaluation is due (null: the scheme asks for none).
    pub self_due: Option<String>,
    /// The day the provider gave its self-evaluation.
    pub self_given_on: Option<String>,
    /// The grade is 差 because the self-evaluation was missing at its due day.
    pub late_report: bool,
}

impl From<&EvaluationRow> for Evaluation {
    fn from(e: &EvaluationRow) -> Self {
        Evaluation {
            id: e.id,
            contract: e.contract_id,
            project: e.project_id,
            project_title: e.project_title.clone(),
            organization: e.org_id,
            organization_name: e.org_name.clone(),
            stage: e.stage.clone(),
            agency: e.agency_org_id,
            agency_name: e.agency_name.clone(),
            assessor: e.assessor_id,
            assessor_name: e.assessor_name.clone(),
            scheme_version: e.scheme_version,
            total: e.total_tenths.map(domain::points_text),
            grade: e.grade.clone(),
            state: e.state.clone(),
            version: e.version,
            answer_by: e.answer_by.clone(),
            decided_on: e.decided_on.clone(),
            self_due: e.self_due.clone(),
            self_given_on: e.self_on.clone(),
            late_report: e.late_report,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationPage {
    pub items: Vec<Evaluation>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvalListQuery {
    #[param(pattern = "^(|assigned|draft|final|published|recused)$")]
    pub state: Option<String>,
    #[param(pattern = "^(|pre|midterm|final|spot)$")]
    pub stage: Option<String>,
    /// Project title or provider name contains.
    #[param(max_length = 100)]
    pub q: Option<String>,
}

/// Evaluations: a district officer's district, an assessor's assignments, an organization's
/// contracts, other purchase staff the published ones of their area.
#[utoipa::path(get, operation_id = "evaluations_list", path = "/api/v1/purchase/evaluations", tag = "evaluation", security(("bearer" = [])),
    params(EvalListQuery, Paging),
    responses((status = 200, body = EvaluationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    rc: Rc,
    ApiQuery(q): ApiQuery<EvalListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<EvaluationPage>> {
    authed(&rc)?;
    let page = paging.req(&rc)?;
    super::QueryRules::default()
        .choice(
            "state",
            &q.state,
            &["assigned", "draft", "final", "published", "recused"],
        )
        .choice("stage", &q.stage, &domain::STAGES)
        .text("q", &q.q, 100)
        .check(&rc)?;
    let r = app::list(
        &rc.app,
        &rc.ctx,
        sanshe_store::evaluations::Filter {
            state: q.state,
            stage: q.stage,
            q: q.q.map(|s| s.trim().to_owned()),
            ..Default::default()
        },
        page,
    )
    .await
    .api(&rc)?;
    Ok(Json(EvaluationPage {
        items: r.items.iter().map(Evaluation::from).collect(),
        page: PageInfo::from(&r),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Score {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub weight: i64,
    pub guide: String,
    /// Points given (null until scored).
    pub points: Option<String>,
    /// The provider's own points (null until it evaluated itself).
    pub self_points: Option<String>,
    /// The assessor's comment on this indicator ('' when none).
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rectification {
    pub id: i64,
    /// What the district demands.
    pub demand: String,
    /// The last day for the provider's report.
    pub due: String,
    /// The provider's report.
    pub report: String,
    pub reported_on: Option<String>,
    /// The re-check's findings.
    pub result: String,
    pub checked_on: Option<String>,
    /// A passed re-check lifted the contract's halt.
    pub lifted: bool,
    #[schema(pattern = "^(ordered|reported|passed|failed)$")]
    pub state: String,
    pub version: i64,
    pub timeline: Vec<Step>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationDetail {
    pub evaluation: Evaluation,
    /// The scheme version's indicators with the points given.
    pub scores: Vec<Score>,
    /// Grade boundaries of the scheme version: 优, 良, 中.
    pub bounds: [i64; 3],
    pub findings: String,
    /// The provider's answer to the draft.
    pub answer: String,
    pub timeline: Vec<Step>,
    /// Events the caller may take now.
    pub events: Vec<String>,
    /// The caller (the provider) may answer the draft now.
    pub may_answer: bool,
    /// The provider's self-evaluation total (null until given).
    pub self_total: Option<String>,
    pub self_report: String,
    /// The caller (the provider) may give its self-evaluation now.
    pub may_self_evaluate: bool,
    /// The stage's rectification (整改), if ordered.
    pub rectification: Option<Rectification>,
    /// The caller (the district officer) may order a rectification now.
    pub may_order_rectification: bool,
    /// Rectification events the caller may take now (report, pass, fail).
    pub rectification_events: Vec<String>,
    /// Delivery-log entries the assessor checked (抽查服务记录).
    pub samples: Vec<Sample>,
    /// For the assessor while the stage is open: a sample of entries still to check.
    pub suggested_samples: Vec<LogRef>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Sample {
    pub log: i64,
    pub day: String,
    pub content: String,
    #[schema(pattern = "^(consistent|inconsistent|not_found)$")]
    pub result: String,
    pub note: String,
    pub by: String,
    pub at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LogRef {
    pub log: i64,
    pub day: String,
    pub content: String,
}

/// One evaluation (its officers, its assessor, its provider; other purchase staff once
/// published).
#[utoipa::path(get, operation_id = "evaluations_get", path = "/api/v1/purchase/evaluations/{id}", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = EvaluationDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<EvaluationDetail>> {
    authed(&rc)?;
    let v = app::get(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(EvaluationDetail {
        scores: v
            .scheme
            .indicators
            .iter()
            .enumerate()
            .map(|(n, i)| Score {
                code: i.code.clone(),
                name_zh: i.name_zh.clone(),
                name_en: i.name_en.clone(),
                weight: i.weight,
                guide: i.guide.clone(),
                points: v.points.get(n).copied().map(domain::points_text),
                self_points: v.self_points.get(n).copied().map(domain::points_text),
                comment: v.comments.get(n).cloned().unwrap_or_default(),
            })
            .collect(),
        bounds: [v.scheme.excellent, v.scheme.good, v.scheme.fair],
        findings: v.evaluation.findings.clone(),
        answer: v.evaluation.answer.clone(),
        timeline: steps(&v.history),
        events: v
            .offered
            .iter()
            .map(|e| Evaluations::event_name(*e).to_owned())
            .collect(),
        may_answer: v.may_answer,
        self_total: v.evaluation.self_total.map(domain::points_text),
        self_report: v.evaluation.self_report.clone(),
        may_self_evaluate: v.may_self_evaluate,
        rectification: match &v.rectification {
            Some(r) => Some(Rectification {
                id: r.id,
                demand: r.demand.clone(),
                due: r.due.clone(),
                report: r.report.clone(),
                reported_on: r.reported_on.clone(),
                result: r.result.clone(),
                checked_on: r.checked_on.clone(),
                lifted: r.lifted,
                state: r.state.clone(),
                version: r.version,
                timeline: steps(&v.rect_history),
            }),
            None => None,
        },
        may_order_rectification: v.may_order_rectification,
        rectification_events: v
            .rect_events
            .iter()
            .map(|e| domain::Rectifications::event_name(*e).to_owned())
            .collect(),
        samples: v
            .samples
            .iter()
            .map(|s| Sample {
                log: s.log_id,
                day: s.day.clone(),
                content: s.content.clone(),
                result: s.result.clone(),
                note: s.note.clone(),
                by: s.by_name.clone(),
                at: s.at,
            })
            .collect(),
        suggested_samples: v
            .suggested
            .iter()
            .map(|(log, day, content)| LogRef {
                log: *log,
                day: day.clone(),
                content: content.clone(),
            })
            .collect(),
        evaluation: Evaluation::from(&v.evaluation),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleBody {
    /// A delivery-log entry of the evaluation's contract.
    #[schema(minimum = 1)]
    pub log: i64,
    #[schema(pattern = "^(consistent|inconsistent|not_found)$")]
    pub result: String,
    /// What was found (required unless consistent).
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// Record the check of a delivery-log entry against the evidence and on site (the stage's
/// assessor, while it is open; a later check of the same entry replaces it).
#[utoipa::path(post, operation_id = "evaluations_sample", path = "/api/v1/purchase/evaluations/{id}/samples", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = SampleBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn sample(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<SampleBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::sample(
        &rc.app,
        &rc.ctx,
        id,
        &app::SampleInput {
            log: b.log,
            result: b.result,
            note: b.note.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvalScoreBody {
    /// Points per indicator code (0 to its weight, at most one decimal).
    pub scores: std::collections::BTreeMap<String, f64>,
    #[schema(min_length = 1, max_length = 4000)]
    pub findings: String,
    /// A comment per indicator code (optional, at most 1,000 characters each): what the
    /// points rest on.
    #[serde(default)]
    pub comments: std::collections::BTreeMap<String, String>,
    /// The assessor declares no tie to the provider within three years (must be true).
    pub no_conflict: bool,
    /// The version the caller saw; when given and no longer current, 409.
    pub version: Option<i64>,
}

/// Score a stage (its assessor): the draft goes to the provider, who may answer within the
/// policy profile's `evaluation_answer_days` working days. A final stage opens
/// `evaluation_final_opens_days` before the contract ends.
#[utoipa::path(put, operation_id = "evaluations_score", path = "/api/v1/purchase/evaluations/{id}/scores", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = EvalScoreBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn score(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EvalScoreBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    let scores = typed(b.scores);
    app::submit(
        &rc.app,
        &rc.ctx,
        id,
        &app::ScoreInput {
            scores,
            findings: b.findings,
            comments: b.comments.into_iter().collect(),
            no_conflict: b.no_conflict,
            version: b.version,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Points per indicator code as the scheme reads them (one decimal at most: a finer or
/// negative figure is refused by the scheme).
fn typed(scores: std::collections::BTreeMap<String, f64>) -> Vec<(String, String)> {
    scores
        .into_iter()
        .map(|(k, v)| {
            let t = if v >= 0.0 && (v * 10.0).fract() == 0.0 {
                domain::points_text((v * 10.0) as i64)
            } else {
                v.to_string()
            };
            (k, t)
        })
        .collect()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SelfEvalBody {
    /// The provider's points per indicator code (0 to its weight, at most one decimal).
    pub scores: std::collections::BTreeMap<String, f64>,
    /// The self-evaluation report.
    #[schema(min_length = 1, max_length = 4000)]
    pub report: String,
}

/// Give (or replace) the provider's self-evaluation (the provider, where the stage's scheme
/// asks for one, until its due day and while the assessor has not scored).
#[utoipa::path(put, operation_id = "evaluations_self", path = "/api/v1/purchase/evaluations/{id}/self-evaluation", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = SelfEvalBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn self_evaluate(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<SelfEvalBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::self_evaluate(
        &rc.app,
        &rc.ctx,
        id,
        &app::SelfInput {
            scores: typed(b.scores),
            report: b.report,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchBody {
    #[schema(pattern = "^(pre|midterm|final|spot)$")]
    pub stage: String,
    /// An evaluator account (`GET /api/v1/purchase/assessors`); its agency takes every
    /// contract of the batch.
    #[schema(minimum = 1)]
    pub assessor: i64,
    /// The contracts, 1 to 100.
    #[schema(min_items = 1, max_items = 100)]
    pub contracts: Vec<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchCreated {
    /// The evaluations, in the order of the contracts.
    pub ids: Vec<i64>,
}

/// Assign one assessor (and its agency) to the same stage of several contracts (district
/// officers). All or nothing: each contract that cannot be assigned is named
/// (`contracts[i]`) with its reason, and then none is.
#[utoipa::path(post, operation_id = "evaluations_batch", path = "/api/v1/purchase/evaluation-batches", tag = "evaluation", security(("bearer" = [])),
    request_body = BatchBody,
    responses((status = 201, body = BatchCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn batch(
    rc: Rc,
    ApiJson(b): ApiJson<BatchBody>,
) -> ApiResult<(StatusCode, Json<BatchCreated>)> {
    authed(&rc)?;
    let ids = app::assign_batch(
        &rc.app,
        &rc.ctx,
        &b.contracts,
        &app::AssignInput {
            stage: b.stage,
            assessor: Some(b.assessor),
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(BatchCreated { ids })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOverBody {
    /// The evaluator account that takes the stage over.
    #[schema(minimum = 1)]
    pub assessor: i64,
    /// The version the caller saw; when given and no longer current, 409.
    pub version: Option<i64>,
}

/// Hand an assigned stage to another assessor: the district officer, or an evaluator of the
/// agency holding it (within the agency). Conflicts are checked as on assignment.
#[utoipa::path(put, operation_id = "evaluations_hand_over", path = "/api/v1/purchase/evaluations/{id}/assessor", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = HandOverBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn hand_over(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<HandOverBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::hand_over(&rc.app, &rc.ctx, id, b.assessor, b.version)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectOrderBody {
    /// What the provider must change.
    #[schema(min_length = 1, max_length = 4000)]
    pub demand: String,
    /// The last day for the provider's report (YYYY-MM-DD, after today, within a year).
    #[schema(format = Date)]
    pub due: String,
}

/// Order the rectification (整改) of a decided stage graded 中 or 差 (district officers).
#[utoipa::path(post, operation_id = "rectification_order", path = "/api/v1/purchase/evaluations/{id}/rectification", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = RectOrderBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn order_rectification(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RectOrderBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let rid = rectification::order(
        &rc.app,
        &rc.ctx,
        id,
        &rectification::OrderInput {
            demand: b.demand,
            due: b.due,
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: rid })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectTransitionBody {
    /// report (the provider, by the deadline), pass or fail (the stage's assessor after the
    /// report; the district officer once that assessor is gone, 409 before).
    #[schema(pattern = "^(report|pass|fail)$")]
    pub event: String,
    /// The report, or the re-check's findings.
    #[schema(min_length = 1, max_length = 4000)]
    pub text: String,
    pub version: Option<i64>,
}

/// Report on or re-check a rectification. A passed re-check of the mid-term that halted the
/// contract resumes its payments; a failed one enters the provider's record as a 差.
#[utoipa::path(post, operation_id = "rectification_transition", path = "/api/v1/purchase/evaluations/{id}/rectification/transitions", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = RectTransitionBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn rectification_transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RectTransitionBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    rectification::act(
        &rc.app,
        &rc.ctx,
        id,
        &rectification::RectTransition {
            event: b.event,
            text: b.text,
            version: b.version,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvalAnswerBody {
    #[schema(min_length = 1, max_length = 4000)]
    pub answer: String,
}

/// Answer a draft evaluation (the provider, within the answer period).
#[utoipa::path(post, operation_id = "evaluations_answer", path = "/api/v1/purchase/evaluations/{id}/answer", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = EvalAnswerBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EvalAnswerBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::answer(&rc.app, &rc.ctx, id, &app::AnswerInput { answer: b.answer })
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvalTransitionBody {
    /// recuse (the assessor declares a tie), finalize (the assessor: the grade takes effect on
    /// the contract's tranches), publish (the district officer).
    #[schema(pattern = "^(recuse|finalize|publish)$")]
    pub event: String,
    pub version: Option<i64>,
    /// Recuse: the tie (required).
    #[schema(max_length = 4000)]
    pub text: Option<String>,
}

/// Recuse, finalize or publish an evaluation. Finalizing a passed stage makes ready the
/// tranches gated on it; a 差 at mid-term halts the contract's remaining payments. Of two
/// callers acting at once one wins; the other gets 409.
#[utoipa::path(post, operation_id = "evaluations_transition", path = "/api/v1/purchase/evaluations/{id}/transitions", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = EvalTransitionBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<EvalTransitionBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::decide(
        &rc.app,
        &rc.ctx,
        id,
        &app::EvalTransition {
            event: b.event,
            version: b.version,
            text: b.text.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The evidence of an evaluation: photos, interview records, sampled delivery logs.
#[utoipa::path(get, operation_id = "evaluations_evidence", path = "/api/v1/purchase/evaluations/{id}/attachments", tag = "evaluation", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Vec<Attachment>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn evidence(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Attachment>>> {
    authed(&rc)?;
    let rows = app::evidence(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(super::files::listing(
        rows,
        &format!("/api/v1/purchase/evaluations/{id}/attachments"),
    ))
}

/// Attach evidence to an evaluation (its assessor, until the grade is final): the raw bytes
/// as the request body (photos, PDF, Office).
#[utoipa::path(post, operation_id = "evaluations_attach", path = "/api/v1/purchase/evaluations/{id}/attachments", tag = "evaluation", security(("bearer" = [])),
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
#[utoipa::path(get, operation_id = "evaluations_evidence_file", path = "/api/v1/purchase/evaluations/{id}/attachments/{aid}", tag = "evaluation", security(("bearer" = [])),
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
