//! Stage one: each order event becomes one stored delivery per webhook
//! that wants its type. The event is acknowledged only after every
//! delivery is stored; a repeat (after a crash) is stored once, because
//! each delivery's message id is the event id and the webhook id.

use std::time::Duration;

use async_nats::HeaderMap;
use async_nats::jetstream::{self, consumer::pull, message::PublishMessage};
use chatorder_bus::feed::{FeedOptions, Settle};
use chatorder_shared::config::Settings;
use chatorder_shared::events::decode_event;
use tokio_util::sync::CancellationToken;

use super::supervisor::Registry;
use crate::views::EventView;

/// The durable consumer on the events stream.
pub const DURABLE: &str = "webhooks";

/// Headers every delivery carries from fan-out to the deliverer.
pub const EVENT_ID: &str = "Chatorder-Event-Id";
pub const EVENT_TYPE: &str = "Chatorder-Event-Type";
/// When the delivery was first stored (unix seconds): retries stop a
/// retry window after it.
pub const FIRST_AT: &str = "Chatorder-First-At";

pub async fn run(
    js: jetstream::Context,
    settings: Settings,
    registry: Registry,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let subjects = settings.subjects();
    let consumer = chatorder_bus::consumer::durable(
        &js,
        &subjects.events_stream(),
        pull::Config {
            durable_name: Some(DURABLE.to_owned()),
            description: Some("Turns order events into webhook deliveries".to_owned()),
            deliver_policy: jetstream::consumer::DeliverPolicy::New,
            ack_wait: chatorder_bus::feed::ACK_WAIT,
            max_ack_pending: 1_000,
            ..Default::default()
        },
    )
    .await?;
    let subjects = &subjects;
    let js = &js;
    let registry = &registry;
    chatorder_bus::feed::run_keyed(
        &consumer,
        FeedOptions {
            name: "webhook fan-out",
            batch: 64,
        },
        |msg| decode_event(&msg.payload),
        |event| event.id,
        |event| async move {
            let Some(view) = EventView::of(&event) else {
                return Settle::Ack;
            };
            let hooks = registry.wanting(&view.kind);
            if hooks.is_empty() {
                return Settle::Ack;
            }
            let body = match serde_json::to_vec(&view) {
                Ok(b) => bytes::Bytes::from(b),
                Err(e) => {
                    tracing::error!(error = %e, "cannot encode an event for webhooks");
                    return Settle::Ack;
                }
            };
            let first_at = chrono::Utc::now().timestamp().to_string();
            for hook in hooks {
                let mut headers = HeaderMap::new();
                headers.insert(EVENT_ID, view.id.to_string().as_str());
                headers.insert(EVENT_TYPE, view.kind.as_str());
                headers.insert(FIRST_AT, first_at.as_str());
                let msg = PublishMessage::build()
                    .payload(body.clone())
                    .headers(headers)
                    .message_id(format!("{}:{}", view.id, hook.id));
                let stored = match js
                    .send_publish(super::deliver_subject(subjects, &hook.id), msg)
                    .await
                {
                    Ok(ack) => ack.await.map(|_| ()).map_err(anyhow::Error::from),
                    Err(e) => Err(anyhow::Error::from(e)),
                };
                if let Err(e) = stored {
                    tracing::warn!(error = %e, webhook = %hook.id, "a delivery was not stored; the event will be tried again");
                    return Settle::Retry(Duration::from_secs(1));
                }
            }
            Settle::Ack
        },
        &cancel,
    )
    .await
}
