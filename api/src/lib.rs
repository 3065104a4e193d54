#![doc = include_str!("../README.md")]

pub mod app;
pub mod json;
pub mod metrics;
pub mod problem;
pub mod routes;
pub mod views;

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use app::{AppState, router};

/// Runs the HTTP edge on `api.listen` until `cancel`.
pub async fn run(settings: Settings, cancel: CancellationToken) -> anyhow::Result<()> {
    let listener = TcpListener::bind(settings.api.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on api.listen = {} (is the port taken? set CHATORDER__API__LISTEN)",
                settings.api.listen
            )
        })?;
    serve(listener, settings, cancel).await
}

/// Serves on an already bound listener (tests bind port 0).
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    metrics::describe();
    let subjects = settings.subjects();
    let client = chatorder_bus::connect(&settings.nats, "chatorder-api").await?;
    let js = async_nats::jetstream::new(client.clone());
    chatorder_bus::ensure_streams(&js, &subjects, &settings.nats).await?;
    let state = AppState::new(settings.api.clone(), subjects, client);
    let address = listener.local_addr().ok();
    tracing::info!(?address, "HTTP API listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await
        .context("the HTTP server stopped")
}
