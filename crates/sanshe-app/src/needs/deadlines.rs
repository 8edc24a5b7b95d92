//! The first-response deadline of needs: a reminder to the community's staff on the working
//! day before a need falls due (once per need, however many servers run the job), and the
//! overdue figures (computed live from `due_on`, so they are always exact).

use crate::uow::Uow;
use crate::{calendar, inbox, App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_store::needs as store;

/// Sends the reminders due today; returns how many were sent.
pub async fn remind(app: &App) -> Result<usize, AppError> {
    let today = calendar::today();
    let cal = calendar::load_around(app, today).await?;
    // Needs due on the next working day are reminded today (the working day before).
    let due = cal.add_working_days(today, 1).to_string();
    let list = {
        let mut c = app.db.acquire().await?;
        store::due_unreminded(&mut c, &due).await?
    };
    let ctx = Ctx::system();
    let mut sent = 0;
    for (id, area, title) in list {
        let mut tx = Uow::begin(app).await?;
        if !store::mark_reminded(&mut tx, id).await? {
            continue;
        }
        let staff = sanshe_store::inbox::staff_covering(&mut tx, &area, &super::HANDLERS).await?;
        inbox::notify(
            &mut tx,
            &staff,
            "need.due",
            &title,
            &format!("due {due}"),
            &format!("/needs/{id}"),
        )
        .await?;
        tx.commit(ctx.audit_entry(
            Action::NeedRemind,
            Some(id.to_string()),
            format!("first response due {due}: {} staff reminded", staff.len()),
            Outcome::Success,
        ))
        .await?;
        sent += 1;
    }
    Ok(sent)
}
