//! Self-reported facts that count in the targets (a social worker's certificate,
//! registration, committee seat and community) wait for verification when the worker or
//! their organization changes them: a pending change (a workflow on the kernel) that the
//! responsible staff approve — the record then changes, re-validated — or reject.

use crate::authz::{self, Perm};
use crate::registry::Registry;
use crate::uow::Uow;
use crate::workers::Workers;
use crate::workflow::{self, At};
use crate::{Actor, App, AppError, Ctx};
use sanshe_domain::facts::{Event, FactChanges, State};
use sanshe_domain::workflow::Workflow;
use sanshe_domain::{FieldError, Role};
use sanshe_store::facts::{self as store, FactChange, FactFilter};
use sanshe_store::workflow::Table;
use sanshe_store::{Conn, PageReq, Paged};

/// The roles told in their inbox that a change waits in their area.
const VERIFIERS: [Role; 2] = [Role::CommunityStaff, Role::StreetStaff];

/// Where staff and requesters follow changes.
const CHANGES_PAGE: &str = "/workers/changes";

/// Records held-back changes as one pending change; returns its id and a note for the audit
/// summary (None and "" when nothing was held).
pub async fn hold(
    tx: &mut Uow,
    actor: &Actor,
    kind: &str,
    record_id: i64,
    area: Option<&str>,
    changes: &[(String, String, String)],
) -> Result<(Option<i64>, String), AppError> {
    if changes.is_empty() {
        return Ok((None, String::new()));
    }
    let json = serde_json::to_string(changes).map_err(|e| AppError::Internal(e.to_string()))?;
    // Listed for the staff of the community the record would be in: the new one when the
    // change moves it.
    let area = changes
        .iter()
        .find(|c| c.0 == "area" && !c.2.is_empty())
        .map(|c| c.2.as_str())
        .or(area);
    let id = store::insert(
        tx,
        kind,
        record_id,
        area,
        &json,
        actor.user_id,
        &actor.display_name,
    )
    .await?;
    workflow::created::<FactChanges>(tx, actor, id, State::Pending, "").await?;
    let fields: Vec<&str> = changes.iter().map(|c| c.0.as_str()).collect();
    // The staff who verify it hear of it.
    if let Some(area) = area {
        let staff = sanshe_store::inbox::staff_covering(tx, area, &VERIFIERS).await?;
        crate::inbox::notify(
            tx,
            &staff,
            "fact_change.pending",
            &actor.display_name,
            &fields.join(", "),
            CHANGES_PAGE,
        )
        .await?;
    }
    Ok((
        Some(id),
        format!(
            "; held for verification (change {id}): {}",
            fields.join(", ")
        ),
    ))
}

fn staff(actor: &Actor) -> bool {
    actor.is_cli
        || (authz::can(actor, Perm::WorkerWrite)
            && !matches!(actor.role, Role::SocialWorker | Role::SocialOrg))
}

/// May this actor see the change (and its record)?
pub fn may_read(actor: &Actor, c: &FactChange, record: &sanshe_store::workers::WorkerRow) -> bool {
    (c.requested_by.is_some() && c.requested_by == actor.user_id)
        || Workers::can_read(actor, record)
}

/// Who may take which event: staff who reach the record approve or reject; the requester
/// withdraws. (The state decides the rest.)
pub fn may(
    actor: &Actor,
    c: &FactChange,
    record: &sanshe_store::workers::WorkerRow,
    e: Event,
) -> bool {
    match e {
        Event::Approve | Event::Reject => staff(actor) && Workers::can_write(actor, record),
        Event::Withdraw => c.requested_by.is_some() && c.requested_by == actor.user_id,
    }
}

/// The changes in reach, newest first: staff see their area's, a worker their own, an
/// organization its staff's.
pub async fn list(
    app: &App,
    ctx: &Ctx,
    state: Option<&str>,
    page: PageReq,
) -> Result<Paged<FactChange>, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::WorkerRead)?;
    let mut f = FactFilter {
        state: state
            .filter(|s| FactChanges::parse_state(s).is_some())
            .map(str::to_owned),
        ..Default::default()
    };
    match actor.role {
        Role::SocialWorker => f.requested_by = Some(actor.user_id.ok_or(AppError::Forbidden)?),
        Role::SocialOrg => f.employer = Some(authz::own_org(actor).ok_or(AppError::Forbidden)?),
        _ => f.within = authz::area_root(actor),
    }
    let mut c = app.db.acquire().await?;
    Ok(store::list(&mut c, &f, page).await?)
}

pub fn parse_changes(c: &FactChange) -> Vec<(String, String, String)> {
    serde_json::from_str(&c.changes).unwrap_or_default()
}

async fn load(
    conn: &mut Conn,
    actor: &Actor,
    id: i64,
) -> Result<(FactChange, sanshe_store::workers::WorkerRow), AppError> {
    let c = store::get(conn, id).await?.ok_or(AppError::NotFound)?;
    let w = Workers::get(conn, c.record_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !may_read(actor, &c, &w) {
        return Err(AppError::Hidden);
    }
    Ok((c, w))
}

/// The events the actor may take on a change now (from the reach fields the list carries,
/// so a page of changes costs no query per row).
pub fn events(actor: &Actor, fc: &FactChange) -> Vec<&'static str> {
    let w = sanshe_store::workers::WorkerRow {
        id: fc.record_id,
        user_id: fc.record_user,
        employer_org_id: fc.record_employer,
        area_code: fc.record_area.clone(),
        ..Default::default()
    };
    let st = FactChanges::parse_state(&fc.state).unwrap_or(State::Pending);
    FactChanges::EVENTS
        .iter()
        .filter(|e| FactChanges::next(st, **e).is_some() && may(actor, fc, &w, **e))
        .map(|e| FactChanges::event_name(*e))
        .collect()
}

/// A changed value as a person reads it (labels, yes/no, a CPD entry spelled out); the API
/// keeps the stored form.
pub fn display(tr: &crate::i18n::Tr, field: &str, value: &str) -> String {
    use sanshe_domain::registry::CERT_LEVEL;
    if value.is_empty() {
        return "—".into();
    }
    match field {
        "cert_level" if CERT_LEVEL.contains(value) => tr.t(&CERT_LEVEL.label_key(value)).to_owned(),
        "committee_member" => crate::registry::yes_no(tr, value == "true"),
        "cpd_entry" => {
            let p: Vec<&str> = value.splitn(4, '|').collect();
            match p.as_slice() {
                [date, hours, topic, provider] => tr.f(
                    "fact-cpd-entry",
                    &[
                        ("date", *date),
                        ("hours", *hours),
                        ("topic", *topic),
                        ("provider", if provider.is_empty() { "—" } else { provider }),
                    ],
                ),
                _ => value.to_owned(),
            }
        }
        _ => value.to_owned(),
    }
}

/// Approves (applying the change to the record, re-validated as the approver saves it),
/// rejects or withdraws a pending change; `version` guards against a concurrent decision.
pub async fn decide(
    app: &App,
    ctx: &Ctx,
    id: i64,
    event: &str,
    version: Option<i64>,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::WorkerRead)?;
    let e = FactChanges::parse_event(event)
        .ok_or_else(|| AppError::invalid(FieldError::new("event", "err-fact-event")))?;
    let mut tx = Uow::begin(app).await?;
    let (fc, w) = load(&mut tx, actor, id).await?;
    if !may(actor, &fc, &w, e) {
        return Err(AppError::Forbidden);
    }
    if version.is_some_and(|v| v != fc.version) {
        return Err(AppError::Conflict(FieldError::new(
            "version",
            "err-stale-version",
        )));
    }
    let from = FactChanges::parse_state(&fc.state).unwrap_or(State::Pending);
    let to = workflow::transition::<FactChanges>(
        &mut tx,
        Table::FactChanges,
        actor,
        At {
            id,
            version: fc.version,
            state: from,
        },
        e,
        "",
    )
    .await?;
    // The requester hears of the staff's decision.
    if let (Some(by), true) = (fc.requested_by, matches!(e, Event::Approve | Event::Reject)) {
        crate::inbox::notify(
            &mut tx,
            &[by],
            &format!("fact_change.{}", FactChanges::state_name(to)),
            &w.name,
            &actor.display_name,
            CHANGES_PAGE,
        )
        .await?;
    }
    if e == Event::Approve {
        let changes = parse_changes(&fc);
        let (cpd, fields): (Vec<_>, Vec<_>) = changes.into_iter().partition(|c| c.0 == "cpd_entry");
        for (_, _, cell) in &cpd {
            crate::workers::apply_cpd_cell(&mut tx, w.id, cell).await?;
        }
        if !fields.is_empty() {
            apply(app, &mut tx, actor, &w, &fields).await?;
        }
    }
    workflow::commit::<FactChanges>(tx, ctx, id, &w.name, from, e, to).await
}

/// Writes the approved values into the record through the registry's own parse, as the
/// approver (who must reach the new community too).
async fn apply(
    app: &App,
    tx: &mut Uow,
    actor: &Actor,
    w: &sanshe_store::workers::WorkerRow,
    changes: &[(String, String, String)],
) -> Result<(), AppError> {
    let tr = crate::i18n::Tr::new(crate::i18n::Lang::Zh);
    let mut cells = Workers::cells(app, &tr, w, false);
    let fields = Workers::fields();
    for (field, _, new) in changes {
        if let Some(i) = fields.iter().position(|f| f.col.key == field) {
            cells[i] = new.clone();
        }
    }
    let refs = crate::registry::refs_for::<Workers>(app, tx, actor, &cells).await?;
    let d = Workers::parse(app, actor, &refs, &cells, Some(w)).map_err(AppError::Invalid)?;
    if Workers::data_area(&d) != w.area_code.as_deref()
        && !Workers::can_create(actor, Workers::data_area(&d))
    {
        return Err(AppError::Forbidden);
    }
    Workers::update(tx, w.id, &d).await?;
    Ok(())
}

// ---- evidence -----------------------------------------------------------------------------

const FILES: &str = "fact_change";

/// Evidence attached to a change (a certificate's scan, a registration notice): reachable
/// exactly as the change; added by its requester while it is pending.
pub async fn files(
    app: &App,
    ctx: &Ctx,
    id: i64,
) -> Result<Vec<sanshe_store::attachments::AttachmentRow>, AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    load(&mut c, actor, id).await?;
    Ok(sanshe_store::attachments::list(&mut c, FILES, id).await?)
}

pub async fn attach(
    app: &App,
    ctx: &Ctx,
    id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    use crate::attachments::{self, Accept};
    let actor = ctx.actor()?;
    authz::require(actor, Perm::WorkerRead)?;
    let (fc, _) = {
        let mut c = app.db.acquire().await?;
        load(&mut c, actor, id).await?
    };
    if fc.requested_by.is_none() || fc.requested_by != actor.user_id || fc.state != "pending" {
        return Err(AppError::Forbidden);
    }
    let saved = attachments::save(app, "file", file_name, bytes, Accept::Documents)?;
    let written = async {
        let mut tx = Uow::begin(app).await?;
        // Counted under the change's lock, so parallel uploads cannot pass the limit together,
        // and none lands on a change decided meanwhile.
        if !sanshe_store::facts::lock_pending(&mut tx, id).await? {
            return Err(AppError::Conflict(FieldError::new(
                "file",
                "err-transition-not-allowed",
            )));
        }
        attachments::record_counted(
            tx,
            ctx,
            FILES,
            id,
            &saved,
            "evidence",
            sanshe_domain::audit::Action::FactEvidence,
            |s| s,
        )
        .await
    }
    .await;
    attachments::settle(app, &saved, written)
}

pub async fn file(
    app: &App,
    ctx: &Ctx,
    id: i64,
    aid: i64,
) -> Result<(sanshe_store::attachments::AttachmentRow, Vec<u8>), AppError> {
    let actor = ctx.actor()?;
    let mut c = app.db.acquire().await?;
    load(&mut c, actor, id).await?;
    crate::attachments::fetch(app, &mut c, FILES, id, aid).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use sanshe_domain::Scope;
    use sanshe_store::workers::WorkerRow;

    fn actor(role: Role, scope: Scope, id: i64) -> Actor {
        Actor {
            user_id: Some(id),
            username: role.as_str().into(),
            display_name: role.as_str().into(),
            role,
            scope,
            scope_name: None,
            locale: None,
            is_cli: false,
            password_expired: false,
            must_change_password: false,
            mfa_pending: false,
            mfa_setup_required: false,
        }
    }

    /// Every state × event × role decided by hand: staff who reach the worker verify or
    /// refuse, the requester withdraws, nobody acts on a decided change.
    #[test]
    fn state_event_role_table() {
        let area = |c: &str| Scope::Area { code: c.into() };
        let worker_user = 7;
        let row = WorkerRow {
            id: 1,
            user_id: Some(worker_user),
            employer_org_id: Some(5),
            area_code: Some("320412100002".into()),
            ..Default::default()
        };
        let change = FactChange {
            id: 1,
            record_id: 1,
            requested_by: Some(worker_user),
            ..Default::default()
        };
        let people = [
            (
                "district",
                actor(Role::DistrictAdmin, area("320412"), 1),
                [true, true, false],
            ),
            (
                "street",
                actor(Role::StreetStaff, area("320412100"), 2),
                [true, true, false],
            ),
            (
                "community",
                actor(Role::CommunityStaff, area("320412100002"), 3),
                [true, true, false],
            ),
            (
                "other community",
                actor(Role::CommunityStaff, area("320412100003"), 4),
                [false, false, false],
            ),
            (
                "organization",
                actor(Role::SocialOrg, Scope::Org { id: 5 }, 5),
                [false, false, false],
            ),
            (
                "the worker",
                actor(Role::SocialWorker, Scope::None, worker_user),
                [false, false, true],
            ),
            (
                "resident",
                actor(Role::Resident, Scope::None, 9),
                [false, false, false],
            ),
        ];
        for (who, a, allowed) in &people {
            for (i, e) in FactChanges::EVENTS.iter().enumerate() {
                assert_eq!(may(a, &change, &row, *e), allowed[i], "{who} {e:?}");
            }
        }
        // Decided changes take no event, whoever asks.
        for s in [State::Approved, State::Rejected, State::Withdrawn] {
            for e in FactChanges::EVENTS {
                assert_eq!(FactChanges::next(s, *e), None);
            }
        }
    }
}
