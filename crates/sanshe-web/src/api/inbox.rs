//! `/api/v1/inbox`: the caller's notices.

use super::{authed, ApiPath, ApiQuery, ApiResult, OrApi, PageInfo, Paging};
use crate::ctx::Rc;
use crate::error::ErrorBody;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct Notice {
    pub id: i64,
    pub at: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub read: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxPage {
    pub items: Vec<Notice>,
    pub unread: i64,
    pub page: PageInfo,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// Only unread notices.
    pub unread: Option<bool>,
}

/// The caller's notices, newest first.
#[utoipa::path(get, operation_id = "inbox_list", path = "/api/v1/inbox", tag = "inbox", security(("bearer" = [])),
    params(InboxQuery, Paging),
    responses((status = 200, body = InboxPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn inbox(
    rc: Rc,
    ApiQuery(q): ApiQuery<InboxQuery>,
    ApiQuery(pg): ApiQuery<Paging>,
) -> ApiResult<Json<InboxPage>> {
    authed(&rc)?;
    let page = pg.req(&rc)?;
    let res = sanshe_app::inbox::list(&rc.app, &rc.ctx, q.unread.unwrap_or(false), page)
        .await
        .api(&rc)?;
    let unread = sanshe_app::inbox::unread(&rc.app, &rc.ctx).await.api(&rc)?;
    Ok(Json(InboxPage {
        items: res
            .items
            .iter()
            .map(|n| Notice {
                id: n.id,
                at: n.at,
                kind: n.notice.kind.clone(),
                title: n.notice.title.clone(),
                body: n.notice.body.clone(),
                link: n.notice.link.clone(),
                read: n.read_at.is_some(),
            })
            .collect(),
        unread,
        page: PageInfo::from(&res),
    }))
}

/// Mark one notice read.
#[utoipa::path(post, operation_id = "inbox_read", path = "/api/v1/inbox/{id}/read", tag = "inbox", security(("bearer" = [])),
    params(("id" = i64, Path, minimum = 1)),
    responses((status = 204, description = "Marked read"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn inbox_read(rc: Rc, ApiPath(id): ApiPath<i64>) -> ApiResult<StatusCode> {
    authed(&rc)?;
    sanshe_app::inbox::mark_read(&rc.app, &rc.ctx, Some(id))
        .await
        .api(&rc)?;
    Ok(StatusCode::NO_CONTENT)
}
