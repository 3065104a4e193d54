//! Durable pull consumers: made one way, pulled with short requests, and
//! handed back at shutdown so nothing waits out `ack_wait`.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, consumer::pull};

/// Finds or creates the durable pull consumer `config.durable_name` on
/// `stream`, and brings its settings up to date. Where a durable starts
/// (`deliver_policy`) is fixed when it is first made and it keeps its place
/// across restarts, so an existing one keeps its own start.
pub async fn durable(
    js: &jetstream::Context,
    stream: &str,
    mut config: pull::Config,
) -> anyhow::Result<jetstream::consumer::PullConsumer> {
    let name = config
        .durable_name
        .clone()
        .context("a durable consumer needs a name")?;
    let handle = js
        .get_stream(stream)
        .await
        .with_context(|| format!("finding stream {stream}"))?;
    if let Ok(mut existing) = handle.get_consumer::<pull::Config>(&name).await
        && let Ok(info) = existing.info().await
    {
        config.deliver_policy = info.config.deliver_policy;
    }
    handle
        .create_consumer(config)
        .await
        .with_context(|| format!("creating or updating the consumer {name} on {stream}"))
}

/// Waits for the next message of a pull consumer, then takes those already
/// waiting, up to `max`: a batch to work on. `Ok(None)` once `cancel`led,
/// after handing back what was prefetched.
/// A failed pull is logged and retried; a stream that ends is an error.
pub async fn next_batch(
    messages: &mut jetstream::consumer::pull::Stream,
    max: usize,
    cancel: &tokio_util::sync::CancellationToken,
) -> anyhow::Result<Option<Vec<jetstream::Message>>> {
    use futures::StreamExt as _;
    let first = loop {
        let next = tokio::select! {
            () = cancel.cancelled() => {
                hand_back(messages).await;
                return Ok(None);
            }
            next = messages.next() => next,
        };
        match next {
            Some(Ok(msg)) => break msg,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "pulling messages failed; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            None => anyhow::bail!("the subscription ended"),
        }
    };
    let mut batch = vec![first];
    take_ready(messages, &mut batch, max);
    Ok(Some(batch))
}

/// Adds to `batch` the messages already pulled and waiting, up to `max` in
/// all, without waiting for more.
pub fn take_ready(
    messages: &mut jetstream::consumer::pull::Stream,
    batch: &mut Vec<jetstream::Message>,
    max: usize,
) {
    use futures::{FutureExt as _, StreamExt as _};
    while batch.len() < max {
        match messages.next().now_or_never() {
            Some(Some(Ok(msg))) => batch.push(msg),
            _ => break,
        }
    }
}

/// Hands back every message already pulled but not taken, and those still
/// on their way to the open pull request (until none arrives for
/// [`HAND_BACK_QUIET`], at most [`HAND_BACK_MAX`]), so that another consumer
/// (or this one, restarted) gets them within a second instead of after the
/// consumer's `ack_wait`. Each is `Nak`ed with a short delay, so the server
/// does not send it straight back to the pull request being closed.
pub async fn hand_back(messages: &mut jetstream::consumer::pull::Stream) {
    use futures::StreamExt as _;
    let until = tokio::time::Instant::now() + HAND_BACK_MAX;
    loop {
        let quiet =
            HAND_BACK_QUIET.min(until.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(quiet, messages.next()).await {
            Ok(Some(Ok(msg))) => give_back(&msg).await,
            // A failed pull carries no message; keep listening until quiet.
            Ok(Some(Err(_))) => {}
            Ok(None) | Err(_) => return,
        }
    }
}

/// Hands back one message taken but not handled: `Nak` with
/// [`HAND_BACK_DELAY`].
pub async fn give_back(msg: &jetstream::Message) {
    let _ = msg
        .ack_with(jetstream::AckKind::Nak(Some(HAND_BACK_DELAY)))
        .await;
}

/// How long [`hand_back`] listens for messages still on their way.
const HAND_BACK_QUIET: Duration = Duration::from_millis(100);
const HAND_BACK_MAX: Duration = Duration::from_millis(500);
/// How long the server waits before sending a handed-back message again.
const HAND_BACK_DELAY: Duration = Duration::from_secs(1);

/// How long one pull request of [`pull`] stays open. Short, because the
/// server keeps feeding an open request of a client that died (a SIGKILLed
/// worker) until it expires, and each message fed to it then waits out the
/// consumer's `ack_wait` before redelivery.
pub const PULL_EXPIRES: Duration = Duration::from_secs(5);

/// The message stream of a pull consumer, pulling up to `batch` at a time
/// with short-lived pull requests ([`PULL_EXPIRES`]) and idle heartbeats.
pub async fn pull(
    consumer: &jetstream::consumer::PullConsumer,
    batch: usize,
) -> anyhow::Result<jetstream::consumer::pull::Stream> {
    consumer
        .stream()
        .max_messages_per_batch(batch)
        .expires(PULL_EXPIRES)
        .heartbeat(PULL_EXPIRES / 3)
        .messages()
        .await
        .context("pulling from a JetStream consumer")
}
