//! What every attachment route of the API shares: the listing with download links, the
//! upload's file name as checked, the download, and the download's documented types (the
//! types the upload sniffer accepts, `attachments::DOCUMENT_TYPES`).

use super::needs::{AttachQuery, Attachment};
use super::ApiResult;
use crate::ctx::Rc;
use axum::Json;
use sanshe_store::attachments::AttachmentRow;
use std::collections::BTreeMap;
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

/// Rows as the API lists them, each with its download under `base`.
pub fn listing(rows: Vec<AttachmentRow>, base: &str) -> Json<Vec<Attachment>> {
    Json(
        rows.into_iter()
            .map(|a| Attachment {
                url: format!("{base}/{}", a.id),
                id: a.id,
                file_name: a.file_name,
                content_type: a.content_type,
                size: a.size,
                sm3: a.sm3,
                created_at: a.created_at,
            })
            .collect(),
    )
}

/// The upload's file name, checked as the query parameter is documented.
pub fn upload_name<'a>(rc: &Rc, q: &'a AttachQuery) -> ApiResult<&'a str> {
    super::QueryRules::default()
        .text("file_name", &q.file_name, 200)
        .check(rc)?;
    Ok(q.file_name.as_deref().unwrap_or(""))
}

/// A stored file, sent with its own content type.
pub fn download((a, bytes): (AttachmentRow, Vec<u8>)) -> axum::response::Response {
    crate::pages::file_download(&a.file_name, &a.content_type, bytes)
}

/// The responses of a download route: the file in any type an upload may have, or an error.
pub struct FileDownload;

impl utoipa::IntoResponses for FileDownload {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        let mut file = ResponseBuilder::new().description("The file, with its own content type");
        for ty in sanshe_app::attachments::DOCUMENT_TYPES {
            file = file.content(
                ty,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Binary")))
                    .build(),
            );
        }
        let mut out = BTreeMap::new();
        out.insert("200".to_owned(), RefOr::T(file.build()));
        for status in ["400", "401", "403", "404"] {
            let error = ResponseBuilder::new().description("").content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            );
            out.insert(status.to_owned(), RefOr::T(error.build()));
        }
        out
    }
}
