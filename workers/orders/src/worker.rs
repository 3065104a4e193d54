//! Wires the order worker: streams, consumer, outbox relay, query service.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use tokio_util::sync::CancellationToken;

use crate::cache::Cache;
use crate::consumer::{Consumer, Faults};
use crate::outbox;
use crate::queries::QueryService;

/// Runs one order-worker replica until `cancel`, then stops pulling,
/// finishes and acknowledges the batch in hand, and returns.
pub async fn run(
    settings: Settings,
    cancel: CancellationToken,
    faults: Faults,
) -> anyhow::Result<()> {
    crate::metrics::describe();
    let settings = Arc::new(settings);
    let subjects = settings.subjects();
    if settings.database.migrate_on_start {
        prepare_database(&settings).await?;
    }
    let pool = crate::db::pool(&settings.database.url, settings.database.pool_size)?;
    // Fail early, with the reason, if MySQL is not there.
    drop(pool.get().await.map_err(|e| anyhow::anyhow!("{e}")).with_context(|| {
        format!(
            "could not connect to MySQL at {}. Is MariaDB running? Locally: scripts/services.sh",
            crate::db::redact_url(secrecy::ExposeSecret::expose_secret(&settings.database.url))
        )
    })?);
    let client = chatorder_shared::nats::connect(&settings.nats, "chatorder-orders-worker").await?;
    let js = async_nats::jetstream::new(client.clone());
    chatorder_shared::nats::ensure_streams(&js, &subjects, &settings.nats).await?;
    let cache = Arc::new(Cache::new(&settings.redis));

    let consumer = Consumer {
        settings: settings.clone(),
        subjects: subjects.clone(),
        pool: pool.clone(),
        cache: cache.clone(),
        js: js.clone(),
        faults,
    };
    let queries = QueryService {
        settings: settings.clone(),
        subjects,
        pool: pool.clone(),
        cache,
        client: client.clone(),
    };
    let relay = tokio::spawn(outbox::relay_loop(
        pool,
        js,
        Duration::from_millis(settings.worker.outbox_poll_ms),
        Duration::from_millis(settings.worker.outbox_grace_ms),
        cancel.clone(),
    ));
    let query_task = tokio::spawn(queries.run(cancel.clone()));
    let result = consumer.run(cancel.clone()).await;
    // Whatever ended the consumer ends the replica.
    cancel.cancel();
    let _ = relay.await;
    match query_task.await {
        Ok(Err(e)) => tracing::warn!(error = %e, "query service ended with an error"),
        Err(e) => tracing::warn!(error = %e, "query service panicked"),
        Ok(Ok(())) => {}
    }
    let _ = client.flush().await;
    result
}

/// Creates the database if needed, applies migrations, and seeds an empty
/// catalog from `catalog.seed_file`.
pub async fn prepare_database(settings: &Settings) -> anyhow::Result<()> {
    let applied = crate::db::migrate(&settings.database.url).await?;
    if applied.is_empty() {
        tracing::info!("schema is up to date");
    } else {
        tracing::info!(?applied, "migrations applied");
    }
    let mut conn = crate::db::connect(&settings.database.url).await?;
    let seed = &settings.catalog.seed_file;
    if let Some(n) = crate::catalog::seed_if_empty(&mut conn, seed, settings.currency()).await? {
        tracing::info!(items = n, file = %seed.display(), "seeded the empty catalog");
    }
    Ok(())
}
