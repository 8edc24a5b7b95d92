//! `/api/ocds/…`: the Open Contracting Data Standard 1.1 feed of published calls, open to
//! everyone like the portal. Release packages and record packages, paged by `since` and
//! `offset` with a `links.next`, one record by its ocid, and the bulk download of either.

use super::{ApiPath, ApiQuery, ApiResult, OrApi};
use crate::ctx::Rc;
use crate::error::{ApiError, ErrorBody};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use sanshe_app::purchase::ocds::{self, Process, DEFAULT_LIMIT, MAX_LIMIT};
use sanshe_domain::FieldError;
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Only what was released at or after this moment (RFC 3339 date-time).
    #[param(format = DateTime)]
    pub since: Option<String>,
    /// Skip this many (the next page's `offset` is in `links.next`).
    #[param(minimum = 0, maximum = 1000000000)]
    pub offset: Option<i64>,
    /// How many on a page (default 100).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

fn invalid(rc: &Rc, e: FieldError) -> ApiError {
    ApiError::new(&sanshe_app::AppError::invalid(e), &rc.tr, &rc.request_id)
}

struct Page<'a> {
    since: Option<&'a str>,
    offset: i64,
    limit: i64,
}

fn page<'a>(rc: &Rc, q: &'a FeedQuery) -> ApiResult<Page<'a>> {
    let since = q.since.as_deref();
    if let Some(s) = since {
        use time::format_description::well_known::Rfc3339;
        if time::OffsetDateTime::parse(s, &Rfc3339).is_err() {
            return Err(invalid(rc, FieldError::new("since", "err-ocds-since")));
        }
    }
    let offset = q.offset.unwrap_or(0);
    if !(0..=1_000_000_000).contains(&offset) {
        return Err(invalid(
            rc,
            FieldError::new("offset", "err-range")
                .arg("min", 0)
                .arg("max", 1_000_000_000),
        ));
    }
    let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(invalid(
            rc,
            FieldError::new("limit", "err-range")
                .arg("min", 1)
                .arg("max", MAX_LIMIT),
        ));
    }
    Ok(Page {
        since,
        offset,
        limit,
    })
}

/// Where the public reaches this server: the configured address, else the request's host
/// (only the characters a host and port can have).
fn base(rc: &Rc, headers: &HeaderMap) -> String {
    if let Some(u) = &rc.app.settings.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    format!("http://{host}")
}

/// The publisher: the district's civil-affairs bureau (the buyer), or the platform when
/// the installation serves several districts.
async fn publisher(rc: &Rc) -> ApiResult<String> {
    Ok(match sanshe_app::public::district(&rc.app).await.api(rc)? {
        Some((_, name)) => format!("{name}民政局"),
        None => rc.tr.t("app-name").to_owned(),
    })
}

fn next_link(base: &str, path: &str, p: &Page, more: bool) -> Option<String> {
    more.then(|| {
        let mut u = format!(
            "{base}{path}?offset={}&limit={}",
            p.offset + p.limit,
            p.limit
        );
        if let Some(s) = p.since {
            u.push_str("&since=");
            u.push_str(&s.replace('+', "%2B").replace(':', "%3A"));
        }
        u
    })
}

fn with_links(mut pkg: serde_json::Map<String, Value>, next: Option<String>) -> Value {
    if let Some(n) = next {
        pkg.insert("links".into(), json!({ "next": n }));
    }
    Value::Object(pkg)
}

async fn all(rc: &Rc) -> ApiResult<std::sync::Arc<Vec<Process>>> {
    ocds::processes(&rc.app).await.api(rc)
}

/// A release package: every release of every published call, by date (planning, tender,
/// tenderCancellation, award, awardUpdate, contract, implementation).
#[utoipa::path(get, operation_id = "ocds_releases", path = "/api/ocds/releases", tag = "ocds",
    params(FeedQuery),
    responses((status = 200, body = Object, description = "An OCDS 1.1 release package; `links.next` when more follow"),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn releases(
    rc: Rc,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> ApiResult<Json<Value>> {
    paged(&rc, &headers, &q, "releases").await
}

/// One page of the feed of `kind` (`releases` or `records`) as its package.
async fn paged(rc: &Rc, headers: &HeaderMap, q: &FeedQuery, kind: &str) -> ApiResult<Json<Value>> {
    let p = page(rc, q)?;
    let base = base(rc, headers);
    let procs = all(rc).await?;
    let (items, more) = if kind == "releases" {
        ocds::page_releases(&procs, p.since, p.offset, p.limit)
    } else {
        ocds::page_records(&procs, p.since, p.offset, p.limit)
    };
    let path = format!("/api/ocds/{kind}");
    let mut pkg = ocds::package(
        &format!("{base}{path}?offset={}&limit={}", p.offset, p.limit),
        &publisher(rc).await?,
        &ocds::now(),
    );
    pkg.insert(kind.into(), Value::Array(items));
    Ok(Json(with_links(pkg, next_link(&base, &path, &p, more))))
}

/// A record package: for each published call, every release and its compiled release (the
/// current state), by the date of its latest release.
#[utoipa::path(get, operation_id = "ocds_records", path = "/api/ocds/records", tag = "ocds",
    params(FeedQuery),
    responses((status = 200, body = Object, description = "An OCDS 1.1 record package; `links.next` when more follow"),
        (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn records(
    rc: Rc,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<FeedQuery>,
) -> ApiResult<Json<Value>> {
    paged(&rc, &headers, &q, "records").await
}

/// One contracting process's record package, by its ocid.
#[utoipa::path(get, operation_id = "ocds_record", path = "/api/ocds/records/{ocid}", tag = "ocds",
    params(("ocid" = String, Path, description = "The ocid: the publisher's prefix, a hyphen and the call's number")),
    responses((status = 200, body = Object, description = "An OCDS 1.1 record package with one record"),
        (status = 404, body = ErrorBody)))]
pub async fn record(
    rc: Rc,
    headers: HeaderMap,
    ApiPath(ocid): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let base = base(&rc, &headers);
    let procs = all(&rc).await?;
    let Some(p) = procs.iter().find(|p| p.ocid == ocid) else {
        return Err(ApiError::new(
            &sanshe_app::AppError::NotFound,
            &rc.tr,
            &rc.request_id,
        ));
    };
    let mut pkg = ocds::package(
        &format!("{base}/api/ocds/records/{ocid}"),
        &publisher(&rc).await?,
        &ocds::now(),
    );
    pkg.insert("records".into(), json!([ocds::record(p)]));
    Ok(Json(Value::Object(pkg)))
}

/// The bulk download: every release (`releases.json`) or every record (`records.json`) in
/// one package, as a file.
#[utoipa::path(get, operation_id = "ocds_bulk", path = "/api/ocds/bulk/{file}", tag = "ocds",
    params(("file" = String, Path, pattern = "^(releases|records)\\.json$", description = "releases.json or records.json")),
    responses((status = 200, body = Object, description = "An OCDS 1.1 release or record package with everything published"),
        (status = 404, body = ErrorBody)))]
pub async fn bulk(
    rc: Rc,
    headers: HeaderMap,
    ApiPath(file): ApiPath<String>,
) -> ApiResult<Response> {
    let base = base(&rc, &headers);
    let procs = all(&rc).await?;
    let mut pkg = ocds::package(
        &format!("{base}/api/ocds/bulk/{file}"),
        &publisher(&rc).await?,
        &ocds::now(),
    );
    match file.as_str() {
        "releases.json" => {
            let (rs, _) = ocds::page_releases(&procs, None, 0, i64::MAX);
            pkg.insert("releases".into(), Value::Array(rs));
        }
        "records.json" => {
            let (rs, _) = ocds::page_records(&procs, None, 0, i64::MAX);
            pkg.insert("records".into(), Value::Array(rs));
        }
        _ => {
            return Err(ApiError::new(
                &sanshe_app::AppError::NotFound,
                &rc.tr,
                &rc.request_id,
            ))
        }
    }
    let disposition = format!("attachment; filename=\"ocds-{file}\"");
    Ok((
        [(header::CONTENT_DISPOSITION, disposition)],
        Json(Value::Object(pkg)),
    )
        .into_response())
}
