//! The workflow kernel's application half. A use case that changes a record's state calls
//! [`transition`] inside its unit of work after deciding that the actor may: the event must
//! be allowed from the record's state by the workflow's table, the record must still be at
//! the version the actor saw (compare-and-set), and the step is appended to the history.
//! Of two people acting at once exactly one wins; the other gets a conflict saying the
//! record was changed by someone else.

use crate::uow::Uow;
use crate::{Actor, AppError};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::FieldError;
use sanshe_store::workflow::{self as store, HistoryEntry, Table};

/// Where a record stands: what a transition compares against.
#[derive(Debug, Clone, Copy)]
pub struct At<S> {
    pub id: i64,
    pub version: i64,
    pub state: S,
}

/// Applies `event` to the record at `at`: checks the table, sets the new state by
/// compare-and-set and appends the history entry. Returns the new state.
pub async fn transition<W: Workflow>(
    tx: &mut Uow,
    table: Table,
    actor: &Actor,
    at: At<W::State>,
    event: W::Event,
    note: &str,
) -> Result<W::State, AppError> {
    let Some(to) = W::next(at.state, event) else {
        return Err(AppError::Conflict(
            FieldError::new("event", "err-transition-not-allowed")
                .arg("event", W::event_name(event))
                .arg("state", W::state_name(at.state)),
        ));
    };
    let won = store::compare_and_set(
        tx,
        table,
        at.id,
        at.version,
        W::state_name(at.state),
        W::state_name(to),
    )
    .await?;
    if !won {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    store::append_history(
        tx,
        &HistoryEntry {
            kind: W::KIND.into(),
            record_id: at.id,
            actor_id: actor.user_id,
            actor_name: actor.display_name.clone(),
            from_state: Some(W::state_name(at.state).into()),
            to_state: W::state_name(to).into(),
            event: W::event_name(event).into(),
            note: note.into(),
        },
    )
    .await?;
    Ok(to)
}

/// The first history entry of a new record (no previous state).
pub async fn created<W: Workflow>(
    tx: &mut Uow,
    actor: &Actor,
    id: i64,
    state: W::State,
    note: &str,
) -> Result<(), AppError> {
    store::append_history(
        tx,
        &HistoryEntry {
            kind: W::KIND.into(),
            record_id: id,
            actor_id: actor.user_id,
            actor_name: actor.display_name.clone(),
            from_state: None,
            to_state: W::state_name(state).into(),
            event: "create".into(),
            note: note.into(),
        },
    )
    .await?;
    Ok(())
}

/// Commits a workflow step's unit of work with its audit entry: `{kind}.{event}` on the
/// record, "title: from → to". Every workflow closes its transitions here.
pub async fn commit<W: Workflow>(
    tx: Uow,
    ctx: &crate::Ctx,
    id: i64,
    title: &str,
    from: W::State,
    event: W::Event,
    to: W::State,
) -> Result<(), AppError> {
    tx.commit(ctx.audit_entry(
        Action::Transition {
            kind: W::KIND,
            event: W::event_name(event),
        },
        Some(id.to_string()),
        format!("{title}: {} → {}", W::state_name(from), W::state_name(to)),
        Outcome::Success,
    ))
    .await
}
