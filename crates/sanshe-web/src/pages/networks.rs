//! Incubation bases with the organizations they incubate, and federations with their
//! members: a street's or district's view, and the supervisor's form to record them.

use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::error::PageError;
use crate::view::{redirect_flash, with_page, Page};
use askama::Template;
use axum::Form;
use sanshe_app::orgs::{self, NetworkInput};
use sanshe_app::registry::yuan;
use sanshe_app::AppError;

pub struct Group {
    pub id: i64,
    pub name: String,
    pub area: String,
    pub opened: String,
    /// (entry id, org id, org name, entered/joined, graduated, funds, hours)
    pub orgs: Vec<(i64, i64, String, String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "orgs/networks.html")]
struct NetworksPage {
    p: Page,
    bases: Vec<Group>,
    federations: Vec<Group>,
    can_manage: bool,
    errors: Vec<String>,
}

async fn render(rc: &Rc, errors: Vec<String>) -> PageResult {
    let n = orgs::networks(&rc.app, &rc.ctx).await.page(rc)?;
    let page = NetworksPage {
        p: Page::new(rc, "networks-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/orgs", rc.tr.t("orgs-title"))
            .crumb("", rc.tr.t("networks-title")),
        bases: n
            .bases
            .iter()
            .map(|(b, inc)| Group {
                id: b.id,
                name: b.name.clone(),
                area: b.area_name.clone(),
                opened: b.opened.clone().unwrap_or_default(),
                orgs: inc
                    .iter()
                    .map(|i| {
                        (
                            i.id,
                            i.org_id,
                            i.org_name.clone(),
                            i.entered.clone(),
                            i.graduated.clone().unwrap_or_default(),
                            yuan(i.funds_fen),
                            i.training_hours.to_string(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        federations: n
            .federations
            .iter()
            .map(|(f, m)| Group {
                id: f.id,
                name: f.name.clone(),
                area: f.area_name.clone(),
                opened: f.founded.clone().unwrap_or_default(),
                orgs: m
                    .iter()
                    .map(|(id, name, joined)| {
                        (
                            0,
                            *id,
                            name.clone(),
                            joined.clone().unwrap_or_default(),
                            String::new(),
                            String::new(),
                            String::new(),
                        )
                    })
                    .collect(),
            })
            .collect(),
        can_manage: n.can_manage,
        errors: errors.clone(),
    };
    let mut r = with_page(rc, &page);
    if !errors.is_empty() {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

pub async fn show(rc: Rc) -> PageResult {
    render(&rc, Vec::new()).await
}

pub async fn record(rc: Rc, Form(f): Form<NetworkInput>) -> PageResult {
    match orgs::record_network(&rc.app, &rc.ctx, &f).await {
        Ok(_) => Ok(redirect_flash("/networks", "flash-saved")),
        Err(AppError::Invalid(fs)) => {
            render(&rc, fs.iter().map(|e| rc.tr.field_error(e)).collect()).await
        }
        Err(AppError::Conflict(e)) => render(&rc, vec![rc.tr.field_error(&e)]).await,
        Err(e) => Err(PageError::new(e, &rc)),
    }
}

/// Every base with its incubated organizations and every federation with its members, one
/// row per organization (a group without any still gets a row), as CSV or XLSX.
pub async fn export(
    rc: Rc,
    axum::extract::Path(format): axum::extract::Path<String>,
) -> PageResult {
    if !matches!(format.as_str(), "csv" | "xlsx") {
        // Before the audited read: an unknown format exports nothing and logs nothing.
        return Err(PageError::new(AppError::NotFound, &rc));
    }
    let n = orgs::export_networks(&rc.app, &rc.ctx).await.page(&rc)?;
    let t = |k: &str| rc.tr.t(k).to_owned();
    let headers_owned = [
        t("networks-col-type"),
        t("networks-col-area"),
        t("col-name"),
        t("networks-col-date"),
        t("networks-col-org"),
        t("networks-col-joined"),
        t("col-graduated"),
        t("col-funds"),
        t("col-training-hours"),
    ];
    let headers: Vec<&str> = headers_owned.iter().map(String::as_str).collect();
    let mut rows = Vec::new();
    let base_t = t("networks-type-base");
    for (b, inc) in &n.bases {
        let head = [
            base_t.clone(),
            b.area_name.clone(),
            b.name.clone(),
            b.opened.clone().unwrap_or_default(),
        ];
        if inc.is_empty() {
            rows.push(head.iter().cloned().chain(vec![String::new(); 5]).collect());
        }
        for i in inc {
            let mut r: Vec<String> = head.to_vec();
            r.extend([
                i.org_name.clone(),
                i.entered.clone(),
                i.graduated.clone().unwrap_or_default(),
                yuan(i.funds_fen),
                i.training_hours.to_string(),
            ]);
            rows.push(r);
        }
    }
    let fed_t = t("networks-type-federation");
    for (f, members) in &n.federations {
        let head = [
            fed_t.clone(),
            f.area_name.clone(),
            f.name.clone(),
            f.founded.clone().unwrap_or_default(),
        ];
        if members.is_empty() {
            rows.push(head.iter().cloned().chain(vec![String::new(); 5]).collect());
        }
        for (_, name, joined) in members {
            let mut r: Vec<String> = head.to_vec();
            r.extend([
                name.clone(),
                joined.clone().unwrap_or_default(),
                String::new(),
                String::new(),
                String::new(),
            ]);
            rows.push(r);
        }
    }
    let name = format!("networks-{}", sanshe_app::registry::today());
    super::areas::file_response(&rc, &format, &name, &headers, &rows)
}
