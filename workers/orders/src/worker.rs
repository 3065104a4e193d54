//! Wires the order worker: streams, consumer, outbox relay, query service.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use tokio_util::sync::CancellationToken;

use crate::cache::Cache;
use crate::consumer::Consumer;
use crate::outbox;
use crate::queries::QueryService;

/// Runs one order-worker replica until `cancel`, then stops pulling,
/// finishes and acknowledges the batch in hand, and returns.
pub async fn run(settings: Settings, cancel: CancellationToken) -> anyhow::Result<()> {
    // Boxed: the worker's state machine is large, and every caller awaits it.
    Box::pin(run_boxed(settings, cancel)).await
}

/// How often the backlog is read and acknowledged commands are purged.
const PURGE_EVERY: Duration = Duration::from_secs(5);

/// How long a starting worker waits for a MySQL that does not answer (one
/// restarting, say) before it gives up with the reason.
const MYSQL_PATIENCE: Duration = Duration::from_secs(90);

/// Waits until MySQL answers: at once if it does, up to [`MYSQL_PATIENCE`]
/// while it is unreachable (a replica started during an outage waits it
/// out rather than exiting). A refusal that waiting cannot cure (wrong
/// user, password or database) fails at once. False if cancelled meanwhile.
async fn mysql_ready(
    pool: &chatorder_db::pool::DbPool,
    settings: &Settings,
    cancel: &CancellationToken,
) -> anyhow::Result<bool> {
    let started = std::time::Instant::now();
    let mut warned = false;
    loop {
        let err = match pool.get().await {
            Ok(_) => return Ok(true),
            Err(e) => e.to_string(),
        };
        let hopeless = ["Access denied", "Unknown database"]
            .iter()
            .any(|m| err.contains(m));
        if hopeless || started.elapsed() >= MYSQL_PATIENCE {
            return Err(anyhow::anyhow!("{err}")).with_context(|| {
                format!(
                    "could not connect to MySQL at {}. Is MariaDB running? Locally: scripts/services.sh",
                    chatorder_db::pool::redact_url(secrecy::ExposeSecret::expose_secret(
                        &settings.database.url
                    ))
                )
            });
        }
        if !warned {
            tracing::warn!(error = %err, "MySQL does not answer; waiting for it before taking orders");
            warned = true;
        }
        tokio::select! {
            () = cancel.cancelled() => return Ok(false),
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
}

async fn run_boxed(settings: Settings, cancel: CancellationToken) -> anyhow::Result<()> {
    crate::metrics::describe();
    // The backlog series an alert watches exist from the start, at zero.
    crate::metrics::consumer_lag(crate::consumer::DURABLE, 0, 0);
    let settings = Arc::new(settings);
    let subjects = settings.subjects();
    if settings.database.migrate_on_start {
        chatorder_db::prepare(&settings).await?;
    }
    let schedule = settings.shop.schedule();
    let now = chrono::Utc::now();
    tracing::info!(
        always_open = schedule.is_always_open(),
        open_now = schedule.is_open(now),
        next_open = ?schedule.next_open(now),
        "taking new orders by shop.hours (and the owners' pause)"
    );
    let pool = chatorder_db::pool::pool(&settings.database.url, settings.database.pool_size)?;
    if !mysql_ready(&pool, &settings, &cancel).await? {
        return Ok(());
    }
    let client = chatorder_bus::connect(&settings.nats, "chatorder-orders-worker").await?;
    let js = async_nats::jetstream::new(client.clone());
    chatorder_bus::ensure_streams(&js, &subjects, &settings.nats).await?;
    let cache = Arc::new(Cache::new(&settings.redis));
    let owners = crate::owners::Owners::open(settings.clone(), &js, &subjects).await?;

    let consumer = Consumer {
        settings: settings.clone(),
        subjects: subjects.clone(),
        pool: pool.clone(),
        cache: cache.clone(),
        js: js.clone(),
        owners: owners.clone(),
        numbers: crate::numbers::Numbers::new(settings.database.url.clone()),
        published: Default::default(),
    };
    let queries = QueryService {
        settings: settings.clone(),
        subjects,
        pool: pool.clone(),
        cache,
        client: client.clone(),
        owners,
    };
    let js_for_lag = js.clone();
    let relay = tokio::spawn(outbox::relay_loop(
        pool,
        js,
        Duration::from_millis(settings.worker.outbox_poll_ms),
        Duration::from_millis(settings.worker.outbox_grace_ms),
        settings.nats.atomic_batch_from,
        cancel.clone(),
    ));
    let query_task = tokio::spawn(queries.run(cancel.clone()));
    let lag = tokio::spawn(lag_loop(
        js_for_lag,
        settings.subjects().commands_stream(),
        cancel.clone(),
    ));
    // Boxed: the consumer's state machine is large.
    let result = Box::pin(consumer.run(cancel.clone())).await;
    // Whatever ended the consumer ends the replica.
    cancel.cancel();
    let _ = relay.await;
    let _ = lag.await;
    match query_task.await {
        Ok(Err(e)) => tracing::warn!(error = %e, "query service ended with an error"),
        Err(e) => tracing::warn!(error = %e, "query service panicked"),
        Ok(Ok(())) => {}
    }
    let _ = client.flush().await;
    result
}

/// Every few seconds, exports the durable consumer's backlog (commands not
/// yet delivered, and delivered but not acknowledged) as gauges, and
/// purges the commands it has acknowledged from the stream. Every replica
/// reports the same shared figure (dashboards take the max) and purges
/// (the second purge of a run finds nothing).
async fn lag_loop(js: async_nats::jetstream::Context, stream: String, cancel: CancellationToken) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    let mut warned = false;
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        match chatorder_bus::purge_acknowledged(&js, &stream, crate::consumer::DURABLE).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(commands = n, "purged acknowledged commands"),
            // Said once: a NATS user without the right to purge (an old
            // permissions file) would say it every few seconds.
            Err(e) if !warned => {
                warned = true;
                tracing::warn!(error = %format!("{e:#}"), "cannot purge acknowledged commands from the command stream, which grows until it can (config/nats-permissions.conf lets the order worker); will retry");
            }
            Err(e) => {
                tracing::debug!(error = %format!("{e:#}"), "cannot purge acknowledged commands")
            }
        }
        let info: anyhow::Result<_> = async {
            let s = js.get_stream(&stream).await?;
            Ok(s.consumer_info(crate::consumer::DURABLE).await?)
        }
        .await;
        match info {
            Ok(info) => crate::metrics::consumer_lag(
                crate::consumer::DURABLE,
                info.num_pending,
                u64::try_from(info.num_ack_pending).unwrap_or(0),
            ),
            Err(e) => tracing::debug!(error = %e, "cannot read the consumer's backlog"),
        }
    }
}
