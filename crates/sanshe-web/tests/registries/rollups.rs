//! The maintained roll-ups of the target counts (`sanshe_store::tallies`): whatever writes
//! happen, from however many clients and through whichever door, every level above a
//! street reads exactly what a live count over the raw rows gives, before a refresh, during
//! one and after it.

use super::*;
use std::sync::Arc;

/// Stored and live counts of the district, its city, its province and the nation.
async fn rollups_equal_live(t: &T, year: i64, what: &str) {
    let p = sanshe_app::targets::profile(&t.app, year).await.unwrap();
    for (prefix, glen) in [("320412", 9), ("3204", 6), ("32", 4), ("", 2)] {
        let mut c = t.app.db.acquire().await.unwrap();
        let live = sanshe_app::targets::counts_for(&mut c, prefix, glen, year, &p, false)
            .await
            .unwrap();
        let rolled = sanshe_app::targets::counts_for(&mut c, prefix, glen, year, &p, true)
            .await
            .unwrap();
        assert_eq!(live, rolled, "{what}: area {prefix:?}");
        assert!(live.0.urban.communities + live.0.rural.communities > 0);
    }
}

async fn tally_status(t: &T, year: i64) -> (i64, i64) {
    let p = sanshe_app::targets::profile(&t.app, year).await.unwrap();
    let mut c = t.app.db.acquire().await.unwrap();
    sanshe_store::tallies::status(&mut c, &sanshe_app::targets::goals(year, &p))
        .await
        .unwrap()
}

async fn dashboard_matches_raw(t: &T, tok: &str, year: i64, what: &str) {
    let r = t
        .api(
            "GET",
            &format!("/api/v1/targets?area=320412&year={year}"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let j = r.json();
    let raw = raw(t, year).await;
    compare(&j["area"], &recompute(&raw, "320412"), what);
    for c in j["children"].as_array().unwrap() {
        let code = c["code"].as_str().unwrap();
        compare(c, &recompute(&raw, code), &format!("{what} {code}"));
    }
}

/// `n` clients at once each file a community organization in its own community.
async fn file_orgs(t: &Arc<T>, tok: &str, communities: &[String], tag: &str) -> usize {
    let mut handles = Vec::new();
    for (i, code) in communities.iter().enumerate() {
        let (t, tok, code) = (t.clone(), tok.to_owned(), code.clone());
        let name = format!("楼道议事会{tag}{i}");
        let filing = format!("BA-ROLLUP-{tag}-{i:02}");
        handles.push(tokio::spawn(async move {
            t.api(
                "POST",
                "/api/v1/organizations",
                Some(&tok),
                Some(json!({"name": name, "area": code, "filing_no": filing})),
            )
            .await
            .status
        }));
    }
    let mut created = 0;
    for h in handles {
        if h.await.unwrap() == StatusCode::CREATED {
            created += 1;
        }
    }
    created
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn roll_ups_stay_exact_through_parallel_writes_and_refreshes() {
    let t = Arc::new(T::new().await);
    let tok = t.token_for("district").await;
    let year = sanshe_app::current_year();
    sanshe_app::targets::refresh_tallies(&t.app).await.unwrap();
    let (stale, stored) = tally_status(&t, year).await;
    assert_eq!(stale, 0);
    assert_eq!(stored, 1, "the demo's one district is stored");
    rollups_equal_live(&t, year, "stored").await;
    dashboard_matches_raw(&t, &tok, year, "stored").await;

    // Twelve clients file organizations at once; other rows change by plain SQL, the door
    // an operator or a migration uses, which the triggers see as well.
    let communities: Vec<String> = first_communities(&t, 12).await;
    assert_eq!(file_orgs(&t, &tok, &communities, "A").await, 12);
    {
        let mut tx = t.app.db.begin().await.unwrap();
        for sql in [
            "UPDATE social_workers SET cert_level = 'none' WHERE id = (SELECT MIN(holder_id) \
             FROM posts WHERE committee = 1 AND holder_id IS NOT NULL)",
            "UPDATE facilities SET status = 'building' WHERE id = (SELECT MIN(id) FROM facilities \
             WHERE kind = 'station' AND status = 'active')",
            "UPDATE areas SET urban = 1 - urban WHERE code = (SELECT MAX(code) FROM areas \
             WHERE level = 'community')",
            "UPDATE organizations SET blacklisted_until = '9999-12-31' WHERE id = (SELECT MIN(id) \
             FROM organizations WHERE community_org = 1 AND status = 'active')",
            "DELETE FROM posts WHERE id = (SELECT MAX(id) FROM posts)",
        ] {
            let n = sqlx::query(sql).execute(&mut *tx).await.unwrap();
            assert_eq!(n.rows_affected(), 1, "{sql}");
        }
        sqlx::query(
            "UPDATE area_populations SET residents = residents + 1000 WHERE year = $1 \
             AND area_code = (SELECT MIN(code) FROM areas WHERE level = 'community')",
        )
        .bind(year)
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let (stale, _) = tally_status(&t, year).await;
    assert!(stale >= 1, "the writes marked the district");
    rollups_equal_live(&t, year, "written, not refreshed").await;
    dashboard_matches_raw(&t, &tok, year, "written, not refreshed").await;

    // A refresh racing eight more writers: every write succeeds and nothing is lost.
    let (refreshed, created) = tokio::join!(
        sanshe_app::targets::refresh_tallies(&t.app),
        file_orgs(&t, &tok, &communities[..8], "B")
    );
    refreshed.unwrap();
    assert_eq!(created, 8);
    rollups_equal_live(&t, year, "refresh racing writers").await;
    assert!(sanshe_app::targets::refresh_tallies(&t.app).await.unwrap() <= 1);
    let (stale, stored) = tally_status(&t, year).await;
    assert_eq!((stale, stored), (0, 1));
    rollups_equal_live(&t, year, "refreshed").await;
    dashboard_matches_raw(&t, &tok, year, "refreshed").await;
}
