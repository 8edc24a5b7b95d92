//! The public portal (`/public`): no login, phone-first, its own navigation. Anonymous
//! visitors of `/` land here.

use super::{OrPage, PageResult};
use crate::ctx::Rc;
use crate::pages::targets::fmt_value;
use crate::view::{with_page, Page};
use askama::Template;
use sanshe_domain::needs::Needs;
use sanshe_domain::workflow::Workflow;

pub struct TargetLine {
    pub label: String,
    pub value: String,
    pub goal: String,
    pub unit: String,
    pub status: &'static str,
    pub status_label: String,
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct PublicPage {
    p: Page,
    here: &'static str,
    district: String,
    year: i64,
    targets: Vec<TargetLine>,
    met: usize,
    needs_total: i64,
    needs_by_state: Vec<(String, i64)>,
    needs_by_category: Vec<(String, i64, i64)>,
    answered_share: String,
    overdue: i64,
    empty: bool,
}

pub async fn show(rc: Rc) -> PageResult {
    let o = sanshe_app::public::overview(&rc.app).await.page(&rc)?;
    let cats = sanshe_app::needs::categories(&rc.app).await.page(&rc)?;
    let mut p = Page::new(&rc, "public-title");
    // The portal keeps its own navigation, whoever is signed in.
    p.nav.clear();
    let Some(o) = o else {
        let page = PublicPage {
            p,
            here: "home",
            district: String::new(),
            year: sanshe_app::current_year(),
            targets: Vec::new(),
            met: 0,
            needs_total: 0,
            needs_by_state: Vec::new(),
            needs_by_category: Vec::new(),
            answered_share: "—".into(),
            overdue: 0,
            empty: true,
        };
        return Ok(with_page(&rc, &page));
    };
    let targets: Vec<TargetLine> = o
        .targets
        .iter()
        .map(|t| TargetLine {
            label: rc.tr.t(&format!("target-{}", t.key)).to_owned(),
            value: fmt_value(t.all.value),
            goal: fmt_value(t.all.goal),
            unit: rc.tr.t(&format!("unit-{}", t.unit)).to_owned(),
            status: t.all.status.as_str(),
            status_label: rc
                .tr
                .t(&format!("status-{}", t.all.status.as_str()))
                .to_owned(),
        })
        .collect();
    let total: i64 = o.needs.iter().map(|c| c.count).sum();
    let by_state: Vec<(String, i64)> = Needs::STATES
        .iter()
        .map(|s| {
            let n = Needs::state_name(*s);
            (
                rc.tr.t(&super::needs::state_key(n)).to_owned(),
                o.needs
                    .iter()
                    .filter(|c| c.state == n)
                    .map(|c| c.count)
                    .sum(),
            )
        })
        .collect();
    let by_cat: Vec<(String, i64, i64)> = cats
        .iter()
        .map(|c| {
            let cells = o.needs.iter().filter(|x| x.category == c.code);
            let (n, people) = cells.fold((0, 0), |(a, b), x| (a + x.count, b + x.people));
            (
                super::needs::category_name(&cats, &rc.tr, &c.code),
                n,
                people,
            )
        })
        .filter(|(_, n, _)| *n > 0)
        .collect();
    let responded: i64 = o
        .needs
        .iter()
        .filter(|c| c.state != "submitted" && c.state != "withdrawn")
        .map(|c| c.count)
        .sum();
    let page = PublicPage {
        p,
        here: "home",
        district: o.name,
        year: o.year,
        met: targets.iter().filter(|t| t.status == "met").count(),
        targets,
        needs_total: total,
        needs_by_state: by_state,
        needs_by_category: by_cat,
        answered_share: if total > 0 {
            format!("{:.1}%", responded as f64 * 100.0 / total as f64)
        } else {
            "—".into()
        },
        overdue: o.needs.iter().map(|c| c.overdue).sum(),
        empty: false,
    };
    Ok(with_page(&rc, &page))
}
