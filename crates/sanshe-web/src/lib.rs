//! Sanshe web: the only crate that knows HTTP. Server-rendered pages (askama), the JSON API
//! under `/api/v1` with its generated OpenAPI document, operations endpoints, and embedded
//! static assets.

mod api;
mod assets;
mod ctx;
mod error;
mod middleware;
mod openapi;
mod ops;
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
}

impl Server {
    pub async fn bind(app: App, addr: &str) -> std::io::Result<Server> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        Ok(Server {
            listener,
            router: router(app),
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
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
    }
}
