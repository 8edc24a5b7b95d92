//! Evidence attached to a need (photos, documents): reachable exactly as the need is; added
//! by the resident who raised it or the staff handling it, removed by whoever added it or the
//! handling staff. Every change is audited.

use super::{load_visible, policy};
use crate::attachments::{self, Accept};
use crate::uow::Uow;
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::FieldError;
use sanshe_store::attachments::{self as store, AttachmentRow};

const KIND: &str = "need";

pub async fn list(app: &App, ctx: &Ctx, need: i64) -> Result<Vec<AttachmentRow>, AppError> {
    load_visible(app, ctx, need).await?;
    let mut c = app.db.acquire().await?;
    Ok(store::list(&mut c, KIND, need).await?)
}

/// May the actor add files to this need?
pub fn may_attach(actor: &crate::Actor, n: &sanshe_store::needs::NeedRow) -> bool {
    policy::is_owner(actor, n) || policy::may_see_contact(actor, n)
}

pub async fn add(
    app: &App,
    ctx: &Ctx,
    need: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    let n = load_visible(app, ctx, need).await?;
    if !may_attach(actor, &n) {
        return Err(AppError::Forbidden);
    }
    let saved = attachments::save(app, "file", file_name, bytes, Accept::Documents)?;
    let written = async {
        let mut tx = Uow::begin(app).await?;
        if !sanshe_store::needs::take_file_slot(&mut tx, need, attachments::MAX_PER_RECORD).await? {
            return Err(AppError::invalid(
                FieldError::new("file", "err-attachments-too-many")
                    .arg("max", attachments::MAX_PER_RECORD),
            ));
        }
        let (id, summary) =
            attachments::record(&mut tx, actor, KIND, need, &saved, "attachment").await?;
        tx.commit(ctx.audit_entry(
            Action::NeedAttach,
            Some(need.to_string()),
            summary,
            Outcome::Success,
        ))
        .await?;
        Ok(id)
    }
    .await;
    if written.is_err() {
        attachments::discard(app, &saved);
    }
    written
}

/// One file's record and bytes.
pub async fn get(
    app: &App,
    ctx: &Ctx,
    need: i64,
    id: i64,
) -> Result<(AttachmentRow, Vec<u8>), AppError> {
    load_visible(app, ctx, need).await?;
    let mut c = app.db.acquire().await?;
    let a = store::get(&mut c, KIND, need, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let bytes = attachments::read(app, &a.stored_name)?;
    Ok((a, bytes))
}

pub async fn remove(app: &App, ctx: &Ctx, need: i64, id: i64) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    let n = load_visible(app, ctx, need).await?;
    let mut tx = Uow::begin(app).await?;
    let a = store::get(&mut tx, KIND, need, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let own = actor.user_id.is_some() && a.created_by == actor.user_id;
    if !(own || policy::may_see_contact(actor, &n) && !policy::is_owner(actor, &n)) {
        return Err(AppError::Forbidden);
    }
    if !store::delete(&mut tx, KIND, need, id).await? {
        return Err(AppError::NotFound);
    }
    sanshe_store::needs::free_file_slot(&mut tx, need).await?;
    tx.commit(ctx.audit_entry(
        Action::NeedDetach,
        Some(need.to_string()),
        format!("attachment {id} removed: {}", a.file_name),
        Outcome::Success,
    ))
    .await?;
    attachments::remove(app, &a.stored_name);
    Ok(())
}
