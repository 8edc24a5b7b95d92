//! `/api/v1/purchase/experts` and the review panel of a project: the expert pool with its
//! ties, the random draw, declarations of conflict, score sheets and the signed report.

use super::needs::Created;
use super::{authed, ApiJson, ApiPath, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::{panel, projects};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Tie {
    pub organization: i64,
    pub organization_name: String,
    #[schema(pattern = "^(employee|director|controller|relative)$")]
    pub relation: String,
    pub ended_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Expert {
    pub id: i64,
    pub name: String,
    pub affiliation: String,
    pub specialty: String,
    /// The evaluator account serving as this expert.
    pub account: Option<String>,
    pub active: bool,
    pub kind: PoolKind,
    pub ties: Vec<Tie>,
}

/// `expert`: drawn at random; `purchaser`: a representative of the purchasing department
/// (采购人代表), named to a panel by the district, at most a third of its seats.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    Expert,
    Purchaser,
}

impl PoolKind {
    fn of(kind: &str) -> Self {
        if kind == "purchaser" {
            PoolKind::Purchaser
        } else {
            PoolKind::Expert
        }
    }
    fn key(self) -> &'static str {
        match self {
            PoolKind::Expert => "expert",
            PoolKind::Purchaser => "purchaser",
        }
    }
}

/// The district's expert pool with each expert's ties to organizations.
#[utoipa::path(get, operation_id = "experts_list", path = "/api/v1/purchase/experts", tag = "purchase", security(("bearer" = [])),
    responses((status = 200, body = Vec<Expert>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn experts_list(rc: Rc) -> ApiResult<Json<Vec<Expert>>> {
    authed(&rc)?;
    let p = panel::pool(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(
        p.experts
            .iter()
            .map(|e| Expert {
                id: e.id,
                name: e.name.clone(),
                affiliation: e.affiliation.clone(),
                specialty: e.specialty.clone(),
                account: e.username.clone(),
                active: e.active,
                kind: PoolKind::of(&e.kind),
                ties: p
                    .ties
                    .iter()
                    .filter(|t| t.expert_id == e.id)
                    .map(|t| Tie {
                        organization: t.org_id,
                        organization_name: t.org_name.clone(),
                        relation: t.relation.clone(),
                        ended_on: t.ended_on.clone(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpertBody {
    #[schema(min_length = 1, max_length = 40)]
    pub name: String,
    #[schema(max_length = 100)]
    pub affiliation: Option<String>,
    #[schema(max_length = 100)]
    pub specialty: Option<String>,
    /// The user name of an evaluator account (it then declares and scores itself). A
    /// representative has none: the bureau enters their declaration and sheets.
    #[schema(max_length = 64)]
    pub account: Option<String>,
    /// Default `expert`.
    pub kind: Option<PoolKind>,
}

/// Add an expert to the district's pool (district officers).
#[utoipa::path(post, operation_id = "experts_create", path = "/api/v1/purchase/experts", tag = "purchase", security(("bearer" = [])),
    request_body = ExpertBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn experts_create(
    rc: Rc,
    ApiJson(b): ApiJson<ExpertBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = panel::add_expert(
        &rc.app,
        &rc.ctx,
        &panel::ExpertInput {
            name: b.name,
            affiliation: b.affiliation.unwrap_or_default(),
            specialty: b.specialty.unwrap_or_default(),
            account: b.account.unwrap_or_default(),
            kind: b.kind.map(|k| k.key().to_owned()).unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Import experts from a sheet with the columns 姓名, 工作单位, 专业领域, 评估账号, 类别 (or
/// `name`, `affiliation`, `specialty`, `account`, `kind`; 类别 评审专家 or blank, or 采购人代表). An expert already in the pool is left as it is.
#[utoipa::path(post, operation_id = "experts_import", path = "/api/v1/purchase/experts/import", tag = "purchase", security(("bearer" = [])),
    params(super::areas::ImportQuery), request_body(content = super::photos::Binary, content_type = "application/octet-stream"),
    responses((status = 200, body = super::areas::ImportReport, description = "Every row valid (written unless dry run)"),
        (status = 422, body = super::areas::ImportReport, description = "Some rows invalid; see issues"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn experts_import(
    rc: Rc,
    super::ApiQuery(q): super::ApiQuery<super::areas::ImportQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<super::areas::ImportReport>)> {
    authed(&rc)?;
    let r = panel::import_experts(&rc.app, &rc.ctx, &body, q.options())
        .await
        .api(&rc)?;
    Ok(super::areas::report_json(&rc, &r))
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Employee,
    Director,
    Controller,
    Relative,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TieBody {
    #[schema(minimum = 1)]
    pub organization: i64,
    pub relation: Relation,
    /// When the tie ended (absent: it lasts). A tie counts for three years after it ends.
    #[schema(format = Date)]
    pub ended_on: Option<String>,
}

/// Record an expert's tie to an organization (employment, directorship, control, close
/// kinship): the expert is never drawn for that organization's applications within three
/// years of its end.
#[utoipa::path(post, operation_id = "experts_tie", path = "/api/v1/purchase/experts/{id}/ties", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = TieBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn experts_tie(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<TieBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    if b.ended_on.as_deref().is_some_and(|d| d.trim().is_empty()) {
        return Err(crate::error::ApiError::new(
            &sanshe_app::AppError::invalid(sanshe_domain::FieldError::new(
                "ended_on",
                "err-purchase-date",
            )),
            &rc.tr,
            &rc.request_id,
        ));
    }
    let id = panel::add_tie(
        &rc.app,
        &rc.ctx,
        id,
        &panel::TieInput {
            org: b.organization.to_string(),
            relation: match b.relation {
                Relation::Employee => "employee",
                Relation::Director => "director",
                Relation::Controller => "controller",
                Relation::Relative => "relative",
            }
            .into(),
            ended_on: b.ended_on.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub affiliation: String,
    pub seat: i64,
    pub chair: bool,
    #[schema(pattern = "^(drawn|cleared|recused)$")]
    pub state: String,
    pub declared_at: Option<i64>,
    /// The expert declares and scores with an account of their own (the office cannot act
    /// for them).
    pub has_account: bool,
    /// A drawn expert, or a representative the district named.
    pub kind: PoolKind,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResultRow {
    pub application: i64,
    pub organization_name: String,
    /// The ranking score: `panel_score` plus `history_points`.
    pub score: Option<f64>,
    /// The panel's score: the mean of the members' totals (highest and lowest dropped when
    /// `trimmed`).
    pub panel_score: Option<f64>,
    /// 优胜劣汰: points the call's history bonus and penalty add or take (0 when it sets none).
    pub history_points: i64,
    pub rank: Option<usize>,
    /// Shares its score with another application.
    pub tie: bool,
    pub trimmed: bool,
    /// The members' totals differ by more than 30 points.
    pub gap: bool,
    /// Each member's total, by member id.
    pub totals: Vec<Vec<i64>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Panel {
    /// 0 before the panel is drawn.
    pub size: i64,
    pub min_size: i64,
    pub trim_from: i64,
    pub signed_at: Option<i64>,
    pub signed_by: Option<String>,
    /// Officers and the panel's own members see the members.
    pub members: Vec<Member>,
    /// The caller's own seat.
    pub me: Option<i64>,
    /// The report: officers always, members once it is signed.
    pub results: Option<Vec<ResultRow>>,
    pub complete: bool,
    pub can_draw: bool,
    pub can_sign: bool,
}

async fn panel_json(rc: &Rc, id: i64) -> ApiResult<Json<Panel>> {
    let v = projects::get(&rc.app, &rc.ctx, id).await.api(rc)?;
    let pv = panel::view(&rc.app, &rc.ctx, &v.project).await.api(rc)?;
    Ok(Json(Panel {
        size: pv.panel.as_ref().map(|p| p.size).unwrap_or(0),
        min_size: pv.min_size,
        trim_from: pv.trim_from,
        signed_at: pv.panel.as_ref().and_then(|p| p.signed_at),
        signed_by: pv.panel.as_ref().and_then(|p| p.signed_by.clone()),
        members: pv
            .members
            .iter()
            .map(|m| Member {
                id: m.id,
                name: m.name.clone(),
                affiliation: m.affiliation.clone(),
                seat: m.seat,
                chair: m.chair,
                state: m.state.clone(),
                declared_at: m.declared_at,
                has_account: m.user_id.is_some(),
                kind: PoolKind::of(&m.kind),
            })
            .collect(),
        me: pv.me.as_ref().map(|m| m.id),
        results: pv.results.as_ref().map(|r| {
            r.iter()
                .map(|l| ResultRow {
                    application: l.application.id,
                    organization_name: l.application.org_name.clone(),
                    score: l.score,
                    panel_score: l.aggregate.as_ref().map(|a| a.score),
                    history_points: l.history,
                    rank: l.rank,
                    tie: l.tie,
                    trimmed: l.aggregate.as_ref().is_some_and(|a| a.trimmed),
                    gap: l.aggregate.as_ref().is_some_and(|a| a.gap),
                    totals: l.totals.iter().map(|(m, t)| vec![*m, *t]).collect(),
                })
                .collect()
        }),
        complete: pv.complete,
        can_draw: pv.can_draw,
        can_sign: pv.can_sign,
    }))
}

/// A project's review panel as the caller may see it.
#[utoipa::path(get, operation_id = "panel_get", path = "/api/v1/purchase/projects/{id}/panel", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Panel), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn panel_get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Panel>> {
    authed(&rc)?;
    panel_json(&rc, id).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawBody {
    /// Members to draw: odd, at least 5 (7 from the policy profile's amount), at most 25.
    /// Absent: the least allowed. Ignored when replacing recused members.
    #[schema(minimum = 1, maximum = 25)]
    pub size: Option<i64>,
    /// Pool ids of `purchaser` entries the district names to the panel: at most a third of
    /// the seats (experts are at least two thirds); the other seats are drawn at random.
    #[schema(max_items = 8)]
    pub representatives: Option<Vec<i64>>,
    pub version: Option<i64>,
}

/// Draw the panel of a closed call at random from the pool (experts tied to an applicant
/// within three years are never drawn); on a drawn panel, draw replacements for recused
/// members.
#[utoipa::path(post, operation_id = "panel_draw", path = "/api/v1/purchase/projects/{id}/panel", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = DrawBody,
    responses((status = 200, body = Panel), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn panel_draw(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DrawBody>,
) -> ApiResult<Json<Panel>> {
    authed(&rc)?;
    panel::draw(
        &rc.app,
        &rc.ctx,
        id,
        &panel::DrawInput {
            size: b.size.map(|s| s.to_string()).unwrap_or_default(),
            representatives: b
                .representatives
                .unwrap_or_default()
                .iter()
                .map(|r| r.to_string())
                .collect(),
            version: b.version,
        },
    )
    .await
    .api(&rc)?;
    panel_json(&rc, id).await
}

/// The chair (or an officer for the chair) signs the panel report: the project is reviewed.
#[utoipa::path(post, operation_id = "panel_sign", path = "/api/v1/purchase/projects/{id}/panel/sign", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Panel), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn panel_sign(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Panel>> {
    authed(&rc)?;
    panel::sign(&rc.app, &rc.ctx, id).await.api(&rc)?;
    panel_json(&rc, id).await
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Declaration {
    None,
    Conflict,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclarationBody {
    pub declaration: Declaration,
    /// What the tie is (required with a conflict).
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// A member declares whether they have a conflict with any applicant, before seeing the
/// applications; a conflict recuses them and draws a replacement.
#[utoipa::path(post, operation_id = "panel_declare", path = "/api/v1/purchase/panel-members/{id}/declaration", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = DeclarationBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn panel_declare(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<DeclarationBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    panel::declare(
        &rc.app,
        &rc.ctx,
        id,
        &panel::DeclarationInput {
            declaration: match b.declaration {
                Declaration::None => "none",
                Declaration::Conflict => "conflict",
            }
            .into(),
            note: b.note.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScoreBody {
    /// 需求度: up to the call's weight (default 25; see the project's `rubric`).
    #[schema(minimum = 0, maximum = 100)]
    pub need: i64,
    /// 接纳度: up to the call's weight (default 15).
    #[schema(minimum = 0, maximum = 100)]
    pub acceptance: i64,
    /// 创新性: up to the call's weight (default 15).
    #[schema(minimum = 0, maximum = 100)]
    pub innovation: i64,
    /// 有效性: up to the call's weight (default 30).
    #[schema(minimum = 0, maximum = 100)]
    pub effectiveness: i64,
    /// 复制性: up to the call's weight (default 15).
    #[schema(minimum = 0, maximum = 100)]
    pub replicability: i64,
    #[schema(max_length = 1000)]
    pub comment: Option<String>,
}

/// A cleared member's score sheet for one submitted application (replaced until the report
/// is signed).
#[utoipa::path(put, operation_id = "panel_score", path = "/api/v1/purchase/panel-members/{id}/scores/{application}", tag = "purchase", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), ("application" = i64, Path, minimum = 1)), request_body = ScoreBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn panel_score(
    rc: Rc,
    ApiPath((id, application)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<ScoreBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    let scores = vec![
        ("need".to_owned(), b.need.to_string()),
        ("acceptance".to_owned(), b.acceptance.to_string()),
        ("innovation".to_owned(), b.innovation.to_string()),
        ("effectiveness".to_owned(), b.effectiveness.to_string()),
        ("replicability".to_owned(), b.replicability.to_string()),
    ];
    panel::score(
        &rc.app,
        &rc.ctx,
        id,
        application,
        &panel::ScoreInput {
            scores,
            comment: b.comment.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    /// The score body's bounds are the rubric's weights.
    #[test]
    fn the_score_body_follows_the_rubric() {
        let keys: Vec<&str> = sanshe_domain::purchase::DEFAULT_RUBRIC
            .iter()
            .map(|c| c.key)
            .collect();
        assert_eq!(
            keys,
            [
                "need",
                "acceptance",
                "innovation",
                "effectiveness",
                "replicability"
            ]
        );
        let w: Vec<i64> = sanshe_domain::purchase::DEFAULT_RUBRIC
            .iter()
            .map(|c| c.weight)
            .collect();
        assert_eq!(w, [25, 15, 15, 30, 15]);
    }
}
