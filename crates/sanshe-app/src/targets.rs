//! The policy-target dashboard: counts from the registries (SQL aggregates in the store),
//! goals from the year's policy profile, the rule in `sanshe_domain::targets`. Year-end
//! snapshots keep past years exactly as they were reported.

use crate::authz::{self, Perm};
use crate::{App, AppError, Ctx};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::targets::{evaluate, PolicyProfile, TargetCounts, TargetResult};
use sanshe_domain::FieldError;
use sanshe_store::areas as area_store;
use sanshe_store::targets as store;
use sanshe_store::Conn;
use serde::{Deserialize, Serialize};

/// The policy profile of a year: as edited, or the 2018 policy's figures.
pub async fn profile(app: &App, year: i64) -> Result<PolicyProfile, AppError> {
    let mut c = app.db.acquire().await?;
    profile_in(&mut c, year).await
}

pub async fn profile_in(conn: &mut Conn, year: i64) -> Result<PolicyProfile, AppError> {
    Ok(match store::profile(conn, year).await? {
        Some(body) => serde_json::from_str(&body)
            .map_err(|e| AppError::Internal(format!("policy profile {year}: {e}")))?,
        None => PolicyProfile::default(),
    })
}

pub async fn set_profile(
    app: &App,
    ctx: &Ctx,
    year: i64,
    p: &PolicyProfile,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::PolicyWrite)?;
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid(
            sanshe_domain::FieldError::new("year", "err-range")
                .arg("min", 2000)
                .arg("max", 2100),
        ));
    }
    p.validate().map_err(AppError::Invalid)?;
    let mut tx = crate::uow::Uow::begin(app).await?;
    let before = profile_in(&mut tx, year).await?;
    let body = serde_json::to_string(p).map_err(|e| AppError::Internal(e.to_string()))?;
    store::set_profile(&mut tx, year, &body, &actor.username).await?;
    let b = serde_json::to_value(&before).unwrap_or_default();
    let a = serde_json::to_value(p).unwrap_or_default();
    let mut changes = Vec::new();
    if let (Some(b), Some(a)) = (b.as_object(), a.as_object()) {
        for (k, v) in a {
            if b.get(k) != Some(v) {
                changes.push(format!(
                    "{k}: {} → {v}",
                    b.get(k).cloned().unwrap_or_default()
                ));
            }
        }
    }
    tx.commit(ctx.audit_entry(
        Action::PolicyUpdate,
        Some(year.to_string()),
        if changes.is_empty() {
            "no changes".into()
        } else {
            changes.join("; ")
        },
        Outcome::Success,
    ))
    .await?;
    Ok(())
}

/// Counts and results for one area.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AreaCounts {
    pub code: String,
    pub name: String,
    pub level: String,
    pub urban: Option<bool>,
    pub counts: TargetCounts,
}

#[derive(Debug, Clone)]
pub struct AreaTargets {
    pub code: String,
    pub name: String,
    pub level: String,
    pub urban: Option<bool>,
    pub counts: TargetCounts,
    pub results: Vec<TargetResult>,
}

impl AreaTargets {
    fn from_counts(a: AreaCounts, p: &PolicyProfile) -> AreaTargets {
        AreaTargets {
            results: evaluate(&a.counts, p),
            code: a.code,
            name: a.name,
            level: a.level,
            urban: a.urban,
            counts: a.counts,
        }
    }
}

/// What a snapshot stores: the counts of an area and its children, and the profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SnapshotBody {
    profile: PolicyProfile,
    area: AreaCounts,
    children: Vec<AreaCounts>,
}

/// The goals a profile counts with.
pub fn goals(year: i64, p: &PolicyProfile) -> store::Goals {
    store::Goals {
        year,
        area_goal_centi: (p.facility_area_total * 100.0).round() as i64,
        hours_goal_minutes: (p.facility_hours_per_day * 60.0).round() as i64,
        open_days: p.facility_open_days,
    }
}

/// Counts for the subtree under `prefix` (an area code, a province's two digits, or empty
/// for the nation) and for each group one level down (`child_len` digits of the code).
///
/// With `stored`, a district or anything larger is summed from the maintained roll-ups
/// (`sanshe_store::tallies`) in a read transaction of its own, so `conn` must not be inside
/// a transaction; without it (inside a write), everything is counted live.
pub async fn counts_for(
    conn: &mut Conn,
    prefix: &str,
    child_len: usize,
    year: i64,
    p: &PolicyProfile,
    stored: bool,
) -> Result<
    (
        TargetCounts,
        std::collections::BTreeMap<String, TargetCounts>,
    ),
    AppError,
> {
    let g = goals(year, p);
    let groups = if stored && prefix.len() <= 6 && child_len <= 9 {
        sanshe_store::tallies::rollup(conn, prefix, child_len, &g).await?
    } else {
        store::counts(
            conn,
            prefix,
            year,
            child_len,
            g.area_goal_centi,
            g.hours_goal_minutes,
            g.open_days,
        )
        .await?
    };
    Ok((store::total(&groups), groups))
}

/// Brings the maintained roll-ups of this year's profile up to date for every district with
/// a change since they were stored (the scheduler calls it every minute; `generate` and the
/// demo after loading). Returns how many districts it stored.
pub async fn refresh_tallies(app: &App) -> Result<usize, AppError> {
    let year = crate::current_year();
    let g = {
        let mut c = app.db.acquire().await?;
        let g = goals(year, &profile_in(&mut c, year).await?);
        // Most ticks find nothing to do: they take no write lock.
        if sanshe_store::tallies::due(&mut c, "", &g).await? == 0 {
            return Ok(0);
        }
        g
    };
    let mut tx = crate::uow::derived(app).await?;
    let n = sanshe_store::tallies::refresh(&mut tx, "", &g).await?;
    crate::uow::commit_derived(tx).await?;
    Ok(n)
}

async fn compute(
    conn: &mut Conn,
    area: &area_store::AreaRow,
    year: i64,
    p: &PolicyProfile,
    stored: bool,
) -> Result<(AreaCounts, Vec<AreaCounts>), AppError> {
    let child_len = match area.code.len() {
        6 => 9,
        _ => 12,
    };
    let (total, groups) = counts_for(conn, &area.code, child_len, year, p, stored).await?;
    let mut children = Vec::new();
    if area.code.len() < 12 {
        for k in area_store::children(conn, &area.code, year).await? {
            children.push(AreaCounts {
                counts: groups.get(&k.code).copied().unwrap_or_default(),
                urban: (k.level == "community").then_some(k.urban),
                code: k.code,
                name: k.name,
                level: k.level,
            });
        }
    }
    Ok((
        AreaCounts {
            code: area.code.clone(),
            name: area.name.clone(),
            level: area.level.clone(),
            urban: (area.level == "community").then_some(area.urban),
            counts: total,
        },
        children,
    ))
}

pub struct Dashboard {
    pub year: i64,
    pub area: AreaTargets,
    pub children: Vec<AreaTargets>,
    /// From the district down to the parent: (code, name, in the actor's scope).
    pub ancestors: Vec<(String, String, bool)>,
    pub profile: PolicyProfile,
    /// When the figures come from a year-end snapshot: when and by whom.
    pub snapshot: Option<(i64, String)>,
    /// Years with snapshots for this area.
    pub snapshot_years: Vec<i64>,
    /// Earlier snapshot years' results and this year's, oldest first.
    pub trend: Vec<(i64, Vec<TargetResult>)>,
    pub can_snapshot: bool,
}

/// The actor's default dashboard area: its scope, or the first district.
pub async fn default_area(app: &App, ctx: &Ctx) -> Result<String, AppError> {
    let actor = ctx.actor()?;
    authz::require(actor, Perm::TargetRead)?;
    if let sanshe_domain::Scope::Area { code } = &actor.scope {
        return Ok(code.clone());
    }
    let mut c = app.db.acquire().await?;
    area_store::roots(&mut c, 0)
        .await?
        .into_iter()
        .next()
        .map(|a| a.code)
        .ok_or(AppError::NotFound)
}

/// The dashboard of an area for a year. With a snapshot for that year and `live` false,
/// the snapshot's figures are shown; otherwise they are computed from the registries.
pub async fn dashboard(
    app: &App,
    ctx: &Ctx,
    code: &str,
    year: i64,
    live: bool,
) -> Result<Dashboard, AppError> {
    let actor = ctx.actor()?;
    authz::require_area(actor, Perm::TargetRead, code)?;
    let mut c = app.db.acquire().await?;
    let area = area_store::get(&mut c, code, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut ancestors = Vec::new();
    let mut parent = area.parent_code.clone();
    while let Some(pc) = parent {
        let Some(a) = area_store::get(&mut c, &pc, year).await? else {
            break;
        };
        parent = a.parent_code.clone();
        ancestors.insert(
            0,
            (
                a.code.clone(),
                a.name.clone(),
                authz::area_in_scope(actor, &a.code),
            ),
        );
    }
    let snapshot_years = store::snapshot_years(&mut c, code).await?;
    let snap = if live {
        None
    } else {
        store::snapshot(&mut c, year, code).await?
    };
    let (profile, a, children, snapshot) = match snap {
        Some((body, at, by)) => {
            let b: SnapshotBody = serde_json::from_str(&body)
                .map_err(|e| AppError::Internal(format!("snapshot {year} {code}: {e}")))?;
            (b.profile, b.area, b.children, Some((at, by)))
        }
        None => {
            let p = profile_in(&mut c, year).await?;
            let (a, ch) = compute(&mut c, &area, year, &p, true).await?;
            (p, a, ch, None)
        }
    };
    let mut trend = Vec::new();
    for y in &snapshot_years {
        if *y == year {
            continue;
        }
        if let Some((body, _, _)) = store::snapshot(&mut c, *y, code).await? {
            if let Ok(b) = serde_json::from_str::<SnapshotBody>(&body) {
                trend.push((*y, evaluate(&b.area.counts, &b.profile)));
            }
        }
    }
    let area_t = AreaTargets::from_counts(a, &profile);
    trend.push((year, area_t.results.clone()));
    trend.sort_by_key(|(y, _)| *y);
    Ok(Dashboard {
        year,
        children: children
            .into_iter()
            .map(|x| AreaTargets::from_counts(x, &profile))
            .collect(),
        area: area_t,
        ancestors,
        profile,
        snapshot,
        snapshot_years,
        trend,
        can_snapshot: authz::can(actor, Perm::PolicyWrite),
    })
}

/// Takes the year-end snapshot of an area and every area below it (so drill-down into a
/// past year shows what was reported). No snapshot of a year still to come; replacing one
/// already taken needs a reason, and the replaced version is kept.
pub async fn take_snapshot(
    app: &App,
    ctx: &Ctx,
    code: &str,
    year: i64,
    reason: Option<&str>,
) -> Result<usize, AppError> {
    let actor = ctx.actor()?;
    authz::require_area(actor, Perm::PolicyWrite, code)?;
    if year > crate::current_year() {
        return Err(AppError::invalid(
            FieldError::new("year", "err-snapshot-future").arg("year", crate::current_year()),
        ));
    }
    // The limit counts what was sent, surrounding blanks too (as the API's schema states).
    if let Some(r) = reason {
        sanshe_domain::text::check("reason", r, 500).map_err(AppError::invalid)?;
    }
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let mut tx = crate::uow::Uow::begin(app).await?;
    let earlier = store::snapshot(&mut tx, year, code).await?;
    if earlier.is_some() && reason.is_none() {
        return Err(AppError::invalid(FieldError::new(
            "reason",
            "err-snapshot-reason",
        )));
    }
    let n = snapshot_in(&mut tx, code, year, &actor.username, reason).await?;
    tx.commit(ctx.audit_entry(
        Action::TargetsSnapshot,
        Some(format!("{year}/{code}")),
        match reason {
            Some(r) => format!("year-end snapshot of {n} areas replaced: {r}"),
            None => format!("year-end snapshot of {n} areas"),
        },
        Outcome::Success,
    ))
    .await?;
    Ok(n)
}

/// Computes and stores the snapshot of `code` and every area below it for `year`, in the
/// caller's transaction (no permission check, no audit entry: the callers do both).
pub(crate) async fn snapshot_in(
    conn: &mut Conn,
    code: &str,
    year: i64,
    by: &str,
    reason: Option<&str>,
) -> Result<usize, AppError> {
    let root = area_store::get(conn, code, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let p = profile_in(conn, year).await?;
    let mut queue = vec![root];
    let mut n = 0;
    while let Some(a) = queue.pop() {
        let (ac, ch) = compute(conn, &a, year, &p, false).await?;
        let body = serde_json::to_string(&SnapshotBody {
            profile: p.clone(),
            area: ac,
            children: ch,
        })
        .map_err(|e| AppError::Internal(e.to_string()))?;
        store::put_snapshot(conn, year, &a.code, &body, by, reason).await?;
        n += 1;
        if a.code.len() < 12 {
            queue.extend(area_store::children(conn, &a.code, year).await?);
        }
    }
    Ok(n)
}
