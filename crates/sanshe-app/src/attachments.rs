//! Attachments: files linked to any record (evidence, documents, photos). A file is stored
//! under `<data_dir>/attachments/` with a random name, its type sniffed from its bytes (the
//! declared type and the file name are not trusted), its size limited and its SM3 digest
//! recorded. Who may reach a file is exactly who may reach its record: the owner's module
//! checks that before calling here. Files are served inline only when they are raster
//! images; everything else downloads, and HTML or SVG is never accepted.

use crate::{App, AppError};
use sanshe_domain::FieldError;
use sm3::{Digest, Sm3};

/// Which files a record accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// Raster images (facility photos).
    Images,
    /// Raster images, PDF, and Office documents (evidence).
    Documents,
}

/// Every content type [`sniff`] recognises (what a download can be).
pub const DOCUMENT_TYPES: [&str; 9] = [
    "image/jpeg",
    "image/png",
    "image/webp",
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/msword",
    "application/vnd.ms-excel",
];

/// Most files one record may have.
pub const MAX_PER_RECORD: i64 = 20;

/// (content type, extension) recognised from the first bytes. Office files are ZIP (OOXML) or
/// CFB (the older .doc/.xls) containers; the file name's extension picks which document.
pub fn sniff(
    bytes: &[u8],
    file_name: &str,
    accept: Accept,
) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Some(("image/jpeg", "jpg"));
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Some(("image/png", "png"));
    }
    if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        return Some(("image/webp", "webp"));
    }
    if accept == Accept::Images {
        return None;
    }
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(b"%PDF-") {
        return Some(("application/pdf", "pdf"));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return match ext.as_str() {
            "docx" => Some((
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "docx",
            )),
            "xlsx" => Some((
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            )),
            "pptx" => Some((
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "pptx",
            )),
            _ => None,
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return match ext.as_str() {
            "doc" => Some(("application/msword", "doc")),
            "xls" => Some(("application/vnd.ms-excel", "xls")),
            _ => None,
        };
    }
    None
}

/// Shown in the browser (raster images) or downloaded (everything else).
pub fn inline(content_type: &str) -> bool {
    matches!(content_type, "image/jpeg" | "image/png" | "image/webp")
}

/// A file written to disk, not yet recorded.
#[derive(Debug, Clone)]
pub struct Saved {
    pub file_name: String,
    /// Relative to the data directory.
    pub stored_name: String,
    pub content_type: String,
    pub size: i64,
    pub sm3: String,
}

/// The name as shown: normalised, without path separators or quotes, at most 100 characters.
pub fn clean_name(file_name: &str) -> String {
    sanshe_domain::cell::normalize_text(file_name)
        .chars()
        .filter(|c| !matches!(c, '/' | '\\' | '"') && !c.is_control())
        .take(100)
        .collect()
}

pub fn sm3_hex(bytes: &[u8]) -> String {
    let mut h = Sm3::new();
    h.update(bytes);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks and writes a file (temporary name, then rename: nothing half-written is ever
/// referenced). `field` names the form field for error messages.
pub fn save(
    app: &App,
    field: &str,
    file_name: &str,
    bytes: &[u8],
    accept: Accept,
) -> Result<Saved, AppError> {
    if bytes.is_empty() {
        return Err(AppError::invalid(FieldError::new(
            field,
            "err-import-no-file",
        )));
    }
    let max = app.settings.upload_max_mb * 1024 * 1024;
    if bytes.len() > max {
        return Err(AppError::invalid(
            FieldError::new(field, "err-upload-too-large").arg("max", app.settings.upload_max_mb),
        ));
    }
    let (ctype, ext) = sniff(bytes, file_name, accept).ok_or_else(|| {
        AppError::invalid(FieldError::new(
            field,
            match accept {
                Accept::Images => "err-upload-type",
                Accept::Documents => "err-upload-document-type",
            },
        ))
    })?;
    let dir = app.settings.data_dir.join("attachments");
    std::fs::create_dir_all(&dir).map_err(|e| AppError::Internal(e.to_string()))?;
    let stored = format!("{}.{ext}", crate::security::random_hex(16)?);
    let tmp = dir.join(format!("{stored}.part"));
    std::fs::write(&tmp, bytes).map_err(|e| AppError::Internal(e.to_string()))?;
    std::fs::rename(&tmp, dir.join(&stored)).map_err(|e| AppError::Internal(e.to_string()))?;
    let name = clean_name(file_name);
    Ok(Saved {
        file_name: if name.is_empty() {
            stored.clone()
        } else {
            name
        },
        stored_name: format!("attachments/{stored}"),
        content_type: ctype.into(),
        size: bytes.len() as i64,
        sm3: sm3_hex(bytes),
    })
}

/// Records a saved file as belonging to `(kind, owner)` in the caller's unit of work; returns
/// its id and the audit summary that goes with it (`{what} {id}: name (type, size, SM3)`).
pub async fn record(
    conn: &mut sanshe_store::Conn,
    actor: &crate::Actor,
    kind: &str,
    owner: i64,
    saved: &Saved,
    what: &str,
) -> Result<(i64, String), AppError> {
    let id = sanshe_store::attachments::insert(
        conn,
        &sanshe_store::attachments::AttachmentRow {
            owner_kind: kind.into(),
            owner_id: owner,
            file_name: saved.file_name.clone(),
            stored_name: saved.stored_name.clone(),
            content_type: saved.content_type.clone(),
            size: saved.size,
            sm3: Some(saved.sm3.clone()),
            created_by: actor.user_id,
            ..Default::default()
        },
    )
    .await?;
    let summary = format!(
        "{what} {id}: {} ({}, {} bytes, SM3 {})",
        saved.file_name, saved.content_type, saved.size, saved.sm3
    );
    Ok((id, summary))
}

/// A stored file's bytes (None when the file is missing on disk).
/// One attachment of a record with its bytes (404 when the record has no such file). The
/// caller has checked that the actor may read the record.
pub async fn fetch(
    app: &App,
    conn: &mut sanshe_store::Conn,
    kind: &str,
    owner: i64,
    file: i64,
) -> Result<(sanshe_store::attachments::AttachmentRow, Vec<u8>), AppError> {
    let a = sanshe_store::attachments::get(conn, kind, owner, file)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = read(app, &a.stored_name)?;
    Ok((a, bytes))
}

pub fn read(app: &App, stored_name: &str) -> Result<Vec<u8>, AppError> {
    // Stored names are ours (random hex under a fixed folder), never a user's path.
    if stored_name.contains("..") || stored_name.starts_with('/') {
        return Err(AppError::NotFound);
    }
    std::fs::read(app.settings.data_dir.join(stored_name)).map_err(|_| AppError::NotFound)
}

/// Removes a stored file after its record is gone (best effort: an orphaned file is
/// harmless, a record pointing at a missing file is not).
pub fn remove(app: &App, stored_name: &str) {
    if !stored_name.contains("..") {
        let _ = std::fs::remove_file(app.settings.data_dir.join(stored_name));
    }
}

/// Removes a file written by [`save`] whose record was never committed.
pub fn discard(app: &App, s: &Saved) {
    remove(app, &s.stored_name);
}

/// Records a saved upload on its owner and commits it with its audit entry, inside the unit of
/// work whose owner row the caller has already locked: the owner's files are counted under
/// that lock, so parallel uploads cannot pass [`MAX_PER_RECORD`] together. `summary` turns
/// the record's own summary into the audit entry's.
#[allow(clippy::too_many_arguments)]
pub async fn record_counted(
    mut tx: crate::uow::Uow,
    ctx: &crate::Ctx,
    kind: &str,
    owner: i64,
    saved: &Saved,
    what: &str,
    action: sanshe_domain::audit::Action,
    summary: impl FnOnce(String) -> String,
) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    if sanshe_store::attachments::list(&mut tx, kind, owner)
        .await?
        .len() as i64
        >= MAX_PER_RECORD
    {
        return Err(AppError::invalid(
            FieldError::new("file", "err-attachments-too-many").arg("max", MAX_PER_RECORD),
        ));
    }
    let (id, s) = record(&mut tx, actor, kind, owner, saved, what).await?;
    tx.commit(ctx.audit_entry(
        action,
        Some(owner.to_string()),
        summary(s),
        sanshe_domain::audit::Outcome::Success,
    ))
    .await?;
    Ok(id)
}

/// What an upload's write came to; the stored file is removed when it failed.
pub fn settle(app: &App, saved: &Saved, written: Result<i64, AppError>) -> Result<i64, AppError> {
    if written.is_err() {
        discard(app, saved);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        assert_eq!(
            sniff(b"\xFF\xD8\xFF\xE0....", "x.pdf", Accept::Images).map(|t| t.1),
            Some("jpg")
        );
        assert_eq!(
            sniff(b"%PDF-1.7", "a.jpg", Accept::Images),
            None,
            "photos only"
        );
        assert_eq!(
            sniff(b"%PDF-1.7", "a", Accept::Documents).map(|t| t.1),
            Some("pdf")
        );
        assert_eq!(
            sniff(b"PK\x03\x04..", "会议记录.DOCX", Accept::Documents).map(|t| t.1),
            Some("docx")
        );
        assert_eq!(sniff(b"PK\x03\x04..", "x.zip", Accept::Documents), None);
        assert_eq!(
            sniff(b"<svg onload=alert(1)>", "a.svg", Accept::Documents),
            None
        );
        assert_eq!(sniff(b"<!doctype html>", "a.html", Accept::Documents), None);
        // Whatever is recognised is a documented download type.
        let samples: [(&[u8], &str); 9] = [
            (b"\xFF\xD8\xFF\xE0", "a"),
            (b"\x89PNG\r\n\x1a\n", "a"),
            (b"RIFF0000WEBPVP8 ", "a"),
            (b"%PDF-1.7", "a"),
            (b"PK\x03\x04", "a.docx"),
            (b"PK\x03\x04", "a.xlsx"),
            (b"PK\x03\x04", "a.pptx"),
            (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "a.doc"),
            (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "a.xls"),
        ];
        let mut seen = std::collections::HashSet::new();
        for (b, n) in samples {
            let (t, _) = sniff(b, n, Accept::Documents).unwrap_or_else(|| panic!("{n}"));
            assert!(DOCUMENT_TYPES.contains(&t), "{t}");
            seen.insert(t);
        }
        assert_eq!(seen.len(), DOCUMENT_TYPES.len());
        assert!(inline("image/png"));
        assert!(!inline("application/pdf"));
        assert_eq!(clean_name("../../etc/\"passwd\""), "....etcpasswd");
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }
}
