//! `/api/v1/purchase/…/questions` and `…/recusals`: questions on calls with their published
//! answers, and applicants' recusal requests with the officer's decision.

use super::needs::Created;
use super::{authed, ApiJson, ApiPath, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::questions as app;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Question {
    pub id: i64,
    pub question: String,
    /// Empty until answered.
    pub answer: String,
    #[schema(pattern = "^(open|answered)$")]
    pub state: String,
    /// The asking organization (its officers and the asker only; empty for others).
    pub asked_by: String,
    pub asked_at: i64,
    pub answered_at: Option<i64>,
}

/// A call's questions: answered ones for everyone who may read the call, open ones for its
/// officers and the asker.
#[utoipa::path(get, operation_id = "questions_list", path = "/api/v1/purchase/projects/{id}/questions", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Vec<Question>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Question>>> {
    authed(&rc)?;
    let qs = app::list(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(
        qs.into_iter()
            .map(|q| Question {
                id: q.id,
                question: q.question,
                answer: q.answer,
                state: q.state,
                asked_by: q.org_name,
                asked_at: q.asked_at,
                answered_at: q.answered_at,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionBody {
    #[schema(min_length = 1, max_length = 2000)]
    pub question: String,
}

/// Ask a question on an open call (an organization).
#[utoipa::path(post, operation_id = "questions_ask", path = "/api/v1/purchase/projects/{id}/questions", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = QuestionBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn ask(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<QuestionBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let qid = app::ask(&rc.app, &rc.ctx, id, &b.question).await.api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: qid })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionAnswerBody {
    #[schema(min_length = 1, max_length = 2000)]
    pub answer: String,
}

/// Answer a question (the district's officer, once); the answer goes to every organization.
#[utoipa::path(post, operation_id = "questions_answer", path = "/api/v1/purchase/questions/{id}/answer", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = QuestionAnswerBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn answer(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<QuestionAnswerBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::answer(&rc.app, &rc.ctx, id, &b.answer)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Recusal {
    pub id: i64,
    pub expert: i64,
    pub expert_name: String,
    pub organization: i64,
    pub organization_name: String,
    pub reason: String,
    #[schema(pattern = "^(pending|upheld|dismissed)$")]
    pub state: String,
    pub reply: String,
    pub created_at: i64,
}

/// A call's recusal requests: all for its officers, its own for an applicant.
#[utoipa::path(get, operation_id = "recusals_list", path = "/api/v1/purchase/projects/{id}/recusals", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Vec<Recusal>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn recusals(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Recusal>>> {
    authed(&rc)?;
    let rs = app::recusals(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(
        rs.into_iter()
            .map(|r| Recusal {
                id: r.id,
                expert: r.expert_id,
                expert_name: r.expert_name,
                organization: r.org_id,
                organization_name: r.org_name,
                reason: r.reason,
                state: r.state,
                reply: r.reply,
                created_at: r.created_at,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecusalBody {
    /// An expert of the district's pool.
    #[schema(minimum = 1)]
    pub expert: i64,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Request in writing that an expert recuse himself (an applicant of the call).
#[utoipa::path(post, operation_id = "recusals_request", path = "/api/v1/purchase/projects/{id}/recusals", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = RecusalBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn request(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RecusalBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let rid = app::request_recusal(&rc.app, &rc.ctx, id, b.expert, &b.reason)
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: rid })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecusalDecisionBody {
    #[schema(pattern = "^(uphold|dismiss)$")]
    pub event: String,
    /// Upheld: the tie found.
    #[schema(pattern = "^(employee|director|controller|relative)$")]
    pub relation: Option<String>,
    #[schema(min_length = 1, max_length = 2000)]
    pub reply: String,
}

/// Decide a recusal request (the district's officer, once). Upheld: the tie is recorded and
/// a seat the expert holds on the call's panel is drawn again.
#[utoipa::path(post, operation_id = "recusals_decide", path = "/api/v1/purchase/recusals/{id}/decision", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = RecusalDecisionBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn decide(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RecusalDecisionBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::decide_recusal(
        &rc.app,
        &rc.ctx,
        id,
        &app::RecusalDecision {
            event: b.event,
            relation: b.relation.unwrap_or_default(),
            reply: b.reply,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}
