//! The bot's two durable feeds: order events (→ the board) and owner posts
//! (summaries and alerts → the channel). Both survive restarts as JetStream
//! durable consumers; what was already shown is remembered, so nothing is
//! posted twice.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer::pull};
use chatorder_bus::{FeedOptions, Settle};
use chatorder_shared::events::{Event, decode_event};
use chatorder_shared::owners::{OwnerPost, PostKind};
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use crate::board::Board;

pub const EVENTS_DURABLE: &str = "discord-bot";
pub const POSTS_DURABLE: &str = "discord-bot-posts";
/// Most events handled at once; one order's are still handled in order.
const BATCH: usize = 128;

/// Keeps the board in step with the orders until cancelled: different
/// orders at once, each order's events in order.
pub async fn run_events(board: Arc<Board>, cancel: CancellationToken) -> anyhow::Result<()> {
    let subjects = &board.workers.subjects;
    let consumer = chatorder_bus::durable(
        &board.workers.js,
        &subjects.events_stream(),
        pull::Config {
            durable_name: Some(EVENTS_DURABLE.to_owned()),
            description: Some("Discord bot: the order board".into()),
            deliver_policy: jetstream::consumer::DeliverPolicy::New,
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: chatorder_bus::feed::ACK_WAIT,
            filter_subject: subjects.events_wildcard(),
            max_ack_pending: 1000,
            ..Default::default()
        },
    )
    .await?;
    chatorder_bus::run_keyed(
        &consumer,
        FeedOptions {
            name: "board",
            batch: BATCH,
        },
        |msg| decode_event(&msg.payload),
        |env| match &env.data {
            Event::Message(m) => Some(m.number.0),
            other => other.order().map(|o| o.number.0),
        },
        |env| {
            let board = &board;
            async move {
                let span = tracing::info_span!("board", event.id = %env.id, event.kind = %env.kind);
                match board.handle(&env).instrument(span).await {
                    Ok(()) => Settle::Ack,
                    Err(e) => {
                        tracing::warn!(error = %e, "showing an event failed; it will be retried");
                        Settle::Retry(Duration::from_secs(2))
                    }
                }
            }
        },
        &cancel,
    )
    .await
}

/// Posts summaries and alerts, once each and in the order they came, until
/// cancelled.
pub async fn run_posts(board: Arc<Board>, cancel: CancellationToken) -> anyhow::Result<()> {
    let subjects = &board.workers.subjects;
    let consumer = chatorder_bus::durable(
        &board.workers.js,
        &subjects.owners_stream(),
        pull::Config {
            durable_name: Some(POSTS_DURABLE.to_owned()),
            description: Some("Discord bot: summaries and alerts".into()),
            // A new bot posts what is still news (the last hour), not a backlog.
            deliver_policy: jetstream::consumer::DeliverPolicy::ByStartTime {
                start_time: time::OffsetDateTime::now_utc() - time::Duration::hours(1),
            },
            ack_policy: jetstream::consumer::AckPolicy::Explicit,
            ack_wait: chatorder_bus::feed::ACK_WAIT,
            filter_subject: subjects.owners_wildcard(),
            ..Default::default()
        },
    )
    .await?;
    chatorder_bus::run_keyed(
        &consumer,
        FeedOptions {
            name: "owner posts",
            batch: BATCH,
        },
        |msg| OwnerPost::decode(&msg.payload),
        // One group: posts keep their order.
        |_| (),
        |post| {
            let board = &board;
            async move {
                match deliver(board, &post).await {
                    Ok(()) => Settle::Ack,
                    Err(e) => {
                        tracing::warn!(error = %e, post = %post.id, "posting failed; it will be retried");
                        Settle::Retry(Duration::from_secs(5))
                    }
                }
            }
        },
        &cancel,
    )
    .await
}

async fn deliver(board: &Board, post: &OwnerPost) -> anyhow::Result<()> {
    let seen = format!("post.{}", post.id);
    if board.workers.seen.get(&seen).await?.is_some() {
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
    board.workers.seen.put(&seen, "1".into()).await?;
    crate::metrics::owner_post(post.kind, "posted");
    Ok(())
}
