//! Test harness: a real database (a SQLite file, or a fresh PostgreSQL database when
//! SANSHE_TEST_DATABASE_URL points at a server), the demo district, and the in-process router.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use axum::Router;
use sanshe_app::config::{Secret, Settings};
use sanshe_app::App;
use std::sync::atomic::{AtomicU32, Ordering};
use tower::ServiceExt;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// The personal-data master key of test instances (never a real deployment's).
pub const TEST_PII_KEY: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

pub async fn database_url() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    // The run (scripts/test.sh names it) keeps two runs on one machine apart: each removes
    // only its own databases.
    let run = std::env::var("SANSHE_TEST_RUN")
        .ok()
        .filter(|r| !r.is_empty() && r.len() <= 12 && r.chars().all(|c| c.is_ascii_alphanumeric()))
        .unwrap_or_else(|| "adhoc".into());
    let unique = format!(
        "{run}_{}_{}_{}",
        std::process::id(),
        n,
        sanshe_app::security::random_hex(3).unwrap()
    );
    match std::env::var("SANSHE_TEST_DATABASE_URL") {
        Ok(base) if base.starts_with("postgres") => {
            sqlx::any::install_default_drivers();
            let admin = format!("{}/postgres", base.trim_end_matches('/'));
            let pool = sqlx::AnyPool::connect(&admin)
                .await
                .expect("connect to PostgreSQL");
            let name = format!("sanshe_t_{unique}");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&pool)
                .await
                .expect("create database");
            pool.close().await;
            format!("{}/{name}", base.trim_end_matches('/'))
        }
        _ => {
            let dir = std::env::temp_dir().join("sanshe-tests");
            std::fs::create_dir_all(&dir).unwrap();
            let path = dir.join(format!("t_{unique}.db"));
            format!("sqlite://{}", path.display())
        }
    }
}

/// The demo database every test starts from, built once per test binary on its own thread
/// and runtime (so no test's runtime owns its connections).
static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
/// PostgreSQL refuses to clone a template while another clone of it is being made.
static CLONING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn template_url() -> &'static str {
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(|| {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let url = database_url().await;
                let settings = Settings {
                    database_url: Secret::new(url.clone()),
                    data_dir: std::env::temp_dir()
                        .join("sanshe-tests")
                        .join("template-data"),
                    pii_key: Some(Secret::new(TEST_PII_KEY)),
                    ..Settings::default()
                };
                sanshe_app::security::use_cheap_password_hashing_in_tests();
                let app = App::open(settings).await.expect("open template");
                sanshe_app::demo::load(&app).await.expect("demo");
                // SQLite: a consistent single-file snapshot (no WAL to race with).
                let url = match url.strip_prefix("sqlite://") {
                    Some(path) => {
                        let frozen = format!("{path}.template");
                        sqlx::query(&format!("VACUUM INTO '{frozen}'"))
                            .execute(&app.db.writer)
                            .await
                            .expect("snapshot the template");
                        format!("sqlite://{frozen}")
                    }
                    None => url,
                };
                app.db.close().await;
                url
            })
        })
        .join()
        .expect("template thread")
    })
}

pub async fn demo_copy() -> String {
    let tpl = template_url().to_owned();
    let fresh = database_url().await;
    match tpl.rsplit_once('/') {
        Some((base, name)) if tpl.starts_with("postgres") => {
            let fresh_name = fresh.rsplit('/').next().unwrap().to_owned();
            let _one_at_a_time = CLONING.lock().await;
            let admin = format!("{base}/postgres");
            let pool = sqlx::AnyPool::connect(&admin).await.expect("connect");
            sqlx::query(&format!("DROP DATABASE {fresh_name}"))
                .execute(&pool)
                .await
                .expect("drop empty database");
            sqlx::query(&format!("CREATE DATABASE {fresh_name} TEMPLATE {name}"))
                .execute(&pool)
                .await
                .expect("clone template");
            pool.close().await;
            fresh
        }
        _ => {
            let from = tpl.trim_start_matches("sqlite://");
            let to = fresh.trim_start_matches("sqlite://");
            std::fs::copy(from, to).expect("copy template");
            fresh
        }
    }
}

#[derive(Clone)]
pub struct T {
    pub app: App,
    pub router: Router,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The status and the JSON body (null when the body is empty, as after a 204).
    pub fn outcome(&self) -> (StatusCode, serde_json::Value) {
        let v = if self.body.is_empty() {
            serde_json::Value::Null
        } else {
            self.json()
        };
        (self.status, v)
    }
}

/// A browser-like session: cookies and the CSRF token.
#[derive(Clone, Default)]
pub struct Session {
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
}

impl Session {
    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
    fn absorb(&mut self, r: &Resp) {
        for v in r.headers.get_all(header::SET_COOKIE) {
            let s = v.to_str().unwrap();
            let kv = s.split(';').next().unwrap();
            let (k, v) = kv.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != k);
            if !v.is_empty() {
                self.cookies.push((k.to_owned(), v.to_owned()));
            }
        }
    }
    pub fn session_token(&self) -> Option<String> {
        self.cookies
            .iter()
            .find(|(k, _)| k == "sanshe_session")
            .map(|(_, v)| v.clone())
    }
}

pub fn csrf_in(body: &str) -> String {
    let i = body
        .find("name=\"csrf\" value=\"")
        .map(|i| i + 19)
        .unwrap_or(0);
    body[i..].split('"').next().unwrap_or("").to_owned()
}

impl T {
    pub async fn with(settings: Settings, demo: bool) -> T {
        // Server errors show in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_test_writer()
            .try_init();
        sanshe_app::security::use_cheap_password_hashing_in_tests();
        let app = App::open(settings).await.expect("open app");
        if demo {
            sanshe_app::demo::load(&app).await.expect("demo");
        }
        let router = sanshe_web::router(app.clone());
        T { app, router }
    }

    /// A fresh database holding the demo district: a copy of one migrated demo database
    /// built once per test run (SQLite: a file copy; PostgreSQL: `CREATE DATABASE … TEMPLATE`).
    pub async fn new() -> T {
        T::configured(|_| {}).await
    }

    /// As [`T::new`], with settings changed by `f` first.
    pub async fn configured(f: impl FnOnce(&mut Settings)) -> T {
        let url = demo_copy().await;
        let data = std::env::temp_dir().join("sanshe-tests").join(format!(
            "data_{}",
            sanshe_app::security::random_hex(4).unwrap()
        ));
        let settings = Settings {
            database_url: Secret::new(url),
            data_dir: data,
            pii_key: Some(Secret::new(TEST_PII_KEY)),
            ..Settings::default()
        };
        let mut settings = settings;
        f(&mut settings);
        T::with(settings, false).await
    }

    /// A sign-in attempt arriving from `peer` (optionally through a proxy that sent
    /// `X-Forwarded-For`), with a double-submitted CSRF token.
    pub async fn login_from(
        &self,
        peer: &str,
        forwarded_for: Option<&str>,
        username: &str,
        password: &str,
    ) -> Resp {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("csrf", "c0ffee")
            .append_pair("username", username)
            .append_pair("password", password)
            .finish();
        let mut req = Request::post("/login")
            .header(header::COOKIE, "sanshe_csrf=c0ffee")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(x) = forwarded_for {
            req = req.header("x-forwarded-for", x);
        }
        let mut req = req.body(Body::from(body)).unwrap();
        let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.send(req).await
    }

    /// The newest audit entry with this action.
    pub async fn last_audit(&self, action: &str) -> sanshe_store::audit::AuditRow {
        let f = sanshe_store::audit::AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        };
        let mut c = self.app.db.acquire().await.unwrap();
        let page = sanshe_store::PageReq {
            page: 1,
            per_page: 1,
        };
        sanshe_store::audit::list(&mut c, &f, page)
            .await
            .unwrap()
            .items
            .remove(0)
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = to_bytes(res.into_body(), 50 * 1024 * 1024).await.unwrap();
        Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, s: &mut Session, path: &str) -> Resp {
        let req = Request::get(path)
            .header(header::COOKIE, s.cookie_header())
            .body(Body::empty())
            .unwrap();
        let r = self.send(req).await;
        s.absorb(&r);
        r
    }

    pub async fn post(&self, s: &mut Session, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = {
            let mut f = form_urlencoded::Serializer::new(String::new());
            f.append_pair("csrf", &s.csrf);
            for (k, v) in fields {
                f.append_pair(k, v);
            }
            f.finish()
        };
        let req = Request::post(path)
            .header(header::COOKIE, s.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let r = self.send(req).await;
        s.absorb(&r);
        r
    }

    pub async fn post_multipart(
        &self,
        s: &mut Session,
        path: &str,
        file: Option<&[u8]>,
        mode: &str,
    ) -> Resp {
        let b = "XBOUNDARYX";
        let mut body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
            s.csrf
        )
        .into_bytes();
        body.extend(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"mode\"\r\n\r\n{mode}\r\n")
                .as_bytes(),
        );
        if let Some(f) = file {
            body.extend(format!("--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes());
            body.extend(f);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{b}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(header::COOKIE, s.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={b}"),
            )
            .body(Body::from(body))
            .unwrap();
        let r = self.send(req).await;
        s.absorb(&r);
        r
    }

    /// Logs in through the login form; panics unless it succeeds.
    pub async fn login(&self, username: &str) -> Session {
        let (s, r) = self
            .try_login(username, sanshe_app::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "login {username}: {}",
            r.body
        );
        s
    }

    pub async fn try_login(&self, username: &str, password: &str) -> (Session, Resp) {
        let mut s = Session::default();
        let page = self.get(&mut s, "/login").await;
        s.csrf = csrf_in(&page.body);
        let r = self
            .post(
                &mut s,
                "/login",
                &[
                    ("username", username),
                    ("password", password),
                    ("next", "/"),
                ],
            )
            .await;
        if r.status == StatusCode::SEE_OTHER {
            let acc = self.get(&mut s, "/account").await;
            s.csrf = csrf_in(&acc.body);
        }
        (s, r)
    }

    /// A request with a raw body (file uploads to the JSON API).
    pub async fn api_raw(&self, method: &str, path: &str, token: &str, body: Vec<u8>) -> Resp {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// A form upload of one file in field `field` (with the session's CSRF token).
    pub async fn post_upload(
        &self,
        s: &mut Session,
        path: &str,
        field: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Resp {
        let b = "XBOUNDARYX";
        let mut body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{}\r\n",
            s.csrf
        )
        .into_bytes();
        body.extend(format!("--{b}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend(bytes);
        body.extend(format!("\r\n--{b}--\r\n").as_bytes());
        let req = Request::post(path)
            .header(header::COOKIE, s.cookie_header())
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={b}"),
            )
            .body(Body::from(body))
            .unwrap();
        let r = self.send(req).await;
        s.absorb(&r);
        r
    }

    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> Resp {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(j) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(j.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    /// Creates an account with the demo password (`scope`: an area code or organization id).
    pub async fn add_user(&self, username: &str, role: &str, scope: Option<String>) {
        sanshe_app::accounts::create_user(
            &self.app,
            &sanshe_app::Ctx::cli(),
            &sanshe_app::accounts::NewUserInput {
                username: username.into(),
                display_name: username.into(),
                role: role.into(),
                scope,
                password: sanshe_app::demo::DEMO_PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    }

    pub async fn token_for(&self, username: &str) -> String {
        let u = sanshe_app::accounts::find_user(&self.app, username)
            .await
            .unwrap()
            .unwrap();
        sanshe_app::accounts::create_token(&self.app, &sanshe_app::Ctx::cli(), u.id, "test", None)
            .await
            .unwrap()
            .secret
    }

    pub async fn org_id(&self, name: &str) -> i64 {
        let mut c = self.app.db.acquire().await.unwrap();
        sanshe_store::orgs::find_by_name(&mut c, name)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    pub async fn worker_of_user(&self, uid: i64) -> i64 {
        let mut c = self.app.db.acquire().await.unwrap();
        let f = sanshe_store::workers::WorkerFilter {
            user_id: Some(uid),
            ..Default::default()
        };
        sanshe_store::workers::list(
            &mut c,
            &f,
            Default::default(),
            "2026-01-01",
            sanshe_store::PageReq {
                page: 1,
                per_page: 1,
            },
        )
        .await
        .unwrap()
        .items[0]
            .id
    }

    pub async fn user_id(&self, username: &str) -> i64 {
        sanshe_app::accounts::find_user(&self.app, username)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    pub async fn audit_count(&self, action: &str) -> i64 {
        let f = sanshe_store::audit::AuditFilter {
            action: Some(action.into()),
            ..Default::default()
        };
        let mut c = self.app.db.acquire().await.unwrap();
        sanshe_store::audit::list(
            &mut c,
            &f,
            sanshe_store::PageReq {
                page: 1,
                per_page: 1,
            },
        )
        .await
        .unwrap()
        .total
    }
}
