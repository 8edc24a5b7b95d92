//! `/api/v1/venture/…`: venture-philanthropy (公益创投) rounds — settings, the round's steps,
//! reviewers, projects and their steps from application to award, mid-term and end, reviewers'
//! scores and residents' votes. Money is in fen (1 yuan = 100 fen).

use super::needs::{steps, Created, Step as TimelineStep};
use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::purchase::venture as app;
use sanshe_domain::evaluation::points_text;
use sanshe_domain::venture::{self as domain, Projects, Rounds};
use sanshe_domain::workflow::Workflow;
use sanshe_store::venture::{ProjectRow, RoundRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A round's settings. Defaults after workflow rules §3: tiers ¥5,000–30,000, a roadshow,
/// 5 working days of notice, +5 points for the top 5 by votes, one point per ¥1,000 of
/// matched funds up to 50, the first tranche (50 %) within 15 working days of the agreement,
/// 3 years' debarment after a breach.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundBody {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i64,
    #[schema(max_length = 4000)]
    pub description: Option<String>,
    /// The topics projects apply under.
    #[schema(min_items = 1, max_items = 20)]
    pub topics: Vec<String>,
    #[schema(minimum = 0, maximum = 100000000000_i64)]
    pub pool_fiscal_fen: i64,
    #[schema(minimum = 0, maximum = 100000000000_i64)]
    pub pool_charity_fen: i64,
    /// Award tiers in fen, ascending (each ¥1 to ¥1,000,000).
    #[schema(min_items = 1, max_items = 8)]
    pub tiers: Vec<i64>,
    #[schema(pattern = "^(roadshow|desk)$")]
    pub review_mode: String,
    /// The last day applications are taken.
    #[schema(format = Date)]
    pub apply_until: String,
    #[schema(minimum = 0, maximum = 30)]
    pub notice_days: i64,
    #[schema(minimum = 0, maximum = 100)]
    pub vote_top_n: i64,
    #[schema(minimum = 0, maximum = 50)]
    pub vote_bonus: i64,
    #[schema(minimum = 1, maximum = 100000000)]
    pub matched_unit_fen: i64,
    #[schema(minimum = 0, maximum = 100)]
    pub matched_cap: i64,
    #[schema(minimum = 1, maximum = 60)]
    pub first_days: i64,
    #[schema(minimum = 1, maximum = 100)]
    pub first_share: i64,
    #[schema(minimum = 0, maximum = 10)]
    pub debar_years: i64,
    /// When editing: the version the caller saw (409 when no longer current).
    pub version: Option<i64>,
}

impl RoundBody {
    fn settings(self) -> domain::Settings {
        domain::Settings {
            title: self.title,
            year: self.year,
            description: self.description.unwrap_or_default(),
            topics: self.topics,
            pool_fiscal_fen: self.pool_fiscal_fen,
            pool_charity_fen: self.pool_charity_fen,
            tiers: self.tiers,
            review_mode: self.review_mode,
            apply_until: self.apply_until,
            notice_days: self.notice_days,
            vote_top_n: self.vote_top_n,
            vote_bonus: self.vote_bonus,
            matched_unit_fen: self.matched_unit_fen,
            matched_cap: self.matched_cap,
            first_days: self.first_days,
            first_share: self.first_share,
            debar_years: self.debar_years,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Round {
    pub id: i64,
    pub year: i64,
    pub title: String,
    pub description: String,
    pub topics: Vec<String>,
    pub pool_fiscal_fen: i64,
    pub pool_charity_fen: i64,
    /// What awards hold on each pool (never above it).
    pub committed_fiscal_fen: i64,
    pub committed_charity_fen: i64,
    pub tiers: Vec<i64>,
    #[schema(pattern = "^(roadshow|desk)$")]
    pub review_mode: String,
    pub apply_until: String,
    pub notice_days: i64,
    /// The last day of the finalists' notice and its vote.
    pub vote_until: Option<String>,
    pub vote_top_n: i64,
    pub vote_bonus: i64,
    pub matched_unit_fen: i64,
    pub matched_cap: i64,
    pub first_days: i64,
    pub first_share: i64,
    pub debar_years: i64,
    #[schema(pattern = "^(draft|open|review|notice|awarding|concluded|cancelled)$")]
    pub state: String,
    pub version: i64,
    /// Projects submitted.
    pub projects: i64,
}

impl From<&RoundRow> for Round {
    fn from(r: &RoundRow) -> Self {
        let s = app::settings_of(r);
        Round {
            id: r.id,
            year: r.year,
            title: r.title.clone(),
            description: r.description.clone(),
            topics: s.topics,
            pool_fiscal_fen: r.pool_fiscal_fen,
            pool_charity_fen: r.pool_charity_fen,
            committed_fiscal_fen: r.committed_fiscal_fen,
            committed_charity_fen: r.committed_charity_fen,
            tiers: s.tiers,
            review_mode: r.review_mode.clone(),
            apply_until: r.apply_until.clone(),
            notice_days: r.notice_days,
            vote_until: r.vote_until.clone(),
            vote_top_n: r.vote_top_n,
            vote_bonus: r.vote_bonus,
            matched_unit_fen: r.matched_unit_fen,
            matched_cap: r.matched_cap,
            first_days: r.first_days,
            first_share: r.first_share,
            debar_years: r.debar_years,
            state: r.state.clone(),
            version: r.version,
            projects: r.projects,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundPage {
    pub items: Vec<Round>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoundListQuery {
    #[param(pattern = "^(|draft|open|review|notice|awarding|concluded|cancelled)$")]
    pub state: Option<String>,
    /// Title contains.
    #[param(max_length = 100)]
    pub q: Option<String>,
}

const ROUND_STATES: [&str; 7] = [
    "draft",
    "open",
    "review",
    "notice",
    "awarding",
    "concluded",
    "cancelled",
];

/// Rounds: officers every round of their district, purchase staff and organizations the
/// published ones, reviewers the rounds they are named for.
#[utoipa::path(get, operation_id = "venture_rounds_list", path = "/api/v1/venture/rounds", tag = "venture", security(("bearer" = [])),
    params(RoundListQuery, Paging),
    responses((status = 200, body = RoundPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rounds(
    rc: Rc,
    ApiQuery(q): ApiQuery<RoundListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<RoundPage>> {
    authed(&rc)?;
    let page = paging.req(&rc)?;
    super::QueryRules::default()
        .choice("state", &q.state, &ROUND_STATES)
        .text("q", &q.q, 100)
        .check(&rc)?;
    let r = app::rounds(
        &rc.app,
        &rc.ctx,
        sanshe_store::venture::RoundFilter {
            state: q.state,
            q: q.q.map(|s| s.trim().to_owned()),
            ..Default::default()
        },
        page,
    )
    .await
    .api(&rc)?;
    Ok(Json(RoundPage {
        items: r.items.iter().map(Round::from).collect(),
        page: PageInfo::from(&r),
    }))
}

/// Create a round (a draft; district officers).
#[utoipa::path(post, operation_id = "venture_rounds_create", path = "/api/v1/venture/rounds", tag = "venture", security(("bearer" = [])),
    request_body = RoundBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_round(
    rc: Rc,
    ApiJson(b): ApiJson<RoundBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = app::create_round(&rc.app, &rc.ctx, &b.settings())
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Edit a round's settings while it is a draft or open (pools never below what is awarded).
#[utoipa::path(put, operation_id = "venture_rounds_update", path = "/api/v1/venture/rounds/{id}", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = RoundBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_round(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RoundBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    let version = b.version;
    app::update_round(&rc.app, &rc.ctx, id, version, &b.settings())
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VentureProject {
    pub id: i64,
    pub round: i64,
    pub round_title: String,
    pub organization: i64,
    pub organization_name: String,
    pub title: String,
    pub topic: String,
    pub summary: String,
    pub plan: String,
    pub beneficiaries: i64,
    /// The tier applied for.
    pub tier_fen: i64,
    /// Matched funds the organization raised.
    pub matched_fen: i64,
    pub not_funded_elsewhere: bool,
    /// The reviewers' mean score out of 100, one decimal (null until scored, or while the
    /// scores are not shown to the caller).
    pub score: Option<String>,
    pub reviewers: i64,
    pub votes: i64,
    pub matched_bonus: String,
    pub vote_bonus: String,
    /// Score and bonuses (fixed when the vote closes).
    pub total: Option<String>,
    pub award_fen: i64,
    #[schema(pattern = "^(fiscal|charity)$")]
    pub source: Option<String>,
    pub paid_fen: i64,
    pub clawed_fen: i64,
    pub awarded_on: Option<String>,
    pub signed_on: Option<String>,
    /// The first tranche is due by this day (working days from the agreement).
    pub first_due_on: Option<String>,
    pub first_paid_on: Option<String>,
    pub rest_paid_on: Option<String>,
    pub ended_on: Option<String>,
    /// The mid-term or breach finding.
    pub finding: String,
    #[schema(
        pattern = "^(draft|submitted|screened|rejected|finalist|awarded|signed|running|passed|completed|stopped|not_funded|withdrawn)$"
    )]
    pub state: String,
    pub version: i64,
}

fn project(p: &ProjectRow, scores: bool) -> VentureProject {
    VentureProject {
        id: p.id,
        round: p.round_id,
        round_title: p.round_title.clone(),
        organization: p.org_id,
        organization_name: p.org_name.clone(),
        title: p.title.clone(),
        topic: p.topic.clone(),
        summary: p.summary.clone(),
        plan: p.plan.clone(),
        beneficiaries: p.beneficiaries,
        tier_fen: p.tier_fen,
        matched_fen: p.matched_fen,
        not_funded_elsewhere: p.not_funded_elsewhere,
        score: p.score_tenths.filter(|_| scores).map(points_text),
        reviewers: p.reviewers,
        votes: p.votes,
        matched_bonus: points_text(p.matched_tenths),
        vote_bonus: points_text(p.vote_tenths),
        total: p.total_tenths.filter(|_| scores).map(points_text),
        award_fen: p.award_fen,
        source: p.source.clone(),
        paid_fen: p.paid_fen,
        clawed_fen: p.clawed_fen,
        awarded_on: p.awarded_on.clone(),
        signed_on: p.signed_on.clone(),
        first_due_on: p.first_due_on.clone(),
        first_paid_on: p.first_paid_on.clone(),
        rest_paid_on: p.rest_paid_on.clone(),
        ended_on: p.ended_on.clone(),
        finding: p.finding.clone(),
        state: p.state.clone(),
        version: p.version,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundReviewer {
    pub id: i64,
    pub name: String,
    pub organization_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoundDetail {
    pub round: Round,
    /// The projects the caller may see, in ranking order.
    pub projects: Vec<VentureProject>,
    pub reviewers: Vec<RoundReviewer>,
    pub timeline: Vec<TimelineStep>,
    /// Events the caller may take on the round now.
    pub events: Vec<String>,
    /// The caller's organization may apply now.
    pub may_apply: bool,
    /// Why the caller's organization may not apply (message codes).
    pub refusals: Vec<String>,
}

/// One round with its projects in ranking order.
#[utoipa::path(get, operation_id = "venture_rounds_get", path = "/api/v1/venture/rounds/{id}", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = RoundDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn round(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<RoundDetail>> {
    authed(&rc)?;
    let v = app::round_view(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(RoundDetail {
        projects: v
            .projects
            .iter()
            .map(|p| project(p, v.scores_visible))
            .collect(),
        reviewers: v
            .reviewers
            .iter()
            .map(|r| RoundReviewer {
                id: r.user_id,
                name: r.name.clone(),
                organization_name: r.org_name.clone(),
            })
            .collect(),
        timeline: steps(&v.history),
        events: v
            .offered
            .iter()
            .map(|e| Rounds::event_name(*e).to_owned())
            .collect(),
        may_apply: v.may_apply,
        refusals: v.refusals.iter().map(|f| f.code.clone()).collect(),
        round: Round::from(&v.round),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundTransitionBody {
    #[schema(pattern = "^(publish|close_applications|announce|close_vote|conclude|cancel)$")]
    pub event: String,
    pub version: Option<i64>,
}

/// A step of the round (district officers): publish the call (on or before its last day),
/// close applications (from its last day), announce the finalists (every project screened;
/// the notice runs `notice_days` working days), close the vote (after the notice: the vote
/// bonus is fixed), conclude (finalists not awarded are not funded), or cancel.
#[utoipa::path(post, operation_id = "venture_rounds_transition", path = "/api/v1/venture/rounds/{id}/transitions", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = RoundTransitionBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn round_transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RoundTransitionBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::round_step(&rc.app, &rc.ctx, id, &b.event, b.version)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewerBody {
    /// An evaluator account.
    #[schema(minimum = 1)]
    pub reviewer: i64,
}

/// Name a reviewer of the round (district officers, before the notice).
#[utoipa::path(post, operation_id = "venture_rounds_reviewer", path = "/api/v1/venture/rounds/{id}/reviewers", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = ReviewerBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_reviewer(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReviewerBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::add_reviewer(&rc.app, &rc.ctx, id, b.reviewer)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AwardOutcome {
    pub awarded: i64,
    /// Finalists neither pool could hold.
    pub left: i64,
}

/// Award every finalist in ranking order the tier it applied for, from the fiscal pool while
/// it holds, then the charity pool (district officers, while awarding).
#[utoipa::path(post, operation_id = "venture_rounds_award", path = "/api/v1/venture/rounds/{id}/award-by-ranking", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = AwardOutcome), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn award_by_ranking(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<AwardOutcome>> {
    authed(&rc)?;
    let (awarded, left) = app::award_by_ranking(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(AwardOutcome { awarded, left }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VentureProjectBody {
    #[schema(min_length = 1, max_length = 100)]
    pub title: String,
    /// One of the round's topics.
    #[schema(min_length = 1, max_length = 40)]
    pub topic: String,
    #[schema(max_length = 4000)]
    pub summary: Option<String>,
    #[schema(max_length = 4000)]
    pub plan: Option<String>,
    #[schema(minimum = 0, maximum = 1000000)]
    pub beneficiaries: Option<i64>,
    /// One of the round's tiers (fen).
    #[schema(minimum = 1)]
    pub tier_fen: i64,
    #[schema(minimum = 0, maximum = 10000000000_i64)]
    pub matched_fen: Option<i64>,
    /// The project is not funded elsewhere nor at a higher level (required to submit).
    pub not_funded_elsewhere: bool,
    /// Submit at once (otherwise a draft). Only when applying.
    pub submit: Option<bool>,
    /// When editing: the version the caller saw.
    pub version: Option<i64>,
}

impl VentureProjectBody {
    fn input(self) -> app::ProjectInput {
        app::ProjectInput {
            title: self.title,
            topic: self.topic,
            summary: self.summary.unwrap_or_default(),
            plan: self.plan.unwrap_or_default(),
            beneficiaries: self.beneficiaries.unwrap_or(0),
            tier_fen: self.tier_fen,
            matched_fen: self.matched_fen.unwrap_or(0),
            not_funded_elsewhere: self.not_funded_elsewhere,
            submit: self.submit.unwrap_or(false),
            version: self.version,
        }
    }
}

/// Bring a project to an open round (an organization's account): one per organization and
/// round; refused while the organization is barred (a breach, or a funded project left
/// unfinished within the past year), when it is not registered in the district or not active.
#[utoipa::path(post, operation_id = "venture_projects_create", path = "/api/v1/venture/rounds/{id}/projects", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = VentureProjectBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn apply(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<VentureProjectBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let pid = app::apply(&rc.app, &rc.ctx, id, &b.input())
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: pid })))
}

/// Edit a draft project (its organization).
#[utoipa::path(put, operation_id = "venture_projects_update", path = "/api/v1/venture/projects/{id}", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = VentureProjectBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update_project(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<VentureProjectBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::edit(&rc.app, &rc.ctx, id, &b.input()).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VentureProjectPage {
    pub items: Vec<VentureProject>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectListQuery {
    /// Only this round's projects.
    pub round: Option<i64>,
    #[param(
        pattern = "^(|draft|submitted|screened|rejected|finalist|awarded|signed|running|passed|completed|stopped|not_funded|withdrawn)$"
    )]
    pub state: Option<String>,
    /// Title or organization contains.
    #[param(max_length = 100)]
    pub q: Option<String>,
}

/// Projects: an organization its own, district officers their district's.
#[utoipa::path(get, operation_id = "venture_projects_list", path = "/api/v1/venture/projects", tag = "venture", security(("bearer" = [])),
    params(ProjectListQuery, Paging),
    responses((status = 200, body = VentureProjectPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn projects(
    rc: Rc,
    ApiQuery(q): ApiQuery<ProjectListQuery>,
    ApiQuery(paging): ApiQuery<Paging>,
) -> ApiResult<Json<VentureProjectPage>> {
    authed(&rc)?;
    let page = paging.req(&rc)?;
    let states: Vec<&str> = Projects::STATES
        .iter()
        .map(|s| Projects::state_name(*s))
        .collect();
    super::QueryRules::default()
        .choice("state", &q.state, &states)
        .text("q", &q.q, 100)
        .check(&rc)?;
    let r = app::projects(
        &rc.app,
        &rc.ctx,
        sanshe_store::venture::ProjectFilter {
            round: q.round,
            state: q.state,
            q: q.q.map(|s| s.trim().to_owned()),
            ..Default::default()
        },
        page,
    )
    .await
    .api(&rc)?;
    // Scores show to officers; to an organization once the round's notice is out.
    let manage = rc
        .actor()
        .is_some_and(|a| sanshe_app::authz::can(a, sanshe_app::authz::Perm::PurchaseManage));
    Ok(Json(VentureProjectPage {
        items: r
            .items
            .iter()
            .map(|p| {
                let public = matches!(p.round_state.as_str(), "notice" | "awarding" | "concluded");
                project(p, manage || public)
            })
            .collect(),
        page: PageInfo::from(&r),
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewerScore {
    pub reviewer: i64,
    pub reviewer_name: String,
    /// Points per criterion: need, acceptance, innovation, effectiveness, replicability.
    pub points: Vec<i64>,
    pub total: i64,
    pub comment: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VentureProjectDetail {
    pub project: VentureProject,
    /// Every reviewer's scores (officers; others once the round shows scores).
    pub scores: Vec<ReviewerScore>,
    pub timeline: Vec<TimelineStep>,
    pub events: Vec<String>,
    /// The caller (a reviewer) may score it now.
    pub may_score: bool,
    /// The first tranche the agreement pays (fen).
    pub first_tranche_fen: i64,
}

/// One project (its organization, the district's officers, the round's reviewers; purchase
/// staff once it is a finalist).
#[utoipa::path(get, operation_id = "venture_projects_get", path = "/api/v1/venture/projects/{id}", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = VentureProjectDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_project(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<VentureProjectDetail>> {
    authed(&rc)?;
    let v = app::project_view(&rc.app, &rc.ctx, id).await.api(&rc)?;
    let show = v.may_edit
        || !v.scores.is_empty()
        || app::scores_public(&v.round)
        || v.offered.iter().any(|e| {
            !matches!(
                e,
                domain::ProjectEvent::Submit | domain::ProjectEvent::Withdraw
            )
        });
    Ok(Json(VentureProjectDetail {
        scores: v
            .scores
            .iter()
            .map(|s| ReviewerScore {
                reviewer: s.reviewer_id,
                reviewer_name: s.reviewer_name.clone(),
                points: s.points.split(',').filter_map(|x| x.parse().ok()).collect(),
                total: s.total,
                comment: s.comment.clone(),
            })
            .collect(),
        timeline: steps(&v.history),
        events: v
            .offered
            .iter()
            .map(|e| Projects::event_name(*e).to_owned())
            .collect(),
        may_score: v.may_score,
        first_tranche_fen: v.first_fen,
        project: project(&v.project, show),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VentureStepBody {
    #[schema(
        pattern = "^(submit|withdraw|pass|reject|shortlist|award|decline|sign|pay_first|midterm_pass|midterm_fail|complete|stop)$"
    )]
    pub event: String,
    pub version: Option<i64>,
    /// Award: the tier (fen; default the tier applied for).
    #[schema(minimum = 1)]
    pub tier_fen: Option<i64>,
    /// Award: the pool it is paid from.
    #[schema(pattern = "^(fiscal|charity)$")]
    pub source: Option<String>,
    /// Payments (pay_first, midterm_pass): the voucher number.
    #[schema(max_length = 60)]
    pub voucher: Option<String>,
    /// Reject, midterm_fail, stop (required), and any other step: the finding.
    #[schema(max_length = 4000)]
    pub note: Option<String>,
    /// midterm_fail, stop: money recovered from what was paid (fen).
    #[schema(minimum = 0)]
    pub clawback_fen: Option<i64>,
}

/// A step of a project. Its organization submits or withdraws; the district's officers
/// screen (pass, reject), shortlist, award (from a pool that must hold the tier: 409 when it
/// does not), decline, sign the agreement (the first tranche falls due within `first_days`
/// working days), pay the first tranche, record the mid-term (pass pays the rest; fail stops
/// payment, gives the unpaid money back to the pool and publishes the finding), complete, or
/// stop after a breach (the organization is barred for `debar_years`).
#[utoipa::path(post, operation_id = "venture_projects_transition", path = "/api/v1/venture/projects/{id}/transitions", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = VentureStepBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn project_transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<VentureStepBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::step(
        &rc.app,
        &rc.ctx,
        id,
        &app::Step {
            event: b.event,
            version: b.version,
            tier_fen: b.tier_fen,
            source: b.source.unwrap_or_default(),
            voucher: b.voucher.unwrap_or_default(),
            note: b.note.unwrap_or_default(),
            clawback_fen: b.clawback_fen.unwrap_or(0),
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VentureScoreBody {
    /// Whole points 0–20 for each criterion: need, acceptance, innovation, effectiveness,
    /// replicability.
    pub scores: std::collections::BTreeMap<String, i64>,
    #[schema(max_length = 4000)]
    pub comment: Option<String>,
}

/// Score a screened project (a reviewer named for the round, during review; again replaces).
#[utoipa::path(put, operation_id = "venture_projects_score", path = "/api/v1/venture/projects/{id}/scores", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = VentureScoreBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn score(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<VentureScoreBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::score(
        &rc.app,
        &rc.ctx,
        id,
        &app::ScoreInput {
            scores: b
                .scores
                .into_iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect(),
            comment: b.comment.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    /// A finalist of the round.
    #[schema(minimum = 1)]
    pub project: i64,
}

/// Vote for a finalist during the notice (a resident's account, once per round).
#[utoipa::path(post, operation_id = "venture_rounds_vote", path = "/api/v1/venture/rounds/{id}/votes", tag = "venture", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = VoteBody,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn vote(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<VoteBody>,
) -> ApiResult<StatusCode> {
    authed(&rc)?;
    app::vote(&rc.app, &rc.ctx, id, b.project).await.api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}
