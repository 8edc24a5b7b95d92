//! Calls close by themselves after their deadline (the scheduled job `purchase.deadlines`):
//! each call past its last day moves from `open` to `closed` through the workflow's door,
//! once, however many servers run the job; its applicants are told.

use crate::uow::Uow;
use crate::workflow::{self, At};
use crate::{calendar, inbox, App, AppError, Ctx};
use sanshe_domain::purchase::{ProjectEvent, ProjectState, Projects};
use sanshe_store::purchase as store;
use sanshe_store::workflow::Table;

/// Closes the calls whose deadline has passed; returns how many.
pub async fn close_due(app: &App) -> Result<usize, AppError> {
    let today = calendar::today().to_string();
    let list = {
        let mut c = app.db.acquire().await?;
        store::past_deadline(&mut c, &today).await?
    };
    let ctx = Ctx::system();
    let actor = ctx.actor()?.clone();
    let mut closed = 0;
    for (id, version, title) in list {
        let mut tx = Uow::begin(app).await?;
        let at = At {
            id,
            version,
            state: ProjectState::Open,
        };
        // Another server (or an officer) got there first: nothing to do.
        match workflow::transition::<Projects>(
            &mut tx,
            Table::Projects,
            &actor,
            at,
            ProjectEvent::Close,
            "deadline passed",
        )
        .await
        {
            Ok(_) => {}
            Err(AppError::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
        let told = store::applicant_accounts(&mut tx, id).await?;
        inbox::notify(
            &mut tx,
            &told,
            "project.closed",
            &title,
            "",
            &format!("/purchase/projects/{id}"),
        )
        .await?;
        workflow::commit::<Projects>(
            tx,
            &ctx,
            id,
            &title,
            ProjectState::Open,
            ProjectEvent::Close,
            ProjectState::Closed,
        )
        .await?;
        closed += 1;
    }
    Ok(closed)
}
