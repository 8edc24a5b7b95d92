//! Maintained roll-ups of the policy-target counts, so a city's, a province's or the nation's
//! dashboard costs a sum over stored per-street rows instead of a pass over every community,
//! organization, post and worker below it (migration 0023 explains the tables).
//!
//! Invariants:
//! - a unit (district) is read from `target_tallies` only while its `tally_units` row for
//!   the key exists and `tally_stale` has no row for it, judged in the same snapshot as the
//!   sum (one read transaction; repeatable read on PostgreSQL);
//! - every write to a counted table marks its unit stale by trigger, in the writer's own
//!   transaction; any unit not valid is counted live, so a read is always exact;
//! - a refresh runs in a write transaction holding the tally lock exclusively on PostgreSQL
//!   (writers hold it shared), so no write is in flight while it reads, and it clears a
//!   unit's stale marks and the markers of every other key in the transaction that stores
//!   the unit's new rows.
//!
//! Blacklisted organizations are kept in the stored counts and taken off when read, by
//! date, because a listing ends without any write.

use crate::targets::{add, counts_range, Goals};
use crate::{Conn, StoreError};
use sanshe_domain::targets::{CommunityCounts, StreetCounts, TargetCounts};
use sqlx::{Connection, Row};
use std::collections::BTreeMap;

/// Stored and per-district counts include every organization; the blacklist is applied
/// once, when read.
const EVERY_LISTING: Option<&str> = None;
/// A refresh computes a whole province at once when this many of its districts are due.
const PROVINCE_AT_ONCE: usize = 8;
/// A read counts at most this many districts live before counting its whole range live.
const LIVE_UNITS: usize = 24;

fn is_pg(conn: &Conn) -> bool {
    conn.backend_name().eq_ignore_ascii_case("postgresql")
}

/// The key the stored counts are kept under: the year and the goals they were counted with.
pub fn key(g: &Goals) -> String {
    format!(
        "{}/{}/{}/{}",
        g.year, g.area_goal_centi, g.hours_goal_minutes, g.open_days
    )
}

fn unit_of(code: &str) -> &str {
    &code[..code.len().min(6)]
}

/// Districts under `lo..=hi` whose stored counts for `tkey` are missing or stale.
async fn due_units(
    conn: &mut Conn,
    lo: &str,
    hi: &str,
    tkey: &str,
) -> Result<Vec<String>, StoreError> {
    let rows = sqlx::query(
        "SELECT a.code FROM areas a WHERE a.level = 'district' AND a.code >= $1 AND a.code <= $2 \
         AND (NOT EXISTS (SELECT 1 FROM tally_units u WHERE u.unit = a.code AND u.tkey = $3) \
              OR EXISTS (SELECT 1 FROM tally_stale s WHERE s.unit = a.code)) ORDER BY a.code",
    )
    .bind(lo)
    .bind(hi)
    .bind(tkey)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(StoreError::from))
        .collect()
}

fn community_values(c: &CommunityCounts) -> [i64; 12] {
    [
        c.communities,
        c.residents,
        c.facility_area_centi,
        c.communities_area_ok,
        c.communities_with_station,
        c.comprehensive_facilities,
        c.comprehensive_hours_ok,
        c.community_orgs,
        c.posts,
        c.professional_posts,
        c.committee_members,
        c.committee_certified,
    ]
}

fn street_values(s: &StreetCounts) -> [i64; 12] {
    [
        s.streets,
        s.streets_with_center,
        s.streets_with_incubation_base,
        s.streets_with_federation,
        s.street_facility_area_centi,
        s.federations,
        s.foundations,
        s.certified_workers,
        s.subsidies,
        s.subsidies_fen,
        0,
        0,
    ]
}

fn add_part(t: &mut TargetCounts, part: i64, v: &[i64; 12]) {
    match part {
        0 | 1 => {
            let c = CommunityCounts {
                communities: v[0],
                residents: v[1],
                facility_area_centi: v[2],
                communities_area_ok: v[3],
                communities_with_station: v[4],
                comprehensive_facilities: v[5],
                comprehensive_hours_ok: v[6],
                community_orgs: v[7],
                posts: v[8],
                professional_posts: v[9],
                committee_members: v[10],
                committee_certified: v[11],
            };
            if part == 1 {
                t.urban.add(&c)
            } else {
                t.rural.add(&c)
            }
        }
        _ => {
            let s = &mut t.streets;
            s.streets += v[0];
            s.streets_with_center += v[1];
            s.streets_with_incubation_base += v[2];
            s.streets_with_federation += v[3];
            s.street_facility_area_centi += v[4];
            s.federations += v[5];
            s.foundations += v[6];
            s.certified_workers += v[7];
            s.subsidies += v[8];
            s.subsidies_fen += v[9];
        }
    }
}

/// A summed tally row read back: group, part and its twelve values.
fn tally_row(r: &sqlx::any::AnyRow) -> Result<(String, i64, [i64; 12]), StoreError> {
    let mut v = [0i64; 12];
    for (i, x) in v.iter_mut().enumerate() {
        *x = r.try_get::<i64, _>(i + 2)?;
    }
    Ok((r.try_get(0)?, r.try_get(1)?, v))
}

fn regroup(
    out: &mut BTreeMap<String, TargetCounts>,
    groups: BTreeMap<String, TargetCounts>,
    glen: usize,
) {
    for (g, t) in groups {
        let k = g[..g.len().min(glen)].to_owned();
        add(out.entry(k).or_default(), &t);
    }
}

/// The counts of `prefix`'s subtree (a district's code or shorter; empty for the nation)
/// grouped by the first `glen` (≤ 9) digits: stored counts for valid districts, live counts
/// for the others, exact either way. Runs in its own read transaction on `conn`.
pub async fn rollup(
    conn: &mut Conn,
    prefix: &str,
    glen: usize,
    g: &Goals,
) -> Result<BTreeMap<String, TargetCounts>, StoreError> {
    let (lo, hi) = crate::areas::subtree_range(prefix);
    let tkey = key(g);
    let pg = is_pg(conn);
    let mut tx = conn.begin().await?;
    if pg {
        // The validity of each unit and the sum must come from one snapshot.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await?;
    }
    let due = due_units(&mut tx, &lo, &hi, &tkey).await?;
    let mut out = BTreeMap::new();
    if due.len() > LIVE_UNITS {
        // Mostly not stored yet (a new year or profile): one live pass over the range.
        regroup(
            &mut out,
            counts_range(&mut tx, &lo, &hi, glen, g, Some(&crate::targets::today())).await?,
            glen,
        );
        tx.commit().await?;
        return Ok(out);
    }
    for u in &due {
        let (ulo, uhi) = crate::areas::subtree_range(u);
        regroup(
            &mut out,
            counts_range(&mut tx, &ulo, &uhi, 9, g, EVERY_LISTING).await?,
            glen,
        );
    }
    // Stored rows of the valid units: a marker for the key and no stale mark, judged in the
    // same snapshot as `due` (which the live counts above cover).
    let rows = sqlx::query(
        "SELECT SUBSTR(t.grp, 1, CAST($4 AS INTEGER)) AS g, t.part AS part, \
         CAST(SUM(t.v1) AS BIGINT), CAST(SUM(t.v2) AS BIGINT), CAST(SUM(t.v3) AS BIGINT), \
         CAST(SUM(t.v4) AS BIGINT), CAST(SUM(t.v5) AS BIGINT), CAST(SUM(t.v6) AS BIGINT), \
         CAST(SUM(t.v7) AS BIGINT), CAST(SUM(t.v8) AS BIGINT), CAST(SUM(t.v9) AS BIGINT), \
         CAST(SUM(t.v10) AS BIGINT), CAST(SUM(t.v11) AS BIGINT), CAST(SUM(t.v12) AS BIGINT) \
         FROM target_tallies t JOIN tally_units u ON u.unit = t.unit AND u.tkey = t.tkey \
         WHERE t.tkey = $1 AND t.grp >= $2 AND t.grp <= $3 \
         AND t.unit NOT IN (SELECT unit FROM tally_stale) \
         GROUP BY SUBSTR(t.grp, 1, CAST($4 AS INTEGER)), t.part",
    )
    .bind(&tkey)
    .bind(&lo)
    .bind(&hi)
    .bind(glen as i64)
    .fetch_all(&mut *tx)
    .await?;
    let mut stored: BTreeMap<String, TargetCounts> = BTreeMap::new();
    for r in &rows {
        let (grp, part, v) = tally_row(r)?;
        add_part(stored.entry(grp).or_default(), part, &v);
    }
    for (k, t) in stored {
        add(out.entry(k).or_default(), &t);
    }
    // Organizations on the blacklist today, counted in the stored and the due units alike.
    // Few at any time: found through their own partial index (the area-code range is kept
    // out of any index, `|| ''`, so the planner cannot walk the range instead), then their
    // communities' urban flags.
    let codes: Vec<String> = sqlx::query(
        "SELECT area_code FROM organizations WHERE blacklisted_until IS NOT NULL \
         AND blacklisted_until <> '' AND blacklisted_until >= $1 AND community_org = 1 \
         AND status = 'active' AND area_code || '' >= $2 AND area_code || '' <= $3",
    )
    .bind(crate::targets::today())
    .bind(&lo)
    .bind(&hi)
    .fetch_all(&mut *tx)
    .await?
    .iter()
    .map(|r| r.try_get::<String, _>(0))
    .collect::<Result<_, _>>()?;
    let mut urban: BTreeMap<String, Option<bool>> = BTreeMap::new();
    for code in codes {
        let flag = match urban.get(&code) {
            Some(f) => *f,
            None => {
                let f =
                    sqlx::query("SELECT urban FROM areas WHERE code = $1 AND level = 'community'")
                        .bind(&code)
                        .fetch_optional(&mut *tx)
                        .await?
                        .map(|r| r.try_get::<i64, _>(0))
                        .transpose()?
                        .map(|u| u != 0);
                urban.insert(code.clone(), f);
                f
            }
        };
        // An organization based above a community is not in the community counts.
        let Some(is_urban) = flag else { continue };
        let t = out
            .entry(code[..code.len().min(glen)].to_owned())
            .or_default();
        if is_urban {
            t.urban.community_orgs -= 1
        } else {
            t.rural.community_orgs -= 1
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// How many districts under `prefix` are due a recount for `g` (no lock, no write).
pub async fn due(conn: &mut Conn, prefix: &str, g: &Goals) -> Result<usize, StoreError> {
    let (lo, hi) = crate::areas::subtree_range(prefix);
    Ok(due_units(conn, &lo, &hi, &key(g)).await?.len())
}

/// Recomputes the stored counts of every due district under `prefix` for `g`, inside the
/// caller's write transaction; returns how many districts it stored.
pub async fn refresh(conn: &mut Conn, prefix: &str, g: &Goals) -> Result<usize, StoreError> {
    if is_pg(conn) {
        // Waiting for the writers in flight holds every new writer behind this request: wait
        // at most two seconds (behind a long import the tick gives up; reads stay exact).
        sqlx::query("SET LOCAL lock_timeout = '2s'")
            .execute(&mut *conn)
            .await?;
        sqlx::query("SELECT pg_advisory_xact_lock(7262003)")
            .execute(&mut *conn)
            .await?;
        sqlx::query("SET LOCAL lock_timeout = 0")
            .execute(&mut *conn)
            .await?;
    }
    let (lo, hi) = crate::areas::subtree_range(prefix);
    let tkey = key(g);
    let due = due_units(conn, &lo, &hi, &tkey).await?;
    // Whole provinces where many districts are due (a new key), else district by district.
    let mut per_province: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for u in &due {
        per_province
            .entry(&u[..2.min(u.len())])
            .or_default()
            .push(u);
    }
    let mut ranges = Vec::new();
    for (p, us) in per_province {
        if us.len() >= PROVINCE_AT_ONCE && p.len() == 2 && prefix.len() <= 2 {
            ranges.push(crate::areas::subtree_range(p));
        } else {
            ranges.extend(us.into_iter().map(|u| crate::areas::subtree_range(u)));
        }
    }
    let now = crate::audit::now();
    let mut stored = 0;
    for (rlo, rhi) in ranges {
        let groups = counts_range(conn, &rlo, &rhi, 9, g, EVERY_LISTING).await?;
        sqlx::query("DELETE FROM target_tallies WHERE tkey = $1 AND unit >= $2 AND unit <= $3")
            .bind(&tkey)
            .bind(&rlo)
            .bind(&rhi)
            .execute(&mut *conn)
            .await?;
        let mut rows: Vec<(&str, i64, [i64; 12])> = Vec::new();
        for (grp, t) in &groups {
            for (part, v) in [
                (0, community_values(&t.rural)),
                (1, community_values(&t.urban)),
                (2, street_values(&t.streets)),
            ] {
                if v.iter().any(|x| *x != 0) {
                    rows.push((grp, part, v));
                }
            }
        }
        for chunk in rows.chunks(100) {
            let mut sql = String::from(
                "INSERT INTO target_tallies (tkey, grp, part, unit, v1, v2, v3, v4, v5, v6, v7, \
                 v8, v9, v10, v11, v12) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                let b = i * 16;
                sql.push('(');
                for j in 1..=16 {
                    if j > 1 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("${}", b + j));
                }
                sql.push(')');
            }
            let mut q = sqlx::query(&sql);
            for (grp, part, v) in chunk {
                q = q.bind(&tkey).bind(*grp).bind(*part).bind(unit_of(grp));
                for x in v {
                    q = q.bind(*x);
                }
            }
            q.execute(&mut *conn).await?;
        }
        // Marks and other keys' markers go with the recount; this key's marker is renewed.
        sqlx::query("DELETE FROM tally_stale WHERE unit >= $1 AND unit <= $2")
            .bind(&rlo)
            .bind(&rhi)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM tally_units WHERE unit >= $1 AND unit <= $2")
            .bind(&rlo)
            .bind(&rhi)
            .execute(&mut *conn)
            .await?;
        let n = sqlx::query(
            "INSERT INTO tally_units (unit, tkey, refreshed_at) SELECT code, $1, $2 FROM areas \
             WHERE level = 'district' AND code >= $3 AND code <= $4",
        )
        .bind(&tkey)
        .bind(now)
        .bind(&rlo)
        .bind(&rhi)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        stored += n as usize;
    }
    if stored >= 20 && is_pg(conn) {
        // Fresh statistics, or PostgreSQL plans the sums for the empty tables it last saw
        // (a nested loop over every stored row).
        sqlx::query("ANALYZE target_tallies, tally_units")
            .execute(&mut *conn)
            .await?;
    }
    Ok(stored)
}

/// Marks a district's stored counts stale by hand (benchmarks and tests; writes do it by
/// trigger).
pub async fn mark(conn: &mut Conn, unit: &str) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO tally_stale (unit) VALUES ($1)")
        .bind(unit)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many districts have stale marks, and how many are stored for `g` (operations page).
pub async fn status(conn: &mut Conn, g: &Goals) -> Result<(i64, i64), StoreError> {
    let r = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM tally_stale), \
         (SELECT COUNT(*) FROM tally_units WHERE tkey = $1)",
    )
    .bind(key(g))
    .fetch_one(&mut *conn)
    .await?;
    Ok((r.try_get(0)?, r.try_get(1)?))
}
