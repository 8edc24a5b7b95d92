//! `/api/v1/ratings…`: organization ratings (社会组织评估, 民政部令第39号) — the district's
//! settings, its rating committee, applications, the assessor's scores and every step to a
//! grade in effect, lowered, cancelled or lapsed.

use super::needs::{steps, Created, Step as TimelineStep};
use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::ratings as app;
use sanshe_domain::rating::{self as domain, Ratings};
use sanshe_domain::workflow::Workflow;
use sanshe_store::ratings::RatingRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KindPointsBody {
    #[schema(pattern = "^(social_group|social_service_agency|foundation|community_org)$")]
    pub kind: String,
    /// Points of 基础条件, 内部治理, 工作绩效, 社会评价 (summing to 1,000).
    #[schema(min_items = 4, max_items = 4)]
    pub points: Vec<i64>,
}

/// A district's rating settings (defaults: 5A ≥ 900, 4A ≥ 800, 3A ≥ 700, 2A ≥ 600, 1A ≥ 500;
/// five years' validity; two years' wait after a lowered grade, three after a cancelled one;
/// seven days' notice; reviews answered within 15 days; a committee of 7–25; two full years
/// registered).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingSchemeBody {
    #[schema(min_items = 4, max_items = 4)]
    pub kinds: Vec<KindPointsBody>,
    /// Least totals of 5A, 4A, 3A, 2A, 1A (falling, within 1–1,000).
    #[schema(min_items = 5, max_items = 5)]
    pub bounds: Vec<i64>,
    #[schema(minimum = 1, maximum = 10)]
    pub validity_years: i64,
    #[schema(minimum = 0, maximum = 10)]
    pub downgrade_wait_years: i64,
    #[schema(minimum = 0, maximum = 10)]
    pub cancel_wait_years: i64,
    #[schema(minimum = 0, maximum = 60)]
    pub notice_days: i64,
    #[schema(minimum = 1, maximum = 60)]
    pub review_days: i64,
    #[schema(minimum = 1, maximum = 100)]
    pub committee_min: i64,
    #[schema(minimum = 1, maximum = 100)]
    pub committee_max: i64,
    #[schema(minimum = 0, maximum = 10)]
    pub min_years_registered: i64,
}

impl RatingSchemeBody {
    fn of(s: &domain::Scheme) -> Self {
        RatingSchemeBody {
            kinds: s
                .kinds
                .iter()
                .map(|k| KindPointsBody {
                    kind: k.kind.clone(),
                    points: k.points.to_vec(),
                })
                .collect(),
            bounds: s.bounds.to_vec(),
            validity_years: s.validity_years,
            downgrade_wait_years: s.downgrade_wait_years,
            cancel_wait_years: s.cancel_wait_years,
            notice_days: s.notice_days,
            review_days: s.review_days,
            committee_min: s.committee_min,
            committee_max: s.committee_max,
            min_years_registered: s.min_years_registered,
        }
    }

    fn scheme(self) -> domain::Scheme {
        let four = |v: &[i64]| [v[0], v[1], v[2], v[3]];
        domain::Scheme {
            kinds: self
                .kinds
                .into_iter()
                .filter(|k| k.points.len() == 4)
                .map(|k| domain::KindPoints {
                    points: four(&k.points),
                    kind: k.kind,
                })
                .collect(),
            bounds: if self.bounds.len() == 5 {
                [
                    self.bounds[0],
                    self.bounds[1],
                    self.bounds[2],
                    self.bounds[3],
                    self.bounds[4],
                ]
            } else {
                [0; 5]
            },
            validity_years: self.validity_years,
            downgrade_wait_years: self.downgrade_wait_years,
            cancel_wait_years: self.cancel_wait_years,
            notice_days: self.notice_days,
            review_days: self.review_days,
            committee_min: self.committee_min,
            committee_max: self.committee_max,
            min_years_registered: self.min_years_registered,
        }
    }
}

/// The district's rating settings.
#[utoipa::path(get, operation_id = "rating_scheme_get", path = "/api/v1/rating-scheme", tag = "ratings", security(("bearer" = [])),
    responses((status = 200, body = RatingSchemeBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn scheme(rc: Rc) -> ApiResult<Json<RatingSchemeBody>> {
    authed(&rc)?;
    let (s, _) = app::scheme(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(RatingSchemeBody::of(&s)))
}

/// Change the district's rating settings (district officers). Applications keep the settings
/// they were made under.
#[utoipa::path(put, operation_id = "rating_scheme_put", path = "/api/v1/rating-scheme", tag = "ratings", security(("bearer" = [])),
    request_body = RatingSchemeBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_scheme(rc: Rc, ApiJson(b): ApiJson<RatingSchemeBody>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::set_scheme(&rc.app, &rc.ctx, &b.scheme())
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommitteeMember {
    pub id: i64,
    pub name: String,
    pub affiliation: String,
    /// An organization the member is tied to (recused from its ratings).
    pub tied_org: Option<i64>,
}

/// The district's rating committee (district officers).
#[utoipa::path(get, operation_id = "rating_committee_list", path = "/api/v1/rating-committee", tag = "ratings", security(("bearer" = [])),
    responses((status = 200, body = Vec<CommitteeMember>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn committee(rc: Rc) -> ApiResult<Json<Vec<CommitteeMember>>> {
    authed(&rc)?;
    let m = app::committee(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(
        m.into_iter()
            .map(|m| CommitteeMember {
                id: m.id,
                name: m.name,
                affiliation: m.affiliation,
                tied_org: m.tied_org_id,
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    #[schema(max_length = 100)]
    pub affiliation: Option<String>,
    #[schema(minimum = 1)]
    pub tied_org: Option<i64>,
}

/// Add a member to the district's rating committee (district officers).
#[utoipa::path(post, operation_id = "rating_committee_add", path = "/api/v1/rating-committee", tag = "ratings", security(("bearer" = [])),
    request_body = MemberBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_member(
    rc: Rc,
    ApiJson(b): ApiJson<MemberBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = app::add_member(
        &rc.app,
        &rc.ctx,
        &b.name,
        b.affiliation.as_deref().unwrap_or(""),
        b.tied_org,
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Rating {
    pub id: i64,
    pub organization: i64,
    pub organization_name: String,
    #[schema(pattern = "^(social_group|social_service_agency|foundation|community_org)$")]
    pub kind: String,
    pub assessor: Option<i64>,
    pub assessor_name: Option<String>,
    /// Points per first-level indicator (empty until scored).
    pub scores: Vec<i64>,
    pub total: Option<i64>,
    /// 1–5 (A); null below 1A or until scored.
    pub grade: Option<i64>,
    pub committee: String,
    pub recused: String,
    pub notice_until: Option<String>,
    pub review_request: String,
    pub review_due: Option<String>,
    pub review_answer: String,
    pub granted_on: Option<String>,
    pub valid_until: Option<String>,
    pub ended_on: Option<String>,
    /// No new application until this day.
    pub wait_until: Option<String>,
    pub note: String,
    #[schema(
        pattern = "^(applied|accepted|scored|notice|review|granted|rejected|downgraded|cancelled|expired)$"
    )]
    pub state: String,
    pub version: i64,
}

impl From<&RatingRow> for Rating {
    fn from(r: &RatingRow) -> Self {
        Rating {
            id: r.id,
            organization: r.org_id,
            organization_name: r.org_name.clone(),
            kind: r.kind.clone(),
            assessor: r.assessor_id,
            assessor_name: r.assessor_name.clone(),
            scores: r.scores.split(',').filter_map(|x| x.parse().ok()).collect(),
            total: r.total,
            grade: r.grade.filter(|g| *g > 0),
            committee: r.committee.clone(),
            recused: r.recused.clone(),
            notice_until: r.notice_until.clone(),
            review_request: r.review_text.clone(),
            review_due: r.review_due.clone(),
            review_answer: r.review_answer.clone(),
            granted_on: r.granted_on.clone(),
            valid_until: r.valid_until.clone(),
            ended_on: r.ended_on.clone(),
            wait_until: r.wait_until.clone(),
            note: r.note.clone(),
            state: r.state.clone(),
            version: r.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingPage {
    pub items: Vec<Rating>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatingListQuery {
    #[param(
        pattern = "^(|applied|accepted|scored|notice|review|granted|rejected|downgraded|cancelled|expired)$"
    )]
    pub state: Option<String>,
    /// Organization name contains.
    #[param(max_length = 100)]
    pub q: Option<String>,
}

/// Ratings: officers their district's, organizations their own, assessors those assigned to
/// them, other purchase staff those on notice or in effect.
#[utoipa::path(get, operation_id = "ratings_list", path = "/api/v1/ratings", tag = "ratings", security(("bearer" = [])),
    params(RatingListQuery, Paging),
    responses((status = 200, body = RatingPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    rc: Rc,
    ApiQuery(q): ApiQuery<RatingListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<RatingPage>> {
    authed(&rc)?;
    let page = paging.req(&rc)?;
    let states: Vec<&str> = Ratings::STATES
        .iter()
        .map(|s| Ratings::state_name(*s))
        .collect();
    super::QueryRules::default()
        .choice("state", &q.state, &states)
        .text("q", &q.q, 100)
        .check(&rc)?;
    let r = app::list(
        &rc.app,
        &rc.ctx,
        sanshe_store::ratings::Filter {
            state: q.state,
            q: q.q.map(|s| s.trim().to_owned()),
            ..Default::default()
        },
        page,
    )
    .await
    .api(&rc)?;
    Ok(Json(RatingPage {
        items: r.items.iter().map(Rating::from).collect(),
        page: PageInfo::from(&r),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingApplyBody {
    /// The organization's self-report (自评报告).
    #[schema(min_length = 1, max_length = 4000)]
    pub report: String,
}

/// Apply for a rating (an organization's account): refused, with every reason, when the
/// organization is not registered for the district's full years, its annual report did not
/// pass, it is under penalty, it waits after a lowered or cancelled grade, or its grade is in
/// effect beyond its last year; one live application at a time.
#[utoipa::path(post, operation_id = "ratings_apply", path = "/api/v1/ratings", tag = "ratings", security(("bearer" = [])),
    request_body = RatingApplyBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn apply(
    rc: Rc,
    ApiJson(b): ApiJson<RatingApplyBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = app::apply(&rc.app, &rc.ctx, &b.report).await.api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingDetail {
    pub rating: Rating,
    /// The most points of each indicator for the organization's kind.
    pub points: Vec<i64>,
    /// The grade bounds it was applied under (5A … 1A).
    pub bounds: Vec<i64>,
    pub timeline: Vec<TimelineStep>,
    pub events: Vec<String>,
    /// Officers: the committee, with the members tied to the organization.
    pub committee: Vec<CommitteeMember>,
}

/// One rating (its officers, its organization, its assessor; purchase staff once on notice).
#[utoipa::path(get, operation_id = "ratings_get", path = "/api/v1/ratings/{id}", tag = "ratings", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = RatingDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RatingDetail>> {
    authed(&rc)?;
    let v = app::get(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(RatingDetail {
        points: v.points.to_vec(),
        bounds: v.scheme.bounds.to_vec(),
        timeline: steps(&v.history),
        events: v
            .offered
            .iter()
            .map(|e| Ratings::event_name(*e).to_owned())
            .collect(),
        committee: v
            .committee
            .iter()
            .map(|(m, _)| CommitteeMember {
                id: m.id,
                name: m.name.clone(),
                affiliation: m.affiliation.clone(),
                tied_org: m.tied_org_id,
            })
            .collect(),
        rating: Rating::from(&v.rating),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingStepBody {
    #[schema(
        pattern = "^(accept|reject|score|announce|request_review|answer|grant|downgrade|cancel|expire)$"
    )]
    pub event: String,
    pub version: Option<i64>,
    /// accept: the assessor (an evaluator account of an agency other than the organization).
    #[schema(minimum = 1)]
    pub assessor: Option<i64>,
    /// score: points per indicator (basic, governance, performance, reputation), each within
    /// its points for the organization's kind.
    pub scores: Option<std::collections::BTreeMap<String, i64>>,
    /// announce: the committee members present (those tied to the organization are recused).
    #[schema(max_items = 200)]
    pub members: Option<Vec<i64>>,
    /// downgrade: the lower grade.
    #[schema(minimum = 1, maximum = 4)]
    pub grade: Option<i64>,
    /// reject, downgrade, cancel: the reason; request_review: the request; answer: the answer.
    #[schema(max_length = 4000)]
    pub text: Option<String>,
}

/// A step of a rating. Officers accept (assigning the assessor), reject, announce (the
/// committee present, its size within the district's bounds after recusal; the notice
/// begins), answer a review request, grant (after the notice: the grade takes effect for
/// the validity years and becomes the organization's rating), downgrade, cancel (each with
/// its waiting period) or expire a lapsed grade; the assessor scores; the organization asks
/// for a review during the notice.
#[utoipa::path(post, operation_id = "ratings_transition", path = "/api/v1/ratings/{id}/transitions", tag = "ratings", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = RatingStepBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RatingStepBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::step(
        &rc.app,
        &rc.ctx,
        id,
        &app::Step {
            event: b.event,
            version: b.version,
            assessor: b.assessor,
            scores: b
                .scores
                .unwrap_or_default()
                .into_iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect(),
            members: b.members.unwrap_or_default(),
            grade: b.grade,
            text: b.text.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}
