//! A human-readable API page generated from the OpenAPI document (no external UI bundle).

use super::PageResult;
use crate::ctx::Rc;
use crate::view::{with_page, Page};
use askama::Template;

pub struct Op {
    pub method: &'static str,
    pub path: String,
    pub summary: String,
    pub tag: String,
}

#[derive(Template)]
#[template(path = "docs/api.html")]
struct DocsPage {
    p: Page,
    ops: Vec<Op>,
}

pub async fn show(rc: Rc) -> PageResult {
    let doc = crate::openapi::doc();
    let mut ops = Vec::new();
    for (path, item) in doc.paths.paths.iter() {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ] {
            if let Some(op) = op {
                ops.push(Op {
                    method,
                    path: path.clone(),
                    summary: op
                        .summary
                        .clone()
                        .or_else(|| op.description.clone())
                        .unwrap_or_default(),
                    tag: op
                        .tags
                        .as_ref()
                        .and_then(|t| t.first().cloned())
                        .unwrap_or_default(),
                });
            }
        }
    }
    ops.sort_by(|a, b| (a.tag.as_str(), a.path.as_str()).cmp(&(b.tag.as_str(), b.path.as_str())));
    let p = Page::new(&rc, "api-title")
        .crumb("/", rc.tr.t("nav-home"))
        .crumb("", rc.tr.t("api-title"));
    Ok(with_page(&rc, &DocsPage { p, ops }))
}
