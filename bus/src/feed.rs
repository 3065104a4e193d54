//! A durable keyed feed: pull a batch, decode each message, group by key,
//! handle each group's messages in order (different groups at once), then
//! acknowledge or hand back with a delay. The notifier (one key per chat),
//! the Discord board (one key per order) and owner posts run on it.
//!
//! A message that cannot be decoded is logged and acknowledged: retrying
//! could not make it readable, and it must not hold back the rest.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// The `ack_wait` of the bots' and the API's event feeds: how long a message
/// lost on its way (a NATS node, or the process holding it, SIGKILLed) waits
/// before the server sends it again. Short, because a customer may be
/// waiting for it; [`run_keyed`] keeps every message it holds alive with
/// progress acknowledgements, so a slow send is not sent again meanwhile.
pub const ACK_WAIT: Duration = Duration::from_secs(10);

/// Runs the feed on `consumer` until `cancel`, then hands back what was
/// pulled but not handled. `decode` reads a message (its `Err` says why it
/// can't), `key` groups messages that must be handled in order, `handle`
/// does the work and says how to settle.
///
/// While a batch is handled, the messages that arrive are taken aside for
/// the next one (up to a batch), and every message held, in hand or aside,
/// is told to the server as still in progress every third of the consumer's
/// `ack_wait`: however long a batch takes, nothing is sent again while it
/// is held, and `ack_wait` can stay short.
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
    use futures::StreamExt as _;
    let every = keep_alive_every(consumer.cached_info().config.ack_wait);
    let mut messages = crate::consumer::pull(consumer, options.batch)
        .await
        .with_context(|| format!("pulling the {} feed", options.name))?;
    let mut aside: Vec<jetstream::Message> = Vec::new();
    loop {
        let batch = if aside.is_empty() {
            match crate::consumer::next_batch(&mut messages, options.batch, cancel).await? {
                Some(batch) => batch,
                None => return Ok(()),
            }
        } else if cancel.is_cancelled() {
            for msg in &aside {
                crate::consumer::give_back(msg).await;
            }
            crate::consumer::hand_back(&mut messages).await;
            return Ok(());
        } else {
            let mut batch = std::mem::take(&mut aside);
            crate::consumer::take_ready(&mut messages, &mut batch, options.batch);
            batch
        };
        let mut held = Vec::with_capacity(batch.len());
        // Each group's items, with the index of their message in `held`.
        let mut groups: HashMap<K, Vec<(usize, T)>> = HashMap::new();
        for msg in batch {
            if let Ok(info) = msg.info()
                && info.delivered > 1
            {
                // Not settled in time (`ack_wait`), or lost on its way.
                tracing::debug!(feed = options.name, subject = %msg.subject, delivered = info.delivered, "a message came again");
            }
            match decode(&msg) {
                Ok(item) => {
                    groups
                        .entry(key(&item))
                        .or_default()
                        .push((held.len(), item));
                    held.push(Held {
                        msg,
                        settled: AtomicBool::new(false),
                    });
                }
                Err(why) => {
                    tracing::warn!(feed = options.name, subject = %msg.subject, error = %why, "skipping a message this process cannot read");
                    settle(&msg, Settle::Ack).await;
                }
            }
        }
        let (handle, held) = (&handle, &held);
        let work = futures::future::join_all(groups.into_values().map(|group| async move {
            for (i, item) in group {
                let held = &held[i];
                let span =
                    tracing::info_span!("feed", feed = options.name, subject = %held.msg.subject);
                let outcome = handle(item).instrument(span).await;
                settle(&held.msg, outcome).await;
                held.settled.store(true, Ordering::Relaxed);
            }
        }));
        let mut work = std::pin::pin!(work);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut pulling = true;
        loop {
            tokio::select! {
                _ = &mut work => break,
                _ = tick.tick() => {
                    let unsettled = held.iter().filter(|h| !h.settled.load(Ordering::Relaxed)).map(|h| &h.msg);
                    keep_alive(unsettled.chain(aside.iter())).await;
                }
                next = messages.next(), if pulling && aside.len() < options.batch => match next {
                    Some(Ok(msg)) => aside.push(msg),
                    // `next_batch` says why, once this batch is done.
                    Some(Err(_)) | None => pulling = false,
                },
            }
        }
    }
}

/// A message of the batch in hand, and whether it has been settled.
struct Held {
    msg: jetstream::Message,
    settled: AtomicBool,
}

/// How often held messages are said to be in progress: three times per
/// `ack_wait`, so that one lost acknowledgement does not let one expire.
fn keep_alive_every(ack_wait: Duration) -> Duration {
    if ack_wait.is_zero() {
        ACK_WAIT / 3
    } else {
        (ack_wait / 3).max(Duration::from_millis(100))
    }
}

/// Tells the server that each message is still being worked on, so it is
/// not sent again after `ack_wait`.
async fn keep_alive<'a>(held: impl Iterator<Item = &'a jetstream::Message>) {
    for msg in held {
        if let Err(e) = msg.ack_with(AckKind::Progress).await {
            tracing::debug!(subject = %msg.subject, error = %e, "could not say a message is in progress");
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_messages_are_kept_alive_three_times_per_ack_wait() {
        assert_eq!(
            keep_alive_every(Duration::from_secs(9)),
            Duration::from_secs(3)
        );
        assert_eq!(
            keep_alive_every(Duration::from_secs(3)),
            Duration::from_secs(1)
        );
        assert_eq!(
            keep_alive_every(Duration::from_millis(30)),
            Duration::from_millis(100),
            "never a flood of acknowledgements"
        );
        assert_eq!(
            keep_alive_every(Duration::ZERO),
            ACK_WAIT / 3,
            "a consumer without its own ack_wait"
        );
    }
}
