//! Incubation bases with the organizations they incubate, and federations with their
//! members.

use super::*;
use crate::authz::{self, Perm};
use crate::registry::{scoped_within, Refs};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::FieldError;
use sanshe_store::orgs::{self as store};
use std::collections::HashMap;

/// Incubation bases and federations within the actor's reach, with their organizations.
pub struct Networks {
    pub bases: Vec<(store::BaseRow, Vec<store::IncubationRow>)>,
    pub federations: Vec<(store::FederationRow, Vec<Member>)>,
    pub can_manage: bool,
}

pub async fn networks(app: &App, ctx: &Ctx) -> Result<Networks, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::OrgRead)?;
    if authz::own_org(actor).is_some() && !actor.is_cli {
        // An organization sees its own incubation and memberships on its own page.
        return Err(AppError::Forbidden);
    }
    let within = scoped_within(actor, &None);
    let mut c = app.db.acquire().await?;
    // Four statements however many bases and federations the scope holds.
    let found = store::bases(&mut c, within.as_deref()).await?;
    let ids: Vec<i64> = found.iter().map(|b| b.id).collect();
    let inc = store::incubations_of(&mut c, &ids).await?;
    let bases = attach(found, |b| b.id, inc.into_iter().map(|n| (n.base_id, n)));
    let found = store::federations(&mut c, within.as_deref()).await?;
    let ids: Vec<i64> = found.iter().map(|f| f.id).collect();
    let members = store::members_of(&mut c, &ids).await?;
    let federations = attach(
        found,
        |f| f.id,
        members
            .into_iter()
            .map(|(f, org, name, joined)| (f, (org, name, joined))),
    );
    Ok(Networks {
        bases,
        federations,
        can_manage: authz::can(actor, Perm::OrgSupervise),
    })
}

/// Each record with the rows that belong to it (`rows`: record id and row), in order.
fn attach<R, T>(
    records: Vec<R>,
    id: impl Fn(&R) -> i64,
    rows: impl IntoIterator<Item = (i64, T)>,
) -> Vec<(R, Vec<T>)> {
    let mut by: HashMap<i64, Vec<T>> = HashMap::new();
    for (k, t) in rows {
        by.entry(k).or_default().push(t);
    }
    records
        .into_iter()
        .map(|r| {
            let rows = by.remove(&id(&r)).unwrap_or_default();
            (r, rows)
        })
        .collect()
}

/// The networks for a spreadsheet export, with the export recorded in the audit log.
pub async fn export_networks(app: &App, ctx: &Ctx) -> Result<Networks, AppError> {
    let n = networks(app, ctx).await?;
    let rows: usize = n.bases.iter().map(|(_, i)| i.len().max(1)).sum::<usize>()
        + n.federations
            .iter()
            .map(|(_, m)| m.len().max(1))
            .sum::<usize>();
    let tx = crate::uow::Uow::begin(app).await?;
    tx.commit(ctx.audit_entry(
        Action::NetworkExport,
        None,
        format!("exported {rows} rows of incubation bases and federations"),
        Outcome::Success,
    ))
    .await?;
    Ok(n)
}

/// What a supervisor records about incubation and federations (text from forms or JSON).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct NetworkInput {
    /// `base`, `incubation`, `graduate`, `federation` or `member`.
    #[serde(default)]
    pub action: String,
    /// Street/town code (bases, federations).
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub date: String,
    /// Base, federation or incubation id the entry belongs to.
    #[serde(default)]
    pub parent: String,
    /// Organization by credit code, filing number or exact name.
    #[serde(default)]
    pub org: String,
    /// Support given: funds in yuan.
    #[serde(default)]
    pub funds: String,
    #[serde(default)]
    pub training_hours: String,
}

fn id_of(field: &str, v: &str) -> Result<i64, FieldError> {
    v.trim()
        .parse::<i64>()
        .map_err(|_| FieldError::new(field, "err-required"))
}

/// Adds a base, an incubated organization, a graduation, a federation or a member (street
/// and district supervisors, within their scope; audited).
pub async fn record_network(app: &App, ctx: &Ctx, input: &NetworkInput) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::OrgSupervise)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    // Only the street and the organization this entry names, by index look-ups.
    let cells = [input.area.clone(), input.org.clone()];
    let refs = Refs::load_for(app, &mut tx, actor, &cells, true, false).await?;
    let street = |v: &str| {
        refs.area("area", v, &["street"])
            .map(|a| a.code.clone())
            .map_err(AppError::invalid)
    };
    let org = |v: &str| match refs.org("org", v) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(AppError::invalid(FieldError::new("org", "err-required"))),
        Err(e) => Err(AppError::invalid(e)),
    };
    let date = |v: &str, required: bool| match crate::registry::opt_date("date", v) {
        Ok(None) if required => Err(AppError::invalid(FieldError::new("date", "err-required"))),
        Ok(d) => Ok(d),
        Err(e) => Err(AppError::invalid(e)),
    };
    let in_scope = |code: &str| -> Result<(), AppError> {
        if authz::record_in_scope(actor, Some(code)) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    };
    let network_action = sanshe_domain::audit::NetworkAction::parse(&input.action);
    let (id, summary) = match input.action.as_str() {
        "base" => {
            let area = street(&input.area)?;
            in_scope(&area)?;
            let name =
                crate::registry::text("name", &input.name, 100).map_err(AppError::invalid)?;
            let opened = date(&input.date, false)?;
            let id = store::insert_base(&mut tx, &area, &name, None, opened.as_deref(), 0, false)
                .await?;
            (id, format!("incubation base {name} ({area})"))
        }
        "incubation" => {
            let base = id_of("parent", &input.parent).map_err(AppError::invalid)?;
            let b = store::bases(&mut tx, None)
                .await?
                .into_iter()
                .find(|b| b.id == base)
                .ok_or(AppError::NotFound)?;
            in_scope(&b.area_code)?;
            let org_id = org(&input.org)?;
            let entered = date(&input.date, true)?.unwrap_or_default();
            let funds = match sanshe_domain::cell::parse_decimal_centi(&input.funds) {
                Ok(v) => v.unwrap_or(0).max(0),
                Err(k) => return Err(AppError::invalid(FieldError::new("funds", k))),
            };
            let hours =
                crate::registry::opt_int("training_hours", &input.training_hours, 0, 10_000)
                    .map_err(AppError::invalid)?
                    .unwrap_or(0);
            let id = store::insert_incubation(
                &mut tx,
                &store::IncubationRow {
                    id: 0,
                    base_id: base,
                    org_id,
                    org_name: String::new(),
                    entered,
                    graduated: None,
                    funds_fen: funds,
                    venue: true,
                    training_hours: hours,
                    notes: None,
                },
            )
            .await
            .map_err(|e| {
                if e.is_unique_violation() {
                    AppError::Conflict(
                        FieldError::new("org", "err-duplicate-record").arg("id", base),
                    )
                } else {
                    AppError::Store(e)
                }
            })?;
            (id, format!("organization {org_id} enters base {base}"))
        }
        "graduate" => {
            let id = id_of("parent", &input.parent).map_err(AppError::invalid)?;
            let d = date(&input.date, true)?.unwrap_or_default();
            let bases = store::bases(&mut tx, None).await?;
            let mut found = None;
            for b in &bases {
                if store::incubations(&mut tx, Some(b.id), None)
                    .await?
                    .iter()
                    .any(|n| n.id == id)
                {
                    found = Some(b.area_code.clone());
                }
            }
            in_scope(&found.ok_or(AppError::NotFound)?)?;
            if !store::graduate(&mut tx, id, &d).await? {
                return Err(AppError::Conflict(FieldError::new(
                    "date",
                    "err-already-graduated",
                )));
            }
            (id, format!("incubation {id} graduated {d}"))
        }
        "federation" => {
            let area = street(&input.area)?;
            in_scope(&area)?;
            let name =
                crate::registry::text("name", &input.name, 100).map_err(AppError::invalid)?;
            let founded = date(&input.date, false)?;
            let id =
                store::insert_federation(&mut tx, &area, &name, founded.as_deref(), false).await?;
            (id, format!("federation {name} ({area})"))
        }
        "member" => {
            let fed = id_of("parent", &input.parent).map_err(AppError::invalid)?;
            let f = store::federations(&mut tx, None)
                .await?
                .into_iter()
                .find(|f| f.id == fed)
                .ok_or(AppError::NotFound)?;
            in_scope(&f.area_code)?;
            let org_id = org(&input.org)?;
            let joined = date(&input.date, false)?;
            store::add_federation_member(&mut tx, fed, org_id, joined.as_deref())
                .await
                .map_err(|e| {
                    if e.is_unique_violation() {
                        AppError::Conflict(
                            FieldError::new("org", "err-duplicate-record").arg("id", fed),
                        )
                    } else {
                        AppError::Store(e)
                    }
                })?;
            (fed, format!("organization {org_id} joins federation {fed}"))
        }
        _ => {
            return Err(AppError::invalid(
                FieldError::new("action", "err-choice")
                    .arg("choices", "base、incubation、graduate、federation、member"),
            ))
        }
    };
    tx.commit(ctx.audit_entry(
        Action::Network(network_action.unwrap_or(sanshe_domain::audit::NetworkAction::Base)),
        Some(id.to_string()),
        summary,
        Outcome::Success,
    ))
    .await?;
    Ok(id)
}
