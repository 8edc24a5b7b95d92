//! What a record's cells may refer to: areas in reach, organizations, workers.

use super::*;
use crate::i18n::{Lang, Tr};
use crate::{Actor, App, AppError};
use sanshe_domain::cell;
use sanshe_domain::FieldError;
use sanshe_store::areas::AreaRef;
use sanshe_store::{Conn, StoreError};
use std::collections::HashMap;

/// What cells may refer to: the areas in the actor's reach (an import's) or those a form
/// names, and the organizations and workers named, by key.
#[derive(Debug, Default)]
pub struct Refs {
    pub areas: HashMap<String, AreaRef>,
    pub area_names: HashMap<String, Vec<String>>,
    pub orgs: HashMap<String, i64>,
    pub workers: HashMap<String, i64>,
    pub today: (i32, u32, u32),
    /// Years of one social-worker registration period (this year's policy profile).
    pub registration_years: i64,
}

impl Refs {
    /// The areas in the actor's reach (an import's; the organizations and workers its rows
    /// name come a thousand rows at a time from [`Refs::fill`]).
    pub async fn load(conn: &mut Conn, actor: &Actor) -> Result<Refs, StoreError> {
        let root = match &actor.scope {
            sanshe_domain::Scope::Area { code } if !actor.is_cli => Some(code.as_str()),
            _ => None,
        };
        let list = sanshe_store::areas::refs_within(conn, root).await?;
        Refs::with_areas(conn, list).await
    }

    /// Today, this year's registration period and the given areas (by code and by name).
    async fn with_areas(conn: &mut Conn, list: Vec<AreaRef>) -> Result<Refs, StoreError> {
        let profile = match sanshe_store::targets::profile(conn, crate::current_year()).await? {
            Some(body) => serde_json::from_str(&body).unwrap_or_default(),
            None => sanshe_domain::targets::PolicyProfile::default(),
        };
        let mut r = Refs {
            today: today_tuple(),
            registration_years: profile.registration_years,
            ..Default::default()
        };
        for a in list {
            r.area_names
                .entry(a.name.clone())
                .or_default()
                .push(a.code.clone());
            r.areas.insert(a.code.clone(), a);
        }
        Ok(r)
    }

    /// What one record's cells can refer to, found by index look-ups: the areas in the
    /// actor's reach whose code or name appears in a cell (or a part of a list cell), the
    /// organizations whose name, credit code or filing number does, and the workers whose
    /// ID number does. The same answers as [`Refs::load`] for those cells.
    pub async fn load_for(
        app: &App,
        conn: &mut Conn,
        actor: &Actor,
        cells: &[String],
        orgs: bool,
        workers: bool,
    ) -> Result<Refs, AppError> {
        let root = match &actor.scope {
            sanshe_domain::Scope::Area { code } if !actor.is_cli => Some(code.as_str()),
            _ => None,
        };
        let mut vals: Vec<String> = Vec::new();
        for c in cells {
            let n = cell::normalize_text(c);
            for part in n.split(['、', ',', '，', ';', '；', '/', ' ']) {
                let p = part.trim();
                if !p.is_empty() && p.chars().count() <= 200 {
                    vals.push(p.to_owned());
                }
            }
            if !n.is_empty() && n.chars().count() <= 200 {
                vals.push(n);
            }
        }
        vals.sort();
        vals.dedup();
        vals.truncate(500);
        let list = sanshe_store::areas::refs_matching(conn, root, &vals).await?;
        let mut r = Refs::with_areas(conn, list).await?;
        if orgs {
            r.orgs = sanshe_store::orgs::keys_matching(conn, &vals)
                .await?
                .into_iter()
                .map(|(k, id)| (norm_key(k), id))
                .collect();
        }
        if workers {
            let blinds: Vec<String> = vals
                .iter()
                .filter_map(|v| {
                    let fixed = cell::fix_excel_id(v);
                    sanshe_domain::CitizenId::parse(&fixed, r.today).ok()
                })
                .filter_map(|id| app.pii.blind("id", id.as_str()).ok())
                .collect();
            r.workers = reachable(
                actor,
                sanshe_store::workers::reach_keys(conn, &blinds).await?,
            );
        }
        Ok(r)
    }

    /// The organizations and workers that `org_cells` and `worker_cells` name (an import's
    /// next thousand rows), found by index look-ups, in place of the previous ones: an
    /// import holds the references of the rows at hand, not the whole registry's keys.
    pub async fn fill(
        &mut self,
        app: &App,
        conn: &mut Conn,
        actor: &Actor,
        org_cells: &[&str],
        worker_cells: &[&str],
    ) -> Result<(), StoreError> {
        let mut vals: Vec<String> = org_cells
            .iter()
            .map(|c| cell::normalize_text(c))
            .filter(|v| !v.is_empty())
            .collect();
        vals.sort();
        vals.dedup();
        self.orgs = sanshe_store::orgs::keys_matching(conn, &vals)
            .await?
            .into_iter()
            .map(|(k, id)| (norm_key(k), id))
            .collect();
        let mut blinds: Vec<String> = worker_cells
            .iter()
            .filter_map(|v| {
                sanshe_domain::CitizenId::parse(&cell::fix_excel_id(v), self.today).ok()
            })
            .filter_map(|id| app.pii.blind("id", id.as_str()).ok())
            .collect();
        blinds.sort();
        blinds.dedup();
        self.workers = reachable(
            actor,
            sanshe_store::workers::reach_keys(conn, &blinds).await?,
        );
        Ok(())
    }

    /// An area given by code or by a name unique in the actor's reach.
    pub fn area(&self, field: &str, v: &str, levels: &[&str]) -> Result<&AreaRef, FieldError> {
        let v = cell::normalize_text(v);
        if v.is_empty() {
            return Err(FieldError::new(field, "err-required"));
        }
        let a = if v.chars().all(|c| c.is_ascii_digit()) {
            self.areas.get(&v)
        } else {
            match self.area_names.get(&v).map(Vec::as_slice) {
                Some([one]) => self.areas.get(one),
                Some(many) if many.len() > 1 => {
                    return Err(FieldError::new(field, "err-area-ambiguous")
                        .arg("name", &v)
                        .arg("codes", many.join("、")))
                }
                _ => None,
            }
        };
        let a = a.ok_or_else(|| FieldError::new(field, "err-area-unreachable").arg("value", &v))?;
        if !levels.is_empty() && !levels.contains(&a.level.as_str()) {
            let zh = Tr::new(Lang::Zh);
            return Err(FieldError::new(field, "err-area-level-wrong").arg(
                "levels",
                levels
                    .iter()
                    .map(|l| zh.t(&format!("level-{l}")).to_owned())
                    .collect::<Vec<_>>()
                    .join("、"),
            ));
        }
        Ok(a)
    }

    /// An organization by credit code, filing number or exact name.
    pub fn org(&self, field: &str, v: &str) -> Result<Option<i64>, FieldError> {
        let v = cell::normalize_text(v);
        if v.is_empty() {
            return Ok(None);
        }
        let up = v.to_uppercase();
        self.orgs
            .get(&format!("credit:{up}"))
            .or_else(|| self.orgs.get(&format!("filing:{v}")))
            .or_else(|| {
                self.orgs
                    .get(&format!("name:{}", sanshe_domain::text::name_key(&v)))
            })
            .copied()
            .map(Some)
            .ok_or_else(|| FieldError::new(field, "err-org-not-found").arg("value", v))
    }
}

/// A uniqueness or look-up key in the form names are compared in
/// ([`sanshe_domain::text::name_key`]), so `（演示）` and `(演示)` are the same name.
pub fn norm_key(k: String) -> String {
    match k.strip_prefix("name:") {
        Some(n) => format!("name:{}", sanshe_domain::text::name_key(n)),
        None => k,
    }
}

/// The workers a record may refer to: only those the actor reaches, so that a worker out of
/// reach is "not found" exactly like an ID number nobody has (and their name never shows).
fn reachable(actor: &Actor, keys: Vec<sanshe_store::workers::ReachKey>) -> HashMap<String, i64> {
    keys.into_iter()
        .filter(|k| crate::workers::reach(actor, k.2, k.3, k.4.as_deref()))
        .map(|k| (k.0, k.1))
        .collect()
}
