//! Server-rendered pages: one typed struct per template.

pub mod account;
pub mod areas;
pub mod audit;
pub mod auth;
pub mod award_lists;
pub mod calendar;
pub mod cpd;
pub mod delivery;
pub mod docs;
pub mod evaluations;
pub mod facilities;
pub mod facts;
pub mod home;
pub mod inbox;
pub mod mfa;
pub mod needs;
pub mod networks;
pub mod orgs;
pub mod pdash;
pub mod proposals;
pub mod public;
pub mod purchase;
pub mod questions;
pub mod ratings;
pub mod registry;
pub mod targets;
pub mod throttles;
pub mod users;
pub mod venture;
pub mod workers;

use crate::ctx::Rc;
use crate::error::PageError;
use sanshe_app::AppError;
use std::collections::HashMap;

pub type PageResult = Result<axum::response::Response, PageError>;

/// A form body's fields in order (a field may repeat).
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// A form field's first value ("" when absent).
pub(crate) fn form_get<'a>(form: &'a [(String, String)], k: &str) -> &'a str {
    form.iter()
        .find(|(x, _)| x == k)
        .map_or("", |(_, v)| v.as_str())
}

/// The caller may act with `perm`: checked before a form is read, so a caller who may not is
/// refused whatever they sent.
pub(crate) fn require_perm(rc: &Rc, perm: sanshe_app::authz::Perm) -> Result<(), PageError> {
    let actor = rc.actor().ok_or(AppError::Unauthenticated).page(rc)?;
    sanshe_app::authz::require(actor, perm).page(rc)
}

/// An import's issues as lines for the page, one per bad row ("第 N 行: column message").
pub(crate) fn import_messages(rc: &Rc, r: &sanshe_app::areas::ImportReport) -> Vec<String> {
    r.issues
        .iter()
        .map(|i| {
            format!(
                "{} {}: {} {}",
                rc.tr.t("col-row"),
                i.row,
                i.column,
                rc.tr.f(&i.code, &i.args)
            )
        })
        .collect()
}

/// A locale text by a key made at run time.
pub(crate) fn label(rc: &Rc, key: String) -> String {
    rc.tr.t(&key).to_owned()
}

pub trait OrPage<T> {
    fn page(self, rc: &Rc) -> Result<T, PageError>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn page(self, rc: &Rc) -> Result<T, PageError> {
        self.map_err(|e| PageError::new(e, rc))
    }
}

/// Field errors of a form, by field name, already translated.
#[derive(Default)]
pub struct FormErrors(pub HashMap<String, String>);

impl FormErrors {
    pub fn from_app(e: &AppError, rc: &Rc) -> Option<FormErrors> {
        match e {
            AppError::Invalid(fs) => Some(FormErrors(
                fs.iter()
                    .map(|f| (f.field.clone(), rc.tr.field_error(f)))
                    .collect(),
            )),
            AppError::Conflict(f) => {
                Some(FormErrors([(f.field.clone(), rc.tr.field_error(f))].into()))
            }
            _ => None,
        }
    }

    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Messages for fields the form does not show (shown at the top).
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| !shown.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// Parses an optional whole number from a form or query value ("" = none).
pub fn opt_i64(s: &Option<String>) -> Result<Option<i64>, ()> {
    match s.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| ()),
    }
}

/// An import form's multipart body: the file (None when missing or empty) and the mode
/// radio buttons (`all`, `dry_run`, `only_valid`) as import options.
pub async fn read_upload(
    mut mp: axum::extract::Multipart,
) -> (Option<Vec<u8>>, sanshe_app::areas::ImportOptions) {
    let mut file: Option<Vec<u8>> = None;
    let mut opts = sanshe_app::areas::ImportOptions::default();
    while let Ok(Some(field)) = mp.next_field().await {
        match field.name().unwrap_or("") {
            "file" => file = field.bytes().await.ok().map(|b| b.to_vec()),
            "mode" => {
                let v = field.text().await.unwrap_or_default();
                opts.dry_run = v == "dry_run";
                opts.only_valid = v == "only_valid";
            }
            _ => {}
        }
    }
    (file.filter(|b| !b.is_empty()), opts)
}

/// A stored file as a response: raster images inline, everything else as a download (never
/// rendered by the browser), with its own sniffed type and no content sniffing.
pub fn file_download(
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    // Form encoding writes a space as `+` (a literal `+` becomes `%2B`): RFC 5987 wants `%20`.
    let encoded: String = form_urlencoded::byte_serialize(file_name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let disposition = if sanshe_app::attachments::inline(content_type) {
        format!("inline; filename*=UTF-8''{encoded}")
    } else {
        format!("attachment; filename*=UTF-8''{encoded}")
    };
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox".to_owned(),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// The one file field of a multipart upload form: (file name, bytes), None when missing.
pub async fn read_file_field(
    mut mp: axum::extract::Multipart,
    field_name: &str,
) -> Option<(String, Vec<u8>)> {
    let mut file = None;
    while let Ok(Some(field)) = mp.next_field().await {
        if field.name() == Some(field_name) {
            let name = field.file_name().unwrap_or("").to_owned();
            file = field.bytes().await.ok().map(|b| (name, b.to_vec()));
        }
    }
    file.filter(|(_, b)| !b.is_empty())
}
