//! Resident needs and project proposals end to end: pages and API for every role, the
//! timeline and inbox, compare-and-set under parallel clients, the deadline job run once by
//! two servers on one database, and the demo district's needs.

use crate::common::T;
use axum::http::StatusCode;
use serde_json::json;
use std::sync::Arc;

pub(crate) const COMMUNITY: &str = "320412100002";
mod categories;
mod files;
mod proposals;

pub(crate) fn need_body(title: &str) -> serde_json::Value {
    json!({"area": COMMUNITY, "category": "elderly_disabled", "title": title,
           "description": "楼里独居老人多，希望有人每天送餐。", "people": 12, "phone": "13800138000",
           "contact_name": "王秀英"})
}

#[tokio::test]
async fn a_resident_raises_a_need_and_sees_the_answer() {
    let t = T::new().await;
    let mut r = t.login("resident").await;
    let form = t.get(&mut r, "/needs/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("养老助残"), "categories offered");
    // A resident finds their community by name.
    let found = t.get(&mut r, "/needs/new?find=%E5%8D%97%E8%A1%97").await;
    assert!(found.body.contains("南街社区"), "{}", found.body);
    assert!(
        found.body.matches("<option value=\"3204").count() < 10,
        "narrowed"
    );
    // A blank title and a control character are refused with messages, nothing stored.
    let bad = t
        .post(
            &mut r,
            "/needs/new",
            &[
                ("area", COMMUNITY),
                ("category", "elderly_disabled"),
                ("title", ""),
                ("description", "a\u{0}b"),
                ("people", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("此项必填"), "{}", bad.body);
    assert!(bad.body.contains("控制字符"), "{}", bad.body);
    assert!(bad.body.contains("涉及人数应为"), "{}", bad.body);
    let ok = t
        .post(
            &mut r,
            "/needs/new",
            &[
                ("area", COMMUNITY),
                ("category", "elderly_disabled"),
                ("title", "独居老人助餐"),
                ("description", "楼里独居老人多，希望有人每天送餐。"),
                ("people", "12"),
                ("urgency", "urgent"),
                ("contact_name", "王秀英"),
                ("phone", "13800138000"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let link = ok.location();
    let id: i64 = link.trim_start_matches("/needs/").parse().unwrap();
    let mine = t.get(&mut r, &link).await;
    assert!(
        mine.body.contains("待受理") && mine.body.contains("撤回"),
        "{}",
        mine.body
    );
    // The community's staff are told, and see the contact masked until they reveal it.
    let ctok = t.token_for("community").await;
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&ctok), None)
        .await
        .json();
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "need.submitted" && n["link"] == link),
        "{inbox}"
    );
    let mut c = t.login("community").await;
    let page = t.get(&mut c, &link).await;
    assert!(
        page.body.contains("王*") && page.body.contains("138****8000"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("13800138000"));
    let shown = t.post(&mut c, &format!("{link}/reveal"), &[]).await;
    assert!(shown.body.contains("13800138000"), "{}", shown.body);
    assert_eq!(t.audit_count("need.reveal").await, 1);
    // Accept (confirming the people affected), then answer.
    let v = t
        .api("GET", &format!("/api/v1/needs/{id}"), Some(&ctok), None)
        .await
        .json();
    assert_eq!(v["events"], json!(["accept", "reject", "withdraw"]), "{v}");
    let version = v["version"].as_i64().unwrap().to_string();
    let a = t
        .post(
            &mut c,
            &format!("{link}/transition"),
            &[("event", "accept"), ("version", &version), ("people", "15")],
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.body);
    // The same form sent again (an old page): someone else changed it.
    let stale = t
        .post(
            &mut c,
            &format!("{link}/transition"),
            &[("event", "accept"), ("version", &version)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert!(stale.body.contains("已被他人修改"), "{}", stale.body);
    let no_reply = t
        .post(
            &mut c,
            &format!("{link}/transition"),
            &[("event", "answer")],
        )
        .await;
    assert_eq!(no_reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ans = t
        .post(
            &mut c,
            &format!("{link}/transition"),
            &[
                ("event", "answer"),
                ("text", "每天中午由助餐点送餐上门，下周一开始。"),
            ],
        )
        .await;
    assert_eq!(ans.status, StatusCode::SEE_OTHER, "{}", ans.body);
    // The resident sees the answer, the whole timeline and a notice in the inbox.
    let mine = t.get(&mut r, &link).await;
    assert!(
        mine.body.contains("每天中午由助餐点送餐上门"),
        "{}",
        mine.body
    );
    assert!(mine.body.contains("已答复"));
    for step in ["提交", "受理", "直接答复"] {
        assert!(mine.body.contains(step), "timeline has {step}");
    }
    assert!(
        mine.body.contains("class=\"badge\""),
        "unread badge in the header"
    );
    let rtok = t.token_for("resident").await;
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&rtok), None)
        .await
        .json();
    let kinds: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"need.answered") && kinds.contains(&"need.accepted"),
        "{kinds:?}"
    );
    let page = t.get(&mut r, "/inbox").await;
    assert!(page.body.contains("需求已答复"), "{}", page.body);
    // The API timeline matches.
    let v = t
        .api("GET", &format!("/api/v1/needs/{id}"), Some(&rtok), None)
        .await
        .json();
    assert_eq!(v["state"], "answered");
    assert_eq!(v["people"], 15);
    let events: Vec<&str> = v["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["create", "accept", "answer"]);
    assert_eq!(v["events"], json!([]), "nothing left for the resident");
    // Another resident cannot see it, and it looks exactly like a missing one.
    t.add_user("neighbour", "resident", None).await;
    let ntok = t.token_for("neighbour").await;
    let other = t
        .api("GET", &format!("/api/v1/needs/{id}"), Some(&ntok), None)
        .await;
    let missing = t
        .api("GET", "/api/v1/needs/99999999", Some(&ntok), None)
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other.json()["error"]["message"],
        missing.json()["error"]["message"]
    );
    assert_eq!(
        sanshe_app::uow::verify(&t.app).await.unwrap().first_broken,
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_parallel_accepts_exactly_one_wins() {
    let t = Arc::new(T::new().await);
    let rtok = t.token_for("resident").await;
    let r = t
        .api(
            "POST",
            "/api/v1/needs",
            Some(&rtok),
            Some(need_body("并发受理")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    let tokens = [
        t.token_for("community").await,
        t.token_for("street").await,
        t.token_for("district").await,
    ];
    let hs: Vec<_> = (0..12)
        .map(|i| {
            let (t, tok) = (t.clone(), tokens[i % 3].clone());
            tokio::spawn(async move {
                t.api(
                    "POST",
                    &format!("/api/v1/needs/{id}/transitions"),
                    Some(&tok),
                    Some(json!({"event": "accept", "version": 0})),
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    let mut conflict = 0;
    for h in hs {
        let r = h.await.unwrap();
        match r.status {
            StatusCode::OK => ok += 1,
            StatusCode::CONFLICT => {
                conflict += 1;
                assert_eq!(r.json()["error"]["code"], "conflict");
            }
            s => panic!("{s}: {}", r.body),
        }
    }
    assert_eq!((ok, conflict), (1, 11));
    let v = t
        .api("GET", &format!("/api/v1/needs/{id}"), Some(&rtok), None)
        .await
        .json();
    assert_eq!(v["version"], 1);
    assert_eq!(
        v["timeline"].as_array().unwrap().len(),
        2,
        "one accept in the history"
    );
}

#[tokio::test]
async fn the_deadline_job_runs_once_across_two_servers() {
    let t = T::new().await;
    let second = sanshe_app::App::open((*t.app.settings).clone())
        .await
        .unwrap();
    let rtok = t.token_for("resident").await;
    let r = t
        .api(
            "POST",
            "/api/v1/needs",
            Some(&rtok),
            Some(need_body("明天到期")),
        )
        .await;
    let id = r.json()["id"].as_i64().unwrap();
    // Make it fall due on the next working day, so today is the reminder day.
    let today = sanshe_app::calendar::today();
    let due = sanshe_app::calendar::deadline(&t.app, today, 1)
        .await
        .unwrap();
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE needs SET due_on = $1 WHERE id = $2")
            .bind(due.to_string())
            .bind(id)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    // A need whose reminder day was missed (the server was down) is caught up.
    let late = t
        .api(
            "POST",
            "/api/v1/needs",
            Some(&rtok),
            Some(need_body("错过提醒")),
        )
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    {
        let mut c = t.app.db.acquire().await.unwrap();
        sqlx::query("UPDATE needs SET due_on = $1 WHERE id = $2")
            .bind(today.plus_days(-3).to_string())
            .bind(late)
            .execute(&mut *c)
            .await
            .unwrap();
    }
    let before = t.audit_count("need.remind").await;
    let (a, b) = tokio::join!(
        sanshe_app::scheduler::tick(&t.app, "server-a"),
        sanshe_app::scheduler::tick(&second, "server-b"),
    );
    let ran = a.unwrap().len() + b.unwrap().len();
    assert_eq!(ran, 1, "exactly one server ran the job");
    let jobs = sanshe_app::scheduler::list(&t.app).await.unwrap();
    let j = jobs.iter().find(|j| j.name == "needs.deadlines").unwrap();
    assert_eq!(j.runs, 1);
    assert!(j.lease_owner.is_none(), "lease released");
    assert!(j.last_result.contains("reminders"), "{}", j.last_result);
    let reminded = t.audit_count("need.remind").await - before;
    assert!(reminded >= 2, "our two needs were reminded");
    // Not due again until its period passes: another tick runs nothing.
    assert!(sanshe_app::scheduler::tick(&second, "server-b")
        .await
        .unwrap()
        .is_empty());
    let ctok = t.token_for("community").await;
    let inbox = t
        .api("GET", "/api/v1/inbox", Some(&ctok), None)
        .await
        .json();
    let link = format!("/needs/{id}");
    let due_notices = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "need.due" && n["link"] == link)
        .count();
    assert_eq!(due_notices, 1);
    let late_link = format!("/needs/{late}");
    assert!(inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "need.due" && n["link"] == late_link));
    second.db.close().await;
}

#[tokio::test]
async fn the_demo_district_has_needs_in_every_state() {
    let t = T::new().await;
    let dtok = t.token_for("district").await;
    let all = t
        .api("GET", "/api/v1/needs?per_page=1", Some(&dtok), None)
        .await
        .json();
    assert!(all["page"]["total"].as_i64().unwrap() >= 600, "{all}");
    for s in [
        "submitted",
        "accepted",
        "answered",
        "merged",
        "rejected",
        "withdrawn",
    ] {
        let r = t
            .api(
                "GET",
                &format!("/api/v1/needs?per_page=1&state={s}"),
                Some(&dtok),
                None,
            )
            .await
            .json();
        assert!(r["page"]["total"].as_i64().unwrap() > 0, "{s}: {r}");
    }
    // Overdue, by the API's filter and by an independent count.
    let overdue = t
        .api(
            "GET",
            "/api/v1/needs?per_page=1&overdue=true",
            Some(&dtok),
            None,
        )
        .await
        .json()["page"]["total"]
        .as_i64()
        .unwrap();
    let today = sanshe_app::calendar::today().to_string();
    let mut c = t.app.db.acquire().await.unwrap();
    let n: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT COUNT(*) AS n FROM needs WHERE state = 'submitted' AND due_on < $1")
            .bind(&today)
            .fetch_one(&mut *c)
            .await
            .unwrap(),
        "n",
    )
    .unwrap();
    drop(c);
    assert!(overdue > 0);
    assert_eq!(overdue, n);
    // The statistics add up to the list.
    let stats = t
        .api("GET", "/api/v1/needs/stats", Some(&dtok), None)
        .await
        .json();
    let sum: i64 = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, all["page"]["total"].as_i64().unwrap());
    let od: i64 = stats
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["overdue"].as_i64().unwrap())
        .sum();
    assert_eq!(od, overdue);
    // The community's staff have work today; the resident has needs of their own.
    let ctok = t.token_for("community").await;
    let mine = t
        .api("GET", "/api/v1/needs?state=submitted", Some(&ctok), None)
        .await
        .json();
    assert!(mine["page"]["total"].as_i64().unwrap() >= 3, "{mine}");
    let rtok = t.token_for("resident").await;
    let own = t
        .api("GET", "/api/v1/needs", Some(&rtok), None)
        .await
        .json();
    assert!(own["page"]["total"].as_i64().unwrap() > 0, "{own}");
    // Pages: list, picture, export, public portal.
    let mut s = t.login("district").await;
    let p = t.get(&mut s, "/needs/stats").await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("heat-4"), "the busiest cell is darkest");
    let x = t.get(&mut s, "/needs/export/csv?state=answered").await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.lines().count() > 100);
    assert!(!x.body.contains("13800"), "contacts are masked in exports");
    let mut anon = crate::common::Session::default();
    let home = t.get(&mut anon, "/").await;
    assert_eq!(home.location(), "/public");
    let public = t.get(&mut anon, "/public").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.body.contains("武进区") && public.body.contains("居民需求办理"),
        "{}",
        public.body
    );
}
