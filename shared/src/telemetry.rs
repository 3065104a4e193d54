//! Logging and metrics set-up shared by every process.
//!
//! Logs: `tracing` to stderr, human text by default, JSON when
//! `log.format = "json"` or `CHATORDER_LOG_FORMAT=json`. `RUST_LOG` overrides
//! the filter. Never log tokens, phone numbers or addresses.
//!
//! Metrics: a Prometheus `/metrics` endpoint on `metrics.listen`.

use std::net::SocketAddr;

use anyhow::Context as _;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

use crate::config::{LogFormat, LogSettings};

/// Installs the global tracing subscriber. Safe to call more than once (later
/// calls do nothing), which tests rely on.
pub fn init_tracing(settings: &LogSettings) {
    let json = settings.format == LogFormat::Json
        || std::env::var("CHATORDER_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // An error only means a subscriber is already installed.
    let _ = if json {
        builder.json().with_current_span(true).try_init()
    } else {
        builder.with_target(true).try_init()
    };
}

/// Latency buckets (seconds) for every `*_seconds` histogram.
const SECONDS_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Installs the global Prometheus recorder and, if `listen` is not empty,
/// serves `/metrics` there. Returns a handle to render metrics in-process, or
/// `None` if a recorder was already installed (tests start several components
/// in one process; the first one wins).
pub fn install_metrics(listen: &str) -> anyhow::Result<Option<PrometheusHandle>> {
    let mut builder = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS)
        .context("configuring histogram buckets")?;
    if !listen.is_empty() {
        let addr: SocketAddr = listen
            .parse()
            .with_context(|| format!("metrics.listen `{listen}` is not an address"))?;
        builder = builder.with_http_listener(addr);
    } else {
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        return Ok(metrics::set_global_recorder(recorder).ok().map(|()| handle));
    }
    let (recorder, exporter) = builder
        .build()
        .with_context(|| format!("serving /metrics on {listen} (is the port free?)"))?;
    let handle = recorder.handle();
    if metrics::set_global_recorder(recorder).is_err() {
        return Ok(None);
    }
    tokio::spawn(async move {
        if let Err(e) = exporter.await {
            tracing::error!(error = ?e, "the /metrics endpoint stopped");
        }
    });
    Ok(Some(handle))
}
