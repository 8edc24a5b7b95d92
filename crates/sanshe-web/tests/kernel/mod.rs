//! The write door under concurrency and the audit chain: real parallel clients against the
//! in-process server, on SQLite and (with SANSHE_TEST_DATABASE_URL) PostgreSQL. Outcomes
//! are counted; nothing here measures time.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// Runs `n` copies of `f` at once (each on the multi-threaded runtime) and returns the
/// status codes with how often each came back.
pub async fn parallel<F, Fut>(n: usize, f: F) -> HashMap<u16, usize>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = StatusCode> + Send + 'static,
{
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(f(i))).collect();
    let mut out = HashMap::new();
    for h in handles {
        *out.entry(h.await.unwrap().as_u16()).or_default() += 1;
    }
    out
}

fn facility(name: &str) -> serde_json::Value {
    json!({"area": "320412100002", "name": name, "kind": "special", "area_m2": 120})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_writers_and_an_import_all_succeed() {
    let t = Arc::new(T::new().await);
    let tok = t.token_for("district").await;
    // A 2,000-row facilities import runs while 16 clients each save 5 records.
    let mut csv = String::from("所属区划,设施名称,设施类型,面积\n");
    for i in 0..2000 {
        csv.push_str(&format!("320412100002,并发导入设施{i},专项服务设施,50\n"));
    }
    let import = {
        let (t, tok) = (t.clone(), tok.clone());
        tokio::spawn(async move {
            t.api_raw("POST", "/api/v1/facilities/import", &tok, csv.into_bytes())
                .await
        })
    };
    let counts = parallel(16, |i| {
        let (t, tok) = (t.clone(), tok.clone());
        async move {
            let mut worst = StatusCode::CREATED;
            for j in 0..5 {
                let r = t
                    .api(
                        "POST",
                        "/api/v1/facilities",
                        Some(&tok),
                        Some(facility(&format!("并发设施{i}-{j}"))),
                    )
                    .await;
                if r.status != StatusCode::CREATED {
                    eprintln!("{}: {}", r.status, r.body);
                    worst = r.status;
                }
            }
            worst
        }
    })
    .await;
    assert_eq!(counts.get(&201), Some(&16), "{counts:?}");
    let imp = import.await.unwrap();
    assert_eq!(imp.status, StatusCode::OK, "{}", imp.body);
    assert_eq!(imp.json()["inserted"], 2000, "{}", imp.body);
    let l = t
        .api(
            "GET",
            "/api/v1/facilities?q=%E5%B9%B6%E5%8F%91&per_page=1",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(l["page"]["total"], 2080, "{l}");
    let chain = sanshe_app::uow::verify(&t.app).await.unwrap();
    assert_eq!(chain.first_broken, None, "{chain:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_creates_of_one_key_write_once() {
    let t = Arc::new(T::new().await);
    let tok = t.token_for("district").await;
    let counts = parallel(12, |_| {
        let (t, tok) = (t.clone(), tok.clone());
        async move {
            t.api(
                "POST",
                "/api/v1/facilities",
                Some(&tok),
                Some(facility("只应有一个的设施")),
            )
            .await
            .status
        }
    })
    .await;
    assert_eq!(counts.get(&201), Some(&1), "{counts:?}");
    assert_eq!(counts.get(&409), Some(&11), "{counts:?}");
    // The same sheet imported by several people at once: written once.
    let csv = "所属区划,设施名称,设施类型,面积\n\
               320412100002,同表设施甲,专项服务设施,50\n\
               320412100002,同表设施乙,专项服务设施,60\n";
    let outcomes: Vec<_> = {
        let hs: Vec<_> = (0..6)
            .map(|_| {
                let (t, tok) = (t.clone(), tok.clone());
                tokio::spawn(async move {
                    t.api_raw(
                        "POST",
                        "/api/v1/facilities/import",
                        &tok,
                        csv.as_bytes().to_vec(),
                    )
                    .await
                })
            })
            .collect();
        let mut v = Vec::new();
        for h in hs {
            v.push(h.await.unwrap());
        }
        v
    };
    let committed = outcomes
        .iter()
        .filter(|r| r.status == StatusCode::OK && r.json()["committed"] == true)
        .count();
    assert_eq!(committed, 1, "exactly one import writes");
    for r in &outcomes {
        assert!(r.status.as_u16() < 500, "{}: {}", r.status, r.body);
    }
    let l = t
        .api(
            "GET",
            "/api/v1/facilities?q=%E5%90%8C%E8%A1%A8%E8%AE%BE%E6%96%BD",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(l["page"]["total"], 2, "{l}");
}

/// Imports longer than one batch of the same rows at once: each writes a thousand rows at a
/// time inside its transaction while it checks the next thousand, so a later import finds
/// the rows an earlier one committed either when it checks them (its report names them) or
/// when it writes them (the database refuses; its error is returned and nothing of it stays).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_long_imports_of_one_sheet_write_it_once() {
    let t = Arc::new(T::new().await);
    let tok = t.token_for("district").await;
    let mut csv = String::from("所属区划,设施名称,设施类型,面积\n");
    for i in 0..2500 {
        csv.push_str(&format!("320412100002,同批设施{i},专项服务设施,50\n"));
    }
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let (t, tok, csv) = (t.clone(), tok.clone(), csv.clone());
            tokio::spawn(async move {
                t.api_raw("POST", "/api/v1/facilities/import", &tok, csv.into_bytes())
                    .await
            })
        })
        .collect();
    let (mut committed, mut reported, mut refused) = (0, 0, 0);
    for h in hs {
        let r = h.await.unwrap();
        match r.status.as_u16() {
            200 if r.json()["committed"] == true => {
                assert_eq!(r.json()["inserted"], 2500, "{}", r.body);
                committed += 1;
            }
            // Checked after the winner committed some of its rows: the report names them.
            422 => {
                assert!(r.json()["existing_rows"].as_u64() > Some(0), "{}", r.status);
                assert_eq!(r.json()["committed"], false, "{}", r.status);
                reported += 1;
            }
            // Checked before, refused at the write.
            409 => refused += 1,
            s => panic!("{s}: {}", r.body.chars().take(400).collect::<String>()),
        }
    }
    eprintln!("committed {committed}, reported {reported}, refused {refused}");
    assert_eq!(committed, 1, "exactly one import writes");
    assert_eq!(reported + refused, 3);
    let l = t
        .api(
            "GET",
            "/api/v1/facilities?q=%E5%90%8C%E6%89%B9%E8%AE%BE%E6%96%BD&per_page=1",
            Some(&tok),
            None,
        )
        .await
        .json();
    assert_eq!(l["page"]["total"], 2500, "{l}");
    let chain = sanshe_app::uow::verify(&t.app).await.unwrap();
    assert_eq!(chain.first_broken, None, "{chain:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_grants_never_overdraw_a_foundation() {
    let t = Arc::new(T::new().await);
    let tok = t.token_for("district").await;
    let code = sanshe_app::generate::credit_code('3', "320412", 98);
    let r = t
        .api(
            "POST",
            "/api/v1/organizations",
            Some(&tok),
            Some(json!({"name": "并发测试基金会", "credit_code": code, "area": "320412100"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let entry = |kind: &str, amount: &str| sanshe_app::orgs::FundInput {
        kind: kind.into(),
        date: "2025-06-01".into(),
        amount: amount.into(),
        counterparty: "测试".into(),
        memo: String::new(),
    };
    sanshe_app::orgs::add_fund_entry(&t.app, &sanshe_app::Ctx::cli(), id, &entry("income", "100"))
        .await
        .unwrap();
    let hs: Vec<_> = (0..50)
        .map(|_| {
            let app = t.app.clone();
            let e = entry("grant", "10");
            tokio::spawn(async move {
                sanshe_app::orgs::add_fund_entry(&app, &sanshe_app::Ctx::cli(), id, &e).await
            })
        })
        .collect();
    let (mut ok, mut refused) = (0, 0);
    for h in hs {
        match h.await.unwrap() {
            Ok(_) => ok += 1,
            Err(sanshe_app::AppError::Invalid(f)) if f[0].code == "err-fund-insufficient" => {
                refused += 1
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!((ok, refused), (10, 40));
    let mut c = t.app.db.acquire().await.unwrap();
    assert_eq!(
        sanshe_store::orgs::fund_balance(&mut c, id).await.unwrap(),
        0
    );
    assert_eq!(
        sanshe_store::orgs::fund_recomputed(&mut c, id)
            .await
            .unwrap(),
        0
    );
    // Every running balance is the balance after its own entry, in order.
    let entries = sanshe_store::orgs::fund_entries(&mut c, id).await.unwrap();
    let mut bal = 0;
    for e in &entries {
        bal += if e.kind == "income" {
            e.amount_fen
        } else {
            -e.amount_fen
        };
        assert_eq!(e.balance_fen, bal, "{entries:?}");
    }
}

#[tokio::test]
async fn the_audit_chain_verifies_and_names_a_tampered_entry() {
    let t = T::new().await;
    let r = sanshe_app::uow::verify(&t.app).await.unwrap();
    assert_eq!(r.first_broken, None, "{r:?}");
    assert!(r.checked > 10, "{r:?}");
    assert_eq!(r.unchained, 0);
    // The audit administrator's page and API show the state, and the check is recorded.
    let mut a = t.login("auditadmin").await;
    let page = t.post(&mut a, "/audit/verify", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("审计链完整"), "{}", page.body);
    let tok = t.token_for("auditadmin").await;
    let j = t
        .api("POST", "/api/v1/audit/verify", Some(&tok), None)
        .await
        .json();
    assert_eq!(j["intact"], true, "{j}");
    assert_eq!(t.audit_count("audit.verify").await, 2);
    // Edit one entry in the middle with its guard dropped: the chain names that entry.
    let target: i64 = {
        let mut c = t.app.db.acquire().await.unwrap();
        let row = sqlx::query("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 5")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        sqlx::Row::try_get(&row, "id").unwrap()
    };
    let mut c = t.app.db.acquire().await.unwrap();
    let pg = t.app.db.backend == sanshe_store::Backend::Postgres;
    let drop = if pg {
        "DROP TRIGGER audit_log_no_update ON audit_log"
    } else {
        "DROP TRIGGER audit_log_no_update"
    };
    sqlx::query(drop).execute(&mut *c).await.unwrap();
    sqlx::query("UPDATE audit_log SET summary = summary || ' (edited)' WHERE id = $1")
        .bind(target)
        .execute(&mut *c)
        .await
        .unwrap();
    drop_conn(c);
    let r = sanshe_app::uow::verify(&t.app).await.unwrap();
    assert_eq!(r.first_broken, Some(target), "{r:?}");
    let j = t
        .api("POST", "/api/v1/audit/verify", Some(&tok), None)
        .await
        .json();
    assert_eq!(j["intact"], false, "{j}");
    assert_eq!(j["first_broken"], target, "{j}");
}

fn drop_conn<C>(c: C) {
    drop(c)
}

#[tokio::test]
async fn a_deleted_audit_entry_breaks_the_chain_after_it() {
    let t = T::new().await;
    let pg = t.app.db.backend == sanshe_store::Backend::Postgres;
    let mut c = t.app.db.acquire().await.unwrap();
    let ids: Vec<i64> = sqlx::query("SELECT id FROM audit_log ORDER BY id LIMIT 3 OFFSET 3")
        .fetch_all(&mut *c)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::try_get(r, "id").unwrap())
        .collect();
    let drop = if pg {
        "DROP TRIGGER audit_log_no_update ON audit_log"
    } else {
        "DROP TRIGGER audit_log_no_delete"
    };
    sqlx::query(drop).execute(&mut *c).await.unwrap();
    sqlx::query("DELETE FROM audit_log WHERE id = $1")
        .bind(ids[1])
        .execute(&mut *c)
        .await
        .unwrap();
    drop_conn(c);
    let r = sanshe_app::uow::verify(&t.app).await.unwrap();
    assert_eq!(r.first_broken, Some(ids[2]), "{r:?}");
}

#[tokio::test]
async fn import_jobs_are_followed_from_any_server() {
    let t = T::new().await;
    let second = sanshe_app::App::open((*t.app.settings).clone())
        .await
        .unwrap();
    let (id, progress) =
        sanshe_app::jobs::start(&t.app, &sanshe_app::Ctx::cli(), Some(1), "facilities")
            .await
            .unwrap();
    progress.set("write", 5, 10);
    // The progress reaches the database within a few flushes; poll for it (no timing asserted).
    let mut seen = None;
    for _ in 0..100 {
        let j = sanshe_app::jobs::get(&second, &id, Some(1))
            .await
            .unwrap()
            .unwrap();
        if j.done == 5 {
            seen = Some(j);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let j = seen.expect("progress visible from the second server");
    assert_eq!((j.stage.as_str(), j.total), ("write", 10));
    assert!(j.finished.is_none());
    drop(progress);
    let report = sanshe_app::areas::ImportReport {
        total_rows: 10,
        valid_rows: 10,
        inserted: 10,
        committed: true,
        ..Default::default()
    };
    sanshe_app::jobs::finish(&t.app, &sanshe_app::Ctx::cli(), &id, Ok(report))
        .await
        .unwrap();
    let j = sanshe_app::jobs::get(&second, &id, Some(1))
        .await
        .unwrap()
        .unwrap();
    assert!(j.finished.is_some());
    assert_eq!(j.report.unwrap().inserted, 10);
    // Someone else's job is not found.
    assert!(sanshe_app::jobs::get(&second, &id, Some(2))
        .await
        .unwrap()
        .is_none());
    second.db.close().await;
}

/// Review regressions of the single-save path and bad text, on both backends.
#[tokio::test]
async fn single_saves_find_what_imports_find_and_bad_text_is_a_clear_error() {
    let t = T::new().await;
    let tok = t.token_for("district").await;
    // The demo organization is stored with full-width brackets; a form or API body writes
    // them half-width. The employer is found, as an import finds it.
    let half = sanshe_app::demo::DEMO_ORG
        .replace('（', "(")
        .replace('）', ")");
    let first = "32041219900101071";
    let id = format!(
        "{first}{}",
        sanshe_domain::ident::id_check_char(first).unwrap()
    );
    let r = t
        .api(
            "POST",
            "/api/v1/social-workers",
            Some(&tok),
            Some(
                json!({"name": "括号测试", "id_number": id, "area": "320412100002",
                        "employer": half, "employer_kind": "social_work_org"}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // And a second organization of the same name in the other spelling is a duplicate.
    let code = sanshe_app::generate::credit_code('2', "320412", 4242);
    let r = t
        .api(
            "POST",
            "/api/v1/organizations",
            Some(&tok),
            Some(json!({"name": half, "credit_code": code, "area": "320412100"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // A NUL byte in a search or a body is refused, never a server error.
    for path in [
        "/api/v1/needs?q=a%00b",
        "/api/v1/facilities?q=a%00b",
        "/api/v1/organizations?q=%00",
    ] {
        let r = t.api("GET", path, Some(&tok), None).await;
        assert!(
            r.status.is_client_error() || r.status.is_success(),
            "{path}: {}",
            r.status
        );
    }
    let r = t
        .api(
            "POST",
            "/api/v1/facilities",
            Some(&tok),
            Some(json!({"area": "320412100002", "name": "空\u{0}字符", "kind": "point", "area_m2": 10})),
        )
        .await;
    assert!(r.status.is_client_error(), "{}: {}", r.status, r.body);
}

#[tokio::test]
async fn blanking_every_hash_does_not_pass_for_an_old_log() {
    let t = T::new().await;
    let pg = t.app.db.backend == sanshe_store::Backend::Postgres;
    let mut c = t.app.db.acquire().await.unwrap();
    let first: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT MIN(id) AS m FROM audit_log")
            .fetch_one(&mut *c)
            .await
            .unwrap(),
        "m",
    )
    .unwrap();
    let drop = if pg {
        "DROP TRIGGER audit_log_no_update ON audit_log"
    } else {
        "DROP TRIGGER audit_log_no_update"
    };
    sqlx::query(drop).execute(&mut *c).await.unwrap();
    sqlx::query("UPDATE audit_log SET hash = NULL")
        .execute(&mut *c)
        .await
        .unwrap();
    // The start of the chain cannot be moved either.
    assert!(sqlx::query("DELETE FROM audit_chain")
        .execute(&mut *c)
        .await
        .is_err());
    drop_conn(c);
    let r = sanshe_app::uow::verify(&t.app).await.unwrap();
    assert_eq!(r.first_broken, Some(first), "{r:?}");
}

/// Polls a future at most `left` times, then drops it: a client hanging up at that point.
struct HangUp<F> {
    inner: std::pin::Pin<Box<F>>,
    left: usize,
}

impl<F: std::future::Future> std::future::Future for HangUp<F> {
    type Output = bool;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<bool> {
        match self.inner.as_mut().poll(cx) {
            std::task::Poll::Ready(_) => std::task::Poll::Ready(true),
            std::task::Poll::Pending => {
                self.left -= 1;
                if self.left == 0 {
                    std::task::Poll::Ready(false)
                } else {
                    std::task::Poll::Pending
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_write_leaves_the_writer_usable() {
    use tower::ServiceExt;
    let t = T::new().await;
    let token = t.token_for("district").await;
    let sheet = |tag: usize| {
        let mut csv = String::from("所属区划,设施名称,设施类型,面积（平方米）\n");
        for i in 0..300 {
            csv.push_str(&format!(
                "{},挂断测试{tag}-{i},special,80\n",
                crate::routes::COMMUNITY
            ));
        }
        csv.into_bytes()
    };
    let mut hung_up = 0;
    for n in 1..=24 {
        let req = axum::http::Request::post("/api/v1/facilities/import")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/octet-stream")
            .body(axum::body::Body::from(sheet(n)))
            .unwrap();
        let finished = HangUp {
            inner: Box::pin(t.router.clone().oneshot(req)),
            left: n,
        }
        .await;
        if !finished {
            hung_up += 1;
        }
        // Whatever point the client left at, the next write goes through.
        let r = t
            .api_raw("POST", "/api/v1/facilities/import", &token, sheet(1000 + n))
            .await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "after hanging up at poll {n}: {}",
            r.body
        );
    }
    assert!(hung_up > 0, "some imports were cut short");
}
