//! `/api/v1/purchase/projects/{id}/award` and objections: the award with its public notice,
//! applicants' objections and their answers.

use super::needs::Created;
use super::purchase::Project;
use super::{authed, ApiJson, ApiPath, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::{awards, projects};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Objection {
    pub id: i64,
    pub application: i64,
    pub organization_name: String,
    pub text: String,
    #[schema(pattern = "^(pending|upheld|dismissed)$")]
    pub state: String,
    pub version: i64,
    /// Answered by this day.
    pub due_on: String,
    pub reply: String,
    pub created_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Award {
    pub application: Option<i64>,
    pub organization_name: Option<String>,
    /// Yuan.
    pub amount: Option<String>,
    pub notice_until: Option<String>,
    /// Officers see every objection, an applicant its own.
    pub objections: Vec<Objection>,
    pub pending: usize,
    pub can_award: bool,
    pub can_object: bool,
    /// The officer's decision is due by this day after the report.
    pub decide_by: Option<String>,
}

async fn award_json(rc: &Rc, id: i64) -> ApiResult<Json<Award>> {
    let v = projects::get(&rc.app, &rc.ctx, id).await.api(rc)?;
    let a = awards::view(&rc.app, &rc.ctx, &v.project).await.api(rc)?;
    Ok(Json(Award {
        application: a.winner.as_ref().map(|w| w.id),
        organization_name: a.winner.as_ref().map(|w| w.org_name.clone()),
        amount: a
            .winner
            .as_ref()
            .map(|w| sanshe_app::registry::yuan(w.data.amount_fen)),
        notice_until: a.notice_until,
        objections: a
            .objections
            .iter()
            .map(|o| Objection {
                id: o.id,
                application: o.application_id,
                organization_name: o.org_name.clone(),
                text: o.text.clone(),
                state: o.state.clone(),
                version: o.version,
                due_on: o.due_on.clone(),
                reply: o.reply.clone(),
                created_at: o.created_at,
            })
            .collect(),
        pending: a.pending,
        can_award: a.can_award,
        can_object: a.can_object,
        decide_by: a.decide_by,
    }))
}

/// A project's award, its notice and the objections the caller may see.
#[utoipa::path(get, operation_id = "award_get", path = "/api/v1/purchase/projects/{id}/award", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Award), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn award_get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Award>> {
    authed(&rc)?;
    award_json(&rc, id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AwardBody {
    /// The winning submitted application.
    #[schema(minimum = 1)]
    pub application: i64,
    pub version: Option<i64>,
    #[schema(max_length = 1000)]
    pub text: Option<String>,
}

/// Award a reviewed project (district officers): the award is public for the policy
/// profile's notice period; each applicant hears its score and rank.
#[utoipa::path(post, operation_id = "award_create", path = "/api/v1/purchase/projects/{id}/award", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AwardBody,
    responses((status = 200, body = Project), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn award_create(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AwardBody>,
) -> ApiResult<Json<Project>> {
    authed(&rc)?;
    awards::award(
        &rc.app,
        &rc.ctx,
        id,
        &awards::AwardInput {
            application: b.application.to_string(),
            version: b.version,
            text: b.text.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    let v = projects::get(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(Project::from(&v.project)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionBody {
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

/// Object to an award during its notice (an applicant's account).
#[utoipa::path(post, operation_id = "objections_create", path = "/api/v1/purchase/projects/{id}/objections", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ObjectionBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn objections_create(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ObjectionBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = awards::object(
        &rc.app,
        &rc.ctx,
        id,
        &awards::ObjectionInput { text: b.text },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// `uphold` reopens the award; `dismiss` keeps it.
    #[schema(pattern = "^(uphold|dismiss)$")]
    pub event: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub reply: String,
    pub version: Option<i64>,
}

/// Answer an objection (district officers).
#[utoipa::path(post, operation_id = "objections_answer", path = "/api/v1/purchase/objections/{id}/answer", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = AnswerBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn objections_answer(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AnswerBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    awards::answer(
        &rc.app,
        &rc.ctx,
        id,
        &awards::AnswerInput {
            event: b.event,
            reply: b.reply,
            version: b.version,
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}
