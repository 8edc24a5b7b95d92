//! Sanshe web: the only crate that knows HTTP. Server-rendered pages (askama), the JSON API
//! under `/api/v1` with its generated OpenAPI document, operations endpoints, and embedded
//! static assets.

mod api;
mod assets;
mod compress;
mod ctx;
mod error;
mod locale_keys;
mod middleware;
mod openapi;
mod ops;
pub use ops::SQL_CLOCK;
mod pages;
mod routes;
mod view;

pub use openapi::openapi_json;
pub use routes::{route_list, RouteDef};

use axum::Router;
use sanshe_app::App;
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub metrics: Arc<ops::Metrics>,
}

/// The full router (pages, API, operations), with the request-id, session and CSRF layers.
pub fn router(app: App) -> Router {
    let state = AppState {
        app,
        metrics: Arc::new(ops::Metrics::default()),
    };
    routes::build(state)
}

/// A bound server, ready to run. Binding port 0 picks a free port (tests).
pub struct Server {
    listener: tokio::net::TcpListener,
    router: Router,
    app: App,
}

impl Server {
    pub async fn bind(app: App, addr: &str) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Server {
            listener,
            router: router(app.clone()),
            app,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests.
    pub async fn run(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        // Scheduled jobs: every server ticks; the database lease makes each run happen once.
        let app = self.app.clone();
        let owner = format!(
            "{}:{}",
            std::process::id(),
            sanshe_app::security::random_hex(4).unwrap_or_default()
        );
        let read_only = app.settings.read_only;
        let ticker = tokio::spawn(async move {
            // A read-only server runs no jobs: they write, and the primary runs them.
            if read_only {
                return;
            }
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                if let Err(e) = sanshe_app::scheduler::tick(&app, &owner).await {
                    tracing::warn!(error = %e, "scheduler tick failed");
                }
            }
        });
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        ticker.abort();
        served
    }
}
