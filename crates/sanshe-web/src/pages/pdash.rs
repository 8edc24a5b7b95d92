//! The purchase-of-services dashboard page.

use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::view::{with_page, Page};
use askama::Template;
use axum::extract::Query;
use sanshe_app::purchase::dashboard::{self as app, Dashboard};
use sanshe_app::registry::yuan;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct DashQuery {
    pub year: Option<i64>,
}

#[derive(Template)]
#[template(path = "purchase/dashboard.html")]
struct DashPage {
    p: Page,
    d: Dashboard,
    contracted: String,
    paid: String,
    evaluated_share: String,
    /// (name, covered/total, share, projects, contracted, paid)
    streets: Vec<(String, String, String, i64, String, String)>,
    /// (budget line, amount, committed, available)
    lines: Vec<(String, String, String, String)>,
    /// (community, street, calls, contracted, paid)
    communities: Vec<(String, String, i64, String, String)>,
}

fn share(n: i64, d: i64) -> String {
    if d == 0 {
        "—".into()
    } else {
        format!("{:.0}%", n as f64 * 100.0 / d as f64)
    }
}

pub async fn show(rc: Rc, Query(q): Query<DashQuery>) -> PageResult {
    let year = q
        .year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(sanshe_app::purchase::this_year);
    let d = app::dashboard(&rc.app, &rc.ctx, year).await.page(&rc)?;
    let page = DashPage {
        p: Page::new(&rc, "pdash-title")
            .crumb("/", rc.tr.t("nav-home"))
            .crumb("/purchase/projects", rc.tr.t("nav-purchase")),
        contracted: yuan(d.contracted_fen),
        paid: yuan(d.paid_fen),
        evaluated_share: share(d.evaluated, d.contracts),
        streets: d
            .streets
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    format!("{}/{}", s.covered, s.communities),
                    share(s.covered, s.communities),
                    s.projects,
                    yuan(s.contracted_fen),
                    yuan(s.paid_fen),
                )
            })
            .collect(),
        communities: d
            .communities
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.street.clone(),
                    c.projects,
                    yuan(c.contracted_fen),
                    yuan(c.paid_fen),
                )
            })
            .collect(),
        lines: d
            .lines
            .iter()
            .map(|l| {
                (
                    format!("{} {}", l.code, l.name),
                    yuan(l.amount_fen),
                    yuan(l.committed_fen),
                    yuan(l.available_fen()),
                )
            })
            .collect(),
        d,
    };
    Ok(with_page(&rc, &page))
}
