#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod app;
pub mod auth;
pub mod bodies;
pub mod catalog_cache;
pub mod change;
pub mod cookies;
pub mod idempotency;
pub mod json;
pub mod keys;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod outcomes;
pub mod oversized;
pub mod problem;
pub mod ratelimit;
pub mod refusals;
pub mod routes;
pub mod secrets;
pub mod sessions;
pub mod views;
pub mod web;
pub mod webhooks;

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use app::{AppState, router};

/// The key-value bucket of API keys.
pub fn keys_bucket(subjects: &chatorder_shared::subjects::Subjects) -> String {
    subjects.stream(chatorder_shared::api_keys::BUCKET)
}

/// The key-value bucket of web accounts.
pub fn accounts_bucket(subjects: &chatorder_shared::subjects::Subjects) -> String {
    subjects.stream(chatorder_shared::accounts::BUCKET)
}

/// The key-value bucket of logins.
pub fn sessions_bucket(subjects: &chatorder_shared::subjects::Subjects) -> String {
    subjects.stream("API_SESSIONS")
}

/// The key-value bucket of changes' outcomes by idempotency key.
pub fn idempotency_bucket(subjects: &chatorder_shared::subjects::Subjects) -> String {
    subjects.stream("API_IDEMPOTENCY")
}

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
    Box::pin(serve(listener, settings, cancel)).await
}

/// Serves on an already bound listener (tests bind port 0).
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    serve_observed(listener, settings, cancel, None).await
}

/// [`serve`], telling `observer` of every answer (the contract tests).
pub async fn serve_observed(
    listener: TcpListener,
    settings: Settings,
    cancel: CancellationToken,
    observer: Option<observe::Observer>,
) -> anyhow::Result<()> {
    metrics::describe();
    let subjects = settings.subjects();
    let client = chatorder_bus::connect(&settings.nats, "chatorder-api").await?;
    let js = async_nats::jetstream::new(client.clone());
    chatorder_bus::ensure_streams(&js, &subjects, &settings.nats).await?;
    let state = Box::pin(AppState::connect(&settings, client, cancel.clone())).await?;
    tokio::spawn({
        let (js, settings, hooks, registry, cancel) = (
            js.clone(),
            settings.clone(),
            state.webhooks.clone(),
            state.webhook_registry.clone(),
            cancel.clone(),
        );
        async move {
            if let Err(e) = webhooks::supervisor::run(js, settings, hooks, registry, cancel).await {
                tracing::error!(error = %format!("{e:#}"), "webhooks stopped: no deliveries until the API restarts");
            }
        }
    });
    let address = listener.local_addr().ok();
    tracing::info!(?address, "HTTP API listening");
    let mut router = router(state);
    if let Some(observer) = observer {
        router = router.layer(axum::middleware::from_fn(move |req, next| {
            observe::observe(observer.clone(), req, next)
        }));
    }
    let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await
        .context("the HTTP server stopped")
}
