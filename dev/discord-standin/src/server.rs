//! Binds the listener and serves the gateway websocket and the REST API until shut down.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::shared::Shared;
use crate::state::StandInState;
use crate::{gateway, rest};

/// `host:port` clients on this machine use for `addr` (an unspecified IP becomes loopback).
pub(crate) fn local_host(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        format!("127.0.0.1:{}", addr.port())
    } else {
        addr.to_string()
    }
}

/// Starts serving; the returned state stops serving when its shutdown token is cancelled.
pub(crate) async fn start(config: Config) -> anyhow::Result<Arc<Shared>> {
    let listener = TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("binding {}", config.addr))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let shared = Arc::new(Shared::new(StandInState::new(config), addr));
    let app = Router::new()
        .route("/gateway", get(gateway::upgrade))
        .fallback(rest::handle)
        .with_state(Arc::clone(&shared));
    let stop = shared.shutdown.clone();
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(stop.cancelled_owned())
            .await;
        if let Err(e) = served {
            tracing::error!(target: "chatorder_discord_standin", "stand-in server stopped: {e}");
        }
    });
    tracing::info!(target: "chatorder_discord_standin", "Discord stand-in listening on http://{}", local_host(addr));
    Ok(shared)
}
