//! `/api/v1/needs`: resident needs with their transitions, timelines and attachments.

use super::{authed, ApiJson, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use sanshe_app::needs::{self, NeedInput, TransitionInput};
use sanshe_domain::needs::{NeedEvent, Needs};
use sanshe_domain::workflow::Workflow;
use sanshe_store::needs::{NeedFilter, NeedRow};
use sanshe_store::workflow::HistoryRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Step {
    /// Unix seconds.
    pub at: i64,
    pub actor: String,
    /// `create` for the first step, else the event.
    pub event: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub note: String,
}

pub(crate) fn steps(h: &[HistoryRow]) -> Vec<Step> {
    h.iter()
        .map(|r| Step {
            at: r.at,
            actor: r.entry.actor_name.clone(),
            event: r.entry.event.clone(),
            from_state: r.entry.from_state.clone(),
            to_state: r.entry.to_state.clone(),
            note: r.entry.note.clone(),
        })
        .collect()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Need {
    pub id: i64,
    /// The community's 12-digit code.
    pub area: String,
    pub area_name: String,
    pub category: String,
    pub title: String,
    pub description: String,
    pub people: i64,
    #[schema(pattern = "^(normal|urgent|critical)$")]
    pub urgency: String,
    #[schema(pattern = "^(online|counter|phone|grid)$")]
    pub channel: String,
    /// Masked (see `POST /api/v1/needs/{id}/contact` for the handling staff).
    pub contact_name: String,
    pub phone: String,
    #[schema(pattern = "^(submitted|accepted|answered|merged|rejected|withdrawn)$")]
    pub state: String,
    /// Send it back with a transition: a newer version means someone else acted first.
    pub version: i64,
    /// The first response is due by this date.
    #[schema(format = Date)]
    pub due_on: String,
    pub overdue: bool,
    pub reply: String,
    pub reason: String,
    pub proposal_id: Option<i64>,
    /// Unix seconds.
    pub created_at: i64,
}

impl From<&NeedRow> for Need {
    fn from(n: &NeedRow) -> Self {
        Need {
            id: n.id,
            area: n.area_code.clone(),
            area_name: n.area_name.clone(),
            category: n.category.clone(),
            title: n.title.clone(),
            description: n.description.clone(),
            people: n.people,
            urgency: n.urgency.clone(),
            channel: n.channel.clone(),
            contact_name: n.contact_name_masked.clone(),
            phone: n.phone_masked.clone(),
            state: n.state.clone(),
            version: n.version,
            due_on: n.due_on.clone(),
            overdue: needs::is_overdue(n),
            reply: n.reply.clone(),
            reason: n.reason.clone(),
            proposal_id: n.proposal_id,
            created_at: n.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedDetail {
    #[serde(flatten)]
    pub need: Need,
    pub timeline: Vec<Step>,
    /// The events the caller may take now.
    pub events: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NeedPage {
    pub items: Vec<Need>,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedQuery {
    /// Substring of the title, description or community name.
    #[param(max_length = 100)]
    pub q: Option<String>,
    #[param(pattern = "^(|submitted|accepted|answered|merged|rejected|withdrawn)$")]
    pub state: Option<String>,
    /// A category code.
    #[param(max_length = 40)]
    pub category: Option<String>,
    /// An area code: needs of its subtree.
    #[param(pattern = "^([0-9]{6}([0-9]{3}([0-9]{3})?)?)?$")]
    pub within: Option<String>,
    #[param(pattern = "^(|normal|urgent|critical)$")]
    pub urgency: Option<String>,
    #[param(pattern = "^(|online|counter|phone|grid)$")]
    pub channel: Option<String>,
    /// Only needs past their first-response date without one.
    pub overdue: Option<bool>,
    #[param(pattern = "^(|newest|oldest|due|people|urgency)$")]
    pub sort: Option<String>,
}

/// The list parameters' rules, as the OpenAPI document states them.
fn check_query(rc: &Rc, q: &NeedQuery) -> ApiResult<()> {
    super::QueryRules::default()
        .text("q", &q.q, 100)
        .choice(
            "state",
            &q.state,
            &[
                "submitted",
                "accepted",
                "answered",
                "merged",
                "rejected",
                "withdrawn",
            ],
        )
        .area("within", &q.within)
        .choice("urgency", &q.urgency, &["normal", "urgent", "critical"])
        .choice(
            "channel",
            &q.channel,
            &["online", "counter", "phone", "grid"],
        )
        .choice(
            "sort",
            &q.sort,
            &["newest", "oldest", "due", "people", "urgency"],
        )
        .text("category", &q.category, 40)
        .check(rc)
}

fn filter_of(q: &NeedQuery) -> NeedFilter {
    let ne = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
    NeedFilter {
        q: ne(&q.q),
        state: ne(&q.state),
        category: ne(&q.category),
        area: ne(&q.within),
        urgency: ne(&q.urgency),
        channel: ne(&q.channel),
        overdue_on: q
            .overdue
            .unwrap_or(false)
            .then(|| sanshe_app::calendar::today().to_string()),
        ..Default::default()
    }
}

/// Needs the caller may see: a resident's own, or staff's area.
#[utoipa::path(get, operation_id = "needs_list", path = "/api/v1/needs", tag = "needs", security(("bearer" = [])),
    params(NeedQuery, Paging),
    responses((status = 200, body = NeedPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    rc: Rc,
    ApiQuery(q): ApiQuery<NeedQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<NeedPage>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    check_query(&rc, &q)?;
    let res = needs::list(
        &rc.app,
        &rc.ctx,
        filter_of(&q),
        q.sort.as_deref().unwrap_or(""),
        page,
    )
    .await
    .api(&rc)?;
    Ok(Json(NeedPage {
        items: res.items.iter().map(Need::from).collect(),
        page: PageInfo::from(&res),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedBody {
    /// The community's 12-digit code.
    #[schema(pattern = "^[0-9]{12}$")]
    pub area: String,
    /// A category code (`GET /api/v1/needs/categories`).
    pub category: String,
    #[schema(min_length = 1, max_length = 60)]
    pub title: String,
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    #[schema(minimum = 1, maximum = 100000)]
    pub people: i64,
    /// Empty or left out: `normal`.
    #[schema(pattern = "^(|normal|urgent|critical)$")]
    pub urgency: Option<String>,
    /// Staff only (required for staff): how the need reached the community.
    #[schema(pattern = "^(|counter|phone|grid)$")]
    pub channel: Option<String>,
    #[schema(max_length = 30)]
    pub contact_name: Option<String>,
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Raise a need (resident) or record one on a resident's behalf (community staff).
#[utoipa::path(post, operation_id = "needs_create", path = "/api/v1/needs", tag = "needs", security(("bearer" = [])),
    request_body = NeedBody,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    rc: Rc,
    ApiJson(b): ApiJson<NeedBody>,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let id = needs::create(
        &rc.app,
        &rc.ctx,
        &NeedInput {
            area: b.area,
            category: b.category,
            title: b.title,
            description: b.description,
            people: b.people.to_string(),
            urgency: b.urgency.unwrap_or_default(),
            channel: b.channel.unwrap_or_default(),
            contact_name: b.contact_name.unwrap_or_default(),
            phone: b.phone.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

fn events_of(e: &[NeedEvent]) -> Vec<String> {
    e.iter().map(|e| Needs::event_name(*e).to_owned()).collect()
}

/// A need with its timeline and the events the caller may take now.
#[utoipa::path(get, operation_id = "needs_get", path = "/api/v1/needs/{id}", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = NeedDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<NeedDetail>> {
    authed(&rc)?;
    let v = needs::get(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(NeedDetail {
        need: Need::from(&v.need),
        timeline: steps(&v.history),
        events: events_of(&v.offered),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    #[schema(pattern = "^(accept|answer|reject|withdraw)$")]
    pub event: String,
    /// The version the caller saw; when given and no longer current, 409.
    pub version: Option<i64>,
    /// Accept: the confirmed category (default: as raised).
    pub category: Option<String>,
    /// Accept: the confirmed number of people (default: as raised).
    #[schema(minimum = 1, maximum = 100000)]
    pub people: Option<i64>,
    /// Answer: the reply (required). Reject: the reason (required). Otherwise a note.
    #[schema(max_length = 2000)]
    pub text: Option<String>,
}

/// Apply an event to a need. Of two callers acting at once one wins; the other gets 409.
#[utoipa::path(post, operation_id = "needs_transition", path = "/api/v1/needs/{id}/transitions", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)), request_body = TransitionBody,
    responses((status = 200, body = Need), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn transition(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<TransitionBody>,
) -> ApiResult<Json<Need>> {
    authed(&rc)?;
    let n = needs::apply(
        &rc.app,
        &rc.ctx,
        id,
        &TransitionInput {
            event: b.event,
            version: b.version,
            category: b.category.unwrap_or_default(),
            people: b.people.map(|p| p.to_string()).unwrap_or_default(),
            text: b.text.unwrap_or_default(),
        },
    )
    .await
    .api(&rc)?;
    Ok(Json(Need::from(&n)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Contact {
    pub contact_name: String,
    pub phone: String,
}

/// The resident's name and phone in full, for the staff handling the need (audited).
#[utoipa::path(post, operation_id = "needs_contact", path = "/api/v1/needs/{id}/contact", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Contact), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn contact(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Contact>> {
    authed(&rc)?;
    let (contact_name, phone) = needs::reveal_contact(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(Json(Contact {
        contact_name,
        phone,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Category {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub active: bool,
}

/// The need categories (the policy's ten priority categories and other).
#[utoipa::path(get, operation_id = "needs_categories", path = "/api/v1/needs/categories", tag = "needs", security(("bearer" = [])),
    responses((status = 200, body = Vec<Category>), (status = 401, body = ErrorBody)))]
pub async fn categories(rc: Rc) -> ApiResult<Json<Vec<Category>>> {
    authed(&rc)?;
    let c = needs::categories(&rc.app).await.api(&rc)?;
    Ok(Json(
        c.into_iter()
            .map(|c| Category {
                code: c.code,
                name_zh: c.name_zh,
                name_en: c.name_en,
                active: c.active,
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StatCell {
    pub area: String,
    pub area_name: String,
    pub category: String,
    pub state: String,
    pub count: i64,
    pub people: i64,
    pub overdue: i64,
}

/// Counts by community × category × state with overdue counts (staff).
#[utoipa::path(get, operation_id = "needs_stats", path = "/api/v1/needs/stats", tag = "needs", security(("bearer" = [])),
    params(NeedQuery),
    responses((status = 200, body = Vec<StatCell>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stats(rc: Rc, ApiQuery(q): ApiQuery<NeedQuery>) -> ApiResult<Json<Vec<StatCell>>> {
    authed(&rc)?;
    check_query(&rc, &q)?;
    let cells = needs::stats(&rc.app, &rc.ctx, filter_of(&q))
        .await
        .api(&rc)?;
    Ok(Json(
        cells
            .into_iter()
            .map(|c| StatCell {
                area: c.area_code,
                area_name: c.area_name,
                category: c.category,
                state: c.state,
                count: c.count,
                people: c.people,
                overdue: c.overdue,
            })
            .collect(),
    ))
}

// ---- attachments -------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    pub file_name: String,
    /// Sniffed from the bytes: an image, PDF or an Office document.
    pub content_type: String,
    pub size: i64,
    /// SM3 digest of the bytes, hex.
    pub sm3: Option<String>,
    pub created_at: i64,
    /// Where to download it (same authentication).
    pub url: String,
}

/// The files attached to a need.
#[utoipa::path(get, operation_id = "needs_attachments", path = "/api/v1/needs/{id}/attachments", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 200, body = Vec<Attachment>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn attachments(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<Json<Vec<Attachment>>> {
    authed(&rc)?;
    let rows = needs::files::list(&rc.app, &rc.ctx, id).await.api(&rc)?;
    Ok(super::files::listing(
        rows,
        &format!("/api/v1/needs/{id}/attachments"),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachQuery {
    /// The original file name (its extension tells Office documents apart).
    #[param(max_length = 200)]
    pub file_name: Option<String>,
}

/// Attach a file to a need: the raw bytes as the request body.
#[utoipa::path(post, operation_id = "needs_attach", path = "/api/v1/needs/{id}/attachments", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), AttachQuery),
    request_body(description = "The file", content((super::photos::Binary = "application/octet-stream"))),
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attach(
    rc: Rc,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<AttachQuery>,
    body: axum::body::Bytes,
) -> ApiResult<(StatusCode, Json<Created>)> {
    authed(&rc)?;
    let name = super::files::upload_name(&rc, &q)?;
    let aid = needs::files::add(&rc.app, &rc.ctx, id, name, &body)
        .await
        .api(&rc)?;
    Ok((StatusCode::CREATED, Json(Created { id: aid })))
}

/// Download a file attached to a need (images inline, anything else as a download).
#[utoipa::path(get, operation_id = "needs_attachment", path = "/api/v1/needs/{id}/attachments/{aid}", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), ("aid" = i64, Path, minimum = 1)),
    responses(super::files::FileDownload))]
pub async fn attachment(
    rc: Rc,
    ApiPath((id, aid)): ApiPath<(i64, i64)>,
) -> ApiResult<axum::response::Response> {
    authed(&rc)?;
    Ok(super::files::download(
        needs::files::get(&rc.app, &rc.ctx, id, aid)
            .await
            .api(&rc)?,
    ))
}

/// Remove a file (whoever added it, or the staff handling the need).
#[utoipa::path(delete, operation_id = "needs_detach", path = "/api/v1/needs/{id}/attachments/{aid}", tag = "needs", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1), ("aid" = i64, Path, minimum = 1)),
    responses((status = 204, description = "Removed"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn detach(rc: Rc, ApiPath((id, aid)): ApiPath<(i64, i64)>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    needs::files::remove(&rc.app, &rc.ctx, id, aid)
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryBody {
    #[schema(min_length = 1, max_length = 20)]
    pub name_zh: String,
    #[schema(min_length = 1, max_length = 40)]
    pub name_en: String,
    /// Inactive categories stay on existing needs but are not offered for new ones.
    pub active: bool,
}

/// Add a need category, or rename or (de)activate one (district administrator).
#[utoipa::path(put, operation_id = "needs_put_category", path = "/api/v1/needs/categories/{code}", tag = "needs", security(("bearer" = [])),
    params(("code" = String, Path, pattern = "^[a-z0-9_]{1,30}$")), request_body = CategoryBody,
    responses((status = 200, body = Category), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_category(
    rc: Rc,
    ApiPath(code): ApiPath<String>,
    ApiJson(b): ApiJson<CategoryBody>,
) -> ApiResult<Json<Category>> {
    authed(&rc)?;
    let c = needs::set_category(
        &rc.app,
        &rc.ctx,
        &needs::CategoryInput {
            code,
            name_zh: b.name_zh,
            name_en: b.name_en,
            active: b.active,
        },
    )
    .await
    .api(&rc)?;
    Ok(Json(Category {
        code: c.code,
        name_zh: c.name_zh,
        name_en: c.name_en,
        active: c.active,
    }))
}
