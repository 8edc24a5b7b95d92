//! Operations endpoints: liveness, readiness and Prometheus metrics.

use crate::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Default)]
pub struct Metrics {
    by_class: [AtomicU64; 5],
    micros_total: AtomicU64,
    count: AtomicU64,
}

impl Metrics {
    pub fn record(&self, status: u16, took: Duration) {
        let class = (status / 100).clamp(1, 5) as usize - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.micros_total
            .fetch_add(took.as_micros() as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// Time spent inside database statements, as the driver measures each one (from the first
/// step of the statement to its last row). Counted only when the server runs with
/// `SANSHE_SQL_TIMING=1` (the driver then describes every statement, which costs a few
/// microseconds each): the load benchmark compares it with the time requests take, to find
/// what a request spends outside its SQL.
pub struct SqlClock {
    micros: AtomicU64,
    count: AtomicU64,
    on: std::sync::atomic::AtomicBool,
}

pub static SQL_CLOCK: SqlClock = SqlClock {
    micros: AtomicU64::new(0),
    count: AtomicU64::new(0),
    on: std::sync::atomic::AtomicBool::new(false),
};

impl SqlClock {
    pub fn enable(&self) {
        self.on.store(true, Ordering::Relaxed);
    }

    pub fn record(&self, secs: f64) {
        self.micros
            .fetch_add((secs * 1e6).round() as u64, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(s): State<AppState>) -> Response {
    match s.app.db.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

pub async fn metrics(State(s): State<AppState>) -> Response {
    let m = &s.metrics;
    let mut out = String::new();
    out.push_str("# HELP sanshe_http_requests_total HTTP requests served, by status class.\n# TYPE sanshe_http_requests_total counter\n");
    for (i, c) in m.by_class.iter().enumerate() {
        out.push_str(&format!(
            "sanshe_http_requests_total{{class=\"{}xx\"}} {}\n",
            i + 1,
            c.load(Ordering::Relaxed)
        ));
    }
    out.push_str(&format!(
        "# HELP sanshe_http_request_duration_seconds Time spent serving requests.\n# TYPE sanshe_http_request_duration_seconds summary\nsanshe_http_request_duration_seconds_sum {:.6}\nsanshe_http_request_duration_seconds_count {}\n",
        m.micros_total.load(Ordering::Relaxed) as f64 / 1e6,
        m.count.load(Ordering::Relaxed)
    ));
    if SQL_CLOCK.on.load(Ordering::Relaxed) {
        // Read before this handler's own ping, so that a reading taken before and one taken
        // after a run differ by the run's statements (and one ping).
        out.push_str(&format!(
            "# HELP sanshe_db_statement_seconds Time inside database statements (SANSHE_SQL_TIMING=1).\n# TYPE sanshe_db_statement_seconds summary\nsanshe_db_statement_seconds_sum {:.6}\nsanshe_db_statement_seconds_count {}\n",
            SQL_CLOCK.micros.load(Ordering::Relaxed) as f64 / 1e6,
            SQL_CLOCK.count.load(Ordering::Relaxed)
        ));
    }
    let up = s.app.db.ping().await.is_ok();
    out.push_str(&format!("# HELP sanshe_database_up Whether the database answers.\n# TYPE sanshe_database_up gauge\nsanshe_database_up {}\n", up as u8));
    out.push_str(&format!(
        "# HELP sanshe_db_pool_connections Open database connections.\n# TYPE sanshe_db_pool_connections gauge\nsanshe_db_pool_connections {}\n",
        s.app.db.pool.size()
    ));
    out.push_str(&format!(
        "# HELP sanshe_build_info Build information.\n# TYPE sanshe_build_info gauge\nsanshe_build_info{{version=\"{}\",backend=\"{}\"}} 1\n",
        env!("CARGO_PKG_VERSION"),
        s.app.db.backend.as_str()
    ));
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

pub async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::openapi_json(),
    )
        .into_response()
}
