//! Re-encrypting personal data under a new key.

use crate::{App, AppError};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_store::workers::{self as store};

/// Re-encrypts every social worker's ID and phone number under the current personal-data
/// key and recomputes their blind indexes (after `pii_key` was changed and the old one set
/// as `pii_previous_key`). One transaction: either every row moves to the new key or none
/// does. Command line only. Returns (rows checked, rows re-encrypted).
pub async fn rotate_keys(app: &App, ctx: &crate::Ctx) -> Result<(usize, usize), AppError> {
    let actor = ctx.actor()?;
    if !actor.is_cli {
        return Err(AppError::Forbidden);
    }
    let mut tx = crate::uow::Uow::begin(app).await?;
    let rows = store::all_ciphertexts(&mut tx).await?;
    let mut changed = 0;
    for (id, id_cipher, phone_cipher) in &rows {
        let stale = app.pii.is_stale(id_cipher)
            || phone_cipher.as_deref().is_some_and(|p| app.pii.is_stale(p));
        if !stale {
            continue;
        }
        let idn = app.pii.decrypt(id_cipher)?;
        let phone = phone_cipher
            .as_deref()
            .map(|p| app.pii.decrypt(p))
            .transpose()?;
        let phone_cipher = phone.as_deref().map(|p| app.pii.encrypt(p)).transpose()?;
        let phone_blind = phone
            .as_deref()
            .map(|p| app.pii.blind("phone", p))
            .transpose()?;
        store::set_ciphertexts(
            &mut tx,
            *id,
            &app.pii.encrypt(&idn)?,
            &app.pii.blind("id", &idn)?,
            phone_cipher.as_deref(),
            phone_blind.as_deref(),
        )
        .await?;
        changed += 1;
    }
    tx.commit(ctx.audit_entry(
        Action::PiiRotate,
        None,
        format!(
            "re-encrypted {changed} of {} records under key {}",
            rows.len(),
            app.pii.key_id()
        ),
        Outcome::Success,
    ))
    .await?;
    Ok((rows.len(), changed))
}
