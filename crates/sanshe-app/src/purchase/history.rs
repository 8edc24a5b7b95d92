//! An organization's performance history in purchased services: every application it
//! submitted, whether it won, the contract, what was paid, what was delivered and how its
//! milestone reports fared. Shown on the organization's page; later calls can read it (the
//! evaluation issue adds grades and the 优胜劣汰 rules).

use crate::{App, AppError, Ctx};
use sanshe_store::delivery::{self as dstore, Totals};
use sanshe_store::purchase::{self as store, ApplicationFilter};
use sanshe_store::{Conn, PageReq};

#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryLine {
    pub project_id: i64,
    pub project_title: String,
    pub year: i64,
    pub application_id: i64,
    /// submitted or withdrawn.
    pub application_state: String,
    pub awarded: bool,
    pub applied_fen: i64,
    pub contract_id: Option<i64>,
    pub contract_state: Option<String>,
    pub contract_fen: i64,
    pub paid_fen: i64,
    pub delivery: Totals,
    pub reports_accepted: i64,
    pub reports_returned: i64,
}

/// The lines of an organization's history, newest project first (drafts are its own and
/// never shown).
pub async fn lines(conn: &mut Conn, org: i64) -> Result<Vec<HistoryLine>, AppError> {
    let apps = store::list_applications(
        conn,
        &ApplicationFilter {
            org: Some(org),
            hide_drafts: true,
            ..Default::default()
        },
        PageReq {
            page: 1,
            per_page: 10_000,
        },
    )
    .await?
    .items;
    let mut out = Vec::new();
    for a in apps {
        let Some(p) = store::get_project(conn, a.project_id).await? else {
            continue;
        };
        let awarded = p.awarded_application == Some(a.id)
            && matches!(p.state.as_str(), "awarded" | "confirmed");
        let contract = match sanshe_store::contracts::of_project(conn, p.id).await? {
            Some(k) if k.application_id == a.id && k.state != "draft" => Some(k),
            _ => None,
        };
        let (delivery, accepted, returned) = match &contract {
            Some(k) => {
                let rs = dstore::reports(conn, k.id).await?;
                (
                    dstore::totals(conn, k.id, None, None).await?,
                    rs.iter().filter(|r| r.state == "accepted").count() as i64,
                    rs.iter().filter(|r| r.state == "returned").count() as i64,
                )
            }
            None => (Totals::default(), 0, 0),
        };
        out.push(HistoryLine {
            project_id: p.id,
            project_title: p.data.title.clone(),
            year: p.year,
            application_id: a.id,
            application_state: a.state.clone(),
            awarded,
            applied_fen: a.data.amount_fen,
            contract_id: contract.as_ref().map(|k| k.id),
            contract_state: contract.as_ref().map(|k| k.state.clone()),
            contract_fen: contract.as_ref().map_or(0, |k| k.clauses.amount_fen),
            paid_fen: contract.as_ref().map_or(0, |k| k.paid_fen),
            delivery,
            reports_accepted: accepted,
            reports_returned: returned,
        });
    }
    out.sort_by(|a, b| b.year.cmp(&a.year).then(b.project_id.cmp(&a.project_id)));
    Ok(out)
}

/// An organization's history, for whoever may read the organization.
pub async fn of_org(app: &App, ctx: &Ctx, org: i64) -> Result<Vec<HistoryLine>, AppError> {
    crate::registry::get::<crate::orgs::Orgs>(app, ctx, org).await?;
    let mut c = app.db.acquire().await?;
    lines(&mut c, org).await
}
