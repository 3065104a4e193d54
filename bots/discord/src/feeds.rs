//! The bot's two durable feeds: order events (→ the board) and owner posts
//! (summaries and alerts → the channel). Both survive restarts as JetStream
//! durable consumers; what was already shown is remembered, so nothing is
//! posted twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, AckKind, consumer::pull};
use chatorder_shared::events::decode_event;
use chatorder_shared::owners::{OwnerPost, PostKind};
use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::board::Board;

pub const EVENTS_DURABLE: &str = "discord-bot";
pub const POSTS_DURABLE: &str = "discord-bot-posts";
/// Most events handled at once; one order's are still handled in order.
const BATCH: usize = 128;

async fn consumer(
    js: &jetstream::Context,
    stream: &str,
    config: pull::Config,
) -> anyhow::Result<jetstream::consumer::PullConsumer> {
    let stream_ = js
        .get_stream(stream)
        .await
        .with_context(|| format!("finding stream {stream}"))?;
    // An existing durable keeps its place (and its start settings).
    if let Some(name) = &config.durable_name
        && let Ok(existing) = stream_.get_consumer(name).await
    {
        return Ok(existing);
    }
    stream_
        .create_consumer(config)
        .await
        .with_context(|| format!("creating a consumer on {stream}"))
}

/// Keeps the board in step with the orders until cancelled.
pub async fn run_events(board: Arc<Board>, cancel: CancellationToken) -> anyhow::Result<()> {
    let subjects = &board.gw.subjects;
    let consumer = consumer(
        &board.gw.js,
        &subjects.events_stream(),
        pull::Config {
            durable_name: Some(EVENTS_DURABLE.to_owned()),
            description: Some("Discord bot: the order board".into()),
            deliver_policy: jetstream::consumer::DeliverPolicy::New,
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_secs(60),
            filter_subject: subjects.events_wildcard(),
            max_ack_pending: 1000,
            ..Default::default()
        },
    )
    .await?;
    let mut messages = chatorder_shared::nats::pull(&consumer, BATCH)
        .await
        .context("pulling events")?;
    while let Some(batch) =
        chatorder_shared::nats::next_batch(&mut messages, BATCH, &cancel).await?
    {
        // Different orders in parallel, each order's events in order.
        let mut by_order: HashMap<Option<u64>, Vec<_>> = HashMap::new();
        for msg in batch {
            let env = decode_event(&msg.payload)
                .map_err(|e| {
                    tracing::warn!(error = %e, subject = %msg.subject, "skipping an event this bot cannot read");
                })
                .ok();
            let number = env.as_ref().and_then(|e| match &e.data {
                chatorder_shared::events::Event::Message(m) => Some(m.number.0),
                other => other.order().map(|o| o.number.0),
            });
            by_order.entry(number).or_default().push((msg, env));
        }
        let board = &board;
        futures::future::join_all(by_order.into_values().map(|events| async move {
            for (msg, env) in events {
                let Some(env) = env else {
                    let _ = msg.ack().await;
                    continue;
                };
                let span = tracing::info_span!("board", event.id = %env.id, event.kind = %env.kind);
                match board.handle(&env).instrument(span).await {
                    Ok(()) => {
                        let _ = msg.ack().await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "showing an event failed; it will be retried");
                        let _ = msg
                            .ack_with(AckKind::Nak(Some(Duration::from_secs(2))))
                            .await;
                    }
                }
            }
        }))
        .await;
    }
    Ok(())
}

/// Posts summaries and alerts, once each, until cancelled.
pub async fn run_posts(board: Arc<Board>, cancel: CancellationToken) -> anyhow::Result<()> {
    let subjects = &board.gw.subjects;
    let consumer = consumer(
        &board.gw.js,
        &subjects.owners_stream(),
        pull::Config {
            durable_name: Some(POSTS_DURABLE.to_owned()),
            description: Some("Discord bot: summaries and alerts".into()),
            // A new bot posts what is still news (the last hour), not a backlog.
            deliver_policy: jetstream::consumer::DeliverPolicy::ByStartTime {
                start_time: time::OffsetDateTime::now_utc() - time::Duration::hours(1),
            },
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: Duration::from_secs(60),
            filter_subject: subjects.owners_wildcard(),
            ..Default::default()
        },
    )
    .await?;
    let mut messages = chatorder_shared::nats::pull(&consumer, BATCH)
        .await
        .context("pulling owner posts")?;
    loop {
        let next = tokio::select! {
            () = cancel.cancelled() => {
                chatorder_shared::nats::hand_back(&mut messages).await;
                return Ok(());
            }
            next = messages.next() => next,
        };
        let msg = match next {
            Some(Ok(msg)) => msg,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "pulling owner posts failed; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            None => anyhow::bail!("the owner post subscription ended"),
        };
        let post = match OwnerPost::decode(&msg.payload) {
            Ok(p) => p,
            Err(why) => {
                tracing::warn!(subject = %msg.subject, why, "skipping an owner post this bot cannot read");
                let _ = msg.ack().await;
                continue;
            }
        };
        match deliver(&board, &post).await {
            Ok(()) => {
                let _ = msg.ack().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, post = %post.id, "posting failed; it will be retried");
                let _ = msg
                    .ack_with(AckKind::Nak(Some(Duration::from_secs(5))))
                    .await;
            }
        }
    }
}

async fn deliver(board: &Board, post: &OwnerPost) -> anyhow::Result<()> {
    let seen = format!("post.{}", post.id);
    if board.gw.seen.get(&seen).await?.is_some() {
        crate::metrics::owner_post(post.kind, "duplicate");
        return Ok(());
    }
    let icon = match post.kind {
        PostKind::Summary => "📊",
        PostKind::Alert => "⚠️",
    };
    let text = format!(
        "{icon} **{}**\n{}",
        crate::render::defang(&post.title),
        crate::render::defang(&post.body)
    );
    board.say(board.channel, &text).await?;
    board.gw.seen.put(&seen, "1".into()).await?;
    crate::metrics::owner_post(post.kind, "posted");
    Ok(())
}
