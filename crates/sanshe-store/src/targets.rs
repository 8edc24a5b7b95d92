//! Counting for the policy targets: a handful of aggregate queries over an area's subtree,
//! grouped by the code prefix of the level below, so one round trip per query yields both
//! the area's figures and each child's. No per-row loops: this must run at national scale.

use crate::{Conn, StoreError};
use sanshe_domain::targets::{CommunityCounts, StreetCounts, TargetCounts};
use sqlx::Row;
use std::collections::BTreeMap;

/// Counts per group (child code prefix) of an area's subtree for one population year.
///
/// `group_len`: the code length of the level to group by (9 for streets, 12 for
/// communities; an area's own length for just its total). `area_goal_centi` and
/// `hours_goal_minutes` are the thresholds the per-community and per-facility checks use; a
/// facility meets the hours target when its `open_days`-th longest day is that long.
pub async fn counts(
    conn: &mut Conn,
    root: &str,
    year: i64,
    group_len: usize,
    area_goal_centi: i64,
    hours_goal_minutes: i64,
    open_days: i64,
) -> Result<BTreeMap<String, TargetCounts>, StoreError> {
    let (lo, hi) = crate::areas::subtree_range(root);
    let p = Goals {
        year,
        area_goal_centi,
        hours_goal_minutes,
        open_days,
    };
    counts_range(conn, &lo, &hi, group_len, &p, Some(&today())).await
}

/// What the counts depend on besides the registries: the population year and the profile's
/// goals for a community's facility area, a facility's daily hours and its open days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Goals {
    pub year: i64,
    pub area_goal_centi: i64,
    pub hours_goal_minutes: i64,
    pub open_days: i64,
}

/// Today in China Standard Time, as the registries write dates.
pub fn today() -> String {
    sanshe_domain::cell::date_to_string(sanshe_domain::cell::civil_from_days(
        (crate::audit::now() + 8 * 3600).div_euclid(86_400),
    ))
}

/// [`counts`] over the codes `lo..=hi`. Organizations blacklisted until `today` or later are
/// left out (a listing ends with its date); without `today` every organization counts.
pub(crate) async fn counts_range(
    conn: &mut Conn,
    lo: &str,
    hi: &str,
    group_len: usize,
    p: &Goals,
    today: Option<&str>,
) -> Result<BTreeMap<String, TargetCounts>, StoreError> {
    let Goals {
        year,
        area_goal_centi,
        hours_goal_minutes,
        open_days,
    } = *p;
    let glen = group_len as i64;
    let mut out: BTreeMap<String, TargetCounts> = BTreeMap::new();

    // Communities with their population, facilities, organizations and posts.
    let sql = "SELECT SUBSTR(a.code, 1, CAST($4 AS INTEGER)) AS grp, a.urban AS urban, \
        COUNT(*) AS communities, \
        CAST(COALESCE(SUM(p.residents), 0) AS BIGINT) AS residents, \
        CAST(COALESCE(SUM(f.area), 0) AS BIGINT) AS facility_area, \
        CAST(COALESCE(SUM(CASE WHEN COALESCE(f.area, 0) >= $5 THEN 1 ELSE 0 END), 0) AS BIGINT) AS area_ok, \
        CAST(COALESCE(SUM(CASE WHEN COALESCE(f.stations, 0) > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS with_station, \
        CAST(COALESCE(SUM(o.n), 0) AS BIGINT) AS orgs, \
        CAST(COALESCE(SUM(ps.posts), 0) AS BIGINT) AS posts, \
        CAST(COALESCE(SUM(ps.professional), 0) AS BIGINT) AS professional, \
        CAST(COALESCE(SUM(ps.committee), 0) AS BIGINT) AS committee, \
        CAST(COALESCE(SUM(ps.certified), 0) AS BIGINT) AS certified \
        FROM areas a \
        LEFT JOIN area_populations p ON p.area_code = a.code AND p.year = $1 \
        LEFT JOIN (SELECT area_code, CAST(SUM(area_m2_centi) AS BIGINT) AS area, \
                   CAST(SUM(CASE WHEN kind = 'station' THEN 1 ELSE 0 END) AS BIGINT) AS stations \
                   FROM facilities WHERE status = 'active' AND area_code >= $2 AND area_code <= $3 \
                   GROUP BY area_code) f ON f.area_code = a.code \
        LEFT JOIN (SELECT area_code, COUNT(*) AS n FROM organizations \
                   WHERE community_org = 1 AND status = 'active' AND area_code >= $2 AND area_code <= $3 \
                   AND (CAST($6 AS TEXT) IS NULL OR blacklisted_until IS NULL OR blacklisted_until = '' \
                   OR blacklisted_until < $6) \
                   GROUP BY area_code) o ON o.area_code = a.code \
        LEFT JOIN (SELECT q.area_code, COUNT(*) AS posts, \
                   CAST(SUM(q.professional) AS BIGINT) AS professional, \
                   CAST(SUM(CASE WHEN q.committee = 1 AND h.status = 'active' THEN 1 ELSE 0 END) AS BIGINT) AS committee, \
                   CAST(SUM(CASE WHEN q.committee = 1 AND h.status = 'active' AND h.cert_level <> 'none' THEN 1 ELSE 0 END) AS BIGINT) AS certified \
                   FROM posts q LEFT JOIN social_workers h ON h.id = q.holder_id \
                   WHERE q.area_code >= $2 AND q.area_code <= $3 GROUP BY q.area_code) ps ON ps.area_code = a.code \
        WHERE a.level = 'community' AND a.code >= $2 AND a.code <= $3 \
        GROUP BY SUBSTR(a.code, 1, CAST($4 AS INTEGER)), a.urban";
    let rows = sqlx::query(sql)
        .bind(year)
        .bind(lo)
        .bind(hi)
        .bind(glen)
        .bind(area_goal_centi)
        .bind(today)
        .fetch_all(&mut *conn)
        .await?;
    for r in &rows {
        let grp: String = r.try_get("grp")?;
        let urban = r.try_get::<i64, _>("urban")? != 0;
        let t = out.entry(grp).or_default();
        let c = if urban { &mut t.urban } else { &mut t.rural };
        c.add(&CommunityCounts {
            communities: r.try_get("communities")?,
            residents: r.try_get("residents")?,
            facility_area_centi: r.try_get("facility_area")?,
            communities_area_ok: r.try_get("area_ok")?,
            communities_with_station: r.try_get("with_station")?,
            comprehensive_facilities: 0,
            comprehensive_hours_ok: 0,
            community_orgs: r.try_get("orgs")?,
            posts: r.try_get("posts")?,
            professional_posts: r.try_get("professional")?,
            committee_members: r.try_get("committee")?,
            committee_certified: r.try_get("certified")?,
        });
    }

    // Comprehensive facilities (centers and stations) and their daily hours.
    let sql = "SELECT SUBSTR(f.area_code, 1, CAST($3 AS INTEGER)) AS grp, a.urban AS urban, \
        COUNT(*) AS n, CAST(SUM(CASE WHEN LENGTH(f.open_profile) = 28 \
            AND CAST(SUBSTR(f.open_profile, CAST($5 AS INTEGER) * 4 - 3, 4) AS INTEGER) >= $4 \
            THEN 1 ELSE 0 END) AS BIGINT) AS ok \
        FROM facilities f JOIN areas a ON a.code = f.area_code \
        WHERE f.status = 'active' AND f.kind IN ('center', 'station') \
        AND f.area_code >= $1 AND f.area_code <= $2 \
        GROUP BY SUBSTR(f.area_code, 1, CAST($3 AS INTEGER)), a.urban";
    let rows = sqlx::query(sql)
        .bind(lo)
        .bind(hi)
        .bind(glen)
        .bind(hours_goal_minutes)
        .bind(open_days.clamp(1, 7))
        .fetch_all(&mut *conn)
        .await?;
    for r in &rows {
        let grp: String = r.try_get("grp")?;
        let urban = r.try_get::<i64, _>("urban")? != 0;
        let t = out.entry(grp).or_default();
        let c = if urban { &mut t.urban } else { &mut t.rural };
        c.comprehensive_facilities += r.try_get::<i64, _>("n")?;
        c.comprehensive_hours_ok += r.try_get::<i64, _>("ok")?;
    }

    // Streets/towns: comprehensive centers, incubation bases, federations.
    let sql = "SELECT SUBSTR(s.code, 1, CAST($3 AS INTEGER)) AS grp, COUNT(*) AS streets, \
        CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM facilities f WHERE f.area_code = s.code \
            AND f.kind = 'center' AND f.status = 'active') THEN 1 ELSE 0 END) AS BIGINT) AS with_center, \
        CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM incubation_bases b WHERE b.area_code = s.code) \
            THEN 1 ELSE 0 END) AS BIGINT) AS with_base, \
        CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM federations x WHERE x.area_code = s.code) \
            THEN 1 ELSE 0 END) AS BIGINT) AS with_federation \
        FROM areas s WHERE s.level = 'street' AND s.code >= $1 AND s.code <= $2 \
        GROUP BY SUBSTR(s.code, 1, CAST($3 AS INTEGER))";
    let rows = sqlx::query(sql)
        .bind(lo)
        .bind(hi)
        .bind(glen)
        .fetch_all(&mut *conn)
        .await?;
    for r in &rows {
        let grp: String = r.try_get("grp")?;
        let s = &mut out.entry(grp).or_default().streets;
        s.streets += r.try_get::<i64, _>("streets")?;
        s.streets_with_center += r.try_get::<i64, _>("with_center")?;
        s.streets_with_incubation_base += r.try_get::<i64, _>("with_base")?;
        s.streets_with_federation += r.try_get::<i64, _>("with_federation")?;
    }

    // Grouped single counters: (query, setter).
    type Setter = fn(&mut StreetCounts, i64, i64);
    let counters: [(&str, Setter); 5] = [
        (
            "SELECT SUBSTR(area_code, 1, CAST($3 AS INTEGER)) AS grp, \
             CAST(SUM(area_m2_centi) AS BIGINT) AS n, COUNT(*) AS m FROM facilities \
             WHERE status = 'active' AND LENGTH(area_code) < 12 AND area_code >= $1 AND area_code <= $2 \
             GROUP BY SUBSTR(area_code, 1, CAST($3 AS INTEGER))",
            |s, n, _| s.street_facility_area_centi += n,
        ),
        (
            "SELECT SUBSTR(area_code, 1, CAST($3 AS INTEGER)) AS grp, COUNT(*) AS n, COUNT(*) AS m \
             FROM federations WHERE area_code >= $1 AND area_code <= $2 \
             GROUP BY SUBSTR(area_code, 1, CAST($3 AS INTEGER))",
            |s, n, _| s.federations += n,
        ),
        (
            "SELECT SUBSTR(area_code, 1, CAST($3 AS INTEGER)) AS grp, COUNT(*) AS n, COUNT(*) AS m \
             FROM organizations WHERE kind = 'foundation' AND status = 'active' \
             AND area_code >= $1 AND area_code <= $2 \
             GROUP BY SUBSTR(area_code, 1, CAST($3 AS INTEGER))",
            |s, n, _| s.foundations += n,
        ),
        (
            "SELECT SUBSTR(area_code, 1, CAST($3 AS INTEGER)) AS grp, COUNT(*) AS n, COUNT(*) AS m \
             FROM social_workers WHERE cert_level <> 'none' AND status = 'active' \
             AND area_code >= $1 AND area_code <= $2 \
             GROUP BY SUBSTR(area_code, 1, CAST($3 AS INTEGER))",
            |s, n, _| s.certified_workers += n,
        ),
        (
            // Where each subsidy was paid (its own area code and index): a range scan,
            // never a join through the workers of the whole country.
            "SELECT SUBSTR(area_code, 1, CAST($3 AS INTEGER)) AS grp, COUNT(*) AS n, \
             CAST(SUM(amount_fen) AS BIGINT) AS m FROM worker_subsidies \
             WHERE area_code >= $1 AND area_code <= $2 \
             GROUP BY SUBSTR(area_code, 1, CAST($3 AS INTEGER))",
            |s, n, m| {
                s.subsidies += n;
                s.subsidies_fen += m;
            },
        ),
    ];
    for (sql, set) in counters {
        let rows = sqlx::query(sql)
            .bind(lo)
            .bind(hi)
            .bind(glen)
            .fetch_all(&mut *conn)
            .await?;
        for r in &rows {
            let grp: String = r.try_get("grp")?;
            let n: i64 = r.try_get("n")?;
            let m: i64 = r.try_get("m")?;
            set(&mut out.entry(grp).or_default().streets, n, m);
        }
    }
    Ok(out)
}

/// Sums groups into the area's total.
pub fn total(groups: &BTreeMap<String, TargetCounts>) -> TargetCounts {
    let mut t = TargetCounts::default();
    for g in groups.values() {
        add(&mut t, g);
    }
    t
}

/// Adds one set of counts to another.
pub fn add(t: &mut TargetCounts, g: &TargetCounts) {
    t.urban.add(&g.urban);
    t.rural.add(&g.rural);
    let s = &mut t.streets;
    let o = &g.streets;
    s.streets += o.streets;
    s.streets_with_center += o.streets_with_center;
    s.streets_with_incubation_base += o.streets_with_incubation_base;
    s.streets_with_federation += o.streets_with_federation;
    s.street_facility_area_centi += o.street_facility_area_centi;
    s.federations += o.federations;
    s.foundations += o.foundations;
    s.certified_workers += o.certified_workers;
    s.subsidies += o.subsidies;
    s.subsidies_fen += o.subsidies_fen;
}

// ---- policy profiles and snapshots --------------------------------------------------------

/// The stored profile body (JSON) for a year, if edited.
pub async fn profile(conn: &mut Conn, year: i64) -> Result<Option<String>, StoreError> {
    let row = sqlx::query("SELECT body FROM policy_profiles WHERE year = $1")
        .bind(year)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.try_get("body")).transpose()?)
}

pub async fn set_profile(
    conn: &mut Conn,
    year: i64,
    body: &str,
    by: &str,
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM policy_profiles WHERE year = $1")
        .bind(year)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO policy_profiles (year, body, updated_at, updated_by) VALUES ($1,$2,$3,$4)",
    )
    .bind(year)
    .bind(body)
    .bind(crate::audit::now())
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn snapshot(
    conn: &mut Conn,
    year: i64,
    area_code: &str,
) -> Result<Option<(String, i64, String)>, StoreError> {
    let row = sqlx::query(
        "SELECT body, taken_at, taken_by FROM target_snapshots WHERE year = $1 AND area_code = $2",
    )
    .bind(year)
    .bind(area_code)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("body")?,
            r.try_get("taken_at")?,
            r.try_get("taken_by")?,
        ))
    })
    .transpose()
}

/// Stores a snapshot; one already there is kept in `target_snapshot_history` and the new
/// one becomes the next version (with the reason for replacing it). Returns the version.
pub async fn put_snapshot(
    conn: &mut Conn,
    year: i64,
    area_code: &str,
    body: &str,
    by: &str,
    reason: Option<&str>,
) -> Result<i64, StoreError> {
    let t = crate::audit::now();
    let kept = sqlx::query(
        "INSERT INTO target_snapshot_history (year, area_code, version, body, taken_at, taken_by, \
         reason, superseded_at) SELECT year, area_code, version, body, taken_at, taken_by, reason, $3 \
         FROM target_snapshots WHERE year = $1 AND area_code = $2",
    )
    .bind(year)
    .bind(area_code)
    .bind(t)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if kept > 0 {
        let r = sqlx::query(
            "UPDATE target_snapshots SET body = $3, taken_at = $4, taken_by = $5, reason = $6, \
             version = version + 1 WHERE year = $1 AND area_code = $2 RETURNING version",
        )
        .bind(year)
        .bind(area_code)
        .bind(body)
        .bind(t)
        .bind(by)
        .bind(reason)
        .fetch_one(&mut *conn)
        .await?;
        return Ok(r.try_get("version")?);
    }
    sqlx::query(
        "INSERT INTO target_snapshots (year, area_code, body, taken_at, taken_by, version, reason) \
         VALUES ($1,$2,$3,$4,$5,1,$6)",
    )
    .bind(year)
    .bind(area_code)
    .bind(body)
    .bind(t)
    .bind(by)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(1)
}

/// Years that have snapshots for an area.
pub async fn snapshot_years(conn: &mut Conn, area_code: &str) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query("SELECT year FROM target_snapshots WHERE area_code = $1 ORDER BY year")
        .bind(area_code)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|r| r.try_get("year").map_err(StoreError::from))
        .collect()
}

// ---- demo history -------------------------------------------------------------------------

/// Demo only: takes a deterministic share (`share` in fifths, by id) of a subtree's active
/// demo service stations and community organizations out of service, returning their ids
/// so [`demo_restore`] can put exactly those back.
pub async fn demo_hold_back(
    conn: &mut Conn,
    root: &str,
    share: i64,
) -> Result<(Vec<i64>, Vec<i64>), StoreError> {
    let (lo, hi) = crate::areas::subtree_range(root);
    let mut held = Vec::new();
    for (table, cond, status) in [
        ("facilities", "kind = 'station'", "building"),
        ("organizations", "community_org = 1", "suspended"),
    ] {
        let ids: Vec<i64> = sqlx::query(&format!(
            "SELECT id FROM {table} WHERE {cond} AND status = 'active' AND demo = 1 \
             AND id % 5 < $1 AND area_code >= $2 AND area_code <= $3"
        ))
        .bind(share)
        .bind(&lo)
        .bind(&hi)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.try_get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
        set_status(conn, table, &ids, status).await?;
        held.push(ids);
    }
    let org = held.pop().unwrap_or_default();
    let fac = held.pop().unwrap_or_default();
    Ok((fac, org))
}

/// Demo only: puts the records [`demo_hold_back`] took out back in service.
pub async fn demo_restore(conn: &mut Conn, fac: &[i64], org: &[i64]) -> Result<(), StoreError> {
    set_status(conn, "facilities", fac, "active").await?;
    set_status(conn, "organizations", org, "active").await
}

async fn set_status(
    conn: &mut Conn,
    table: &'static str,
    ids: &[i64],
    status: &'static str,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(500) {
        let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
        sqlx::query(&format!(
            "UPDATE {table} SET status = $1 WHERE id IN ({})",
            list.join(",")
        ))
        .bind(status)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
