//! A durable keyed feed: pull a batch, decode each message, group by key,
//! handle each group's messages in order (different groups at once), then
//! acknowledge or hand back with a delay. The notifier (one key per chat),
//! the Discord board (one key per order) and owner posts run on it.
//!
//! A message that cannot be decoded is logged and acknowledged: retrying
//! could not make it readable, and it must not hold back the rest.

use std::collections::HashMap;
use std::hash::Hash;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, AckKind};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

/// What a handler wants done with its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Done (or nothing to do): never deliver it again.
    Ack,
    /// Not now: deliver it again after this delay.
    Retry(Duration),
}

/// How a feed is pulled.
#[derive(Debug, Clone, Copy)]
pub struct FeedOptions {
    /// A name for logs (`board`, `notify`, `owner posts`).
    pub name: &'static str,
    /// Most messages handled at once.
    pub batch: usize,
}

/// Runs the feed on `consumer` until `cancel`, then hands back what was
/// pulled but not handled. `decode` reads a message (its `Err` says why it
/// can't), `key` groups messages that must be handled in order, `handle`
/// does the work and says how to settle.
pub async fn run_keyed<T, K, D, E, F, H, Fut>(
    consumer: &jetstream::consumer::PullConsumer,
    options: FeedOptions,
    decode: D,
    key: F,
    handle: H,
    cancel: &CancellationToken,
) -> anyhow::Result<()>
where
    D: Fn(&jetstream::Message) -> Result<T, E>,
    E: std::fmt::Display,
    F: Fn(&T) -> K,
    K: Hash + Eq,
    H: Fn(T) -> Fut,
    Fut: Future<Output = Settle>,
{
    let mut messages = crate::consumer::pull(consumer, options.batch)
        .await
        .with_context(|| format!("pulling the {} feed", options.name))?;
    while let Some(batch) =
        crate::consumer::next_batch(&mut messages, options.batch, cancel).await?
    {
        let mut groups: HashMap<K, Vec<(jetstream::Message, T)>> = HashMap::new();
        for msg in batch {
            match decode(&msg) {
                Ok(item) => groups.entry(key(&item)).or_default().push((msg, item)),
                Err(why) => {
                    tracing::warn!(feed = options.name, subject = %msg.subject, error = %why, "skipping a message this process cannot read");
                    settle(&msg, Settle::Ack).await;
                }
            }
        }
        let handle = &handle;
        futures::future::join_all(groups.into_values().map(|group| async move {
            for (msg, item) in group {
                let span = tracing::info_span!("feed", feed = options.name, subject = %msg.subject);
                let outcome = handle(item).instrument(span).await;
                settle(&msg, outcome).await;
            }
        }))
        .await;
    }
    Ok(())
}

async fn settle(msg: &jetstream::Message, how: Settle) {
    let result = match how {
        Settle::Ack => msg.ack().await,
        Settle::Retry(delay) => msg.ack_with(AckKind::Nak(Some(delay))).await,
    };
    if let Err(e) = result {
        // The server redelivers it after `ack_wait`; a handler is idempotent.
        tracing::warn!(subject = %msg.subject, error = %e, "could not settle a message; it will come again");
    }
}
